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
 *   - partial mode collapse: the share of the same samples that have a near-copy among the others
 *     (`duplicateShare` of ../sampleSpread.ts, closer than `DUPLICATE_NEAREST` × the typical
 *     nearest-neighbour distance among the same training images) at or over `DUPLICATE_SHARE`: a
 *     shape repeated almost pixel for pixel while the rest vary, which the mean spread does not
 *     see (said, not an unhealthy epoch: see `DUPLICATE_SHARE`);
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
 *     test images were at 157 against 205);
 *   - the generator's loss blowing up: its epoch mean over `GEN_BLOWUP_NATS`; said from that
 *     epoch to the run's end, also once it came down (the jolt leaves the model worse);
 *   - a discriminator that does not learn: its epoch mean at or above chance (3·ln 2) for
 *     `DISC_IDLE_EPOCHS` epochs in a row (said, not an unhealthy epoch: the decoder then trains
 *     the run then trains as a plain VAE, its checkpoints are fine).
 * The chance levels are the run's GAN loss's (src-shared/vaegan.ts `ganChance`): the standard
 * loss's 3·ln 2 (disc) and 2·ln 2 (gen) above; the relativistic loss's 2·ln 2 and 4·ln 2. The
 * lines that are multiples of chance (diverging, blow-up) scale with them; `DISC_WIN_NATS` does
 * not (either loss → 0 when the discriminator wins).
 * An unhealthy epoch is not checkpointed once a healthy one was: the run keeps the last healthy
 * checkpoint, and its warnings say which epoch the saved model is from. Until the first healthy
 * epoch every epoch is saved (a run always has a model, the latest of its unhealthy ones).
 * The pixel likelihood references live in ./pixelBaselines.ts, the advice's wording in
 * ./ganAdvice.ts (both re-exported here).
 */
import { COLLAPSE_SPREAD } from '../../../src-shared/collapse';
import { ganChance, vaeganSettings, type LossParts } from '../../../src-shared/types';
import { mulberry32, permutation } from '../datasets/random';
import { gatherRowsF32 } from '../datasets/rows';
import { drawPriorLatents } from '../inference';
import { decodeArrays, type SplitData } from '../metrics';
import type { ModelBundle } from '../models/build';
import { gaussianSigma } from '../models/likelihood';
import { duplicateShare, meanPairwiseDistance, SPREAD_SAMPLES, typicalNearestDistance } from '../sampleSpread';
import { DEFAULT_LR, ganAdvice, ganSettings, type GanProblem, type GanSettings } from './ganAdvice';
import { pixelBaselines, type PixelBaselines } from './pixelBaselines';

export { ganSettings, KL_CARRIES_NOTHING_NATS, type GanProblem, type GanSettings } from './ganAdvice';
export { pixelBaselines, type PixelBaselines } from './pixelBaselines';

/** Mean discriminator loss (nats per sample, over an epoch) under which it counts as winning. */
export const DISC_WIN_NATS = 0.05;
/**
 * The discriminator's loss when it cannot tell real from decoded images, standard GAN loss: 3·ln 2
 * ≈ 2.08 nats (three terms at D = ½); the relativistic loss's is 2·ln 2 (`ganChance`, which the
 * watch uses for the run's loss).
 */
export const DISC_CHANCE_NATS = ganChance('standard').disc;
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
 * Epochs in a row whose mean discriminator loss is at or above chance (`DISC_CHANCE_NATS`, not
 * diverging) after which it counts as not learning. Two, not one: a healthy first epoch can end
 * above chance (4.8 nats at most measured, learning rate 0.005) but its second is under 1.6.
 * The tester's MNIST run at Discriminator LR × 0.001 (dense z 8, 8,000 digits, batch 64): 2.31,
 * 2.90, 3.03, 2.92 nats in epochs 1–4; at the defaults 0.89, 1.04, 0.94, 0.82.
 */
export const DISC_IDLE_EPOCHS = 2;

/**
 * The decoder's GAN loss when the discriminator cannot tell, standard GAN loss: 2·ln 2 ≈ 1.39 nats
 * (−log D(x̃) − log D(x_p), two terms at D = ½); the relativistic loss's is 4·ln 2 (`ganChance`).
 */
