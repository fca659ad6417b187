/**
 * Data-parallel training on worker threads. `trainModelParallel` has `trainModel`'s signature
 * and semantics (same seeded shuffle, β warm-up, progress/epoch hooks, pause/resume/stop,
 * DIVERGED naming epoch and batch) but runs the steps in N workers (./worker.ts), each taking its
 * share of every batch; the gradient of the batch's mean loss is the sum of the shares.
 * By default the workers run the dense kernels (../kernels/dense) on one shared memory holding
 * the weights, Adam's moments and every share: each runs Adam on the tensors it owns and the
 * others read the result in place. With `LATENT_LAB_DENSE=0` (or a model `denseUnsupported`
 * refuses) the workers train tfjs replicas instead (./tfStepper.ts), exchanging shares and
 * updated variables through SharedArrayBuffers so all replicas stay bit-identical.
 * Differences from trainModel: the dense kernels draw the reparameterisation and input noise
 * from their own seeded generator; tfjs worker k > 0 draws its rows' noise from seeds derived
 * from the step seed and k; a NaN/Inf loss is caught before the update (the weights stay the
 * last good ones). The main thread only orchestrates: it stays free to answer requests, reads
 * per-step losses from shared memory, and copies the weights back into `bundle` (the model used
 * for inference, snapshots and checkpoints) at every epoch end, about every second while an
 * epoch runs, and when the run stops. Validation runs on the main thread with `evaluate`.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { LabError, type LossParts, type TrainConfig } from '../../../src-shared/types';
import { mulberry32, shuffleInPlace } from '../datasets/random';
import type { SplitData } from '../metrics';
import { backendInfo, noteTrainPath, noteTrainThreads } from '../backend';
import { countParams, trainableVariables, type ModelBundle, type ModelSpec } from '../models/build';
import { createDenseMemory, denseUnsupported, planDense, type DensePlan } from '../kernels/dense/denseNet';
import { kernelModule } from '../kernels/dense/kernelModule';
import { finishEpoch, mkParts, TrainControl, type TrainHooks, type TrainResult } from '../train';
import {
  CTL,
  REC,
  RING_SLOTS,
  STATE_PAUSE,
  STATE_RUN,
  STATE_STOP,
  type FromWorker,
  type SharedBuffers,
  type ToWorker,
  type WorkerInit,
} from './protocol';
import { resolveWorkerEntry, spawnTrainWorker } from './spawn';

/** Smallest batch worth splitting (each worker gets ≥ 32 rows). */
export const MIN_PARALLEL_BATCH = 64;

/** `LATENT_LAB_TRAIN_WORKERS`: a forced worker count (1–16), or null when unset/invalid. */
export function forcedWorkerCount(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.LATENT_LAB_TRAIN_WORKERS?.trim();
  if (!raw) return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 16 ? n : null;
}

/** Smallest model worth splitting (trainable parameters): below it the per-step exchange dominates. */
export const MIN_PARALLEL_PARAMS = 50_000;

/** Dense parameter count of the model a config builds (encoder + mirrored decoder). */
export function denseParamCount(model: TrainConfig['model'], inputDim: number, numClasses = 10): number {
  return countParams({ config: model, inputDim, numClasses, output: 'bernoulli' });
}

/**
 * Fewest samples (epochs × training set) a run must process before the workers pay back their
 * start-up (~3 CPU-s to load tfjs and compile wasm twice): about 25 s of single-threaded work.
 */
export const MIN_PARALLEL_SAMPLES = 100_000;

/** Most workers the dense kernels split a batch across. */
export const MAX_DENSE_WORKERS = 4;

/**
 * Why the dense kernels will not train this model here (null: they will). `LATENT_LAB_DENSE=0`
 * turns them off (the workers then train on tfjs).
 */
export function denseOff(model: TrainConfig['model'], env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env.LATENT_LAB_DENSE?.trim();
  if (raw === '0') return 'LATENT_LAB_DENSE=0';
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer';
  return denseUnsupported({ config: model, inputDim: 1, numClasses: 1, output: 'bernoulli' });
}

