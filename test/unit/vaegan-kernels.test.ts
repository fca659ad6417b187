/**
 * The VAE-GAN's step on the WebAssembly kernels (src-main/engine/kernels/dense/ganNet.ts, issue
 * #15) against the tfjs step (models/vaegan.ts vaeganGradients): on tiny dense and conv models,
 * with γ ≠ 1 and a pixel weight ≠ 0, the three losses and every network's gradient (encoder,
 * decoder, discriminator) are equal to float rounding, from the same weights and noise; Adam
 * steps (the discriminator's at its own rate) equal tfjs's three optimisers'; two threads'
 * shares add up to one thread's batch. In the engine: runs are set up on the kernels (tfjs kept
 * for what they do not support), a short run on 300 digits lowers the losses and saves a
 * loadable model, 2 workers report the GAN terms one worker does, NaN terms end a run as DIVERGED.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError, ModelConfig, TrainConfig, VAEGAN_DEFAULTS, type LossParts, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { Engine } from '../../src-main/engine/engine';
import { buildModel, disposeBundle, trainableVariables, type ModelBundle, type OutputKind } from '../../src-main/engine/models/build';
import { loadBundle } from '../../src-main/engine/models/io';
import { prepareRun } from '../../src-main/engine/parallel/runSetup';
import { denseOff } from '../../src-main/engine/parallel/workerCount';
import { loadEmbeddedMnist } from '../../src-main/engine/datasets/mnist';
import { trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import { writeDigits } from '../fixtures/digits';
import { applyGanGradients, ganNoise, ganOptimizers, vaeganGradients, type GanGradients } from '../../src-main/engine/models/vaegan';
import { GanNet } from '../../src-main/engine/kernels/dense/ganNet';
import { createGanMemory, ganUnsupported, planGan } from '../../src-main/engine/kernels/dense/ganPlan';
import { flatten } from './synthetic';
import { expectClose, expectNetsClose, rand, sumGanShares } from './kernelCompare';
import type { RowValues } from '../../src-main/engine/datasets/rows';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-vaegan-kernels-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A VAE-GAN bundle with the standard loss unless `extra` says otherwise (./vaegan-relativistic.test.ts tests the relativistic one's kernels, whose threads need the worker's whole-batch sums). */
function bundleOf(extra: ModelConfigInput, inputDim: number, output: OutputKind = 'bernoulli', seed = 5): ModelBundle {
  const config = ModelConfig.parse({ kind: 'vaegan', latentDim: 2, ganLoss: 'standard', ...extra });
  return buildModel({ config, inputDim, numClasses: 10, output }, seed);
}

/** Rows in [0, 1] (Bernoulli targets) or [−2, 2] (Gaussian), a third of them exact zeros. */
function rows(n: number, D: number, output: OutputKind, seed: number): Float32Array {
  const r = rand(seed);
  return Float32Array.from({ length: n * D }, () => (r() < 0.3 ? 0 : output === 'bernoulli' ? r() : 4 * r() - 2));
}

/** tfjs's three gradients, concatenated in `trainableVariables` order (each network's loss's). */
function tfjsFlat(b: ModelBundle, g: GanGradients): Float32Array {
  const all: tf.NamedTensorMap = Object.assign({}, g.grads.encoder, g.grads.decoder, g.grads.discriminator);
  return flatten(trainableVariables(b).map((v) => all[v.name]));
}

/** The kernels' gradient of the batch over `threads` threads (L2's gradient added, as Adam adds it). */
function kernelStep(b: ModelBundle, x: Float32Array, m: number, beta: number, seed: number, threads = 1) {
  const spec = { config: b.config, inputDim: b.inputDim, numClasses: 10, output: b.output };
  const plan = planGan(spec, Math.ceil(m / threads), threads);
  const memory = createGanMemory(plan);
  const nets = Array.from({ length: threads }, (_, t) => new GanNet(plan, memory, t));
  nets[0].reset(flatten(trainableVariables(b)));
  const sums = { recon: 0, kl: 0, disc: 0, gen: 0, feature: 0 };
  nets.forEach((net, t) => {
    const lo = Math.floor((m * t) / threads);
    const hi = Math.floor((m * (t + 1)) / threads);
    net.load(x, hi - lo, (i) => lo + i, seed + t);
    const r = net.gradient(hi - lo, m, beta);
    for (const k of Object.keys(sums) as Array<keyof typeof sums>) sums[k] += r[k];
  });
  const g = sumGanShares(nets, plan, b.config.l2, m);
  return { g, sums, nets, plan };
}