export const GEN_CHANCE_NATS = ganChance('standard').gen;
/**
 * Mean generator loss (nats per sample, over an epoch) over which training blew up: 40× chance
 * (`GEN_CHANCE_NATS`, ≈ 55 nats). The watch sees each epoch's mean losses, not single batches
 * (the parallel trainer sums its batches in its workers), so this catches a blow-up that lifts a
 * whole epoch, as the tester's did. Measured (the tester's MNIST runs, dense z 8, 8,000 digits,
 * batch 64, 4 epochs; generator loss, feature term): defaults 7.3 and 9.9 in epoch 1, then
 * 3.5–4.2 and 8.5–11.2; γ 1000 with Discriminator LR × 10 41 → 27 and 35–93 (its
 * reconstructions as good as the defaults': 127 nats against 123, so not flagged: 1.35× under the
 * line); a conv run on shapes at most 6.3 (its feature term grows to 105, so no line is put on
 * the feature term, whose scale is the discriminator's features'); Discriminator LR × 50 206 and
 * 3,214 in epoch 1 (the progress line's running means peaked at ~490 and ~15,000), then 69, 44,
 * 18 (3.7× over the line in epoch 1), and the run ended at −ELBO 225 against 134, Fréchet
 * distance 420.8 against 178.6, 52 % of reconstructions recognised against 82.5 %.
 */
export const GEN_BLOWUP_NATS = 40 * GEN_CHANCE_NATS;

/** Spread of the prior samples, as a fraction of the data's, under which they count as collapsed: the one threshold of src-shared/collapse.ts. */
export { COLLAPSE_SPREAD };
/** Prior samples (and training images) the spread is measured on. */
export const HEALTH_SAMPLES = SPREAD_SAMPLES;

/**
 * A prior sample is a near-copy when another of the `HEALTH_SAMPLES` is closer to it (Euclidean,
 * pixel intensities) than this fraction of the training images' typical nearest-neighbour distance
 * (../sampleSpread.ts `typicalNearestDistance` of the same `HEALTH_SAMPLES` images as the spread's
 * reference, computed once per run: 7.4 on the embedded MNIST at seed 1, 6.9–7.6 over draws).
 * Relative to the data, so it means the same on any dataset or pixel scale. Calibrated with
 * scripts/measure-duplicates.ts (embedded MNIST, dense, batch 64, linear decay, the watch's own
 * samples) together with `DUPLICATE_SHARE`; the figures there.
 */
export const DUPLICATE_NEAREST = 0.1;
/**
 * Share of the prior samples with a near-copy (`DUPLICATE_NEAREST`) at or over which the epoch is
 * a partial mode collapse: a quarter, 16 of 64. Measured with scripts/measure-duplicates.ts
 * (embedded MNIST, dense, defaults otherwise; samples with a near-copy, of 64, at the watch's own
 * draw, then in brackets at two other draws of the saved model):
 *   - the tester's run (VAE-GAN, z 3, 3 epochs, seed 1, 375 steps; its hook shape repeated nearly
 *     pixel for pixel): 29, 31, 28 in epochs 1–3 (20, 9) — fires, 1.75× over the line;
 *     γ 1: 37, 24, 26; Discriminator LR × 0.1: 26, 25, 28 — neither helps;
 *     6 epochs (750 steps): 28, 30, 22, 17, 15, 13 in epochs 1–6 (saved model 15); z 8 at 375
 *     steps: 0 at every epoch — training longer and a larger latent are what clear it;
 *   - the same z 3 over 20 epochs: 22, 15, 12, 4, 2 at epochs 3, 4, 5, 10, 20;
 *   - healthy runs: VAE-GAN z 15, 20 epochs: 0 at every epoch (its closest sample 0.14× the data's
 *     distance at epoch 1, ≥ 0.33× from epoch 3); VAE z 15, 20 epochs: 0 (0, 0); VAE z 3,
 *     30 epochs (960 steps): 10 (2, 2), 1.6× under the line;
 *   - not flagged: the tester's settings at seeds 2 and 3 also repeat a sharp shape (a "3", an
 *     odd "8"), less exactly: 24, 15, 12 and 19, 10, 8 in epochs 1–3 (said at epoch 1 only). A bar
 *     low enough for them (0.15×, 40 %: 31 and 28 of 64 at the end) leaves the healthy z 3 VAE
 *     within 1.2× of it (21 of 64); the check is for the near-exact copies.
 * Said, not an unhealthy epoch (its checkpoint is kept): in every run measured the near-copies are
 * the early-training state, falling epoch by epoch (never a late jolt), so an earlier checkpoint
 * would have more of them, not fewer; the reconstructions are not what is wrong.
 */
