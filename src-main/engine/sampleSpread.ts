/**
 * The sample spread: how different a model's generated samples are from one another, as a
 * fraction of how different the training images are — the mean pairwise Euclidean distance of
 * decoded prior samples over that of training images (1 ≈ as varied as the data, 0 = every
 * sample identical). Under `COLLAPSE_SPREAD` (src-shared/collapse.ts) the samples are
 * near-identical, whatever the KL or active-unit count say. Used at a run's end (jobs/runEnd.ts,
 * `Metrics.sampleSpread`) for every kind, and at each VAE-GAN epoch end (jobs/ganHealth.ts).
 *
 *  - VAE, VAE-GAN: `SPREAD_SAMPLES` samples of z ~ N(0, I) against as many training images;
 *  - AE: z ~ N(mean, std²) of its training latents (`LatentStats`, how it generates);
 *  - CVAE: per label, since the label alone makes samples of different labels differ: for each
 *    label with at least `SPREAD_MIN_PER_LABEL` training images (the first `SPREAD_MAX_LABELS` such
 *    labels in label order), `SPREAD_PER_LABEL` samples for that label (or as many as it has images)
 *    against as many of that label's training images; the ratios are averaged over the labels.
 * Samples and images are drawn with a seed derived from the run's seed (the same figure every time).
 *
 * `sampleSpreads` also gives the fitted prior's spread (`Metrics.sampleSpreadFitted`): the same
 * images (the same denominator), with z drawn from the run's fitted prior (./fittedPrior.ts; a
 * CVAE: each label's mixture) from a seed of its own, so the N(0, I) figure is unchanged by it.
 * The mixture is fitted to posterior MEANS: an under-trained model's means bunch up, and so do its
 * fitted samples — under `FITTED_SPREAD_LOW` (src-renderer/src/lib/metricHints.ts) the app says so.
 */
import type { ModelBundle } from './models/build';
import { deriveSeed, mulberry32, permutation, type Rng } from './datasets/random';
import { gatherRowsF32 } from './datasets/rows';
import { sampleFittedPrior, type FittedPrior } from './fittedPrior';
import { drawPriorLatents, type LatentStats } from './inference';
import { decodeYielding, type SplitData } from './metrics';

/** Prior samples (and training images) the spread of an unconditional model is measured on. */
export const SPREAD_SAMPLES = 64;
/** A CVAE's samples (and that label's training images) per label. */
export const SPREAD_PER_LABEL = 16;
/** A CVAE's labels measured at most. */
export const SPREAD_MAX_LABELS = 16;
/** Training images a label needs to be measured. */
export const SPREAD_MIN_PER_LABEL = 8;

/** Euclidean distance between rows `i` and `j` of `D` values in `rows` (row-major). */
function rowDistance(rows: Float32Array, i: number, j: number, D: number): number {
  let d2 = 0;
  for (let k = 0; k < D; k++) {
    const d = rows[i * D + k] - rows[j * D + k];
    d2 += d * d;
  }
  return Math.sqrt(d2);
}

/** Mean Euclidean distance between the pairs of `n` rows of `D` values in `rows` (0 for n < 2). */
export function meanPairwiseDistance(rows: Float32Array, n: number, D: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      sum += rowDistance(rows, i, j, D);
      pairs++;
    }
  }
  return pairs ? sum / pairs : 0;
}

/**
 * Each row's Euclidean distance to its nearest other row: `n` values (Infinity for n < 2), in the
 * rows' own units (pixel intensities for images). `rows`: n × D, row-major. Costs n·(n − 1)/2
 * distances of D values (64 rows of 784 pixels: 2,016 pairs, ~1.6 M multiply-adds, well under a
 * millisecond of the epoch's end).
 */
export function nearestNeighbourDistances(rows: Float32Array, n: number, D: number): Float64Array {
  const nn = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = rowDistance(rows, i, j, D);
      if (d < nn[i]) nn[i] = d;
      if (d < nn[j]) nn[j] = d;
    }
  }
  return nn;
}

/** The median of `xs` (NaN when empty). */
function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  if (!s.length) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The typical nearest-neighbour distance among `n` rows (n × D, row-major): the median over the
 * rows of the distance to their nearest other row, in the rows' units (NaN for n < 2). Among
 * training images it is the yardstick of `duplicateShare`: how close two different images of the
 * data come at the least, at this sample size (the nearest of n − 1 others; more rows, closer
 * neighbours, so compare it only with samples as many). Same cost as `nearestNeighbourDistances`.
 */
export function typicalNearestDistance(rows: Float32Array, n: number, D: number): number {
  return n < 2 ? Number.NaN : median(nearestNeighbourDistances(rows, n, D));
}

/**
 * The duplicate share: the share (0–1) of the `n` rows of `samples` (n × D, row-major) that have a
 * near-copy — another row closer than `threshold` (Euclidean, the rows' units). Exact copies of k
 * distinct rows, m times each, among otherwise distinct rows give k·m / n; all rows farther apart
 * than `threshold`: 0; n < 2: 0. A relative threshold (a fraction of `typicalNearestDistance` of as
 * many training images) makes it mean the same on any dataset or pixel scale: scaling the samples
 * and the images alike leaves it unchanged. Same cost as `nearestNeighbourDistances`.
 */
