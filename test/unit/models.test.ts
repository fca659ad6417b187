import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig, type ModelConfigInput } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, countParams, type ModelBundle } from '../../src-main/engine/models/build';
import { forwardLoss, klPerSample, reconPerSample } from '../../src-main/engine/models/loss';
import { loadBundle, saveBundle } from '../../src-main/engine/models/io';
import { decodeArrays, encodeArrays, evaluate } from '../../src-main/engine/metrics';
import { trainModel } from '../../src-main/engine/train';
import { ModelConfig } from '../../src-shared/types';
import { synthetic } from './synthetic';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-models-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tiny(kind: 'ae' | 'vae' | 'cvae', extra: ModelConfigInput = {}): ModelBundle {
  const config = ModelConfig.parse({ kind, latentDim: 2, hidden: [8, 4], ...extra });
  return buildModel({ config, inputDim: 12, numClasses: 3, output: 'bernoulli' }, 3);
}

describe('model shapes', () => {
  for (const kind of ['ae', 'vae', 'cvae'] as const) {
    it(`${kind}: encoder and decoder shapes`, () => {
      const b = tiny(kind);
      const x = new Float32Array(5 * 12).fill(0.5);
      const y = Int32Array.from([0, 1, 2, 0, 1]);
      const enc = encodeArrays(b, x, kind === 'cvae' ? y : null, 5);
      expect(enc.mean.length).toBe(10);
      if (kind === 'ae') expect(enc.logVar).toBeNull();
      else expect(enc.logVar!.length).toBe(10);
      const dec = decodeArrays(b, enc.mean, kind === 'cvae' ? y : null, 5);
      expect(dec.length).toBe(60);
      for (const v of dec) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
      const names = b.encoder.outputNames;
      expect(names.length).toBe(kind === 'ae' ? 1 : 2);
      expect(b.encoder.inputs.length).toBe(kind === 'cvae' ? 2 : 1);
      expect(b.decoder.inputs.length).toBe(kind === 'cvae' ? 2 : 1);
    });
  }

  it('hidden sizes, dropout and leaky ReLU are honoured', () => {
    const b = tiny('vae', { hidden: [16, 8, 4], dropout: 0.2, activation: 'leakyRelu' });
    const dense = b.encoder.layers.filter((l) => l.getClassName() === 'Dense').map((l) => (l.getConfig() as { units: number }).units);
    expect(dense).toEqual([16, 8, 4, 2, 2]);
    expect(b.encoder.layers.some((l) => l.getClassName() === 'Dropout')).toBe(true);
    expect(b.decoder.layers.some((l) => l.getClassName() === 'LeakyReLU')).toBe(true);
    const decDense = b.decoder.layers.filter((l) => l.getClassName() === 'Dense').map((l) => (l.getConfig() as { units: number }).units);
    expect(decDense).toEqual([4, 8, 16, 12]);
  });
});

describe('defaults', () => {
  it('β defaults per kind (CVAE 5, VAE 1); an explicit β wins; unknown keys are still refused', () => {
    expect(TrainConfig.parse({ model: { kind: 'cvae' } }).model.beta).toBe(5);
    expect(TrainConfig.parse({ model: { kind: 'vae' } }).model.beta).toBe(1);
    expect(TrainConfig.parse({}).model.beta).toBe(1);
    expect(TrainConfig.parse({ model: { kind: 'cvae', beta: 1 } }).model.beta).toBe(1);
    expect(TrainConfig.parse({ model: { kind: 'cvae', beta: 0 } }).model.beta).toBe(0);
    expect(TrainConfig.safeParse({ model: { kind: 'cvae', betta: 2 } }).success).toBe(false);
  });

  it('the batch size defaults per kind (VAE-GAN 64, the others 256); an explicit batch size wins; a bad one is refused', () => {
    expect(TrainConfig.parse({ model: { kind: 'vaegan' } }).batchSize).toBe(64);
    for (const kind of ['ae', 'vae', 'cvae'] as const) expect(TrainConfig.parse({ model: { kind } }).batchSize).toBe(256);
    expect(TrainConfig.parse({}).batchSize).toBe(256);
    expect(TrainConfig.parse({ model: { kind: 'vaegan' }, batchSize: 256 }).batchSize).toBe(256);
    expect(TrainConfig.safeParse({ model: { kind: 'vaegan' }, batchSize: 0 }).success).toBe(false);
  });
});

describe('parameter count', () => {
  for (const kind of ['ae', 'vae', 'cvae'] as const) {
    it(`${kind}: countParams matches the built models`, () => {
      const b = tiny(kind, { hidden: [8, 5] });
      expect(countParams(b)).toBe(b.encoder.countParams() + b.decoder.countParams());
    });
  }
});