export const DUPLICATE_SHARE = 0.25;

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
  /** Share (0–1) of the prior samples with a near-copy among the others (`DUPLICATE_NEAREST`). */
  duplicateShare: number;
  /** `duplicateShare` at or over `DUPLICATE_SHARE` (and not `collapsed`, which says more): partial mode collapse. */
  duplicates: boolean;
  /** The code's KL, nats per test image (the epoch's validation). */
  kl: number;
  /** The discriminator's loss over `DISC_DIVERGE_NATS` (or, continuing a streak, over `DISC_DIVERGING_GOING_ON` × chance). */
  discDiverges: boolean;
  /** `reconShare` under `RECON_SHARE_MIN`. */
  reconRuined: boolean;
  /** Mean generator loss of the epoch (nats per sample; NaN: none). */
  gen: number;
  /** Mean feature term of the epoch (½·Σ (Dis_l(x̃) − Dis_l(x))², per sample; NaN: none). */
  feature: number;
  /** `gen` over `GEN_BLOWUP_NATS`. */
  blewUp: boolean;
  /** The discriminator's loss at or above chance (not diverging) for `DISC_IDLE_EPOCHS` epochs in a row, this one the last. */
  discIdle: boolean;
  /** Not ruined, but `reconShare` under `RECON_DROP` × its best earlier epoch's. */
  reconDiverged: boolean;
}

/** A share as a whole percentage. */
const pct = (share: number) => `${Math.round(share * 100)} %`;

/** No problem that makes the epoch's checkpoint unfit to keep (`discIdle` and `duplicates` are said, but the model is fine). */
const healthy = (h: EpochHealth) => !h.discWins && !h.discDiverges && !h.collapsed && !h.reconRuined && !h.reconDiverged && !h.blewUp;

export class GanHealth {
  private readonly zp: Float32Array;
  private readonly dataSpread: number;
  /** The training images' typical nearest-neighbour distance (pixel units; `typicalNearestDistance`). */
  private readonly dataNearest: number;
  private readonly n: number;
  /** The last epoch whose checkpoint was saved (0: none yet). */
  savedEpoch = 0;
  private firstWin = 0;
  private firstDiverges = 0;
  private firstCollapse = 0;
  private firstDuplicates = 0;
  private firstRuined = 0;
  private firstDiverged = 0;
  /** The first epoch of the discriminator's current streak at or above chance (0: none). */
  private firstAtChance = 0;
  /** The first epoch whose generator loss blew up (null: none yet); said to the run's end. */
  private blowUp: EpochHealth | null = null;
  /** The epoch with the highest `reconShare` so far (null: none yet). */
  private best: EpochHealth | null = null;
  /** The pixel likelihood references (nats per test image). */
  readonly baselines: PixelBaselines;
  private last: EpochHealth | null = null;
  private savedHealthy = false;

  /** The run's settings the advice names. */
  readonly settings: GanSettings;
  /** The run's GAN loss's chance levels (nats per sample) and their names ("3·ln 2"). */
  readonly chance: ReturnType<typeof ganChance>;

