/**
 * The loss chart's readouts in words: the values at the hovered point of the chart
 * (`hoverReadout`), and a VAE-GAN's three GAN terms in the live training line (`ganReadout`).
 * Every loss is in nats (per sample), and each readout says so.
 */
import { fmtNum } from './format';
import type { ChartKinds } from './lossChart';

/** One value of a readout: its name as the legend gives it, and the number as shown. */
export interface ReadoutPart {
  label: string;
  value: string;
}

/** The values at one hovered point: its epoch, its training parts, validation ones where the point has them. */
export interface HoverReadout {
  epoch: string;
  train: ReadoutPart[];
  val: ReadoutPart[];
}

type Column = readonly (number | null | undefined)[];

/**
 * The values at index `idx` of `columns` (`LossHistory.columns()`: x; loss, recon, KL; val loss,
 * val recon, val KL; disc, gen, feature), those `show` has curves for: the KL unless an AE, the
 * three GAN terms for a VAE-GAN; validation only at points that have it. A VAE-GAN's "loss" is
 * called "VAE loss" (`lossLabel`): recon + β·KL, not what its decoder and discriminator optimise.
 * Null when `idx` is null or out of range.
 */
export function hoverReadout(columns: readonly Column[], idx: number | null, show: ChartKinds): HoverReadout | null {
  const x = columns[0];
  if (idx == null || !x || idx < 0 || idx >= x.length || x[idx] == null) return null;
  const at = (col: number) => columns[col]?.[idx];
  const part = (label: string, col: number): ReadoutPart[] => {
    const v = at(col);
    return v == null || !Number.isFinite(v) ? [] : [{ label, value: fmtNum(v) }];
  };
  const loss = lossLabel(show.gan);
  const train = [...part(loss, 1), ...part('recon', 2), ...(show.kl ? part('KL', 3) : [])];
  if (show.gan) train.push(...part('disc', 7), ...part('gen', 8), ...part('feature', 9));
  const val = [...part(loss, 4), ...part('recon', 5), ...(show.kl ? part('KL', 6) : [])];
  return { epoch: fmtNum(x[idx], 2), train, val };
}

/**
 * The readouts' name of the "loss" number (`LossParts.loss`): "VAE loss" for a VAE-GAN (`gan`),
 * whose loss is its VAE part (recon + β·KL, as the chart's legend says), not what it optimises;
 * "loss" for the other kinds, which optimise it.
 */
export function lossLabel(gan: boolean): string {
  return gan ? 'VAE loss' : 'loss';
}

/** A readout's parts as "loss 150.2 · recon 140.1 nats" ('' for none). */
export function partsText(parts: readonly ReadoutPart[]): string {
  return parts.length ? `${parts.map((p) => `${p.label} ${p.value}`).join(' · ')} nats` : '';
}

/** A VAE-GAN's GAN terms (`LossParts.gan`) for the live line: "disc 0.939 · gen 1.21 · feature 10.4 nats". */
export function ganReadout(gan: { disc: number; gen: number; feature: number }): string {
  return partsText([
    { label: 'disc', value: fmtNum(gan.disc) },
    { label: 'gen', value: fmtNum(gan.gen) },
    { label: 'feature', value: fmtNum(gan.feature) },
  ]);
}
