/**
 * Data-parallel training in worker threads (src-main/engine/parallel): replicas stay identical,
 * one parallel step equals a single-threaded step, the loop keeps trainModel's semantics, and
 * no worker outlives a run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, TrainConfig, type ModelConfigInput } from '../../src-shared/types';
import { backendInfo, initBackend } from '../../src-main/engine/backend';
import { buildModel, oneHot, trainableVariables, type ModelBundle } from '../../src-main/engine/models/build';
import { forwardLoss } from '../../src-main/engine/models/loss';
import { evaluate } from '../../src-main/engine/metrics';
import { TrainControl, trainModel } from '../../src-main/engine/train';
import {
  activeTrainWorkers,
  denseOff,
  denseParamCount,
  parallelWorkerCount,
  shouldTrainInParallel,
  trainModelParallel,
} from '../../src-main/engine/parallel/trainParallel';
import { partitionVariables, shareOf, stepSeedOf } from '../../src-main/engine/parallel/batchSplit';
import { flatten, synthetic } from './synthetic';

const ROOT = path.join(__dirname, '..', '..');
let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-parallel-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tiny(kind: 'ae' | 'vae' | 'cvae', extra: ModelConfigInput = {}, seed = 3): ModelBundle {
  const config = ModelConfig.parse({ kind, latentDim: 2, hidden: [16, 8], ...extra });
  return buildModel({ config, inputDim: 12, numClasses: 3, output: 'bernoulli' }, seed);
}

function flat(b: ModelBundle): Float32Array {
  return flatten(trainableVariables(b));
}

/** Gradient of trainModel's batch loss (recon + β·kl + l2/m) on the calling thread, flattened. */
function singleThreadGradient(b: ModelBundle, x: Float32Array, y: Int32Array, m: number, beta: number, seed: number): Float32Array {
  const vars = trainableVariables(b);
  const { grads, value } = tf.variableGrads(() => {
    const xt = tf.tensor2d(x.subarray(0, m * 12), [m, 12]);
    const yt = b.config.kind === 'cvae' ? oneHot(y.subarray(0, m), b.numClasses) : null;
    const p = forwardLoss(b, xt, yt, { training: true, seed });
    let total: tf.Tensor = beta > 0 ? tf.add(p.recon, tf.mul(beta, p.kl)) : p.recon;
    if (b.config.l2 > 0) {
      // (build.ts's l2Penalty matches names ending in 'kernel'; a second model in a process has 'kernel_1'.)
      const kernels = [...b.encoder.trainableWeights, ...b.decoder.trainableWeights]
        .filter((w) => /\/kernel(_\d+)?$/.test(w.name))
        .map((w) => tf.sum(tf.square(w.read())));
      total = tf.add(total, tf.div(tf.mul(b.config.l2, tf.addN(kernels)), m));
    }
    return total as tf.Scalar;
  }, vars);
  value.dispose();
  const out = flatten(vars.map((v) => grads[v.name]));
  tf.dispose(grads);
  return out;
}

function expectClose(got: Float32Array, want: Float32Array, rel: number): void {
  expect(got.length).toBe(want.length);
  let maxAbs = 0;
  for (const v of want) maxAbs = Math.max(maxAbs, Math.abs(v));
  expect(maxAbs).toBeGreaterThan(0);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + 1e-3 * maxAbs);
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThan(rel);
}

/** Counts progress reports; `reached(k)` resolves once there were k. */
function progressCounter() {
  let count = 0;
  const waiters: Array<[number, () => void]> = [];
  return {
    get count() {
      return count;
    },
    tick: () => {
      count++;
      for (const [k, res] of waiters) if (count >= k) res();
    },
    reached: (k: number) => new Promise<void>((res) => (count >= k ? res() : waiters.push([k, res]))),
  };
}

