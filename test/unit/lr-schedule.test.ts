/**
 * The learning-rate schedule (src-shared/training.ts `learningRateAt`, `TrainConfig.lrSchedule`):
 * its shape, the defaults per kind, saved runs read as what they trained with, and every training
 * path applying it — the in-process loop, the dense kernels' workers, the tfjs workers, each for a
 * VAE and a VAE-GAN (its three optimisers). How the paths are checked: with one step per epoch, a
 * 2-epoch run's first epoch is the same under both schedules, and its second step has the same
 * gradients and Adam moments, so the 'linear-decay' step (at 5 % of the rate in epoch 2 of 2) must
 * move every weight by 0.05× the 'constant' step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { LR_DECAY_FINAL_FACTOR, learningRateAt, ModelConfig, RunSummary, TrainConfig, withSavedRunSettings, type LrSchedule, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, trainableVariables } from '../../src-main/engine/models/build';
import { setAdamLearningRate } from '../../src-main/engine/models/adam';
import { trainModel } from '../../src-main/engine/train';
import { trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import { flatten, synthetic } from './synthetic';

beforeAll(async () => {
  await initBackend();
});

describe('learningRateAt', () => {
  it("'constant' is the run's rate at every epoch", () => {
    for (const e of [1, 7, 30]) expect(learningRateAt({ learningRate: 2e-3, lrSchedule: 'constant', epochs: 30 }, e)).toBe(2e-3);
  });

  it("'linear-decay' holds the rate for the first ⌈E/2⌉ epochs, then falls in equal steps to 5 % at the last", () => {
    for (const E of [2, 9, 10, 110]) {
      const at = (e: number) => learningRateAt({ learningRate: 1e-3, lrSchedule: 'linear-decay', epochs: E }, e);
      const h = Math.ceil(E / 2);
      for (let e = 1; e <= h; e++) expect(at(e)).toBe(1e-3);
      expect(at(E)).toBeCloseTo(1e-3 * LR_DECAY_FINAL_FACTOR, 12);
      const steps = Array.from({ length: E - h }, (_, i) => at(h + i) - at(h + i + 1));
      for (const s of steps) expect(s).toBeCloseTo(steps[0], 12);
      expect(steps[0]).toBeGreaterThan(0);
    }
    // A 1-epoch run keeps its rate.
    expect(learningRateAt({ learningRate: 1e-3, lrSchedule: 'linear-decay', epochs: 1 }, 1)).toBe(1e-3);
  });
});

describe('TrainConfig.lrSchedule', () => {
  it("defaults to 'linear-decay' for a VAE-GAN and 'constant' for the other kinds; a given one is kept", () => {
    expect(TrainConfig.parse({ model: { kind: 'vaegan' } }).lrSchedule).toBe('linear-decay');
    for (const kind of ['ae', 'vae', 'cvae'] as const) expect(TrainConfig.parse({ model: { kind } }).lrSchedule).toBe('constant');
    expect(TrainConfig.parse({ model: { kind: 'vaegan' }, lrSchedule: 'constant' }).lrSchedule).toBe('constant');
    expect(TrainConfig.parse({ model: { kind: 'vae' }, lrSchedule: 'linear-decay' }).lrSchedule).toBe('linear-decay');
    expect(TrainConfig.safeParse({ lrSchedule: 'cosine' }).success).toBe(false);
  });

  it('a run saved before the setting existed is read as trained at a constant rate (a VAE-GAN too); a saved schedule is kept', () => {
    const saved = { id: 'r1', name: 'VAE-GAN', created: '2026-11-01T00:00:00Z', state: 'done', epochsDone: 3, metrics: null, config: { model: { kind: 'vaegan', latentDim: 2 }, epochs: 3 } };
    const read = RunSummary.parse(withSavedRunSettings(saved));
    expect(read.config.lrSchedule).toBe('constant');
    // Its VAE-GAN settings are those of its time, too.
    expect(read.config.model).toMatchObject({ ganLoss: 'standard', emaDecay: 0 });
    expect(saved.config).not.toHaveProperty('lrSchedule'); // not modified
    const newer = { ...saved, config: { ...saved.config, lrSchedule: 'linear-decay' } };
    expect(RunSummary.parse(withSavedRunSettings(newer)).config.lrSchedule).toBe('linear-decay');
    for (const odd of [null, 3, 'x', [], {}, { config: null }]) expect(withSavedRunSettings(odd)).toBe(odd);
  });
});

describe('setAdamLearningRate', () => {
  it("sets the rate of tfjs Adam's next steps, keeping its moments; refuses a rate that is not positive", () => {
    const run = (lrs: number[]) => {
      const v = tf.variable(tf.tensor1d([0.5, -0.25]));
      const opt = tf.train.adam(1e-2);
      const before: number[] = [];
      for (const lr of lrs) {
        setAdamLearningRate(opt, lr);
        before.push(...(v.dataSync() as Float32Array));
        opt.minimize(() => tf.sum(tf.square(v)) as tf.Scalar, false, [v]);
      }
      const out = Array.from(v.dataSync());
      opt.dispose();
      v.dispose();
      return { out, before };
    };
    const a = run([1e-2, 1e-2]);
    const b = run([1e-2, 1e-3]);
    // Step 1 is the same; step 2 moves 1/10 as far (same gradient, same moments).
    expect(b.before.slice(2)).toEqual(a.before.slice(2));
    for (let i = 0; i < 2; i++) expect((b.out[i] - b.before[2 + i]) / (a.out[i] - a.before[2 + i])).toBeCloseTo(0.1, 4);
    expect(() => setAdamLearningRate(tf.train.adam(1e-3), 0)).toThrow(RangeError);
    expect(() => setAdamLearningRate(tf.train.adam(1e-3), NaN)).toThrow(RangeError);
  });
});

type Path = 'in-process' | 'dense kernels' | 'tfjs workers';

/** Final flat weights (encoder, decoder, discriminator) of a run from the same initial weights and seed. */
async function trained(kind: 'vae' | 'vaegan', path: Path, epochs: number, lrSchedule: LrSchedule): Promise<Float32Array> {
  const extra: ModelConfigInput = kind === 'vaegan' ? { emaDecay: 0 } : {};
  const config = ModelConfig.parse({ kind, latentDim: 2, hidden: [16], ...extra });
  const b = buildModel({ config, inputDim: 12, numClasses: 3, output: 'bernoulli' }, 4);
  const n = 96;
  const data = { train: synthetic(n, 3), val: synthetic(12, 4) };
  // One step per epoch; a rate high enough that a step is far above float32 rounding.
  const cfg = TrainConfig.parse({ model: config, epochs, batchSize: n, learningRate: 1e-2, seed: 9, lrSchedule });
  const r = path === 'in-process' ? await trainModel(b, cfg, data) : await trainModelParallel(b, cfg, data, {}, { workers: 2, dense: path === 'dense kernels' });
  expect(r.state).toBe('done');
  return flatten(trainableVariables(b));
}