describe('loss math', () => {
  it('BCE-from-logits and KL match a hand computation', () => {
    const x = [
      [1, 0, 0.5],
      [0, 1, 0.25],
    ];
    const logits = [
      [2, -1, 0],
      [0.5, 3, -2],
    ];
    const sig = (l: number) => 1 / (1 + Math.exp(-l));
    const bce = x.map((row, i) =>
      row.reduce((s, xi, j) => {
        const p = sig(logits[i][j]);
        return s - (xi * Math.log(p) + (1 - xi) * Math.log(1 - p));
      }, 0),
    );
    const got = tf.tidy(() => reconPerSample(tf.tensor2d(x), tf.tensor2d(logits), 'bernoulli').arraySync());
    got.forEach((g, i) => expect(g).toBeCloseTo(bce[i], 5));

    const mean = [
      [0.5, -1],
      [0, 2],
    ];
    const logVar = [
      [0, -0.5],
      [1, 0.2],
    ];
    const kl = mean.map((m, i) => m.reduce((s, mj, j) => s - 0.5 * (1 + logVar[i][j] - mj * mj - Math.exp(logVar[i][j])), 0));
    const gotKl = tf.tidy(() => klPerSample(tf.tensor2d(mean), tf.tensor2d(logVar)).arraySync());
    gotKl.forEach((g, i) => expect(g).toBeCloseTo(kl[i], 5));
  });

  it('a VAE forward pass reports recon and KL whose sum is the negative ELBO', async () => {
    const b = tiny('vae');
    const d = synthetic(30);
    const parts = await evaluate(b, d, { seed: 1, beta: 1 });
    expect(parts.recon).toBeGreaterThan(0);
    expect(parts.kl).toBeGreaterThanOrEqual(0);
    expect(parts.loss).toBeCloseTo(parts.recon + parts.kl, 6);
    const p2 = await evaluate(b, d, { seed: 1, beta: 4 });
    expect(p2.loss).toBeCloseTo(p2.recon + 4 * p2.kl, 5);
    // Hand check of the KL through the encoder's outputs.
    const enc = encodeArrays(b, d.x, null, d.count);
    let kl = 0;
    for (let i = 0; i < enc.mean.length; i++) {
      const m = enc.mean[i];
      const lv = enc.logVar![i];
      kl += -0.5 * (1 + lv - m * m - Math.exp(lv));
    }
    expect(parts.kl).toBeCloseTo(kl / d.count, 4);
  });

  it('an AE has no KL term', () => {
    const b = tiny('ae');
    const d = synthetic(9);
    const kl = tf.tidy(() => forwardLoss(b, tf.tensor2d(d.x, [9, 12]), null, { training: false, seed: 1 }).kl.dataSync()[0]);
    expect(kl).toBe(0);
  });
});

describe('training', () => {
  for (const kind of ['ae', 'vae', 'cvae'] as const) {
    it(`${kind}: loss falls and the tensor count stays flat across epochs`, async () => {
      const b = tiny(kind);
      const train = synthetic(600, 2);
      const val = synthetic(60, 3);
      const cfg = TrainConfig.parse({ model: b.config, epochs: 10, batchSize: 32, learningRate: 1e-2, seed: 4 });
      const before = await evaluate(b, val, { seed: 1 });
      const counts: number[] = [];
      const r = await trainModel(b, cfg, { train, val }, { onEpochEnd: () => void counts.push(tf.memory().numTensors) });
      expect(r.state).toBe('done');
      expect(r.epochsDone).toBe(10);
      const after = await evaluate(b, val, { seed: 1 });
      expect(after.loss).toBeLessThan(before.loss * 0.9);
      // Flat: no tensor is left behind per epoch.
      expect(new Set(counts.slice(1)).size).toBe(1);
    });
  }

  it('a NaN loss stops the run with DIVERGED naming the epoch and batch', async () => {
    const b = tiny('vae');
    const train = synthetic(64);
    train.x[40 * 12] = NaN; // sample 40 falls in batch 2 of 32 (no shuffle dependence: checked below)
    const cfg = TrainConfig.parse({ model: b.config, epochs: 2, batchSize: 64, seed: 1 });
    await expect(trainModel(b, cfg, { train, val: synthetic(10) })).rejects.toMatchObject({
      code: 'DIVERGED',
      message: expect.stringMatching(/epoch 1, batch 1/),
    });
  });

  it('L2 weight decay works for every model built in the process, not only the first', async () => {
    for (let k = 0; k < 2; k++) {
      const b = tiny('vae', { l2: 1e-3 });
      const cfg = TrainConfig.parse({ model: b.config, epochs: 1, batchSize: 32, seed: k });
      const r = await trainModel(b, cfg, { train: synthetic(64), val: synthetic(8) });
      expect(r.state).toBe('done');
      expect(Number.isFinite(r.lastVal!.loss)).toBe(true);
    }
  });

  it('dropout draws a new mask every step', () => {
    // Wide enough that a dead ReLU layer cannot hide the mask (which made [8, 4] flaky).
    const b = tiny('ae', { dropout: 0.5, hidden: [64] });
    const x = tf.ones([1, 12]);
    const outs = [0, 1, 2, 3, 4].map(() => tf.tidy(() => (b.encoder.apply(x, { training: true }) as tf.Tensor).dataSync().join(',')));
    x.dispose();
    expect(new Set(outs).size).toBeGreaterThan(1);
  });

  it('is reproducible for a seed on one backend', async () => {
    const run = async () => {
      const b = tiny('vae');
      const cfg = TrainConfig.parse({ model: b.config, epochs: 2, batchSize: 16, seed: 9 });
      await trainModel(b, cfg, { train: synthetic(64), val: synthetic(8) });
      return encodeArrays(b, synthetic(4).x, null, 4).mean;
    };
    expect(Array.from(await run())).toEqual(Array.from(await run()));
  });

  it('pause holds the loop before its next batch, resume goes on from there, stop cancels it', async () => {
    const { TrainControl } = await import('../../src-main/engine/train');
    const b = tiny('ae');
    const control = new TrainControl();
    const cfg = TrainConfig.parse({ model: b.config, epochs: 50, batchSize: 8, seed: 1 });
    const batches: number[] = [];
    const waiters: Array<[number, () => void]> = [];
    const reached = (k: number) => new Promise<void>((res) => (batches.length >= k ? res() : waiters.push([k, res])));
    const p = trainModel(b, cfg, { train: synthetic(64), val: synthetic(8) }, {
      control,
      progressIntervalMs: 0,
      onProgress: (pr) => {
        if (pr.val) return;
        batches.push((pr.epoch - 1) * pr.batches + pr.batch);
        for (const [k, res] of waiters) if (batches.length >= k) res();
      },
    });
    const weights = () => b.encoder.getWeights().map((w) => Array.from(w.dataSync()));
    await reached(3);
    control.pause();
    expect(await control.whenHeld()).toBe(true);
    const held = batches.length;
    const heldWeights = weights();
    // Held: the loop waits in the control, so the event loop turning changes nothing.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(control.held).toBe(true);
    expect(batches.length).toBe(held);
    expect(weights()).toEqual(heldWeights);
    control.resume();
    expect(control.held).toBe(false);
    await reached(held + 3);
    control.stop();
    const r = await p;
    expect(r.state).toBe('cancelled');
    expect(r.epochsDone).toBeLessThan(50);
    // Every batch was reported once, in order, none skipped across the pause.
    expect(batches).toEqual(batches.map((_, i) => i + 1));
  });
});

