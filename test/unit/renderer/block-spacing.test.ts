/**
 * Words glued together around Svelte blocks: Svelte drops the whitespace at the start and end of
 * an `{#if}` / `{#each}` / `{:else}` block's content, so `{hint}{#if x} This model…{/if}` shows
 * "projector config.This model…" (a fresh user's report), and `<span>…</span> {/each}` runs the
 * Fréchet notes of A and B together. Every renderer component is scanned for such a space; a
 * space that must show is written `{' '}`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compile } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../../src-renderer/src');

function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? svelteFiles(path.join(dir, e.name)) : e.name.endsWith('.svelte') ? [path.join(dir, e.name)] : [],
  );
}

/** Block tags whose content starts or ends with a space before/after other text on the same line: `file:line text`. */
function gluedSpaces(file: string, src: string): string[] {
  // Markup only: script and style blocks blanked (their line count kept).
  const body = src.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, (m) => '\n'.repeat(m.split('\n').length - 1));
  const found: string[] = [];
  for (const m of body.matchAll(/\{[#:/][^{}]*(?:\{[^{}]*\}[^{}]*)*\}/g)) {
    const tag = m[0];
    const start = m.index!;
    const end = start + tag.length;
    const line = body.slice(0, start).split('\n').length;
    const where = `${path.relative(ROOT, file)}:${line}`;
    if ((tag.startsWith('{#') || tag.startsWith('{:')) && / \S/.test(body.slice(end, end + 2))) found.push(`${where} ${tag} "${body.slice(end, end + 24)}"`);
    if ((tag.startsWith('{/') || tag.startsWith('{:')) && /\S $/.test(body.slice(Math.max(0, start - 2), start))) found.push(`${where} "${body.slice(Math.max(0, start - 24), start)}" ${tag}`);
  }
  return found;
}

describe('spaces at the edges of Svelte blocks', () => {
  it('Svelte drops them (why a space that must show is written {\' \'})', () => {
    const code = compile('<p>a{#if true} b{/if}</p>', { generate: 'server' }).js.code;
    expect(code).toContain('-->b');
    expect(code).not.toContain('--> b');
  });

  it('no component glues words together at a block’s edge', () => {
    const files = svelteFiles(ROOT);
    expect(files.length).toBeGreaterThan(20);
    const glued = files.flatMap((f) => gluedSpaces(f, readFileSync(f, 'utf8')));
    expect(glued).toEqual([]);
  });

  it('the scan finds the reported glitches', () => {
    expect(gluedSpaces('x.svelte', '<p>{fmt.hint}{#if !ok} This model was trained on 2-D points.{/if}</p>')).toHaveLength(1);
    expect(gluedSpaces('x.svelte', '<p>{#each notes as n (n)}<span>{n}.</span> {/each}</p>')).toHaveLength(1);
    expect(gluedSpaces('x.svelte', "<p>{#if ok}{' '}This model{/if}</p>")).toEqual([]);
  });
});
