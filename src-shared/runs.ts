/**
 * Finished runs: their test metrics (`Metrics`), the run list's `RunSummary`, run ids, and
 * exports of a run (`ExportRequest`, `ExportResult`). Re-exported by ./types.ts. Pure zod.
 */
import { z } from 'zod';
import { SAVED_RUN_LR_SCHEDULE, TrainConfig, TrainState } from './training';
import { withSavedGanSettings } from './vaegan';

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
  /**
   * Per latent dimension: whether it is one of the `activeUnits` (its posterior-mean variance over
   * the test set exceeds 0.01). Absent for runs saved before it was recorded.
   */
  activeDims: z.array(z.boolean()).optional(),
  /**
   * k-NN (k=5) label accuracy in latent space, test points against training points. Absent when
   * the data has fewer than 2 classes (it would always be 1) or no test points.
   */
  knnAccuracy: z.number().optional(),
  /**
   * Sample spread: the mean pairwise Euclidean distance of 64 decoded prior samples (seeded) over
   * that of 64 training images (a CVAE: per label, 16 of each, averaged over labels); 0 = every
   * sample identical. Under `COLLAPSE_SPREAD` (collapse.ts) the run is reported as collapsed.
   * Absent for runs saved before it was recorded.
   */
  sampleSpread: z.number().nonnegative().optional(),
  /**
   * `sampleSpread` of samples drawn from the run's fitted prior (`prior: 'fitted'`) instead: their
   * mean pairwise Euclidean distance over that of the very same training images (a ratio; a CVAE:
   * per label, averaged over the labels that have a mixture). The mixture is fitted to posterior
   * means, so an under-trained model's fitted samples vary less than the data; the renderer says
   * so under `FITTED_SPREAD_LOW`. Absent for runs saved before it was recorded (and without a
   * fitted prior).
   */
  sampleSpreadFitted: z.number().nonnegative().optional(),
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
   * How many generated and as many real test images `frechet` used (the test split, at most
   * 5,000). The Fréchet distance of few samples is biased upward (Chong & Forsyth 2020): the
   * renderer says so under `FRECHET_MIN_SAMPLES`. Absent for runs saved before it was recorded.
   */
  frechetSamples: z.number().int().positive().optional(),
  /**
   * `frechet` again, with the generated images decoded from the run's fitted prior (`prior:
   * 'fitted'`: a Gaussian mixture fitted to the training images' posterior means, Ghosh et al.
   * 2020) instead of N(0, I): how far the model's samples are from the data when drawn from
   * where the encoder puts it. Absent where `frechet` is, and for runs saved before it existed.
   */
  frechetFitted: z.number().optional(),
  /**
   * Image datasets: fraction of test images whose reconstruction (decoded from the posterior mean)
   * the in-app classifier gives the original's label (are reconstructions still recognisable?).
   */
  reconAccuracy: z.number().optional(),
  /** CVAE on image data: fraction of samples generated for a label that the in-app classifier gives that label. */
  generationAccuracy: z.number().optional(),
  /**
   * `generationAccuracy` again (a fraction in [0, 1]), with the samples drawn from the run's fitted
   * prior (the label's mixture) instead of N(0, I): the very samples `frechetFitted` judges.
   * Absent where `frechetFitted` is, for other kinds than CVAE, and for runs saved before it existed.
   */
  generationAccuracyFitted: z.number().optional(),
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
  /** The epochs of the saved model (its checkpoint, its metrics, its optimiser steps). */
  epochsDone: z.number().int(),
  /**
   * The epochs trained, when more than `epochsDone`: a VAE-GAN whose last epochs were unhealthy
   * (jobs/ganHealth.ts) keeps the last healthy epoch's model, `epochsDone`, while its loss history
   * (metrics.jsonl) holds every epoch trained. Absent when the saved model is the last epoch's.
   */
  epochsTrained: z.number().int().positive().optional(),
  metrics: Metrics.nullable(),
  /** Set when the run folder could not be read; the run is listed but cannot be opened. */
  error: z.string().optional(),
  /** What the start adjusted, in words (e.g. a batch larger than the training set, clamped to it). */
  warnings: z.array(z.string()).optional(),
  /**
   * The run id its `config.json` was written with, when that is not its folder's name (the folder
   * name is the run's id): a copy of that run (`cp -a runs/X runs/X-backup`).
   */
  copyOf: z.string().optional(),
  /**
   * A run whose engine stopped while it trained, with this many epochs saved (≥ 1; its `error`
   * says `interrupted: …`): it opens from its last saved epoch.
   */
  interruptedAfter: z.number().int().positive().optional(),
  /** The pid of another live process (the CLI, a second app) that is training this run: it cannot be renamed or deleted here. */
  trainedBy: z.number().int().positive().optional(),
  /** Who that process is, in words, where it can be told ("the command line (latent-lab train)", "another Latent Lab window"). */
  trainer: z.string().optional(),
  /**
   * Set (the reason) for an entry of runs/ that is not a Latent Lab run (no `config.json`, or one
   * that is not a run record): listed with no model or config of its own, never opened or deleted.
   */
  notRun: z.string().optional(),
  /**
   * Set for a run folder whose name cannot be a run id (a file manager's "… copy", "… (2)"): a
   * name it could be renamed to. Such an entry is listed with `notRun` saying so, never opened or deleted.
   */
  renameTo: z.string().optional(),
  /** Files in the run's folder that Latent Lab did not write (relative paths, at most 10): the app does not delete the run. */
  foreignFiles: z.array(z.string()).optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * Where generated samples are drawn from. `standard`: the model's prior, N(0, T²·I) for a VAE,
 * CVAE and VAE-GAN (a plain AE has none: a diagonal Gaussian fitted to its training latents).
 * `fitted`: a Gaussian mixture fitted to the training images' posterior means at the end of the
 * run (ex-post density estimation, Ghosh et al. 2020, "From variational to deterministic
 * autoencoders"); a conditional model has one mixture per label. Samples from it land where the
 * encoder actually puts data, away from the prior's holes.
 */
export const SAMPLE_PRIORS = ['standard', 'fitted'] as const;
export const SamplePrior = z.enum(SAMPLE_PRIORS);
export type SamplePrior = z.infer<typeof SamplePrior>;

export const EXPORT_FORMATS = ['imagefolder', 'idx', 'npz', 'embeddings'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** A run folder name: letters, digits, dot, dash, underscore; never `.` or `..`. */
export const RunId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?!\.{1,2}$)[A-Za-z0-9._-]+$/, 'invalid run id');