  /**
   * `bundle`: the run's model (its latent size, input size, likelihood and VAE-GAN settings);
   * `data.train`: the training split (its spread is measured once on a seeded sample of it, its
   * mean image once for `PixelBaselines`); `data.test`: the images the validation reconstructs;
   * `learningRate`: the run's (the advice names it when it is the cause); `steps`: the run's
   * optimiser steps in all (under `FEW_STEPS` the advice says to train longer first).
   */
  constructor(
    bundle: Pick<ModelBundle, 'config' | 'inputDim' | 'output'>,
    data: { train: SplitData; test: SplitData },
    seed: number,
    learningRate = DEFAULT_LR,
    steps = Number.POSITIVE_INFINITY,
  ) {
    this.settings = ganSettings(bundle.config, learningRate, steps);
    this.chance = ganChance(vaeganSettings(bundle.config).ganLoss);
    const { latentDim } = bundle.config;
    const D = bundle.inputDim;
    const train = data.train;
    this.baselines = pixelBaselines(train, data.test, D, bundle.output, gaussianSigma(bundle.config));
    this.n = Math.min(HEALTH_SAMPLES, train.count);
    const rng = mulberry32(seed + 4242);
    this.zp = drawPriorLatents(rng, this.n, latentDim, 1, null);
    const idx = permutation(train.count, rng).slice(0, this.n);
    const images = gatherRowsF32(train.x, D, idx, new Float32Array(this.n * D));
    this.dataSpread = meanPairwiseDistance(images, this.n, D);
    this.dataNearest = typicalNearestDistance(images, this.n, D);
  }

