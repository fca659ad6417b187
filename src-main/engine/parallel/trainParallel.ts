/**
 * Data-parallel training on worker threads. `trainModelParallel` has `trainModel`'s signature
 * and semantics (same seeded shuffle, β warm-up, progress/epoch hooks, pause/resume/stop,
 * DIVERGED naming epoch and batch) but runs the steps in N workers (./worker.ts), each taking its
 * share of every batch; the gradient of the batch's mean loss is the sum of the shares.
 * By default the workers run the kernels (../kernels/dense; dense and conv models) on one shared memory holding
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
 *
 * The parts: ./workerCount.ts (whether and how many workers), ./runSetup.ts (what a run shares
 * with them), ./workerPool.ts (spawn, messages, failure, termination), ./epochLoop.ts (epochs:
 * pause, progress, weight copies, the overlapping epoch end), ./worker.ts (the steps).
 */
import type { TrainConfig } from '../../../src-shared/types';
import { noteTrainPath, noteTrainThreads } from '../backend';
import { variantOf } from '../kernels/dense/kernelModule';
import type { SplitData } from '../metrics';
import type { ModelBundle } from '../models/build';
import { TrainControl, type TrainHooks, type TrainResult } from '../train';
import { EpochLoop } from './epochLoop';
import { prepareRun, type RunOptions, type RunSetup } from './runSetup';
import { SharedControl } from './sharedControl';
import { WorkerPool } from './workerPool';

export {
  denseOff,
  denseParamCount,
  forcedWorkerCount,
  MAX_DENSE_WORKERS,
  MIN_PARALLEL_BATCH,
  MIN_PARALLEL_PARAMS,
  MIN_PARALLEL_SAMPLES,
  parallelWorkerCount,
  shouldTrainInParallel,
} from './workerCount';
export { activeTrainWorkers, TrainWorkersUnavailable, WORKER_START_TIMEOUT_MS } from './workerPool';

export interface ParallelOptions extends Omit<RunOptions, 'probeGradients'> {
  /** Test hook: every step's combined gradient (concatenated in `trainableVariables` order). */
  onGradients?: (step: number, grads: Float32Array) => void;
  /** Test hook: every replica's weights when the run finishes (state 'done'). */
  onReplicaWeights?: (weights: Float32Array[]) => void;
  /** Milliseconds between mid-epoch weight copies into `bundle` (default 1000). */
  syncIntervalMs?: number;
}

/**
 * Trains `bundle` in worker threads; see the module comment. Throws TrainWorkersUnavailable when
 * the workers cannot start (before any step), LabError DIVERGED on a NaN/Inf loss, or the first
 * worker failure.
 */
export async function trainModelParallel(
  bundle: ModelBundle,
  cfg: TrainConfig,
  data: { train: SplitData; val: SplitData },
  hooks: TrainHooks = {},
  options: ParallelOptions = {},
): Promise<TrainResult> {
  const run = prepareRun(bundle, cfg, data.train, { ...options, probeGradients: Boolean(options.onGradients) });
  const shared = new SharedControl(run.shared);
  const pool = new WorkerPool(shared, options.onGradients);
  let loop: EpochLoop | null = null;
  try {
    pool.start(run.inits);
    await startWorkers(pool, run);
    loop = new EpochLoop({
      bundle,
      vars: run.vars,
      cfg,
      val: data.val,
      n: data.train.count,
      hooks,
      control: hooks.control ?? new TrainControl(),
      pool,
      shared,
      progressIntervalMs: hooks.progressIntervalMs ?? 250,
      syncIntervalMs: options.syncIntervalMs ?? 1000,
    });
    const result = await loop.run();
    if (result.state === 'done' && options.onReplicaWeights) {
      pool.broadcast({ type: 'dump' });
      options.onReplicaWeights((await pool.collect('weights')).map((m) => m.weights));
    }
    return result;
  } finally {
    // An epoch end still running (e.g. the workers failed meanwhile) must not outlive the run.
    await loop?.ending.drain();
    await pool.close();
  }
}

/**
 * Waits for every worker's replica and records the training path (dense kernels or tfjs, and
 * on how many threads) on the backend info; a lone tfjs worker that could not load the
 * threaded build trains on one thread, and the info says why.
 */
async function startWorkers(pool: WorkerPool, run: RunSetup): Promise<void> {
  let tfjsThreads = run.tfjsThreads;
  for (const r of await pool.ready()) {
    const fallback = r.overrides.find((o) => o.startsWith('wasm: 1 thread ('));
    if (fallback) {
      tfjsThreads = 1;
      noteTrainThreads(1, `training ${fallback.slice('wasm: '.length)}`);
    }
  }
  const kernels = run.dense ?? run.gan;
  const simd = kernels ? (variantOf(kernels.module) === 'relaxed-simd' ? 'relaxed' : 'plain') : undefined;
  noteTrainPath(kernels ? 'dense' : 'tfjs', kernels ? run.workers : run.workers * tfjsThreads, run.denseNote, simd);
}
