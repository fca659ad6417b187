/**
 * The VAE-GAN stability watch's reconstruction check (jobs/ganHealth.ts): a decoder that ignores
 * its input (the average training image for every input, scored by the app's own validation) is
 * "no better than the average training image", for the Bernoulli and the Gaussian likelihood;
 * good reconstructions are not; a run whose reconstructions are ruined or lose over half their
 * gain after a healthy epoch keeps the healthy epoch's checkpoint, and its warnings give the figures.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, type LossParts, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { loadEmbeddedMnist } from '../../src-main/engine/datasets/mnist';
import { rowsF32, type RowValues } from '../../src-main/engine/datasets/rows';
import { COLLAPSE_SPREAD, DISC_CHANCE_NATS, DISC_DIVERGE_NATS, DUPLICATE_SHARE, GanHealth, GEN_CHANCE_NATS, HEALTH_SAMPLES, RECON_DROP, RECON_SHARE_MIN } from '../../src-main/engine/jobs/ganHealth';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { evaluate, type SplitData } from '../../src-main/engine/metrics';
import { buildModel, disposeBundle, type ModelBundle } from '../../src-main/engine/models/build';
import type { OutputKind } from '../../src-main/engine/models/spec';

let data: { train: SplitData; test: SplitData };
beforeAll(async () => {
  await initBackend();
  const m = await loadEmbeddedMnist();
  const cut = (s: { x: RowValues; y: Int32Array }, n: number) => ({ x: s.x.slice(0, n * 784), y: s.y.slice(0, n), count: n });
  data = { train: cut(m.train, 300), test: cut(m.test, 200) };
});

/** A VAE-GAN bundle; the standard loss unless `settings` say otherwise (the replayed histories were recorded with it). */
function vaegan(output: OutputKind, settings: Partial<ModelConfigInput> = {}): ModelBundle {
  const likelihood = output === 'gaussian' ? { likelihood: output, sigma: 0.1 } : { likelihood: output };
  const config = ModelConfig.parse({ kind: 'vaegan', latentDim: 4, hidden: [32], ganLoss: 'standard', ...likelihood, ...settings });
  return buildModel({ config, inputDim: 784, numClasses: 10, output }, 1);
}

/** The decoder's last Dense layer (its output is the logits, or the Gaussian's means). */
const lastDense = (b: ModelBundle) => b.decoder.layers.filter((l) => l.getClassName() === 'Dense').at(-1)!;

/** Makes the decoder output the training split's mean image whatever z is (kernel 0, bias the mean's logits or the mean). */
function decodeTheAverageImage(b: ModelBundle, output: OutputKind): void {
  const x = rowsF32(data.train.x, 784, 0, data.train.count);
  const mean = new Float32Array(784);
  for (let i = 0; i < x.length; i++) mean[i % 784] += x[i] / data.train.count;
  const p = mean.map((v) => Math.min(Math.max(v, 1e-3), 1 - 1e-3));
  const bias = output === 'bernoulli' ? p.map((v) => Math.log(v / (1 - v))) : mean;
  const layer = lastDense(b);
  const [k] = layer.getWeights();
  layer.setWeights([tf.zerosLike(k), tf.tensor1d(bias)]);
}

const train: LossParts = { loss: 1, recon: 1, kl: 0, gan: { disc: 1.2, gen: 1, feature: 1 } };

