/**
 * The worker-count policy of the parallel trainer: whether a run trains in worker threads, how
 * many, and on what (the dense kernels, or tfjs replicas with `LATENT_LAB_DENSE=0` or a model the
 * kernels do not support). Pure functions of the backend, the config, the data and the machine.
 */
import os from 'node:os';
import type { TrainConfig } from '../../../src-shared/types';
import { envValue } from '../../env';
import { backendInfo } from '../backend';
import { denseUnsupported } from '../kernels/dense/densePlan';
import { ganUnsupported } from '../kernels/dense/ganPlan';
import { countParams, isGan } from '../models/build';
import { resolveWorkerEntry } from './spawn';

/** Smallest batch worth splitting (each worker gets ≥ 32 rows). */
export const MIN_PARALLEL_BATCH = 64;

/** Smallest model worth splitting (trainable parameters): below it the per-step exchange dominates. */
export const MIN_PARALLEL_PARAMS = 50_000;

/**
 * Fewest samples (epochs × training set) a run must process before the workers pay back their
 * start-up (~3 CPU-s to load tfjs and compile wasm twice): about 25 s of single-threaded work.
 */
export const MIN_PARALLEL_SAMPLES = 100_000;

/** Most workers the dense kernels split a batch across. */
export const MAX_DENSE_WORKERS = 4;

/**
 * Fewest rows per worker on the kernels: dense models 32 (below it the barriers cost more than a
 * thread gains); conv models 8 (a row is ≈ 40 MFLOP of training in the smallest, the Keras example).
 */
export const MIN_ROWS_PER_WORKER = { dense: 32, conv: 8 } as const;

/** `LATENT_LAB_TRAIN_WORKERS`: a forced worker count (0–16), or null when unset/invalid. */
export function forcedWorkerCount(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = envValue('LATENT_LAB_TRAIN_WORKERS', env)?.trim();
  if (!raw) return null;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 16 ? n : null;
}

/** Dense parameter count of the model a config builds (encoder + mirrored decoder). */
export function denseParamCount(model: TrainConfig['model'], inputDim: number, numClasses = 10): number {
  return countParams({ config: model, inputDim, numClasses, output: 'bernoulli' });
}

/**
 * Why the dense kernels will not train this model here (null: they will). `LATENT_LAB_DENSE=0`
 * turns them off (the workers then train on tfjs).
 */
export function denseOff(model: TrainConfig['model'], env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = envValue('LATENT_LAB_DENSE', env)?.trim();
  if (raw === '0') return 'LATENT_LAB_DENSE=0';
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer';
  if (isGan(model.kind)) return ganUnsupported({ config: model });
  return denseUnsupported({ config: model });
}

/** Cores this process may use. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Worker count to train with: 0 = train on the calling thread (`trainModel`).
 * Dense kernels (wasm or cpu backend, a model they support): 1 worker for dense models under 50k
 * parameters or batches under 64 (the per-step barriers would cost more than a second thread
 * gains), else one per core up to 4 with ≥ 32 rows each; conv models (any size) one per core
 * up to 4 with ≥ 8 rows each.
 * tfjs workers (`LATENT_LAB_DENSE=0`): 2 on wasm with ≥ 2 cores, a batch ≥ 64, a run
 * of ≥ 100k samples (epochs × training set) and (when `inputDim` is given) a model of ≥ 50k
 * parameters; 1 (with the threaded backend inside it) when the engine's wasm backend runs on
 * several threads.
 * A VAE-GAN: as the dense kernels' models when they train it, else 1 (tfjs in one worker); 0
 * when `LATENT_LAB_TRAIN_WORKERS=0`.
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
  // A VAE-GAN on tfjs runs on one worker (./ganStepper.ts), whatever its size; on the kernels
  // (./ganKernelStepper.ts) its batch is split as the VAE's.
  if (isGan(cfg.model.kind) && (forced === 0 || denseOff(cfg.model, env) !== null)) return forced === 0 ? 0 : 1;
  if (forced !== null) return forced;
  const bs = Math.min(cfg.batchSize, trainCount);
  if (denseOff(cfg.model, env) === null) {
    if (cfg.model.arch === 'conv') return Math.max(1, Math.min(cores, MAX_DENSE_WORKERS, Math.floor(bs / MIN_ROWS_PER_WORKER.conv)));
    const small = bs < MIN_PARALLEL_BATCH || (inputDim !== undefined && denseParamCount(cfg.model, inputDim) < MIN_PARALLEL_PARAMS);
    if (small || cores < 2) return 1;
    return Math.max(1, Math.min(cores, MAX_DENSE_WORKERS, Math.floor(bs / MIN_ROWS_PER_WORKER.dense)));
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
