/**
 * A training run's settings (`TrainConfig`) and what training reports while it runs
 * (`LossParts`, `TrainState`, `TrainProgress`). Re-exported by ./types.ts. Pure zod.
 */
import { z } from 'zod';
import { DatasetRef } from './datasets';
import { ModelConfig } from './model';
import { GanParts } from './vaegan';

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