/** Which of a run's images an embeddings export encodes (`ExportRequest.split`). */
export const EMBEDDING_SPLITS = ['test', 'train', 'all'] as const;
export type EmbeddingSplit = (typeof EMBEDDING_SPLITS)[number];

export const ExportRequest = z
  .object({
    runId: RunId,
    format: ExportFormat,
    /** Per label for CVAE, in total for AE/VAE. Ignored for embeddings. */
    count: z.number().int().min(1).max(100_000).default(100),
    /** Restrict CVAE generation to one label; all labels when absent. */
    label: z.number().int().min(0).max(9999).optional(),
    temperature: z.number().min(0).max(10).default(1),
    /** Where the samples are drawn from (`SamplePrior`). Ignored for embeddings. */
    prior: SamplePrior.default('standard'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /** Embeddings only: the images encoded — the run's test split (the default), its training split, or both (training first). */
    split: z.enum(EMBEDDING_SPLITS).default('test'),
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

/**
 * A run record as read from its config.json (unknown JSON) with the settings added since it may
 * have been written filled as what it trained with, so that the contract's defaults for new runs
 * never relabel an old one: a missing `config.lrSchedule` as `SAVED_RUN_LR_SCHEDULE` ('constant'),
 * a VAE-GAN's missing `ganLoss` / `emaDecay` by `withSavedGanSettings`. Anything else is returned
 * as it is (a copy where it changes; the argument is not modified). Apply before `RunRecord`.
 */
export function withSavedRunSettings(record: unknown): unknown {
  const r = withSavedGanSettings(record) as { config?: Record<string, unknown> } | null;
  const config = r && typeof r === 'object' ? r.config : undefined;
  if (!config || typeof config !== 'object' || 'lrSchedule' in config) return r;
  return { ...r, config: { ...config, lrSchedule: SAVED_RUN_LR_SCHEDULE } };
}
