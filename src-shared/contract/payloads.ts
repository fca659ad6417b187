/**
 * The contract's building blocks: typed-array schemas (`F32`, `I32`, `U8`), the payloads several
 * requests and events share (image and latent batches, neighbours, an epoch record), the small
 * schemas every request module uses, and `req` (one request: input, output, one-line doc).
 * Pure zod.
 */
import { z } from 'zod';
import { LossParts, RunId } from '../types';

// ---------------------------------------------------------------------------------------------
// Typed-array schemas. `instanceof` is checked against the receiving realm's constructors;
// every transport here (structured clone, msgpackr, v8 serialization) rebuilds typed arrays in
// the receiver's realm.

/** Max floats in one latent/image payload (about 200 MB of float32). */
const MAX_FLOATS = 50_000_000;
export const F32 = z
  .custom<Float32Array>((a) => a instanceof Float32Array, { message: 'expected a Float32Array' })
  .refine((a) => a.length <= MAX_FLOATS, 'array too large');
export const I32 = z
  .custom<Int32Array>((a) => a instanceof Int32Array, { message: 'expected an Int32Array' })
  .refine((a) => a.length <= MAX_FLOATS, 'array too large');
export const U8 = z.custom<Uint8Array>((a) => a instanceof Uint8Array, { message: 'expected a Uint8Array' });

export const finite = z.number().refine(Number.isFinite, 'must be a finite number');
export const runId = RunId;
export const split = z.enum(['train', 'test']);
/** The input of requests that take none (a missing payload stands for it). */
export const Empty = z.object({}).strict();
export const Ok = z.object({ ok: z.literal(true) });

/** A batch of images: `count` rows of `height × width × channels` floats in [0,1] (HWC), `shape` = [H, W, C] ([H, W] from runs saved before colour). */
export const ImageBatch = z.object({
  images: F32,
  count: z.number().int().nonnegative(),
  shape: z.array(z.number().int().positive()),
});
export type ImageBatch = z.infer<typeof ImageBatch>;

export const LatentBatch = z.object({
  /** `count × dim` latent means. */
  latents: F32,
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  labels: I32,
  /** Index of each point in its split, so points can be matched across updates and views. */
  indices: I32,
});
export type LatentBatch = z.infer<typeof LatentBatch>;

export const Neighbors = z.object({
  indices: I32,
  labels: I32,
  distances: F32,
  images: F32,
  shape: z.array(z.number().int().positive()),
});
export type Neighbors = z.infer<typeof Neighbors>;

/** One finished epoch of a run, as its `metrics.jsonl` records it (losses per sample, in nats). */
export const EpochRecord = z.object({
  /** 1-based. */
  epoch: z.number().int().positive(),
  /** Mean over the epoch's training batches. */
  train: LossParts,
  /** On the test split at the epoch's end. */
  val: LossParts,
  /** β in effect (after warm-up). */
  beta: z.number(),
  samplesPerSecond: z.number(),
});
export type EpochRecord = z.infer<typeof EpochRecord>;

/** One request: its zod `input` and `output` schemas and a one-line description. */
export function req<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}
