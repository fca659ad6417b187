/**
 * Exploration instruments over a loaded run (`model:dimStats`, `model:typicality`):
 *
 * - per-dimension statistics of the test split's posteriors: mean KL of each latent dimension
 *   (VAE/CVAE), the mean and variance of each dimension's posterior mean, active units — what the
 *   KL bar chart, the collapse warning and the traversal grid's row order need;
 * - how typical one input is: its negative ELBO (an AE: its reconstruction error) and, for a
 *   VAE/CVAE, its rate (the ELBO's KL term), each against the test images' values in a two-sided
 *   test (`typicalityVerdict`).
 *
 * Both are computed once per loaded run and trained epoch, and cached (a WeakMap keyed by the
 * loaded run: a run evicted from memory takes its caches with it).
 */
import * as tf from '@tensorflow/tfjs';
import type { RequestOutput, RequestParsed } from '../../src-shared/contract';
import { LabError } from '../../src-shared/types';
import { encodeImage } from './encodeImage';
import { rowsF32 } from './datasets/rows';
import { activeUnits, decodeArrays, encodeArrays, encodeSplitYielding, klPerDimension, reconErrors } from './metrics';
import { isConditional, isVariational } from './models/build';
import { klPerSample } from './models/loss';
import type { LoadedRun } from './runCache';

type DimStats = RequestOutput<'model:dimStats'>;

interface Cached<T> {
  epochs: number;
  /** The model the value was computed on: a VAE-GAN rolled back to its last healthy epoch has another. */
  bundle: LoadedRun['bundle'];
  value: Promise<T>;
}

/** The epochs trained into the model in memory (during a VAE-GAN's unhealthy epochs, more than the saved `epochsDone`). */
const trained = (lr: LoadedRun) => lr.rec.epochsTrained ?? lr.rec.epochsDone;

const dimCache = new WeakMap<LoadedRun, Cached<DimStats>>();
const scoreCache = new WeakMap<LoadedRun, Cached<Scores>>();

/** The cached value for `lr`'s current epoch count, computing it (once) when missing or stale. */
function cached<T>(cache: WeakMap<LoadedRun, Cached<T>>, lr: LoadedRun, make: () => Promise<T>): Promise<T> {
  const hit = cache.get(lr);
  if (hit && hit.epochs === trained(lr) && hit.bundle === lr.bundle) return hit.value;
  const value = make();
  cache.set(lr, { epochs: trained(lr), bundle: lr.bundle, value });
  value.catch(() => cache.delete(lr));
  return value;
}

/**
 * Per-dimension statistics of the test split's posteriors: `klPerDim[j]` the mean KL (nats) of
 * dimension j (null for an AE), `mean[j]` / `variance[j]` of the posterior means across the
 * split, `activeUnits` (variance above 0.01), `count` test points used.
 */
export function dimStats(lr: LoadedRun): Promise<DimStats> {
  return cached(dimCache, lr, async () => {
    const t = lr.data.test;
    const d = lr.rec.config.model.latentDim;
    const cond = isConditional(lr.rec.config.model.kind);
    const { mean, logVar } = await encodeSplitYielding(lr.bundle, t.x, cond ? t.y : null, t.count);
    const mu = new Array<number>(d).fill(0);
    const variance = new Array<number>(d).fill(0);
    for (let i = 0; i < t.count; i++) for (let j = 0; j < d; j++) mu[j] += mean[i * d + j];
    for (let j = 0; j < d; j++) mu[j] /= Math.max(1, t.count);
    for (let i = 0; i < t.count; i++) for (let j = 0; j < d; j++) variance[j] += (mean[i * d + j] - mu[j]) ** 2;
    for (let j = 0; j < d; j++) variance[j] /= Math.max(1, t.count);
    return {
      dim: d,
      count: t.count,
      klPerDim: logVar ? klPerDimension(mean, logVar, t.count, d) : null,
      mean: mu,
      variance,
      activeUnits: activeUnits(mean, t.count, d),
    };
  });
}

/** Rows per slice when scoring a split; the engine yields between slices. */
const SCORE_SLICE = 500;

/** Per-image scores of some rows: `score` the negative ELBO (AE: reconstruction loss), `rate` its KL term (null for an AE); nats. */
interface Scores {
  score: Float32Array;
  rate: Float32Array | null;
}

/**
 * Deterministic per-image scores of `n` rows `x` (n × inputDim) under labels `y` (CVAE) or null:
 * `score` the reconstruction loss of the decoded posterior mean plus, for VAE/CVAE, the rate
 * KL(q(z|x) ‖ N(0, I)) — the negative ELBO with the posterior mean in place of a sample; `rate`
 * that KL alone (null for an AE, whose score is its reconstruction loss). Nats, n floats each.
 */
function scoreRows(lr: LoadedRun, x: Float32Array, y: Int32Array | null, n: number): Scores {
  const { mean, logVar } = encodeArrays(lr.bundle, x, y, n);
  const recon = reconErrors(lr.bundle, x, decodeArrays(lr.bundle, mean, y, n), n);
  if (!isVariational(lr.rec.config.model.kind) || !logVar) return { score: recon, rate: null };
  const d = lr.rec.config.model.latentDim;
  const kl = tf.tidy(() => klPerSample(tf.tensor2d(mean, [n, d]), tf.tensor2d(logVar, [n, d])).dataSync() as Float32Array);
  for (let i = 0; i < n; i++) recon[i] += kl[i];
  return { score: recon, rate: Float32Array.from(kl) };
}

