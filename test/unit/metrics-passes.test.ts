/**
 * A conv model's evaluation passes are sized by their cost (metrics.ts `passRows`), so the engine
 * answers requests between them while a conv model validates or encodes at an epoch end (a
 * 200-row tfjs pass of the Keras-example conv VAE held every request ≈ 1.7 s); dense models keep
 * their 200-row passes and their numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, disposeBundle, flopsPerSample, type ModelSpec } from '../../src-main/engine/models/build';
import { CONV_PASS_FLOPS, EVAL_BATCH, encodeSplitYielding, evaluate, passRows } from '../../src-main/engine/metrics';
import { mulberry32 } from '../../src-main/engine/datasets/random';

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
  it('keeps the dense passes, and gives the Keras-example conv VAE a few rows a pass', () => {
    const dense = spec({ kind: 'vae', latentDim: 3 });
    expect(passRows(dense, EVAL_BATCH)).toBe(EVAL_BATCH);
    const conv = spec({ kind: 'vae', arch: 'conv', latentDim: 2 });
    const rows = passRows(conv, EVAL_BATCH);
    expect(rows).toBe(Math.max(1, Math.floor(CONV_PASS_FLOPS / flopsPerSample(conv).forward)));
    expect(rows).toBeGreaterThanOrEqual(1);
    expect(rows).toBeLessThan(10);
    expect(passRows(conv, 2)).toBeLessThanOrEqual(2);
  });

  it('a conv evaluation and encoding yield to the event loop between passes of that size', async () => {
    const s = spec({ kind: 'vae', arch: 'conv', latentDim: 2 });
    const bundle = buildModel(s, 3);
    try {
      const data = split(24);
      const rows = passRows(s, EVAL_BATCH);
      const evalTurns = await turnsDuring(() => evaluate(bundle, data, { seed: 1 }));
      // Before: one 24-row pass, so other work ran about once.
      expect(evalTurns).toBeGreaterThanOrEqual(Math.ceil(24 / rows) - 1);
      const encTurns = await turnsDuring(() => encodeSplitYielding(bundle, data.x, null, 24));
      expect(encTurns).toBeGreaterThanOrEqual(Math.ceil(24 / rows) - 1);
    } finally {
      disposeBundle(bundle);
    }
  });
});