const CASES: Array<{ name: string; cfg: ModelConfigInput; D: number; m: number; output?: OutputKind }> = [
  { name: 'dense, γ 0.3, pixel weight 0.5', cfg: { hidden: [16, 8], gamma: 0.3, pixelWeight: 0.5 }, D: 12, m: 7 },
  { name: 'dense, tanh, γ 2, features only, L2', cfg: { hidden: [10], activation: 'tanh', gamma: 2, pixelWeight: 0, l2: 0.01 }, D: 9, m: 5 },
  { name: 'dense Gaussian, γ 0.5, pixel weight 2', cfg: { hidden: [8], gamma: 0.5, pixelWeight: 2, likelihood: 'gaussian', sigma: 0.7 }, D: 6, m: 4, output: 'gaussian' },
  { name: 'conv 28×28, γ 0.3, pixel weight 0.5', cfg: { arch: 'conv', convFilters: [3, 4], hidden: [8], gamma: 0.3, pixelWeight: 0.5 }, D: 784, m: 3 },
  { name: 'conv 32×32×3 (4×4 kernels), γ 3, pixel weight 0.2, L2', cfg: { arch: 'conv', convFilters: [2, 3, 4], hidden: [6], gamma: 3, pixelWeight: 0.2, l2: 0.001 }, D: 3072, m: 2 },
];

describe('VAE-GAN on the kernels: one step against tfjs', () => {
  for (const c of CASES) {
    it(`${c.name}: the losses and the encoder's, decoder's and discriminator's gradients equal tfjs's`, () => {
      const output = c.output ?? 'bernoulli';
      const b = bundleOf(c.cfg, c.D, output);
      const x = rows(c.m, c.D, output, 11);
      const beta = 0.7;
      const seed = 42;
      const ref = vaeganGradients(b, x, beta, seed);
      const want = tfjsFlat(b, ref);
      const got = kernelStep(b, x, c.m, beta, seed);
      // The kernels drew the tfjs path's noise.
      const noise = ganNoise(c.m, 2, seed);
      expect(Array.from(got.nets[0].loaded(c.m).eps)).toEqual(Array.from(noise.eps));
      expect(Array.from(got.nets[0].loaded(c.m).zp)).toEqual(Array.from(noise.zp));
      const s = got.sums;
      const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThan(1e-4 * Math.max(1, Math.abs(e)));
      close(s.recon / c.m, ref.recon);
      close(s.kl / c.m, ref.kl);
      close(s.disc / c.m, ref.gan.disc);
      close(s.gen / c.m, ref.gan.gen);
      close(s.feature / c.m, ref.gan.feature);
      // Each network's gradient is non-trivial and equals tfjs's (scaled to its own largest value).
      expectNetsClose(got.plan, got.g, want);
      tf.dispose(Object.values(ref.grads).flatMap((g) => Object.values(g)));
      disposeBundle(b);
    });
  }

  it("two threads' shares add up to one thread's gradient of the whole batch", () => {
    const b = bundleOf({ hidden: [12], gamma: 0.4, pixelWeight: 1 }, 10);
    const m = 8;
    const x = rows(m, 10, 'bernoulli', 5);
    const one = kernelStep(b, x, m, 1, 3, 1);
    // Same noise for the second thread's rows: copy the one-thread draw.
    const two = kernelStep(b, x, m, 1, 3, 2);
    const L = 2;
    const e1 = one.nets[0].loaded(m);
    for (const [t, net] of two.nets.entries()) {
      const lo = (t * m) / 2;
      const l = net.loaded(m / 2);
      l.eps.set(e1.eps.subarray(lo * L, (lo + m / 2) * L));
      l.zp.set(e1.zp.subarray(lo * L, (lo + m / 2) * L));
    }
    const g = new Float32Array(two.plan.P);
    for (const net of two.nets) {
      net.gradient(m / 2, m, 1);
      const s = net.gradsOf();
      for (let i = 0; i < g.length; i++) g[i] += s[i];
    }
    expectClose(g, one.g, 1e-5);
    disposeBundle(b);
  });

  it('models the kernels cannot train are named (the engine trains them on tfjs)', () => {
    const spec = (extra: ModelConfigInput) => ({ config: ModelConfig.parse({ kind: 'vaegan', ...extra }) });
    expect(ganUnsupported(spec({ dropout: 0.2 }))).toMatch(/dropout/);
    expect(ganUnsupported(spec({}))).toBeNull();
    expect(ganUnsupported({ config: ModelConfig.parse({ kind: 'vae' }) })).toMatch(/vae model/);
  });
});