describe('GanHealth: reconstructions that carry nothing of their input', () => {
  for (const output of ['bernoulli', 'gaussian'] as const) {
    it(`${output}: a decoder that always outputs the average training image is flagged, with the figures; good reconstructions are not`, async () => {
      const b = vaegan(output);
      const health = new GanHealth(b, data, 1);
      const { average, perfect } = health.baselines;
      expect(average).toBeGreaterThan(perfect);

      decodeTheAverageImage(b, output);
      // Scored as the run's validation scores every epoch.
      const val = await evaluate(b, data.test, { seed: 1 });
      const h = health.check(b, 1, train, val);
      expect(Math.abs(h.reconShare)).toBeLessThan(RECON_SHARE_MIN); // as good as the average image, no better
      expect(h.reconRuined).toBe(true);
      const w = health.warnings().join('\n');
      expect(w).toContain(
        `reconstructions are no better than the average training image since epoch 1: ${val.recon.toFixed(0)} nats per test image at epoch 1 against the average image's ${average.toFixed(0)} and a perfect copy's ${perfect.toFixed(0)}`,
      );
      // No setting off its default, the code not empty: the usual remedy, named as the form and the CLI name it.
      expect(w).toContain(
        'try to lower the Discriminator LR × (0.5 here; default 0.5; CLI --disc-lr-scale) or raise the Pixel weight (3 here; default 3; CLI --pixel-weight)',
      );

      // Reconstructions a third of the way to perfect copies: healthy, nothing said.
      const good = health.check(b, 2, train, { ...val, recon: average - (average - perfect) / 3 });
      expect(good.reconRuined).toBe(false);
      expect(good.reconDiverged).toBe(false);
      expect(health.warnings().some((s) => /reconstructions/.test(s))).toBe(false);
      disposeBundle(b);
    });
  }

  it('an epoch whose reconstructions are ruined or lose over half their gain after a healthy one is not checkpointed; the healthy one is kept', () => {
    const b = vaegan('bernoulli');
    // A decoder driven hard by z: varied prior samples (no collapse), so only the reconstructions decide.
    const layer = lastDense(b);
    const [k, bias] = layer.getWeights();
    layer.setWeights([tf.mul(k, 40), bias]);
    const health = new GanHealth(b, data, 1);
    const { average, perfect } = health.baselines;
    /** Validation losses whose reconstructions are `share` of the way from the average image to perfect copies. */
    const at = (share: number): LossParts => ({ loss: 0, kl: 0, recon: average - share * (average - perfect) });

    const h1 = health.check(b, 1, train, at(0.5));
    expect(health.shouldSave(h1)).toBe(true);
    health.markSaved(h1);
    expect(health.warnings()).toEqual([]);

    // Ruined: worse than the average image.
    const h2 = health.check(b, 2, train, at(-0.1));
    expect(h2.reconRuined).toBe(true);
    expect(health.shouldSave(h2)).toBe(false);
    expect(health.unsavedLatest).toBe(true);
    expect(health.warnings().join('\n')).toMatch(/no better than the average training image since epoch 2.*\(worse than the average image\)[\s\S]*saved model is from epoch 1, the last healthy one \(epoch 2 was not saved\)/);

    // Better than the average image but under half the best epoch's gain: diverging.
    const worse = 0.8 * RECON_DROP * 0.5;
    const h3 = health.check(b, 3, train, at(worse));
    expect(h3.reconRuined).toBe(false);
    expect(h3.reconDiverged).toBe(true);
    expect(health.shouldSave(h3)).toBe(false);
    const w3 = health.warnings();
    expect(w3.join('\n')).toContain(`reconstructions are getting worse since epoch 3: ${at(worse).recon.toFixed(0)} nats per test image at epoch 3 against ${at(0.5).recon.toFixed(0)} at epoch 1, their best`);
    expect(w3.some((s) => /no better than the average/.test(s))).toBe(false); // that problem is over
    expect(w3.at(-1)).toMatch(/saved model is from epoch 1/);

    // Back over half the best's gain: healthy again, saved, nothing said.
    const h4 = health.check(b, 4, train, at(0.45));
    expect(health.shouldSave(h4)).toBe(true);
    health.markSaved(h4);
    expect(health.warnings()).toEqual([]);
    expect(health.unsavedLatest).toBe(false);
    disposeBundle(b);
  });
});

/** A decoder driven hard by z (varied prior samples: no collapse) or, `collapsed`, one that ignores it. */
function drive(b: ModelBundle, collapsed = false): ModelBundle {
  const layer = lastDense(b);
  const [k, bias] = layer.getWeights();
  layer.setWeights([collapsed ? tf.zerosLike(k) : tf.mul(k, 40), bias]);
  return b;
}

