/**
 * docs/TESTIDS.md lists every `data-testid` the renderer sets, and nothing else: a hook renamed
 * or added in the code without the list (or the other way round) fails here. The e2e specs may
 * only use listed ids.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABS } from '../../../src-renderer/src/state/settings.svelte';

const ROOT = path.resolve(__dirname, '../../..');

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every test id the renderer's sources set, with the files that set it. */
function idsInCode(): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  const add = (id: string, file: string) => ids.set(id, [...(ids.get(id) ?? []), path.relative(ROOT, file)]);
  for (const file of files(path.join(ROOT, 'src-renderer'), /\.(svelte|ts|html)$/)) {
    const text = readFileSync(file, 'utf8');
    // data-testid="x", data-testid="tab-{t.id}", data-testid="latent-slider-{i}" (listed as
    // `latent-slider-<i>`), testid="x" / testid = 'x' passed to components that set it, and
    // testid: 'x' in a component's table of fields (GanFields.svelte).
    for (const m of text.matchAll(/(?:data-testid\s*=|\btestid\s*[=:])\s*["']([^"'{}]*(?:\{t\.id\}|\{i\})?)["']/g)) {
      const id = m[1];
      if (id.includes('{t.id}')) for (const t of TABS) add(id.replace('{t.id}', t.id), file);
      else add(id.replace('{i}', '<i>'), file);
    }
  }
  return ids;
}

function idsInDoc(): string[] {
  const doc = readFileSync(path.join(ROOT, 'docs/TESTIDS.md'), 'utf8');
  return [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}

describe('data-testid list', () => {
  const code = idsInCode();
  const doc = idsInDoc();

  it('finds the hooks in the code (the scan itself works)', () => {
    expect(code.get('latent-scatter')).toEqual(['src-renderer/src/components/LatentScatter.svelte']);
    expect(code.has('tab-export')).toBe(true);
    expect(code.has('compare-scatter-b')).toBe(true);
    expect(code.size).toBeGreaterThan(40);
  });

  it('docs/TESTIDS.md lists each id once', () => {
    expect(doc.filter((id, i) => doc.indexOf(id) !== i)).toEqual([]);
  });

  it('every id in the code is listed, and every listed id is in the code', () => {
    const missing = [...code.keys()].filter((id) => !doc.includes(id)).sort();
    const stale = doc.filter((id) => !code.has(id)).sort();
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it('the e2e specs use listed ids only', () => {
    const used = new Set<string>();
    for (const file of files(path.join(ROOT, 'test/e2e'), /\.ts$/)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/getByTestId\(\s*(['"`])([^'"`$]+)\1\s*\)/g)) used.add(m[2]);
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((id) => !doc.includes(id)).sort()).toEqual([]);
  });
});
