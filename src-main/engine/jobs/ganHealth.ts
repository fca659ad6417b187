/**
 * The VAE-GAN's stability watch, at every epoch end (the usual GAN failures, Larsen et al. 2016
 * train around them with γ and a balanced discriminator; here they are detected and said):
 *   - the discriminator wins: its mean training loss over the epoch (−log D(x) − log(1 − D(x̃))
 *     − log(1 − D(x_p)), nats per sample; 3·ln 2 ≈ 2.08 when it cannot tell) under
 *     `DISC_WIN_NATS`: it tells every decoded image from a real one and the decoder learns
 *     little from it;
 *   - generator collapse: `HEALTH_SAMPLES` decoded prior samples (fixed seeded z_p) whose mean
 *     pairwise Euclidean distance is under `COLLAPSE_SPREAD` × that of as many training images
 *     (the data's own spread): near-identical samples (the same measure, `meanPairwiseDistance`
 *     of ../sampleSpread.ts, and threshold as every run's end-of-run `sampleSpread`);
 *   - ruined reconstructions: the epoch's validation pixel likelihood (the VAE-GAN's `pixel`
 *     term, −log p(x | x̃), nats per image of the test split; computed whatever the pixel weight)
 *     placed between two references computed once (`pixelBaselines`): the average training
 *     image as every reconstruction (it knows nothing of the input) and a perfect copy (x̃ = x).
 *     Its `reconShare` = (average − recon) / (average − perfect), 0 at the average image, 1 for a
 *     perfect copy; under `RECON_SHARE_MIN` the reconstructions carry almost nothing of their
 *     input. And the pixel term diverging: the share under `RECON_DROP` × its best epoch's.
 *     The validation term, not the training one: that is the mean over the epoch's batches,
 *     lagging behind the weights (measured, MNIST: a healthy run's first epoch 216 nats in
 *     training against the average image's 206, while its end-of-epoch reconstructions of the
 *     test images were at 157 against 205).
 * An unhealthy epoch is not checkpointed once a healthy one was: the run keeps the last healthy
 * checkpoint, and its warnings say which epoch the saved model is from. Until the first healthy
 * epoch every epoch is saved (a run always has a model, the latest of its unhealthy ones).
 */
import { COLLAPSE_SPREAD } from '../../../src-shared/collapse';
import { DEFAULT_BETA, TrainConfig, VAEGAN_DEFAULTS, type LossParts, type ModelConfig } from '../../../src-shared/types';
import { mulberry32, permutation } from '../datasets/random';
import { gatherRowsF32 } from '../datasets/rows';
import { drawPriorLatents } from '../inference';
import { decodeArrays, type SplitData } from '../metrics';
import type { ModelBundle } from '../models/build';
import { gaussianConstant, gaussianSigma } from '../models/likelihood';
import type { OutputKind } from '../models/spec';
import { meanPairwiseDistance, SPREAD_SAMPLES } from '../sampleSpread';

/** Mean discriminator loss (nats per sample, over an epoch) under which it counts as winning. */
export const DISC_WIN_NATS = 0.05;
/** The discriminator's loss when it cannot tell real from decoded images: 3·ln 2 ≈ 2.08 nats (three terms at D = ½). */
export const DISC_CHANCE_NATS = 3 * Math.LN2;
/**
 * Mean discriminator loss (nats per sample, over an epoch) over which it diverges: 10× chance
 * (≈ 20.8 nats), confidently wrong about real and decoded images alike. Once it has, an epoch over
 * `DISC_DIVERGING_GOING_ON` × chance (≈ 10.4 nats) continues the streak. Measured (CLI, 1,000
 * digits, dense z 8): healthy runs' epoch means 0.4–1.6 nats after their first epoch, 4.8 at most
 * in a first epoch (learning rate 0.005); the Discriminator LR × 20 at learning rate 0.003 26.3
 * and 14.8 in epochs 1 and 2 (the tester's MNIST run: 42.3 at epoch 11, 14.2 at 12), × 200 72–238.
 */