describe('GanHealth: each warning\'s advice follows the evidence (the settings off their default, the term that moved)', () => {
  /** Validation losses `share` of the way from the average image to perfect copies, with the code's KL. */
  const at = (health: GanHealth, share: number, kl: number): LossParts => {
    const { average, perfect } = health.baselines;
    return { loss: 0, kl, recon: average - share * (average - perfect) };
  };
  const said = (health: GanHealth) => health.warnings().join('\n');

  it('ruined reconstructions: γ tiny → raise γ; β high with the code empty → lower β; pixel weight 0 with the code empty → raise it; never a config key', () => {
    const cases: { settings: Partial<ModelConfigInput>; kl: number; says: string[]; not: RegExp[] }[] = [
      {
        settings: { gamma: 0.001 },
        kl: 12,
        says: ['try to raise γ (0.001 here; default 0.3; CLI --gamma): the decoder weighs the reconstruction little against fooling the discriminator'],
        not: [/Discriminator LR/, /β/],
      },
      {
        settings: { beta: 60, klWarmupEpochs: 10 },
        kl: 0.75,
        says: ['the code carries only 0.75 nats per test image (KL): try to lower β (60 here, reached over a 10-epoch KL warm-up; default 1; CLI --beta)'],
        not: [/Discriminator LR/, /raise γ/],
      },
      {
        settings: { pixelWeight: 0 },
        kl: 0.6,
        says: ["try to raise the Pixel weight (0 here, the paper's features-only setting; default 3; CLI --pixel-weight): without it the encoder learns only from the discriminator's features"],
        not: [/Discriminator LR/, /β/],
      },
    ];
    for (const c of cases) {
      const b = drive(vaegan('bernoulli', c.settings));
      const health = new GanHealth(b, data, 1);
      const h = health.check(b, 1, train, at(health, -0.1, c.kl));
      expect(h.reconRuined).toBe(true);
      const w = said(health);
      for (const text of c.says) expect(w).toContain(text);
      for (const re of c.not) expect(w).not.toMatch(re);
      expect(w).not.toMatch(/discLrScale|pixelWeight|klWarmup/);
      disposeBundle(b);
    }
  });

  it('a collapse at a very low learning rate says to raise it, never to lower it', () => {
    const b = drive(vaegan('bernoulli'), true);
    const health = new GanHealth(b, data, 1, 1e-5);
    const h = health.check(b, 1, train, at(health, 0.5, 12));
    expect(h.collapsed).toBe(true);
    const w = said(health);
    expect(w).toContain('generator collapse');
    expect(w).toContain('the model has barely moved from its start: try to raise the Learning rate (0.00001 here; default 0.001; CLI --lr)');
    expect(w).not.toMatch(/lower the Learning rate|lower learning rate/);
    disposeBundle(b);
  });
});

describe('GanHealth: a diverging discriminator', () => {
  const ok = (health: GanHealth): LossParts => {
    const { average, perfect } = health.baselines;
    return { loss: 0, kl: 12, recon: (average + perfect) / 2 };
  };
  const disc = (d: number): LossParts => ({ ...train, gan: { disc: d, gen: 1, feature: 1 } });

  it('a discriminator loss far above chance (3·ln 2) is flagged with a clear message, its epochs are not kept as healthy, and the advice names the fast settings', () => {
    expect(DISC_CHANCE_NATS).toBeCloseTo(2.079, 3);
    const b = drive(vaegan('bernoulli', { discLrScale: 20 }));
    const health = new GanHealth(b, data, 1, 0.003);
    const h1 = health.check(b, 1, disc(1.4), ok(health));
    expect(health.shouldSave(h1)).toBe(true);
    health.markSaved(h1);
    expect(health.warnings()).toEqual([]);

    // The tester's run: 42.3 nats, then 14.2 (still 7× chance: the streak goes on).
    const h2 = health.check(b, 2, disc(42.3), ok(health));
    expect(h2.discDiverges).toBe(true);
    expect(health.shouldSave(h2)).toBe(false);
    const w2 = health.warnings().join('\n');
    expect(w2).toContain('the discriminator is diverging: its loss is 42.3 nats at epoch 2 (since epoch 2), 20× the 2.08 nats of a discriminator that cannot tell real from decoded images (3·ln 2)');
    expect(w2).toContain('try to lower the Discriminator LR × (20 here; default 0.5; CLI --disc-lr-scale) or lower the Learning rate (0.003 here; default 0.001; CLI --lr)');
    expect(w2).toMatch(/saved model is from epoch 1, the last healthy one \(epoch 2 was not saved\)/);
    const h3 = health.check(b, 3, disc(14.2), ok(health));
    expect(h3.discDiverges).toBe(true);
    expect(health.shouldSave(h3)).toBe(false);
    expect(health.warnings().join('\n')).toContain('its loss is 14.2 nats at epoch 3 (since epoch 2)');

    // Back near chance: healthy again.
    const h4 = health.check(b, 4, disc(1.5), ok(health));
    expect(h4.discDiverges).toBe(false);
    expect(health.shouldSave(h4)).toBe(true);
    disposeBundle(b);
  });

  it('a lone epoch a few times chance (a first epoch\'s 4.8 nats, even 14) is not a divergence; over 10× chance is', () => {
    const b = drive(vaegan('bernoulli'));
    const health = new GanHealth(b, data, 1);
    expect(health.check(b, 1, disc(4.8), ok(health)).discDiverges).toBe(false);
    expect(health.check(b, 2, disc(14), ok(health)).discDiverges).toBe(false);
    expect(health.check(b, 3, disc(DISC_DIVERGE_NATS + 0.1), ok(health)).discDiverges).toBe(true);
    // No setting off its default: the usual remedy, from the run's own value.
    expect(health.warnings().join('\n')).toContain('try to lower the Discriminator LR × (0.5 here; default 0.5; CLI --disc-lr-scale)');
    disposeBundle(b);
  });
});

