/**
 * Trains the in-app classifier (./model.ts) on the training kernels in the training workers
 * (../parallel/: the same worker script, pool, shared control block and step ring as a model's
 * run), so the engine's event loop only orchestrates: it starts each epoch (with that epoch's
 * learning rate), reads the leader's step records for progress, and mirrors a cancel to the
 * workers as a stop. The kernels' plan is ../kernels/dense/classifierPlan.ts; the weights come
 * back as one flat array in the tfjs model's `trainableWeights` order.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError, TrainConfig } from '../../../src-shared/types';
import { mulberry32, shuffleInPlace } from '../datasets/random';
import { planClassifier, type ClassifierLayers } from '../kernels/dense/classifierPlan';
import { createDenseMemory } from '../kernels/dense/densePlan';
import { kernelModule, variantOf } from '../kernels/dense/kernelModule';
import type { SplitData } from '../metrics';
import { shareArray } from '../parallel/runSetup';
import { rowKind } from '../datasets/rows';
import { SharedControl } from '../parallel/sharedControl';
import { availableCores, forcedWorkerCount, MAX_DENSE_WORKERS } from '../parallel/workerCount';
import { CTL, REC, RING_SLOTS, STATE_STOP, type FromWorker, type SharedBuffers, type WorkerInit } from '../parallel/workerMessages';
import { WorkerPool } from '../parallel/workerPool';
import { EtaClock } from '../eta';
import { learningRateAt, type ClassifierTraining } from './model';

/** A progress report of the classifier's training. */
export interface ClassifierTrainProgress {
  /** 1-based epoch and batch. */
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean cross-entropy (nats) of the epoch so far. */
  loss: number;
  samplesPerSecond: number;
  /**
   * Seconds left (../eta.ts `EtaClock`); absent during the first epoch of each start or resume,
   * whose pace is the warm-up's and whatever else the machine did as it began (a new user saw
   * "~32 min left" for a training that took 7).
   */
  etaSeconds?: number;
}

