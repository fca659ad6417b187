/**
 * What one parallel run shares with its workers, worked out before any of them starts: the
 * worker count, the step implementation (the dense kernels' layout and shared memory, or tfjs
 * replicas), the shared buffers (control block, step ring, training data) and each worker's
 * start message. Also the copies between the bundle's tfjs variables and flat weight arrays.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../src-shared/types';
import { backendInfo } from '../backend';
import { createDenseMemory, planDense, type DensePlan } from '../kernels/dense/densePlan';
import { kernelModule } from '../kernels/dense/kernelModule';
import type { SplitData } from '../metrics';
import { createGanMemory, planGan, startGanAverage, type GanPlan } from '../kernels/dense/ganPlan';
import { isGan, trainableVariables, type ModelBundle, type ModelSpec } from '../models/build';
import { rowKind } from '../datasets/rows';
import { availableCores, denseOff, parallelWorkerCount } from './workerCount';
import { CTL, REC, RING_SLOTS, type SharedBuffers, type WorkerInit } from './workerMessages';

export interface RunOptions {
  /** Number of workers; default from `parallelWorkerCount` (at least 1). */
  workers?: number;
  /** wasm threads of a lone worker's backend (default `BackendInfo.trainThreads`; several workers get 1 each). */
  wasmThreads?: number;
  /** Train on the dense kernels (default: when `denseOff` has no objection) or on tfjs replicas. */
  dense?: boolean;
  /** Test hook: the most memory the dense kernels may take (default: what wasm32 addresses). */
  denseMaxBytes?: number;
  /** Test hook: the leader posts every step's combined gradient. */
  probeGradients?: boolean;
}

export interface RunSetup {
  workers: number;
  vars: tf.Variable[];
  /** tfjs workers only: wasm threads of each worker's backend. */
  tfjsThreads: number;
  /** Set when the dense kernels train the run. */
  dense?: WorkerInit['dense'];
  /** Set when the kernels train a VAE-GAN (../kernels/dense/ganNet.ts). */
  gan?: WorkerInit['gan'];
  /** Why a run meant for the dense kernels trains on tfjs instead. */
  denseNote?: string;
  shared: SharedBuffers;
  /** One start message per worker. */
  inits: WorkerInit[];
}

/** Sets up a run of `bundle` on `train` (nothing is started; throws on a layout bug). */
export function prepareRun(bundle: ModelBundle, cfg: TrainConfig, train: SplitData, options: RunOptions = {}): RunSetup {
  const n = train.count;
  const bs = Math.min(cfg.batchSize, n);
  let W = Math.max(1, options.workers ?? (parallelWorkerCount(tf.getBackend(), cfg, n, process.env, availableCores(), bundle.inputDim) || 1));
  const vars = trainableVariables(bundle);
  const P = vars.reduce((s, v) => s + v.size, 0);
  const spec: ModelSpec = { config: bundle.config, inputDim: bundle.inputDim, numClasses: bundle.numClasses, output: bundle.output };
  const initial = flatWeights(vars);
  const shapes = vars.map((v) => v.shape.slice());
  let dense: WorkerInit['dense'];
  let gan: WorkerInit['gan'];
  let denseNote: string | undefined;
  if (options.dense ?? denseOff(cfg.model) === null) {
    try {
      if (isGan(spec.config.kind)) {
        gan = kernelSetup('VAE-GAN kernels', () => planGan(spec, Math.ceil(bs / W), W, options.denseMaxBytes), createGanMemory, shapes, initial);
        // The encoder's and decoder's weight average starts at the initial weights (θ̄ = θ₀).
        startGanAverage(gan.plan, gan.memory);
      } else dense = kernelSetup('dense kernels', () => planDense(spec, Math.ceil(bs / W), W, options.denseMaxBytes), createDenseMemory, shapes, initial);
    } catch (err) {
      // Too big for a wasm32 memory (or the memory cannot be had): tfjs trains it instead.
      if (!(err instanceof DenseMemoryError)) throw err;
      denseNote = `${err.message}; training on tfjs`;
    }
  }
  // A VAE-GAN on tfjs trains on one worker (./ganStepper.ts).
  if (isGan(spec.config.kind) && !gan) W = 1;
  // tfjs workers: a single one runs the whole batch on the threaded backend (if the engine has
  // one); several share the cores, one thread each. (The dense kernels run one thread per worker.)
  const tfjsThreads = W === 1 ? (options.wasmThreads ?? backendInfo()?.trainThreads ?? 1) : 1;
  const shared: SharedBuffers = {
    ctl: new SharedArrayBuffer(CTL.SIZE * 4),
    // The dense kernels keep gradients and weights in their own shared memory.
    grads: new SharedArrayBuffer(dense || gan ? 0 : W * P * 4),
    losses: new SharedArrayBuffer(W * 5 * 8),
    // The relativistic VAE-GAN loss's whole-batch sums across the workers (../kernels/dense/ganNet.ts AllSum).
    ...(gan?.plan.relativistic ? { sums: new SharedArrayBuffer(2 * W * 3 * 8) } : {}),
    params: new SharedArrayBuffer(dense || gan ? 0 : P * 4),
    weights: new SharedArrayBuffer(P * 4),
    ring: new SharedArrayBuffer(RING_SLOTS * REC.SIZE * 8),
    x: shareArray(train.x.subarray(0, n * bundle.inputDim)),
    xKind: rowKind(train.x),
    y: shareArray(train.y.subarray(0, n)),
  };
  const inits = Array.from(
    { length: W },
    (_, index): WorkerInit => ({
      index,
      workers: W,
      backend: tf.getBackend(),
      wasmThreads: tfjsThreads,
      spec,
      cfg,
      weights: initial,
      shapes,
      n,
      shared,
      probeGradients: Boolean(options.probeGradients),
      dense,
      gan,
    }),
  );
  return { workers: W, vars, tfjsThreads, dense, gan, denseNote, shared, inits };
}