/** The test split's scores and rates (`scoreRows`, CVAE under their own labels), each sorted ascending. */
function testScores(lr: LoadedRun): Promise<Scores> {
  return cached(scoreCache, lr, async () => {
    const t = lr.data.test;
    const D = lr.rec.inputDim;
    const cond = isConditional(lr.rec.config.model.kind);
    const score = new Float32Array(t.count);
    const rate = isVariational(lr.rec.config.model.kind) ? new Float32Array(t.count) : null;
    const xBuf = new Float32Array(Math.min(SCORE_SLICE, t.count) * D);
    for (let s = 0; s < t.count; s += SCORE_SLICE) {
      const m = Math.min(SCORE_SLICE, t.count - s);
      const part = scoreRows(lr, rowsF32(t.x, D, s, m, xBuf), cond ? t.y.subarray(s, s + m) : null, m);
      score.set(part.score, s);
      if (rate && part.rate) rate.set(part.rate, s);
      await new Promise<void>((r) => setImmediate(r));
    }
    return { score: score.sort(), rate: rate ? rate.sort() : null };
  });
}

/** Share (0–100) of the sorted `scores` at or below `v`. */
export function percentileOf(sorted: Float32Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length ? (100 * lo) / sorted.length : 0;
}

/** The value at percentile `p` (0–100, nearest rank) of the sorted values. */
function quantileAt(sorted: Float32Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
}

/** The 0th, 1st, …, 100th percentiles (101 values, `quantileAt`) of the sorted `scores`. */
function quantiles(sorted: Float32Array): Float32Array {
  const q = new Float32Array(101);
  if (!sorted.length) return q;
  for (let p = 0; p <= 100; p++) q[p] = quantileAt(sorted, p);
  return q;
}

/**
 * The central share (%) of the test images' values that counts as typical: 98, so the score's
 * high end is the 99th percentile it was always flagged above (nothing flagged before is typical
 * now), and each end flags at most 1 % of the test images themselves.
 */
export const TYPICAL_BAND = 98;

type Typicality = RequestOutput<'model:typicality'>;
type Outside = Typicality['outside'][number];

/**
 * The typicality test (Nalisnick et al. 2019, "Detecting out-of-distribution inputs to deep
 * generative models using typicality") on one statistic: `value` is atypical when its
 * `percentile` (share of the sorted test values at or below it) lies outside the central
 * TYPICAL_BAND % — below the 1st or above the 99th percentile — so at most 1 % of the test images
 * themselves are outside at each end tested. `ends` 'low' tests the low end only. Returns the
 * tail and the bound it lies beyond (nats), or null.
 */
export function outsideBand(statistic: Outside['statistic'], sorted: Float32Array, value: number, ends: 'both' | 'low' = 'both'): Outside | null {
  if (!sorted.length) return null;
  const percentile = percentileOf(sorted, value);
  const tail = (100 - TYPICAL_BAND) / 2;
  if (percentile < tail) return { statistic, tail: 'low', value, percentile, bound: quantileAt(sorted, tail) };
  if (ends === 'both' && percentile > 100 - tail) return { statistic, tail: 'high', value, percentile, bound: quantileAt(sorted, 100 - tail) };
  return null;
}

/**
 * How typical one preprocessed input is for the run: its score (`scoreRows`; a CVAE without a
 * label under the label that fits best, as `encodeImage` picks it) and the share of test images
 * scoring at or below it; for a VAE/CVAE also its rate (KL term) and that share. `outside` lists
 * what lies outside the test images' central TYPICAL_BAND % (`outsideBand`), score first: a
 * score too high (worse than the data), too low (better than the data: the plain and simple
 * images likelihood models rate too well), a rate too low (the encoder finds nothing to encode: a
 * photo that MNIST-style preprocessing reduced to a faint smudge scores inside the data's range
 * but its KL is below every test digit's) or too high (its posterior lies farther from the prior
 * than any test image's: a tester's image scored inside the −ELBO band with its KL above every
 * test image's, and was called typical while the rate's high end was not tested). At most 4 % of
 * the test images are flagged (1 % at each of the four ends). Empty = typical.
 * @throws LabError INVALID_PAYLOAD when `input` is not one sample of the run's size, or a label
 *   outside the run's classes.
 */
export async function typicality(lr: LoadedRun, { input, label }: RequestParsed<'model:typicality'>): Promise<Typicality> {
  const D = lr.rec.inputDim;
  if (input.length !== D) throw new LabError('INVALID_PAYLOAD', `expected one input of ${D} values, got ${input.length}`);
  if (label !== undefined && label >= lr.rec.numClasses) {
    throw new LabError('INVALID_PAYLOAD', `label ${label} is outside 0–${lr.rec.numClasses - 1}`);
  }
  const cond = isConditional(lr.rec.config.model.kind);
  const chosen = cond ? encodeImage(lr, input, label).label : -1;
  const own = scoreRows(lr, input, cond ? Int32Array.of(chosen) : null, 1);
  const score = own.score[0];
  const rate = own.rate ? own.rate[0] : null;
  const test = await testScores(lr);
  const outside = [outsideBand('score', test.score, score), rate !== null && test.rate ? outsideBand('rate', test.rate, rate) : null];
  return {
    score,
    measure: isVariational(lr.rec.config.model.kind) ? 'negElbo' : 'recon',
    percentile: percentileOf(test.score, score),
    rate,
    ratePercentile: rate !== null && test.rate ? percentileOf(test.rate, rate) : null,
    band: TYPICAL_BAND,
    outside: outside.filter((o): o is Outside => o !== null),
    label: chosen,
    testCount: test.score.length,
    testQuantiles: quantiles(test.score),
    rateQuantiles: test.rate ? quantiles(test.rate) : null,
  };
}
