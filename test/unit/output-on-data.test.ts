/**
 * Exports and the CLI's own outputs never land on a user's data (tester 3, findings 1, 6, 7):
 * - Replace (overwrite) from run X into the folder — or over the .npz — that ANOTHER saved run Y
 *   was trained on is refused naming Y, whether or not Y is loaded, in the engine and the CLI
 *   (it used to delete Y's images and say "Exported 9 images");
 * - `inspect --preview-out` and `train --out` inside the data they read are refused (the
 *   preview / run used to become one more class of the dataset);
 * - `~/x` is the home folder for exports as for data paths; a NUL in a destination is refused in
 *   plain words.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { nodeFs, type FsSeam } from '../../src-main/engine/export';
import { makeFolderDataset, makeTemp, rmTemp } from '../fixtures/generate';
import { runCli } from './cliOutput';
import { snapshot } from '../fixtures/snapshot';

let root: string;
let ws: string;
let data: string;
/** The export run Y was trained on (an imagefolder export of X), and the .npz run Z was trained on. */
let race: string;
let npzDir: string;
let npzFile: string;
let runX = '';
let runY = '';
let runZ = '';
let engine: Engine;

const train = async (e: Engine, p: string) => {
  const { runId } = await e.call('training:start', {
    dataset: { id: 'local', path: p },
    model: { kind: 'cvae', latentDim: 2, hidden: [16] },
    epochs: 1,
    batchSize: 8,
    snapshotSize: 0,
  });
  await e.waitForTraining();
  return runId;
};

beforeAll(async () => {
  root = await makeTemp('ll-out-on-data-');
  ws = path.join(root, 'lab');
  data = path.join(root, 'shapes');
  race = path.join(root, 'exp', 'race');
  npzDir = path.join(root, 'exp', 'npzdata');
  await makeFolderDataset(data, ['circle', 'bar'], 10);
  const first = await Engine.create({ workspace: ws, emit: () => undefined });
  runX = await train(first, data);
  await first.call('runs:open', { runId: runX });
  await first.call('export:start', { runId: runX, format: 'imagefolder', count: 12, out: race, overwrite: false });
  await first.call('export:start', { runId: runX, format: 'npz', count: 12, out: npzDir, overwrite: false });
  npzFile = path.join(npzDir, (await fsp.readdir(npzDir)).find((n) => n.endsWith('.npz'))!);
  runY = await train(first, race);
  runZ = await train(first, npzFile);
  await first.dispose();
  // A new engine: only X is loaded, Y and Z are saved runs on disk.
  engine = await Engine.create({ workspace: ws, emit: () => undefined });
  await engine.call('runs:open', { runId: runX });
}, 180_000);

afterAll(async () => {
  await engine?.dispose();
  await rmTemp(root);
});

/** How a refusal names a run: as the Saved runs list does (here its default name, the model, its batch 8 (not the CVAE's default) and its data's folder or file), then its folder id. */
const called = (data: string, id: string) => `"CVAE z=2 β=5 batch 8 · ${data}" [${id}]`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const exportTo = (out: string, format: 'imagefolder' | 'npz' | 'idx' | 'embeddings' = 'imagefolder') =>
  engine.handle('export:start', { runId: runX, format, count: 3, out, overwrite: true });

describe('an export never replaces the data of a saved run that is not loaded', () => {
  it('Replace into the export another run was trained on, or over the .npz it was trained on, is refused naming that run; nothing is touched', async () => {
    const before = await snapshot(path.join(root, 'exp'));
    const cases: Array<[string, RegExp]> = [
      [race, new RegExp(`race is the dataset folder of run ${esc(called('race', runY))}: exports never write there`)],
      [path.join(race, 'circle'), new RegExp(`is inside the dataset folder of run ${esc(called('race', runY))}`)],
      [npzDir, new RegExp(`npzdata contains the dataset file of run ${esc(called(path.basename(npzFile), runZ))} \\(${esc(npzFile)}\\): exports never write over it`)],
      [path.join(root, 'exp'), /contains the dataset (folder|file) of run/],
    ];
    for (const [out, msg] of cases) {
      for (const format of ['imagefolder', 'npz', 'embeddings'] as const) {
        expect(await exportTo(out, format), `${out} ${format}`).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(msg) } });
      }
    }
    expect(await snapshot(path.join(root, 'exp'))).toEqual(before);
    // Other destinations still work.
    expect((await exportTo(path.join(root, 'elsewhere'))).ok).toBe(true);
  });

  it('with that run loaded, the refusal is the same (a file is called a file)', async () => {
    await engine.call('runs:open', { runId: runZ });
    try {
      expect(await exportTo(npzDir, 'npz')).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining(`npzdata contains the dataset file of run ${called(path.basename(npzFile), runZ)}`) } });
      expect(await exportTo(npzFile, 'npz')).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining(`is the dataset file of run ${called(path.basename(npzFile), runZ)}`) } });
    } finally {
      await engine.call('runs:open', { runId: runX });
    }
  });

  it('a run trained after the engine started is protected too (its record is read when it appears)', async () => {
    const later = path.join(root, 'later-data');
    await fsp.cp(race, later, { recursive: true });
    const e2 = await Engine.create({ workspace: ws, emit: () => undefined });
    let runW = '';
    try {
      runW = await train(e2, later);
    } finally {
      await e2.dispose();
    }
    expect(await exportTo(later)).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining(`the dataset folder of run ${called('later-data', runW)}`) } });
  }, 120_000);

  it('the CLI (generate --overwrite, which loads only its own run) refuses it in one line naming the run', async () => {
    const before = await snapshot(race);
    const r = await runCli(['generate', '--run', path.join(ws, 'runs', runX), '--format', 'imagefolder', '--count', '2', '--out', race, '--overwrite'], { home: ws });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`latent-lab: ${race} is the dataset folder of run ${called('race', runY)}: exports never write there; choose a folder outside it`]);
    expect(await snapshot(race)).toEqual(before);
  }, 60_000);
});

