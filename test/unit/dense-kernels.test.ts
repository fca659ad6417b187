/**
 * The dense fast path (src-main/engine/kernels/dense): its gradients and Adam steps equal the
 * tfjs path's (autodiff through the same Layers model) to float rounding, for every model
 * kind, activation, output and regulariser it supports; threads' shares add up to the whole
 * batch's gradient. (The module itself, its table and its build: kernel-build.test.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, l2Penalty, oneHot, trainableVariables, type ModelBundle, type OutputKind } from '../../src-main/engine/models/build';
import { gaussianSigma } from '../../src-main/engine/models/likelihood';
import { klPerSample, reconPerSample } from '../../src-main/engine/models/loss';
import { DenseNet } from '../../src-main/engine/kernels/dense/denseNet';
import { createDenseMemory, denseUnsupported, planDense } from '../../src-main/engine/kernels/dense/densePlan';
import { flatten } from './synthetic';
import { expectClose } from './kernelCompare';

beforeAll(async () => {
  await initBackend();
});

const D = 12;
const C = 3;

function model(kind: 'ae' | 'vae' | 'cvae', extra: ModelConfigInput = {}, output: OutputKind = 'bernoulli', inputDim = D): ModelBundle {
  const config = ModelConfig.parse({ kind, latentDim: 2, hidden: [16, 8], ...extra });
  return buildModel({ config, inputDim, numClasses: C, output }, 7);
}

function data(m: number, inputDim: number, output: OutputKind, seed = 1): { x: Float32Array; y: Int32Array } {
  let s = seed;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const x = Float32Array.from({ length: m * inputDim }, () => (output === 'bernoulli' ? (r() < 0.3 ? 0 : r()) : 4 * r() - 2));
  const y = Int32Array.from({ length: m }, () => Math.floor(r() * C));
  return { x, y };
}

/**
 * tfjs's gradient of the batch loss for given encoder inputs and noise (what trainModel
 * differentiates). With `masks`, the model's layers are applied one by one and each Dropout
 * layer is replaced by the given mask (tfjs draws its own otherwise).
 */
function tfjsGradient(
  b: ModelBundle,
  x: Float32Array,
  xIn: Float32Array,
  y: Float32Array | Int32Array,
  eps: Float32Array,
  m: number,
  beta: number,
  masks?: { enc: Float32Array[]; dec: Float32Array[] },
) {
  const vars = trainableVariables(b);
  const Din = b.inputDim;
  const cfg = b.config;
  let parts = { recon: 0, kl: 0 };
  const stack = (model: tf.LayersModel, prefix: string, h: tf.Tensor, ms: Float32Array[]): tf.Tensor => {
    cfg.hidden.forEach((_, i) => {
      h = model.getLayer(`${prefix}_dense_${i}`).apply(h) as tf.Tensor;
      if (cfg.activation === 'leakyRelu') h = model.getLayer(`${prefix}_lrelu_${i}`).apply(h) as tf.Tensor;
      h = tf.mul(h, tf.tensor2d(ms[i], [m, h.shape[1]!]));
    });
    return h;
  };
  const { value, grads } = tf.variableGrads(() => {
    const xt = tf.tensor2d(x, [m, Din]);
    const xi = tf.tensor2d(xIn, [m, Din]);
    const cond = cfg.kind === 'cvae';
    const yt = cond ? oneHot(Int32Array.from(y), C) : null;
    let enc: tf.Tensor2D | tf.Tensor2D[];
    if (masks) {
      const h = stack(b.encoder, 'enc', cond ? tf.concat([xi, yt!], 1) : xi, masks.enc);
      enc = cfg.kind === 'ae' ? (b.encoder.getLayer('z').apply(h) as tf.Tensor2D) : ['z_mean', 'z_log_var'].map((n) => b.encoder.getLayer(n).apply(h) as tf.Tensor2D);
    } else {
      enc = b.encoder.apply(cond ? [xi, yt!] : xi, { training: true }) as tf.Tensor2D | tf.Tensor2D[];
    }
    let z: tf.Tensor2D;
    let kl: tf.Tensor1D;
    if (cfg.kind !== 'ae') {
      const [mean, lv] = enc as tf.Tensor2D[];
      z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, lv)), tf.tensor2d(eps, mean.shape))) as tf.Tensor2D;
      kl = klPerSample(mean, lv);
    } else {
      z = (Array.isArray(enc) ? enc[0] : enc) as tf.Tensor2D;
      kl = tf.zeros([m]) as tf.Tensor1D;
    }
    const logits = masks
      ? (b.decoder.getLayer('logits').apply(stack(b.decoder, 'dec', cond ? tf.concat([z, yt!], 1) : z, masks.dec)) as tf.Tensor2D)
      : (b.decoderLogits.apply(cond ? [z, yt!] : z, { training: true }) as tf.Tensor2D);
    const rps = reconPerSample(xt, logits, b.output, gaussianSigma(b.config));
    parts = { recon: tf.sum(rps).dataSync()[0], kl: tf.sum(kl).dataSync()[0] };
    let total: tf.Tensor = tf.add(tf.mean(rps), tf.mul(beta, tf.mean(kl)));
    const l2 = l2Penalty(b);
    if (l2) total = tf.add(total, tf.div(l2, m));
    return total as tf.Scalar;
  }, vars);
  value.dispose();
  const g = flatten(vars.map((v) => grads[v.name]));
  tf.dispose(grads);
  return { g, ...parts };
}

