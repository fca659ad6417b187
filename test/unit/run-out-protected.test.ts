/**
 * A run saved with `train --out DIR` lives outside the workspace, yet its data stays protected
 * (verifier finding N1): `generate --run B --out <the folder run r1 was trained on> --overwrite`
 * used to say "wrote 6 generated images" and delete r1's 30 PNGs. The CLI now lists DIR in
 * `<workspace>/runs-elsewhere.json`, and the CLI and the app's engine both refuse, naming r1.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { makeFolderDataset, makeTemp, rmTemp } from '../fixtures/generate';
import { runCli } from './cliOutput';
import { snapshot } from '../fixtures/snapshot';

let root: string;
let ws: string;
let race: string;
let runB = '';

beforeAll(async () => {
  root = await makeTemp('ll-run-out-protected-');
  ws = path.join(root, 'lab');
  const shapes = path.join(root, 'shapes');
  race = path.join(root, 'x', 'race5');
  await makeFolderDataset(shapes, ['circle', 'bar'], 10);
  const e = await Engine.create({ workspace: ws, emit: () => undefined });
  try {
    ({ runId: runB } = await e.call('training:start', {
      dataset: { id: 'local', path: shapes },
      model: { kind: 'cvae', latentDim: 2, hidden: [16] },
      epochs: 1,
      batchSize: 8,
      snapshotSize: 0,
    }));
    await e.waitForTraining();
    await e.call('runs:open', { runId: runB });
    await e.call('export:start', { runId: runB, format: 'imagefolder', count: 15, out: race, overwrite: false });
  } finally {
    await e.dispose();
  }
}, 180_000);

afterAll(async () => {
  await rmTemp(root);
});

describe('a run saved with train --out keeps its data protected', () => {
  it('generate --overwrite into the folder r1 was trained on is refused naming r1, in the CLI and in the app; r1 gone, the folder is an ordinary export again', async () => {
    const r1 = path.join(root, 'x', 'outruns', 'r1');
    const t = await runCli(['train', '--data', race, '--model', 'vae', '--latent', '2', '--hidden', '16', '--epochs', '1', '--out', r1, '--json'], { home: ws });
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(await fsp.readFile(path.join(ws, 'runs-elsewhere.json'), 'utf8'))).toEqual([r1]);

    const before = await snapshot(race);
    expect(before.filter((f) => /\.png \d+$/.test(f)).length).toBe(30);
    const g = await runCli(['generate', '--run', path.join(ws, 'runs', runB), '--format', 'npz', '--count', '6', '--out', race, '--overwrite'], { home: ws });
    expect(g.code).toBe(1);
    // r1's default name says its batch: the VAE's 256 clamped to the export's 24 training images.
    expect(g.stderr.trim().split('\n')).toEqual([`latent-lab: ${race} is the dataset folder of run "VAE z=2 · race5" [r1] (saved in ${r1}): exports never write there; choose a folder outside it`]);
    expect(await snapshot(race)).toEqual(before);

    // The app's engine (Replace) refuses it too, and the run folder itself.
    const app = await Engine.create({ workspace: ws, emit: () => undefined });
    try {
      await app.call('runs:open', { runId: runB });
      expect(await app.handle('export:start', { runId: runB, format: 'npz', count: 6, out: race, overwrite: true })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining(`the dataset folder of run "VAE z=2 · race5" [r1] (saved in ${r1})`) },
      });
      expect(await app.handle('export:start', { runId: runB, format: 'npz', count: 6, out: path.join(r1, 'samples'), overwrite: true })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining(`is inside the folder of run "VAE z=2 · race5" [r1]`) },
      });
      expect(await snapshot(race)).toEqual(before);

      // r1 deleted by its owner: its entry is ignored, and the export (made by run B) may be replaced.
      await fsp.rm(r1, { recursive: true });
      expect(await app.handle('export:start', { runId: runB, format: 'npz', count: 6, out: race, overwrite: true })).toMatchObject({ ok: true });
    } finally {
      await app.dispose();
    }
  }, 240_000);

  it('a second --out run is added to the list; entries already there are kept', async () => {
    const r2 = path.join(root, 'y', 'r2');
    const list = path.join(ws, 'runs-elsewhere.json');
    const had: string[] = JSON.parse(await fsp.readFile(list, 'utf8'));
    const t = await runCli(['train', '--data', path.join(root, 'shapes'), '--model', 'vae', '--latent', '2', '--hidden', '16', '--epochs', '1', '--out', r2, '--json'], { home: ws });
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(await fsp.readFile(list, 'utf8'))).toEqual([...had, r2]);
  }, 240_000);
});
