/**
 * The convolution kernels (src-main/engine/kernels/dense/conv.c + gemm.c, run by convOps.ts and
 * DenseNet): each layer kind's forward pass and its gradients with respect to the input and to
 * the filters equal tfjs's conv2d / conv2dTranspose and their autodiff (cpu backend) for every
 * geometry the conv models use (3×3 and 4×4, stride 1 and 2, 'same' padding, 1 to 5 channels);
 * a whole conv AE / VAE / CVAE step's gradient equals tfjs's through the same Layers model; the
 * threads' shares add up to the whole batch's; Adam steps match; the relaxed-SIMD build gives
 * the plain build's results to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, type ModelConfigInput } from '../../src-shared/types';
import { buildModel, l2Penalty, oneHot, trainableVariables, type ModelBundle } from '../../src-main/engine/models/build';
import { klPerSample, reconPerSample } from '../../src-main/engine/models/loss';
import { DenseNet } from '../../src-main/engine/kernels/dense/denseNet';
import { backendInfo, initBackend } from '../../src-main/engine/backend';
import { evaluate } from '../../src-main/engine/metrics';
import { activeTrainWorkers, denseOff, parallelWorkerCount, trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import { TrainConfig } from '../../src-shared/types';
import { convBackward, convForward } from '../../src-main/engine/kernels/dense/convOps';
import { createDenseMemory, GEMM_PACK_FLOATS, planDense, type ConvLayerPlan } from '../../src-main/engine/kernels/dense/densePlan';
import { instantiateKernels, kernelModule, relaxedSimdSupported, type KernelVariant } from '../../src-main/engine/kernels/dense/kernelModule';
import { flatten } from './synthetic';
import { rand, expectClose } from './kernelCompare';

beforeAll(async () => {
  // The engine's backend (its info records how runs train), then tfjs's reference kernels.
  await initBackend();
  await tf.setBackend('cpu');
});

const C = 3;

/** A kernels instance on its own memory with a bump allocator (byte offsets). */
function harness(variant: KernelVariant = 'simd', bytes = 64 << 20) {
  const memory = new WebAssembly.Memory({ initial: bytes / 65536, maximum: bytes / 65536, shared: true });
  const k = instantiateKernels(kernelModule(variant), memory);
  k.__stack_pointer.value = 65536;
  const f32 = new Float32Array(memory.buffer);
  let top = 65536;
  const alloc = (data: ArrayLike<number> | number): number => {
    const n = typeof data === 'number' ? data : data.length;
    const at = top;
    top += Math.ceil((n * 4) / 64) * 64;
    if (typeof data !== 'number') f32.set(data, at / 4);
    return at;
  };
  const read = (at: number, n: number) => f32.slice(at / 4, at / 4 + n);
  return { k, alloc, read };
}

/** The plan of one layer as densePlan lays it out (padding as tfjs's 'same'). */
function layer(kind: 'conv' | 'deconv', image: [number, number, number], grid: [number, number, number], kk: number, s: number): ConvLayerPlan {
  const pad = (big: number, small: number) => Math.floor(Math.max(0, (small - 1) * s + kk - big) / 2);
  const size = (t: number[]) => t[0] * t[1] * t[2];
  return {
    kind,
    kernel: 0,
    bias: 1,
    inDim: size(kind === 'conv' ? image : grid),
    out: size(kind === 'conv' ? grid : image),
    act: 1,
    image,
    grid,
    k: kk,
    s,
    pt: pad(image[0], grid[0]),
    pl: pad(image[1], grid[1]),
  };
}

/**
 * One layer (relu(conv + b)) forward and backward on the kernels against tfjs: output,
 * and the gradients at the input, the filters and the bias of Σ Y·G for a random G.
 */
