/**
 * Your own data is not copied for the training workers (issue #13's memory goal: a 64×64×3 set
 * of 20,000 images is ~940 MB of floats): the imported splits live on SharedArrayBuffers of
 * exactly their size, a run's workers get those very buffers, an unshared array is copied once
 * and reused, and the live scatter's snapshot encodes its rows in slices with the same latents as
 * encoding them at once. Passes over large samples are bounded in rows.
 */
import { promises as fsp, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src-main/engine/datasets';
import { encodeArrays, encodeRowsYielding, rowsPerPass } from '../../src-main/engine/metrics';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import { prepareRun, shareArray } from '../../src-main/engine/parallel/runSetup';
import { TrainConfig } from '../../src-shared/types';
import { npy, npz } from '../fixtures/datasets';
import { rowsF32 } from '../../src-main/engine/datasets/rows';

let tmp: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-shared-data-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `n` 32×32 RGB images with a bright square whose place depends on the label, as an .npz. */
async function colourNpz(n: number): Promise<string> {
  const D = 32 * 32 * 3;
  const x = new Uint8Array(n * D);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 32 * 32; p++) {
      const r = Math.floor(p / 32);
      const c = p % 32;
      const inside = labels[i] ? r < 16 && c < 16 : r >= 16 && c >= 16;
      for (let k = 0; k < 3; k++) x[i * D + p * 3 + k] = inside ? 200 + ((i * 7 + k * 13) % 50) : (p * 3 + i) % 60;
    }
  }
  const file = path.join(tmp, `colour-${n}.npz`);
  await fsp.writeFile(file, npz({ images: npy(x, [n, 32, 32, 3]), labels: npy(labels, [n]) }));
  return file;
}

describe('shared training data', () => {
  it('imported splits are SharedArrayBuffers of exactly their size, and a run’s workers get those buffers', async () => {
    const d = await loadDataset({ id: 'local', path: await colourNpz(40) }, { dataDir: path.join(tmp, 'data') });
    for (const s of [d.train, d.test]) {
      expect(s.x.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(s.y.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(s.x.byteLength).toBe(s.x.buffer.byteLength);
      expect(s.x.length).toBe(s.count * d.inputDim);
      expect(s.y.length).toBe(s.count);
    }
    const cfg = TrainConfig.parse({ model: { kind: 'vae', arch: 'conv', latentDim: 2, convFilters: [4, 8], hidden: [8] }, epochs: 1, batchSize: 16 });
    const bundle = buildModel({ config: cfg.model, inputDim: d.inputDim, numClasses: 2, output: 'bernoulli' }, 1);
    try {
      const setup = prepareRun(bundle, cfg, d.train, { workers: 2 });
      // The very buffers: nothing copied for the workers.
      expect(setup.shared.x).toBe(d.train.x.buffer);
      expect(setup.shared.y).toBe(d.train.y.buffer);
    } finally {
      disposeBundle(bundle);
    }
  });

  it('an unshared array is copied once (equal values) and the copy reused; a partial view of a shared one is copied', () => {
    const a = Float32Array.from({ length: 12 }, (_, i) => i / 2);
    const sab = shareArray(a);
    expect(sab).toBeInstanceOf(SharedArrayBuffer);
    expect([...new Float32Array(sab)]).toEqual([...a]);
    expect(shareArray(a)).toBe(sab);
    const shared = new Float32Array(new SharedArrayBuffer(48));
    expect(shareArray(shared)).toBe(shared.buffer);
    const part = shared.subarray(0, 6);
    expect(shareArray(part)).not.toBe(shared.buffer);
    expect(shareArray(part).byteLength).toBe(24);
  });

  it('the snapshot’s rows encoded in slices equal encoding them gathered at once', async () => {
    const d = await loadDataset({ id: 'local', path: await colourNpz(30) }, { dataDir: path.join(tmp, 'data2') });
    const cfg = TrainConfig.parse({ model: { kind: 'vae', arch: 'conv', latentDim: 2, convFilters: [4, 8], hidden: [8] } });
    const bundle = buildModel({ config: cfg.model, inputDim: d.inputDim, numClasses: 2, output: 'bernoulli' }, 3);
    try {
      const rows = [0, 2, 3, 5];
      const D = d.inputDim;
      const gathered = new Float32Array(rows.length * D);
      rows.forEach((r, i) => gathered.set(rowsF32(d.test.x, D, r, 1), i * D));
      const whole = encodeArrays(bundle, gathered, null, rows.length).mean;
      const sliced = await encodeRowsYielding(bundle, d.test, rows, 3);
      expect(sliced.length).toBe(whole.length);
      for (let i = 0; i < whole.length; i++) expect(sliced[i]).toBeCloseTo(whole[i], 5);
    } finally {
      disposeBundle(bundle);
    }
  });

  it('a pass over large samples takes fewer rows: MNIST 2,675, 64×64×3 ~170', () => {
    expect(rowsPerPass(784)).toBe(Math.floor(2 ** 21 / 784));
    expect(rowsPerPass(64 * 64 * 3)).toBe(170);
    expect(rowsPerPass(2)).toBe(4096);
    expect(rowsPerPass(10_000_000)).toBe(16);
  });
});