/** Lets the event loop run `n` times (timers, messages, I/O): what a held run must not use to move. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('choosing the parallel trainer', () => {
  const cfg = TrainConfig.parse({ batchSize: 256, epochs: 30 });
  const TFJS = { LATENT_LAB_DENSE: '0' };
  it('dense kernels (the default): a worker per core up to 4, one for small models or batches, none on native tensorflow', () => {
    expect(denseOff(cfg.model, {})).toBeNull();
    expect(parallelWorkerCount('wasm', cfg, 8000, {}, 2, 784)).toBe(2);
    expect(parallelWorkerCount('wasm', cfg, 8000, {}, 16, 784)).toBe(4);
    expect(parallelWorkerCount('cpu', cfg, 8000, {}, 2, 784)).toBe(2);
    // Short runs too: dense workers start without loading tfjs.
    expect(parallelWorkerCount('wasm', TrainConfig.parse({ batchSize: 256, epochs: 1 }), 500, {}, 2, 784)).toBe(2);
    expect(parallelWorkerCount('wasm', cfg, 8000, {}, 1, 784)).toBe(1);
    expect(parallelWorkerCount('wasm', TrainConfig.parse({ batchSize: 32 }), 8000, {}, 4, 784)).toBe(1);
    expect(parallelWorkerCount('wasm', cfg, 8000, {}, 2, 2)).toBe(1); // toy 2-D data: a tiny model
    expect(parallelWorkerCount('wasm', TrainConfig.parse({ batchSize: 96 }), 8000, {}, 4, 784)).toBe(3); // ≥ 32 rows each
    expect(parallelWorkerCount('tensorflow', cfg, 8000, {}, 8)).toBe(0);
    // Dropout is in the kernels too.
    const drop = TrainConfig.parse({ batchSize: 256, epochs: 30, model: { dropout: 0.2 } });
    expect(denseOff(drop.model, {})).toBeNull();
    expect(parallelWorkerCount('wasm', drop, 8000, {}, 2, 784, 1)).toBe(2);
    expect(denseOff(cfg.model, TFJS)).toMatch(/LATENT_LAB_DENSE=0/);
  });
  it('tfjs workers: single-threaded wasm with ≥ 2 cores, a batch ≥ 64 and a long enough run trains in 2 workers', () => {
    expect(parallelWorkerCount('wasm', cfg, 8000, TFJS, 2, undefined, 1)).toBe(2);
    // Two epochs of 8,000 do not pay back the workers' start-up.
    expect(parallelWorkerCount('wasm', TrainConfig.parse({ batchSize: 256, epochs: 2 }), 8000, TFJS, 2, undefined, 1)).toBe(0);
    expect(parallelWorkerCount('wasm', cfg, 8000, TFJS, 1, undefined, 1)).toBe(0);
    expect(parallelWorkerCount('wasm', TrainConfig.parse({ batchSize: 32 }), 8000, TFJS, 4, undefined, 1)).toBe(0);
    expect(parallelWorkerCount('wasm', cfg, 100, TFJS, 4, undefined, 1)).toBe(0);
    // A multi-threaded wasm backend already uses the cores: one worker (off the engine's thread).
    expect(parallelWorkerCount('wasm', cfg, 8000, TFJS, 2, undefined, 2)).toBe(1);
    expect(parallelWorkerCount('wasm', TrainConfig.parse({ batchSize: 256, epochs: 2 }), 8000, TFJS, 2, undefined, 2)).toBe(0);
    expect(parallelWorkerCount('wasm', cfg, 8000, { ...TFJS, LATENT_LAB_TRAIN_WORKERS: '2' }, 2, undefined, 2)).toBe(2);
    expect(parallelWorkerCount('tensorflow', cfg, 8000, TFJS, 8)).toBe(0);
    expect(parallelWorkerCount('cpu', cfg, 8000, TFJS, 8)).toBe(0);
  });
  it('LATENT_LAB_TRAIN_WORKERS forces the count', () => {
    expect(parallelWorkerCount('wasm', cfg, 8000, { LATENT_LAB_TRAIN_WORKERS: '1' }, 1)).toBe(1);
    expect(parallelWorkerCount('wasm', cfg, 8000, { LATENT_LAB_TRAIN_WORKERS: '0' }, 8)).toBe(0);
    expect(parallelWorkerCount('wasm', TrainConfig.parse({ batchSize: 8 }), 50, { LATENT_LAB_TRAIN_WORKERS: '2' }, 1)).toBe(2);
    expect(parallelWorkerCount('tensorflow', cfg, 8000, { LATENT_LAB_TRAIN_WORKERS: '2' }, 8)).toBe(0);
    expect(shouldTrainInParallel('wasm', cfg, 8000, 784, { LATENT_LAB_TRAIN_WORKERS: '0' })).toBe(false);
    expect(shouldTrainInParallel('wasm', cfg, 8000, 784, { LATENT_LAB_TRAIN_WORKERS: '2' })).toBe(true);
    // Without a worker file (e.g. a packaging mistake) training stays on one thread instead of failing.
    expect(
      shouldTrainInParallel('wasm', cfg, 8000, 784, { LATENT_LAB_TRAIN_WORKERS: '2', LATENT_LAB_TRAIN_WORKER_ENTRY: '/nonexistent/train-worker.js' }),
    ).toBe(false);
  });
  it('models too small to gain stay on one thread', () => {
    const mnist = TrainConfig.parse({ batchSize: 256, epochs: 30 });
    expect(denseParamCount(mnist.model, 784)).toBe(784 * 256 + 256 + 2 * (256 * 3 + 3) + 3 * 256 + 256 + 256 * 784 + 784);
    expect(parallelWorkerCount('wasm', mnist, 8000, TFJS, 2, 784, 1)).toBe(2);
    expect(parallelWorkerCount('wasm', mnist, 8000, TFJS, 2, 2, 1)).toBe(0); // toy 2-D data
    expect(parallelWorkerCount('wasm', mnist, 8000, { ...TFJS, LATENT_LAB_TRAIN_WORKERS: '2' }, 2, 2)).toBe(2);
  });
  it('shares split a batch exactly and variables are balanced across workers', () => {
    for (const m of [1, 2, 63, 64, 256]) {
      const [a0, a1] = shareOf(m, 0, 2);
      const [b0, b1] = shareOf(m, 1, 2);
      expect([a0, a1 === b0, b1]).toEqual([0, true, m]);
    }
    const sizes = [200704, 256, 768, 3, 768, 3, 768, 256, 200704, 784];
    const owner = partitionVariables(sizes, 2);
    const load = [0, 1].map((w) => sizes.reduce((s, v, i) => s + (owner[i] === w ? v : 0), 0));
    expect(Math.abs(load[0] - load[1])).toBeLessThan(1000);
    expect(partitionVariables(sizes, 1).every((w) => w === 0)).toBe(true);
  });
});

describe('parallel training', () => {
  for (const dense of [false, true]) {
    it(`one parallel step equals a single-threaded step on the full batch (AE, with L2; ${dense ? 'dense kernels' : 'tfjs'})`, async () => {
      const m = 64;
      const data = synthetic(m, 5);
      const b = tiny('ae', { l2: 1e-3 });
      const want = singleThreadGradient(tiny('ae', { l2: 1e-3 }), data.x, data.y, m, 0, 0);
      const cfg = TrainConfig.parse({ model: b.config, epochs: 1, batchSize: m, seed: 2 });
      const got: Float32Array[] = [];
      await trainModelParallel(b, cfg, { train: data, val: synthetic(6) }, {}, { workers: 2, dense, onGradients: (_s, g) => void got.push(g) });
      expect(got.length).toBe(1);
      // The kernels sum in another order than tfjs: rounding differs a little more.
      expectClose(got[0], want, dense ? 5e-4 : 1e-4);
      expect(backendInfo()!.training).toMatchObject({ kernels: dense ? 'dense' : 'tfjs', threads: 2 });
    });
  }

  it('one worker reproduces the single-threaded VAE step exactly (same noise, β, KL)', async () => {
    const m = 48;
    const data = synthetic(m, 6);
    const b = tiny('cvae');
    const cfg = TrainConfig.parse({ model: b.config, epochs: 1, batchSize: m, seed: 11 });
    // The batch is the whole (shuffled) split: the same rows as the unshuffled data, in the order trainModel uses.
    const { mulberry32, shuffleInPlace } = await import('../../src-main/engine/datasets/random');
    const order = shuffleInPlace(Int32Array.from({ length: m }, (_, i) => i), mulberry32(cfg.seed));
    const xs = new Float32Array(m * 12);
    const ys = new Int32Array(m);
    order.forEach((src, i) => {
      xs.set(data.x.subarray(src * 12, src * 12 + 12), i * 12);
      ys[i] = data.y[src];
    });
    const want = singleThreadGradient(tiny('cvae'), xs, ys, m, b.config.beta, stepSeedOf(cfg.seed, 0));
    const got: Float32Array[] = [];
    await trainModelParallel(b, cfg, { train: data, val: synthetic(6) }, {}, { workers: 1, dense: false, onGradients: (_s, g) => void got.push(g) });
    expectClose(got[0], want, 1e-5);
  });

  it('one tfjs worker on the threaded wasm backend (LATENT_LAB_DENSE=0, ≥ 2 cores) trains the same model as trainModel', async () => {
    const info = backendInfo()!;
    expect(info.trainThreads).toBe(Math.max(1, Math.min(4, os.availableParallelism())));
    const data = { train: synthetic(512, 8), val: synthetic(32, 9) };
    const run = async (parallel: boolean) => {
      const b = tiny('vae', { hidden: [48, 24] });
      const cfg = TrainConfig.parse({ model: b.config, epochs: 3, batchSize: 64, seed: 5 });
      const r = parallel ? await trainModelParallel(b, cfg, data, {}, { workers: 1, dense: false }) : await trainModel(b, cfg, data);
      expect(r.state).toBe('done');
      return flat(b);
    };
    const single = await run(false);
    const worker = await run(true);
    expectClose(worker, single, 1e-5);
    // The worker loaded the threaded build (a fallback would have left a note saying why not).
    expect(backendInfo()!.threadsNote).toBeUndefined();
    expect(backendInfo()!.trainThreads).toBe(info.trainThreads);
    expect(activeTrainWorkers()).toBe(0);
  });

  for (const kind of ['ae', 'vae', 'cvae'] as const) {
    it(`${kind}: loss falls, replicas stay bit-identical, bundle gets their weights, tensor count flat, workers gone`, async () => {
      const b = tiny(kind, kind === 'vae' ? { inputNoise: 0.1, dropout: 0.1, l2: 1e-4, klWarmupEpochs: 2 } : {});
      const train = synthetic(600, 2);
      const val = synthetic(60, 3);
      const cfg = TrainConfig.parse({ model: b.config, epochs: 8, batchSize: 64, learningRate: 1e-2, seed: 4 });
      const before = await evaluate(b, val, { seed: 1 });
      const tensors0 = tf.memory().numTensors;
      const counts: number[] = [];
      const progress: number[] = [];
      let replicas: Float32Array[] = [];
      const r = await trainModelParallel(
        b,
        cfg,
        { train, val },
        { onEpochEnd: () => void counts.push(tf.memory().numTensors), onProgress: (p) => void progress.push(p.epoch) },
        // The VAE case runs tfjs replicas (whose weights are exchanged, so bit-identity means something).
        { workers: 2, dense: kind !== 'vae', onReplicaWeights: (w) => (replicas = w) },
      );
      expect(r.state).toBe('done');
      expect(r.epochsDone).toBe(8);
      expect(r.samplesPerSecond).toBeGreaterThan(0);
      expect(r.lastVal!.loss).toBeLessThan(before.loss);
      const after = await evaluate(b, val, { seed: 1 });
      expect(after.loss).toBeLessThan(before.loss * 0.9);
      expect(replicas.length).toBe(2);
      expect(Buffer.from(replicas[1].buffer).equals(Buffer.from(replicas[0].buffer))).toBe(true);
      expect(Buffer.from(flat(b).buffer).equals(Buffer.from(replicas[0].buffer))).toBe(true);
      expect(new Set(counts).size).toBe(1);
      expect(tf.memory().numTensors).toBe(tensors0);
      expect(new Set(progress)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
      expect(activeTrainWorkers()).toBe(0);
      expect(backendInfo()!.training?.kernels).toBe(kind === 'vae' ? 'tfjs' : 'dense');
    });
  }

  it("the epoch end runs while the workers train on: the hook sees its epoch's weights, reports stay in order", async () => {
    const b = tiny('vae', { hidden: [32, 16] });
    // Small batches: an epoch takes longer than a few of the watcher's polls.
    const cfg = TrainConfig.parse({ model: b.config, epochs: 3, batchSize: 8, seed: 6 });
    const events: string[] = [];
    const hookWeights: Float32Array[] = [];
    const r = await trainModelParallel(
      b,
      cfg,
      { train: synthetic(4096, 4), val: synthetic(16) },
      {
        progressIntervalMs: 0,
        onProgress: (p) => void events.push(p.val ? `val ${p.epoch}` : `batch ${p.epoch}`),
        onEpochEnd: async (epoch) => {
          events.push(`end ${epoch}`);
          const at = events.length;
          const w = flat(b);
          // A slow hook (a checkpoint on a slow disk): the workers go on, but the bundle must not
          // move and no report of the next epoch may come before the hook is done.
          await new Promise((res) => setTimeout(res, 150));
          expect(Array.from(flat(b))).toEqual(Array.from(w));
          expect(events.slice(at)).toEqual([]);
          hookWeights.push(w);
        },
      },
      { workers: 2, syncIntervalMs: 10 },
    );
    expect(r).toMatchObject({ state: 'done', epochsDone: 3 });
    // Per epoch: batches, then its validation report, then its hook, before anything of the next.
    const firstOf = (e: string) => events.indexOf(e);
    const lastOf = (e: string) => events.lastIndexOf(e);
    for (const e of [1, 2]) {
      expect(lastOf(`batch ${e}`)).toBeLessThan(firstOf(`val ${e}`));
      expect(firstOf(`val ${e}`)).toBeLessThan(firstOf(`end ${e}`));
      expect(firstOf(`end ${e}`)).toBeLessThan(firstOf(`batch ${e + 1}`));
    }
    // The last hook saw the final weights; the earlier ones saw earlier weights.
    expect(Array.from(hookWeights[2])).toEqual(Array.from(flat(b)));
    expect(Array.from(hookWeights[1])).not.toEqual(Array.from(hookWeights[2]));
  });

  it('a model too big for the dense kernels trains on tfjs, and the backend info says why', async () => {
    const b = tiny('vae');
    const cfg = TrainConfig.parse({ model: b.config, epochs: 2, batchSize: 64, seed: 3 });
    const r = await trainModelParallel(b, cfg, { train: synthetic(256), val: synthetic(8) }, {}, { workers: 2, denseMaxBytes: 4096 });
    expect(r.state).toBe('done');
    expect(backendInfo()!.training).toMatchObject({ kernels: 'tfjs', threads: 2, note: expect.stringMatching(/dense kernels cannot hold this model: .*GiB.*; training on tfjs/) });
    expect(activeTrainWorkers()).toBe(0);
  });

  it('dense kernels with dropout, input noise, L2 and KL warm-up: the loss falls and the run is reproducible', async () => {
    const run = async () => {
      const b = tiny('vae', { inputNoise: 0.1, dropout: 0.2, l2: 1e-4, klWarmupEpochs: 2 });
      const cfg = TrainConfig.parse({ model: b.config, epochs: 10, batchSize: 64, learningRate: 1e-2, seed: 4 });
      const val = synthetic(60, 3);
      const before = await evaluate(b, val, { seed: 1 });
      const r = await trainModelParallel(b, cfg, { train: synthetic(600, 2), val }, {}, { workers: 2 });
      expect(r.state).toBe('done');
      expect(backendInfo()!.training).toMatchObject({ kernels: 'dense', threads: 2 });
      expect((await evaluate(b, val, { seed: 1 })).loss).toBeLessThan(before.loss * 0.9);
      return flat(b);
    };
    expect(Array.from(await run())).toEqual(Array.from(await run()));
  });

  it('is reproducible for a seed', async () => {
    const run = async () => {
      const b = tiny('vae', { inputNoise: 0.05 });
      const cfg = TrainConfig.parse({ model: b.config, epochs: 2, batchSize: 64, seed: 9 });
      await trainModelParallel(b, cfg, { train: synthetic(256), val: synthetic(8) }, {}, { workers: 2 });
      return flat(b);
    };
    expect(Array.from(await run())).toEqual(Array.from(await run()));
  });

  it('a NaN loss stops the run with DIVERGED naming the epoch and batch; the model keeps finite weights', async () => {
    const b = tiny('vae');
    const train = synthetic(192);
    train.x[150 * 12] = NaN;
    const cfg = TrainConfig.parse({ model: b.config, epochs: 2, batchSize: 192, seed: 1 });
    await expect(trainModelParallel(b, cfg, { train, val: synthetic(10) }, {}, { workers: 2 })).rejects.toMatchObject({
      code: 'DIVERGED',
      message: expect.stringMatching(/epoch 1, batch 1 /),
    });
    expect(flat(b).every(Number.isFinite)).toBe(true);
    expect(activeTrainWorkers()).toBe(0);
  });

  it('DIVERGED names a later batch and epoch', async () => {
    const b = tiny('ae');
    const train = synthetic(256);
    train.x[7 * 12 + 3] = Infinity;
    const cfg = TrainConfig.parse({ model: b.config, epochs: 3, batchSize: 64, seed: 3 });
    // Where row 7 lands in epoch 1's shuffle decides the batch.
    const { mulberry32, shuffleInPlace } = await import('../../src-main/engine/datasets/random');
    const order = shuffleInPlace(Int32Array.from({ length: 256 }, (_, i) => i), mulberry32(cfg.seed));
    const batch = Math.floor(order.indexOf(7) / 64) + 1;
    await expect(trainModelParallel(b, cfg, { train, val: synthetic(10) }, {}, { workers: 2 })).rejects.toMatchObject({
      code: 'DIVERGED',
      message: expect.stringContaining(`at epoch 1, batch ${batch} `),
    });
  });

  it('pause holds the workers (no step runs until resume), resume goes on, stop cancels with the last weights', async () => {
    const b = tiny('ae');
    const control = new TrainControl();
    const cfg = TrainConfig.parse({ model: b.config, epochs: 50, batchSize: 64, seed: 1 });
    const steps: number[] = [];
    const progress = progressCounter();
    const p = trainModelParallel(
      b,
      cfg,
      { train: synthetic(4096), val: synthetic(8) },
      { control, progressIntervalMs: 0, onProgress: progress.tick },
      // (The gradient probe numbers every step the leader takes.)
      { workers: 2, syncIntervalMs: 50, onGradients: (step) => void steps.push(step) },
    );
    await progress.reached(3);
    control.pause();
    expect(await control.whenHeld()).toBe(true);
    // Held: the leader waits before its next step, the engine thread in the control.
    const heldAt = { reports: progress.count, weights: flat(b) };
    await turns(50);
    expect(control.held).toBe(true);
    expect(progress.count).toBe(heldAt.reports);
    expect(Array.from(flat(b))).toEqual(Array.from(heldAt.weights));
    const stepsHeld = steps.length;
    control.resume();
    await progress.reached(heldAt.reports + 3);
    control.stop();
    const r = await p;
    expect(r.state).toBe('cancelled');
    expect(r.epochsDone).toBeLessThan(50);
    expect(flat(b).every(Number.isFinite)).toBe(true);
    // Steps are numbered without a gap or a repeat across the pause, and it went on after it.
    expect(steps).toEqual(steps.map((_, i) => i));
    expect(steps.length).toBeGreaterThan(stepsHeld);
    expect(activeTrainWorkers()).toBe(0);
  });

  it('a pause asked while an epoch ends holds before the next epoch', async () => {
    const b = tiny('ae');
    const control = new TrainControl();
    // One batch per epoch: the pause always meets an epoch end.
    const cfg = TrainConfig.parse({ model: b.config, epochs: 40, batchSize: 64, seed: 2 });
    const progress = progressCounter();
    const p = trainModelParallel(b, cfg, { train: synthetic(64), val: synthetic(8) }, { control, progressIntervalMs: 0, onProgress: progress.tick }, { workers: 2 });
    await progress.reached(2);
    control.pause();
    expect(await control.whenHeld()).toBe(true);
    const held = progress.count;
    await turns(50);
    expect(progress.count).toBeLessThanOrEqual(held + 1); // at most the report of the epoch end in flight
    control.stop();
    expect((await p).state).toBe('cancelled');
  });

  it('copies weights into the bundle while an epoch runs', async () => {
    const b = tiny('ae');
    const w0 = flat(b);
    const cfg = TrainConfig.parse({ model: b.config, epochs: 1, batchSize: 64, seed: 1 });
    let changedMidEpoch = false;
    await trainModelParallel(
      b,
      cfg,
      { train: synthetic(64 * 400), val: synthetic(8) },
      {
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.batch < p.batches && !p.val && flat(b).some((v, i) => v !== w0[i])) changedMidEpoch = true;
        },
      },
      { workers: 2, syncIntervalMs: 20 },
    );
    expect(changedMidEpoch).toBe(true);
  });

  it('the process can exit after a parallel run (no thread left behind)', () => {
    const script = path.join(tmp, 'exit-check.ts');
    const src = (p: string) => JSON.stringify(path.join(ROOT, p));
    writeFileSync(
      script,
      `import { initBackend } from ${src('src-main/engine/backend')};
import { buildModel } from ${src('src-main/engine/models/build')};
import { trainModelParallel } from ${src('src-main/engine/parallel/trainParallel')};
import { ModelConfig, TrainConfig } from ${src('src-shared/types')};
(async () => {
  await initBackend();
  const config = ModelConfig.parse({ kind: 'vae', latentDim: 2, hidden: [8] });
  const b = buildModel({ config, inputDim: 4, numClasses: 1, output: 'gaussian' }, 1);
  const x = Float32Array.from({ length: 128 * 4 }, (_, i) => Math.sin(i));
  const split = { x, y: new Int32Array(128), count: 128 };
  const r = await trainModelParallel(b, TrainConfig.parse({ model: config, epochs: 2, batchSize: 64 }), { train: split, val: split }, {}, { workers: 2 });
  console.log('RESULT ' + r.state);
})();
`,
    );
    const res = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    expect(res.stdout).toContain('RESULT done');
    expect(res.signal).toBeNull();
    expect(res.status).toBe(0);
  });
});

describe('training thread priority', () => {
  it.skipIf(process.platform !== 'linux')('a training thread (and the pool threads it starts) runs at nice 10; the engine thread keeps its priority', async () => {
    const { Worker } = await import('node:worker_threads');
    const { createRequire } = await import('node:module');
    const req = createRequire(__filename);
    const mod = path.join(ROOT, 'src-main/engine/parallel/priority.ts');
    const code = `
      const os = require('os'); const { parentPort, Worker } = require('worker_threads');
      const tid = require(${JSON.stringify(mod)}).lowerThisThreadPriority();
      const child = new Worker("const fs=require('fs'),os=require('os');const t=Number(require('path').basename(fs.readlinkSync('/proc/thread-self')));require('worker_threads').parentPort.postMessage(os.getPriority(t))", { eval: true });
      child.on('message', (p) => parentPort.postMessage({ tid, mine: os.getPriority(tid), child: p }));`;
    const before = os.getPriority();
    const got = await new Promise<{ tid: number; mine: number; child: number }>((resolve, reject) => {
      const w = new Worker(code, { eval: true, execArgv: ['--require', req.resolve('tsx/cjs')] });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    expect(got.tid).toBeGreaterThan(0);
    expect(got.mine).toBe(10);
    expect(got.child).toBe(10);
    expect(os.getPriority()).toBe(before);
  });
});
