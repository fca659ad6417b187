/**
 * Image pixels are kept as bytes (src-main/engine/datasets/rows.ts): a quarter of the memory of
 * floats (issue #13's 64×64×3 set on 20,000 images: 246 MB instead of 983 MB). What a user would
 * notice if this went wrong is a model fed other numbers than before, so:
 * - every reader's conversion gives exactly the floats the datasets held before (byte k → k/255);
 * - a float .npz / .npy import is quantised to bytes, and values k/255 come back exactly;
 * - a training batch is the same on the kernel workers (bytes converted in wasm memory) as on the
 *   tfjs workers, and both read the split's own bytes in shared memory, not a float copy.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset } from '../../src-main/engine/datasets';
import { copyRowF32, gatherRowsF32, rowKind, rowsF32, valuesF32, viewRows } from '../../src-main/engine/datasets/rows';
import type { Split } from '../../src-main/engine/datasets/types';
import { DenseNet } from '../../src-main/engine/kernels/dense/denseNet';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import { prepareRun } from '../../src-main/engine/parallel/runSetup';
import { TfStepper } from '../../src-main/engine/parallel/tfStepper';
import { TrainConfig } from '../../src-shared/types';
import { npy, npyRaw, npz } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-pixel-rows-');
});
afterAll(async () => {
  clearDatasetMemo();
  await rmTemp(tmp);
});

/** `n` rows of `D` bytes covering every value 0…255 (a seeded shuffle of them, repeated). */
function byteRows(n: number, D: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n * D);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = i % 256 === 0 ? 0 : i % 256 === 1 ? 255 : s >>> 24;
  }
  return out;
}

/** The floats a split held before pixels were kept as bytes (datasets built them as v / 255). */
const asBefore = (b: Uint8Array) => Float32Array.from(b, (v) => v / 255);

describe('rows of bytes read as floats', () => {
  it('every byte 0…255 becomes exactly the float k/255 the float splits held, in every reader form', () => {
    const D = 16;
    const all = Uint8Array.from({ length: 256 }, (_, k) => k);
    expect(Array.from(valuesF32(all))).toEqual(Array.from(asBefore(all)));
    const x = byteRows(40, D);
    const want = asBefore(x);
    // a run of rows into a reused buffer (no allocation: a view of the caller's buffer comes back)
    const buf = new Float32Array(10 * D);
    const got = rowsF32(x, D, 5, 7, buf);
    expect(got.buffer).toBe(buf.buffer);
    expect(Array.from(got)).toEqual(Array.from(want.subarray(5 * D, 12 * D)));
    // gathered rows (the trainers' shuffled batches) and single rows (neighbours, previews)
    const idx = [39, 0, 17, 17, 3];
    const gathered = gatherRowsF32(x, D, idx, new Float32Array(idx.length * D));
    idx.forEach((r, i) => expect(Array.from(gathered.subarray(i * D, (i + 1) * D))).toEqual(Array.from(want.subarray(r * D, (r + 1) * D))));
    const one = new Float32Array(3 * D).fill(-1);
    copyRowF32(x, D, 21, one, D);
    expect(Array.from(one.subarray(D, 2 * D))).toEqual(Array.from(want.subarray(21 * D, 22 * D)));
    expect(one[0]).toBe(-1);
    expect(one[2 * D]).toBe(-1);
    // rows that do not start on a 4-byte boundary (odd widths, a view at an odd offset) read the same
    for (const [odd, W] of [[byteRows(9, 7, 3), 7], [x.subarray(3), D]] as const) {
      const rows = Math.floor(odd.length / W);
      expect(Array.from(rowsF32(odd, W, 0, rows))).toEqual(Array.from(asBefore(odd.subarray(0, rows * W))));
      expect(Array.from(gatherRowsF32(odd, W, [rows - 1, 1], new Float32Array(2 * W)))).toEqual([
        ...asBefore(odd.subarray((rows - 1) * W, rows * W)),
        ...asBefore(odd.subarray(W, 2 * W)),
      ]);
    }
    // floats (the toy sets) pass through unchanged; a view when no buffer is given
    expect(rowsF32(want, D, 2, 3).buffer).toBe(want.buffer);
    expect(Array.from(rowsF32(want, D, 2, 3, buf))).toEqual(Array.from(want.subarray(2 * D, 5 * D)));
    // too small a buffer, or rows past the end, is an error, not a short batch
    expect(() => rowsF32(x, D, 0, 11, buf)).toThrow(RangeError);
    expect(() => rowsF32(x, D, 35, 6, buf)).toThrow(RangeError);
  });
});

