/**
 * Convolutional AE / VAE / CVAE (src-main/engine/models/conv.ts) and the arch setting: shapes for
 * every arch × image size × channels, the Keras-example layer structure, validation, save → load,
 * L2 over conv kernels, FLOPs, and the loss falling on real MNIST digits on the wasm backend
 * (which trains conv layers through kernels/conv2dBackpropFilter.ts).
 */
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, TrainConfig, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import {
  buildModel,
  countParams,
  flopsPerSample,
  l2Penalty,
  resolveModelConfig,
  type ModelBundle,
  type ModelSpec,
} from '../../src-main/engine/models/build';
import { convPlan } from '../../src-main/engine/models/conv';
import { layerMacs } from '../../src-main/engine/models/flops';
import { loadBundle, saveBundle } from '../../src-main/engine/models/io';
import { decodeArrays, encodeArrays, evaluate } from '../../src-main/engine/metrics';
import { trainModel } from '../../src-main/engine/train';
import { loadDataset } from '../../src-main/engine/datasets';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import type { RowValues } from '../../src-main/engine/datasets/rows';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-models-conv-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KINDS = ['ae', 'vae', 'cvae'] as const;
const SHAPES: Array<[number, number]> = [
  [28, 1],
  [28, 3],
  [32, 1],
  [32, 3],
  [64, 1],
  [64, 3],
];
/** Tiny widths with the default number of stages per side. */
const TINY_FILTERS: Record<number, number[]> = { 28: [2, 3], 32: [2, 3, 4], 64: [2, 2, 3, 4] };

function spec(side: number, channels: number, model: ModelConfigInput, numClasses = 3): ModelSpec {
  return { config: ModelConfig.parse(model), inputDim: side * side * channels, numClasses, output: 'bernoulli' };
}

function tinyConv(kind: (typeof KINDS)[number], side = 28, channels = 1, extra: ModelConfigInput = {}): ModelBundle {
  return buildModel(spec(side, channels, { kind, arch: 'conv', latentDim: 2, hidden: [4], convFilters: TINY_FILTERS[side], ...extra }), 5);
}

function layerSummary(m: tf.LayersModel): string[] {
  return m.layers.map((l) => {
    const c = l.getConfig() as Record<string, unknown>;
    const cls = l.getClassName();
    if (cls === 'Conv2D' || cls === 'Conv2DTranspose') {
      return `${cls} ${c.filters} k${(c.kernelSize as number[])[0]} s${(c.strides as number[])[0]} ${c.padding} ${c.activation}`;
    }
    if (cls === 'Dense') return `Dense ${c.units} ${c.activation}`;
    if (cls === 'Reshape') return `Reshape ${(c.targetShape as number[]).join('x')}`;
    if (cls === 'Activation') return `Activation ${c.activation}`;
    return cls;
  });
}

describe('conv model shapes, every arch × size × channels', () => {
  for (const [side, channels] of SHAPES) {
    for (const arch of ['dense', 'conv'] as const) {
      for (const kind of KINDS) {
        it(`${arch} ${kind} ${side}×${side}×${channels}: flat in, flat out, parameter count as built`, () => {
          const D = side * side * channels;
          const model: ModelConfigInput =
            arch === 'conv' ? { kind, arch, latentDim: 2, hidden: [4], convFilters: TINY_FILTERS[side] } : { kind, latentDim: 2, hidden: [4] };
          const s = spec(side, channels, model);
          const b = buildModel(s, 1);
          expect(b.encoder.inputs[0].shape).toEqual([null, D]);
          expect(b.decoder.outputs[0].shape).toEqual([null, D]);
          expect(b.encoder.outputs.length).toBe(kind === 'ae' ? 1 : 2);
          expect(b.encoder.inputs.length).toBe(kind === 'cvae' ? 2 : 1);
          expect(b.decoder.inputs.length).toBe(kind === 'cvae' ? 2 : 1);
          expect(countParams(s)).toBe(b.encoder.countParams() + b.decoder.countParams());
          const n = 3;
          const rand = mulberry32(side + channels);
          const x = Float32Array.from({ length: n * D }, () => rand());
          const y = kind === 'cvae' ? Int32Array.from([0, 1, 2]) : null;
          const enc = encodeArrays(b, x, y, n);
          expect(enc.mean.length).toBe(n * 2);
          const dec = decodeArrays(b, enc.mean, y, n);
          expect(dec.length).toBe(n * D);
          expect(dec.every((v) => v >= 0 && v <= 1)).toBe(true);
          const convs = b.encoder.layers.filter((l) => l.getClassName() === 'Conv2D').length;
          expect(convs).toBe(arch === 'conv' ? TINY_FILTERS[side].length : 0);
          b.encoder.dispose();
          b.decoder.dispose();
        });
      }
    }
  }
});