/**
 * Epoch-mean training losses (nats per sample) of the fresh tester's MNIST runs (dense, z 8, 8,000
 * digits, batch 64, 4 epochs; their metrics.jsonl): the defaults, the Discriminator LR × 50 (the
 * generator blew up in epoch 1; −ELBO 225 against 134 at the defaults, Fréchet 420.8 against
 * 178.6) and × 0.001 (the discriminator never learned), γ 1000 with × 10 (reconstructions as good
 * as the defaults': must stay silent), and a conv run on shapes (its first epoch's discriminator
 * just under chance, its feature term growing 0.8 → 105 with the discriminator's features).
 */
const HISTORIES: Record<string, { discLrScale?: number; gamma?: number; gan: [number, number, number][] }> = {
  defaults: { gan: [[0.892, 7.325, 9.903], [1.037, 4.058, 8.5], [0.939, 3.522, 9.548], [0.82, 3.833, 10.501], [0.715, 4.184, 11.183]] },
  discTimes50: { discLrScale: 50, gan: [[4.605, 206.491, 3213.921], [0.642, 69.455, 465.948], [1.361, 44.075, 598.715], [1.473, 17.599, 481.674]] },
  discTimes0001: { discLrScale: 0.001, gan: [[2.313, 1.252, 6.42], [2.897, 1.083, 3.957], [3.027, 1.157, 3.426], [2.919, 1.279, 3.171]] },
  gamma1000: { discLrScale: 10, gamma: 1000, gan: [[0.677, 41.158, 93.467], [0.81, 34.8, 34.572], [0.75, 30.942, 39.813], [0.704, 27.097, 50.992]] },
  convShapes: {
    gan: [[1.942, 1.625, 0.817], [1.535, 2.927, 2.054], [1.268, 3.027, 4.074], [0.893, 3.456, 11.974], [0.582, 4.373, 31.842], [0.663, 5.063, 53.718], [0.776, 5.834, 60.9], [0.573, 6.002, 65.467], [0.349, 6.256, 104.515]],
  },
};