export const DISC_DIVERGE_NATS = 10 * DISC_CHANCE_NATS;
export const DISC_DIVERGING_GOING_ON = 5;
/**
 * The code's KL (nats per test image, the epoch's validation) under which it carries almost
 * nothing of its input (the digit's class alone needs ln 10 ≈ 2.3 nats): the evidence, when
 * reconstructions are ruined, that β or a pixel weight of 0 is the cause. Measured (CLI, 1,000
 * digits, dense z 8): β 60 reached over a warm-up 1.8 → 0.15 nats in epochs 3–6; pixel weight 0
 * 1.1 (γ 0.05, and at the default γ 0.3 0.4–0.7 from epoch 8; the reconstructions' squared error
 * then 10–14 % worse than the average image's: truly ruined, not the pixel likelihood's
 * calibration); healthy runs 15–16 nats.
 */
export const KL_CARRIES_NOTHING_NATS = 3;

/** The run's learning rate when none is given (the Train form's and the CLI's default). */
const DEFAULT_LR = TrainConfig.parse({}).learningRate;
/** Spread of the prior samples, as a fraction of the data's, under which they count as collapsed: the one threshold of src-shared/collapse.ts. */
export { COLLAPSE_SPREAD };
/** Prior samples (and training images) the spread is measured on. */
export const HEALTH_SAMPLES = SPREAD_SAMPLES;

/**
 * Share of the way from the average training image to a perfect copy (in pixel likelihood) under
 * which reconstructions count as ruined: they keep under a tenth of what their input could tell
 * them. Measured through the Engine (docs/RELIABILITY.md; MNIST, dense, z 16, batch 64): the
 * forced failure (discriminator's rate × 50, pixel weight 0) −0.18 after 3 epochs on 2,000 digits
 * and 0.05 after 2 on 8,000 (the user's useless model); pixel weight 0 alone −0.29 after 3 epochs
 * on 2,000; healthy defaults 0.30 and 0.46 after epochs 1 and 2 on 8,000, 0.20 after 3 on 2,000
 * (96 steps: its epochs 1 and 2, −0.09 and 0.06, are flagged, as a barely trained decoder is).
 */
export const RECON_SHARE_MIN = 0.1;
/** The pixel term diverges when the share falls under this fraction of its best epoch's (it lost over half its gain). */
export const RECON_DROP = 0.5;

/** The pixel likelihood (nats per image, mean over the test images) of the two references of `reconShare`. */
export interface PixelBaselines {
  /** Every reconstruction the training split's per-pixel mean image. */
  average: number;
  /** Every reconstruction its input (x̃ = x): the data's own entropy (Bernoulli), the constant (Gaussian). */
  perfect: number;
}

/** −x·log x − (1 − x)·log(1 − x), nats (0 at 0 and 1): the Bernoulli NLL of x under p = x. */
const binaryEntropy = (x: number) => (x > 0 && x < 1 ? -x * Math.log(x) - (1 - x) * Math.log(1 - x) : 0);

/** A split's per-column Σx and Σx² (`squares`: else left 0), and Σ over all its values of their binary entropy. */
function columnSums(split: SplitData, D: number, squares: boolean): { s1: Float64Array; s2: Float64Array; entropy: number } {
  const s1 = new Float64Array(D);
  const s2 = new Float64Array(D);
  const x = split.x;
  if (x instanceof Float32Array) {
    let entropy = 0;
    for (let i = 0; i < split.count * D; i++) {
      const v = x[i];
      s1[i % D] += v;
      if (squares) s2[i % D] += v * v;
      entropy += binaryEntropy(v);
    }
    return { s1, s2, entropy };
  }
  // Bytes k (value k/255): integer sums and a histogram, converted once.
  const k1 = new Float64Array(D);
  const k2 = new Float64Array(D);
  const hist = new Float64Array(256);
  for (let r = 0; r < split.count; r++) {
    const o = r * D;
    for (let d = 0; d < D; d++) {
      const k = x[o + d];
      k1[d] += k;
      if (squares) k2[d] += k * k;
      hist[k]++;
    }
  }
  for (let d = 0; d < D; d++) {
    s1[d] = k1[d] / 255;
    s2[d] = k2[d] / (255 * 255);
  }
  let entropy = 0;
  for (let k = 0; k < 256; k++) entropy += hist[k] * binaryEntropy(k / 255);
  return { s1, s2, entropy };
}