/**
 * Worker count to train with: 0 = train on the calling thread (`trainModel`).
 * Dense kernels (wasm or cpu backend, a model they support): 1 worker for models under 50k
 * parameters or batches under 64 (the per-step barriers would cost more than a second thread
 * gains), else one per core up to 4 with ≥ 32 rows each.
 * tfjs workers (`LATENT_LAB_DENSE=0`): 2 on wasm with ≥ 2 cores, a batch ≥ 64, a run
 * of ≥ 100k samples (epochs × training set) and (when `inputDim` is given) a model of ≥ 50k
 * parameters; 1 (with the threaded backend inside it) when the engine's wasm backend runs on
 * several threads.
 * `LATENT_LAB_TRAIN_WORKERS=0|1|2…` forces the count (wasm and cpu only).
 */
export function parallelWorkerCount(
  backendName: string,
  cfg: TrainConfig,
  trainCount: number,
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableCores(),
  inputDim?: number,
  wasmThreads: number = backendInfo()?.trainThreads ?? 1,
): number {
  if (backendName !== 'wasm' && backendName !== 'cpu') return 0;
  const forced = forcedWorkerCount(env);
  if (forced !== null) return forced;
  const bs = Math.min(cfg.batchSize, trainCount);
  if (denseOff(cfg.model, env) === null) {
    const small = bs < MIN_PARALLEL_BATCH || (inputDim !== undefined && denseParamCount(cfg.model, inputDim) < MIN_PARALLEL_PARAMS);
    if (small || cores < 2) return 1;
    return Math.max(1, Math.min(cores, MAX_DENSE_WORKERS, Math.floor(bs / 32)));
  }
  if (backendName !== 'wasm') return 0;
  // With the threaded wasm backend one worker uses the cores for every step's matmuls (measured
  // end to end it trains as fast as two single-threaded workers, without their per-step
  // exchange); it still trains off the engine's thread, which stays free to answer requests.
  const oneWorker = wasmThreads > 1;
  if (cores < 2 || bs < MIN_PARALLEL_BATCH || trainCount < 2 * MIN_PARALLEL_BATCH) return 0;
  if (cfg.epochs * trainCount < MIN_PARALLEL_SAMPLES) return 0;
  if (inputDim !== undefined && denseParamCount(cfg.model, inputDim) < MIN_PARALLEL_PARAMS) return 0;
  return oneWorker ? 1 : 2;
}

/**
 * True when training should run in worker threads (see `parallelWorkerCount`); `inputDim`
 * (optional) lets it skip models too small to gain from splitting.
 */
export function shouldTrainInParallel(
  backendName: string,
  cfg: TrainConfig,
  trainCount: number,
  inputDim?: number,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (parallelWorkerCount(backendName, cfg, trainCount, env, availableCores(), inputDim) === 0) return false;
  try {
    resolveWorkerEntry(env); // e.g. a packaged app without the worker file: train on one thread
    return true;
  } catch {
    return false;
  }
}

function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export interface ParallelOptions {
  /** Number of workers; default from `parallelWorkerCount` (at least 1). */
  workers?: number;
  /** Test hook: every step's combined gradient (concatenated in `trainableVariables` order). */
  onGradients?: (step: number, grads: Float32Array) => void;
  /** Test hook: every replica's weights when the run finishes (state 'done'). */
  onReplicaWeights?: (weights: Float32Array[]) => void;
  /** Milliseconds between mid-epoch weight copies into `bundle` (default 1000). */
  syncIntervalMs?: number;
  /** wasm threads of a lone worker's backend (default `BackendInfo.trainThreads`; several workers get 1 each). */
  wasmThreads?: number;
  /** Train on the dense kernels (default: when `denseOff` has no objection) or on tfjs replicas. */
  dense?: boolean;
  /** Test hook: the most memory the dense kernels may take (default: what wasm32 addresses). */
  denseMaxBytes?: number;
}

/** How long workers may take to load tfjs and build their replicas. */
export const WORKER_START_TIMEOUT_MS = 60_000;

/** The workers could not start (missing or broken worker file, no threads…); no step was taken. */
export class TrainWorkersUnavailable extends Error {
  constructor(reason: string) {
    super(`training workers unavailable: ${reason}`);
    this.name = 'TrainWorkersUnavailable';
  }
}

/** Shared copies of training arrays, reused across runs on the same dataset. */
const sharedCopies = new WeakMap<ArrayBufferView, SharedArrayBuffer>();
function shareArray(a: Float32Array | Int32Array): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  let sab = sharedCopies.get(a);
  if (!sab) {
    sab = new SharedArrayBuffer(a.byteLength);
    new Uint8Array(sab).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    sharedCopies.set(a, sab);
  }
  return sab;
}

