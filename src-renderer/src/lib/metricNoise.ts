/**
 * Whether two runs' numbers for one metric differ by more than the metric's own noise: the Compare
 * tab marks a number "better" only then (83.8 % against 83.4 % k-NN accuracy on 2,000 test images
 * is noise, not a verdict). Each side is ONE run, so a Fréchet distance's margin is what a re-seed
 * of the same recipe moves it (`FRECHET_SEED_MARGIN`), not the estimator's own noise alone.
 */
import { FRECHET_MIN_SAMPLES } from './metricHints';

/**
 * How a metric is measured, which decides its noise:
 *  - `proportion`: a fraction of `n` test images (k-NN accuracy, reconstructions recognised);
 *  - `loss`: a mean per-image loss in nats (−ELBO, reconstruction error, KL);
 *  - `frechet`: a Fréchet distance between `n` generated and `n` real images' features.
 */
export type NoiseKind = 'proportion' | 'loss' | 'frechet';

/** One side's number and, when known, how many images it was measured on. */
export interface Measured {
  value: number;
  n?: number;
}

/**
 * Standard errors of the difference a proportion must exceed (2 SE ≈ a 95 % two-sided test).
 * The two runs are scored on the same test images, so the true difference's SE is smaller than
 * the unpaired √(pa(1−pa)/na + pb(1−pb)/nb) used here: the rule errs on the side of "no verdict".
 */
export const PROPORTION_SE = 2;
/**
 * Relative margin of a proportion whose sample size is unknown: 3 %, about 2 SE of the difference
 * of two proportions near 0.85 on 2,000 images (the embedded MNIST's test split), the usual case.
 */
export const PROPORTION_MARGIN = 0.03;
/**
 * Relative margin of a mean loss in nats (−ELBO, reconstruction error): 1 %. The test −ELBO is a
 * single-sample estimate (one z per image) averaged over at most a few thousand test images whose
 * own −ELBOs spread by tens of nats, so its standard error is of the order of a nat on a value of
 * 100–200 nats; a difference under 1 % is within that noise and within what another seed gives.
 */
export const LOSS_MARGIN = 0.01;
/**
 * Relative margin of a Fréchet distance from equal sample counts: 2 %. Two things move it. Its
 * sampling spread is small: measured with the engine's `frechetOfSets` on two 128-D Gaussians
 * (12 seeds; distances 18–67), the standard deviation is 0.2 % of the value at N = 2,000 images
 * per side and 0.7 % at N = 500. Its upward bias is larger, ≈ 0.8 % of the features' total
 * variance at N = 2,000 and 3.2 % at 500 (`FRECHET_MIN_SAMPLES`); with equal N it mostly cancels
 * between two runs, but not wholly (it grows with each run's sample spread). 2 % covers both at
 * the embedded MNIST's 2,000 test images; below `FRECHET_MIN_SAMPLES` per side the margin doubles.
 */
export const FRECHET_MARGIN = 0.02;
/**
 * How far a re-seed moves one run's Fréchet distance (prior samples): ±10 %. Nine seeds of one
 * recipe (README and docs/PERFORMANCE.md, #15: dense z 16, the 120-s budget's epochs, 2,000
 * images a side) spread from −5 % to +6 % of their mean for the VAE (SD 3.6 %) and from −10 % to
 * +8 % for the VAE-GAN (SD 6.2 %). Said in the Compare tab's note (`SEED_SPREAD_NOTE`).
 */
export const FRECHET_SEED_SPREAD = 0.1;
/**
 * Relative margin of the Fréchet distances of two single runs: 15 %. Their relative difference
 * has an SD of about √(3.6² + 6.2²) ≈ 7.2 % between seeds (`FRECHET_SEED_SPREAD`'s runs, which
 * include the estimator's noise at 2,000 images); 2 SD ≈ 14–15 %. The README's VAE-GAN against
 * its VAE (0.65–0.80×, 0.73× on average) passes it; two VAE-GANs differing only in γ (59.9 vs
 * 64.7) do not — another seed can swap them. Below `FRECHET_MIN_SAMPLES` per side the
 * estimator's wider margin (2 × `FRECHET_MARGIN`) is added.
 */
export const FRECHET_SEED_MARGIN = 0.15;

/**
 * True when two single runs' Fréchet distances `a` and `b` differ by more than the estimator's
 * own noise (`FRECHET_MARGIN`; doubled below `FRECHET_MIN_SAMPLES`) — and so by less than
 * `clearlyDifferent` asks, a difference a re-seed could make or undo. False for different sample
 * counts and non-finite numbers.
 */
export function beyondEstimatorNoise(a: Measured, b: Measured): boolean {
  const [x, y] = [a.value, b.value];
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  if (a.n !== undefined && b.n !== undefined && a.n !== b.n) return false;
  const n = a.n ?? b.n;
  const margin = n !== undefined && n < FRECHET_MIN_SAMPLES ? 2 * FRECHET_MARGIN : FRECHET_MARGIN;
  return Math.abs(x - y) > margin * Math.max(Math.abs(x), Math.abs(y));
}

/**
 * True when `a` and `b` differ by more than `kind`'s noise (see the constants above); false for
 * non-finite numbers, and for Fréchet distances from different sample counts (their biases differ:
 * not comparable at all). Proportions are in [0, 1]; n are image counts (positive integers).
 */
export function clearlyDifferent(kind: NoiseKind, a: Measured, b: Measured): boolean {
  const x = a.value;
  const y = b.value;
  if (!Number.isFinite(x) || !Number.isFinite(y) || x === y) return false;
  const diff = Math.abs(x - y);
  const scale = Math.max(Math.abs(x), Math.abs(y));
  if (kind === 'proportion') {
    if (a.n && b.n && a.n > 0 && b.n > 0) {
      const se = Math.sqrt((x * (1 - x)) / a.n + (y * (1 - y)) / b.n);
      return diff > PROPORTION_SE * se;
    }
    return diff > PROPORTION_MARGIN * scale;
  }
  if (kind === 'frechet') {
    if (a.n !== undefined && b.n !== undefined && a.n !== b.n) return false;
    const n = a.n ?? b.n;
    const margin = n !== undefined && n < FRECHET_MIN_SAMPLES ? FRECHET_SEED_MARGIN + 2 * FRECHET_MARGIN : FRECHET_SEED_MARGIN;
    return diff > margin * scale;
  }
  return diff > LOSS_MARGIN * scale;
}