/**
 * The references of `reconShare` for `test`'s images (D values each, in [0, 1]) under the run's
 * likelihood, nats per image: the reconstruction that knows nothing of its input, the training
 * split's per-pixel mean image (Bernoulli: the mean smoothed as Krichevsky–Trofimov's
 * (Σx + ½) / (n + 1), so that a pixel never inked in training costs finite nats), and a perfect
 * copy (Bernoulli: the images' own binary entropy, 0 for black-and-white pixels). Gaussian
 * (fixed σ): ½·Σ ((x − mean)/σ)² + D·log(σ·√(2π)) and the constant alone. From column sums: one
 * pass over each split's bytes, logarithms per column, less work than one validation pass.
 * Empty splits give NaN (no verdict).
 */
export function pixelBaselines(train: SplitData, test: SplitData, D: number, output: OutputKind, sigma: number): PixelBaselines {
  const n = train.count;
  const t = test.count;
  const tr = columnSums(train, D, false).s1;
  const te = columnSums(test, D, output === 'gaussian');
  let average = 0;
  for (let d = 0; d < D; d++) {
    if (output === 'bernoulli') {
      const p = (tr[d] + 0.5) / (n + 1);
      average -= te.s1[d] * Math.log(p) + (t - te.s1[d]) * Math.log(1 - p);
    } else {
      const m = tr[d] / n;
      average += (te.s2[d] - 2 * m * te.s1[d] + t * m * m) / (2 * sigma * sigma);
    }
  }
  if (output === 'bernoulli') return { average: average / t, perfect: te.entropy / t };
  const constant = gaussianConstant(D, sigma);
  return { average: average / t + constant, perfect: constant };
}

/** One epoch's verdict: the problems found (empty: healthy) and the figures behind them. */
export interface EpochHealth {
  epoch: number;
  /** Mean discriminator loss of the epoch (nats per sample). */
  disc: number;
  /** Spread of the prior samples over the data's. */
  spreadRatio: number;
  /** The validation pixel likelihood −log p(x | x̃), nats per image. */
  recon: number;
  /** (average − recon) / (average − perfect) of `PixelBaselines`: 0 no better than the average image, 1 a perfect copy (NaN: no verdict). */
  reconShare: number;
  discWins: boolean;
  collapsed: boolean;
  /** The code's KL, nats per test image (the epoch's validation). */
  kl: number;
  /** The discriminator's loss over `DISC_DIVERGE_NATS` (or, continuing a streak, over `DISC_DIVERGING_GOING_ON` × chance). */
  discDiverges: boolean;
  /** `reconShare` under `RECON_SHARE_MIN`. */
  reconRuined: boolean;
  /** Not ruined, but `reconShare` under `RECON_DROP` × its best earlier epoch's. */
  reconDiverged: boolean;
}

/** A share as a whole percentage. */
const pct = (share: number) => `${Math.round(share * 100)} %`;

const healthy = (h: EpochHealth) => !h.discWins && !h.discDiverges && !h.collapsed && !h.reconRuined && !h.reconDiverged;

/** The settings a warning's advice may name (the run's resolved config). */
export interface GanSettings {
  gamma: number;
  pixelWeight: number;
  discLrScale: number;
  beta: number;
  klWarmupEpochs: number;
  learningRate: number;
}

/** `model`'s VAE-GAN settings (defaults where absent) and the run's learning rate. */
export function ganSettings(model: Pick<ModelConfig, 'gamma' | 'pixelWeight' | 'discLrScale' | 'beta' | 'klWarmupEpochs'>, learningRate = DEFAULT_LR): GanSettings {
  return {
    gamma: model.gamma ?? VAEGAN_DEFAULTS.gamma,
    pixelWeight: model.pixelWeight ?? VAEGAN_DEFAULTS.pixelWeight,
    discLrScale: model.discLrScale ?? VAEGAN_DEFAULTS.discLrScale,
    beta: model.beta ?? DEFAULT_BETA.vaegan,
    klWarmupEpochs: model.klWarmupEpochs ?? 0,
    learningRate,
  };
}

