/**
 * The VAE-GAN model kind (issue #15): the contract accepts it with its settings and refuses them
 * elsewhere; dense and conv bundles build with a discriminator, save and load as three
 * LayersModels with identical outputs; the three optimisers' losses equal a hand computation in
 * plain JS on the same weights; one step updates all three networks.
 */
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EpochRecord, ModelConfig, TrainConfig, TrainProgress, VAEGAN_DEFAULTS, type ModelConfigInput } from '../../src-shared/contract';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, countParams, disposeBundle, trainableVariables, type ModelBundle } from '../../src-main/engine/models/build';
import { loadBundle, saveBundle } from '../../src-main/engine/models/io';
import { ganNoise, ganOptimizers, disposeGanGradients, vaeganGradients, vaeganLosses, vaeganTrainStep, variablesOf } from '../../src-main/engine/models/vaegan';
import { DIS_LEAKY_ALPHA } from '../../src-main/engine/models/discriminator';
import { describeModel } from '../../src-main/engine/modelCard';
import { flatten } from './synthetic';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-vaegan-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bundleOf(extra: ModelConfigInput, inputDim: number, seed = 5): ModelBundle {
  const config = ModelConfig.parse({ kind: 'vaegan', latentDim: 2, ...extra });
  return buildModel({ config, inputDim, numClasses: 10, output: 'bernoulli' }, seed);
}

/** Seeded rows in [0, 1]. */
function rows(n: number, D: number, seed = 3): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n * D }, () => (s = (s * 16807) % 2147483647) / 2147483647);
}

const predict = (m: tf.LayersModel, x: Float32Array, n: number, D: number) =>
  tf.tidy(() => {
    const out = m.predict(tf.tensor2d(x, [n, D]));
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });

describe('contract', () => {
  it('fills the VAE-GAN defaults, refuses its settings on other kinds, inputNoise on it, and unknown kinds', () => {
    const c = ModelConfig.parse({ kind: 'vaegan' });
    expect(c).toMatchObject({ gamma: VAEGAN_DEFAULTS.gamma, pixelWeight: VAEGAN_DEFAULTS.pixelWeight, discLrScale: VAEGAN_DEFAULTS.discLrScale, beta: 1 });
    expect(ModelConfig.parse({ kind: 'vaegan', gamma: 2, pixelWeight: 0.5, discLrScale: 0.3 })).toMatchObject({ gamma: 2, pixelWeight: 0.5, discLrScale: 0.3 });
    expect(() => ModelConfig.parse({ kind: 'vae', gamma: 1 })).toThrow(/VAE-GAN/);
    expect(() => ModelConfig.parse({ kind: 'vaegan', inputNoise: 0.1 })).toThrow(/inputNoise/);
    expect(() => ModelConfig.parse({ kind: 'vaegan', discLrScale: 0 })).toThrow();
    expect(() => ModelConfig.parse({ kind: 'gan' })).toThrow();
    // Runs saved before the kind existed still parse (no GAN fields), as do their history and progress.
    expect(TrainConfig.parse({ model: { kind: 'vae' } }).model).not.toHaveProperty('gamma');
    const old = { loss: 3, recon: 2, kl: 1 };
    expect(EpochRecord.parse({ epoch: 1, train: old, val: old, beta: 1, samplesPerSecond: 5 }).train).toEqual(old);
    const p = TrainProgress.parse({ runId: 'r', state: 'training', epoch: 1, epochs: 2, batch: 1, batches: 2, samplesPerSecond: 1, etaSeconds: 1, train: old, beta: 1 });
    expect(p.warnings).toBeUndefined();
    expect(() => EpochRecord.parse({ epoch: 1, train: { ...old, gan: { disc: 1 } }, val: old, beta: 1, samplesPerSecond: 5 })).toThrow();
  });
});

