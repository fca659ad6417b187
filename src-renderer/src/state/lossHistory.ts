/**
 * The training view's loss curves as column arrays for uPlot (x = fractional epoch): total,
 * reconstruction and KL, train and validation, and a VAE-GAN's discriminator loss and its
 * generator / feature-reconstruction terms (training only: `LossParts.gan`).
 */
import type { EpochRecord, LossParts, TrainProgress } from '../lib/contract';

/** Per-batch weight of the newest batches in the smoothed training curve (about a 10-batch window). */
const SMOOTHING = 0.1;

/** The training series, in column order after x. `disc`, `gen`, `feature`: a VAE-GAN's (`LossParts.gan`). */
export const TRAIN_PARTS = ['loss', 'recon', 'kl', 'disc', 'gen', 'feature'] as const;
export type TrainPart = (typeof TRAIN_PARTS)[number];
type Parts = Record<TrainPart, number>;

const zeros = (): Parts => ({ loss: 0, recon: 0, kl: 0, disc: 0, gen: 0, feature: 0 });
/** A report's six numbers; a report without GAN terms has NaN there (plotted as gaps). */
function partsOf(p: LossParts): Parts {
  return { loss: p.loss, recon: p.recon, kl: p.kl, disc: p.gan?.disc ?? NaN, gen: p.gan?.gen ?? NaN, feature: p.gan?.feature ?? NaN };
}
const ok = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * Plain arrays, not reactive: the chart polls `Training.historyVersion` (bumped per event) and
 * redraws at most once a frame.
 *
 * The engine reports the running mean over the epoch so far, which restarts every epoch: plotted
 * as it is, the first epoch's mean (still holding the first, large losses) drops off a cliff when
 * the second epoch starts. So each training curve is the mean of the batches since the last
 * report (recovered from two running means), smoothed over about 10 batches across epoch
 * boundaries; validation points are plotted as reported, at the end of each epoch.
 */
export class LossHistory {
  x: number[] = [];
  loss: (number | null)[] = [];
  recon: (number | null)[] = [];
  kl: (number | null)[] = [];
  valLoss: (number | null)[] = [];
  valRecon: (number | null)[] = [];
  valKl: (number | null)[] = [];
  /** VAE-GAN: the discriminator's loss (nats per sample; when it cannot tell: 3·ln 2 ≈ 2.08 standard, 2·ln 2 ≈ 1.39 relativistic, `ganChance`). */
  disc: (number | null)[] = [];
  /** VAE-GAN: the decoder's GAN loss. */
  gen: (number | null)[] = [];
  /** VAE-GAN: the reconstruction term in the discriminator's features. */
  feature: (number | null)[] = [];
  #lastX = -Infinity;
  /** The last report within the current epoch: epoch, batch, running sums (mean × batches). */
  #prev = { epoch: -1, batch: 0, sums: zeros() };
  #smooth: Parts | null = null;

  clear(): void {
    for (const a of this.columns()) a.length = 0;
    this.ganPoints = 0;
    this.#lastX = -Infinity;
    this.#prev = { epoch: -1, batch: 0, sums: zeros() };
    this.#smooth = null;
  }

  /** [x, loss, recon, kl, val loss, val recon, val KL, disc, gen, feature]: the chart's series order. */
  columns(): (number | null)[][] {
    return [this.x, this.loss, this.recon, this.kl, this.valLoss, this.valRecon, this.valKl, this.disc, this.gen, this.feature];
  }

  /** Points with a discriminator loss (a VAE-GAN's curve; 0 for other kinds). */
  ganPoints = 0;

  #pushTrain(x: number, t: Parts): void {
    this.x.push(x);
    for (const k of TRAIN_PARTS) this[k].push(ok(t[k]));
    if (Number.isFinite(t.disc)) this.ganPoints++;
  }

  /** A saved run's curves: one point per finished epoch (its training mean and validation). */
  setEpochs(epochs: readonly EpochRecord[]): void {
    this.clear();
    for (const e of epochs) {
      this.#pushTrain(e.epoch, partsOf(e.train));
      this.valLoss.push(ok(e.val.loss));
      this.valRecon.push(ok(e.val.recon));
      this.valKl.push(ok(e.val.kl));
      this.#lastX = e.epoch;
    }
  }

  /** The smoothed mean of the batches since the last report, or null when there are none new. */
  #recent(p: TrainProgress): Parts | null {
    if (p.epoch !== this.#prev.epoch || p.batch < this.#prev.batch) this.#prev = { epoch: p.epoch, batch: 0, sums: zeros() };
    const n = p.batch - this.#prev.batch;
    if (n <= 0) return null;
    const mean = partsOf(p.train);
    const sums = zeros();
    for (const k of TRAIN_PARTS) sums[k] = mean[k] * p.batch;
    const w = 1 - (1 - SMOOTHING) ** n;
    const next: Parts = { ...(this.#smooth ?? { loss: NaN, recon: NaN, kl: NaN, disc: NaN, gen: NaN, feature: NaN }) };
    for (const k of TRAIN_PARTS) {
      const v = (sums[k] - this.#prev.sums[k]) / n;
      // A non-finite loss is plotted as a gap (the curve starts afresh after it).
      next[k] = !Number.isFinite(v) ? NaN : Number.isFinite(next[k]) ? next[k] + w * (v - next[k]) : v;
    }
    this.#prev = { epoch: p.epoch, batch: p.batch, sums };
    this.#smooth = next;
    return next;
  }

  add(p: TrainProgress): void {
    const x = p.batches > 0 ? p.epoch - 1 + p.batch / p.batches : p.epoch;
    if (x < this.#lastX) return; // stale or repeated event
    const recent = p.batches > 0 ? this.#recent(p) : partsOf(p.train);
    if (x === this.#lastX && this.x.length) {
      // Same position (the epoch-end event repeating the last batch): only the validation is new.
    } else if (recent) {
      this.#pushTrain(x, recent);
      this.valLoss.push(null);
      this.valRecon.push(null);
      this.valKl.push(null);
    } else return;
    if (p.val) {
      const i = this.x.length - 1;
      this.valLoss[i] = ok(p.val.loss);
      this.valRecon[i] = ok(p.val.recon);
      this.valKl[i] = ok(p.val.kl);
    }
    this.#lastX = x;
    if (this.x.length > 20_000) this.#decimate();
  }

  /** Halve the training points, keeping every validation point. */
  #decimate(): void {
    const keep: number[] = [];
    for (let i = 0; i < this.x.length; i++) if (i % 2 === 0 || this.valLoss[i] != null || i === this.x.length - 1) keep.push(i);
    for (const a of this.columns()) {
      const copy = keep.map((i) => a[i]);
      a.length = 0;
      a.push(...copy);
    }
    this.ganPoints = this.disc.filter((v) => v !== null).length;
  }
}
