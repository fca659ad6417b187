/**
 * Domain types shared by the engine, the Electron shell, browser mode, the renderer and tests.
 * Every type is inferred from a zod schema so validation and typing have one source of truth.
 * Pure TypeScript: no Node, Electron or DOM imports.
 */
import { z } from 'zod';
import { DatasetId, DatasetRef, DatasetReport } from './datasets';
import { GanParts, VAEGAN_DEFAULTS } from './vaegan';

export { GanParts, VAEGAN_DEFAULTS } from './vaegan';

export const MODEL_KINDS = ['ae', 'vae', 'cvae', 'vaegan'] as const;
export const ModelKind = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKind>;

// Dataset vocabulary (ids, references with import options, the import report): src-shared/datasets.ts.
export * from './datasets';

export const DatasetInfo = z.object({
  id: DatasetId,
  title: z.string(),
  description: z.string(),
  /** [height, width, channels] for images (channels 1 = grey, 3 = RGB), [2] for toy 2-D sets. */
  shape: z.array(z.number().int().positive()),
  labelNames: z.array(z.string()),
  trainCount: z.number().int().nonnegative(),
  testCount: z.number().int().nonnegative(),
  /** true when usable right now without a download or a path. */
  available: z.boolean(),
  isImage: z.boolean(),
  /** Non-fatal notes from loading, e.g. files of a folder dataset that were skipped and why. */
  warnings: z.array(z.string()).optional(),
  /** What loading found (kind, classes with counts, split, skipped items, preprocessing): once loaded. */
  report: DatasetReport.optional(),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'sigmoid', 'selu', 'leakyRelu'] as const;
export const Activation = z.enum(ACTIVATIONS);
export type Activation = z.infer<typeof Activation>;

/**
 * β when none is given. CVAE: 2, because at β = 1 a 3-D latent also learns the digit's identity
 * (which the label already gives), so prior samples for a label often decode to another digit:
 * 92–95 % of samples are read as their label across seeds, 97 % at β = 2, for +1 % test −ELBO
 * (docs/PERFORMANCE.md). AE ignores β.
 */
export const DEFAULT_BETA = { ae: 1, vae: 1, cvae: 2, vaegan: 1 } as const satisfies Record<z.infer<typeof ModelKind>, number>;


/**
 * Model architecture. `dense`: fully connected layers on the flattened image (the default, and
 * what runs saved before `arch` existed are). `conv`: Conv2D stages down and Conv2DTranspose
 * stages up (images of 28×28, 32×32 or 64×64 with 1 or 3 channels; src-main/engine/models/conv.ts).
 */
export const ARCHS = ['dense', 'conv'] as const;
export const Arch = z.enum(ARCHS);
export type Arch = z.infer<typeof Arch>;

/** Most conv stages a model may have (a 64×64 image halves 6 times down to 1×1). */
export const MAX_CONV_STAGES = 6;

/** Square image sides conv models take. */
export const CONV_SIDES = [28, 32, 64] as const;

/** Default filters per stage and encoder dense layers of a conv model, per image side (28: the Keras example's). */
export const CONV_DEFAULTS: Record<(typeof CONV_SIDES)[number], { filters: number[]; hidden: number[] }> = {
  28: { filters: [32, 64], hidden: [16] },
  32: { filters: [32, 64, 128], hidden: [256] },
  64: { filters: [32, 64, 128, 256], hidden: [256] },
};

/**
 * The reconstruction likelihood p(x | z). `bernoulli`: each value a probability (sigmoid output,
 * binary cross-entropy; images in [0, 1]: MNIST figures stay comparable with the literature).
 * `gaussian`: each value a Normal with the decoder's output as mean and a fixed σ (identity
 * output): ½·Σ((x − μ)/σ)² + D·log(σ·√(2π)) nats. `auto`: Bernoulli for images, Gaussian for
 * 2-D points. A run's saved config says which one it resolved to.
 */
export const LIKELIHOODS = ['auto', 'bernoulli', 'gaussian'] as const;
export const Likelihood = z.enum(LIKELIHOODS);
export type Likelihood = z.infer<typeof Likelihood>;

/** σ of the Gaussian likelihood when none is given: 0.1 for images (values in [0, 1]), 1 for 2-D points (standardised). */
export const DEFAULT_SIGMA = { image: 0.1, points: 1 } as const;

export const ModelConfig = z
  .object({
    kind: ModelKind.default('vae'),
    arch: Arch.default('dense'),
    latentDim: z.number().int().min(2).max(64).default(3),
    /**
     * Dense layer sizes. `dense`: the encoder's hidden layers, mirrored by the decoder (default
     * [256]). `conv`: the dense layers between the flattened conv features and the latent heads
     * (encoder only, as in the Keras VAE example); left out, it is the input size's default
     * (16 for 28×28, 256 for 32×32 and 64×64), which the engine writes into the run's config.
     * After parsing, `[]` on a conv model means "the input size's default".
     */
    hidden: z.array(z.number().int().min(1).max(4096)).max(6).optional(),
    /**
     * `conv` only: filters of each stride-2 Conv2D stage (the decoder mirrors them). Left out:
     * [32, 64] for 28×28, [32, 64, 128] for 32×32, [32, 64, 128, 256] for 64×64 (down to 7×7 or
     * 4×4). The image side must halve exactly once per stage (28: at most 2 stages).
     */
    convFilters: z.array(z.number().int().min(1).max(1024)).min(1).max(MAX_CONV_STAGES).optional(),
    activation: Activation.default('relu'),
    /** Std-dev of Gaussian noise added to inputs while training (denoising AE). 0 = off. */
    inputNoise: z.number().min(0).max(1).default(0),
    /** L2 weight decay on dense kernels. */
    l2: z.number().min(0).max(1).default(0),
    dropout: z.number().min(0).max(0.9).default(0),
    /** β of the β-VAE (VAE/CVAE only); default per kind: `DEFAULT_BETA`. */
    beta: z.number().min(0).max(100).optional(),
    /** Linear KL warm-up from 0 to β over this many epochs (0 = off). */
    klWarmupEpochs: z.number().int().min(0).max(1000).default(0),
    /** Reconstruction likelihood (`LIKELIHOODS`); `auto` resolves at the start and is saved resolved. */
    likelihood: Likelihood.default('auto'),
    /**
     * Gaussian likelihood only: its fixed σ (in the data's units). Left out: `DEFAULT_SIGMA`
     * (written into the run's config at the start). Runs saved before it had σ = 1.
     */
    sigma: z.number().min(0.001).max(10).optional(),
    /** VAE-GAN only: γ, the decoder's reconstruction weight against the GAN loss (`VAEGAN_DEFAULTS`). */
    gamma: z.number().min(0).max(1000).optional(),
    /** VAE-GAN only: weight of the pixel likelihood mixed into the discriminator-feature reconstruction term (0 = features only). */
    pixelWeight: z.number().min(0).max(100).optional(),
    /** VAE-GAN only: the discriminator's learning rate as a multiple of the run's. */
    discLrScale: z.number().positive().max(10_000).optional(),
  })
  .strict()
  .refine((m) => m.sigma === undefined || m.likelihood !== 'bernoulli', {
    message: 'sigma applies to the Gaussian likelihood only',
    path: ['sigma'],
  })
  .refine((m) => m.arch === 'conv' || m.hidden === undefined || m.hidden.length > 0, {
    message: 'a dense model needs at least one hidden layer',
    path: ['hidden'],
  })
  .refine((m) => m.arch === 'conv' || m.convFilters === undefined, {
    message: 'convFilters applies to conv models only (arch: "conv")',
    path: ['convFilters'],
  })
  .refine((m) => m.kind === 'vaegan' || (m.gamma === undefined && m.pixelWeight === undefined && m.discLrScale === undefined), {
    message: 'gamma, pixelWeight and discLrScale apply to VAE-GAN models only (kind: "vaegan")',
    path: ['kind'],
  })
  .refine((m) => m.kind !== 'vaegan' || !m.inputNoise, {
    message: 'a VAE-GAN does not take inputNoise (its discriminator sees the clean images)',
    path: ['inputNoise'],
  })
  .transform((m) => ({
    ...m,
    hidden: m.hidden ?? (m.arch === 'conv' ? [] : [256]),
    beta: m.beta ?? DEFAULT_BETA[m.kind],
    ...(m.kind === 'vaegan'
      ? {
          gamma: m.gamma ?? VAEGAN_DEFAULTS.gamma,
          pixelWeight: m.pixelWeight ?? VAEGAN_DEFAULTS.pixelWeight,
          discLrScale: m.discLrScale ?? VAEGAN_DEFAULTS.discLrScale,
        }
      : {}),
  }));
export type ModelConfig = z.infer<typeof ModelConfig>;
export type ModelConfigInput = z.input<typeof ModelConfig>;

export const TrainConfig = z
  .object({
    dataset: DatasetRef.default({ id: 'mnist' }),
    model: ModelConfig.default(ModelConfig.parse({})),
    /** 30 epochs: where a dense VAE matches PyTorch's test ELBO and CVAE samples look like their label. */
    epochs: z.number().int().min(1).max(10_000).default(30),
    batchSize: z.number().int().min(1).max(8192).default(256),
    learningRate: z.number().positive().max(100).default(1e-3),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /** Human name of the run; defaults to e.g. "VAE z=3 mnist". */
    name: z.string().min(1).max(200).optional(),
    /** How many test points get latent snapshots each epoch (for the live scatter). */
    snapshotSize: z.number().int().min(0).max(100_000).default(2000),
  })
  .strict();
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;


/**
 * Per-sample losses in nats. For AE, kl is 0 and loss = recon. A VAE-GAN's `recon` is its pixel
 * likelihood (as the VAE's, so the two compare) and its training also reports `gan`.
 */
export const LossParts = z.object({
  loss: z.number(),
  recon: z.number(),
  kl: z.number(),
  /** VAE-GAN training only (not validation): the discriminator's loss and the GAN / feature terms. */
  gan: GanParts.optional(),
});
export type LossParts = z.infer<typeof LossParts>;

export const TRAIN_STATES = ['idle', 'training', 'paused', 'done', 'error', 'cancelled'] as const;
export const TrainState = z.enum(TRAIN_STATES);
export type TrainState = z.infer<typeof TrainState>;

export const TrainProgress = z.object({
  runId: z.string(),
  state: TrainState,
  /** 1-based epoch currently running (or just finished). */
  epoch: z.number().int(),
  epochs: z.number().int(),
  /** 1-based batch within the epoch. */
  batch: z.number().int(),
  batches: z.number().int(),
  samplesPerSecond: z.number(),
  etaSeconds: z.number(),
  /** Running mean over the epoch so far. */
  train: LossParts,
  /** Present at the end of each epoch. */
  val: LossParts.optional(),
  /** Current effective β (after warm-up). */
  beta: z.number(),
  /**
   * What went wrong so far that training goes on through, in words (VAE-GAN: the discriminator
   * winning, near-identical samples; the last good checkpoint is kept meanwhile).
   */
  warnings: z.array(z.string()).optional(),
});
export type TrainProgress = z.infer<typeof TrainProgress>;

export const Metrics = z.object({
  /**
   * Test-set negative ELBO per sample (nats, constants included); for AE the reconstruction loss
   * alone. Under `likelihood` (absent in runs saved before it was recorded: Bernoulli for images).
   */
  elbo: z.number(),
  recon: z.number(),
  kl: z.number(),
  /** Latent units whose posterior-mean variance across the test set exceeds 0.01. */
  activeUnits: z.number().int(),
  /** k-NN (k=5) label accuracy in latent space, test points against training points. */
  knnAccuracy: z.number(),
  /**
   * Mean KL (nats) of each latent dimension over the test set, from the posterior means and
   * variances (VAE/CVAE; absent for an AE and for runs saved before it was recorded).
   */
  klPerDim: z.array(z.number()).optional(),
  /** The reconstruction likelihood the ELBO is under, and the Gaussian's σ. */
  likelihood: z.enum(['bernoulli', 'gaussian']).optional(),
  sigma: z.number().optional(),
  /**
   * Image datasets: the Fréchet distance (FID-style d², Heusel et al. 2017) between the in-app
   * classifier's features (penultimate layer) of generated images and of real test images; lower
   * is closer to the data. Comparable between runs on the same dataset only. Absent for toy data,
   * for runs saved before it existed and when the classifier's training was cancelled.
   */
  frechet: z.number().optional(),
  /**
   * Image datasets: fraction of test images whose reconstruction (decoded from the posterior mean)
   * the in-app classifier gives the original's label (are reconstructions still recognisable?).
   */
  reconAccuracy: z.number().optional(),
  /** CVAE on image data: fraction of samples generated for a label that the in-app classifier gives that label. */
  generationAccuracy: z.number().optional(),
  /** The in-app classifier's accuracy on the test images the two numbers above used (how far to trust them). */
  classifierAccuracy: z.number().optional(),
});
export type Metrics = z.infer<typeof Metrics>;

export const RunSummary = z.object({
  id: z.string(),
  name: z.string(),
  created: z.string(),
  config: TrainConfig,
  state: TrainState,
  epochsDone: z.number().int(),
  metrics: Metrics.nullable(),
  /** Set when the run folder could not be read; the run is listed but cannot be opened. */
  error: z.string().optional(),
  /** What the start adjusted, in words (e.g. a batch larger than the training set, clamped to it). */
  warnings: z.array(z.string()).optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export const BackendName = z.enum(BACKENDS);
export type BackendName = z.infer<typeof BackendName>;

export const BackendInfo = z.object({
  backend: BackendName,
  /** Why each better backend was skipped, in preference order. */
  skipped: z.array(z.object({ backend: BackendName, reason: z.string() })),
  forced: z.boolean(),
  simd: z.boolean().optional(),
  threads: z.number().int().optional(),
  /** Threads the last (or current) run trains on (the engine's own thread keeps `threads`, i.e. 1). */
  trainThreads: z.number().int().optional(),
  /**
   * How the last (or current) run trains: `dense` = Latent Lab's own wasm SIMD kernels for dense
   * and conv models (the default), `tfjs` = tfjs ops; on how many threads. Unset until the first run.
   */
  training: z
    .object({
      kernels: z.enum(['dense', 'tfjs']),
      threads: z.number().int(),
      /** Why a run that would use the dense kernels did not (e.g. a model too big for them). */
      note: z.string().optional(),
      /** The kernels' build (dense kernels only): `relaxed` = relaxed SIMD (fused multiply-add), `plain` = SIMD. */
      simd: z.enum(['relaxed', 'plain']).optional(),
    })
    .optional(),
  /** Why wasm runs on fewer threads than asked for (e.g. the threaded build failed to load). */
  threadsNote: z.string().optional(),
  /** Kernel overrides installed at start (e.g. "BatchMatMul: transposes materialised"). */
  overrides: z.array(z.string()),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const EngineInfo = z.object({
  appVersion: z.string(),
  tfjsVersion: z.string(),
  node: z.string(),
  platform: z.string(),
  backend: BackendInfo,
  workspace: z.string(),
  /**
   * Where exports go by default: a folder outside the workspace (exports never write inside it),
   * e.g. `~/Documents/Latent Lab exports`. The UI suggests `<exportRoot>/<run>-<date>`.
   */
  exportRoot: z.string().optional(),
  /** False when the in-app classifier is off (`LATENT_LAB_CLASSIFIER=0`): no Fréchet distance, generation accuracy… */
  classifier: z.boolean().optional(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const EXPORT_FORMATS = ['imagefolder', 'idx', 'npz', 'embeddings'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** A run folder name: letters, digits, dot, dash, underscore; never `.` or `..`. */
export const RunId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?!\.{1,2}$)[A-Za-z0-9._-]+$/, 'invalid run id');

export const ExportRequest = z
  .object({
    runId: RunId,
    format: ExportFormat,
    /** Per label for CVAE, in total for AE/VAE. Ignored for embeddings. */
    count: z.number().int().min(1).max(100_000).default(100),
    /** Restrict CVAE generation to one label; all labels when absent. */
    label: z.number().int().min(0).max(9999).optional(),
    temperature: z.number().min(0).max(10).default(1),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /** Absolute destination folder. */
    out: z.string().min(1).max(4096),
    overwrite: z.boolean().default(false),
  })
  .strict();
export type ExportRequest = z.infer<typeof ExportRequest>;
export type ExportRequestInput = z.input<typeof ExportRequest>;

export const ExportResult = z.object({
  out: z.string(),
  format: ExportFormat,
  total: z.number().int(),
  countPerLabel: z.record(z.string(), z.number().int()),
  files: z.array(z.string()),
  /** What to know about the export, in words: a collapsed run's samples will be near-identical. */
  warnings: z.array(z.string()).optional(),
});
export type ExportResult = z.infer<typeof ExportResult>;

/** Error codes used across the contract, the engine and the CLI. */
export const ERROR_CODES = [
  'INVALID_PAYLOAD',
  'UNKNOWN_REQUEST',
  'NOT_FOUND',
  'BUSY',
  'NO_MODEL',
  'BAD_IMAGE',
  'BAD_DATASET',
  'BAD_FILE',
  'TOO_LARGE',
  'UNSUPPORTED',
  'DIVERGED',
  'CANCELLED',
  'EXISTS',
  'IO',
  'ENGINE_DOWN',
  'INTERNAL',
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error type the engine throws on purpose; anything else is INTERNAL. */
export class LabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}

/** Upper bound on a dropped/encoded image file, checked before the bytes are read whole. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** Upper bound on decoded image pixels (width × height), checked from the header. */
export const MAX_IMAGE_PIXELS = 50_000_000;