  /**
   * Checks the epoch that just ended (`bundle` holds its weights; `train.gan` its mean losses;
   * `val.recon` the pixel likelihood of its reconstructions of the test split, nats per image).
   */
  check(bundle: ModelBundle, epoch: number, train: LossParts, val: LossParts): EpochHealth {
    const samples = decodeArrays(bundle, this.zp, null, this.n);
    const spreadRatio = this.dataSpread > 0 ? meanPairwiseDistance(samples, this.n, bundle.inputDim) / this.dataSpread : 1;
    const collapsed = spreadRatio < COLLAPSE_SPREAD;
    // Images with no distinct neighbour (all alike, fewer than 2) give no yardstick: no verdict.
    const dupShare = this.dataNearest > 0 ? duplicateShare(samples, this.n, bundle.inputDim, DUPLICATE_NEAREST * this.dataNearest) : 0;
    const disc = train.gan?.disc ?? Number.NaN;
    const { average, perfect } = this.baselines;
    const reconShare = average > perfect ? (average - val.recon) / (average - perfect) : Number.NaN;
    const reconRuined = reconShare < RECON_SHARE_MIN;
    const reconDiverged = !reconRuined && this.best !== null && reconShare < RECON_DROP * this.best.reconShare;
    const chance = this.chance;
    // DISC_DIVERGE_NATS and GEN_BLOWUP_NATS are multiples of the standard loss's chance levels.
    const discDiverges = disc > chance.disc * (DISC_DIVERGE_NATS / DISC_CHANCE_NATS) || (this.firstDiverges > 0 && disc > DISC_DIVERGING_GOING_ON * chance.disc);
    const gen = train.gan?.gen ?? Number.NaN;
    const feature = train.gan?.feature ?? Number.NaN;
    this.firstAtChance = disc >= chance.disc && !discDiverges ? this.firstAtChance || epoch : 0;
    const h: EpochHealth = {
      epoch,
      disc,
      spreadRatio,
      recon: val.recon,
      reconShare,
      kl: val.kl,
      discWins: disc < DISC_WIN_NATS,
      discDiverges,
      collapsed,
      duplicateShare: dupShare,
      duplicates: !collapsed && dupShare >= DUPLICATE_SHARE,
      reconRuined,
      reconDiverged,
      gen,
      feature,
      blewUp: gen > chance.gen * (GEN_BLOWUP_NATS / GEN_CHANCE_NATS),
      discIdle: this.firstAtChance > 0 && epoch - this.firstAtChance + 1 >= DISC_IDLE_EPOCHS,
    };
    if (h.blewUp && !this.blowUp) this.blowUp = h;
    // The epoch each problem began (its current streak).
    this.firstWin = h.discWins ? this.firstWin || epoch : 0;
    this.firstDiverges = discDiverges ? this.firstDiverges || epoch : 0;
    this.firstCollapse = h.collapsed ? this.firstCollapse || epoch : 0;
    this.firstDuplicates = h.duplicates ? this.firstDuplicates || epoch : 0;
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
   * is not kept — save a blow-up of the generator's loss, said to the run's end): each problem
   * with the epoch it began and its figure now, and which epoch the saved model is from.
   */
  warnings(): string[] {
    const h = this.last;
    if (!h) return [];
    const out: string[] = [];
    const c = this.chance;
    if (h.discWins) {
      out.push(
        `the discriminator is winning: its loss fell under ${DISC_WIN_NATS} nats at epoch ${this.firstWin} (${h.disc.toFixed(3)} at epoch ${h.epoch}), ` +
          `so the decoder learns little from it; ${this.advice('discWins', h)}`,
      );
    }
    if (h.discDiverges) {
      out.push(
        `the discriminator is diverging: its loss is ${h.disc.toFixed(1)} nats at epoch ${h.epoch} (since epoch ${this.firstDiverges}), ` +
          `${(h.disc / c.disc).toFixed(0)}× the ${c.disc.toFixed(2)} nats of a discriminator that cannot tell real from decoded images (${c.discLabel}): ` +
          `it is confidently wrong, and the decoder learns from a broken signal; ${this.advice('discDiverges', h)}`,
      );
    }
    if (h.collapsed) {
      out.push(
        `generator collapse: near-identical samples since epoch ${this.firstCollapse} (prior samples spread ${h.spreadRatio.toFixed(2)}× the data's ` +
          `at epoch ${h.epoch}, under ${COLLAPSE_SPREAD}×); ${this.advice('collapsed', h)}`,
      );
    }
    if (h.duplicates) {
      const k = Math.round(h.duplicateShare * this.n);
      out.push(
        // Short: what a near-copy is (DUPLICATE_NEAREST) is in the docstrings, not in the sentence.
        `partial mode collapse since epoch ${this.firstDuplicates}: ${k} of ${this.n} prior samples repeat another's shape almost exactly (epoch ${h.epoch}); ` +
          this.advice('duplicates', h),
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
    if (h.discIdle) {
      out.push(
        `the discriminator is not learning: its loss has stayed at or above the ${c.disc.toFixed(2)} nats of a discriminator that cannot tell real from decoded images (${c.discLabel}) ` +
          `since epoch ${this.firstAtChance} (${h.disc.toFixed(2)} at epoch ${h.epoch}), so the decoder learns nothing from it: the run trains as a plain VAE; ${this.advice('discIdle', h)}`,
      );
    }
    const b = this.blowUp;
    if (b) {
      const now = h === b ? '' : h.blewUp ? `still ${h.gen.toFixed(1)} at epoch ${h.epoch}; ` : `it came down since (${h.gen.toFixed(1)} at epoch ${h.epoch}), but such a jolt can leave the model far worse than a steady run; `;
      out.push(
        `the generator's loss diverged in epoch ${b.epoch}: ${b.gen.toFixed(1)} nats per sample over the epoch (its feature term ${b.feature.toFixed(0)}), ` +
          `${(b.gen / c.gen).toFixed(0)}× the ${c.gen.toFixed(2)} nats of a decoder the discriminator cannot tell from real images (${c.genLabel}); ${now}${this.advice('blowUp', h)}`,
      );
    }
    if (!healthy(h) && this.savedEpoch) {
      out.push(
        this.savedHealthy
          ? `the saved model is from epoch ${this.savedEpoch}, the last healthy one (epoch ${h.epoch} was not saved)`
          : `no epoch has been healthy yet, so each epoch is saved: the saved model is epoch ${this.savedEpoch}'s (from the first healthy epoch on, the last healthy one is kept)`,
      );
    }
    return out;
  }

  /** What to change for `problem` at `h`, from the run's settings (./ganAdvice.ts `ganAdvice`). */
  private advice(problem: GanProblem, h: EpochHealth): string {
    return ganAdvice(problem, h, this.settings);
  }
}
