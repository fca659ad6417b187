/**
 * The metrics the in-app classifier judges (part of a run's `Metrics`):
 *  - `frechet`: the Fréchet distance (./frechet.ts, Heusel et al. 2017) between the classifier's
 *    features of generated images (prior samples, decoded) and of real test images — lower means
 *    generated images are distributed more like real ones (sharper, more varied, right classes);
 *  - `frechetFitted`: the same with the samples drawn from the run's fitted prior (../fittedPrior.ts,
 *    a Gaussian mixture fitted to the training points' posterior means) instead of N(0, I): the
 *    same count, the same real features, the same seed (a run with a fitted prior only);
 *  - `generationAccuracy` (CVAE): the fraction of samples generated for a label that the
 *    classifier gives that label (labels requested in turn: 0, 1, …, K−1, 0, …);
 *  - `generationAccuracyFitted` (CVAE with a fitted prior): the same for the samples
 *    `frechetFitted` decodes (each label's mixture; no further decoding);
 *  - `reconAccuracy`: the fraction of those test images whose reconstruction (decoded from the
 *    posterior mean; the CVAE's with the true label) the classifier gives the original's label —
 *    are reconstructions still recognisable (the VAE-GAN's goal, issue #15: ≥ 95 %)?
 *  - `classifierAccuracy`: the classifier's accuracy on the same real test images (how far its
 *    judgement can be trusted).
 * Everything runs on the engine's thread in slices that yield to the event loop.
 */
import type { DatasetRef, Metrics } from '../../../src-shared/types';
import type { LoadedDataset } from '../datasets';
import { mulberry32 } from '../datasets/random';
import { sampleFittedPrior, type FittedPrior } from '../fittedPrior';
import type { LatentStats } from '../inference';
import { priorSampler } from '../inference';
import { decodeArrays, encodeArrays, passRows, type SplitData } from '../metrics';
import { isConditional, type ModelBundle } from '../models/build';
import type { Classifier } from './classifier';
import { frechetOfSets } from './frechet';
import { judgeable } from './model';
import type { ClassifierStore } from './store';

export interface ClassifierMetrics {
  frechet: number;
  /** Generated and real images `frechet` compares, each (the test split, at most `FRECHET_SAMPLES`). */
  frechetSamples: number;
  /** `frechet` with the samples drawn from the run's fitted prior; absent without one. */
  frechetFitted?: number;
  classifierAccuracy: number;
  reconAccuracy: number;
  generationAccuracy?: number;
  /** `generationAccuracy` of the fitted prior's samples (the ones `frechetFitted` judges); a CVAE with a fitted prior only. */
  generationAccuracyFitted?: number;
}

/** Images compared per side at most (all of a smaller test split). */
export const FRECHET_SAMPLES = 5000;
const SLICE = 500;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** Options of `classifierMetrics`: the samples' seed, an AE's latent statistics, the run's fitted prior. */
export interface ClassifierMetricsOptions {
  seed: number;
  stats: LatentStats | null;
  /** The run's fitted prior: `frechetFitted` is computed from it (absent, null: not). */
  fittedPrior?: FittedPrior | null;
  count?: number;
}

/**
 * The classifier metrics of `bundle` against `test`: `count` (default: the test split, at most
 * 5,000) prior samples at temperature 1 from `seed` (an AE samples N(mean, std²) of its training
 * latents, `stats`) against as many test images; with `fittedPrior`, as many samples of it from
 * the same seed (a CVAE: for the same labels) against the same test images (`frechetFitted`).
 * Throws when the classifier takes another input size than the model makes, or when fewer than
 * 2 test images exist.
 */
export async function classifierMetrics(bundle: ModelBundle, test: SplitData, clf: Classifier, opts: ClassifierMetricsOptions): Promise<ClassifierMetrics> {
  const D = bundle.inputDim;
  if (clf.inputDim !== D) throw new Error(`the classifier takes ${clf.inputDim} values per image, the model makes ${D}`);
  const n = Math.min(opts.count ?? FRECHET_SAMPLES, test.count);
  const real = await clf.judge(test.x, n);
  let ok = 0;
  for (let i = 0; i < n; i++) if (real.labels[i] === test.y[i]) ok++;

  const cond = isConditional(bundle.config.kind);
  const K = bundle.numClasses;
  const d = bundle.config.latentDim;
  const next = priorSampler(d, 1, opts.seed, bundle.config.kind === 'ae' ? opts.stats : null);
  const asked = cond ? Int32Array.from({ length: n }, (_, i) => i % K) : null;
  const fake = await judgeSamples(bundle, clf, (m) => next(m), asked, n);
  const F = clf.featureDim;
  const frechet = frechetOfSets(fake.features, n, real.features, n, F);
  const reconAccuracy = await reconstructionAccuracy(bundle, test, clf, n);
  const out: ClassifierMetrics = { frechet, frechetSamples: n, classifierAccuracy: ok / n, reconAccuracy };
  const fp = opts.fittedPrior;
  // A CVAE's class without training points has no mixture: no frechetFitted then.
  if (fp && (!asked || asked.every((l) => fp.mixtures[l]))) {
    const rand = mulberry32(opts.seed);
    const fitted = await judgeSamples(bundle, clf, (m, labels) => sampleFittedPrior(rand, fp, labels, m, 1), asked, n);
    out.frechetFitted = frechetOfSets(fitted.features, n, real.features, n, F);
    if (asked) out.generationAccuracyFitted = labelHits(fitted.labels, asked, n);
  }
  if (asked) out.generationAccuracy = labelHits(fake.labels, asked, n);
  return out;
}

