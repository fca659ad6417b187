/**
 * The import boundaries of docs/ARCHITECTURE.md, enforced by dependency-cruiser
 * (`.dependency-cruiser.cjs`, also `npm run lint:deps`): the real tree has no violation, and a
 * planted forbidden import of each kind is refused by its rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const config = path.join(root, '.dependency-cruiser.cjs');
const bin = path.join(root, 'node_modules', '.bin', 'depcruise');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Cruise `dirs` under `cwd` with the project's rules; returns the violations. */
function cruise(cwd: string, dirs: string[]): Violation[] {
  const r = spawnSync(bin, [...dirs, '--config', config, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (!r.stdout) throw new Error(`depcruise printed nothing: ${r.stderr}`);
  return JSON.parse(r.stdout).summary.violations as Violation[];
}

describe('import boundaries', () => {
  it('the source tree keeps every boundary (engine, host, server, shared, renderer)', () => {
    const found = cruise(root, ['src-main', 'src-shared', 'src-renderer/src']);
    expect(found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  describe('a planted forbidden import is refused', () => {
    let tree: string;
    let planted: Violation[] = [];
    const plant = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      writeFileSync(path.join(tree, rel), text);
    };
    const cases: Array<[rule: string, file: string, text: string, to: RegExp]> = [
      ['engine-is-plain-node', 'src-main/engine/planted-electron.ts', "import { app } from 'electron';\nexport const a = app;\n", /electron/],
      ['engine-is-plain-node', 'src-main/engine/planted-host.ts', "import { host } from '../host/engine-host';\nexport const a = host;\n", /src-main\/host\//],
      ['engine-is-plain-node', 'src-main/engine/planted-shell.ts', "import { win } from '../shell/window';\nexport const a = win;\n", /src-main\/shell\//],
      ['engine-is-plain-node', 'src-main/engine/planted-server.ts', "import { server } from '../server/server';\nexport const a = server;\n", /src-main\/server\//],
      ['engine-is-plain-node', 'src-main/engine/planted-renderer.ts', "import { api } from '../../src-renderer/src/lib/api';\nexport const a = api;\n", /src-renderer\//],
      ['renderer-only-talks-through-shared', 'src-renderer/src/planted.ts', "import { engine } from '../../src-main/engine/engine';\nexport const a = engine;\n", /src-main\/engine\//],
      ['renderer-only-talks-through-shared', 'src-renderer/src/planted-type.ts', "import type { host } from '../../src-main/host/engine-host';\nexport type A = typeof host;\n", /src-main\/host\//],
      ['components-talk-to-state', 'src-renderer/src/components/Planted.ts', "import { api } from '../lib/api';\nexport const a = api;\n", /lib\/api\.ts/],
      ['shared-only-zod', 'src-shared/planted.ts', "import fs from 'node:fs';\nexport const a = fs;\n", /fs/],
      ['shared-only-zod', 'src-shared/planted-main.ts', "import { engine } from '../src-main/engine/engine';\nexport const a = engine;\n", /src-main/],
      ['host-no-electron', 'src-main/host/planted.ts', "import { BrowserWindow } from 'electron';\nexport const a = BrowserWindow;\n", /electron/],
    ];
    beforeAll(() => {
      // A miniature project with the same folder names, resolving packages from ours.
      tree = mkdtempSync(path.join(os.tmpdir(), 'latent-lab-boundaries-'));
      symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
      writeFileSync(path.join(tree, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler' } }));
      plant('src-shared/types.ts', "import { z } from 'zod';\nexport const T = z.string();\n");
      plant('src-main/host/engine-host.ts', "export const host = 1;\n");
      plant('src-main/shell/window.ts', "export const win = 1;\n");
      plant('src-main/server/server.ts', "export const server = 1;\n");
      plant('src-main/engine/engine.ts', "export const engine = 1;\n");
      plant('src-renderer/src/lib/api.ts', "import { T } from '../../../src-shared/types';\nexport const api = T;\n");
      for (const [, file, text] of cases) plant(file, text);
      planted = cruise(tree, ['src-main', 'src-shared', 'src-renderer']);
    });
    afterAll(() => rmSync(tree, { recursive: true, force: true }));


    it.each(cases)('%s refuses %s', (rule, file, _text, to) => {
      const hits = planted.filter((v) => v.from === file);
      expect(hits.map((v) => v.rule.name)).toContain(rule);
      expect(hits.find((v) => v.rule.name === rule)!.to).toMatch(to);
    });

    it('nothing but the planted imports is refused (the rules do not fire on allowed imports)', () => {
      const plantedFiles = new Set(cases.map((c) => c[1]));
      expect(planted.filter((v) => !plantedFiles.has(v.from))).toEqual([]);
    });
  });

  it("the main side's WebAssembly types (it has no DOM library) are TypeScript's own, regenerated", () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'gen-wasm-types.cjs'), '--print'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(root, 'src-main', 'types', 'webassembly.d.ts'), 'utf8')).toBe(r.stdout);
  });
});