describe('GanHealth: a blow-up and a discriminator that never learns (the tester\'s forced runs)', () => {
  const ok = (health: GanHealth): LossParts => {
    const { average, perfect } = health.baselines;
    return { loss: 0, kl: 12, recon: (average + perfect) / 2 };
  };
  /** Checks every epoch of `name`'s history; the warnings after each epoch. */
  function replay(name: keyof typeof HISTORIES): { health: GanHealth; said: string[][]; b: ModelBundle } {
    const { gan, ...settings } = HISTORIES[name];
    const b = drive(vaegan('bernoulli', settings));
    const health = new GanHealth(b, data, 1);
    const said: string[][] = [];
    gan.forEach(([disc, gen, feature], i) => {
      const h = health.check(b, i + 1, { ...train, gan: { disc, gen, feature } }, ok(health));
      if (health.shouldSave(h)) health.markSaved(h);
      said.push(health.warnings());
    });
    return { health, said, b };
  }

  it('healthy runs stay silent every epoch: the defaults, γ 1000 with the Discriminator LR × 10, a conv run whose feature term grows', () => {
    for (const name of ['defaults', 'gamma1000', 'convShapes'] as const) {
      const { said, b } = replay(name);
      expect(said, name).toEqual(said.map(() => []));
      disposeBundle(b);
    }
  });

  it('Discriminator LR × 50: the generator\'s loss blew up in epoch 1; said with its figures from epoch 1 on, also once it came down, with the setting to lower', () => {
    const { said, b } = replay('discTimes50');
    const first = said[0].join('\n');
    expect(first).toContain(`the generator's loss diverged in epoch 1: 206.5 nats per sample over the epoch (its feature term 3214), 149× the ${GEN_CHANCE_NATS.toFixed(2)} nats of a decoder the discriminator cannot tell from real images (2·ln 2)`);
    expect(first).toContain('try to lower the Discriminator LR × (50 here; default 0.5; CLI --disc-lr-scale)');
    // Epochs 3 and 4 are healthy again (44 and 18 nats), but the jolt is still said: the run ended far worse than the defaults.
    const last = said.at(-1)!.join('\n');
    expect(last).toContain("the generator's loss diverged in epoch 1: 206.5 nats per sample");
    expect(last).toContain('it came down since (17.6 at epoch 4), but such a jolt can leave the model far worse than a steady run');
    expect(last).toContain('try to lower the Discriminator LR × (50 here; default 0.5; CLI --disc-lr-scale)');
    expect(last).not.toMatch(/saved model/); // epoch 4 is healthy and kept
    disposeBundle(b);
  });

  it('Discriminator LR × 0.001: its loss stayed above chance (3·ln 2) from epoch 1; said from epoch 2, with the setting to raise', () => {
    const { said, b } = replay('discTimes0001');
    expect(said[0]).toEqual([]); // a first epoch above chance alone is not evidence (healthy ones reach 4.8 nats)
    for (const [i, w] of said.slice(1).entries()) {
      const epoch = i + 2;
      const disc = HISTORIES.discTimes0001.gan[epoch - 1][0];
      expect(w.join('\n')).toContain(
        `the discriminator is not learning: its loss has stayed at or above the 2.08 nats of a discriminator that cannot tell real from decoded images (3·ln 2) since epoch 1 (${disc.toFixed(2)} at epoch ${epoch})`,
      );
      expect(w.join('\n')).toContain('try to raise the Discriminator LR × (0.001 here; default 0.5; CLI --disc-lr-scale)');
    }
    disposeBundle(b);
  });
});

describe('GanHealth: too few optimiser steps come first in the advice', () => {
  it('a 3-step run\'s collapse says to train longer first, not to change settings already at their defaults', () => {
    const b = drive(vaegan('bernoulli'), true);
    const health = new GanHealth(b, data, 1, undefined, 3);
    const { average, perfect } = health.baselines;
    const h = health.check(b, 1, train, { loss: 0, kl: 12, recon: (average + perfect) / 2 });
    expect(h.collapsed).toBe(true);
    const w = health.warnings().join('\n');
    expect(w).toContain('generator collapse: near-identical samples since epoch 1');
    expect(w).toContain('this run takes only 3 optimiser steps in all (fewer than ~500 leaves a barely trained model): train longer first');
    expect(w).not.toMatch(/raise γ|lower β|default 0\.3; CLI --gamma/);
    disposeBundle(b);
  });

  it('with too few steps and a setting off its default the way that causes the problem, both: the steps first, then the setting', () => {
    const b = drive(vaegan('bernoulli', { gamma: 0.001 }));
    const health = new GanHealth(b, data, 1, undefined, 90);
    const { average, perfect } = health.baselines;
    health.check(b, 1, train, { loss: 0, kl: 12, recon: average - -0.1 * (average - perfect) });
    expect(health.warnings().join('\n')).toContain(
      'this run takes only 90 optimiser steps in all (fewer than ~500 leaves a barely trained model): train longer first; then try to raise γ (0.001 here; default 0.3; CLI --gamma)',
    );
    disposeBundle(b);
  });
});

