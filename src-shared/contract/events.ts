/**
 * Every engine → renderer event with its schema, and the engine process's state as the host
 * reports it (`engine:state`).
 */
import { z } from 'zod';
import { BackendInfo, ErrorCode, Metrics, TrainProgress, TrainState } from '../types';
import { LatentBatch } from './payloads';

export const EngineState = z.enum(['starting', 'ready', 'crashed', 'restarting']);
export type EngineState = z.infer<typeof EngineState>;

export const events = {
  'training:progress': TrainProgress,
  /** Latent means of the fixed snapshot sample, once per epoch (and at start). */
  'training:latents': LatentBatch.extend({ runId: z.string(), epoch: z.number().int() }),
  'training:done': z.object({
    runId: z.string(),
    state: TrainState,
    metrics: Metrics.nullable(),
    error: z.object({ code: ErrorCode, message: z.string() }).optional(),
    /**
     * True when the in-app classifier's numbers (Fréchet distance, generation accuracy) are still
     * to come: its classifier trains in the background; `runs:metricsUpdated` brings them.
     */
    pending: z.boolean().optional(),
  }),
  /**
   * A saved run's metrics changed after its end: the in-app classifier's numbers were added
   * (`pending` false), or they will not come (`pending` false, `message` says why: cancelled, failed),
   * or they were asked for again (`classifier:start`: `pending` true, the saved metrics unchanged).
   */
  'runs:metricsUpdated': z.object({
    runId: z.string(),
    metrics: Metrics,
    pending: z.boolean(),
    message: z.string().optional(),
  }),
  'dataset:progress': z.object({
    dataset: z.string(),
    phase: z.enum(['download', 'decode', 'ready']),
    loaded: z.number(),
    total: z.number(),
  }),
  /**
   * Images written of `total`; `message` (optional) says what happens before the first is written
   * when that takes a while (a fitted prior fitted on first use: "Fitting the run's prior…").
   */
  'export:progress': z.object({ done: z.number().int(), total: z.number().int(), message: z.string().optional() }),
  'projection:progress': z.object({ done: z.number().int(), total: z.number().int() }),
  /**
   * The in-app classifier of a dataset (Fréchet distance, generation accuracy) training, the first
   * time a run's metrics need it: progress, then done (with its test accuracy), cancelled or error.
   */
  'classifier:progress': z.object({
    dataset: z.string(),
    state: z.enum(['training', 'done', 'cancelled', 'error']),
    epoch: z.number().int().optional(),
    epochs: z.number().int().optional(),
    batch: z.number().int().optional(),
    batches: z.number().int().optional(),
    etaSeconds: z.number().optional(),
    testAccuracy: z.number().optional(),
    trainSeconds: z.number().optional(),
    message: z.string().optional(),
  }),
  /** Emitted by the host (Electron main or browser-mode server), not by the engine itself. */
  'engine:state': z.object({
    state: EngineState,
    message: z.string().optional(),
    backend: BackendInfo.optional(),
    /** OS pid of the engine process (diagnostics, tests). */
    pid: z.number().int().positive().optional(),
  }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export const EVENT_NAMES = Object.keys(events) as EventName[];
export type EventPayload<N extends EventName> = z.output<Events[N]>;