/** Shared copies of training arrays, reused across runs on the same dataset (and by the classifier's training). */
const sharedCopies = new WeakMap<ArrayBufferView, SharedArrayBuffer>();
/**
 * The SharedArrayBuffer the workers read `a` from (they view it whole, from byte 0). An array
 * that already is a whole SharedArrayBuffer (imported datasets are allocated so:
 * datasets/local/assemble.ts) is passed through, never copied; anything else (a plain array, a
 * part of a shared one) is copied once and the copy reused for the same array.
 */
export function shareArray(a: Float32Array | Int32Array | Uint8Array): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  let sab = sharedCopies.get(a);
  if (!sab) {
    sab = new SharedArrayBuffer(a.byteLength);
    new Uint8Array(sab).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    sharedCopies.set(a, sab);
  }
  return sab;
}

/** Copies flat weights (trainableVariables order) into the bundle's variables. */
export function assignFlat(vars: tf.Variable[], flat: Float32Array): void {
  let off = 0;
  for (const v of vars) {
    const t = tf.tensor(flat.slice(off, off + v.size), v.shape);
    v.assign(t);
    t.dispose();
    off += v.size;
  }
}

/** The variables' values, concatenated in order. */
export function flatWeights(vars: tf.Variable[]): Float32Array {
  const P = vars.reduce((s, v) => s + v.size, 0);
  const out = new Float32Array(P);
  let off = 0;
  for (const v of vars) {
    out.set(v.dataSync() as Float32Array, off);
    off += v.size;
  }
  return out;
}

/** The dense kernels cannot have the memory a model needs (the run falls back to tfjs). */
class DenseMemoryError extends Error {}

/**
 * A kernel program's layout and shared memory for this run (`what` names it in errors: "dense
 * kernels", "VAE-GAN kernels"), holding the initial weights (Adam's moments start at zero). The
 * layout must list the model's variables in the same order and shapes: anything else is a bug,
 * not a fallback. Throws DenseMemoryError when the plan or its memory cannot be had (the caller
 * falls back to tfjs).
 */
function kernelSetup<T extends { tensors: { shape: number[] }[]; P: number; w: number; bytes: number }>(
  what: string,
  makePlan: () => T,
  makeMemory: (plan: T) => WebAssembly.Memory,
  shapes: number[][],
  initial: Float32Array,
): { plan: T; memory: WebAssembly.Memory; module: WebAssembly.Module } {
  let plan: T;
  let memory: WebAssembly.Memory;
  try {
    plan = makePlan();
  } catch (err) {
    throw new DenseMemoryError(`the ${what} cannot hold this model: ${(err as Error).message}`);
  }
  const got = plan.tensors.map((t) => t.shape.join('x')).join(', ');
  const want = shapes.map((s) => s.join('x')).join(', ');
  if (got !== want) throw new Error(`${what}: layout [${got}] does not match the model's variables [${want}]`);
  try {
    memory = makeMemory(plan);
  } catch (err) {
    throw new DenseMemoryError(`the ${what} could not get ${(plan.bytes / 2 ** 20).toFixed(0)} MiB of memory: ${(err as Error).message}`);
  }
  new Float32Array(memory.buffer, plan.w, plan.P).set(initial);
  return { plan, memory, module: kernelModule() };
}
