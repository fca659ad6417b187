/**
 * The loss chart's uPlot options: series in the order of `LossHistory.columns()` (x; loss, recon,
 * KL; their validation; a VAE-GAN's discriminator, generator and feature terms). The `loss` panel
 * has two scales: `y` (left axis, nats: loss, recon) and `kl` (right axis, the KL). A VAE-GAN's
 * three GAN terms get a panel of their own below (`gan`), on two axes, as in the first panel: the
 * discriminator's and the generator's losses (binary cross-entropies of the discriminator's
 * outputs, a few nats: one unit, one range) share the left axis (`adv`), from 0 and always up to
 * the discriminator's chance level 3·ln 2 ≈ 2.08 (`DISC_CHANCE`), drawn as a labelled dashed line;
 * the feature reconstruction (~10 nats, spiking to thousands in an unstable run) is on the right
 * (`feature`), so it neither flattens the adversarial pair nor rescales the ELBO curves above. The
 * lower panel's axes always get at least `minTicks` labelled ticks (`niceSplits`), however short it is.
 * Series a model has no numbers for (an AE's KL, a VAE's GAN terms) are hidden, their axes too.
 * Every y axis is as wide as its longest tick label (`axisWidth`), so "2,000" is not clipped.
 */
import uPlot from 'uplot';

export const LOSS_COLORS = { loss: '#2563eb', recon: '#ea580c', kl: '#9333ea', disc: '#dc2626', gen: '#0d9488', feature: '#ca8a04' };
export const LOSS_COLORS_DARK = { loss: '#6b9cf5', recon: '#fb923c', kl: '#c084fc', disc: '#f87171', gen: '#2dd4bf', feature: '#facc15' };

/**
 * The discriminator's loss (nats per sample: real, reconstructed and prior sample, `GanParts.disc`)
 * when it cannot tell real from decoded, D = ½ on all three: 3·ln 2 ≈ 2.079.
 */
export const DISC_CHANCE = 3 * Math.LN2;

/** Which curves the shown model has: a KL (not an AE), GAN terms (a VAE-GAN). */
export interface ChartKinds {
  kl: boolean;
  gan: boolean;
}

/** The main panel (losses, KL, feature term) or a VAE-GAN's panel of GAN terms. */
export type ChartPanel = 'loss' | 'gan';

/** The series, in column order (the first is x), as `panel` shows them. */
export function lossSeries(dark: boolean, show: ChartKinds, panel: ChartPanel = 'loss'): uPlot.Series[] {
  const c = dark ? LOSS_COLORS_DARK : LOSS_COLORS;
  const main = panel === 'loss';
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
    show: main && (scale !== 'kl' || show.kl),
  });
  return [
    { label: 'epoch' },
    line(c.loss, 'loss', 'y', main, 2),
    line(c.recon, 'recon', 'y', main),
    line(c.kl, 'KL →', 'kl', main && show.kl),
    val(c.loss, 'val loss'),
    val(c.recon, 'val recon'),
    val(c.kl, 'val KL →', 'kl'),
    line(c.disc, 'discriminator', 'adv', !main && show.gan, 2),
    line(c.gen, 'generator', 'adv', !main && show.gan),
    line(c.feature, 'feature recon →', 'feature', !main && show.gan),
  ];
}

/**
 * The width in CSS pixels a y axis needs for tick labels `values`: the widest label (`measure`
 * gives a string's width in CSS pixels) plus the tick length and the gap. 0 labels: ticks and gap.
 */
export function axisWidth(values: readonly string[] | null | undefined, measure: (text: string) => number, ticks: number, gap: number): number {
  let widest = 0;
  for (const v of values ?? []) if (v) widest = Math.max(widest, measure(v));
  return Math.ceil(ticks + gap + widest + 2);
}

const NICE_STEPS = [1, 2, 2.5, 5];

/**
 * At least `minTicks` evenly spaced tick values in [`min`, `max`] on a "nice" step (1, 2, 2.5 or
 * 5 × 10^k), the widest such step; e.g. (0.6, 2.9, 3) → [1, 1.5, 2, 2.5]. An empty or non-finite
 * range gives its one finite end (or nothing).
 */
export function niceSplits(min: number, max: number, minTicks = 3): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [min, max].filter(Number.isFinite);
  if (max <= min) return [min];
  let k = Math.floor(Math.log10(max - min));
  for (let tries = 0; tries < 40; tries++, k--) {
    for (let i = NICE_STEPS.length - 1; i >= 0; i--) {
      const step = NICE_STEPS[i] * 10 ** k;
      const first = Math.ceil(min / step - 1e-9);
      const last = Math.floor(max / step + 1e-9);
      if (last - first + 1 >= minTicks) {
        const dec = decimalsOf(step);
        const out: number[] = [];
        for (let j = first; j <= last; j++) out.push(Number((j * step).toFixed(dec)));
        return out;
      }
    }
  }
  return [min, max];
}

/** Steps between epoch ticks, in epochs: whole epochs only. */
const EPOCH_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000];

