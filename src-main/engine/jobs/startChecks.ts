/**
 * What a training start adjusts or warns about before a run exists (the batch clamp, a run of too
 * few optimiser steps), each with a notice in words that the run keeps (`RunRecord.warnings`), `training:start` returns and the CLI prints.
 */
import { LabError, optimiserSteps, type TrainConfig } from '../../../src-shared/types';

/**
 * Refuses a model kind the data cannot train: a VAE-GAN needs images (its discriminator judges
 * decoded images).
 * @throws LabError UNSUPPORTED for a VAE-GAN on 2-D points.
 */
export function assertKindFitsData(cfg: TrainConfig, isImage: boolean): void {
  if (cfg.model.kind === 'vaegan' && !isImage) {
    throw new LabError('UNSUPPORTED', `a VAE-GAN trains on images only (its discriminator judges decoded images); ${cfg.dataset.id} is 2-D points: train a VAE on it`);
  }
}

/**
 * A batch larger than the training set is clamped to it (one batch per epoch): the config with
 * the batch size the run really uses, and the notice. `trainCount` ≥ 1.
 */
export function clampBatch(cfg: TrainConfig, trainCount: number): { cfg: TrainConfig; warnings: string[] } {
  if (cfg.batchSize <= trainCount) return { cfg, warnings: [] };
  const n = trainCount.toLocaleString('en-US');
  return {
    cfg: { ...cfg, batchSize: trainCount },
    warnings: [`batch size ${cfg.batchSize.toLocaleString('en-US')} is larger than the training set (${n} ${trainCount === 1 ? 'example' : 'examples'}): clamped to ${n}, one batch per epoch`],
  };
}

/** Fewer optimiser steps than this in a whole run: a model barely moves from its start (grey blobs). */
export const FEW_STEPS = 500;

/**
 * What a run of fewer than FEW_STEPS optimiser steps usually leaves in its samples, per model kind:
 * a VAE's (and an AE's, a CVAE's) are blurry and grey; a VAE-GAN's are not grey but show the GAN's
 * failure, the same shape repeated with salt-noise speckle (the new user's 375-step VAE-GAN on MNIST:
 * about a third of 100 prior samples one swirly hook, the rest blurry).
 */
export function fewStepsSymptom(kind: TrainConfig['model']['kind']): string {
  return kind === 'vaegan' ? 'repeated, speckled shapes' : 'blurry, grey samples';
}

/**
 * The smallest batch the notice suggests: below it a step is mostly noise and an epoch is slow
 * (the fresh user's 144 training images at 5 epochs were told "batch 1: 720 steps").
 */
export const MIN_SUGGESTED_BATCH = 8;

/**
 * A notice when the run will take fewer than FEW_STEPS optimiser steps in all (epochs ×
 * ⌈train count / batch⌉, one step per batch, the last one partial): how many, and what gives more
 * — a smaller batch (a power of two, never under MIN_SUGGESTED_BATCH, only when it reaches
 * FEW_STEPS within these epochs), else more epochs at this batch and, when it is larger, at
 * MIN_SUGGESTED_BATCH. `cfg.batchSize` is the one the run really uses (after `clampBatch`);
 * `trainCount` ≥ 1.
 */
export function fewStepsWarning(cfg: TrainConfig, trainCount: number): string[] {
  const perEpoch = optimiserSteps(1, trainCount, cfg.batchSize);
  const steps = optimiserSteps(cfg.epochs, trainCount, cfg.batchSize);
  if (steps >= FEW_STEPS) return [];
  const fmt = (v: number) => v.toLocaleString('en-US');
  // The largest batch that reaches FEW_STEPS in these epochs, rounded down to a power of two (the
  // sizes people use: 32, not 47).
  const exact = Math.max(1, Math.floor(trainCount / Math.ceil(FEW_STEPS / cfg.epochs)));
  const smaller = 2 ** Math.floor(Math.log2(exact));
  const smallerSteps = optimiserSteps(cfg.epochs, trainCount, smaller);
  const epochsAt = (batch: number) => Math.ceil(FEW_STEPS / optimiserSteps(1, trainCount, batch));
  // A smaller batch is offered only when it alone reaches FEW_STEPS (48 examples × 2 epochs give at most 96, even at batch 1).
  const offerSmaller = smaller >= MIN_SUGGESTED_BATCH && smaller < cfg.batchSize && smallerSteps >= FEW_STEPS;
  const atMin = !offerSmaller && cfg.batchSize > MIN_SUGGESTED_BATCH ? `, or ${fmt(epochsAt(MIN_SUGGESTED_BATCH))} at batch ${MIN_SUGGESTED_BATCH}` : '';
  const ways = [
    ...(offerSmaller ? [`a smaller batch (e.g. ${fmt(smaller)}: ${fmt(smallerSteps)} steps)`] : []),
    `more epochs (${fmt(epochsAt(cfg.batchSize))} at batch ${fmt(cfg.batchSize)}${atMin})`,
  ].join(' or ');
  return [
    `this run takes only ${fmt(steps)} optimiser ${steps === 1 ? 'step' : 'steps'} in all (${fmt(cfg.epochs)} ${cfg.epochs === 1 ? 'epoch' : 'epochs'} × ${fmt(perEpoch)} ${perEpoch === 1 ? 'batch' : 'batches'} of up to ${fmt(cfg.batchSize)}): ` +
      `fewer than ~${fmt(FEW_STEPS)} usually leaves ${fewStepsSymptom(cfg.model.kind)}; use ${ways}`,
  ];
}

/**
 * Every start check in order: the batch clamp, then the few-steps notice (on the clamped batch)
 * for image data only (`isImage`; its words are about images: `fewStepsSymptom`, and 2-D
 * toy points train in a few seconds anyway).
 * @returns the config the run uses and the notices, in words.
 */
export function startChecks(cfg: TrainConfig, trainCount: number, isImage = true): { cfg: TrainConfig; warnings: string[] } {
  const clamp = clampBatch(cfg, trainCount);
  return { cfg: clamp.cfg, warnings: [...clamp.warnings, ...(isImage ? fewStepsWarning(clamp.cfg, trainCount) : [])] };
}