let liveWorkers = 0;
/** Training worker threads currently alive (0 when no parallel run is going on). */
export function activeTrainWorkers(): number {
  return liveWorkers;
}

/** Copies flat weights (trainableVariables order) into the bundle's variables. */
function assignFlat(vars: tf.Variable[], flat: Float32Array): void {
  let off = 0;
  for (const v of vars) {
    const t = tf.tensor(flat.slice(off, off + v.size), v.shape);
    v.assign(t);
    t.dispose();
    off += v.size;
  }
}

function flatWeights(vars: tf.Variable[]): Float32Array {
  const P = vars.reduce((s, v) => s + v.size, 0);
  const out = new Float32Array(P);
  let off = 0;
  for (const v of vars) {
    out.set(v.dataSync() as Float32Array, off);
    off += v.size;
  }
  return out;
}

type EpochEnd =
  | { kind: 'done'; steps: number; weights: Float32Array }
  | { kind: 'stopped'; batch: number; steps: number; weights: Float32Array }
  | { kind: 'diverged'; batch: number; recon: number; kl: number };

export async function trainModelParallel(
  bundle: ModelBundle,
  cfg: TrainConfig,
  data: { train: SplitData; val: SplitData },
  hooks: TrainHooks = {},
  options: ParallelOptions = {},
): Promise<TrainResult> {
  const control = hooks.control ?? new TrainControl();
  const interval = hooks.progressIntervalMs ?? 250;
  const syncInterval = options.syncIntervalMs ?? 1000;
  const { train } = data;
  const n = train.count;
  const bs = Math.min(cfg.batchSize, n);
  const batches = Math.ceil(n / bs);
  const W = Math.max(1, options.workers ?? (parallelWorkerCount(tf.getBackend(), cfg, n, process.env, availableCores(), bundle.inputDim) || 1));
  const vars = trainableVariables(bundle);
  const P = vars.reduce((s, v) => s + v.size, 0);
  const spec: ModelSpec = { config: bundle.config, inputDim: bundle.inputDim, numClasses: bundle.numClasses, output: bundle.output };
  const initial = flatWeights(vars);
  const shapes = vars.map((v) => v.shape.slice());
  // tfjs workers: a single one runs the whole batch on the threaded backend (if the engine has
  // one); several share the cores, one thread each. (The dense kernels run one thread per worker.)
  let tfjsThreads = W === 1 ? (options.wasmThreads ?? backendInfo()?.trainThreads ?? 1) : 1;
  let dense: WorkerInit['dense'];
  let denseNote: string | undefined;
  if (options.dense ?? denseOff(cfg.model) === null) {
    try {
      dense = denseSetup(spec, shapes, initial, Math.ceil(bs / W), W, options.denseMaxBytes);
    } catch (err) {
      // Too big for a wasm32 memory (or the memory cannot be had): tfjs trains it instead.
      if (!(err instanceof DenseMemoryError)) throw err;
      denseNote = `${err.message}; training on tfjs`;
    }
  }

  const shared: SharedBuffers = {
    ctl: new SharedArrayBuffer(CTL.SIZE * 4),
    // The dense kernels keep gradients and weights in their own shared memory.
    grads: new SharedArrayBuffer(dense ? 0 : W * P * 4),
    losses: new SharedArrayBuffer(W * 2 * 8),
    params: new SharedArrayBuffer(dense ? 0 : P * 4),
    weights: new SharedArrayBuffer(P * 4),
    ring: new SharedArrayBuffer(RING_SLOTS * REC.SIZE * 8),
    x: shareArray(train.x.subarray(0, n * bundle.inputDim)),
    y: shareArray(train.y.subarray(0, n)),
  };
  const ctl = new Int32Array(shared.ctl);
  const ring = new Float64Array(shared.ring);
  const syncView = new Float32Array(shared.weights);

  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  let failure: Error | null = null;
  /** The previous epoch's end work, while it runs beside the next epoch (see `settle`). */
  let ending: EpochEnding | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const inbox: FromWorker[] = [];
  const fail = (err: Error) => {
    if (!failure) failure = err;
    Atomics.store(ctl, CTL.ABORT, 1);
    Atomics.notify(ctl, CTL.BAR_GEN);
    Atomics.notify(ctl, CTL.STATE);
    poke();
  };

  let rate = 0;
  let lastVal: LossParts | null = null;
  let epochsDone = 0;
  try {
    for (let i = 0; i < W; i++) {
      const init: WorkerInit = {
        index: i,
        workers: W,
        backend: tf.getBackend(),
        wasmThreads: tfjsThreads,
        spec,
        cfg,
        weights: initial,
        shapes,
        n,
        shared,
        probeGradients: Boolean(options.onGradients),
        dense,
      };
      const w = spawnTrainWorker(init);
      liveWorkers++;
      exited.push(
        new Promise<void>((res) =>
          w.once('exit', (code) => {
            liveWorkers--;
            if (code !== 0 && !Atomics.load(ctl, CTL.ABORT)) fail(new Error(`training worker ${i} exited with code ${code}`));
            res();
          }),
        ),
      );
      w.on('message', (m: FromWorker) => {
        if (m.type === 'error') fail(new Error(`training worker ${m.index}: ${m.message}`));
        else if (m.type === 'grads') options.onGradients?.(m.step, m.grads);
        else inbox.push(m);
        poke();
      });
      w.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
      workers.push(w);
    }

    /** Waits for a message (or a failure), at most `ms`. */
    const nextEvent = (ms: number) =>
      new Promise<void>((res) => {
        if (inbox.length || failure) return res();
        const t = setTimeout(() => {
          wake = null;
          res();
        }, ms);
        wake = () => {
          clearTimeout(t);
          res();
        };
      });
    const take = <T extends FromWorker['type']>(types: T[]): Extract<FromWorker, { type: T }>[] => {
      const got: Extract<FromWorker, { type: T }>[] = [];
      for (let i = 0; i < inbox.length; ) {
        if ((types as string[]).includes(inbox[i].type)) got.push(inbox.splice(i, 1)[0] as Extract<FromWorker, { type: T }>);
        else i++;
      }
      return got;
    };
    const check = () => {
      if (failure) throw failure;
    };

    // All replicas ready. A worker that fails or hangs here never trained a step: the caller
    // can train on its own thread instead (TrainWorkersUnavailable).
    let ready = 0;
    const startBy = performance.now() + WORKER_START_TIMEOUT_MS;
    while (ready < W) {
      await nextEvent(1000);
      if (!failure && performance.now() > startBy) fail(new Error(`the training workers did not start within ${WORKER_START_TIMEOUT_MS / 1000} s`));
      const failed = failure as Error | null; // (set by callbacks: TypeScript cannot see it change)
      if (failed) throw new TrainWorkersUnavailable(failed.message);
      for (const r of take(['ready'])) {
        ready++;
        // A lone worker that could not load the threaded build trains on one thread: say so.
        const fallback = r.overrides.find((o) => o.startsWith('wasm: 1 thread ('));
        if (fallback) {
          tfjsThreads = 1;
          noteTrainThreads(1, `training ${fallback.slice('wasm: '.length)}`);
        }
      }
    }
    noteTrainPath(dense ? 'dense' : 'tfjs', dense ? W : W * tfjsThreads, denseNote);

    const rng = mulberry32(cfg.seed);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    let step = 0;
    const t0 = performance.now();
    let samplesBefore = 0;

    // The end of an epoch (validation, its progress report, the epoch hook: checkpoint, snapshot)
    // runs on this thread while the workers already train the next one; `settle` waits for it.
    // Until it is done no batch progress is emitted (reports stay in order) and no mid-epoch
    // weights are copied into `bundle` (the hook reads the epoch's weights from it).
    const settle = async () => {
      if (!ending) return;
      const e = ending;
      ending = null;
      lastVal = await e.done;
      epochsDone = e.epoch;
    };
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      shuffleInPlace(order, rng);
      // trainModel checks before every batch; the workers check before batches 2…; this is batch 1's.
      if (!(await control.checkpoint())) {
        await settle();
        return { state: 'cancelled', epochsDone, samplesPerSecond: rate, lastVal };
      }
      Atomics.store(ctl, CTL.STATE, STATE_RUN);
      Atomics.store(ctl, CTL.SYNC, 0);
      const epochStart = performance.now();
      let lastEmit = 0;
      let lastSync = epochStart;
      let seenSteps = step;
      const ends: FromWorker[] = [];
      for (const w of workers) w.postMessage({ type: 'epoch', epoch, order, step } satisfies ToWorker);

      const latest = (): { batch: number; sumRecon: number; sumKl: number; sumN: number; beta: number } | null => {
        const done = Atomics.load(ctl, CTL.STEPS);
        if (done <= step) return null;
        const slot = (done % RING_SLOTS) * REC.SIZE;
        const rec = {
          epoch: ring[slot + REC.EPOCH],
          batch: ring[slot + REC.BATCH],
          sumRecon: ring[slot + REC.SUM_RECON],
          sumKl: ring[slot + REC.SUM_KL],
          sumN: ring[slot + REC.SUM_N],
          beta: ring[slot + REC.BETA],
        };
        // The slot is rewritten only RING_SLOTS steps later: a read that raced with it is dropped.
        if (Atomics.load(ctl, CTL.STEPS) - done >= RING_SLOTS - 1 || rec.epoch !== epoch) return null;
        return rec;
      };
      const emitBatch = (r: NonNullable<ReturnType<typeof latest>>, now: number) => {
        lastEmit = now;
        const epochRate = r.sumN / Math.max((now - epochStart) / 1000, 1e-6);
        const remaining = (cfg.epochs - epoch) * n + (n - r.sumN);
        hooks.onProgress?.({
          epoch,
          epochs: cfg.epochs,
          batch: r.batch,
          batches,
          samplesPerSecond: epochRate,
          etaSeconds: remaining / Math.max(epochRate, 1e-6),
          train: mkParts(r.sumRecon / r.sumN, r.sumKl / r.sumN, r.beta),
          beta: r.beta,
        });
      };

      // Watch the epoch: mirror pause/stop, emit progress, pull weights about every second.
      while (ends.length < W) {
        await nextEvent(20);
        check();
        const ended = !ending || ending.settled;
        ends.push(...take(['epochDone', 'stopped', 'diverged']));
        if (ends.length >= W) break;
        if (control.state === 'paused') {
          Atomics.store(ctl, CTL.STATE, STATE_PAUSE);
          const go = await control.checkpoint(); // holds until resume() or stop()
          Atomics.store(ctl, CTL.STATE, go ? STATE_RUN : STATE_STOP);
          Atomics.notify(ctl, CTL.STATE);
        } else if (control.state === 'stopping') {
          Atomics.store(ctl, CTL.STATE, STATE_STOP);
          Atomics.notify(ctl, CTL.STATE);
        }
        const now = performance.now();
        const done = Atomics.load(ctl, CTL.STEPS);
        if (done > seenSteps) {
          seenSteps = done;
          const r = latest();
          if (r) {
            rate = (samplesBefore + r.sumN) / ((now - t0) / 1000);
            if (hooks.onProgress && ended && now - lastEmit >= interval && r.batch < batches) emitBatch(r, now);
          }
        }
        const sync = ended ? Atomics.load(ctl, CTL.SYNC) : -1;
        if (sync === 2) {
          assignFlat(vars, syncView);
          Atomics.store(ctl, CTL.SYNC, 0);
          lastSync = now;
        } else if (sync === 0 && now - lastSync >= syncInterval) {
          Atomics.store(ctl, CTL.SYNC, 1);
        }
      }

      // Epoch over (or stopped / diverged): all workers have reported. The previous epoch's end
      // (its checkpoint) completes first.
      const end = epochEnd(ends);
      await settle();
      if (end.kind === 'diverged') {
        const { recon, kl } = end;
        throw new LabError(
          'DIVERGED',
          `training diverged: the loss became ${Number.isNaN(recon + kl) ? 'NaN' : 'infinite'} at epoch ${epoch}, batch ${end.batch} ` +
            `(try a lower learning rate than ${cfg.learningRate})`,
        );
      }
      assignFlat(vars, end.weights);
      if (end.kind === 'stopped') {
        const r = end.steps > step ? latest() : null;
        if (r) rate = (samplesBefore + r.sumN) / ((performance.now() - t0) / 1000);
        return { state: 'cancelled', epochsDone, samplesPerSecond: rate, lastVal };
      }
      const r = latest();
      if (!r || r.batch !== batches) throw new Error('parallel trainer: the last step record of the epoch is missing');
      step = end.steps;
      samplesBefore += r.sumN;
      const now = performance.now();
      rate = samplesBefore / ((now - t0) / 1000);
      if (hooks.onProgress) emitBatch(r, now);
      const done = finishEpoch(bundle, cfg, data.val, hooks, {
        epoch,
        batches,
        n,
        rate,
        sumRecon: r.sumRecon,
        sumKl: r.sumKl,
        sumN: r.sumN,
      });
      const e: EpochEnding = { epoch, done, settled: false };
      ending = e;
      // Handled here (a failure is re-thrown by `settle`); it also wakes the watcher.
      done.then(
        () => {
          e.settled = true;
          poke();
        },
        (err: unknown) => {
          e.settled = true;
          fail(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }

    await settle();
    if (options.onReplicaWeights) {
      for (const w of workers) w.postMessage({ type: 'dump' } satisfies ToWorker);
      const got: Extract<FromWorker, { type: 'weights' }>[] = [];
      while (got.length < W) {
        await nextEvent(1000);
        check();
        got.push(...take(['weights']));
      }
      options.onReplicaWeights(got.sort((a, b) => a.index - b.index).map((g) => g.weights));
    }
    return { state: 'done', epochsDone, samplesPerSecond: rate, lastVal };
  } finally {
    // An epoch end still running (e.g. the workers failed meanwhile) must not outlive the run.
    await (ending as EpochEnding | null)?.done.catch(() => undefined); // (cast: set in the loop)
    Atomics.store(ctl, CTL.ABORT, 1);
    Atomics.notify(ctl, CTL.BAR_GEN);
    Atomics.notify(ctl, CTL.STATE);
    await Promise.all(workers.map((w) => w.terminate()));
    await Promise.all(exited);
  }
}

/** The dense kernels cannot have the memory a model needs (the run falls back to tfjs). */
class DenseMemoryError extends Error {}

/**
 * The dense kernels' layout and shared memory for this run, holding the initial weights (Adam's
 * moments start at zero). The layout must list the model's variables in the same order and
 * shapes: anything else is a bug, not a fallback.
 */
function denseSetup(
  spec: ModelSpec,
  shapes: number[][],
  initial: Float32Array,
  rows: number,
  workers: number,
  maxBytes?: number,
): { plan: DensePlan; memory: WebAssembly.Memory; module: WebAssembly.Module } {
  let plan: DensePlan;
  let memory: WebAssembly.Memory;
  try {
    plan = planDense(spec, rows, workers, maxBytes);
  } catch (err) {
    throw new DenseMemoryError(`the dense kernels cannot hold this model: ${(err as Error).message}`);
  }
  const got = plan.tensors.map((t) => t.shape.join('x')).join(', ');
  const want = shapes.map((s) => s.join('x')).join(', ');
  if (got !== want) throw new Error(`dense kernels: layout [${got}] does not match the model's variables [${want}]`);
  try {
    memory = createDenseMemory(plan);
  } catch (err) {
    throw new DenseMemoryError(`the dense kernels could not get ${(plan.bytes / 2 ** 20).toFixed(0)} MiB of memory: ${(err as Error).message}`);
  }
  new Float32Array(memory.buffer, plan.w, plan.P).set(initial);
  return { plan, memory, module: kernelModule() };
}

/** An epoch's end work running on the main thread while the workers train the next epoch. */
interface EpochEnding {
  epoch: number;
  done: Promise<LossParts>;
  settled: boolean;
}

/** Combines the workers' end-of-epoch reports (they agree by construction; the leader carries the weights). */
function epochEnd(ends: FromWorker[]): EpochEnd {
  const div = ends.find((e) => e.type === 'diverged');
  if (div && div.type === 'diverged') return { kind: 'diverged', batch: div.batch, recon: div.recon, kl: div.kl };
  const leader = ends.find((e) => e.index === 0);
  if (leader?.type === 'stopped' && leader.weights) return { kind: 'stopped', batch: leader.batch, steps: leader.steps, weights: leader.weights };
  if (leader?.type === 'epochDone' && leader.weights) return { kind: 'done', steps: leader.steps, weights: leader.weights };
  throw new Error(`parallel trainer: unexpected end of epoch (${ends.map((e) => `${e.index}:${e.type}`).join(', ')})`);
}