/** The training's state at an epoch's end: what it needs to go on from the next epoch. */
export interface ClassifierCheckpoint {
  /** Epochs done (1-based: the next epoch is `epoch + 1`). */
  epoch: number;
  /** Optimiser steps done (Adam's bias correction and the per-step seeds count from it). */
  step: number;
  /** Workers the training ran on (a resume runs on as many). */
  workers: number;
  /** Weights in `trainableWeights` order, and Adam's first and second moments (same order and length). */
  weights: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

export interface ClassifierTrainResult {
  /** Trained weights in `trainableWeights` order. */
  weights: Float32Array;
  seconds: number;
  workers: number;
  /** Which kernels build trained it. */
  simd: 'relaxed' | 'plain';
}

/** Fewest rows a worker takes of a batch. */
const MIN_ROWS_PER_WORKER = 16;
/** How often the orchestrator looks at the workers (ms). */
const WATCH_MS = 50;

/** Workers for a batch: `LATENT_LAB_TRAIN_WORKERS` when set (≥ 1), else one per core up to 4 with ≥ 16 rows each. */
export function classifierWorkers(batchSize: number, env: NodeJS.ProcessEnv = process.env, cores = availableCores()): number {
  const forced = forcedWorkerCount(env);
  if (forced !== null && forced > 0) return forced;
  return Math.max(1, Math.min(cores, MAX_DENSE_WORKERS, Math.floor(batchSize / MIN_ROWS_PER_WORKER)));
}

export interface TrainWeightsOptions {
  signal?: AbortSignal;
  onProgress?: (p: ClassifierTrainProgress) => void;
  progressMs?: number;
  /** Workers (default `classifierWorkers`; a `resume` runs on its own count). */
  workers?: number;
  /** Go on from this checkpoint (its weights replace `initial`). Throws when it does not fit the plan or the epochs. */
  resume?: ClassifierCheckpoint;
  /** Called at each epoch's end but the last (awaited before the next epoch starts); its errors end the training. */
  onEpochEnd?: (cp: ClassifierCheckpoint) => Promise<void>;
}

/**
 * Trains `layers` from `initial` weights on `train` (rows flat H·W·C, labels in [0, classes)).
 * Calls `onProgress` about every `progressMs`. Throws LabError('CANCELLED') when `signal` aborts
 * (the workers stop before their next step), LabError('DIVERGED') on a NaN/Inf loss,
 * TrainWorkersUnavailable when the workers cannot start, or the first worker failure.
 */
export async function trainClassifierWeights(
  layers: ClassifierLayers,
  training: ClassifierTraining,
  initial: Float32Array,
  train: SplitData,
  opts: TrainWeightsOptions = {},
): Promise<ClassifierTrainResult> {
  if (opts.signal?.aborted) throw new LabError('CANCELLED', 'the classifier training was cancelled');
  const n = train.count;
  const bs = Math.min(training.batchSize, n);
  const resume = opts.resume;
  const problem = resume && resumeProblem(resume, initial.length, training, n);
  if (problem) throw new Error(`classifier: cannot resume from the checkpoint: ${problem}`);
  const W = resume?.workers ?? opts.workers ?? classifierWorkers(bs);
  const plan = planClassifier(layers, Math.ceil(bs / W), W);
  if (plan.P !== initial.length) throw new Error(`classifier: ${initial.length} weights for a plan of ${plan.P}`);
  const memory = createDenseMemory(plan);
  const view = (offset: number) => new Float32Array(memory.buffer, offset, plan.P);
  view(plan.w).set(resume?.weights ?? initial);
  if (resume) {
    view(plan.m).set(resume.m);
    view(plan.v).set(resume.v);
  }
  const module = kernelModule();
  // What the workers' epoch loop reads of a run's config: batch, seed, learning rate, no L2, no β.
  const cfg = TrainConfig.parse({ model: { kind: 'ae' }, epochs: training.epochs, batchSize: bs, learningRate: training.learningRate, seed: training.seed });
  const D = plan.inputDim;
  const shared: SharedBuffers = {
    ctl: new SharedArrayBuffer(CTL.SIZE * 4),
    grads: new SharedArrayBuffer(0),
    losses: new SharedArrayBuffer(W * 2 * 8),
    params: new SharedArrayBuffer(0),
    weights: new SharedArrayBuffer(plan.P * 4),
    ring: new SharedArrayBuffer(RING_SLOTS * REC.SIZE * 8),
    // Whole arrays where they are whole (a shared copy is memoised per array object).
    x: shareArray(train.x.length === n * D ? train.x : train.x.subarray(0, n * D)),
    xKind: rowKind(train.x),
    y: shareArray(train.y.length === n ? train.y : train.y.subarray(0, n)),
  };
  const inits = Array.from({ length: W }, (_, index): WorkerInit => ({
    index,
    workers: W,
    backend: tf.getBackend(),
    // The kernels' stepper reads the plan, not the spec (which only a tfjs replica builds from).
    spec: { config: cfg.model, inputDim: D, numClasses: layers.classes, output: 'bernoulli' },
    cfg,
    weights: resume?.weights ?? initial,
    shapes: plan.tensors.map((t) => t.shape),
    n,
    shared,
    probeGradients: false,
    dense: { plan, memory, module },
  }));
  const control = new SharedControl(shared);
  const pool = new WorkerPool(control);
  const t0 = performance.now();
  try {
    pool.start(inits);
    await pool.ready();
    // Adam's moments as they stand (read between epochs, when no worker writes them).
    const moments = () => ({ m: view(plan.m).slice(), v: view(plan.v).slice() });
    const weights = await runEpochs(pool, control, training, n, bs, { ...opts, workers: W, moments });
    return { weights, seconds: (performance.now() - t0) / 1000, workers: W, simd: variantOf(module) === 'relaxed-simd' ? 'relaxed' : 'plain' };
  } finally {
    await pool.close();
  }
}

/**
 * Why `cp` cannot continue a training of `P` weights over `n` samples with `training`'s epochs
 * and batch size, in words; null when it can.
 */
export function resumeProblem(cp: ClassifierCheckpoint, P: number, training: Pick<ClassifierTraining, 'epochs' | 'batchSize'>, n: number): string | null {
  const batches = Math.ceil(n / Math.min(training.batchSize, n));
  const sizes = [cp.weights.length, cp.m.length, cp.v.length];
  if (sizes.some((s) => s !== P)) return `it holds ${sizes.join('/')} values for a model of ${P} weights`;
  if (!(Number.isInteger(cp.epoch) && cp.epoch >= 1 && cp.epoch < training.epochs)) return `it is at epoch ${cp.epoch} of ${training.epochs}`;
  if (cp.step !== cp.epoch * batches) return `it counts ${cp.step} steps, not ${cp.epoch * batches} (${cp.epoch} × ${batches} batches)`;
  if (!(Number.isInteger(cp.workers) && cp.workers >= 1 && cp.workers <= 64)) return `it was trained on ${cp.workers} workers`;
  return null;
}

/** The epochs, orchestrated (from `resume`'s next one): returns the leader's weights after the last one. */
async function runEpochs(
  pool: WorkerPool,
  control: SharedControl,
  training: ClassifierTraining,
  n: number,
  bs: number,
  opts: TrainWeightsOptions & { workers: number; moments: () => { m: Float32Array; v: Float32Array } },
): Promise<Float32Array> {
  const batches = Math.ceil(n / bs);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = mulberry32(training.seed);
  const first = (opts.resume?.epoch ?? 0) + 1;
  // The shuffles of the epochs done, replayed: the order and the generator continue as they were.
  for (let e = 1; e < first; e++) shuffleInPlace(order, rng);
  const t0 = performance.now();
  const done0 = (first - 1) * n;
  // The time left by the training runs' clock (../eta.ts): the rate over the last epoch's batches,
  // so a machine busy and then free again (a training beside the classifier) is followed.
  const eta = new EtaClock({ samplesPerEpoch: n, epochs: training.epochs });
  let step = opts.resume?.step ?? 0;
  let lastEmit = 0;
  let weights: Float32Array | null = null;
  for (let epoch = first; epoch <= training.epochs; epoch++) {
    if (opts.signal?.aborted) throw new LabError('CANCELLED', 'the classifier training was cancelled');
    shuffleInPlace(order, rng);
    control.startEpoch();
    pool.broadcast({ type: 'epoch', epoch, order, step, learningRate: learningRateAt(training, epoch) });
    const ends: FromWorker[] = [];
    while (ends.length < pool.size) {
      await pool.nextEvent(WATCH_MS);
      pool.throwIfFailed();
      if (opts.signal?.aborted) control.setState(STATE_STOP);
      ends.push(...pool.take(['epochDone', 'stopped', 'diverged']));
      const r = control.latest(epoch, step);
      const now = performance.now();
      if (r) eta.batch(now, (epoch - 1) * n + r.sumN, (epoch - first) * batches + r.batch);
      // Not once cancelled: a report after the cancel's answer would read as training again (the status bar's Start hidden).
      if (r && opts.onProgress && !opts.signal?.aborted && now - lastEmit >= (opts.progressMs ?? 500)) {
        lastEmit = now;
        const done = (epoch - 1) * n + r.sumN;
        const rate = eta.samplesPerSecond() ?? (done - done0) / Math.max((now - t0) / 1000, 1e-6);
        const etaSeconds = epoch > first ? (eta.seconds(now) ?? (training.epochs * n - done) / Math.max(rate, 1e-6)) : undefined;
        opts.onProgress({ epoch, epochs: training.epochs, batch: r.batch, batches, loss: r.sumRecon / r.sumN, samplesPerSecond: rate, ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
      }
    }
    const diverged = ends.find((e) => e.type === 'diverged');
    if (diverged) throw new LabError('DIVERGED', `the classifier's loss became NaN/Inf in epoch ${epoch}`);
    const leader = ends.find((e) => e.index === 0);
    if (!leader || leader.type !== 'epochDone' || !leader.weights) throw new LabError('CANCELLED', 'the classifier training was cancelled');
    step = leader.steps;
    weights = leader.weights;
    if (opts.onEpochEnd && epoch < training.epochs) {
      eta.epochEndStart(performance.now());
      await opts.onEpochEnd({ epoch, step, workers: opts.workers, weights, ...opts.moments() });
      eta.epochEndDone(performance.now());
    }
  }
  if (!weights) throw new Error('classifier: no epoch ran');
  return weights;
}
