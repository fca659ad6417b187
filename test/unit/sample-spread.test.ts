/**
 * Near-identical samples are reported as collapse (src-shared/collapse.ts, `Metrics.sampleSpread`):
 * the rule on hand-made metrics, and at a run's end (jobs/runEnd.ts) on small real digits — a
 * trained CVAE whose decoder is cut off from z (its encoder still "uses" every unit and its KL
 * stays well over 0.1 nats, the fresh user's case) is recorded as near-identical and warned about,
 * while the same model before the cut, and a trained VAE and AE, are not. A CVAE at β 20 whose
 * latent carries almost nothing (no unit reaching 0.25 nats, total KL over 0.1) is posterior
 * collapse, said as "the latent is unused: samples depend only on the label"; the same CVAE at
 * β 5 is not.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { COLLAPSE_KL_NATS, COLLAPSE_SPREAD, COLLAPSE_UNIT_KL_NATS, collapseReason, collapseWarning, LOW_INFORMATION_SPREAD, posteriorCollapsed } from '../../src-shared/collapse';
import { Metrics, ModelConfig, TrainConfig } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { loadEmbeddedMnist } from '../../src-main/engine/datasets/mnist';
import type { RowValues } from '../../src-main/engine/datasets/rows';
import { runEndMetrics } from '../../src-main/engine/jobs/runEnd';
import { buildModel, disposeBundle, type ModelBundle } from '../../src-main/engine/models/build';
import { meanPairwiseDistance, sampleSpread, sampleSpreads } from '../../src-main/engine/sampleSpread';
import { FITTED_SPREAD_LOW, fittedSpreadNotice } from '../../src-renderer/src/lib/metricHints';
import { trainModel } from '../../src-main/engine/train';

beforeAll(async () => {
  await initBackend();
});

describe('the collapse rule with the sample spread', () => {
  const healthy = { kl: 5, activeUnits: 3 };
  it('fires under the spread threshold with the spread in percent, for every kind', () => {
    expect(collapseReason('cvae', { ...healthy, sampleSpread: 0.03 })).toBe("samples are near-identical within each label (spread 3 % of the data's)");
    expect(collapseReason('vae', { ...healthy, sampleSpread: COLLAPSE_SPREAD / 2 })).toMatch(/^samples are near-identical \(spread \d+ % of the data's\)$/);
    expect(collapseReason('vaegan', { ...healthy, sampleSpread: 0.004 })).toMatch(/spread 0\.4 %/);
    // An AE has no KL: only its spread can say it collapsed.
    expect(collapseReason('ae', { kl: 0, activeUnits: 0, sampleSpread: 0.01 })).toMatch(/near-identical/);
    expect(collapseWarning('cvae', { ...healthy, sampleSpread: 0.03 })).toMatch(/this run collapsed \(samples are near-identical.*near-identical within each label$/);
  });

  it('stays quiet over the threshold, and runs saved without the spread are judged on the KL rule alone', () => {
    expect(collapseReason('cvae', { ...healthy, sampleSpread: COLLAPSE_SPREAD * 1.5 })).toBeNull();
    expect(collapseReason('ae', { kl: 0, activeUnits: 0, sampleSpread: 0.5 })).toBeNull();
    expect(collapseReason('ae', { kl: 0, activeUnits: 0 })).toBeNull();
    expect(collapseReason('vae', healthy)).toBeNull();
    expect(collapseReason('vae', { kl: COLLAPSE_KL_NATS / 2, activeUnits: 1 })).toMatch(/total KL/);
    // An old run's metrics still parse.
    const old = Metrics.parse({ elbo: 100, recon: 99, kl: 1, activeUnits: 2, knnAccuracy: 0.5 });
    expect(old.sampleSpread).toBeUndefined();
    expect(collapseReason('cvae', old)).toBeNull();
    expect(() => Metrics.parse({ ...old, sampleSpread: -1 })).toThrow();
  });

  it("a latent whose every unit stays under 0.25 nats, with samples under 0.3 of the data's spread, is posterior collapse: for a CVAE, the latent is unused", () => {
    // Measured: a dense CVAE at β 20 on 400 digits (the test below).
    const unused = { kl: 0.138, activeUnits: 2, klPerDim: [0.01, 0.045, 0.083], sampleSpread: 0.2 };
    expect(posteriorCollapsed('cvae', unused)).toBe(true);
    expect(collapseReason('cvae', unused)).toBe("the latent is unused: samples depend only on the label — no latent unit reaches 0.25 nats of KL (the largest 0.083, total 0.138; spread 20 % of the data's)");
    expect(collapseWarning('cvae', unused)).toMatch(/^this run collapsed \(the latent is unused: samples depend only on the label — .*\): the samples will be near-identical within each label; lower β$/);
    expect(collapseReason('vae', unused)).toMatch(/^no latent unit reaches 0\.25 nats of KL/);
    // The total-KL and no-active-unit cases of a CVAE say the same first.
    expect(collapseReason('cvae', { kl: 0.062, activeUnits: 3 })).toBe('the latent is unused: samples depend only on the label — total KL 0.062 nats, under 0.1');
    // Little information but varied samples: the 2-D moons' CVAE (units of 0.07–0.34 nats, spread 0.46–0.77) uses z.
    expect(collapseReason('cvae', { kl: 0.233, activeUnits: 2, klPerDim: [0.215, 0.018], sampleSpread: 0.676 })).toBeNull();
    expect(collapseReason('cvae', { ...unused, sampleSpread: LOW_INFORMATION_SPREAD })).toBeNull();
    // A unit that reaches the threshold, or runs saved without the figures: the older rule alone.
    expect(collapseReason('cvae', { ...unused, klPerDim: [0.01, 0.045, COLLAPSE_UNIT_KL_NATS] })).toBeNull();
    expect(collapseReason('cvae', { kl: 0.138, activeUnits: 2, sampleSpread: 0.2 })).toBeNull();
    expect(collapseReason('cvae', { kl: 0.138, activeUnits: 2, klPerDim: [0.01, 0.045, 0.083] })).toBeNull();
    // Healthy: a CVAE at β 5 (its largest unit 0.75 nats and more), a VAE.
    expect(collapseReason('cvae', { kl: 1.716, activeUnits: 3, klPerDim: [0.437, 0.532, 0.747], sampleSpread: 0.337 })).toBeNull();
    expect(collapseReason('vae', { kl: 7.036, activeUnits: 3, klPerDim: [2.403, 2.206, 2.426], sampleSpread: 0.398 })).toBeNull();
  });

  it('mean pairwise distance: 0 for identical rows, the distance for two', () => {
    expect(meanPairwiseDistance(new Float32Array(12).fill(0.3), 3, 4)).toBe(0);
    expect(meanPairwiseDistance(Float32Array.of(0, 0, 3, 4), 2, 2)).toBeCloseTo(5, 6);
  });
});

/** 400 training and 200 test digits of the embedded MNIST. */
async function smallMnist(): Promise<Pick<LoadedDataset, 'train' | 'test'>> {
  const m = await loadEmbeddedMnist();
  const cut = (s: { x: RowValues; y: Int32Array }, n: number) => ({ x: s.x.slice(0, n * 784), y: s.y.slice(0, n), count: n });
  return { train: cut(m.train, 400), test: cut(m.test, 200) };
}

