/**
 * Engine sides of issue #14's fixes: a saved run's loss history (`runs:history` from its
 * metrics.jsonl), distinct names for runs with the same settings, the export root suggested in
 * `engine:info` (outside the workspace), CVAE interpolation that blends the labels of its two
 * ends, and how sure a CVAE's "best fit" encoding is of its label.
 */
import { mkdirSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { EXPORTS_FOLDER, suggestExportRoot } from '../../src-main/engine/exportRoot';
import { distinctName } from '../../src-main/engine/runNames';
import { blendLabels, labelPosterior } from '../../src-main/engine/softLabels';

let ws: string;
let engine: Engine;

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-fixes-'));
  engine = await Engine.create({ workspace: ws, emit: () => undefined });
});
afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
});

/** A small run on the 2-D moons (fast), trained to the end. */
async function moonsRun(extra: Record<string, unknown> = {}, epochs = 3): Promise<string> {
  const { runId } = await engine.call('training:start', {
    dataset: { id: 'toy-moons' },
    model: { kind: 'vae', latentDim: 2, hidden: [16] },
    epochs,
    snapshotSize: 0,
    ...extra,
  });
  await engine.waitForTraining();
  return runId;
}

describe('runs:history', () => {
  it("gives a saved run's epochs from its metrics.jsonl, counts unreadable lines, and refuses unknown runs", async () => {
    const runId = await moonsRun({}, 3);
    const h = await engine.call('runs:history', { runId });
    expect(h.skipped).toBe(0);
    expect(h.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of h.epochs) {
      expect(Number.isFinite(e.train.loss) && Number.isFinite(e.val.loss)).toBe(true);
      expect(e.samplesPerSecond).toBeGreaterThan(0);
    }
    // The same numbers the run's file holds.
    const lines = (await fs.readFile(path.join(ws, 'runs', runId, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(h.epochs.map((e) => e.val.loss)).toEqual(lines.map((l) => l.val.loss));

    // A line cut short by a kill and a line of something else: counted, the rest kept.
    await fs.appendFile(path.join(ws, 'runs', runId, 'metrics.jsonl'), '{"epoch": 4, "train": {"loss"\n{"hello": 1}\n');
    const h2 = await engine.call('runs:history', { runId });
    expect(h2.epochs).toHaveLength(3);
    expect(h2.skipped).toBe(2);

    await expect(engine.call('runs:history', { runId: 'no-such-run' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await engine.handle('runs:history', { runId: '../x' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
  });

  it('a run without any finished epoch has an empty history', async () => {
    const runId = await moonsRun({}, 1);
    await fs.rm(path.join(ws, 'runs', runId, 'metrics.jsonl'));
    expect(await engine.call('runs:history', { runId })).toEqual({ epochs: [], skipped: 0 });
  });
});

describe('run names', () => {
  it('two runs with the same settings get distinct names', async () => {
    const a = await moonsRun({ model: { kind: 'ae', latentDim: 2, hidden: [8] } }, 1);
    const b = await moonsRun({ model: { kind: 'ae', latentDim: 2, hidden: [8] } }, 1);
    const runs = await engine.call('runs:list', {});
    const name = (id: string) => runs.find((r) => r.id === id)!.name;
    expect(name(a)).not.toBe(name(b));
    expect(name(b)).toBe(`${name(a)} (2)`);
  });

  it('distinctName takes the first free number', () => {
    expect(distinctName('VAE z=2', [])).toBe('VAE z=2');
    expect(distinctName('VAE z=2', ['VAE z=2', 'VAE z=2 (2)', 'VAE z=2 (4)'])).toBe('VAE z=2 (3)');
  });
});

describe('export root', () => {
  it('engine:info suggests a folder outside the workspace', async () => {
    const info = await engine.call('engine:info', {});
    expect(info.exportRoot).toBeTruthy();
    const rel = path.relative(ws, info.exportRoot!);
    expect(rel.startsWith('..') || path.isAbsolute(rel)).toBe(true);
  });

  it('Documents when there is one, else home, else the temp folder; never at, in or above the workspace', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'll-home-'));
    const tmp = path.join(home, 'tmp-elsewhere');
    try {
      expect(suggestExportRoot('/data/ws', home, tmp)).toBe(path.join(home, EXPORTS_FOLDER));
      mkdirSync(path.join(home, 'Documents'));
      expect(suggestExportRoot('/data/ws', home, tmp)).toBe(path.join(home, 'Documents', EXPORTS_FOLDER));
      // A workspace that is the home folder holds both: the temp folder's is used.
      expect(suggestExportRoot(home, home, '/var/tmp')).toBe(path.join('/var/tmp', EXPORTS_FOLDER));
      // A workspace at the root of everything: beside it is all that is left, and still not inside it.
      const r = suggestExportRoot(path.join(home, 'ws'), path.join(home, 'ws', 'h'), path.join(home, 'ws', 't'));
      expect(path.relative(path.join(home, 'ws'), r).startsWith('..')).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('CVAE labels', () => {
  it('blended label rows go from one label to the other and sum to 1; the posterior is a softmax of −ELBO', () => {
    const rows = blendLabels(1, 3, 5, 4);
    expect(Array.from(rows.subarray(0, 4))).toEqual([0, 1, 0, 0]);
    expect(Array.from(rows.subarray(8, 12))).toEqual([0, 0.5, 0, 0.5]);
    expect(Array.from(rows.subarray(16, 20))).toEqual([0, 0, 0, 1]);
    const p = labelPosterior([100, 100 + Math.log(3), 200]);
    expect(p[0]).toBeCloseTo(0.75, 5);
    expect(p[1]).toBeCloseTo(0.25, 5);
    expect(p[2]).toBeLessThan(1e-30);
  });

  it('interpolating between two labels decodes each end as its own label and mixes them between', async () => {
    const runId = await moonsRun({ model: { kind: 'cvae', latentDim: 2, hidden: [16] } }, 2);
    await engine.call('runs:open', { runId });
    const from = Float32Array.of(-1, 0.5);
    const to = Float32Array.of(1, -0.5);
    const mixed = await engine.call('model:interpolate', { from, to, steps: 5, label: 0, labelTo: 1 });
    const D = mixed.images.length / 5;
    const decodeAs = async (z: Float32Array, label: number) => (await engine.call('model:decode', { z, count: 1, labels: Int32Array.of(label) })).images;
    const close = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]) < 1e-4);
    expect(close(mixed.images.subarray(0, D), await decodeAs(from, 0))).toBe(true);
    expect(close(mixed.images.subarray(4 * D), await decodeAs(to, 1))).toBe(true);
    // Without labelTo every step is the first label: the last step differs from the mixed path's.
    const one = await engine.call('model:interpolate', { from, to, steps: 5, label: 0 });
    expect(close(one.images.subarray(4 * D), await decodeAs(to, 0))).toBe(true);
    expect(close(one.images.subarray(4 * D), mixed.images.subarray(4 * D))).toBe(false);
    await expect(engine.call('model:interpolate', { from, to, steps: 5, label: 0, labelTo: 7 })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });

  it("a CVAE's best-fit encoding says which label it chose and how sure it is", async () => {
    const { runId } = await engine.call('training:start', {
      dataset: { id: 'mnist' },
      model: { kind: 'cvae', latentDim: 2, hidden: [16] },
      epochs: 1,
      snapshotSize: 0,
    });
    await engine.waitForTraining();
    await engine.call('runs:open', { runId });
    const px = Buffer.alloc(28 * 28);
    for (let y = 4; y < 24; y++) for (let x = 12; x < 16; x++) px[y * 28 + x] = 255; // a "1"
    const bytes = new Uint8Array(await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
    const auto = await engine.call('model:encodeFile', { name: 'one.png', bytes });
    expect(auto.labelFit).toBeDefined();
    const p = Array.from(auto.labelFit!.probabilities);
    expect(p).toHaveLength(10);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(p.indexOf(Math.max(...p))).toBe(auto.labelFit!.label);
    const told = await engine.call('model:encodeFile', { name: 'one.png', bytes, label: 7 });
    expect(told.labelFit).toBeUndefined();
  });
});