describe('persistence', () => {
  for (const kind of ['ae', 'vae', 'cvae'] as const) {
    it(`${kind}: save → load gives identical outputs`, async () => {
      const b = tiny(kind);
      const dir = path.join(tmp, kind);
      mkdirSync(dir, { recursive: true }); // a run's folder exists before its model is saved
      await saveBundle(b, dir);
      const c = await loadBundle({ config: b.config, inputDim: 12, numClasses: 3, output: 'bernoulli' }, dir);
      const d = synthetic(7);
      const y = kind === 'cvae' ? d.y : null;
      const e1 = encodeArrays(b, d.x, y, 7);
      const e2 = encodeArrays(c, d.x, y, 7);
      expect(Array.from(e2.mean)).toEqual(Array.from(e1.mean));
      expect(Array.from(decodeArrays(c, e1.mean, y, 7))).toEqual(Array.from(decodeArrays(b, e1.mean, y, 7)));
    });
  }
});

describe('checkpoint swap', () => {
  it('a checkpoint replaces the whole pair; a kill between the renames still loads a complete pair', async () => {
    const dir = path.join(tmp, 'swap');
    mkdirSync(dir, { recursive: true });
    const a = tiny('vae');
    await saveBundle(a, dir);
    const b = tiny('vae', { hidden: [8, 4] });
    b.encoder.setWeights(b.encoder.getWeights().map((w) => tf.mul(w, 2)));
    await saveBundle(b, dir);
    const { readdir, rename } = await import('node:fs/promises');
    expect((await readdir(dir)).sort()).toEqual(['model']);
    const spec = { config: a.config, inputDim: 12, numClasses: 3, output: 'bernoulli' as const };
    const x = synthetic(3).x;
    const fromB = encodeArrays(b, x, null, 3).mean;
    expect(Array.from(encodeArrays(await loadBundle(spec, dir), x, null, 3).mean)).toEqual(Array.from(fromB));
    // Simulate a kill after `model` → `model.old` and before `tmp` → `model`.
    await rename(path.join(dir, 'model'), path.join(dir, 'model.old'));
    expect(Array.from(encodeArrays(await loadBundle(spec, dir), x, null, 3).mean)).toEqual(Array.from(fromB));
  });
});

describe('CVAE conditioning', () => {
  it('the decoder output depends on the label', () => {
    const b = tiny('cvae');
    const z = new Float32Array([0.3, -0.2, 0.3, -0.2]);
    const out = decodeArrays(b, z, Int32Array.from([0, 2]), 2);
    const diff = out.slice(0, 12).reduce((s, v, i) => s + Math.abs(v - out[12 + i]), 0);
    expect(diff).toBeGreaterThan(1e-3);
  });
});
