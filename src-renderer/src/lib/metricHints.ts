/**
 * What a run's summary says beside its metrics: whether the in-app classifier can judge its
 * dataset (so a missing Fréchet distance gets a reason and a "Train it"), and the hint a CVAE with
 * a weak generation accuracy gets.
 */

/** Image sides the in-app classifier takes (engine: classifier/model.ts `classifierLayers`). */
const CLASSIFIER_SIDES = [28, 32, 64];

/** Below this generation accuracy a CVAE's summary suggests more training. */
export const WEAK_GENERATION = 0.8;

/**
 * True when the in-app classifier can judge a dataset of `shape` ([H, W, C]) with `labels`
 * classes: square 28, 32 or 64 px images, grey or colour, at least 2 labels (toy points: false).
 */
export function classifierJudges(shape: readonly number[] | undefined, labels: number): boolean {
  if (!shape || shape.length !== 3) return false;
  const [H, W, C] = shape;
  return H === W && CLASSIFIER_SIDES.includes(H) && (C === 1 || C === 3) && labels >= 2;
}

/**
 * The summary's hint for a CVAE whose generated images the classifier often gives another label
 * (generation accuracy below 80 %); null for other models, a good accuracy, or none measured.
 */
export function generationHint(kind: string, generationAccuracy: number | undefined): string | null {
  if (kind !== 'cvae' || generationAccuracy === undefined || !(generationAccuracy < WEAK_GENERATION)) return null;
  return `Only ${(generationAccuracy * 100).toFixed(0)} % of generated images show the label they were asked for: more epochs or a larger latent usually helps.`;
}

/**
 * The classifier's numbers a run of `kind` gets, named as the summary lists them: a generation
 * accuracy only for a CVAE (the only kind that generates a requested label).
 */
export function classifierMetricNames(kind: string): string {
  return kind === 'cvae' ? 'Fréchet, recognised, generation' : 'Fréchet, recognised';
}

/**
 * Fewest images per side (generated and real) whose Fréchet distance is shown without a caveat:
 * 4 × the classifier's 128 features (engine: classifier/model.ts, Dense 128). The Fréchet
 * distance of N samples is biased upward, the bias falling as 1/N (Chong & Forsyth 2020,
 * "Effectively Unbiased FID and Inception Score and Where to Find Them", CVPR) and growing with
 * the feature dimension; Heusel et al. 2017 ask for at least 10,000 samples for Inception's 2,048
 * features (≈ 5 × the dimension). Measured with the engine's `frechetOfSets` on two samples of one
 * 128-D Gaussian (true distance 0), as a share of its total variance: 13.5 % at N = 120, 3.2 % at
 * 500, 1.7 % at 1,000, 0.8 % at 2,000 (the embedded MNIST's test split), 0.3 % at 5,000.
 */
export const FRECHET_MIN_SAMPLES = 4 * 128;

/**
 * The caveat beside a run's Fréchet distance computed from few images (`frechetSamples` under
 * `FRECHET_MIN_SAMPLES`): "from 120 samples: biased upward; compare only with runs of the same
 * size". Null when the number is absent, was computed from enough images, or its sample count was
 * not recorded (runs saved before it was).
 */
export function frechetCaveat(m: { frechet?: number; frechetSamples?: number } | null | undefined): string | null {
  const n = m?.frechetSamples;
  if (m?.frechet === undefined || n === undefined || n >= FRECHET_MIN_SAMPLES) return null;
  return `from ${n.toLocaleString('en-US')} samples: biased upward; compare only with runs of the same size`;
}

/** The tooltip of `Metrics.frechetFitted` (the run's metrics line and Compare's row). */
export const FRECHET_FITTED_TIP =
  "The Fréchet distance again, with the generated images drawn from the Gaussian mixture fitted to the training images' latents (Generate's “where the data lies”) instead of the prior: how close the samples come when drawn from where the encoder puts real images. Lower is closer.";

/**
 * The name of `Metrics.frechet` for a model of `kind` (`ModelKind`), short and saying what its
 * samples were drawn from, beside "Fréchet, samples from the fitted prior": N(0, I) for a
 * variational model, the Gaussian fitted to its latents for a plain autoencoder (it has no prior).
 */
export function frechetName(kind: string | undefined): string {
  return kind === 'ae' ? 'Fréchet, samples from its Gaussian' : 'Fréchet, samples from N(0, I)';
}