describe('VAE-GAN on the kernels: Adam', () => {
  it("three steps equal tfjs's three optimisers (the discriminator at lr × discLrScale; the decoder and discriminator at β1 = GAN_ADAM_BETA1)", () => {
    const b = bundleOf({ hidden: [12, 6], gamma: 0.3, pixelWeight: 0.5, discLrScale: 3 }, 10);
    const m = 6;
    const x = rows(m, 10, 'bernoulli', 8);
    const lr = 0.01;
    const plan = planGan({ config: b.config, inputDim: 10, numClasses: 10, output: 'bernoulli' }, m, 1);
    const net = new GanNet(plan, createGanMemory(plan), 0);
    net.reset(flatten(trainableVariables(b)));
    const opt = ganOptimizers(b.config, lr);
    const all = plan.tensors.map((_, i) => i);
    for (let t = 1; t <= 3; t++) {
      net.load(x, m, (i) => i, 100 + t);
      net.gradient(m, m, 1);
      net.adam(all, t, lr, 0, m);
      const ref = vaeganGradients(b, x, 1, 100 + t);
      applyGanGradients(opt, ref.grads);
      // The raw weights (`getFlat` is the model: the encoder's and decoder's average, vaegan-ema-kernels.test.ts).
      expectClose(net.weights, flatten(trainableVariables(b)), 1e-5);
    }
    opt.dispose();
    disposeBundle(b);
  });
});