/** The fraction of the first `n` judged labels equal to the asked ones (n ≥ 1). */
function labelHits(judged: ArrayLike<number>, asked: Int32Array, n: number): number {
  let hit = 0;
  for (let i = 0; i < n; i++) if (judged[i] === asked[i]) hit++;
  return hit / n;
}

/**
 * `n` samples decoded (`draw(m, labels)`: the next m latents; a CVAE's for `asked`'s labels, in
 * order) and judged by `clf`, in slices that yield.
 */
async function judgeSamples(
  bundle: ModelBundle,
  clf: Classifier,
  draw: (m: number, labels: Int32Array | null) => Float32Array,
  asked: Int32Array | null,
  n: number,
): ReturnType<Classifier['judge']> {
  const D = bundle.inputDim;
  const images = new Float32Array(n * D);
  const slice = passRows(bundle, SLICE); // a few rows per pass for a conv decoder
  for (let s = 0; s < n; s += slice) {
    const m = Math.min(slice, n - s);
    const labels = asked ? asked.subarray(s, s + m) : null;
    images.set(decodeArrays(bundle, draw(m, labels), labels, m), s * D);
    await yieldToLoop();
  }
  const judged = await clf.judge(images, n);
  await yieldToLoop();
  return judged;
}

/**
 * The fraction of the first `n` test images whose reconstruction (posterior mean → decoder; a
 * CVAE's with the image's label) `clf` gives the image's label. In slices that yield.
 */
export async function reconstructionAccuracy(bundle: ModelBundle, test: SplitData, clf: Classifier, n: number): Promise<number> {
  const D = bundle.inputDim;
  const cond = isConditional(bundle.config.kind);
  const recon = new Float32Array(n * D);
  const slice = passRows(bundle, SLICE);
  for (let s = 0; s < n; s += slice) {
    const m = Math.min(slice, n - s);
    const y = cond ? test.y.subarray(s, s + m) : null;
    const { mean } = encodeArrays(bundle, test.x.subarray(s * D, (s + m) * D), y, m);
    recon.set(decodeArrays(bundle, mean, y, m), s * D);
    await yieldToLoop();
  }
  const judged = await clf.judge(recon, n);
  let hit = 0;
  for (let i = 0; i < n; i++) if (judged.labels[i] === test.y[i]) hit++;
  return hit / n;
}

/**
 * The classifier numbers of a run as they are saved with it: `classifierMetrics` of `bundle` on
 * `data`'s test split, from the run's seed (offset so the samples differ from the run's own
 * draws). Null when the classifier takes another input size than the model makes.
 */
export async function runClassifierMetrics(
  clf: Classifier,
  bundle: ModelBundle,
  data: Pick<LoadedDataset, 'test'>,
  opts: Omit<ClassifierMetricsOptions, 'count'>,
): Promise<ClassifierMetrics | null> {
  if (clf.inputDim !== bundle.inputDim) return null;
  return classifierMetrics(bundle, data.test, clf, { ...opts, seed: opts.seed + 1_000_003 });
}

/**
 * `metrics` with the classifier's numbers added (`runClassifierMetrics`) when `ref`'s dataset has
 * a classifier; the classifier is trained first if it is not cached (`ClassifierStore.get`): this
 * can take many minutes, so a run's end and `runs:metrics` use ./queue.ts instead. When there is
 * none (toy data), or its training was cancelled or failed (the store reported why), `metrics`
 * come back unchanged.
 */
export async function withClassifierMetrics(
  metrics: Metrics,
  store: ClassifierStore,
  ref: DatasetRef,
  data: LoadedDataset,
  bundle: ModelBundle,
  opts: Omit<ClassifierMetricsOptions, 'count'>,
): Promise<Metrics> {
  let clf: Classifier | null;
  try {
    clf = await store.get(ref, data);
  } catch {
    return metrics;
  }
  const extra = clf && (await runClassifierMetrics(clf, bundle, data, opts));
  return extra ? { ...metrics, ...extra } : metrics;
}

/**
 * True when `metrics` hold every classifier number a run can have: `frechet` and `reconAccuracy`,
 * and with `fitted` (the run has, or can fit, a fitted prior) `frechetFitted` and, for a CVAE
 * (a run with a `generationAccuracy`), `generationAccuracyFitted`.
 */
export function hasClassifierMetrics(metrics: Metrics, fitted = false): boolean {
  if (metrics.frechet === undefined || metrics.reconAccuracy === undefined) return false;
  if (!fitted) return true;
  return metrics.frechetFitted !== undefined && (metrics.generationAccuracy === undefined || metrics.generationAccuracyFitted !== undefined);
}

/**
 * True when `metrics` miss the classifier's numbers although the dataset could have them (an
 * image dataset with labels); runs saved before `reconAccuracy` existed miss it, and with
 * `fitted` (the run has, or can fit, a fitted prior) runs saved before `frechetFitted` existed and
 * CVAE runs (those with a `generationAccuracy`) saved before `generationAccuracyFitted` existed.
 */
export function lacksClassifierMetrics(metrics: Metrics, data: Pick<LoadedDataset, 'shape' | 'info'>, fitted = false): boolean {
  return !hasClassifierMetrics(metrics, fitted) && judgeable(data);
}
