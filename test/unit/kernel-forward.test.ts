/**
 * Forward passes on the kernels (src-main/engine/kernels/dense/kernelForward.ts, chosen by
 * bundleForward.ts for metrics.ts): what a user sees from a model (its latent scatter, its
 * generated and reconstructed images, its test loss) is what the tfjs model gives, to float
 * rounding, for dense and conv AE / VAE / CVAE on 28×28×1 and 32×32×3; the evaluation's numbers
 * are the same both ways; new weights (training, a loaded run) are picked up.
 */
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, TrainConfig, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, disposeBundle, oneHot, trainableVariables, type ModelBundle, type ModelSpec } from '../../src-main/engine/models/build';
import { kernelForwardFor, setKernelForward } from '../../src-main/engine/kernels/dense/bundleForward';
import { KernelForward, planForward } from '../../src-main/engine/kernels/dense/kernelForward';
import { decodeArrays, encodeArrays, evaluate, passRows, EVAL_BATCH } from '../../src-main/engine/metrics';
import { assignFlat, flatWeights } from '../../src-main/engine/parallel/runSetup';
import { trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import { loadBundle, saveBundle } from '../../src-main/engine/models/io';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { Classifier, type ClassifierInfo } from '../../src-main/engine/classifier/classifier';
import { buildClassifierModel, featuresAndLogits } from '../../src-main/engine/classifier/model';
import type { ClassifierLayers } from '../../src-main/engine/kernels/dense/classifierPlan';
import { blendLabels, decodeWithLabelRows } from '../../src-main/engine/softLabels';
import { expectClose } from './kernelCompare';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kernel-forward-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => setKernelForward(true));

const CLASSES = 3;
const KINDS = ['ae', 'vae', 'cvae'] as const;
/** Tiny conv widths per image side (two stages for 28, three for 32). */
const TINY_FILTERS: Record<number, number[]> = { 28: [3, 4], 32: [3, 4, 5] };

function spec(side: number, channels: number, model: ModelConfigInput, output: ModelSpec['output'] = 'bernoulli'): ModelSpec {
  return { config: ModelConfig.parse(model), inputDim: side * side * channels, numClasses: CLASSES, output };
}

function data(n: number, D: number, seed: number) {
  const rnd = mulberry32(seed);
  return { x: Float32Array.from({ length: n * D }, () => rnd()), y: Int32Array.from({ length: n }, (_, i) => i % CLASSES), count: n };
}

/** The tfjs models' outputs (`predict`), flat. */
function tfjsOutputs(b: ModelBundle, x: Float32Array, z: Float32Array, y: Int32Array, n: number) {
  return tf.tidy(() => {
    const lab = oneHot(y, CLASSES);
    const cond = b.config.kind === 'cvae';
    const xt = tf.tensor2d(x, [n, b.inputDim]);
    const zt = tf.tensor2d(z, [n, b.config.latentDim]);
    const enc = b.encoder.predict(cond ? [xt, lab] : xt, { batchSize: n }) as tf.Tensor | tf.Tensor[];
    const heads = (Array.isArray(enc) ? enc : [enc]).map((t) => t.dataSync() as Float32Array);
    const decIn = cond ? [zt, lab] : zt;
    const out = (b.decoder.predict(decIn, { batchSize: n }) as tf.Tensor).dataSync() as Float32Array;
    const logits = (b.decoderLogits.predict(decIn, { batchSize: n }) as tf.Tensor).dataSync() as Float32Array;
    return { heads, out, logits };
  });
}

