/**
 * What a training start adjusts before a run exists, each with a notice in words that the run
 * keeps (`RunRecord.warnings`), `training:start` returns and the CLI prints.
 */
import { LabError, type TrainConfig } from '../../../src-shared/types';

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