describe('GanHealth: the relativistic GAN loss has its own chance levels', () => {
  const ok = (health: GanHealth): LossParts => {
    const { average, perfect } = health.baselines;
    return { loss: 0, kl: 12, recon: (average + perfect) / 2 };
  };
  const gan = (disc: number, gen: number): LossParts => ({ ...train, gan: { disc, gen, feature: 1 } });

  it('a discriminator idle at 2·ln 2 (not 3·ln 2), a diverging one at 10× that, a generator blow-up at 40× 4·ln 2; the warnings name them', () => {
    const b = drive(vaegan('bernoulli', { ganLoss: 'relativistic' }));
    const health = new GanHealth(b, data, 1);
    expect(health.chance.disc).toBeCloseTo(2 * Math.LN2, 12);
    // 1.5 nats: under the standard loss's 2.08 (learning), over the relativistic 1.39 (idle after 2 epochs).
    health.check(b, 1, gan(1.5, 2), ok(health));
    expect(health.check(b, 2, gan(1.5, 2), ok(health)).discIdle).toBe(true);
    expect(health.warnings().join('\n')).toContain('its loss has stayed at or above the 1.39 nats of a discriminator that cannot tell real from decoded images (2·ln 2) since epoch 1');
    // 20 nats: 14× its chance, diverging (the standard loss's line is 20.8).
    const h3 = health.check(b, 3, gan(20, 2), ok(health));
    expect(h3.discDiverges).toBe(true);
    expect(health.warnings().join('\n')).toContain('14× the 1.39 nats of a discriminator that cannot tell real from decoded images (2·ln 2)');
    // A generator at 80 nats: over the standard loss's 55.5 line, under the relativistic 110.9.
    expect(health.check(b, 4, gan(1, 80), ok(health)).blewUp).toBe(false);
    expect(health.check(b, 5, gan(1, 120), ok(health)).blewUp).toBe(true);
    expect(health.warnings().join('\n')).toContain("the generator's loss diverged in epoch 5: 120.0 nats per sample over the epoch (its feature term 1), 43× the 2.77 nats of a decoder the discriminator cannot tell from real images (4·ln 2)");
    disposeBundle(b);

    // The standard loss at the same figures: 1.5 is learning, 80 a blow-up.
    const s = drive(vaegan('bernoulli'));
    const std = new GanHealth(s, data, 1);
    std.check(s, 1, gan(1.5, 2), ok(std));
    expect(std.check(s, 2, gan(1.5, 2), ok(std)).discIdle).toBe(false);
    expect(std.check(s, 3, gan(20, 2), ok(std)).discDiverges).toBe(false);
    expect(std.check(s, 4, gan(1, 80), ok(std)).blewUp).toBe(true);
    disposeBundle(s);
  });
});

/**
 * A decoder (z 4, hidden [32, 32]) that ignores z for part of z-space when `gated`: where z₀ < 0
 * a gate unit (1000·relu(−z₀)) switches the second hidden layer off, so every such z decodes to
 * one image (sigmoid of the output bias), exactly; elsewhere the output follows z₁…z₃ hard
 * (varied samples). Not gated: the same decoder follows z₁…z₃ everywhere.
 */