/**
 * The epoch axis' ticks over [`min`, `max`] (epochs; live points fall between whole epochs): whole
 * epochs only, on the smallest step of 1, 2, 5, 10, 20, 25, 50, … that leaves at most `maxTicks`
 * ticks; e.g. a 3-epoch run (1, 3, 8) → [1, 2, 3], never 1.5 or 2.5. An empty or non-finite
 * range gives the whole epochs in it (at most its one end).
 */
export function epochSplits(min: number, max: number, maxTicks: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const most = Math.max(1, Math.floor(maxTicks));
  const count = (step: number) => Math.floor(max / step + 1e-9) - Math.ceil(min / step - 1e-9) + 1;
  const step = EPOCH_STEPS.find((s) => count(s) <= most) ?? Math.ceil((max - min) / most);
  const out: number[] = [];
  for (let j = Math.ceil(min / step - 1e-9); j * step <= max + 1e-9; j++) out.push(j * step);
  return out;
}

/** Decimal places a nice step needs: 0.25 → 2, 0.5 → 1, 2.5 → 1, 5 → 0. */
function decimalsOf(step: number): number {
  if (!(step > 0)) return 0;
  if (step >= 1) return Number.isInteger(Number(step.toFixed(9))) ? 0 : 1;
  const k = Math.ceil(-Math.log10(step) - 1e-9); // 0.5 → 1, 0.25 → 1, 0.01 → 2
  return Math.min(15, Number.isInteger(Number((step * 10 ** k).toFixed(9))) ? k : k + 1);
}

/**
 * Tick labels for `niceSplits` ticks: as many decimals as their step needs, thousands grouped
 * ("2,500"); from 10,000 up in short form ("20K", "12.5K", "1.5M") so they stay ≤ 5 characters.
 */
export function tickLabels(splits: readonly number[]): string[] {
  const dec = splits.length > 1 ? decimalsOf(Math.abs(splits[1] - splits[0])) : 0;
  const big = splits.some((v) => Math.abs(v) >= 10_000);
  return splits.map((v) =>
    big
      ? v.toLocaleString('en-US', { notation: 'compact', maximumSignificantDigits: 3 })
      : v.toLocaleString('en-US', { minimumFractionDigits: dec, maximumFractionDigits: dec }),
  );
}

/** A uPlot axis `size` that fits the axis' longest tick label (measured with the chart's own font). */
function fitSize(self: uPlot, values: string[], axisIdx: number, cycleNum: number): number {
  const axis = self.axes[axisIdx] as uPlot.Axis & { _size?: number };
  if (cycleNum > 1 && axis._size) return axis._size; // uPlot re-asks while ticks settle: keep the size
  const font = Array.isArray(axis.font) ? String(axis.font[0]) : String(axis.font ?? '');
  const ratio = uPlot.pxRatio || 1;
  const ticks = (axis.ticks as { size?: number } | undefined)?.size ?? 4;
  return axisWidth(values, (t) => {
    self.ctx.font = font;
    return self.ctx.measureText(t).width / ratio;
  }, ticks, axis.gap ?? 5);
}

/**
 * The inner y axes' widths (CSS px) of a VAE-GAN's two panels, shared so both plots span the same
 * x pixels (their epochs and crosshairs line up): each axis is as wide as the wider of its own
 * labels and the other panel's axis on the same side. `version` changes whenever a panel's own
 * width does; the other panel then lays its axes out again.
 */
export class SharedAxisWidths {
  version = 0;
  readonly #own = new Map<string, number>();