describe('a float array import is quantised to bytes', () => {
  for (const dtype of ['<f4', '<f8'] as const) {
    it(`${dtype === '<f4' ? 'float32' : 'float64'} .npz values k/255 come back as exactly k (and as the same floats to the model)`, async () => {
      const side = 32;
      const D = side * side * 3;
      const nTrain = 6;
      const nTest = 4;
      const bytes = byteRows(nTrain + nTest, D, dtype === '<f4' ? 3 : 5);
      const floats = dtype === '<f4' ? asBefore(bytes) : Float64Array.from(bytes, (v) => v / 255);
      const data = new Uint8Array(floats.buffer);
      const entry = (from: number, n: number) =>
        npyRaw(`{'descr': '${dtype}', 'fortran_order': False, 'shape': (${n}, ${side}, ${side}, 3), }`, data.subarray(from * D * floats.BYTES_PER_ELEMENT, (from + n) * D * floats.BYTES_PER_ELEMENT));
      const labels = (n: number) => npy(Int32Array.from({ length: n }, (_, i) => i % 2), [n]);
      const file = path.join(tmp, `floats${dtype === '<f4' ? 32 : 64}.npz`);
      await fsp.writeFile(file, npz({ x_train: entry(0, nTrain), y_train: labels(nTrain), x_test: entry(nTrain, nTest), y_test: labels(nTest) }));
      clearDatasetMemo();
      const d = await loadDataset({ id: 'local', path: file }, { dataDir: tmp });
      expect(d.resolved).toMatchObject({ size: side, channels: 3, preprocess: 'plain' });
      // the given split keeps the file's order: row for row the very bytes
      expect(d.train.x).toBeInstanceOf(Uint8Array);
      expect(d.test.x).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(d.train.x.buffer, d.train.x.byteOffset, d.train.x.byteLength).equals(Buffer.from(bytes.subarray(0, nTrain * D)))).toBe(true);
      expect(Buffer.from(d.test.x.buffer, d.test.x.byteOffset, d.test.x.byteLength).equals(Buffer.from(bytes.subarray(nTrain * D)))).toBe(true);
      // and the model reads the float32 values the file held (k/255 survives the round trip)
      expect(Array.from(valuesF32(d.train.x))).toEqual(Array.from(asBefore(bytes.subarray(0, nTrain * D))));
    });
  }
});

describe('a training batch from bytes', () => {
  it('is the same on the kernel workers and on the tfjs workers, read from the split’s own shared bytes', async () => {
    await tf.setBackend('cpu');
    const D = 8 * 8;
    const n = 24;
    const x = new Uint8Array(new SharedArrayBuffer(n * D));
    x.set(byteRows(n, D, 11));
    const y = new Int32Array(new SharedArrayBuffer(n * 4));
    for (let i = 0; i < n; i++) y[i] = i % 2;
    const train: Split = { x, y, count: n };
    const cfg = TrainConfig.parse({ model: { kind: 'vae', latentDim: 2, hidden: [8] }, epochs: 1, batchSize: 8, seed: 1 });
    const spec = { config: cfg.model, inputDim: D, numClasses: 2, output: 'bernoulli' as const };
    const bundle = buildModel(spec, 1);
    const picks = [23, 4, 4, 0, 17, 9, 12, 1];
    const pick = (i: number) => picks[i];
    try {
      // The kernel workers: the plan's thread 0 loads the rows (as worker.ts's DenseStepper does).
      const kernels = prepareRun(bundle, cfg, train, { workers: 1, dense: true });
      expect(kernels.dense).toBeDefined();
      // The workers get the split's bytes in place, not a float copy of them.
      expect(kernels.shared.x).toBe(x.buffer);
      expect(kernels.shared.xKind).toBe('u8');
      const net = new DenseNet(kernels.dense!.plan, kernels.dense!.memory, 0, kernels.dense!.module);
      net.load(viewRows(kernels.shared.x, kernels.shared.xKind), new Int32Array(kernels.shared.y), picks.length, pick, 5);
      const onKernels = Array.from(net.loaded(picks.length).x);
      // The tfjs workers: the stepper gathers the same rows for its gradient.
      const onTfjs = prepareRun(bundle, cfg, train, { workers: 1, dense: false });
      expect(onTfjs.dense).toBeUndefined();
      expect(onTfjs.shared.x).toBe(x.buffer);
      const stepper = new TfStepper(onTfjs.inits[0], []);
      try {
        stepper.gradShare(pick, picks.length, picks.length, 1, 5);
        expect(Array.from(stepper.xBuf.subarray(0, picks.length * D))).toEqual(onKernels);
      } finally {
        stepper.discard();
        disposeBundle(stepper.bundle);
      }
      // Both are the rows' bytes as k/255.
      const want = asBefore(x);
      expect(onKernels).toEqual(picks.flatMap((r) => Array.from(want.subarray(r * D, (r + 1) * D))));
      expect(rowKind(x)).toBe('u8');
    } finally {
      disposeBundle(bundle);
    }
  });
});