/** The kernels' encode / decode equal tfjs `predict` (tight: ~1e-5 of the values' scale). */
function expectSameForward(b: ModelBundle, n: number, rows?: number): void {
  const { x, y } = data(n, b.inputDim, 11);
  const z = data(n, b.config.latentDim, 12).x.map((v) => 3 * (v - 0.5));
  const want = tfjsOutputs(b, x, z, y, n);
  const k = new KernelForward(b, rows);
  // Encoder and decoder (a VAE-GAN's discriminator comes after them in trainableVariables).
  k.setWeights(flatWeights([...b.encoder.trainableWeights, ...b.decoder.trainableWeights].map((w) => w.read() as tf.Variable)));
  const cy = b.config.kind === 'cvae' ? y : null;
  const enc = k.encode(x, cy, n);
  expectClose(enc.mean, want.heads[0], 1e-5);
  if (b.config.kind === 'ae') expect(enc.logVar).toBeNull();
  else expectClose(enc.logVar!, want.heads[1], 1e-5);
  expectClose(k.decode(z, cy, n), want.out, 1e-5);
  expectClose(k.decode(z, cy, n, 'logits'), want.logits, 1e-5);
}

describe('kernel forward equals tfjs predict', () => {
  for (const kind of KINDS) {
    it(`dense ${kind}, 28×28×1 (chunks of 7 rows, 20 rows)`, () => {
      const b = buildModel(spec(28, 1, { kind, latentDim: 3, hidden: [24, 12] }), 3);
      try {
        expectSameForward(b, 20, 7);
      } finally {
        disposeBundle(b);
      }
    });
    for (const [side, channels] of [
      [28, 1],
      [32, 3],
    ]) {
      it(`conv ${kind}, ${side}×${side}×${channels}, tiny widths`, () => {
        const b = buildModel(spec(side, channels, { kind, arch: 'conv', latentDim: 2, hidden: [6], convFilters: TINY_FILTERS[side] }), 4);
        try {
          expectSameForward(b, 5, 2);
        } finally {
          disposeBundle(b);
        }
      });
    }
  }

  it("other activations, a Gaussian output (identity decoder) and a VAE-GAN's encoder and decoder match too", () => {
    const cases: Array<[ModelSpec, number]> = [
      [spec(28, 1, { kind: 'vaegan', arch: 'conv', latentDim: 2, hidden: [5], convFilters: [3, 4] }), 3],
      [spec(28, 1, { kind: 'vae', arch: 'conv', latentDim: 2, hidden: [5], convFilters: [3, 2], activation: 'leakyRelu' }), 3],
      [spec(28, 1, { kind: 'cvae', latentDim: 2, hidden: [9], activation: 'elu' }), 8],
      [{ config: ModelConfig.parse({ kind: 'vae', latentDim: 2, hidden: [8, 8], activation: 'tanh' }), inputDim: 2, numClasses: CLASSES, output: 'gaussian' }, 9],
    ];
    for (const [s, n] of cases) {
      const b = buildModel(s, 6);
      try {
        expectSameForward(b, n);
      } finally {
        disposeBundle(b);
      }
    }
  });

  it('a 64×64×3 conv VAE pass stays within tens of MB', () => {
    const s = spec(64, 3, { kind: 'vae', arch: 'conv', latentDim: 32 });
    const k = new KernelForward(s);
    expect(k.rows).toBeGreaterThanOrEqual(passRows(s, EVAL_BATCH));
    expect(k.bytes).toBeLessThan(40 * 2 ** 20);
    // Weights plus one chunk: no Adam moments or gradients.
    expect(planForward(s, k.rows).bytes).toBeLessThan(k.plan.P * 4 + 20 * 2 ** 20);
  });
});

