/**
 * The one IPC contract between the renderer and the engine.
 *
 * Every request (renderer → engine, answered) and every event (engine → renderer) is listed
 * here by name (`noun:verb`) with a zod schema; TypeScript types are inferred from the schemas.
 * Large numeric payloads travel as typed arrays (structured clone in Electron, msgpackr in
 * browser mode, advanced serialization to the engine process), never as JSON number lists.
 *
 * Pure TypeScript: imported by the engine, Electron main, preload, browser-mode server,
 * renderer and tests.
 */
import { z } from 'zod';
import {
  BackendInfo,
  DatasetInfo,
  DatasetRef,
  DatasetReport,
  EngineInfo,
  ErrorCode,
  ExportRequest,
  ExportResult,
  LossParts,
  Metrics,
  RunSummary,
  TrainConfig,
  TrainProgress,
  TrainState,
  MAX_IMAGE_BYTES,
  LabError,
  RunId,
} from './types';

export * from './types';

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

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const runId = RunId;
const split = z.enum(['train', 'test']);
const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

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

// ---------------------------------------------------------------------------------------------
// Requests

function req<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

export const requests = {
  'engine:info': req(Empty, EngineInfo, 'Versions, workspace and the backend in use (and why).'),

  'datasets:list': req(Empty, z.array(DatasetInfo), 'Every dataset in the registry.'),
  'datasets:prepare': req(
    z.object({ dataset: DatasetRef }).strict(),
    DatasetInfo,
    'Load (downloading if needed, with dataset:progress events) and describe a dataset.',
  ),
  'datasets:sample': req(
    z
      .object({
        dataset: DatasetRef,
        split,
        offset: z.number().int().min(0).max(10_000_000),
        count: z.number().int().min(1).max(10_000),
      })
      .strict(),
    ImageBatch.extend({ labels: I32 }),
    'Raw images and labels from a dataset split.',
  ),
  'datasets:inspect': req(
    z.object({ dataset: DatasetRef, perClass: z.number().int().min(1).max(64).default(8) }).strict(),
    z.object({
      info: DatasetInfo,
      report: DatasetReport,
      /**
       * Up to `perClass` images of every class (training images first, in order), exactly as
       * they will be trained (after preprocessing), grouped by class in class order.
       */
      preview: ImageBatch.extend({ labels: I32 }),
    }),
    'Check before training: load a dataset (dataset:progress events) and return its report and a preview of each class.',
  ),
  'datasets:cancel': req(Empty, Ok, 'Cancel the dataset loads in progress (their requests answer CANCELLED).'),

  'training:start': req(
    TrainConfig,
    z.object({
      runId,
      /** What the start adjusted, in words (a batch larger than the training set, clamped); the run keeps them. */
      warnings: z.array(z.string()).optional(),
    }),
    'Start training a new run.',
  ),
  'training:pause': req(Empty, z.object({ state: TrainState }), 'Pause the running training.'),
  'training:resume': req(Empty, z.object({ state: TrainState }), 'Resume a paused training.'),
  'training:stop': req(Empty, z.object({ state: TrainState }), 'Stop training; keeps what was learnt.'),
  'training:status': req(Empty, TrainProgress.nullable(), 'Last progress of the current/last run.'),

  'runs:list': req(Empty, z.array(RunSummary), 'Saved runs, newest first.'),
  'runs:open': req(z.object({ runId }).strict(), RunSummary, 'Make a saved run the active model.'),
  'runs:rename': req(
    z.object({ runId, name: z.string().trim().min(1).max(200) }).strict(),
    RunSummary,
    'Rename a run.',
  ),
  'runs:delete': req(z.object({ runId }).strict(), Ok, 'Delete a run folder.'),
  'runs:metrics': req(z.object({ runId }).strict(), Metrics, 'Compute (or read cached) test metrics.'),
  'runs:history': req(
    z.object({ runId }).strict(),
    z.object({
      epochs: z.array(EpochRecord),
      /** Lines of metrics.jsonl that could not be read (cut short or not an epoch record). */
      skipped: z.number().int().nonnegative(),
    }),
    "A run's epoch history (its metrics.jsonl), in epoch order: the loss curves of a saved run.",
  ),

  'model:latents': req(
    z
      .object({
        runId: runId.optional(),
        split,
        limit: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict(),
    LatentBatch,
    'Latent means of a dataset split under the active (or given) run.',
  ),
  'model:encode': req(
    z.object({ images: F32, count: z.number().int().min(1).max(100_000), labels: I32.optional() }).strict(),
    z.object({ mean: F32, logVar: F32.nullable(), dim: z.number().int(), count: z.number().int() }),
    'Encode already-preprocessed images (count × inputDim).',
  ),
  'model:decode': req(
    z
      .object({
        z: F32.refine((a) => a.every(Number.isFinite), 'latent values must be finite'),
        count: z.number().int().min(1).max(100_000),
        labels: I32.optional(),
      })
      .strict(),
    ImageBatch,
    'Decode latent vectors (count × latentDim); CVAE needs labels.',
  ),
  'model:reconstruct': req(
    z
      .object({
        split,
        offset: z.number().int().min(0).max(10_000_000),
        count: z.number().int().min(1).max(1000),
        worstFirst: z.boolean().default(false),
      })
      .strict(),
    z.object({
      originals: F32,
      reconstructions: F32,
      labels: I32,
      indices: I32,
      /** Per-image reconstruction BCE in nats. */
      errors: F32,
      count: z.number().int(),
      shape: z.array(z.number().int()),
    }),
    'Originals and reconstructions side by side for a page of a split.',
  ),
  'model:generate': req(
    z
      .object({
        count: z.number().int().min(1).max(1000),
        label: z.number().int().min(0).max(9999).optional(),
        temperature: finite.pipe(z.number().min(0).max(10)).default(1),
        seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
      })
      .strict(),
    ImageBatch.extend({ labels: I32, z: F32 }),
    'Sample from the prior (CVAE: for a label).',
  ),
  'model:interpolate': req(
    z
      .object({
        from: F32,
        to: F32,
        steps: z.number().int().min(2).max(100),
        label: z.number().int().min(0).max(9999).optional(),
        /**
         * CVAE: the label at the `to` end. The decoder's one-hot label input then blends linearly
         * from `label` to `labelTo` along the path (step i gets (1 − t)·onehot(label) + t·onehot(labelTo));
         * left out, every step is decoded as `label`.
         */
        labelTo: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    ImageBatch.extend({ z: F32 }),
    'Linear interpolation between two latent points, decoded (CVAE: under one label, or blending two).',
  ),
  'model:manifold': req(
    z
      .object({
        dims: z.tuple([z.number().int().min(0).max(63), z.number().int().min(0).max(63)]),
        steps: z.number().int().min(2).max(60).default(15),
        range: finite.pipe(z.number().positive().max(100)).default(3),
        label: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    ImageBatch.extend({ z: F32 }),
    'A grid of decodes over two latent dimensions (others at 0), row-major, top row = max.',
  ),
  'model:neighbors': req(
    z.object({ z: F32, k: z.number().int().min(1).max(100).default(5) }).strict(),
    Neighbors,
    'k nearest training points of a latent point.',
  ),
  'model:encodeFile': req(
    z
      .object({
        name: z.string().max(1000),
        bytes: U8.refine((b) => b.byteLength <= MAX_IMAGE_BYTES, `file larger than ${MAX_IMAGE_BYTES} bytes`),
        label: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    z.object({
      /** The preprocessed model input (e.g. 28 × 28 floats). */
      input: F32,
      shape: z.array(z.number().int()),
      mean: F32,
      logVar: F32.nullable(),
      reconstruction: F32,
      neighbors: Neighbors,
      /**
       * CVAE encoded without a label: the label it chose and how well each label fits, as
       * p(label | image) = softmax over labels of −(negative ELBO) — the ELBO standing in for
       * log p(image | label), labels equally likely a priori. Absent otherwise.
       */
      labelFit: z.object({ label: z.number().int(), probabilities: F32 }).optional(),
    }),
    'Decode an image file, preprocess it as MNIST was made, and encode it.',
  ),

  'model:dimStats': req(
    Empty,
    z.object({
      dim: z.number().int(),
      /** Test points the statistics are over. */
      count: z.number().int(),
      /** Mean KL (nats) of each latent dimension over the test split; null for an AE. */
      klPerDim: z.array(z.number()).nullable(),
      /** Mean and variance across the test split of each dimension's posterior mean. */
      mean: z.array(z.number()),
      variance: z.array(z.number()),
      /** Dimensions whose posterior-mean variance exceeds 0.01. */
      activeUnits: z.number().int(),
    }),
    'Per-dimension statistics of the active run on its test split (KL bars, collapse, traversal order).',
  ),
  'model:typicality': req(
    z
      .object({
        /** One preprocessed input (inputDim floats, e.g. `model:encodeFile`'s `input`). */
        input: F32.refine((a) => a.every(Number.isFinite), 'input values must be finite'),
        label: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    z.object({
      /** Negative ELBO with the posterior mean for z (AE: reconstruction loss), nats. */
      score: z.number(),
      measure: z.enum(['negElbo', 'recon']),
      /** Share (0–100) of test images scoring at or below `score`. */
      percentile: z.number(),
      /** The label scored under (CVAE: given or best fit), −1 otherwise. */
      label: z.number().int(),
      testCount: z.number().int(),
      /** The 0th…100th percentiles of the test images' scores (101 values). */
      testQuantiles: F32,
    }),
    "How typical one input is: its negative ELBO and its percentile among the test images' (cached per run).",
  ),

  'projection:compute': req(
    z
      .object({
        method: z.enum(['pca', 'umap']),
        latents: F32,
        dim: z.number().int().min(1).max(64),
        seed: z.number().int().min(0).optional(),
      })
      .strict(),
    z.object({ points: F32, method: z.enum(['pca', 'umap']) }),
    'Project latents to 3-D (PCA deterministic; UMAP seeded, with projection:progress).',
  ),
  'projection:cancel': req(Empty, Ok, 'Cancel a running UMAP.'),

  'export:start': req(ExportRequest, ExportResult, 'Export a generated dataset (export:progress events).'),
  'export:cancel': req(Empty, Ok, 'Cancel the running export; nothing complete-looking is left.'),
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export const REQUEST_NAMES = Object.keys(requests) as RequestName[];
export type RequestInput<N extends RequestName> = z.input<Requests[N]['input']>;
export type RequestParsed<N extends RequestName> = z.output<Requests[N]['input']>;
export type RequestOutput<N extends RequestName> = z.output<Requests[N]['output']>;

// ---------------------------------------------------------------------------------------------
// Events

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
  }),
  'dataset:progress': z.object({
    dataset: z.string(),
    phase: z.enum(['download', 'decode', 'ready']),
    loaded: z.number(),
    total: z.number(),
  }),
  'export:progress': z.object({ done: z.number().int(), total: z.number().int() }),
  'projection:progress': z.object({ done: z.number().int(), total: z.number().int() }),
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

// ---------------------------------------------------------------------------------------------
// Responses

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;
/** The one answer envelope on every hop (engine → host → IPC/WebSocket → api.ts); `Response` = untyped. */
export type Response<N extends RequestName = never> =
  | { ok: true; value: [N] extends [never] ? unknown : RequestOutput<N> }
  | { ok: false; error: ErrorBody };

// ---------------------------------------------------------------------------------------------
// Host-level names: requests the host (Electron main / browser-mode server) answers itself, never
// forwarded to the engine, and events the host emits besides `engine:state`.

export const MENU_COMMANDS = ['openDatasetFolder', 'openRun', 'export', 'startTraining', 'stopTraining', 'settings'] as const;
export const MenuCommand = z.enum(MENU_COMMANDS);
export type MenuCommand = z.infer<typeof MenuCommand>;

export const hostEvents = {
  /**
   * An application-menu command for the renderer. `openDatasetFolder` carries the folder the user
   * picked, `openRun` the run chosen under File › Open Recent Run.
   */
  'menu:command': z.object({ command: MenuCommand, path: z.string().optional(), runId: RunId.optional() }),
} as const;
export type HostEventName = keyof typeof hostEvents;
export type HostEventPayload<N extends HostEventName> = z.output<(typeof hostEvents)[N]>;
export const HOST_EVENT_NAMES = Object.keys(hostEvents) as HostEventName[];

export const hostRequests = {
  'engine:restart': req(Empty, Ok, 'Restart the engine process (after a crash).'),
  'dialog:openFolder': req(
    z.object({ purpose: z.enum(['dataset', 'dataset-file', 'export']), title: z.string().max(200).optional() }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native picker (Electron only; browser mode answers UNSUPPORTED): a folder, or a dataset file for `dataset-file`. null = cancelled.',
  ),
} as const;
export type HostRequests = typeof hostRequests;
export type HostRequestName = keyof HostRequests;
export type HostRequestInput<N extends HostRequestName> = z.input<HostRequests[N]['input']>;
export type HostRequestOutput<N extends HostRequestName> = z.output<HostRequests[N]['output']>;
export const HOST_REQUEST_NAMES = Object.keys(hostRequests) as HostRequestName[];

export function isHostRequestName(name: unknown): name is HostRequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(hostRequests, name);
}

function firstIssue(name: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path?.length ? issue.path.join('.') + ': ' : '';
  return `${name}: ${where}${issue?.message ?? 'invalid payload'}`;
}

/** Validate a host request; returns the parsed payload or an INVALID_PAYLOAD error body. */
export function parseHostRequest<N extends HostRequestName>(
  name: N,
  payload: unknown,
): { ok: true; value: z.output<HostRequests[N]['input']> } | { ok: false; error: ErrorBody } {
  const r = hostRequests[name].input.safeParse(payload ?? {});
  if (r.success) return { ok: true, value: r.data as z.output<HostRequests[N]['input']> };
  return { ok: false, error: { code: 'INVALID_PAYLOAD', message: firstIssue(name, r.error) } };
}

/**
 * Parse a request payload; throws LabError('INVALID_PAYLOAD') naming the first problem. A missing
 * payload (`undefined` or `null`) stands for `{}` only for requests whose input is empty
 * (`engine:info`, `training:stop`, …); every other request needs one (a `training:start` with
 * no payload is refused, not a default run: send `{}` for the defaults).
 */
export function parseRequest<N extends RequestName>(name: N, payload: unknown): RequestParsed<N> {
  if (!isRequestName(name)) throw new LabError('UNKNOWN_REQUEST', `unknown request "${String(name).slice(0, 100)}"`);
  const input: z.ZodType = requests[name].input;
  if (payload == null && input !== Empty) {
    throw new LabError('INVALID_PAYLOAD', `${name}: a payload is required (got ${payload === null ? 'null' : 'none'})`);
  }
  const r = input.safeParse(payload ?? {});
  if (!r.success) throw new LabError('INVALID_PAYLOAD', firstIssue(name, r.error));
  return r.data as RequestParsed<N>;
}

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

/** Turn anything thrown into the contract's error body. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof LabError) return { code: err.code, message: err.message };
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const code = ErrorCode.safeParse((err as { code: unknown }).code);
    if (code.success) return { code: code.data, message: String((err as { message: unknown }).message) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

/** The renderer-side API shape (implemented by the preload and by the WebSocket client). */
export interface LabApi {
  invoke<N extends RequestName>(name: N, payload: RequestInput<N>): Promise<RequestOutput<N>>;
  on<N extends EventName>(name: N, cb: (payload: EventPayload<N>) => void): () => void;
  restartEngine(): Promise<void>;
  /** 'electron' or 'browser'. */
  readonly transport: 'electron' | 'browser';
}