/** Runs one fast-path gradient over `m` rows split across `threads` threads. */
function fastGradient(b: ModelBundle, x: Float32Array, y: Int32Array, m: number, beta: number, threads: number) {
  const spec = { config: b.config, inputDim: b.inputDim, numClasses: C, output: b.output };
  const rows = Math.ceil(m / threads);
  const plan = planDense(spec, rows, threads);
  const memory = createDenseMemory(plan);
  const nets = Array.from({ length: threads }, (_, t) => new DenseNet(plan, memory, t));
  nets[0].reset(flatten(trainableVariables(b)));
  return { ...runFast(b, nets, x, y, m, beta), nets, plan };
}

/** Gradient over `m` rows split across the threads of `nets` (same noise seeds every call). */
function runFast(b: ModelBundle, nets: DenseNet[], x: Float32Array, y: Int32Array, m: number, beta: number) {
  const threads = nets.length;
  const plan = nets[0].plan;
  const xIn = new Float32Array(m * b.inputDim);
  const L = b.config.latentDim;
  const eps = new Float32Array(m * L);
  let recon = 0;
  let kl = 0;
  nets.forEach((net, t) => {
    const lo = Math.floor((m * t) / threads);
    const hi = Math.floor((m * (t + 1)) / threads);
    net.load(x, y, hi - lo, (i) => lo + i, 100 + t);
    const l = net.loaded(hi - lo);
    xIn.set(l.xIn, lo * b.inputDim);
    eps.set(l.eps, lo * L);
    const r = net.gradient(hi - lo, m, beta);
    recon += r.recon;
    kl += r.kl;
  });
  const g = new Float32Array(plan.P);
  for (const net of nets) {
    const s = net.gradsOf(net.tid);
    for (let i = 0; i < g.length; i++) g[i] += s[i];
  }
  // The L2 penalty's gradient is added by Adam (2·l2·W/m on kernels); add it here to compare.
  const w = nets[0].getFlat();
  for (const t of plan.tensors) {
    if (!t.kernel) continue;
    for (let i = t.offset; i < t.offset + t.size; i++) g[i] += ((2 * b.config.l2) / m) * w[i];
  }
  return { g, recon, kl, xIn, eps };
}

/** One thread's gradient of the whole batch of `m` rows, with the given noise and weights. */
function oneThreadGradient(b: ModelBundle, x: Float32Array, y: Int32Array, m: number, eps: Float32Array, weights: Float32Array) {
  const plan = planDense({ config: b.config, inputDim: b.inputDim, numClasses: C, output: b.output }, m, 1);
  const net = new DenseNet(plan, createDenseMemory(plan), 0);
  net.reset(weights);
  net.load(x, y, m, (i) => i, 0);
  net.loaded(m).eps.set(eps);
  const { recon, kl } = net.gradient(m, m, 1);
  return { net, recon, kl };
}

