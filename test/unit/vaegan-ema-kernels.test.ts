/**
 * The VAE-GAN's weight average (EMA of the encoder's and decoder's weights; design:
 * src-shared/vaegan.ts emaDecayAt) on the WebAssembly kernels (src-main/engine/kernels/dense/ganNet.ts
 * average, dense.c `ema`, parallel/ganKernelStepper.ts apply):
 *  - after each kernel step the model's weights (`getFlat`) are, for the encoder and decoder, the
 *    average θ̄ ← d_t·θ̄ + (1 − d_t)·θ of the raw weights after each step, from θ̄ = θ₀, with
 *    d_t = emaDecayAt(emaDecay, t); the discriminator's are its raw weights;
 *  - emaDecay 0: no average is planned and the model's weights are the raw ones;
 *  - two workers (each averaging the tensors it owns) give one worker's average;
 *  - a real run through the parallel trainer (2 workers) returns, at every epoch end, the average
 *    of the raw trajectory the same run trains without one (θ̄ starting at the run's initial weights).
 * Prints the averaging's cost per step on the dense 784-256-15-256-784 VAE-GAN.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { emaDecayAt, ModelConfig, TrainConfig, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, disposeBundle, trainableVariables, type ModelBundle } from '../../src-main/engine/models/build';
import { GanNet } from '../../src-main/engine/kernels/dense/ganNet';
import { createGanMemory, planGan, type GanPlan } from '../../src-main/engine/kernels/dense/ganPlan';
import { kernelModule } from '../../src-main/engine/kernels/dense/kernelModule';
import { GanKernelStepper } from '../../src-main/engine/parallel/ganKernelStepper';
import { trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import { flatten } from './synthetic';
import { expectClose, rand } from './kernelCompare';

beforeAll(async () => {
  await initBackend();
});

const D = 10;

function bundleOf(extra: ModelConfigInput, inputDim = D, seed = 5): ModelBundle {
  const config = ModelConfig.parse({ kind: 'vaegan', latentDim: 2, hidden: [12], ...extra });
  return buildModel({ config, inputDim, numClasses: 10, output: 'bernoulli' }, seed);
}

function rows(n: number, dim: number, seed: number): Float32Array {
  const r = rand(seed);
  return Float32Array.from({ length: n * dim }, () => (r() < 0.3 ? 0 : r()));
}

/** The encoder's and decoder's floats: the first ones of the flat weights. */
function generatorFloats(plan: GanPlan): number {
  const last = plan.tensors[plan.nets.decoder[plan.nets.decoder.length - 1]];
  return last.offset + last.size;
}

/** One worker's kernel stepper on a fresh memory holding the bundle's weights, and a GanNet on it to read the raw weights. */
function oneWorker(b: ModelBundle, m: number, x: Float32Array) {
  const plan = planGan({ config: b.config, inputDim: b.inputDim, numClasses: 10, output: 'bernoulli' }, m, 1);
  const memory = createGanMemory(plan);
  const net = new GanNet(plan, memory, 0);
  net.reset(flatten(trainableVariables(b)));
  const cfg = TrainConfig.parse({ model: b.config, batchSize: m });
  const stepper = new GanKernelStepper(plan, memory, kernelModule(), 0, 1, cfg, x);
  return { plan, net, stepper };
}

