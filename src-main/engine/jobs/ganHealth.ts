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
 *     of ../sampleSpread.ts, and threshold as every run's end-of-run `sampleSpread`).
 * An unhealthy epoch is not checkpointed once a healthy one was: the run keeps the last healthy
 * checkpoint, and its warnings say which epoch the saved model is from. Until the first healthy
 * epoch every epoch is saved (a run always has a model, the latest of its unhealthy ones).
 */
import { COLLAPSE_SPREAD } from '../../../src-shared/collapse';
import type { LossParts } from '../../../src-shared/types';
import { gaussian, mulberry32, permutation } from '../datasets/random';
import { gatherRowsF32 } from '../datasets/rows';
import { decodeArrays, type SplitData } from '../metrics';
import type { ModelBundle } from '../models/build';
import { meanPairwiseDistance, SPREAD_SAMPLES } from '../sampleSpread';

/** Mean discriminator loss (nats per sample, over an epoch) under which it counts as winning. */
export const DISC_WIN_NATS = 0.05;
/** Spread of the prior samples, as a fraction of the data's, under which they count as collapsed: the one threshold of src-shared/collapse.ts. */
export { COLLAPSE_SPREAD };
/** Prior samples (and training images) the spread is measured on. */
export const HEALTH_SAMPLES = SPREAD_SAMPLES;

/** One epoch's verdict: the problems found (empty: healthy) and the figures behind them. */
export interface EpochHealth {
  epoch: number;
  /** Mean discriminator loss of the epoch (nats per sample). */
  disc: number;
  /** Spread of the prior samples over the data's. */
  spreadRatio: number;
  discWins: boolean;
  collapsed: boolean;
}

const healthy = (h: EpochHealth) => !h.discWins && !h.collapsed;

export class GanHealth {
  private readonly zp: Float32Array;
  private readonly dataSpread: number;
  private readonly n: number;
  /** The last epoch whose checkpoint was saved (0: none yet). */
  savedEpoch = 0;
  private firstWin = 0;
  private firstCollapse = 0;
  private last: EpochHealth | null = null;
  private savedHealthy = false;

  /** `train`: the training split (its spread is measured once on a seeded sample of it). */
  constructor(latentDim: number, D: number, train: SplitData, seed: number) {
    this.n = Math.min(HEALTH_SAMPLES, train.count);
    const rng = mulberry32(seed + 4242);
    this.zp = Float32Array.from({ length: this.n * latentDim }, () => gaussian(rng));
    const idx = permutation(train.count, rng).slice(0, this.n);
    this.dataSpread = meanPairwiseDistance(gatherRowsF32(train.x, D, idx, new Float32Array(this.n * D)), this.n, D);
  }

  /** Checks the epoch that just ended (`bundle` holds its weights; `train.gan` its mean losses). */
  check(bundle: ModelBundle, epoch: number, train: LossParts): EpochHealth {
    const samples = decodeArrays(bundle, this.zp, null, this.n);
    const spreadRatio = this.dataSpread > 0 ? meanPairwiseDistance(samples, this.n, bundle.inputDim) / this.dataSpread : 1;
    const disc = train.gan?.disc ?? Number.NaN;
    const h: EpochHealth = { epoch, disc, spreadRatio, discWins: disc < DISC_WIN_NATS, collapsed: spreadRatio < COLLAPSE_SPREAD };
    // The epoch each problem began (its current streak).
    this.firstWin = h.discWins ? this.firstWin || epoch : 0;
    this.firstCollapse = h.collapsed ? this.firstCollapse || epoch : 0;
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
          'so the decoder learns little from it; try a lower discLrScale or a larger γ',
      );
    }
    if (h.collapsed) {
      out.push(
        `generator collapse: near-identical samples since epoch ${this.firstCollapse} (prior samples spread ${h.spreadRatio.toFixed(2)}× the data's ` +
          `at epoch ${h.epoch}, under ${COLLAPSE_SPREAD}×); try a larger γ, a lower learning rate or a smaller β`,
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
}