function checkLayer(l: ConvLayerPlan, rows: number, variant: KernelVariant = 'simd'): { y: Float32Array; dX: Float32Array; dW: Float32Array } {
  const r = rand(l.k * 7 + l.s * 13 + l.image[2] * 17 + l.grid[2] + (l.kind === 'conv' ? 0 : 5));
  const inShape = l.kind === 'conv' ? l.image : l.grid;
  const outShape = l.kind === 'conv' ? l.grid : l.image;
  const kShape: [number, number, number, number] = [l.k, l.k, l.image[2], l.grid[2]];
  const x = Float32Array.from({ length: rows * l.inDim }, () => r() * 2 - 1);
  const w = Float32Array.from({ length: kShape.reduce((a, b) => a * b) }, () => r() - 0.5);
  const b = Float32Array.from({ length: outShape[2] }, () => (r() - 0.5) * 0.2);
  const g = Float32Array.from({ length: rows * l.out }, () => r() - 0.5);

  const h = harness(variant);
  const cols = h.alloc(rows * l.grid[0] * l.grid[1] * l.k * l.k * l.image[2]);
  const o = { W: h.alloc(w), b: h.alloc(b), gW: h.alloc(w.length), gb: h.alloc(b.length), cols, scratch: h.alloc(rows * l.grid[0] * l.grid[1] * l.k * l.k * l.image[2]), pack: h.alloc(GEMM_PACK_FLOATS) };
  const X = h.alloc(x);
  const Y = h.alloc(rows * l.out);
  const D = h.alloc(g);
  const dX = h.alloc(rows * l.inDim);
  convForward(h.k, l, rows, X, Y, o);
  h.k.act_grad(rows * l.out, 1, Y, D, l.act);
  convBackward(h.k, l, rows, X, D, dX, false, o);

  const ref = tf.tidy(() => {
    const xt = tf.tensor4d(x, [rows, ...inShape]);
    const wt = tf.tensor4d(w, kShape);
    const bt = tf.tensor1d(b);
    const gt = tf.tensor4d(g, [rows, ...outShape]);
    const f = (xv: tf.Tensor4D, wv: tf.Tensor4D, bv: tf.Tensor1D) => {
      const pre =
        l.kind === 'conv'
          ? tf.conv2d(xv, wv, l.s, 'same')
          : tf.conv2dTranspose(xv, wv, [rows, ...outShape], l.s, 'same');
      return tf.relu(tf.add(pre, bv));
    };
    const y = f(xt, wt, bt);
    const grads = tf.grads((xv: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(f(xv as tf.Tensor4D, wv as tf.Tensor4D, bv as tf.Tensor1D), gt)))([xt, wt, bt]);
    return { y: y.dataSync() as Float32Array, dX: grads[0].dataSync() as Float32Array, dW: grads[1].dataSync() as Float32Array, db: grads[2].dataSync() as Float32Array };
  });
  const got = { y: h.read(Y, rows * l.out), dX: h.read(dX, rows * l.inDim), dW: h.read(o.gW, w.length), db: h.read(o.gb, b.length) };
  expectClose(got.y, ref.y, 1e-5);
  expectClose(got.dX, ref.dX, 1e-4);
  expectClose(got.dW, ref.dW, 1e-4);
  expectClose(got.db, ref.db, 1e-4);
  return got;
}

/** Every geometry the conv models use (and odd sides, where 'same' pads unevenly). */
const LAYERS: Array<[string, ConvLayerPlan]> = [
  ['Conv2D 3×3 s2, 28×28×1 → 14×14×4 (Keras example, first)', layer('conv', [28, 28, 1], [14, 14, 4], 3, 2)],
  ['Conv2D 3×3 s2, 14×14×4 → 7×7×8', layer('conv', [14, 14, 4], [7, 7, 8], 3, 2)],
  ['Conv2D 3×3 s2, odd side 7×7×3 → 4×4×5', layer('conv', [7, 7, 3], [4, 4, 5], 3, 2)],
  ['Conv2D 4×4 s2, 16×16×3 → 8×8×8', layer('conv', [16, 16, 3], [8, 8, 8], 4, 2)],
  ['Conv2D 3×3 s1, 6×6×5 → 6×6×3', layer('conv', [6, 6, 5], [6, 6, 3], 3, 1)],
  ['Conv2DTranspose 3×3 s2, 7×7×8 → 14×14×4', layer('deconv', [14, 14, 4], [7, 7, 8], 3, 2)],
  ['Conv2DTranspose 3×3 s1, 12×12×4 → 12×12×1 (Keras example, logits)', layer('deconv', [12, 12, 1], [12, 12, 4], 3, 1)],
  ['Conv2DTranspose 4×4 s2, 4×4×8 → 8×8×3', layer('deconv', [8, 8, 3], [4, 4, 8], 4, 2)],
  ['Conv2DTranspose 4×4 s2, 8×8×12 → 16×16×8 (full SIMD tiles)', layer('deconv', [16, 16, 8], [8, 8, 12], 4, 2)],
];