describe('metrics on the kernels', () => {
  it('evaluate gives the same loss parts on the kernels and on tfjs (dense VAE, Gaussian VAE on 2-D points, conv CVAE, conv AE)', async () => {
    const specs: ModelSpec[] = [
      spec(28, 1, { kind: 'vae', latentDim: 3, hidden: [32] }),
      { config: ModelConfig.parse({ kind: 'vae', latentDim: 2, hidden: [16], likelihood: 'gaussian', sigma: 0.3 }), inputDim: 2, numClasses: CLASSES, output: 'gaussian' },
      spec(28, 1, { kind: 'cvae', arch: 'conv', latentDim: 2, hidden: [6], convFilters: [3, 4] }),
      spec(32, 3, { kind: 'ae', arch: 'conv', latentDim: 2, hidden: [6], convFilters: [3, 4, 5] }),
    ];
    for (const s of specs) {
      const b = buildModel(s, 2);
      try {
        const split = data(230, s.inputDim, 5);
        expect(kernelForwardFor(b)).not.toBeNull();
        const onKernels = await evaluate(b, split, { seed: 9, beta: 0.5 });
        setKernelForward(false);
        const onTfjs = await evaluate(b, split, { seed: 9, beta: 0.5 });
        setKernelForward(true);
        const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-5 * Math.max(1, Math.abs(b)));
        expect(onKernels.recon).not.toBe(0);
        near(onKernels.recon, onTfjs.recon);
        near(onKernels.kl, onTfjs.kl);
        near(onKernels.loss, onTfjs.loss);
        if (s.config.kind === 'ae') expect(onKernels.kl).toBe(0);
        else expect(onKernels.kl).toBeGreaterThan(0);
      } finally {
        disposeBundle(b);
      }
    }
  });

  it('decodes with the newest weights: after they change, and after a trained run is saved and loaded', async () => {
    const s = spec(28, 1, { kind: 'cvae', arch: 'conv', latentDim: 2, hidden: [8], convFilters: [4, 4] });
    const b = buildModel(s, 1);
    const z = Float32Array.from([0.5, -1, 1.5, 0.2, -0.3, 0.9]);
    const y = Int32Array.from([0, 2, 1]);
    const tfjsDecode = (m: ModelBundle) => {
      setKernelForward(false);
      const out = decodeArrays(m, z, y, 3);
      setKernelForward(true);
      return out;
    };
    const before = decodeArrays(b, z, y, 3);
    expectClose(before, tfjsDecode(b), 1e-5);
    // The weights a training run writes back (assignFlat), here by hand: the images change.
    const flat = flatWeights(trainableVariables(b)).map((v, i) => v * 0.9 + 0.01 * Math.sin(i));
    assignFlat(trainableVariables(b), flat);
    const changed = decodeArrays(b, z, y, 3);
    expectClose(changed, tfjsDecode(b), 1e-5);
    expect(Math.max(...changed.map((v, i) => Math.abs(v - before[i])))).toBeGreaterThan(1e-3);
    // A real (short) training run on the kernels' workers, then the run saved and loaded.
    const train = data(64, s.inputDim, 3);
    const cfg = TrainConfig.parse({ model: b.config, epochs: 1, batchSize: 32, learningRate: 1e-2, seed: 2 });
    const r = await trainModelParallel(b, cfg, { train, val: data(16, s.inputDim, 4) }, {}, { workers: 1 });
    expect(r.state).toBe('done');
    const trained = decodeArrays(b, z, y, 3);
    expectClose(trained, tfjsDecode(b), 1e-5);
    expect(Math.max(...trained.map((v, i) => Math.abs(v - changed[i])))).toBeGreaterThan(1e-4);
    const dir = path.join(tmp, 'trained');
    mkdirSync(dir, { recursive: true }); // a run's folder exists before its model is saved
    await saveBundle(b, dir);
    const loaded = await loadBundle(s, dir);
    try {
      expectClose(decodeArrays(loaded, z, y, 3), trained, 1e-6);
      const x = data(4, s.inputDim, 8);
      expectClose(encodeArrays(loaded, x.x, x.y, 4).mean, encodeArrays(b, x.x, x.y, 4).mean, 1e-6);
    } finally {
      disposeBundle(loaded);
      disposeBundle(b);
    }
  });

  it('an interpolation between two labels (mixed label rows) decodes as tfjs does, dense and conv CVAE', () => {
    for (const s of [spec(28, 1, { kind: 'cvae', latentDim: 2, hidden: [12] }), spec(32, 3, { kind: 'cvae', arch: 'conv', latentDim: 2, hidden: [6], convFilters: [3, 4, 5] })]) {
      const b = buildModel(s, 5);
      try {
        const steps = 6;
        const z = Float32Array.from({ length: steps * 2 }, (_, i) => Math.cos(i));
        const rows = blendLabels(0, 2, steps, CLASSES);
        expect(kernelForwardFor(b)).not.toBeNull();
        const got = decodeWithLabelRows(b, z, rows, steps);
        setKernelForward(false);
        const want = decodeWithLabelRows(b, z, rows, steps);
        setKernelForward(true);
        expectClose(got, want, 1e-5);
        // The ends are the plain labels' images.
        const ends = decodeArrays(b, Float32Array.from([...z.subarray(0, 2), ...z.subarray(10, 12)]), Int32Array.from([0, 2]), 2);
        expectClose(got.subarray(0, s.inputDim), ends.subarray(0, s.inputDim), 1e-5);
        expectClose(got.subarray(5 * s.inputDim), ends.subarray(s.inputDim), 1e-5);
      } finally {
        disposeBundle(b);
      }
    }
  });

  it('labels outside the classes go to tfjs (a zero one-hot row, as before) instead of reading past the weights', () => {
    const b = buildModel(spec(28, 1, { kind: 'cvae', latentDim: 2, hidden: [8] }), 1);
    try {
      const y = Int32Array.from([0, 7]);
      expect(kernelForwardFor(b, y)).toBeNull();
      const z = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
      const out = decodeArrays(b, z, y, 2);
      setKernelForward(false);
      expect(Array.from(out)).toEqual(Array.from(decodeArrays(b, z, y, 2)));
      expect(() => new KernelForward(b).decode(z, y, 2)).toThrow(/label 7 is not in 0…2/);
    } finally {
      disposeBundle(b);
    }
  });

  it('LATENT_LAB_DENSE=0 sends forward passes to tfjs too (the same numbers)', () => {
    const b = buildModel(spec(28, 1, { kind: 'vae', latentDim: 2, hidden: [8] }), 1);
    const before = process.env.LATENT_LAB_DENSE;
    try {
      const z = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
      expect(kernelForwardFor(b)).not.toBeNull();
      const onKernels = decodeArrays(b, z, null, 2);
      process.env.LATENT_LAB_DENSE = '0';
      expect(kernelForwardFor(b)).toBeNull();
      expectClose(decodeArrays(b, z, null, 2), onKernels, 1e-5);
    } finally {
      if (before === undefined) delete process.env.LATENT_LAB_DENSE;
      else process.env.LATENT_LAB_DENSE = before;
      disposeBundle(b);
    }
  });
});