/** The largest |a − b| over [lo, hi). */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, lo = 0, hi = a.length): number {
  let worst = 0;
  for (let i = lo; i < hi; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The JS reference: θ̄ ← d_t·θ̄ + (1 − d_t)·θ in float32 steps, as the kernel rounds them. */
function averageStep(avg: Float32Array, raw: ArrayLike<number>, decay: number, t: number): void {
  const d = Math.fround(emaDecayAt(decay, t));
  const nd = Math.fround(1 - d);
  for (let i = 0; i < avg.length; i++) avg[i] = Math.fround(Math.fround(d * avg[i]) + Math.fround(nd * raw[i]));
}

describe('VAE-GAN kernels: the weight average', () => {
  it('after each step the encoder and decoder are the average of the raw weights after each step (from θ₀); the discriminator is raw', () => {
    const b = bundleOf({ emaDecay: 0.99 });
    const m = 6;
    const x = rows(m, D, 3);
    const { plan, net, stepper } = oneWorker(b, m, x);
    const G = generatorFloats(plan);
    expect(plan.emaFloats).toBe(G);
    expect(plan.ema).toBeGreaterThan(0);
    expect(plan.emaDecay).toBe(0.99);
    const theta0 = flatten(trainableVariables(b));
    // Before any step the model is θ₀.
    expect(Array.from(stepper.getFlat())).toEqual(Array.from(theta0));
    const ref = theta0.slice(0, G);
    for (let t = 1; t <= 12; t++) {
      stepper.gradShare((i) => i, m, m, 1, 100 + t);
      stepper.apply(t, m, 0.01);
      averageStep(ref, net.weights, plan.emaDecay, t);
      const got = stepper.getFlat();
      expectClose(got.subarray(0, G), ref, 1e-6);
      expect(Array.from(got.subarray(G))).toEqual(Array.from(net.weights.subarray(G)));
    }
    // The average is not the raw weights (the model a user gets is a different one).
    const got = stepper.getFlat();
    let scale = 0;
    for (let i = 0; i < G; i++) scale = Math.max(scale, Math.abs(net.weights[i]));
    expect(maxDiff(got, net.weights, 0, G)).toBeGreaterThan(1e-3 * scale);
    disposeBundle(b);
  });

  it('emaDecay 0: no average is planned and the model is the raw weights', () => {
    const off = bundleOf({ emaDecay: 0 });
    const on = bundleOf({ emaDecay: 0.999 });
    const m = 6;
    const x = rows(m, D, 4);
    const a = oneWorker(off, m, x);
    const withAvg = oneWorker(on, m, x);
    expect(a.plan.ema).toBe(-1);
    expect(a.plan.emaFloats).toBe(0);
    expect(a.net.averaged).toBeNull();
    // The average's region is what the default plan adds to the memory.
    expect(withAvg.plan.bytes - a.plan.bytes).toBeGreaterThanOrEqual(4 * generatorFloats(withAvg.plan));
    for (let t = 1; t <= 5; t++) {
      a.stepper.gradShare((i) => i, m, m, 1, 10 + t);
      a.stepper.apply(t, m, 0.01);
      expect(Array.from(a.stepper.getFlat())).toEqual(Array.from(a.net.weights));
    }
    disposeBundle(off);
    disposeBundle(on);
  });

  it('two workers, each averaging the tensors it owns, give one worker\'s average', () => {
    // The standard loss: its threads need no whole-batch sums (vaegan-relativistic.test.ts has those).
    const b = bundleOf({ emaDecay: 0.999, ganLoss: 'standard', hidden: [16, 8] });
    const m = 8;
    const h = m / 2;
    const L = 2;
    const x = rows(m, D, 6);
    const one = oneWorker(b, m, x);
    const spec = { config: b.config, inputDim: D, numClasses: 10, output: 'bernoulli' as const };
    const plan2 = planGan(spec, h, 2);
    const mem2 = createGanMemory(plan2);
    const nets2 = [0, 1].map((t) => new GanNet(plan2, mem2, t));
    nets2[0].reset(flatten(trainableVariables(b)));
    const cfg = TrainConfig.parse({ model: b.config, batchSize: m });
    const steppers2 = [0, 1].map((t) => new GanKernelStepper(plan2, mem2, kernelModule(), t, 2, cfg, x));
    for (let t = 1; t <= 6; t++) {
      // One thread's batch; the two threads' halves get the same noise.
      one.net.load(x, m, (i) => i, 50 + t);
      one.net.gradient(m, m, 1);
      one.stepper.apply(t, m, 0.01);
      const e = one.net.loaded(m);
      nets2.forEach((net, k) => {
        net.load(x, h, (i) => k * h + i, 0);
        const l = net.loaded(h);
        l.eps.set(e.eps.subarray(k * h * L, (k + 1) * h * L));
        l.zp.set(e.zp.subarray(k * h * L, (k + 1) * h * L));
        net.gradient(h, m, 1);
      });
      for (const s of steppers2) s.apply(t, m, 0.01);
    }
    const G = generatorFloats(plan2);
    const [a1, a2] = [one.stepper.getFlat(), steppers2[1].getFlat()];
    expectClose(one.net.weights, nets2[0].weights, 1e-5);
    expectClose(a2.subarray(0, G), a1.subarray(0, G), 1e-5);
    // Both workers' getFlat read the same shared average.
    expect(Array.from(steppers2[0].getFlat())).toEqual(Array.from(a2));
    // Each worker averaged its own part of the encoder's and decoder's tensors: θ̄ moved everywhere from θ₀.
    const theta0 = flatten(trainableVariables(b));
    for (const i of [...plan2.nets.encoder, ...plan2.nets.decoder]) {
      const s = plan2.tensors[i];
      expect(maxDiff(a2, theta0, s.offset, s.offset + s.size), `tensor ${i}`).toBeGreaterThan(0);
    }
    disposeBundle(b);
  });

  it('a run on 2 workers returns at every epoch end the average of the raw trajectory (from the run\'s initial weights)', async () => {
    const dim = 784;
    const n = 32;
    const x = rows(n, dim, 11);
    const data = { train: { x, y: new Int32Array(n), count: n }, val: { x: x.slice(0, 8 * dim), y: new Int32Array(8), count: 8 } };
    const epochs = 3;
    // One step an epoch: each epoch end is one step's weights.
    const train = async (emaDecay: number) => {
      const spec = { config: ModelConfig.parse({ kind: 'vaegan', latentDim: 3, hidden: [16], emaDecay }), inputDim: dim, numClasses: 10, output: 'bernoulli' as const };
      const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: spec.config, epochs, batchSize: n, learningRate: 2e-3, seed: 4 });
      const b = buildModel(spec, 7);
      const initial = flatten(trainableVariables(b));
      const ends: Float32Array[] = [];
      const r = await trainModelParallel(b, cfg, data, { onEpochEnd: () => void ends.push(flatten(trainableVariables(b))) }, { workers: 2 });
      expect(r.state).toBe('done');
      const plan = planGan(spec, n / 2, 2);
      disposeBundle(b);
      return { initial, ends, G: generatorFloats(plan), decay: plan.emaDecay };
    };
    const raw = await train(0);
    const avg = await train(0.999);
    expect(avg.initial).toEqual(raw.initial);
    expect(avg.ends.length).toBe(epochs);
    const { G } = avg;
    const ref = avg.initial.slice(0, G);
    for (let t = 1; t <= epochs; t++) {
      averageStep(ref, raw.ends[t - 1], avg.decay, t);
      const got = avg.ends[t - 1];
      // Training continues on the raw weights: the discriminator is the run without an average's.
      expect(Array.from(got.subarray(G)), `epoch ${t}: discriminator`).toEqual(Array.from(raw.ends[t - 1].subarray(G)));
      expectClose(got.subarray(0, G), ref, 1e-6);
      // …and the encoder and decoder are not its last weights.
      expect(maxDiff(got, raw.ends[t - 1], 0, G), `epoch ${t}`).toBeGreaterThan(1e-4);
    }
  }, 120_000);

  it('costs microseconds a step on the dense 784-256-15-256-784 VAE-GAN', () => {
    const config = ModelConfig.parse({ kind: 'vaegan', latentDim: 15, hidden: [256] });
    const b = buildModel({ config, inputDim: 784, numClasses: 10, output: 'bernoulli' }, 1);
    const rowsPerThread = 32;
    const plan = planGan({ config, inputDim: 784, numClasses: 10, output: 'bernoulli' }, rowsPerThread, 2);
    const memory = createGanMemory(plan);
    const net = new GanNet(plan, memory, 0);
    net.reset(flatten(trainableVariables(b)));
    const generator = [...plan.nets.encoder, ...plan.nets.decoder];
    const all = plan.tensors.map((_, i) => i);
    const reps = 200;
    for (let t = 1; t <= 20; t++) net.average(generator, t);
    let t0 = performance.now();
    for (let t = 1; t <= reps; t++) net.average(generator, t);
    const avgUs = ((performance.now() - t0) / reps) * 1000;
    // A step of one of the two workers for context: its 32 rows' gradient, then Adam on every tensor.
    const x = rows(rowsPerThread, 784, 2);
    const steps = 10;
    net.load(x, rowsPerThread, (i) => i, 1);
    net.gradient(rowsPerThread, 2 * rowsPerThread, 1);
    t0 = performance.now();
    for (let t = 1; t <= steps; t++) {
      net.gradient(rowsPerThread, 2 * rowsPerThread, 1);
      net.adam(all, t, 1e-3, 0, 2 * rowsPerThread);
    }
    const stepUs = ((performance.now() - t0) / steps) * 1000;
    console.log(
      `[ema] dense 784-256-15-256-784 VAE-GAN: ${plan.emaFloats} averaged floats; the whole average ${avgUs.toFixed(0)} µs/step on one thread ` +
        `(2 workers: each about half); a worker's gradient + Adam (32 rows, all tensors) ${(stepUs / 1000).toFixed(1)} ms`,
    );
    expect(plan.emaFloats).toBe(784 * 256 + 256 + 2 * (256 * 15 + 15) + 15 * 256 + 256 + 256 * 784 + 784);
    // Tiny next to a step (a generous bound: shared CI cores).
    expect(avgUs).toBeLessThan(0.2 * stepUs);
    disposeBundle(b);
  });
});