describe('conv architecture', () => {
  it('28×28×1 VAE is the Keras VAE example, layer for layer, with its parameter counts', () => {
    const b = buildModel(spec(28, 1, { kind: 'vae', arch: 'conv', latentDim: 2 }, 10), 1);
    expect(layerSummary(b.encoder)).toEqual([
      'InputLayer',
      'Reshape 28x28x1',
      'Conv2D 32 k3 s2 same relu',
      'Conv2D 64 k3 s2 same relu',
      'Flatten',
      'Dense 16 relu',
      'Dense 2 linear',
      'Dense 2 linear',
    ]);
    expect(layerSummary(b.decoder)).toEqual([
      'InputLayer',
      'Dense 3136 relu',
      'Reshape 7x7x64',
      'Conv2DTranspose 64 k3 s2 same relu',
      'Conv2DTranspose 32 k3 s2 same relu',
      'Conv2DTranspose 1 k3 s1 same linear',
      'Flatten',
      'Activation sigmoid',
    ]);
    // The Keras example's model.summary(): encoder 69,076 and decoder 65,089 parameters.
    expect(b.encoder.countParams()).toBe(69_076);
    expect(b.decoder.countParams()).toBe(65_089);
  });

  for (const [side, filters] of [
    [32, [32, 64, 128]],
    [64, [32, 64, 128, 256]],
  ] as const) {
    it(`${side}×${side}×3: 4×4 stride-2 stages ${filters.join('/')} down to 4×4, mirrored up to 3 channels`, () => {
      const plan = convPlan(spec(side, 3, { kind: 'vae', arch: 'conv', latentDim: 32 }));
      expect(plan.filters).toEqual(filters);
      expect(plan.hidden).toEqual([256]);
      expect(plan.encoder.map((s) => [s.kernel, s.stride, s.out])).toEqual(
        filters.map((f, i) => [4, 2, [side / 2 ** (i + 1), side / 2 ** (i + 1), f]]),
      );
      expect(plan.bottleneck).toEqual([4, 4, filters[filters.length - 1]]);
      const up = [...filters].reverse().slice(1);
      expect(plan.decoder.map((s) => s.out[2])).toEqual([...up, 3]);
      expect(plan.decoder.every((s) => s.kernel === 4 && s.stride === 2)).toBe(true);
      expect(plan.decoder[plan.decoder.length - 1].out).toEqual([side, side, 3]);
    });
  }

  it('CVAE: the one-hot label joins the flattened features (encoder) and z (decoder)', () => {
    const b = tinyConv('cvae');
    const inbound = (m: tf.LayersModel, name: string) =>
      (m.getLayer(name).inboundNodes[0].inboundLayers as tf.layers.Layer[]).map((l) => l.name);
    expect(inbound(b.encoder, 'enc_concat')).toEqual(['enc_flatten', 'y']);
    expect(inbound(b.encoder, 'enc_dense_0')).toEqual(['enc_concat']);
    expect(inbound(b.decoder, 'dec_concat')).toEqual(['z_in', 'y_dec']);
    expect(inbound(b.decoder, 'dec_dense')).toEqual(['dec_concat']);
    const z = new Float32Array([0.3, -0.2, 0.3, -0.2]);
    const out = decodeArrays(b, z, Int32Array.from([0, 2]), 2);
    const diff = out.slice(0, 784).reduce((s, v, i) => s + Math.abs(v - out[784 + i]), 0);
    expect(diff).toBeGreaterThan(1e-4);
  });

  it('AE has a single z head', () => {
    const b = tinyConv('ae');
    expect(b.encoder.outputNames).toEqual(['z']);
  });
});