/** A number as the form would show it (≤ 4 significant digits, no trailing zeros). */
const num = (v: number) => String(Number(v.toPrecision(4)));

/**
 * A setting named as the Train form and the CLI name it, with its value here and its default:
 * "γ (0.001 here, default 0.3; --gamma)".
 */
function setting(name: 'gamma' | 'pixelWeight' | 'discLrScale' | 'beta' | 'learningRate', s: GanSettings): string {
  const label = { gamma: 'γ', pixelWeight: 'the Pixel weight', discLrScale: 'the Discriminator LR ×', beta: 'β', learningRate: 'the Learning rate' }[name];
  const flag = { gamma: '--gamma', pixelWeight: '--pixel-weight', discLrScale: '--disc-lr-scale', beta: '--beta', learningRate: '--lr' }[name];
  const def = { gamma: VAEGAN_DEFAULTS.gamma, pixelWeight: VAEGAN_DEFAULTS.pixelWeight, discLrScale: VAEGAN_DEFAULTS.discLrScale, beta: DEFAULT_BETA.vaegan, learningRate: DEFAULT_LR }[name];
  const note = name === 'pixelWeight' && s.pixelWeight === 0 ? ', the paper\'s features-only setting' : name === 'beta' && s.klWarmupEpochs > 0 ? `, reached over a ${s.klWarmupEpochs}-epoch KL warm-up` : '';
  return `${label} (${num(s[name])} here${note}; default ${num(def)}; CLI ${flag})`;
}

/** A setting far off its default the way that causes a problem (evidence for the advice). */
const lrVeryLow = (s: GanSettings) => s.learningRate <= DEFAULT_LR / 10;
const lrHigh = (s: GanSettings) => s.learningRate >= DEFAULT_LR * 2;
const gammaLow = (s: GanSettings) => s.gamma <= VAEGAN_DEFAULTS.gamma / 3;
const discFast = (s: GanSettings) => s.discLrScale >= VAEGAN_DEFAULTS.discLrScale * 4;
const betaHigh = (s: GanSettings) => s.beta > DEFAULT_BETA.vaegan;

