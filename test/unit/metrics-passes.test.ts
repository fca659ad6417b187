/**
 * A conv model's evaluation passes are sized by their cost (metrics.ts `passRows`), so the engine
 * answers requests between them while a conv model validates or encodes at an epoch end (a
 * 200-row tfjs pass of the Keras-example conv VAE held every request ≈ 1.7 s): ≈ 400 MFLOP on
 * the kernels (kernels/dense/kernelForward.ts), ≈ 40 MFLOP on tfjs; dense models keep their
 * 200-row passes and their numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, disposeBundle, flopsPerSample, type ModelSpec } from '../../src-main/engine/models/build';
import { CONV_KERNEL_PASS_FLOPS, CONV_PASS_FLOPS, EVAL_BATCH, decodeArrays, decodeYielding, encodeSplitYielding, evaluate, passRows } from '../../src-main/engine/metrics';
import { setKernelForward } from '../../src-main/engine/kernels/dense/bundleForward';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { expectClose } from './kernelCompare';

beforeAll(async () => {
  await initBackend();
});

const spec = (model: ModelConfigInput): ModelSpec => ({ config: ModelConfig.parse(model), inputDim: 28 * 28, numClasses: 10, output: 'bernoulli' });

function split(n: number) {
  const rnd = mulberry32(7);
  return { x: Float32Array.from({ length: n * 784 }, () => (rnd() < 0.2 ? 1 : 0)), y: Int32Array.from({ length: n }, (_, i) => i % 10), count: n };
}

/** How many times the event loop ran other work while `work` ran (setImmediate turns). */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  done = true;
  return turns;
}

describe('passRows', () => {
  it('keeps the dense passes, and gives the Keras-example conv VAE tens of rows a pass on the kernels, a few on tfjs', () => {
    const dense = spec({ kind: 'vae', latentDim: 3 });
    expect(passRows(dense, EVAL_BATCH)).toBe(EVAL_BATCH);
    const conv = spec({ kind: 'vae', arch: 'conv', latentDim: 2 });
    const forward = flopsPerSample(conv).forward;
    const rows = passRows(conv, EVAL_BATCH);
    expect(rows).toBe(Math.floor(CONV_KERNEL_PASS_FLOPS / forward));
    expect(rows).toBeGreaterThanOrEqual(20);
    expect(rows).toBeLessThan(EVAL_BATCH);
    expect(passRows(conv, 2)).toBeLessThanOrEqual(2);
    setKernelForward(false);
    try {
      const tfjsRows = passRows(conv, EVAL_BATCH);
      expect(tfjsRows).toBe(Math.max(1, Math.floor(CONV_PASS_FLOPS / forward)));
      expect(tfjsRows).toBeLessThan(10);
    } finally {
      setKernelForward(true);
    }
  });

  it('a conv evaluation, encoding and grid decoding yield to the event loop between passes of that size', async () => {
    const s = spec({ kind: 'vae', arch: 'conv', latentDim: 2 });
    const bundle = buildModel(s, 3);
    try {
      const rows = passRows(bundle, EVAL_BATCH);
      const n = 3 * rows + 1;
      const data = split(n);
      const evalTurns = await turnsDuring(() => evaluate(bundle, data, { seed: 1 }));
      // One pass for all the rows would let other work run about once.
      expect(evalTurns).toBeGreaterThanOrEqual(Math.ceil(n / rows) - 1);
      const encTurns = await turnsDuring(() => encodeSplitYielding(bundle, data.x, null, n));
      expect(encTurns).toBeGreaterThanOrEqual(Math.ceil(n / rows) - 1);
      // A generation grid: the same images as one decode, with other work in between.
      const z = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i));
      let grid: Float32Array = new Float32Array(0);
      const decTurns = await turnsDuring(async () => (grid = await decodeYielding(bundle, z, null, n)));
      expect(decTurns).toBeGreaterThanOrEqual(Math.ceil(n / rows) - 1);
      expectClose(grid, decodeArrays(bundle, z, null, n), 1e-6);
    } finally {
      disposeBundle(bundle);
    }
  });
});
