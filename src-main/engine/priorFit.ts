/**
 * A run's fitted prior from its training points' posterior means μ(x) (./fittedPrior.ts; an AE:
 * its codes): at a run's end (jobs/runEnd.ts) and for older runs on first use (./runPrior.ts).
 *
 * Means, not posterior samples μ + σ·ε (the aggregate posterior q(z), what the decoder is trained
 * on): both were measured (dense 784-256-8-256-784, the embedded MNIST's 8,000/2,000 split, seeds
 * 7 and 11; frechetFitted with the bench's cached classifier, 2,000 samples; "pixel std": the
 * per-pixel standard deviation across 20 decoded "7"s — a CVAE's label 7, a VAE's first 20
 * samples the classifier calls 7 — against 0.149 for the real test 7s):
 *
 *   model, epochs   frechetFitted means → samples   pixel std means → samples   (N(0, I))
 *   VAE, 5          184.3 → 183.7,  157.5 → 165.1    0.049 → 0.054, 0.055 → 0.063
 *   CVAE β 5, 5     251.2 → 253.1,  231.7 → 236.8    0.034 → 0.054, 0.027 → 0.046  (0.088, 0.069)
 *   VAE, 15          85.9 →  87.0,   88.0 →  94.1    0.093 → 0.078, 0.092 → 0.086  (—, 0.093)
 *   CVAE β 5, 15     89.4 →  98.8,   89.5 → 100.2    0.057 → 0.060, 0.056 → 0.055  (0.067, 0.061)
 *
 * Samples made an under-trained CVAE's digits of a label more varied (+60–70 %), but the Fréchet
 * distance was worse in 7 of 8 runs (up to 12 %) and a trained model's samples no more varied:
 * not better on both counts, so the means stay (as Ghosh et al. 2020 fit them).
 */
import { fitGaussianMixtureYielding, type FittedPrior } from './fittedPrior';
import { mulberry32 } from './datasets/random';
import { isConditional, type ModelBundle } from './models/build';

/**
 * Training points a fitted prior is fitted to at most: a seeded subsample keeps a run's end
 * bounded: 1–6 s for 5,000 16-D points (all 100 EM iterations: 8–13 s), where
 * 20,000 took 7–36 s (./fittedPrior.ts's header).
 */
export const FIT_POINTS = 5000;
/** Mixture components: one mixture of 10 for an unconditional model, 3 per label for a conditional one. */
export const FIT_COMPONENTS = { unconditional: 10, perLabel: 3 } as const;

/**
 * A run's fitted prior from `latents` (count × d posterior means of training points, row-major)
 * and their `labels`: at most `FIT_POINTS` of them (a subsample seeded by `seed` when there are
 * more), one mixture of `FIT_COMPONENTS.unconditional` components, or for a conditional model one
 * of `FIT_COMPONENTS.perLabel` per class 0…numClasses−1 (null for a class without points; labels
 * outside the classes are not used). Yields to the event loop between EM iterations (cost: the
 * header of ./fittedPrior.ts).
 * @throws Error when count < 1.
 */
export async function fitPriorToLatents(
  latents: Float32Array,
  labels: Int32Array,
  count: number,
  d: number,
  opts: { conditional: boolean; numClasses: number; seed: number },
): Promise<FittedPrior> {
  if (count < 1) throw new Error('no training points to fit a prior to');
  const rand = mulberry32(opts.seed);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const m = Math.min(count, FIT_POINTS);
  if (m < count) {
    // The first m of a seeded partial Fisher–Yates shuffle, in their original order.
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(rand() * (count - i));
      [order[i], order[j]] = [order[j], order[i]];
    }
    order.subarray(0, m).sort();
  }
  const rows = (pick: (i: number) => boolean) => {
    const idx = Array.from(order.subarray(0, m)).filter(pick);
    const x = new Float32Array(idx.length * d);
    idx.forEach((i, k) => x.set(latents.subarray(i * d, i * d + d), k * d));
    return { x, n: idx.length };
  };
  const fit = async (x: Float32Array, n: number, components: number) => (await fitGaussianMixtureYielding(x, n, d, { components, seed: opts.seed })).mixture;
  if (!opts.conditional) {
    const { x, n } = rows(() => true);
    return { conditional: false, mixtures: [await fit(x, n, FIT_COMPONENTS.unconditional)], points: n };
  }
  let points = 0;
  const mixtures: FittedPrior['mixtures'] = [];
  for (let c = 0; c < opts.numClasses; c++) {
    const { x, n } = rows((i) => labels[i] === c);
    points += n;
    mixtures.push(n ? await fit(x, n, FIT_COMPONENTS.perLabel) : null);
  }
  if (!points) throw new Error('no training point has one of the model’s labels');
  return { conditional: true, mixtures, points };
}

/**
 * The fitted prior of `bundle` from the posterior means `trainMean` of the first `count` training
 * points (labels `y`): `fitPriorToLatents` with the run's seed, per label for a conditional model.
 */
export function fitRunPrior(bundle: ModelBundle, trainMean: Float32Array, y: Int32Array, count: number, seed: number): Promise<FittedPrior> {
  const conditional = isConditional(bundle.config.kind);
  return fitPriorToLatents(trainMean, y, count, bundle.config.latentDim, { conditional, numClasses: bundle.numClasses, seed });
}