/** "a, b or c". */
const orList = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`);

export class GanHealth {
  private readonly zp: Float32Array;
  private readonly dataSpread: number;
  private readonly n: number;
  /** The last epoch whose checkpoint was saved (0: none yet). */
  savedEpoch = 0;
  private firstWin = 0;
  private firstDiverges = 0;
  private firstCollapse = 0;
  private firstRuined = 0;
  private firstDiverged = 0;
  /** The epoch with the highest `reconShare` so far (null: none yet). */
  private best: EpochHealth | null = null;
  /** The pixel likelihood references (nats per test image). */
  readonly baselines: PixelBaselines;
  private last: EpochHealth | null = null;
  private savedHealthy = false;

  /** The run's settings the advice names. */
  readonly settings: GanSettings;

  /**
   * `bundle`: the run's model (its latent size, input size, likelihood and VAE-GAN settings);
   * `data.train`: the training split (its spread is measured once on a seeded sample of it, its
   * mean image once for `PixelBaselines`); `data.test`: the images the validation reconstructs;
   * `learningRate`: the run's (the advice names it when it is the cause).
   */
  constructor(bundle: Pick<ModelBundle, 'config' | 'inputDim' | 'output'>, data: { train: SplitData; test: SplitData }, seed: number, learningRate = DEFAULT_LR) {
    this.settings = ganSettings(bundle.config, learningRate);
    const { latentDim } = bundle.config;
    const D = bundle.inputDim;
    const train = data.train;
    this.baselines = pixelBaselines(train, data.test, D, bundle.output, gaussianSigma(bundle.config));
    this.n = Math.min(HEALTH_SAMPLES, train.count);
    const rng = mulberry32(seed + 4242);
    this.zp = drawPriorLatents(rng, this.n, latentDim, 1, null);
    const idx = permutation(train.count, rng).slice(0, this.n);
    this.dataSpread = meanPairwiseDistance(gatherRowsF32(train.x, D, idx, new Float32Array(this.n * D)), this.n, D);
  }

  /**
   * Checks the epoch that just ended (`bundle` holds its weights; `train.gan` its mean losses;
   * `val.recon` the pixel likelihood of its reconstructions of the test split, nats per image).
   */
  check(bundle: ModelBundle, epoch: number, train: LossParts, val: LossParts): EpochHealth {
    const samples = decodeArrays(bundle, this.zp, null, this.n);
    const spreadRatio = this.dataSpread > 0 ? meanPairwiseDistance(samples, this.n, bundle.inputDim) / this.dataSpread : 1;
    const disc = train.gan?.disc ?? Number.NaN;
    const { average, perfect } = this.baselines;
    const reconShare = average > perfect ? (average - val.recon) / (average - perfect) : Number.NaN;
    const reconRuined = reconShare < RECON_SHARE_MIN;
    const reconDiverged = !reconRuined && this.best !== null && reconShare < RECON_DROP * this.best.reconShare;
    const discDiverges = disc > DISC_DIVERGE_NATS || (this.firstDiverges > 0 && disc > DISC_DIVERGING_GOING_ON * DISC_CHANCE_NATS);
    const h: EpochHealth = {
      epoch,
      disc,
      spreadRatio,
      recon: val.recon,
      reconShare,
      kl: val.kl,
      discWins: disc < DISC_WIN_NATS,
      discDiverges,
      collapsed: spreadRatio < COLLAPSE_SPREAD,
      reconRuined,
      reconDiverged,
    };
    // The epoch each problem began (its current streak).
    this.firstWin = h.discWins ? this.firstWin || epoch : 0;
    this.firstDiverges = discDiverges ? this.firstDiverges || epoch : 0;
    this.firstCollapse = h.collapsed ? this.firstCollapse || epoch : 0;
    this.firstRuined = reconRuined ? this.firstRuined || epoch : 0;
    this.firstDiverged = reconDiverged ? this.firstDiverged || epoch : 0;
    if (!Number.isNaN(reconShare) && (!this.best || reconShare > this.best.reconShare)) this.best = h;
    this.last = h;
    return h;
  }

  /** True when the epoch's checkpoint should be saved: healthy, or no healthy one saved yet. */
  shouldSave(h: EpochHealth): boolean {
    return healthy(h) || !this.savedHealthy;
  }

  /** The epoch `h` was checkpointed. */
  markSaved(h: EpochHealth): void {
    this.savedEpoch = h.epoch;
    this.savedHealthy = healthy(h);
  }

  /** True when the model in memory is not the saved one (the last epoch checked was not saved). */
  get unsavedLatest(): boolean {
    return this.last !== null && this.last.epoch !== this.savedEpoch;
  }

  /**
   * What is wrong at the last epoch checked, in words (empty when it was healthy: a problem the
   * run recovered from, e.g. the blurry, alike samples of a barely trained decoder in epoch 1,
   * is not kept): each problem with the epoch it began and its figure now, and which epoch the
   * saved model is from.
   */
  warnings(): string[] {
    const h = this.last;
    if (!h || healthy(h)) return [];
    const out: string[] = [];
    if (h.discWins) {
      out.push(
        `the discriminator is winning: its loss fell under ${DISC_WIN_NATS} nats at epoch ${this.firstWin} (${h.disc.toFixed(3)} at epoch ${h.epoch}), ` +
          `so the decoder learns little from it; ${this.advice('discWins', h)}`,
      );
    }
    if (h.discDiverges) {
      out.push(
        `the discriminator is diverging: its loss is ${h.disc.toFixed(1)} nats at epoch ${h.epoch} (since epoch ${this.firstDiverges}), ` +
          `${(h.disc / DISC_CHANCE_NATS).toFixed(0)}× the ${DISC_CHANCE_NATS.toFixed(2)} nats of a discriminator that cannot tell real from decoded images (3·ln 2): ` +
          `it is confidently wrong, and the decoder learns from a broken signal; ${this.advice('discDiverges', h)}`,
      );
    }
    if (h.collapsed) {
      out.push(
        `generator collapse: near-identical samples since epoch ${this.firstCollapse} (prior samples spread ${h.spreadRatio.toFixed(2)}× the data's ` +
          `at epoch ${h.epoch}, under ${COLLAPSE_SPREAD}×); ${this.advice('collapsed', h)}`,
      );
    }
    if (h.reconRuined) {
      out.push(
        `reconstructions are no better than the average training image since epoch ${this.firstRuined}: ${h.recon.toFixed(0)} nats per test image at epoch ${h.epoch} ` +
          `against the average image's ${this.baselines.average.toFixed(0)} and a perfect copy's ${this.baselines.perfect.toFixed(0)} ` +
          `(${h.reconShare > 0 ? `${pct(h.reconShare)} of the way from the one to the other, under ${pct(RECON_SHARE_MIN)}` : 'worse than the average image'}), ` +
          `so they carry almost nothing of their input; ${this.advice('recon', h)}`,
      );
    }
    if (h.reconDiverged) {
      const b = this.best!;
      out.push(
        `reconstructions are getting worse since epoch ${this.firstDiverged}: ${h.recon.toFixed(0)} nats per test image at epoch ${h.epoch} against ${b.recon.toFixed(0)} at epoch ${b.epoch}, ` +
          `their best (${pct(h.reconShare)} of the way from the average training image's ${this.baselines.average.toFixed(0)} to a perfect copy, under ${RECON_DROP}× the best's ${pct(b.reconShare)}); ` +
          this.advice('recon', h),
      );
    }
    if (this.savedEpoch) {
      out.push(
        this.savedHealthy
          ? `the saved model is from epoch ${this.savedEpoch}, the last healthy one (epoch ${h.epoch} was not saved)`
          : `no epoch has been healthy yet, so each epoch is saved: the saved model is epoch ${this.savedEpoch}'s (from the first healthy epoch on, the last healthy one is kept)`,
      );
    }
    return out;
  }

  /**
   * What to change, from the evidence: the settings off their defaults in the direction that
   * causes `problem`, and the term that moved (the code's KL near 0: β, or a pixel weight of 0,
   * leaves the encoder nothing to say). Each setting named as the Train form and the CLI name it.
   * Without evidence, the usual remedy for the problem, from the run's own values.
   */
  private advice(problem: 'discWins' | 'discDiverges' | 'collapsed' | 'recon', h: EpochHealth): string {
    const s = this.settings;
    const fixes: string[] = [];
    const because: string[] = [];
    if (lrVeryLow(s) && problem !== 'discDiverges') {
      fixes.push(`raise ${setting('learningRate', s)}`);
      because.push('the model has barely moved from its start');
    }
    const codeEmpty = h.kl < KL_CARRIES_NOTHING_NATS && (problem === 'recon' || problem === 'collapsed' || problem === 'discWins');
    if (codeEmpty && (betaHigh(s) || s.pixelWeight === 0)) {
      because.push(`the code carries only ${h.kl.toFixed(2)} nats per test image (KL)`);
      if (betaHigh(s)) fixes.push(`lower ${setting('beta', s)}`);
      if (s.pixelWeight === 0) fixes.push(`raise ${setting('pixelWeight', s)}: without it the encoder learns only from the discriminator's features`);
    }
    if (gammaLow(s) && problem !== 'discDiverges') fixes.push(`raise ${setting('gamma', s)}: the decoder weighs the reconstruction little against fooling the discriminator`);
    if (discFast(s) && problem !== 'collapsed') fixes.push(`lower ${setting('discLrScale', s)}`);
    if (lrHigh(s) && (problem === 'discDiverges' || problem === 'collapsed' || problem === 'recon')) fixes.push(`lower ${setting('learningRate', s)}`);
    if (!fixes.length) {
      // No setting stands out: the usual remedy.
      if (problem === 'discWins' || problem === 'discDiverges') fixes.push(`lower ${setting('discLrScale', s)}`);
      else if (problem === 'collapsed') fixes.push(`raise ${setting('gamma', s)}`, `lower ${setting('beta', s)}`);
      else fixes.push(`lower ${setting('discLrScale', s)}`, `raise ${setting('pixelWeight', s)}`);
    }
    return `${because.length ? `${because.join('; ')}: ` : ''}try to ${orList(fixes)}`;
  }
}