describe('two processes exporting to one folder at once', () => {
  it("the CLI's generate into the folder the app is exporting to is BUSY; the app's export completes as its own", async () => {
    let hold = () => {};
    const held = new Promise<void>((r) => (hold = r));
    let entered = () => {};
    const inWrite = new Promise<void>((r) => (entered = r));
    // The app's export stops just before its manifest, as a long export would be mid-way.
    const exportFs: FsSeam = {
      ...nodeFs,
      writeFile: async (f, d) => {
        if (f.endsWith('manifest.json')) {
          entered();
          await held;
        }
        await nodeFs.writeFile(f, d);
      },
    };
    const app = await Engine.create({ workspace: ws, emit: () => undefined, exportFs });
    try {
      await app.call('runs:open', { runId: runX });
      const out = path.join(root, 'both');
      const appExport = app.handle('export:start', { runId: runX, format: 'imagefolder', count: 3, out, overwrite: true });
      await inWrite;
      const cli = await runCli(['generate', '--run', path.join(ws, 'runs', runX), '--format', 'npz', '--count', '2', '--out', out, '--overwrite'], { home: ws });
      expect(cli.code).toBe(1);
      expect(cli.stderr.trim()).toBe(`latent-lab: another export to ${out} is running in process ${process.pid}; try again when it has finished`);
      hold();
      expect((await appExport).ok).toBe(true);
      expect(JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8')).format).toBe('imagefolder');
    } finally {
      hold();
      await app.dispose();
    }
  }, 60_000);
});

describe("the CLI's own outputs never land in the data they read", () => {
  it('inspect --preview-out inside the dataset folder is refused, nothing written; outside it works', async () => {
    const before = await snapshot(data);
    const inside = path.join(data, 'preview');
    const r = await runCli(['inspect', '--data', data, '--preview-out', inside], { home: ws });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`latent-lab: --preview-out ${inside} is inside the data being inspected (${data}): nothing is ever written there; choose a folder outside it`);
    expect(await snapshot(data)).toEqual(before);
    // Inside another saved run's data, too.
    const r2 = await runCli(['inspect', '--data', data, '--preview-out', path.join(race, 'preview')], { home: ws });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`is inside the dataset folder of run ${called('race', runY)}`);
    const ok = await runCli(['inspect', '--data', data, '--preview-out', path.join(root, 'preview')], { home: ws });
    expect(ok.code, ok.stderr).toBe(0);
    expect((await fsp.readdir(path.join(root, 'preview'))).sort()).toEqual(['bar', 'circle']);
  }, 90_000);

  it('train --out inside the dataset folder is refused before training; the dataset keeps its two classes', async () => {
    const before = await snapshot(data);
    const runsBefore = (await fsp.readdir(path.join(ws, 'runs'))).length;
    const inside = path.join(data, 'newrun');
    const r = await runCli(['train', '--data', data, '--epochs', '1', '--out', inside], { home: ws });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`latent-lab: --out ${inside} is inside the data being trained on (${data}): nothing is ever written there; choose a folder outside it`);
    expect(await snapshot(data)).toEqual(before);
    expect((await fsp.readdir(path.join(ws, 'runs'))).length).toBe(runsBefore);
  }, 60_000);
});

describe('destinations as typed', () => {
  it('~/x is the home folder, as for data paths', async () => {
    const home = path.join(root, 'home');
    await fsp.mkdir(home);
    const was = process.env.HOME;
    process.env.HOME = home;
    try {
      const r = await engine.handle('export:start', { runId: runX, format: 'npz', count: 2, out: '~/exports/x', overwrite: false });
      expect(r).toMatchObject({ ok: true, value: { out: path.join(home, 'exports', 'x') } });
      expect(await fsp.readdir(path.join(home, 'exports', 'x'))).toContain('manifest.json');
    } finally {
      process.env.HOME = was;
    }
  });

  it("a NUL in the destination or the data path is refused in plain words, not Node's", async () => {
    const r = await engine.handle('export:start', { runId: runX, format: 'npz', count: 2, out: `${root}/a\0b`, overwrite: false });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: `the destination "${root}/a\\0b" holds a NUL character (\\0), which no file or folder name can: check the path` } });
    const d = await engine.handle('datasets:inspect', { dataset: { id: 'local', path: `${root}/a\0b` }, perClass: 1 });
    expect(d).toMatchObject({ ok: false, error: { code: 'BAD_DATASET', message: expect.stringContaining('holds a NUL character') } });
    expect(JSON.stringify([r, d])).not.toMatch(/null bytes/);
  });

  it('a control character in the app\'s destination is refused before anything is written, as the CLI does', async () => {
    const r = await engine.handle('export:start', { runId: runX, format: 'npz', count: 2, out: `${root}/x\x01y`, overwrite: false });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining('holds a control character (\\x01)') } });
    expect(await fsp.readdir(root)).not.toContain('x\x01y');
  });

  it('a relative destination says to give a full path', async () => {
    const r = await engine.handle('export:start', { runId: runX, format: 'npz', count: 2, out: 'exports/x', overwrite: false });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/^the destination "exports\/x" is not a full path: give a full path, e\.g\. /) } });
  });
});