describe('the in-app classifier on the kernels', () => {
  it('judges as its tfjs model does: the same features and predicted labels', async () => {
    const layers: ClassifierLayers = {
      image: [28, 28, 1],
      classes: 4,
      convs: [
        { filters: 3, kernel: 5, stride: 2 },
        { filters: 4, kernel: 3, stride: 1 },
        { filters: 4, kernel: 3, stride: 2 },
      ],
      hidden: [8],
      dropout: 0.5,
      augment: null,
    };
    const model = buildClassifierModel(layers, 3);
    const clf = new Classifier(model, { layers } as ClassifierInfo);
    try {
      const n = 45;
      const { x } = data(n, 784, 2);
      const got = await clf.judge(x, n);
      expect((clf as unknown as { kernels: unknown }).kernels).toBeTruthy();
      const [f, l] = tf.tidy(() => (featuresAndLogits(model).predict(tf.tensor2d(x, [n, 784])) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array));
      expectClose(got.features, f, 1e-5);
      let compared = 0;
      for (let i = 0; i < n; i++) {
        const row = Array.from(l.subarray(i * 4, i * 4 + 4));
        const sorted = [...row].sort((a, b) => b - a);
        if (sorted[0] - sorted[1] < 1e-4) continue; // a near tie may go either way
        expect(got.labels[i]).toBe(row.indexOf(sorted[0]));
        compared++;
      }
      expect(compared).toBeGreaterThan(n / 2);
    } finally {
      clf.dispose();
    }
  });
});
