/**
 * `src-main/env.ts` is the one list of `LATENT_LAB_*` variables: the README's table equals it,
 * every variable the code mentions is in it, and the renderer reads none.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_TABLE_END, ENV_TABLE_START, ENV_VARS, envFlag, envTable, envValue } from '../../src-main/env';

const ROOT = path.resolve(__dirname, '../..');
const SKIP = new Set(['node_modules', 'out', 'test-results', 'playwright-report', 'results', 'screenshots']);

/** Text files under a folder (sources, scripts, docs), skipping builds and outputs. */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || SKIP.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|cts|cjs|mjs|js|svelte|md|json|sh)$/.test(e.name)) out.push(p);
  }
  return out;
}

const NAME = /LATENT_LAB_[A-Z0-9_]*[A-Z0-9]/g;

describe('environment variables', () => {
  it("README's table is the one made from src-main/env.ts (else: npx tsx scripts/make-env-table.ts)", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf(ENV_TABLE_START);
    const end = readme.indexOf(ENV_TABLE_END);
    expect(start, 'README.md has no environment table block').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    expect(readme.slice(start + ENV_TABLE_START.length, end).trim()).toBe(envTable());
  });

  it('every LATENT_LAB_* name in the sources, tests, scripts and docs is listed, and each listed one is used', () => {
    const roots = ['src-main', 'src-renderer', 'src-shared', 'test', 'bench', 'scripts', 'bin', 'docs', '.ci'];
    const own = new Set(['src-main/env.ts', 'test/unit/env.test.ts']); // the list itself
    const seen = new Map<string, string>();
    const texts = [...roots.flatMap((r) => files(path.join(ROOT, r))), path.join(ROOT, 'electron.vite.config.ts')];
    for (const f of texts) {
      if (own.has(path.relative(ROOT, f).split(path.sep).join('/'))) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(NAME)) if (!seen.has(m[0])) seen.set(m[0], path.relative(ROOT, f));
    }
    const unknown = [...seen].filter(([n]) => !(n in ENV_VARS)).map(([n, f]) => `${n} (${f})`);
    expect(unknown, 'add these to ENV_VARS in src-main/env.ts').toEqual([]);
    expect(Object.keys(ENV_VARS).filter((n) => !seen.has(n)), 'listed but used nowhere').toEqual([]);
  });

  it('the renderer reads no environment variable', () => {
    for (const f of files(path.join(ROOT, 'src-renderer'))) expect(readFileSync(f, 'utf8'), f).not.toMatch(NAME);
  });

  it('envValue: unset and empty are undefined, anything else is returned as set', () => {
    const env = { LATENT_LAB_HOME: ' /tmp/ws ', LATENT_LAB_DEBUG: '' };
    expect(envValue('LATENT_LAB_HOME', env)).toBe(' /tmp/ws ');
    expect(envValue('LATENT_LAB_DEBUG', env)).toBeUndefined();
    expect(envValue('LATENT_LAB_BACKEND', env)).toBeUndefined();
    expect(envFlag('LATENT_LAB_DEBUG', env)).toBe(false);
    expect(envFlag('LATENT_LAB_DEBUG', { LATENT_LAB_DEBUG: '0' })).toBe(true);
    // names are typed: a misspelt variable does not compile
    // @ts-expect-error not a Latent Lab variable
    expect(envValue('LATENT_LAB_DEBGU', env)).toBeUndefined();
  });

  it('each entry says what it does, its values and its default', () => {
    for (const [name, d] of Object.entries(ENV_VARS)) {
      expect(d.meaning.length, name).toBeGreaterThan(10);
      expect(d.values.length, name).toBeGreaterThan(0);
      expect(d.default.length, name).toBeGreaterThan(0);
      expect(['app', 'build', 'tests', 'bench']).toContain(d.scope);
    }
  });
});