/** The tooltip of `Metrics.frechet` for a model of `kind` (the run's metrics line). */
export function frechetTip(kind: string | undefined): string {
  const from = kind === 'ae' ? 'a Gaussian fitted to its latents (an autoencoder has no prior)' : 'the prior, N(0, I)';
  return `Fréchet distance between the in-app classifier's features of generated and real test images, with the generated images' z drawn from ${from}. Lower is closer to the data; comparable on the same dataset only.`;
}

/** The tooltip of Compare's `Metrics.frechet` row (runs of any kinds side by side). */
export const FRECHET_PRIOR_TIP =
  "Fréchet distance between the in-app classifier's features of generated and real test images, with z drawn from each model's prior, N(0, I) (an autoencoder has none: from a Gaussian fitted to its latents). Lower is closer.";

/** The tooltip of `Metrics.generationAccuracy` (the run's metrics line and Compare's row). */
export const GENERATION_TIP = 'How often the in-app classifier gives a generated image the label it was generated for, with z drawn from the prior, N(0, I) (a CVAE only).';

/** The tooltip of `Metrics.generationAccuracyFitted` (the run's metrics line and Compare's row). */
export const GENERATION_FITTED_TIP =
  "How often the in-app classifier gives a generated image the label it was generated for, with z drawn from that label's Gaussian mixture fitted to the training images' latents (Generate's “where the data lies”) instead of the prior: the images the fitted prior's Fréchet distance judges. A CVAE only.";

/**
 * Below this `Metrics.sampleSpreadFitted` (the fitted prior's samples' mean pairwise distance over
 * the training images', engine: sampleSpread.ts) the run's metrics line, and Generate with "where
 * the data lies" chosen, say the fitted samples vary less than the data. The mixture is fitted to
 * posterior means, which bunch up while the model is under-trained. Measured with the CLI (`train
 * --dataset mnist --latent 8`: dense 784-256-8-256-784, the embedded MNIST's 8,000 training
 * images, batch 256, CVAE β 5; seeds 1 and 2): the spread of N(0, I)'s samples → the fitted
 * prior's, and the pixel std across 20 fitted CVAE "7"s (real test 7s: 0.149):
 *
 *   model, epochs   seed 1         seed 2         "7"s, seed 1
 *   VAE, 2          0.32 → 0.24    0.31 → 0.28
 *   VAE, 5          0.50 → 0.53    0.54 → 0.59
 *   VAE, 15         0.59 → 0.68    0.62 → 0.70
 *   CVAE, 2         0.28 → 0.07    0.31 → 0.08    0.014
 *   CVAE, 5         0.37 → 0.21    0.38 → 0.23    0.032
 *   CVAE, 15        0.42 → 0.38    0.47 → 0.43    0.054
 *   CVAE, 30        0.47 → 0.45
 *
 * Toy moons (`--dataset toy-moons --latent 2`, seed 1; test −ELBO in nats): VAE 2, 10, 30 epochs
 * 0.51 → 0.57 (5.41), 0.83 → 0.86 (2.81), 0.90 → 0.96 (2.63); CVAE 0.46 → 0.11 (5.55),
 * 0.68 → 0.27 (4.31), 0.77 → 0.51 (3.75): a CVAE's mixtures need more epochs there too.
 *
 * Decoded Bernoulli means are smoother than real digits, so even a trained model stays well under
 * 1. 0.3 flags every under-trained run (2 epochs; a 5-epoch CVAE, whose fitted "7"s look alike:
 * 0.21–0.28) and none of the trained ones (0.38 and up), with more room on the trained side: a
 * false alarm on a good model is the worse mistake.
 */
export const FITTED_SPREAD_LOW = 0.3;

/**
 * The notice for a run whose fitted prior's samples vary less than the data
 * (`sampleSpreadFitted` under `FITTED_SPREAD_LOW`): "Samples from the fitted mixture vary less
 * than the data (21 % of its spread): …". Null when the spread is absent (older runs) or enough.
 */
export function fittedSpreadNotice(m: { sampleSpreadFitted?: number } | null | undefined): string | null {
  const r = m?.sampleSpreadFitted;
  if (r === undefined || !(r < FITTED_SPREAD_LOW)) return null;
  return `Samples from the fitted mixture vary less than the data (${Math.round(r * 100)} % of its spread): the model is under-trained — more epochs help.`;
}