describe('dense kernels', () => {
  it('dropout: gradients equal tfjs with the same masks; masks keep about 1 − rate, scaled by 1/(1 − rate)', () => {
    for (const [kind, act] of [['vae', 'relu'], ['cvae', 'leakyRelu'], ['ae', 'tanh']] as const) {
      const b = model(kind, { dropout: 0.3, activation: act, hidden: [40, 24] });
      expect(denseUnsupported(b)).toBeNull();
      const m = 16;
      const beta = kind === 'ae' ? 0 : b.config.beta;
      const { x, y } = data(m, D, 'bernoulli', 4);
      const fast = fastGradient(b, x, y, m, beta, 2);
      // The masks the two threads drew, stacked by row (thread 0's rows first).
      const masks = { enc: [] as Float32Array[], dec: [] as Float32Array[] };
      for (const side of ['enc', 'dec'] as const) {
        const per = fast.nets.map((n, t) => n.masks(t === 0 ? m / 2 : m / 2)[side]);
        masks[side] = per[0].map((_, i) => Float32Array.from([...per[0][i], ...per[1][i]]));
      }
      const all = [...masks.enc, ...masks.dec].flatMap((a) => Array.from(a));
      const kept = all.filter((v) => v !== 0);
      expect(new Set(kept.map((v) => v.toFixed(5)))).toEqual(new Set([(1 / 0.7).toFixed(5)]));
      expect(kept.length / all.length).toBeGreaterThan(0.6);
      expect(kept.length / all.length).toBeLessThan(0.8);
      const ref = tfjsGradient(b, x, fast.xIn, y, fast.eps, m, beta, masks);
      expectClose(fast.g, ref.g);
    }
  });

  const cases: Array<[string, 'ae' | 'vae' | 'cvae', ModelConfigInput, OutputKind]> = [
    ['VAE, relu, Bernoulli', 'vae', {}, 'bernoulli'],
    ['CVAE, relu, Bernoulli', 'cvae', {}, 'bernoulli'],
    ['AE, relu, Bernoulli', 'ae', {}, 'bernoulli'],
    ['VAE, leaky ReLU, Gaussian', 'vae', { activation: 'leakyRelu' }, 'gaussian'],
    ['CVAE, tanh, L2', 'cvae', { activation: 'tanh', l2: 0.01 }, 'bernoulli'],
    ['VAE, elu, β = 4', 'vae', { activation: 'elu', beta: 4 }, 'bernoulli'],
    ['AE, selu, Gaussian', 'ae', { activation: 'selu' }, 'gaussian'],
    ['VAE, sigmoid, three hidden layers', 'vae', { activation: 'sigmoid', hidden: [20, 9, 5] }, 'bernoulli'],
    ['AE with input noise', 'ae', { inputNoise: 0.3 }, 'bernoulli'],
  ];
  for (const [name, kind, extra, output] of cases) {
    it(`gradient equals tfjs's: ${name}`, () => {
      const b = model(kind, extra, output);
      const m = 11;
      const beta = b.config.kind === 'ae' ? 0 : b.config.beta;
      const { x, y } = data(m, D, output);
      const fast = fastGradient(b, x, y, m, beta, 2);
      const ref = tfjsGradient(b, x, fast.xIn, y, fast.eps, m, beta);
      expectClose(fast.g, ref.g);
      expect(fast.recon).toBeCloseTo(ref.recon, 3);
      expect(fast.kl).toBeCloseTo(ref.kl, 4);
      if (extra.inputNoise) expect(fast.xIn).not.toEqual(x);
      tf.dispose([...b.encoder.weights.map((w) => w.read())]);
    });
  }

  it('Gaussian likelihood with a fixed σ: loss (constant included) and gradient equal tfjs\'s', () => {
    for (const [kind, sigma] of [
      ['vae', 0.1],
      ['cvae', 0.3],
      ['ae', 2],
    ] as const) {
      const b = model(kind, { likelihood: 'gaussian', sigma }, 'gaussian');
      const m = 11;
      const beta = kind === 'ae' ? 0 : b.config.beta;
      const { x, y } = data(m, D, 'bernoulli', 6); // image-like values in [0, 1]
      const fast = fastGradient(b, x, y, m, beta, 2);
      expect(fast.plan.sigma).toBe(sigma);
      const ref = tfjsGradient(b, x, fast.xIn, y, fast.eps, m, beta);
      expectClose(fast.g, ref.g);
      expect(Math.abs(fast.recon - ref.recon)).toBeLessThanOrEqual(1e-5 * Math.abs(ref.recon) + 1e-3);
      expect(fast.kl).toBeCloseTo(ref.kl, 4);
    }
  });

  it('full SIMD tiles: a wider model on 24 rows matches tfjs, and one thread equals two (gradient and Adam step)', () => {
    const b = model('cvae', { hidden: [64, 32], latentDim: 3 }, 'bernoulli', 40);
    const m = 24;
    const { x, y } = data(m, 40, 'bernoulli', 5);
    const two = fastGradient(b, x, y, m, 1, 2);
    const ref = tfjsGradient(b, x, two.xIn, y, two.eps, m, 1);
    expectClose(two.g, ref.g);
    // One thread on the whole batch, fed the noise the two threads drew.
    const one = oneThreadGradient(b, x, y, m, two.eps, two.nets[0].getFlat());
    expectClose(one.net.grads, two.g, 1e-5);
    expect(one.recon).toBeCloseTo(two.recon, 3);
    expect(one.kl).toBeCloseTo(two.kl, 4);
    // The same Adam step from one share or from the sum of two gives the same weights.
    const all = two.plan.tensors.map((_, i) => i);
    two.nets[0].adam(all, 1, 0.01, 0, m);
    one.net.adam(all, 1, 0.01, 0, m);
    expectClose(one.net.getFlat(), two.nets[0].getFlat(), 1e-5);
    expect(one.net.getFlat()).not.toEqual(flatten(trainableVariables(b))); // (the step moved the weights)
  });

  it("the threads' shares add up to one thread's gradient of the whole batch", () => {
    const b = model('vae', { hidden: [32] }, 'bernoulli', 40);
    const m = 20;
    const { x, y } = data(m, 40, 'bernoulli', 9);
    const two = fastGradient(b, x, y, m, 1, 2);
    const one = oneThreadGradient(b, x, y, m, two.eps, two.nets[0].getFlat());
    expectClose(two.g, one.net.grads, 1e-5);
  });

  it('a CVAE label out of range is refused before it can index past the kernel', () => {
    const b = model('cvae');
    const plan = planDense(b, 4, 1);
    const net = new DenseNet(plan, createDenseMemory(plan), 0);
    const x = new Float32Array(4 * D);
    expect(() => net.load(x, Int32Array.of(0, 1, 3, 2), 4, (i) => i, 1)).toThrow(/label 3 is not in 0…2/);
    expect(() => net.load(x, Int32Array.of(0, -1, 2, 2), 4, (i) => i, 1)).toThrow(/label -1/);
    expect(() => net.load(x, Int32Array.of(0, 1, 2, 2), 4, (i) => i, 1)).not.toThrow();
  });

  for (const l2 of [0, 0.001]) {
    it(`Adam steps equal tfjs's Adam on the same gradients (l2 ${l2})`, () => {
      const b = model('vae', { l2 });
      const m = 9;
      const { x, y } = data(m, D, 'bernoulli', 3);
      const fast = fastGradient(b, x, y, m, 1, 2);
      const vars = trainableVariables(b);
      const opt = tf.train.adam(0.01);
      const all = fast.plan.tensors.map((_, i) => i);
      // Three steps (with L2 one: its gradient depends on the weights, so it is re-derived by
      // tfjs each step): the moments and bias corrections must track tfjs's.
      for (let t = 1; t <= (l2 ? 1 : 3); t++) {
        const ref = tfjsGradient(b, x, fast.xIn, y, fast.eps, m, 1);
        if (t > 1) runFast(b, fast.nets, x, y, m, 1);
        fast.nets[0].adam(all, t, 0.01, l2, m);
        let o = 0;
        const named = vars.map((v) => {
          const tensor = tf.tensor(ref.g.subarray(o, o + v.size), v.shape);
          o += v.size;
          return { name: v.name, tensor };
        });
        opt.applyGradients(named);
        tf.dispose(named.map((n) => n.tensor));
        expectClose(fast.nets[0].getFlat(), flatten(vars), 1e-5);
      }
      opt.dispose();
    });
  }
});
