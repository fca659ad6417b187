/**
 * The loss chart's uPlot options: series in the order of `LossHistory.columns()` (x; loss, recon,
 * KL; their validation; a VAE-GAN's discriminator, generator and feature terms) on three scales:
 * `y` (left axis, nats: loss, recon, the feature term), `kl` (right axis, the KL) and `gan` (a
 * second right axis, nats: the discriminator's and the generator's GAN losses). Series a model
 * has no numbers for (an AE's KL, a VAE's GAN terms) are hidden, their axes too.
 */
import type uPlot from 'uplot';

export const LOSS_COLORS = { loss: '#2563eb', recon: '#ea580c', kl: '#9333ea', disc: '#dc2626', gen: '#0d9488', feature: '#ca8a04' };
export const LOSS_COLORS_DARK = { loss: '#6b9cf5', recon: '#fb923c', kl: '#c084fc', disc: '#f87171', gen: '#2dd4bf', feature: '#facc15' };

/** Which curves the shown model has: a KL (not an AE), GAN terms (a VAE-GAN). */
export interface ChartKinds {
  kl: boolean;
  gan: boolean;
}

/** The series, in column order (the first is x). */
export function lossSeries(dark: boolean, show: ChartKinds): uPlot.Series[] {
  const c = dark ? LOSS_COLORS_DARK : LOSS_COLORS;
  const line = (color: string, label: string, scale: string, shown = true, width = 1.5): uPlot.Series => ({
    label,
    stroke: color,
    width,
    scale,
    spanGaps: true,
    points: { show: false },
    show: shown,
  });
  const val = (color: string, label: string, scale = 'y'): uPlot.Series => ({
    label,
    stroke: color,
    width: 1.5,
    dash: [5, 4],
    scale,
    spanGaps: true,
    points: { show: true, size: 5, fill: color, stroke: color },
    show: scale !== 'kl' || show.kl,
  });
  return [
    { label: 'epoch' },
    line(c.loss, 'loss', 'y', true, 2),
    line(c.recon, 'recon', 'y'),
    line(c.kl, 'KL →', 'kl', show.kl),
    val(c.loss, 'val loss'),
    val(c.recon, 'val recon'),
    val(c.kl, 'val KL →', 'kl'),
    { ...line(c.disc, 'discriminator →', 'gan', show.gan, 2), dash: [2, 2] },
    line(c.gen, 'generator →', 'gan', show.gan),
    line(c.feature, 'feature recon', 'y', show.gan),
  ];
}

/** The whole chart's options at `width` × `height` CSS pixels. */
export function lossChartOptions(width: number, height: number, dark: boolean, show: ChartKinds): uPlot.Options {
  const axis = dark ? '#9aa4b8' : '#5b6476';
  const grid = dark ? 'rgba(154,164,184,0.12)' : 'rgba(91,100,118,0.12)';
  const font = '11px system-ui';
  const ticks = { stroke: grid };
  return {
    width,
    height,
    padding: [8, 4, 0, 0],
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { show: false },
    scales: { x: { time: false }, y: { auto: true }, kl: { auto: true }, gan: { auto: true } },
    axes: [
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks, size: 28, label: 'epoch', labelSize: 14, labelGap: 0, font, labelFont: font },
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks, size: 44, font, scale: 'y' },
      { stroke: axis, grid: { show: false }, ticks, side: 1, size: show.kl ? 36 : 8, font, scale: 'kl', show: show.kl },
      { stroke: dark ? LOSS_COLORS_DARK.disc : LOSS_COLORS.disc, grid: { show: false }, ticks, side: 1, size: show.gan ? 32 : 0, font, scale: 'gan', show: show.gan },
    ],
    series: lossSeries(dark, show),
  };
}