describe('build, save, load', () => {
  for (const arch of ['dense', 'conv'] as const) {
    it(`${arch}: encoder, decoder and discriminator round-trip with identical outputs`, async () => {
      const D = 28 * 28;
      const b = arch === 'dense' ? bundleOf({ hidden: [16] }, D) : bundleOf({ arch: 'conv', convFilters: [4, 8] }, D);
      expect(b.discriminator).toBeDefined();
      expect(b.discriminator!.outputs[0].shape).toEqual([null, 1]);
      // countParams covers the three networks.
      const params = trainableVariables(b).reduce((s, v) => s + v.size, 0);
      expect(countParams(b)).toBe(params);
      const x = rows(3, D);
      const dir = path.join(tmp, `run-${arch}`);
      mkdirSync(dir, { recursive: true }); // a run's folder exists before its model is saved
      await saveBundle(b, dir);
      expect(existsSync(path.join(dir, 'model', 'discriminator', 'model.json'))).toBe(true);
      const back = await loadBundle(b, dir);
      for (const key of ['encoder', 'discriminator'] as const) {
        const [a, c] = [predict(b[key]!, x, 3, D), predict(back[key]!, x, 3, D)];
        a.forEach((t, i) => expect(Array.from(c[i])).toEqual(Array.from(t)));
      }
      const z = Float32Array.of(0.3, -1, 1.2, 0.4, -0.7, 0);
      expect(Array.from(predict(back.decoder, z, 3, 2)[0])).toEqual(Array.from(predict(b.decoder, z, 3, 2)[0]));
      disposeBundle(b);
      disposeBundle(back);
    });
  }
});

/** Dense + bias, row-major: out[n × U] = x[n × I]·W[I × U] + b. */
function dense(x: Float32Array, n: number, W: Float32Array, b: Float32Array): Float32Array {
  const U = b.length;
  const I = W.length / U;
  const out = new Float32Array(n * U);
  for (let r = 0; r < n; r++) for (let u = 0; u < U; u++) {
    let s = b[u];
    for (let i = 0; i < I; i++) s += x[r * I + i] * W[i * U + u];
    out[r * U + u] = s;
  }
  return out;
}
const softplus = (v: number) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);