describe('conv kernels: one layer against tfjs', () => {
  for (const [name, l] of LAYERS) {
    it(`${name}: output and gradients (input, filters, bias) equal tfjs's`, () => {
      checkLayer(l, 3);
    });
  }

  // More than one GEMM block of columns (k·k·C = 528 > NC = 512) and of K (388 > KC = 384); one sample (tfjs is slow here).
  for (const [name, l] of [
    ['Conv2DTranspose 4×4 s2, 2×2×388 → 4×4×33 (GEMM blocks)', layer('deconv', [4, 4, 33], [2, 2, 388], 4, 2)],
    ['Conv2D 4×4 s2, 4×4×33 → 2×2×388 (GEMM blocks)', layer('conv', [4, 4, 33], [2, 2, 388], 4, 2)],
  ] as Array<[string, ConvLayerPlan]>) {
    it(`${name}: output and gradients equal tfjs's`, () => {
      checkLayer(l, 1);
    });
  }

  it('the relaxed-SIMD build gives the plain build\'s results to float rounding', (ctx) => {
    if (!relaxedSimdSupported()) return ctx.skip('this runtime has no relaxed SIMD');
    for (const [, l] of [LAYERS[1], LAYERS[8]]) {
      const plain = checkLayer(l, 2, 'simd');
      const relaxed = checkLayer(l, 2, 'relaxed-simd');
      expectClose(relaxed.y, plain.y, 1e-5);
      expectClose(relaxed.dX, plain.dX, 1e-5);
      expectClose(relaxed.dW, plain.dW, 1e-5);
    }
  });
});

/**
 * Layers whose image side has one channel run on conv.c's direct kernels (conv1_taps,
 * conv1_taps_grad, conv1_scatter) instead of im2col + GEMM: every branch of them (32-channel
 * blocks, 4-channel vectors, a scalar tail; 3×3, 4×4 and 5×5 taps; the image's edges at odd
 * sides and uneven padding), in both builds, against tfjs; a 6×6 filter (over the kernels' 25
 * taps) takes the im2col path.
 */
const ONE_CHANNEL: Array<[string, ConvLayerPlan]> = [
  ['Conv2D 3×3 s2, 9×9×1 → 5×5×37', layer('conv', [9, 9, 1], [5, 5, 37], 3, 2)],
  ['Conv2D 4×4 s1, 7×7×1 → 7×7×6', layer('conv', [7, 7, 1], [7, 7, 6], 4, 1)],
  ['Conv2D 5×5 s1, 6×6×1 → 6×6×3', layer('conv', [6, 6, 1], [6, 6, 3], 5, 1)],
  ['Conv2D 6×6 s2 (im2col path), 8×8×1 → 4×4×4', layer('conv', [8, 8, 1], [4, 4, 4], 6, 2)],
  ['Conv2DTranspose 3×3 s2, 5×5×37 → 10×10×1', layer('deconv', [10, 10, 1], [5, 5, 37], 3, 2)],
  ['Conv2DTranspose 4×4 s2, 4×4×3 → 8×8×1', layer('deconv', [8, 8, 1], [4, 4, 3], 4, 2)],
  ['Conv2DTranspose 3×3 s1, 6×6×40 → 6×6×1', layer('deconv', [6, 6, 1], [6, 6, 40], 3, 1)],
];

describe('conv kernels: one-channel layers (direct kernels) against tfjs', () => {
  for (const [name, l] of ONE_CHANNEL) {
    it(`${name}: output and gradients equal tfjs's in both builds`, () => {
      const plain = checkLayer(l, 3, 'simd');
      if (!relaxedSimdSupported()) return;
      const relaxed = checkLayer(l, 3, 'relaxed-simd');
      expectClose(relaxed.y, plain.y, 1e-5);
      expectClose(relaxed.dW, plain.dW, 1e-5);
    });
  }
});

function model(kind: 'ae' | 'vae' | 'cvae', side: number, channels: number, extra: ModelConfigInput = {}): ModelBundle {
  const filters = side === 28 ? [4, 6] : side === 32 ? [3, 4, 5] : [2, 3, 3, 4];
  const config = ModelConfig.parse({ kind, arch: 'conv', latentDim: 2, convFilters: filters, hidden: [8], ...extra });
  return buildModel({ config, inputDim: side * side * channels, numClasses: C, output: 'bernoulli' }, 3);
}

function data(m: number, inputDim: number, seed = 1): { x: Float32Array; y: Int32Array } {
  const r = rand(seed);
  return {
    x: Float32Array.from({ length: m * inputDim }, () => (r() < 0.4 ? 0 : r())),
    y: Int32Array.from({ length: m }, () => Math.floor(r() * C)),
  };
}