describe('every training path follows the schedule', () => {
  for (const kind of ['vae', 'vaegan'] as const) {
    for (const path of ['in-process', 'dense kernels', 'tfjs workers'] as const) {
      it(`${kind}, ${path}: epoch 2 of 2 under 'linear-decay' moves every weight 0.05× as far as under 'constant'`, async () => {
        const w1 = await trained(kind, path, 1, 'constant');
        const constant = await trained(kind, path, 2, 'constant');
        const decayed = await trained(kind, path, 2, 'linear-decay');
        let dot = 0;
        let sq = 0;
        let worst = 0;
        let moved = 0;
        for (let i = 0; i < w1.length; i++) {
          const dc = constant[i] - w1[i];
          const dd = decayed[i] - w1[i];
          dot += dd * dc;
          sq += dc * dc;
          worst = Math.max(worst, Math.abs(dd - LR_DECAY_FINAL_FACTOR * dc));
          if (Math.abs(dc) > 1e-3) moved++;
        }
        // Adam's second step moves most weights by about the rate (1e-2); the decayed one by 5e-4.
        expect(moved).toBeGreaterThan(w1.length / 2);
        expect(dot / sq).toBeCloseTo(LR_DECAY_FINAL_FACTOR, 3);
        expect(worst).toBeLessThan(2e-6);
      });
    }
  }
});
