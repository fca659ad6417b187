/**
 * Shared-memory layout and messages between the parallel trainer (main thread) and its
 * training workers. Plain data only: imported by both sides.
 */
import type { TrainConfig } from '../../../src-shared/types';
import type { ModelSpec } from '../models/build';
import type { DensePlan } from '../kernels/dense/denseNet';

/** Slots of the control Int32Array (`ctl`). */
export const CTL = {
  /** Main → workers: RUN / PAUSE / STOP (mirrors TrainControl). */
  STATE: 0,
  /** Leader → followers: the decision for the current step (0 run, 1 stop). */
  DECISION: 1,
  /** Barrier: arrivals in the current generation. */
  BAR_COUNT: 2,
  /** Barrier: generation counter (waiters sleep on it). */
  BAR_GEN: 3,
  /** Leader: steps completed in total (published after the ring record is written). */
  STEPS: 4,
  /** Weight sync handshake: 0 idle, 1 main asks, 2 leader wrote `weights` (main reads, then sets 0). */
  SYNC: 5,
  /** Main → workers: abandon everything (set on error / teardown). */
  ABORT: 6,
  SIZE: 8,
} as const;

export const STATE_RUN = 0;
export const STATE_PAUSE = 1;
export const STATE_STOP = 2;

/** Ring of per-step records (Float64): the leader writes, the main thread reads the newest. */
export const RING_SLOTS = 64;
export const REC = {
  EPOCH: 0,
  /** 1-based batch index within the epoch. */
  BATCH: 1,
  /** Σ recon·m over the epoch so far. */
  SUM_RECON: 2,
  SUM_KL: 3,
  /** Samples seen in the epoch so far. */
  SUM_N: 4,
  BETA: 5,
  SIZE: 8,
} as const;

export interface SharedBuffers {
  ctl: SharedArrayBuffer;
  /** Float32 [workers × P]: each worker's share of the step's gradient (already weighted; empty on the dense kernels). */
  grads: SharedArrayBuffer;
  /** Float64 [workers × 2]: each worker's Σ recon and Σ kl over its rows. */
  losses: SharedArrayBuffer;
  /** Float32 [P]: each step's updated weights, every worker writing the variables it owns (empty on the dense kernels). */
  params: SharedArrayBuffer;
  /** Float32 [P]: the leader's weights for a mid-epoch sync. */
  weights: SharedArrayBuffer;
  /** Float64 [RING_SLOTS × REC.SIZE]. */
  ring: SharedArrayBuffer;
  /** Training inputs [n × D] and labels [n], copied once. */
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
}

export interface WorkerInit {
  index: number;
  workers: number;
  /** tfjs backend to run on (the main thread's). */
  backend: string;
  /** wasm only: threads for the worker's own backend (>1 loads the threaded build; one worker only). */
  wasmThreads?: number;
  spec: ModelSpec;
  cfg: TrainConfig;
  /** Initial trainable weights, concatenated in `trainableVariables` order. */
  weights: Float32Array;
  /** Shapes of the trainable variables, in the same order (checked against the replica). */
  shapes: number[][];
  n: number;
  shared: SharedBuffers;
  /** Test hook: the leader posts every step's combined gradient. */
  probeGradients: boolean;
  /**
   * Train on the dense kernels instead of tfjs: the layout and the one shared memory (weights,
   * Adam moments, every worker's gradient share) all workers instantiate them on.
   */
  dense?: { plan: DensePlan; memory: WebAssembly.Memory; module: WebAssembly.Module };
}

export type ToWorker =
  | { type: 'epoch'; epoch: number; order: Int32Array; step: number }
  | { type: 'dump' };

export type FromWorker =
  | { type: 'ready'; index: number; overrides: string[] }
  /** End of an epoch (all batches run). The leader attaches its weights. */
  | { type: 'epochDone'; index: number; epoch: number; steps: number; weights?: Float32Array }
  /** Stopped before `batch` (1-based) of `epoch`. The leader attaches its weights. */
  | { type: 'stopped'; index: number; epoch: number; batch: number; steps: number; weights?: Float32Array }
  | { type: 'diverged'; index: number; epoch: number; batch: number; recon: number; kl: number }
  | { type: 'grads'; index: number; step: number; grads: Float32Array }
  | { type: 'weights'; index: number; weights: Float32Array }
  | { type: 'error'; index: number; message: string; stack?: string };

/** Step seed of `trainModel` (so worker 0's rows get exactly the single-threaded noise). */
export function stepSeedOf(seed: number, step: number): number {
  return (seed * 7919 + step * 104729) % 2147483647;
}

/** Noise seed of worker `index` for a step: worker 0 keeps the step seed, the others get distinct ones. */
export function workerSeed(stepSeed: number, index: number): number {
  return index === 0 ? stepSeed : (stepSeed + index * 1_000_003 + 7) % 2147483647;
}

/** Rows [lo, hi) of a batch of m that worker `index` of `workers` handles. */
export function shareOf(m: number, index: number, workers: number): [number, number] {
  return [Math.floor((m * index) / workers), Math.floor((m * (index + 1)) / workers)];
}

/**
 * Which worker owns (keeps the Adam state of and updates) each variable: greedy by size, so
 * the optimizer work is split evenly. Deterministic: every worker computes the same answer.
 */
export function partitionVariables(sizes: number[], workers: number): number[] {
  const owner = new Array<number>(sizes.length).fill(0);
  const load = new Array<number>(workers).fill(0);
  const bySize = sizes.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [size, i] of bySize) {
    let best = 0;
    for (let w = 1; w < workers; w++) if (load[w] < load[best]) best = w;
    owner[i] = best;
    load[best] += size;
  }
  return owner;
}