async function trained(kind: 'ae' | 'vae' | 'cvae', data: Pick<LoadedDataset, 'train' | 'test'>, epochs = 10, beta?: number): Promise<{ bundle: ModelBundle; cfg: TrainConfig }> {
  const config = ModelConfig.parse({ kind, latentDim: 3, hidden: [64], ...(beta !== undefined ? { beta } : {}) });
  const bundle = buildModel({ config, inputDim: 784, numClasses: 10, output: 'bernoulli' }, 5);
  const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: config, epochs, batchSize: 32, learningRate: 2e-3, seed: 5 });
  const r = await trainModel(bundle, cfg, { train: data.train, val: data.test });
  expect(r.state).toBe('done');
  return { bundle, cfg };
}

describe('the sample spread at a run end', () => {
  it('a trained CVAE is not collapsed; cut off from z, its samples are near-identical and the run is warned about although every unit is active', async () => {
    const data = await smallMnist();
    const { bundle, cfg } = await trained('cvae', data);
    const ok = (await runEndMetrics(bundle, data, cfg)).metrics;
    expect(ok.sampleSpread).toBeGreaterThan(COLLAPSE_SPREAD);
    expect(collapseReason('cvae', ok)).toBeNull();
    // The decoder's first kernel: rows 0..2 take z, the rest the label. Zeroed, z no longer matters.
    const first = bundle.decoder.layers.find((l) => l.getClassName() === 'Dense')!;
    const [k, b] = first.getWeights();
    const mask = tf.concat([tf.zeros([3, k.shape[1]!]), tf.ones([k.shape[0]! - 3, k.shape[1]!])]);
    first.setWeights([tf.mul(k, mask), b]);
    const cut = (await runEndMetrics(bundle, data, cfg)).metrics;
    // The encoder is unchanged: the KL rule sees nothing wrong.
    expect(cut.activeUnits).toBe(ok.activeUnits);
    expect(cut.kl).toBeGreaterThan(COLLAPSE_KL_NATS);
    expect(cut.sampleSpread).toBeLessThan(0.01);
    expect(collapseReason('cvae', cut)).toMatch(/^samples are near-identical within each label \(spread 0\.\d % of the data's\)$/);
    expect(collapseWarning('cvae', cut)).toMatch(/samples will be near-identical within each label/);
    // The same seed gives the same figure (the run list, CLI and export agree).
    expect(await sampleSpread(bundle, data.train, cfg.seed, null)).toBe(cut.sampleSpread);
    disposeBundle(bundle);
  }, 300_000);

  it('a CVAE at β 20 is posterior collapse, its latent unused (every sample of a label the same digit) although its total KL is over 0.1; at β 5 it is not', async () => {
    const data = await smallMnist();
    const { bundle, cfg } = await trained('cvae', data, 10, 20);
    const m = (await runEndMetrics(bundle, data, cfg)).metrics;
    // Measured: total KL 0.138 nats, units 0.010 / 0.045 / 0.083, 2 of 3 "active", spread 0.142.
    expect(m.kl).toBeGreaterThan(COLLAPSE_KL_NATS);
    expect(m.activeUnits).toBeGreaterThan(0);
    expect(Math.max(...m.klPerDim!)).toBeLessThan(COLLAPSE_UNIT_KL_NATS);
    expect(posteriorCollapsed('cvae', m)).toBe(true);
    expect(collapseReason('cvae', m)).toMatch(/^the latent is unused: samples depend only on the label — no latent unit reaches 0\.25 nats of KL/);
    expect(collapseWarning('cvae', m)).toMatch(/; lower β$/);
    disposeBundle(bundle);
    const healthy = await trained('cvae', data, 10, 5);
    const h = (await runEndMetrics(healthy.bundle, data, healthy.cfg)).metrics;
    // Measured: its largest unit 0.99 nats, spread 0.37.
    expect(Math.max(...h.klPerDim!)).toBeGreaterThan(COLLAPSE_UNIT_KL_NATS);
    expect(posteriorCollapsed('cvae', h)).toBe(false);
    expect(collapseReason('cvae', h)).toBeNull();
    disposeBundle(healthy.bundle);
  }, 300_000);

  for (const kind of ['vae', 'ae'] as const) {
    it(`a trained ${kind.toUpperCase()} records a spread over the threshold and is not reported collapsed`, async () => {
      const data = await smallMnist();
      const { bundle, cfg } = await trained(kind, data);
      const m = (await runEndMetrics(bundle, data, cfg)).metrics;
      expect(m.sampleSpread).toBeGreaterThan(COLLAPSE_SPREAD);
      expect(collapseReason(kind, m)).toBeNull();
      disposeBundle(bundle);
    }, 300_000);
  }
});

describe("the fitted prior's sample spread at a run end", () => {
  it("an under-trained CVAE's fitted samples vary much less than the data and get the notice; trained on more digits, they do not", async () => {
    const m = await loadEmbeddedMnist();
    const cut = (s: { x: RowValues; y: Int32Array }, n: number) => ({ x: s.x.slice(0, n * 784), y: s.y.slice(0, n), count: n });
    const config = ModelConfig.parse({ kind: 'cvae', latentDim: 3, hidden: [64], beta: 1 });
    const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: config, epochs: 10, batchSize: 32, learningRate: 2e-3, seed: 5 });
    const spreads: number[] = [];
    // 10 epochs of 400 digits (125 steps) against 10 of 2,000 (625): measured 0.14 and 0.42 of the data's spread,
    // while N(0, I)'s samples vary alike in both (0.39, 0.45: not collapsed).
    for (const n of [400, 2000]) {
      const data = { train: cut(m.train, n), test: cut(m.test, 200) };
      const bundle = buildModel({ config, inputDim: 784, numClasses: 10, output: 'bernoulli' }, 5);
      expect((await trainModel(bundle, cfg, { train: data.train, val: data.test })).state).toBe('done');
      const end = await runEndMetrics(bundle, data, cfg);
      const got = end.metrics;
      expect(got.sampleSpread).toBeGreaterThan(COLLAPSE_SPREAD);
      spreads.push(got.sampleSpreadFitted!);
      expect(Metrics.parse(got).sampleSpreadFitted).toBe(got.sampleSpreadFitted);
      // From the same images as N(0, I)'s figure, which is the same as without a fitted prior.
      expect(await sampleSpreads(bundle, data.train, cfg.seed, null, end.fittedPrior)).toEqual({ standard: got.sampleSpread, fitted: got.sampleSpreadFitted });
      expect(await sampleSpread(bundle, data.train, cfg.seed, null)).toBe(got.sampleSpread);
      disposeBundle(bundle);
    }
    const [under, longer] = spreads;
    expect(under).toBeLessThan(FITTED_SPREAD_LOW);
    expect(fittedSpreadNotice({ sampleSpreadFitted: under })).toBe(
      `Samples from the fitted mixture vary less than the data (${Math.round(under * 100)} % of its spread): the model is under-trained — more epochs help.`,
    );
    expect(longer).toBeGreaterThan(FITTED_SPREAD_LOW);
    expect(fittedSpreadNotice({ sampleSpreadFitted: longer })).toBeNull();
    // Runs saved before it was recorded: no notice.
    expect(fittedSpreadNotice({ sampleSpread: 0.4 } as Metrics)).toBeNull();
    expect(fittedSpreadNotice(null)).toBeNull();
  }, 300_000);
});