  /** The width for `panel`'s axis on `side` (3 left, 1 right) whose labels need `own` px. */
  fit(panel: ChartPanel, side: number, own: number): number {
    const key = `${panel}:${side}`;
    if (this.#own.get(key) !== own) {
      this.#own.set(key, own);
      this.version++;
    }
    return Math.max(own, this.#own.get(`${panel === 'loss' ? 'gan' : 'loss'}:${side}`) ?? 0);
  }
}

/**
 * How panels are linked: panels with one `sync` key share the crosshair; `onHover` gets the
 * hovered point's index (null: none); `widths` lines up their y axes.
 */
export interface ChartLink {
  sync?: string;
  onHover?: (idx: number | null) => void;
  widths?: SharedAxisWidths;
}

/**
 * The range of the lower panel's adversarial axis for data in [`min`, `max`] nats: from 0 (a
 * discriminator that wins drives its loss there) to the data's top or, when the data stays under
 * it, a little above `DISC_CHANCE`, so the chance line and its label are always in view.
 */
export function adversarialRange(min: number, max: number): [number, number] {
  const lo = Number.isFinite(min) ? Math.min(0, min) : 0;
  const hi = Number.isFinite(max) ? max : 0;
  return [lo, Math.max(hi * 1.04, DISC_CHANCE * 1.15)];
}

/**
 * A uPlot draw hook: the discriminator's chance level (`DISC_CHANCE` on the `adv` scale) as a
 * dashed line of `color` (the discriminator's) across the plot, labelled "chance 3·ln 2" at its right end, haloed in `bg`.
 */
function chanceLine(color: string, bg: string, font: string): (self: uPlot) => void {
  return (self) => {
    const ctx = self.ctx;
    const r = uPlot.pxRatio || 1;
    const { left, top, width, height } = self.bbox;
    const y = Math.round(self.valToPos(DISC_CHANCE, 'adv', true));
    if (!(y >= top && y <= top + height)) return;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = r;
    ctx.setLineDash([4 * r, 3 * r]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = font.replace(/^(\d+)px/, (_m, px: string) => `${Number(px) * r}px`);
    const text = 'chance 3·ln 2';
    const x = left + width - ctx.measureText(text).width - 4 * r;
    ctx.textBaseline = 'bottom';
    // A halo of the background round the letters: legible over a curve, which still shows between them.
    ctx.lineJoin = 'round';
    ctx.lineWidth = 3 * r;
    ctx.strokeStyle = bg;
    ctx.strokeText(text, x, y - 2 * r);
    ctx.fillStyle = color;
    ctx.fillText(text, x, y - 2 * r);
    ctx.restore();
  };
}

/** The options of `panel` at `width` × `height` CSS pixels. */
export function lossChartOptions(width: number, height: number, dark: boolean, show: ChartKinds, panel: ChartPanel = 'loss', hover: ChartLink = {}): uPlot.Options {
  const axis = dark ? '#9aa4b8' : '#5b6476';
  const grid = dark ? 'rgba(154,164,184,0.12)' : 'rgba(91,100,118,0.12)';
  const font = '11px system-ui';
  const ticks = { stroke: grid };
  const c = dark ? LOSS_COLORS_DARK : LOSS_COLORS;
  // With a GAN panel below, the epoch label goes under that one only.
  const xLabel = panel === 'gan' || !show.gan;
  // The upper panel of a VAE-GAN shares the lower one's epochs: its grid without the numbers.
  const x: uPlot.Axis = xLabel
    ? { stroke: axis, grid: { stroke: grid, width: 1 }, ticks, size: 28, label: 'epoch', labelSize: 14, labelGap: 0, font, labelFont: font }
    : { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { ...ticks, size: 3 }, size: 6, values: (_u, splits) => splits.map(() => ''), font };
  // Whole epochs only (uPlot's own steps put ticks at 1.5 and 2.5 on a 3-epoch run), ~50 px apart at least.
  x.splits = (self, _axisIdx, min, max) => epochSplits(min, max, (self.bbox?.width ?? 0) / (uPlot.pxRatio || 1) / 50);
  // The lower panel is short (~50–80 px): uPlot's default 30 px between ticks leaves one or none,
  // so each axis gets at least 3 ticks (4 where the height allows them ~30 px apart).
  const ganTicks: Pick<uPlot.Axis, 'splits' | 'values'> = {
    splits: (self, _axisIdx, min, max) => niceSplits(min, max, (self.bbox?.height ?? 0) / (uPlot.pxRatio || 1) >= 120 ? 4 : 3),
    values: (_self, splits) => tickLabels(splits),
  };
  // The inner y axes: as wide as their labels, and with `hover.widths` as the other panel's too.
  const widths = hover.widths;
  const inner = (side: number): uPlot.Axis.Size =>
    widths
      ? (self, values, axisIdx, cycleNum) => {
          const cached = (self.axes[axisIdx] as { _size?: number })._size;
          if (cycleNum > 1 && cached) return cached;
          return widths.fit(panel, side, fitSize(self, values, axisIdx, cycleNum));
        }
      : fitSize;
  const axes: uPlot.Axis[] =
    panel === 'loss'
      ? [
          x,
          { stroke: axis, grid: { stroke: grid, width: 1 }, ticks, size: inner(3), font, scale: 'y' },
          show.kl ? { stroke: c.kl, grid: { show: false }, ticks, side: 1, size: inner(1), font, scale: 'kl' } : { show: false, side: 1, size: 8, scale: 'kl' },
        ]
      : [
          x,
          { stroke: axis, grid: { stroke: grid, width: 1 }, ticks, size: inner(3), font, scale: 'adv', ...ganTicks },
          { stroke: c.feature, grid: { show: false }, ticks, side: 1, size: inner(1), font, scale: 'feature', ...ganTicks },
        ];
  const hooks: uPlot.Hooks.Arrays = {};
  if (hover.onHover) hooks.setCursor = [(self) => hover.onHover!(self.cursor.idx ?? null)];
  if (panel === 'gan') hooks.draw = [chanceLine(c.disc, dark ? 'rgba(18,24,38,0.85)' : 'rgba(255,255,255,0.85)', font)];
  return {
    width,
    height,
    padding: [8, 6, 0, 0],
    cursor: { drag: { x: false, y: false }, points: { size: 6 }, ...(hover.sync ? { sync: { key: hover.sync } } : {}) },
    hooks,
    legend: { show: false },
    scales: { x: { time: false }, y: { auto: true }, kl: { auto: true }, adv: { auto: true, range: (_self, min, max) => adversarialRange(min, max) }, feature: { auto: true } },
    axes,
    series: lossSeries(dark, show, panel),
  };
}
