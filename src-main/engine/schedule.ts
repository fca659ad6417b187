/**
 * The β schedule of a run (tfjs-free: the training workers import it without loading tfjs).
 */
import type { TrainConfig } from '../../src-shared/types';

/** Effective β at a fractional epoch position (linear warm-up over `klWarmupEpochs`; 0 for an AE). */
export function betaAt(cfg: TrainConfig, epochFloat: number): number {
  const { beta, klWarmupEpochs, kind } = cfg.model;
  if (kind === 'ae') return 0;
  if (klWarmupEpochs <= 0) return beta;
  return beta * Math.min(1, epochFloat / klWarmupEpochs);
}