function partlyIgnoresZ(gated: boolean): ModelBundle {
  const b = vaegan('bernoulli', { hidden: [32, 32] });
  const [l1, l2, l3] = b.decoder.layers.filter((l) => l.getClassName() === 'Dense');
  const rand = mulberry32(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const OFFSET = 20; // keeps the first layer's z₁…z₃ units positive (linear) for prior draws
  // Layer 1 (4 → 32): units 0–30 = relu(u·z₁…₃ + OFFSET), unit 31 = relu(−1000·z₀) (the gate).
  const k1 = new Float32Array(4 * 32);
  const b1 = new Float32Array(32);
  for (let u = 0; u < 31; u++) {
    for (let i = 1; i < 4; i++) k1[i * 32 + u] = normal();
    b1[u] = OFFSET;
  }
  k1[0 * 32 + 31] = gated ? -1000 : 0;
  // Layer 2 (32 → 32): relu(V·(a − OFFSET) − gate).
  const k2 = new Float32Array(32 * 32);
  const b2 = new Float32Array(32);
  for (let j = 0; j < 32; j++) {
    for (let u = 0; u < 31; u++) {
      const v = normal() / Math.sqrt(31);
      k2[u * 32 + j] = v;
      b2[j] -= OFFSET * v;
    }
    k2[31 * 32 + j] = -1;
  }
  l1.setWeights([tf.tensor2d(k1, [4, 32]), tf.tensor1d(b1)]);
  l2.setWeights([tf.tensor2d(k2, [32, 32]), tf.tensor1d(b2)]);
  const [k3, b3] = l3.getWeights();
  l3.setWeights([tf.mul(k3, 40), b3]);
  return b;
}

describe('GanHealth: partial mode collapse (a share of the prior samples near-copies of another)', () => {
  const ok = (health: GanHealth): LossParts => {
    const { average, perfect } = health.baselines;
    return { loss: 0, kl: 12, recon: (average + perfect) / 2 };
  };

  it('a decoder that ignores z where z₀ < 0 (about half the samples one image) is said with the count, while its spread stays over the collapse line; the same decoder without the gate is not', () => {
    const b = partlyIgnoresZ(true);
    const health = new GanHealth(b, data, 1);
    const h = health.check(b, 1, train, ok(health));
    // The samples are varied on the whole: the mean spread does not see it.
    expect(h.collapsed).toBe(false);
    expect(h.spreadRatio).toBeGreaterThan(COLLAPSE_SPREAD);
    expect(h.duplicateShare).toBeGreaterThan(0.3);
    expect(h.duplicateShare).toBeLessThan(0.7);
    expect(h.duplicates).toBe(true);
    const k = Math.round(h.duplicateShare * HEALTH_SAMPLES);
    const w = health.warnings().join('\n');
    expect(w).toContain(`partial mode collapse since epoch 1: ${k} of ${HEALTH_SAMPLES} prior samples repeat another's shape almost exactly (epoch 1); `);
    // A run of many steps: train longer, and with a latent of 4 a larger one; no GAN setting (none helped, measured).
    expect(w).toContain('try to train for more epochs (the near-copies thin out as training goes on) or use a larger Latent size (4 here; CLI --latent)');
    expect(w).not.toMatch(/γ|Discriminator LR|saved model/);
    // Said, not unhealthy: the epoch's checkpoint is kept.
    expect(health.shouldSave(h)).toBe(true);
    health.markSaved(h);
    expect(health.unsavedLatest).toBe(false);
    disposeBundle(b);

    const free = partlyIgnoresZ(false);
    const fine = new GanHealth(free, data, 1);
    const f = fine.check(free, 1, train, ok(fine));
    expect(f.duplicateShare).toBeLessThan(DUPLICATE_SHARE);
    expect(f.duplicates).toBe(false);
    expect(fine.warnings()).toEqual([]);
    disposeBundle(free);
  });

  it("the tester's case: few steps come first, then the latent size; the warning goes once the near-copies thin out", () => {
    const b = partlyIgnoresZ(true);
    const health = new GanHealth(b, data, 1, undefined, 375);
    health.check(b, 1, train, ok(health));
    expect(health.warnings().join('\n')).toContain(
      'this run takes only 375 optimiser steps in all (fewer than ~500 leaves a barely trained model): train longer first; then try to use a larger Latent size (4 here; CLI --latent)',
    );
    const free = partlyIgnoresZ(false);
    free.decoder.layers.forEach((l, i) => b.decoder.layers[i].setWeights(l.getWeights()));
    disposeBundle(free);
    const h2 = health.check(b, 2, train, ok(health));
    expect(h2.duplicates).toBe(false);
    expect(health.warnings()).toEqual([]);
    disposeBundle(b);
  });

  it('a fully collapsed decoder is said as generator collapse, not also as near-copies', () => {
    const b = drive(vaegan('bernoulli'), true);
    const health = new GanHealth(b, data, 1);
    const h = health.check(b, 1, train, ok(health));
    expect(h.collapsed).toBe(true);
    expect(h.duplicateShare).toBe(1);
    expect(h.duplicates).toBe(false);
    expect(health.warnings().join('\n')).not.toMatch(/near-copies/);
    disposeBundle(b);
  });
});