export function duplicateShare(samples: Float32Array, n: number, D: number, threshold: number): number {
  if (n < 2) return 0;
  const nn = nearestNeighbourDistances(samples, n, D);
  let k = 0;
  for (const d of nn) if (d < threshold) k++;
  return k / n;
}

/** Sample spreads as ratios to the data's (see the module's comment); undefined where not measured. */
export interface SampleSpreads {
  /** Samples of the model's prior (N(0, I); an AE's Gaussian of its latents): `Metrics.sampleSpread`. */
  standard?: number;
  /** Samples of the run's fitted prior: `Metrics.sampleSpreadFitted`. */
  fitted?: number;
}

/**
 * The spreads of decoded samples of `n` latents drawn by each of `draws` (null: not drawn) over the
 * spread of `images` (n × D); null for all when the images do not differ (nothing to compare with).
 */
async function ratios(bundle: ModelBundle, images: Float32Array, n: number, label: number | null, draws: ((n: number) => Float32Array | null)[]): Promise<(number | null)[]> {
  const D = bundle.inputDim;
  const data = meanPairwiseDistance(images, n, D);
  if (!(data > 0)) return draws.map(() => null);
  const labels = label === null ? null : new Int32Array(n).fill(label);
  const out: (number | null)[] = [];
  for (const draw of draws) {
    const z = draw(n);
    if (!z) {
      out.push(null);
      continue;
    }
    const samples = await decodeYielding(bundle, z, labels, n);
    out.push(meanPairwiseDistance(samples, n, D) / data);
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

/**
 * The sample spread of `bundle` (see the module's comment): a ratio ≥ 0, or undefined when it
 * cannot be measured (fewer than 2 training images; a CVAE without a label of
 * `SPREAD_MIN_PER_LABEL` images; training images all identical). `stats`: an AE's latent
 * statistics (its prior), ignored for the other kinds. Deterministic for `seed`.
 */
export async function sampleSpread(bundle: ModelBundle, train: SplitData, seed: number, stats: LatentStats | null): Promise<number | undefined> {
  return (await sampleSpreads(bundle, train, seed, stats)).standard;
}

/**
 * `sampleSpread` (`standard`) and, with `fittedPrior`, the same measured on samples of the fitted
 * prior (`fitted`, a ratio ≥ 0: 1 ≈ as varied as the training images) against the very same
 * images; a CVAE's labels without a mixture are left out of `fitted` (undefined when none has
 * one). Each undefined when it cannot be measured (as `sampleSpread`). Deterministic for `seed`;
 * `standard` is the same number with or without `fittedPrior`. `opts.standard` false: `fitted`
 * alone (the prior's samples are not decoded; `fitted` is the same number).
 */
export async function sampleSpreads(
  bundle: ModelBundle,
  train: SplitData,
  seed: number,
  stats: LatentStats | null,
  fittedPrior?: FittedPrior | null,
  opts: { standard?: boolean } = {},
): Promise<SampleSpreads> {
  const D = bundle.inputDim;
  const rng = mulberry32(deriveSeed(seed, 'sampleSpread'));
  const fittedRng = mulberry32(deriveSeed(seed, 'sampleSpreadFitted'));
  const prior = bundle.config.kind === 'ae' ? stats : null;
  const d = bundle.config.latentDim;
  // Drawn even when not wanted (`opts.standard` false): the images picked after them stay the same.
  const standardDraw = (n: number) => {
    const z = drawPriorLatents(rng, n, d, 1, prior);
    return opts.standard === false ? null : z;
  };
  const fittedDraw = (label: number | null) => (n: number) => {
    if (!fittedPrior || (label !== null && fittedPrior.conditional && !fittedPrior.mixtures[label])) return null;
    return sampleFittedPrior(fittedRng, fittedPrior, label === null ? null : new Int32Array(n).fill(label), n, 1);
  };
  if (bundle.config.kind !== 'cvae') {
    const n = Math.min(SPREAD_SAMPLES, train.count);
    if (n < 2) return {};
    const idx = permutation(train.count, rng).slice(0, n);
    const [standard, fitted] = await ratios(bundle, gatherRowsF32(train.x, D, idx, new Float32Array(n * D)), n, null, [standardDraw, fittedDraw(null)]);
    return { standard: standard ?? undefined, fitted: fitted ?? undefined };
  }
  // CVAE: the training rows of each label, then the first labels with enough of them.
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < train.count; i++) {
    const y = train.y[i];
    let rows = byLabel.get(y);
    if (!rows) byLabel.set(y, (rows = []));
    rows.push(i);
  }
  const labels = [...byLabel.keys()]
    .filter((l) => byLabel.get(l)!.length >= SPREAD_MIN_PER_LABEL)
    .sort((a, b) => a - b)
    .slice(0, SPREAD_MAX_LABELS);
  const standard: number[] = [];
  const fitted: number[] = [];
  for (const label of labels) {
    const rows = byLabel.get(label)!;
    const n = Math.min(SPREAD_PER_LABEL, rows.length);
    const pick = permutation(rows.length, rng).slice(0, n);
    const images = gatherRowsF32(train.x, D, Array.from(pick, (p) => rows[p]), new Float32Array(n * D));
    const [s, f] = await ratios(bundle, images, n, label, [standardDraw, fittedDraw(label)]);
    if (s !== null) standard.push(s);
    if (f !== null) fitted.push(f);
  }
  return { standard: mean(standard), fitted: mean(fitted) };
}