/** tfjs's gradient of the batch loss through the Layers model, for given noise. */
function tfjsGradient(b: ModelBundle, x: Float32Array, y: Int32Array, eps: Float32Array, m: number, beta: number) {
  const vars = trainableVariables(b);
  const cfg = b.config;
  const cond = cfg.kind === 'cvae';
  let parts = { recon: 0, kl: 0 };
  const { value, grads } = tf.variableGrads(() => {
    const xt = tf.tensor2d(x, [m, b.inputDim]);
    const yt = cond ? oneHot(y, C) : null;
    const enc = b.encoder.apply(cond ? [xt, yt!] : xt, { training: true }) as tf.Tensor2D | tf.Tensor2D[];
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
    const logits = b.decoderLogits.apply(cond ? [z, yt!] : z, { training: true }) as tf.Tensor2D;
    const rps = reconPerSample(xt, logits, b.output);
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

/** The kernels' gradient over `m` rows split across `threads` threads (L2's gradient added as Adam adds it). */
function kernelGradient(b: ModelBundle, x: Float32Array, y: Int32Array, m: number, beta: number, threads: number, variant: KernelVariant = 'simd') {
  const spec = { config: b.config, inputDim: b.inputDim, numClasses: C, output: b.output };
  const plan = planDense(spec, Math.ceil(m / threads), threads);
  const memory = createDenseMemory(plan);
  const nets = Array.from({ length: threads }, (_, t) => new DenseNet(plan, memory, t, kernelModule(variant)));
  nets[0].reset(flatten(trainableVariables(b)));
  const L = b.config.latentDim;
  const eps = new Float32Array(m * L);
  let recon = 0;
  let kl = 0;
  nets.forEach((net, t) => {
    const lo = Math.floor((m * t) / threads);
    const hi = Math.floor((m * (t + 1)) / threads);
    net.load(x, y, hi - lo, (i) => lo + i, 100 + t);
    eps.set(net.loaded(hi - lo).eps, lo * L);
    const r = net.gradient(hi - lo, m, beta);
    recon += r.recon;
    kl += r.kl;
  });
  const g = new Float32Array(plan.P);
  for (const net of nets) {
    const s = net.gradsOf(net.tid);
    for (let i = 0; i < g.length; i++) g[i] += s[i];
  }
  const w = nets[0].getFlat();
  for (const t of plan.tensors) {
    if (t.kernel) for (let i = t.offset; i < t.offset + t.size; i++) g[i] += ((2 * b.config.l2) / m) * w[i];
  }
  return { g, recon, kl, eps, nets, plan };
}

describe('conv kernels: a whole model step against tfjs', () => {
  const cases: Array<[string, 'ae' | 'vae' | 'cvae', number, number, ModelConfigInput]> = [
    ['VAE 28×28×1 (Keras example layout), relu', 'vae', 28, 1, {}],
    ['CVAE 28×28×1, leaky ReLU, L2', 'cvae', 28, 1, { activation: 'leakyRelu', l2: 0.01 }],
    ['AE 32×32×3 (4×4 stages), elu', 'ae', 32, 3, { activation: 'elu' }],
    ['VAE 64×64×1 (four 4×4 stages), β = 2', 'vae', 64, 1, { beta: 2 }],
  ];
  for (const [name, kind, side, ch, extra] of cases) {
    it(`gradient equals tfjs's: ${name}`, () => {
      const b = model(kind, side, ch, extra);
      const m = 5;
      const beta = kind === 'ae' ? 0 : b.config.beta;
      const { x, y } = data(m, b.inputDim, side);
      const fast = kernelGradient(b, x, y, m, beta, 2);
      expect(fast.plan.tensors.map((t) => t.shape.join('x'))).toEqual(trainableVariables(b).map((v) => v.shape.join('x')));
      const ref = tfjsGradient(b, x, y, fast.eps, m, beta);
      expectClose(fast.g, ref.g);
      expect(fast.recon).toBeCloseTo(ref.recon, 2);
      expect(fast.kl).toBeCloseTo(ref.kl, 4);
    });
  }

  it("two threads' shares add up to one thread's gradient of the whole batch; the same Adam step follows", () => {
    const b = model('cvae', 28, 1);
    const m = 6;
    const { x, y } = data(m, b.inputDim, 4);
    const two = kernelGradient(b, x, y, m, 1, 2);
    const plan1 = planDense({ config: b.config, inputDim: b.inputDim, numClasses: C, output: b.output }, m, 1);
    const one = new DenseNet(plan1, createDenseMemory(plan1), 0);
    one.reset(two.nets[0].getFlat());
    one.load(x, y, m, (i) => i, 0);
    one.loaded(m).eps.set(two.eps);
    const r = one.gradient(m, m, 1);
    expectClose(one.grads, two.g, 1e-5);
    expect(r.recon).toBeCloseTo(two.recon, 2);
    const all = two.plan.tensors.map((_, i) => i);
    two.nets[0].adam(all, 1, 0.01, 0, m);
    one.adam(all, 1, 0.01, 0, m);
    expectClose(one.getFlat(), two.nets[0].getFlat(), 1e-5);
  });

  it("Adam steps equal tfjs's Adam on the same gradients", () => {
    const b = model('vae', 28, 1);
    const m = 4;
    const { x, y } = data(m, b.inputDim, 6);
    const fast = kernelGradient(b, x, y, m, 1, 1);
    const vars = trainableVariables(b);
    const opt = tf.train.adam(0.01);
    const all = fast.plan.tensors.map((_, i) => i);
    for (let t = 1; t <= 2; t++) {
      const ref = tfjsGradient(b, x, y, fast.eps, m, 1);
      if (t > 1) {
        fast.nets[0].load(x, y, m, (i) => i, 100);
        fast.nets[0].gradient(m, m, 1);
      }
      fast.nets[0].adam(all, t, 0.01, 0, m);
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

  it("the relaxed-SIMD build's whole-model gradient equals the plain build's to float rounding", (ctx) => {
    if (!relaxedSimdSupported()) return ctx.skip('this runtime has no relaxed SIMD');
    const b = model('vae', 32, 3);
    const m = 4;
    const { x, y } = data(m, b.inputDim, 8);
    const plain = kernelGradient(b, x, y, m, 1, 2, 'simd');
    const relaxed = kernelGradient(b, x, y, m, 1, 2, 'relaxed-simd');
    expectClose(relaxed.g, plain.g, 1e-4);
    expect(relaxed.recon).toBeCloseTo(plain.recon, 2);
  });
});

describe('conv models train on the kernels in the parallel trainer', () => {
  it('a conv AE step in 2 workers equals tfjs\'s gradient of the whole batch; the backend info says dense kernels', async () => {
    const b = model('ae', 28, 1, { l2: 1e-3 });
    expect(denseOff(b.config)).toBeNull();
    const m = 8;
    const { x, y } = data(m, b.inputDim, 12);
    const want = tfjsGradient(model('ae', 28, 1, { l2: 1e-3 }), x, y, new Float32Array(0), m, 0).g;
    const cfg = TrainConfig.parse({ model: b.config, epochs: 1, batchSize: m, seed: 2 });
    const got: Float32Array[] = [];
    const split = { x, y, count: m };
    await trainModelParallel(b, cfg, { train: split, val: split }, {}, { workers: 2, onGradients: (_s, g) => void got.push(g) });
    expect(got.length).toBe(1);
    expectClose(got[0], want);
    expect(backendInfo()?.training).toMatchObject({ kernels: 'dense', threads: 2, simd: relaxedSimdSupported() ? 'relaxed' : 'plain' });
  });

  it('conv runs split their batch across the cores down to 8 rows a worker (a row is ≥ 40 MFLOP)', () => {
    const conv = (batchSize: number) => TrainConfig.parse({ batchSize, epochs: 1, model: { arch: 'conv' } });
    expect(parallelWorkerCount('wasm', conv(128), 8000, {}, 2, 784)).toBe(2);
    expect(parallelWorkerCount('wasm', conv(16), 8000, {}, 2, 784)).toBe(2);
    expect(parallelWorkerCount('wasm', conv(8), 8000, {}, 2, 784)).toBe(1);
    expect(parallelWorkerCount('cpu', conv(256), 8000, {}, 8, 784)).toBe(4);
    expect(parallelWorkerCount('wasm', conv(128), 8000, {}, 1, 784)).toBe(1);
  });

  it('a conv VAE trains in 2 workers: the validation loss falls and no worker is left', async () => {
    const b = model('vae', 28, 1);
    const r = rand(21);
    // Two kinds of images: a bright left half or a bright top half.
    const n = 96;
    const x = new Float32Array(n * 784);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let p = 0; p < 784; p++) {
        const on = y[i] ? p % 28 < 14 : p < 392;
        x[i * 784 + p] = on ? 0.8 + 0.2 * r() : 0.1 * r();
      }
    }
    const split = { x, y, count: n };
    const val = { x: x.slice(0, 16 * 784), y: y.slice(0, 16), count: 16 };
    const before = await evaluate(b, val, { seed: 1 });
    const cfg = TrainConfig.parse({ model: b.config, epochs: 10, batchSize: 32, learningRate: 1e-2, seed: 4 });
    const res = await trainModelParallel(b, cfg, { train: split, val }, {}, { workers: 2 });
    expect(res.state).toBe('done');
    expect(res.lastVal!.loss).toBeLessThan(before.loss * 0.85);
    expect(backendInfo()?.training?.kernels).toBe('dense');
    expect(activeTrainWorkers()).toBe(0);
  });
});
