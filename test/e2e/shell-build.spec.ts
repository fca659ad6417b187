/**
 * Properties of the build the shell relies on (checked on `out/` after `electron-vite build`):
 * a self-contained CommonJS preload with the contract's names, a browser-mode server that does
 * not need Electron, heavy/native deps left external, ESM-only electron-store bundled.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { EVENT_NAMES, REQUEST_NAMES } from '../../src-shared/contract';
import { OUT } from './helpers/env';

const read = (p: string): string => readFileSync(path.join(OUT, p), 'utf8');
const requires = (src: string): string[] => [...src.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);

/** Every module a bundle loads, following its local chunks. */
function closure(entry: string): string[] {
  const seen = new Set<string>();
  const out = new Set<string>();
  const visit = (rel: string): void => {
    if (seen.has(rel)) return;
    seen.add(rel);
    for (const r of requires(read(rel))) {
      if (r.startsWith('./') || r.startsWith('../')) visit(path.posix.join(path.posix.dirname(rel), r));
      else out.add(r);
    }
  };
  visit(entry);
  return [...out];
}

test.describe('build output', () => {
  test('every entry exists', () => {
    for (const f of ['main/index.js', 'main/engine-entry.js', 'main/server.js', 'main/cli.js', 'preload/preload.js', 'renderer/index.html']) {
      expect(existsSync(path.join(OUT, f)), f).toBe(true);
    }
  });

  test('the preload is one CommonJS file that only requires electron, with the contract names', () => {
    const src = read('preload/preload.js');
    expect(requires(src)).toEqual(['electron']);
    expect(src).not.toMatch(/^\s*(import|export)\s/m);
    expect(readdirSync(path.join(OUT, 'preload')).filter((f) => f.endsWith('.js'))).toEqual(['preload.js']);
    for (const n of [...REQUEST_NAMES, ...EVENT_NAMES, 'engine:restart', 'dialog:openFolder', 'menu:command']) expect(src).toContain(`"${n}"`);
  });

  test('browser mode and the engine do not load Electron', () => {
    expect(closure('main/server.js')).not.toContain('electron');
    expect(closure('main/engine-entry.js')).not.toContain('electron');
    expect(closure('main/cli.js')).not.toContain('electron');
  });

  test('tfjs and sharp stay external; electron-store (ESM-only) is bundled into main', () => {
    const engine = closure('main/engine-entry.js');
    expect(engine).toContain('@tensorflow/tfjs');
    const main = closure('main/index.js');
    expect(main).toContain('electron');
    expect(main).not.toContain('electron-store');
    expect(main).not.toContain('@tensorflow/tfjs');
  });

  test('the renderer loads no remote code', () => {
    const html = read('renderer/index.html');
    expect(html).not.toMatch(/src="(https?:)?\/\//);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline scripts (CSP script-src 'self')
  });
});
