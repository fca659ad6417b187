/**
 * A training run's settings (`TrainConfig`) and what training reports while it runs
 * (`LossParts`, `TrainState`, `TrainProgress`). Re-exported by ./types.ts. Pure zod.
 */
import { z } from 'zod';
import { DatasetRef } from './datasets';
import { ModelConfig } from './model';
import { GanParts } from './vaegan';

/**
 * Batch size when none is given, per model kind. The VAE-GAN's is 64, as Larsen et al. 2016 train
 * theirs: its adversarial game gains from more, smaller steps far more than a VAE does. Measured
 * with the PyTorch peer (dense 784-256-16, 8,000 digits, γ 0.1): Fréchet distance of prior samples
 * after 40 epochs 87.4 at batch 256 (55 s), 74.1 at 128 (63 s), **59.9 at 64 (87 s)**, 69.9 at 32
 * (153 s); batch 256 needs 150 epochs (268 s) for 65.1. A VAE at batch 64 gains nothing per second
 * (88.7 after 114 s against 86.9 after 141 s at 256), so the other kinds keep 256.
 */
export const DEFAULT_BATCH_SIZE = { ae: 256, vae: 256, cvae: 256, vaegan: 64 } as const satisfies Record<ModelConfig['kind'], number>;

/**
 * Optimiser steps of `epochs` epochs over `trainCount` training examples at `batchSize`: one step
 * per batch, the last batch of an epoch partial (epochs × ⌈trainCount / batchSize⌉).
 */
export function optimiserSteps(epochs: number, trainCount: number, batchSize: number): number {
  return epochs * Math.ceil(trainCount / batchSize);
}

/**
 * How Adam's learning rate moves over a run's epochs (`TrainConfig.lrSchedule`; `learningRateAt`):
 *   constant      the run's `learningRate` at every step.
 *   linear-decay  constant for the first ⌈E/2⌉ of E epochs, then down in equal steps per epoch to
 *                 `LR_DECAY_FINAL_FACTOR` (5 %) of it at the last — the schedule pix2pix (Isola et
 *                 al. 2017, §4 / its code's `lr_policy='linear'`) and CycleGAN (Zhu et al. 2017,
 *                 §7.1) train their GANs with. A VAE-GAN's three optimisers follow it alike (the
 *                 discriminator's rate stays `discLrScale` × the decoder's).
 * New VAE-GANs default to 'linear-decay' (`DEFAULT_LR_SCHEDULE`): at the same 120 s as a VAE its
 * samples otherwise drift worse over the second half of training (docs/PERFORMANCE.md, VAE-GAN,
 * "The learning-rate decay"); the other kinds to 'constant'. Runs saved before the option existed
 * trained at a constant rate and are read so (`SAVED_RUN_LR_SCHEDULE`, `withSavedRunSettings`).
 */
export const LR_SCHEDULES = ['constant', 'linear-decay'] as const;
export const LrSchedule = z.enum(LR_SCHEDULES);
export type LrSchedule = z.infer<typeof LrSchedule>;
export const LR_SCHEDULE_DESCRIPTIONS: Record<LrSchedule, string> = {
  constant: 'the same learning rate at every step',
  'linear-decay': 'constant for the first half of the epochs, then down linearly to 5 % of it at the last (pix2pix, CycleGAN)',
};
/** The learning-rate schedule when none is given, per model kind. */
export const DEFAULT_LR_SCHEDULE = { ae: 'constant', vae: 'constant', cvae: 'constant', vaegan: 'linear-decay' } as const satisfies Record<ModelConfig['kind'], LrSchedule>;
/** The schedule of a run saved before `TrainConfig.lrSchedule` existed (its config.json has none). */
export const SAVED_RUN_LR_SCHEDULE: LrSchedule = 'constant';
/** 'linear-decay''s rate at the last epoch, as a fraction of the run's `learningRate`. */
export const LR_DECAY_FINAL_FACTOR = 0.05;

/**
 * Adam's learning rate during epoch `epoch` (1-based, 1…epochs) of a run: `learningRate` for
 * 'constant'; for 'linear-decay' with E epochs and h = ⌈E/2⌉, `learningRate` while epoch ≤ h,
 * then learningRate · (1 − (1 − LR_DECAY_FINAL_FACTOR) · (epoch − h) / (E − h)) — so exactly
 * LR_DECAY_FINAL_FACTOR · learningRate at epoch E (a 1-epoch run keeps its rate). Per epoch, as
 * pix2pix's scheduler steps. Same unit as `learningRate`.
 */
export function learningRateAt(cfg: { learningRate: number; lrSchedule: LrSchedule; epochs: number }, epoch: number): number {
  if (cfg.lrSchedule === 'constant') return cfg.learningRate;
  const h = Math.ceil(cfg.epochs / 2);
  if (epoch <= h) return cfg.learningRate;
  const t = Math.min(1, (epoch - h) / (cfg.epochs - h));
  return cfg.learningRate * (1 - (1 - LR_DECAY_FINAL_FACTOR) * t);
}

/** The longest name a run can have, in characters (JS string length): a training's `name`, `runs:rename`. */
export const RUN_NAME_MAX = 200;

/**
 * A training run's settings; a missing batch size becomes the model kind's `DEFAULT_BATCH_SIZE`, a
 * missing learning-rate schedule its `DEFAULT_LR_SCHEDULE`.
 */
export const TrainConfig = z
  .object({
    dataset: DatasetRef.default({ id: 'mnist' }),
    model: ModelConfig.default(ModelConfig.parse({})),
    /** 30 epochs: where a dense VAE matches PyTorch's test ELBO and CVAE samples look like their label. */
    epochs: z.number().int().min(1).max(10_000).default(30),
    /** Absent: the model kind's `DEFAULT_BATCH_SIZE` (256; the VAE-GAN's 64). */
    batchSize: z.number().int().min(1).max(8192).optional(),
    learningRate: z.number().positive().max(100).default(1e-3),
    /** Absent: the model kind's `DEFAULT_LR_SCHEDULE` ('linear-decay' for a VAE-GAN, else 'constant'). */
    lrSchedule: LrSchedule.optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /** Human name of the run (at most `RUN_NAME_MAX` characters); defaults to e.g. "VAE z=3 mnist". */
    name: z.string().min(1).max(RUN_NAME_MAX).optional(),
    /** How many test points get latent snapshots each epoch (for the live scatter). */
    snapshotSize: z.number().int().min(0).max(100_000).default(2000),
  })
  .strict()
  .transform((c) => ({ ...c, batchSize: c.batchSize ?? DEFAULT_BATCH_SIZE[c.model.kind], lrSchedule: c.lrSchedule ?? DEFAULT_LR_SCHEDULE[c.model.kind] }));
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
  /** Seconds left (`engine/eta.ts`); null while it is still being estimated (the first batches, or none timed yet). */
  etaSeconds: z.number().nullable(),
  /** Running mean over the epoch so far. */
  train: LossParts,
  /** Present at the end of each epoch. */
  val: LossParts.optional(),
  /** Current effective β (after warm-up). */
  beta: z.number(),
  /**
   * What went wrong so far that training goes on through, in words (VAE-GAN: the discriminator
   * winning, near-identical samples, reconstructions no better than the average image; the last
   * good checkpoint is kept meanwhile).
   */
  warnings: z.array(z.string()).optional(),
});
export type TrainProgress = z.infer<typeof TrainProgress>;
