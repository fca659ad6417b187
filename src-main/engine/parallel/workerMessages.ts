/**
 * What the parallel trainer (the engine's thread) and its training workers share: the layout of
 * the shared control block and step ring, the buffers, the start message (`WorkerInit`) and the
 * messages each way. Plain data only: imported by both sides.
 */
import type { TrainConfig } from '../../../src-shared/types';
import type { ModelSpec } from '../models/build';
import type { DensePlan } from '../kernels/dense/densePlan';
import type { GanPlan } from '../kernels/dense/ganPlan';
import type { RowKind } from '../datasets/rows';

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
  /** Leader → main: 1 while it holds in a pause (no step runs), else 0. */
  HELD: 7,
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
  /** VAE-GAN (one worker): Σ over the epoch so far of the discriminator's loss·m, the decoder's GAN loss·m, the feature term·m. */
  SUM_DISC: 6,
  SUM_GEN: 7,
  SUM_FEATURE: 8,
  SIZE: 10,
} as const;

export interface SharedBuffers {
  ctl: SharedArrayBuffer;
  /** Float32 [workers × P]: each worker's share of the step's gradient (already weighted; empty on the dense kernels). */
  grads: SharedArrayBuffer;
  /** Float64 [workers × 5] (the classifier's: × 2): each worker's Σ recon, Σ kl (and a VAE-GAN's Σ disc, gen, feature) over its rows. */
  losses: SharedArrayBuffer;
  /**
   * Float64 [2 × workers × 3]: the workers' partial sums of `Runner.allSum` (two banks, used in
   * turn, so a worker's next sum cannot overwrite one a slower worker still reads). Only runs of
   * the VAE-GAN kernels with the relativistic loss have it.
   */
  sums?: SharedArrayBuffer;
  /** Float32 [P]: each step's updated weights, every worker writing the variables it owns (empty on the dense kernels). */
  params: SharedArrayBuffer;
  /** Float32 [P]: the leader's weights for a mid-epoch sync. */
  weights: SharedArrayBuffer;
  /** Float64 [RING_SLOTS × REC.SIZE]. */
  ring: SharedArrayBuffer;
  /**
   * Training inputs [n × D] and labels [n], shared in place (or copied once). `xKind` says what
   * `x` holds: 'u8' pixel bytes (each worker converts the rows of its share to byte/255 per
   * batch, ../datasets/rows.ts) or 'f32' floats (toy sets).
   */
  x: SharedArrayBuffer;
  xKind: RowKind;
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
  /** A VAE-GAN on the kernels (./ganKernelStepper.ts): as `dense`, with the GAN's layout. */
  gan?: { plan: GanPlan; memory: WebAssembly.Memory; module: WebAssembly.Module };
}

export type ToWorker =
  /** `learningRate`: Adam's rate for this epoch (the run's `learningRateAt`, the classifier's decay; absent: the config's). */
  | { type: 'epoch'; epoch: number; order: Int32Array; step: number; learningRate?: number }
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
