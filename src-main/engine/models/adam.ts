/**
 * Changing a tfjs Adam optimiser's learning rate between steps (a run's `lrSchedule`,
 * src-shared/training.ts `learningRateAt`). tfjs has no scheduler: `AdamOptimizer` reads its
 * `learningRate` field on every `applyGradients` (tfjs-core 4.22 adam_optimizer.js), which the
 * type declares protected; this is the one place that writes it. The moments and step count stay.
 */
import type * as tf from '@tensorflow/tfjs';

/** Sets `optimizer`'s rate for the steps that follow. Throws RangeError unless `learningRate` > 0 and finite. */
export function setAdamLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new RangeError(`learning rate must be positive and finite, not ${learningRate}`);
  const o = optimizer as unknown as { learningRate?: unknown };
  if (typeof o.learningRate !== 'number') throw new TypeError(`${optimizer.getClassName()} has no numeric learningRate to set`);
  o.learningRate = learningRate;
}