describe('losses against a hand computation', () => {
  it('the encoder, decoder and discriminator losses of a tiny batch', () => {
    const D = 6;
    const m = 3;
    const L = 2;
    const gamma = 0.7;
    const pw = 0.4;
    const beta = 1.5;
    const b = bundleOf({ hidden: [5], gamma, pixelWeight: pw, beta, ganLoss: 'standard' }, D, 11);
    const x = rows(m, D, 9);
    const noise = ganNoise(m, L, 123);
    const got = tf.tidy(() => {
      const T = vaeganLosses(b, tf.tensor2d(x, [m, D]), { eps: tf.tensor2d(noise.eps, [m, L]), zp: tf.tensor2d(noise.zp, [m, L]) }, false);
      return Object.fromEntries(Object.entries(T).map(([k, t]) => [k, t.dataSync()[0]]));
    });

    // By hand: the encoder's and decoder's outputs from the models, the discriminator and every loss in JS.
    const [mean, logVar] = predict(b.encoder, x, m, D);
    const z = mean.map((mu, i) => mu + Math.exp(0.5 * logVar[i]) * noise.eps[i]);
    const [logitsR] = predict(b.decoderLogits, z, m, L);
    const [logitsP] = predict(b.decoderLogits, noise.zp, m, L);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const [W1, b1, W2, b2] = b.discriminator!.getWeights().map((w) => w.dataSync() as Float32Array);
    const dis = (input: Float32Array) => {
      const h = dense(input, m, W1, b1).map((v) => (v > 0 ? v : DIS_LEAKY_ALPHA * v));
      return { f: h, d: dense(h, m, W2, b2) };
    };
    const real = dis(x);
    const recon = dis(logitsR.map(sig));
    const prior = dis(logitsP.map(sig));
    let kl = 0;
    let pixel = 0;
    let feature = 0;
    let disc = 0;
    let gen = 0;
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < L; j++) {
        const i = r * L + j;
        kl += -0.5 * (1 + logVar[i] - mean[i] ** 2 - Math.exp(logVar[i]));
      }
      for (let j = 0; j < D; j++) {
        const l = logitsR[r * D + j];
        pixel += Math.max(l, 0) - l * x[r * D + j] + Math.log1p(Math.exp(-Math.abs(l)));
      }
      const F = real.f.length / m;
      for (let j = 0; j < F; j++) feature += 0.5 * (recon.f[r * F + j] - real.f[r * F + j]) ** 2;
      disc += softplus(-real.d[r]) + softplus(recon.d[r]) + softplus(prior.d[r]);
      gen += softplus(-recon.d[r]) + softplus(-prior.d[r]);
    }
    [kl, pixel, feature, disc, gen] = [kl, pixel, feature, disc, gen].map((v) => v / m);
    const llike = feature + pw * pixel;
    const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThan(1e-4 * Math.max(1, Math.abs(e)));
    close(got.prior, kl);
    close(got.pixel, pixel);
    close(got.feature, feature);
    close(got.disc, disc);
    close(got.gen, gen);
    close(got.encoder, beta * kl + llike);
    close(got.decoder, gamma * llike + gen);
    close(got.discriminator, disc);
    // A discriminator that cannot tell (all logits 0) costs 3·ln 2; the terms are not all zero here.
    expect(feature).toBeGreaterThan(0);
    disposeBundle(b);
  });

  it("the step's three gradients equal each optimiser's loss differentiated for its own network (conv, with L2 off)", () => {
    const D = 28 * 28;
    const m = 4;
    const beta = 0.7;
    const b = bundleOf({ arch: 'conv', convFilters: [3, 4], gamma: 0.3, pixelWeight: 0.5 }, D, 8);
    const x = rows(m, D, 6);
    const seed = 99;
    const got = vaeganGradients(b, x, beta, seed);
    const noise = ganNoise(m, 2, seed);
    const ref = { ...b, config: { ...b.config, beta } };
    for (const key of ['encoder', 'decoder', 'discriminator'] as const) {
      const want = tf.tidy(() => {
        const T = () => vaeganLosses(ref, tf.tensor2d(x, [m, D]), { eps: tf.tensor2d(noise.eps, [m, 2]), zp: tf.tensor2d(noise.zp, [m, 2]) })[key];
        const { grads, value } = tf.variableGrads(T, variablesOf(ref[key]!));
        value.dispose();
        return grads;
      });
      const names = Object.keys(want);
      expect(Object.keys(got.grads[key]).sort()).toEqual(names.sort());
      for (const n of names) {
        const a = got.grads[key][n].dataSync();
        const e = want[n].dataSync();
        let scale = 1e-6;
        for (const v of e) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < e.length; i++) expect(Math.abs(a[i] - e[i])).toBeLessThan(1e-4 * scale);
      }
      tf.dispose(want);
    }
    const T = tf.tidy(() => {
      const L = vaeganLosses(ref, tf.tensor2d(x, [m, D]), { eps: tf.tensor2d(noise.eps, [m, 2]), zp: tf.tensor2d(noise.zp, [m, 2]) });
      return [L.pixel, L.prior, L.disc, L.gen, L.feature].map((t) => t.dataSync()[0]);
    });
    [got.recon, got.kl, got.gan.disc, got.gan.gen, got.gan.feature].forEach((v, i) => expect(v).toBeCloseTo(T[i], 3));
    disposeGanGradients(got.grads);
    disposeBundle(b);
  });

  it('one step updates the encoder, the decoder and the discriminator, with finite losses', () => {
    const D = 6;
    const b = bundleOf({ hidden: [5], gamma: 0, pixelWeight: 0 }, D, 2);
    const x = rows(4, D, 4);
    const before = flatten(trainableVariables(b));
    const opt = ganOptimizers(b.config, 1e-2);
    const r = vaeganTrainStep(opt, b, x, 1, 7);
    for (const v of [r.recon, r.kl, r.gan.disc, r.gan.gen, r.gan.feature]) expect(Number.isFinite(v)).toBe(true);
    const after = flatten(trainableVariables(b));
    const moved = (model: tf.LayersModel, offset: number) => {
      const n = model.trainableWeights.reduce((s, w) => s + w.read().size, 0);
      let diff = 0;
      for (let i = offset; i < offset + n; i++) diff += Math.abs(after[i] - before[i]);
      return { diff, n };
    };
    const e = moved(b.encoder, 0);
    const d = moved(b.decoder, e.n);
    const s = moved(b.discriminator!, e.n + d.n);
    expect(e.diff).toBeGreaterThan(0);
    expect(d.diff).toBeGreaterThan(0);
    expect(s.diff).toBeGreaterThan(0);
    opt.dispose();
    disposeBundle(b);
  });
});

describe('model card', () => {
  for (const [arch, extra] of [['dense', { hidden: [32] }], ['conv', { arch: 'conv', convFilters: [4, 8] }]] as const) {
    it(`${arch}: the card lists the discriminator's layers and counts what the engine builds`, () => {
      const model = ModelConfig.parse({ kind: 'vaegan', latentDim: 2, ...extra });
      const card = describeModel({ model, shape: [28, 28, 1], numClasses: 10 });
      const b = buildModel({ config: model, inputDim: 784, numClasses: 10, output: 'bernoulli' }, 1);
      expect(card.params).toBe(b.encoder.countParams() + b.decoder.countParams() + b.discriminator!.countParams());
      expect(card.layers.reduce((s, l) => s + l.params, 0)).toBe(card.params);
      expect(card.layers.reduce((s, l) => s + l.flops, 0)).toBe(card.flops.forward);
      expect(card.layers.at(-1)).toMatchObject({ name: 'd_logit', output: [1] });
      disposeBundle(b);
    });
  }
});