describe('VAE-GAN on the kernels in the engine', () => {
  it('a run is set up on the kernels; dropout, LATENT_LAB_DENSE=0 or dense: false keep the tfjs step', () => {
    const spec = { config: ModelConfig.parse({ kind: 'vaegan', latentDim: 2, hidden: [8], ganLoss: 'standard' }), inputDim: 10, numClasses: 10, output: 'bernoulli' as const };
    const b = buildModel(spec, 1);
    const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: spec.config, epochs: 1, batchSize: 8 });
    const train = { x: rows(16, 10, 'bernoulli', 2), y: new Int32Array(16), count: 16 };
    const run = prepareRun(b, cfg, train, { workers: 1 });
    expect(run.gan?.plan.P).toBe(trainableVariables(b).reduce((s, v) => s + v.size, 0));
    expect(run.dense).toBeUndefined();
    expect(prepareRun(b, cfg, train, { workers: 1, dense: false }).gan).toBeUndefined();
    expect(denseOff(spec.config, {})).toBeNull();
    expect(denseOff(spec.config, { LATENT_LAB_DENSE: '0' })).toBe('LATENT_LAB_DENSE=0');
    expect(denseOff(ModelConfig.parse({ kind: 'vaegan', dropout: 0.1 }), {})).toMatch(/dropout/);
    disposeBundle(b);
  });

  it('trains a few hundred digits in its worker: the losses fall and the saved model loads', async () => {
    const digits = await writeDigits(path.join(tmp, 'digits'), 300, 100);
    const engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => {} });
    try {
      const model = { kind: 'vaegan' as const, latentDim: 4, hidden: [64], gamma: 0.5, pixelWeight: 1 };
      const { runId } = await engine.call('training:start', { dataset: { id: 'local', path: digits }, model, epochs: 4, batchSize: 32, learningRate: 2e-3, seed: 3 });
      await engine.waitForTraining();
      const info = await engine.call('engine:info', {});
      expect(info.backend.training?.kernels).toBe('dense');
      const run = (await engine.call('runs:list', {})).find((r) => r.id === runId)!;
      expect(run.state).toBe('done');
      const { epochs } = await engine.call('runs:history', { runId });
      expect(epochs.length).toBe(4);
      const [first, last] = [epochs[0], epochs.at(-1)!];
      expect(last.train.recon).toBeLessThan(first.train.recon);
      expect(last.val.loss).toBeLessThan(first.val.loss);
      for (const e of epochs) expect(Object.values(e.train.gan!).every(Number.isFinite)).toBe(true);
      const spec = { config: ModelConfig.parse(model), inputDim: 784, numClasses: 10, output: 'bernoulli' as const };
      const loaded = await loadBundle(spec, path.join(tmp, 'ws', 'runs', runId));
      const p = tf.tidy(() => (loaded.discriminator!.predict(tf.tensor2d(rows(4, 784, 'bernoulli', 9), [4, 784])) as tf.Tensor).dataSync());
      expect(Array.from(p).every((v) => v > 0 && v < 1)).toBe(true);
      disposeBundle(loaded);
      // A new run left without an adversarial loss trained with the default, and its config.json says so.
      expect(run.config.model.ganLoss).toBe(VAEGAN_DEFAULTS.ganLoss);
      const file = path.join(tmp, 'ws', 'runs', runId, 'config.json');
      const rec = JSON.parse(readFileSync(file, 'utf8'));
      expect(rec.config.model.ganLoss).toBe(VAEGAN_DEFAULTS.ganLoss);
      // The same run as a version before the setting wrote it (no ganLoss): listed as trained with the standard loss.
      delete rec.config.model.ganLoss;
      writeFileSync(file, JSON.stringify(rec));
      await engine.dispose();
      const again = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => {} });
      try {
        const old = (await again.call('runs:list', {})).find((r) => r.id === runId)!;
        expect(old.config.model.ganLoss).toBe('standard');
      } finally {
        await again.dispose();
      }
    } finally {
      await engine.dispose();
    }
  }, 300_000);

  it('splits its batch across 2 workers: the GAN terms are summed over both (as one worker reports them), the losses fall', async () => {
    const mnist = await loadEmbeddedMnist();
    const cut = (d: { x: RowValues; y: Int32Array }, n: number) => ({ x: d.x.slice(0, n * 784), y: d.y.slice(0, n), count: n });
    const spec = { config: ModelConfig.parse({ kind: 'vaegan', latentDim: 4, hidden: [64] }), inputDim: 784, numClasses: 10, output: 'bernoulli' as const };
    const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: spec.config, epochs: 3, batchSize: 64, learningRate: 2e-3, seed: 2 });
    const train = async (workers: number) => {
      const b = buildModel(spec, 2);
      const ends: LossParts[] = [];
      const r = await trainModelParallel(b, cfg, { train: cut(mnist.train, 320), val: cut(mnist.test, 64) }, { onEpochEnd: (_, t) => void ends.push(t) }, { workers });
      expect(r.state).toBe('done');
      disposeBundle(b);
      return ends;
    };
    const [one, two] = [await train(1), await train(2)];
    expect(two.length).toBe(3);
    // The same batches and weights; only the second half's noise differs. One worker's half
    // alone would report about half of each term.
    for (const k of ['disc', 'gen', 'feature'] as const) expect(Math.abs(two[0].gan![k] - one[0].gan![k])).toBeLessThan(0.1 * one[0].gan![k]);
    expect(two[2].recon).toBeLessThan(two[0].recon);
  }, 300_000);

  it('a batch whose GAN losses are not finite ends the run as DIVERGED at that batch', async () => {
    const mnist = await loadEmbeddedMnist();
    const cut = (d: { x: RowValues; y: Int32Array }, n: number) => ({ x: d.x.slice(0, n * 784), y: d.y.slice(0, n), count: n });
    const spec = { config: ModelConfig.parse({ kind: 'vaegan', latentDim: 2, hidden: [16], ganLoss: 'standard' }), inputDim: 784, numClasses: 10, output: 'bernoulli' as const };
    const b = buildModel(spec, 4);
    // One NaN in the discriminator's first kernel: its features, the feature term and disc are NaN.
    const layer = b.discriminator!.getLayer('dis_dense_0');
    const [kernel, bias] = layer.getWeights();
    const poisoned = kernel.dataSync().slice();
    poisoned[5] = NaN;
    layer.setWeights([tf.tensor(poisoned, kernel.shape), bias]);
    const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: spec.config, epochs: 2, batchSize: 32, seed: 1 });
    const err = await trainModelParallel(b, cfg, { train: cut(mnist.train, 64), val: cut(mnist.test, 32) }, {}, { workers: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('DIVERGED');
    // Caught at the first batch, before its update (the kernels' step reports the NaN terms).
    expect((err as LabError).message).toMatch(/became NaN at epoch 1, batch 1 /);
    disposeBundle(b);
  }, 120_000);
});