describe('conv settings and validation', () => {
  it('a config without arch (a run saved before conv existed) is dense, with the dense defaults', () => {
    const m = ModelConfig.parse({ kind: 'vae', latentDim: 3 });
    expect(m.arch).toBe('dense');
    expect(m.hidden).toEqual([256]);
    expect(m.convFilters).toBeUndefined();
    expect(TrainConfig.parse({}).model.arch).toBe('dense');
  });

  it('the engine writes the per-size defaults into a conv config; given widths are kept', () => {
    const conv = ModelConfig.parse({ kind: 'vae', arch: 'conv' });
    expect(resolveModelConfig(conv, { inputDim: 784 })).toMatchObject({ convFilters: [32, 64], hidden: [16] });
    expect(resolveModelConfig(conv, { inputDim: 32 * 32 * 3 })).toMatchObject({ convFilters: [32, 64, 128], hidden: [256] });
    expect(resolveModelConfig(conv, { inputDim: 64 * 64 })).toMatchObject({ convFilters: [32, 64, 128, 256], hidden: [256] });
    const given = ModelConfig.parse({ kind: 'vae', arch: 'conv', convFilters: [8], hidden: [20, 10] });
    expect(resolveModelConfig(given, { inputDim: 784 })).toMatchObject({ convFilters: [8], hidden: [20, 10] });
    const dense = ModelConfig.parse({ kind: 'vae' });
    expect(resolveModelConfig(dense, { inputDim: 2 })).toBe(dense);
  });

  it('refuses filters a size cannot halve into, data that is not a supported image, and conv settings on dense models', () => {
    const three = spec(28, 1, { kind: 'vae', arch: 'conv', convFilters: [8, 8, 8] });
    expect(() => countParams(three)).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD', message: expect.stringMatching(/28×28 image halves exactly only 2 times/) }));
    expect(() => buildModel(three, 1)).toThrow(/at most 2 filter counts/);
    const toy: ModelSpec = { config: ModelConfig.parse({ kind: 'vae', arch: 'conv' }), inputDim: 2, numClasses: 3, output: 'gaussian' };
    expect(() => countParams(toy)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(/samples of 2 values.*use a dense model \(Dense in the form's Architecture, --arch dense in the CLI\)/) }));
    expect(() => countParams({ ...toy, inputDim: 30 * 30 })).toThrow(/square images of side 28, 32, 64/);
    expect(ModelConfig.safeParse({ convFilters: [8] }).error?.issues[0].message).toMatch(/conv models only/);
    expect(ModelConfig.safeParse({ hidden: [] }).error?.issues[0].message).toMatch(/at least one hidden layer/);
    expect(ModelConfig.safeParse({ arch: 'conv', convFilters: [0] }).success).toBe(false);
    expect(ModelConfig.safeParse({ arch: 'resnet' }).success).toBe(false);
  });
});

describe('conv persistence', () => {
  for (const kind of KINDS) {
    it(`${kind} 32×32×3: save → load gives identical outputs`, async () => {
      const b = tinyConv(kind, 32, 3);
      const dir = path.join(tmp, `conv-${kind}`);
      mkdirSync(dir, { recursive: true }); // a run's folder exists before its model is saved
      await saveBundle(b, dir);
      const c = await loadBundle({ config: b.config, inputDim: b.inputDim, numClasses: 3, output: 'bernoulli' }, dir);
      const rand = mulberry32(9);
      const x = Float32Array.from({ length: 4 * b.inputDim }, () => rand());
      const y = kind === 'cvae' ? Int32Array.from([0, 1, 2, 1]) : null;
      const e1 = encodeArrays(b, x, y, 4);
      const e2 = encodeArrays(c, x, y, 4);
      expect(Array.from(e2.mean)).toEqual(Array.from(e1.mean));
      expect(Array.from(decodeArrays(c, e1.mean, y, 4))).toEqual(Array.from(decodeArrays(b, e1.mean, y, 4)));
    });
  }
});

describe('conv costs', () => {
  it('L2 covers the conv and transposed-conv kernels as well as the dense ones', () => {
    const b = tinyConv('vae', 28, 1, { l2: 0.5 });
    const kernels = [...b.encoder.layers, ...b.decoder.layers].filter((l) => ['Dense', 'Conv2D', 'Conv2DTranspose'].includes(l.getClassName()));
    expect(kernels.filter((l) => l.getClassName() !== 'Dense').length).toBe(5);
    const want = 0.5 * kernels.reduce((s, l) => s + Array.from(l.getWeights()[0].dataSync()).reduce((a, v) => a + v * v, 0), 0);
    const got = tf.tidy(() => l2Penalty(b)!.dataSync()[0]);
    expect(got).toBeCloseTo(want, 3);
  });

  it('FLOPs per sample: 2 per multiply-add of every layer, backward twice forward less the first input gradient', () => {
    const s = spec(28, 1, { kind: 'cvae', arch: 'conv', latentDim: 2, hidden: [4], convFilters: [2, 3] });
    // By hand: 28→14 (k3, 1→2), 14→7 (2→3), dense 147+3 → 4, heads 2×4×2, dense 2+3 → 147,
    // transposed 7→14 (3→3), 14→28 (3→2), 28→28 stride 1 (2→1).
    const macs = [14 * 14 * 9 * 1 * 2, 7 * 7 * 9 * 2 * 3, 150 * 4, 2 * 4 * 2, 5 * 147, 7 * 7 * 9 * 3 * 3, 14 * 14 * 9 * 3 * 2, 28 * 28 * 9 * 2 * 1];
    expect(layerMacs(s)).toEqual(macs);
    const total = macs.reduce((a, b) => a + b, 0);
    expect(flopsPerSample(s)).toEqual({ forward: 2 * total, backward: 2 * (2 * total - macs[0]), trainStep: 4 * total + 2 * (total - macs[0]) });
    const keras = flopsPerSample(spec(28, 1, { kind: 'vae', arch: 'conv', latentDim: 2 }));
    expect(keras.trainStep / 1e6).toBeGreaterThan(38); // ≈ 40 MFLOP (docs/PERFORMANCE.md)
    expect(keras.trainStep / 1e6).toBeLessThan(42);
    const dense = spec(28, 1, { kind: 'vae', latentDim: 3, hidden: [256] });
    expect(layerMacs(dense)).toEqual([784 * 256, 2 * 256 * 3, 3 * 256, 256 * 784]);
  });
});

describe('conv training on real MNIST digits (wasm backend)', () => {
  let digits: { x: RowValues; y: Int32Array; count: number };
  let val: { x: RowValues; y: Int32Array; count: number };
  beforeAll(async () => {
    const data = await loadDataset({ id: 'mnist' }, { dataDir: path.join(tmp, 'datasets') });
    digits = { x: data.train.x.slice(0, 300 * 784), y: data.train.y.slice(0, 300), count: 300 };
    val = { x: data.test.x.slice(0, 100 * 784), y: data.test.y.slice(0, 100), count: 100 };
  });

  it('conv models train on tfjs workers (LATENT_LAB_DENSE=0) as well as on the engine thread', async () => {
    const cfg = TrainConfig.parse({ model: { kind: 'vae', arch: 'conv', latentDim: 2, hidden: [16], convFilters: [8, 16] }, epochs: 4, batchSize: 64, learningRate: 3e-3, seed: 2 });
    // Two workers, each half of every batch, gradients averaged: trains as well as one thread does.
    const short = cfg;
    const b = buildModel(spec(28, 1, cfg.model, 10), 2);
    const before = await evaluate(b, val, { seed: 1 });
    const r = await trainModelParallel(b, short, { train: digits, val }, {}, { workers: 2, wasmThreads: 1, dense: false });
    expect(r.state).toBe('done');
    const inWorkers = await evaluate(b, val, { seed: 1 });
    const c = buildModel(spec(28, 1, cfg.model, 10), 2);
    await trainModel(c, short, { train: digits, val });
    const here = await evaluate(c, val, { seed: 1 });
    expect(here.loss).toBeLessThan(before.loss * 0.85);
    expect(Math.abs(inWorkers.loss - here.loss) / here.loss).toBeLessThan(0.1);
  });

  for (const kind of KINDS) {
    it(`${kind}: the loss falls within 3 epochs on 300 digits, tensors stay flat`, async () => {
      expect(tf.getBackend()).toBe('wasm');
      const b = buildModel(spec(28, 1, { kind, arch: 'conv', latentDim: 2, hidden: [16], convFilters: [8, 16] }, 10), 2);
      const cfg = TrainConfig.parse({ model: b.config, epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 2 });
      const before = await evaluate(b, val, { seed: 1 });
      const counts: number[] = [];
      const r = await trainModel(b, cfg, { train: digits, val }, { onEpochEnd: () => void counts.push(tf.memory().numTensors) });
      expect(r.state).toBe('done');
      const after = await evaluate(b, val, { seed: 1 });
      expect(after.loss).toBeLessThan(before.loss * 0.6);
      expect(new Set(counts).size).toBe(1);
    });
  }
});
