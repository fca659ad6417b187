/**
 * The loss chart's uPlot options: series in the order of `LossHistory.columns()` (x; loss, recon,
 * KL; their validation; a VAE-GAN's discriminator, generator and feature terms). The `loss` panel
 * has two scales: `y` (left axis, nats: loss, recon) and `kl` (right axis, the KL). A VAE-GAN's
 * three GAN terms get a panel of their own below (`gan`), on two axes, as in the first panel: the
 * discriminator's and the generator's losses (binary cross-entropies of the discriminator's
 * outputs: one unit) share the left axis (`adv`), on a log scale (`adversarialRange`, `logSplits`;
 * the panel's data from `ganColumns`, a loss of 0 drawn at `ADV_FLOOR`) so a generator spiking to
 * hundreds of nats flattens neither the discriminator's curve nor its chance level (3·ln 2 ≈ 2.08,
 * `DISC_CHANCE`, with the standard GAN loss; 2·ln 2 ≈ 1.39 with the relativistic one: `discChance`,
 * for the shown run's loss, `shownGanLoss`), always in view as a dashed line (named in the legend,
 * `chanceLegend`, so no label covers a curve), and the generator's (`genChance`: 2·ln 2 standard,
 * 4·ln 2 relativistic) as a second dashed line in its colour (`genChanceLegend`); the feature reconstruction (a sum of squares, ≥ 0: ~10 nats,
 * spiking to thousands in an unstable run) is on the right (`feature`), from 0 (`featureRange`),
 * so it neither flattens the adversarial pair nor rescales the ELBO curves above. The lower
 * panel's axes always get at least `minTicks` labelled ticks, however short it is. A series with
 * a single point (a 1-epoch run) is drawn as a dot (`onePoint`).
 * Series a model has no numbers for (an AE's KL, a VAE's GAN terms) are hidden, their axes too.
 * Every y axis is as wide as its longest tick label (`axisWidth`), so "2,000" is not clipped.
 */
import uPlot from 'uplot';
import { ganChance, VAEGAN_DEFAULTS, type GanLoss } from '../../../src-shared/vaegan';

export const LOSS_COLORS = { loss: '#2563eb', recon: '#ea580c', kl: '#9333ea', disc: '#dc2626', gen: '#0d9488', feature: '#ca8a04' };
export const LOSS_COLORS_DARK = { loss: '#6b9cf5', recon: '#fb923c', kl: '#c084fc', disc: '#f87171', gen: '#2dd4bf', feature: '#facc15' };

/**
 * The discriminator's standard GAN loss (nats per sample: real, reconstructed and prior sample,
 * `GanParts.disc`) when it cannot tell real from decoded, D = ½ on all three: 3·ln 2 ≈ 2.079.
 */
export const DISC_CHANCE = 3 * Math.LN2;

/**
 * The discriminator's chance level (nats) for a VAE-GAN trained with `ganLoss` (src-shared
 * `ganChance`): standard 3·ln 2 ≈ 2.08 (`DISC_CHANCE`), relativistic average 2·ln 2 ≈ 1.39.
 */
export function discChance(ganLoss: GanLoss = 'standard'): { value: number; label: string } {
  const c = ganChance(ganLoss);
  return { value: c.disc, label: c.discLabel };
}

/**
 * The generator's (decoder's GAN loss) chance level (nats) for a VAE-GAN trained with `ganLoss`
 * (src-shared `ganChance`): standard 2·ln 2 ≈ 1.39, relativistic average 4·ln 2 ≈ 2.77 — its loss
 * when the discriminator cannot tell its images from real ones; above it, the discriminator can.
 */
export function genChance(ganLoss: GanLoss = 'standard'): { value: number; label: string } {
  const c = ganChance(ganLoss);
  return { value: c.gen, label: c.genLabel };
}

/**
 * The legend's words for the generator's dotted chance line: "generator's chance 4·ln 2 ≈ 2.77:
 * above, its images are told apart" — one line of the Train panel's legend at 1280×800 (the
 * panel and its chart must fit there with the short-run notice up: e2e training-view).
 */
export function genChanceLegend(ganLoss: GanLoss = 'standard'): string {
  const { value, label } = genChance(ganLoss);
  return `generator's chance ${label} ≈ ${value.toFixed(2)}: above, its images are told apart`;
}

/**
 * The tooltip of the legend's "feature recon": what the term is measured in, and why it rising
 * while every other loss falls is no fault (a tester took it for one).
 */
export const FEATURE_RECON_TIP =
  "The reconstruction measured in the discriminator's features (½·Σ of their squared differences), not in pixels. Those features keep changing as the discriminator trains (their scale too), so this term often rises during training while the other losses fall: that is expected, not a fault.";

/** The legend's words for the dashed chance line of a run trained with `ganLoss` (nats): "discriminator's chance 3·ln 2 ≈ 2.08: can't tell real from decoded; under 0.05: it wins". */
export function chanceLegend(ganLoss: GanLoss = 'standard'): string {
  const { value, label } = discChance(ganLoss);
  return `discriminator's chance ${label} ≈ ${value.toFixed(2)}: can't tell real from decoded; under 0.05: it wins`;
}

/**
 * The adversarial loss of the run whose curves are shown: the opened or listed run's saved
 * config (`run`: a VAE-GAN saved before the choice existed trained with 'standard'), else the
 * live run's as started (`live`, where left out means the contract's default), else, with no
 * run shown at all, the Train form's choice (`form`, null: the default).
 */
export function shownGanLoss(
  run: { config: { model: { ganLoss?: GanLoss } } } | null | undefined,
  live: { model?: { ganLoss?: GanLoss } } | null | undefined,
  form: GanLoss | null,
  shownRunId: string | null,
): GanLoss {
  if (run) return run.config.model.ganLoss ?? 'standard';
  if (live) return live.model?.ganLoss ?? VAEGAN_DEFAULTS.ganLoss;
  if (shownRunId === null) return form ?? VAEGAN_DEFAULTS.ganLoss;
  return 'standard';
}

/** Which curves the shown model has: a KL (not an AE), GAN terms (a VAE-GAN); `ganLoss`: its adversarial loss (the chance line's level; left out: standard). */
export interface ChartKinds {
  kl: boolean;
  gan: boolean;
  ganLoss?: GanLoss;
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
    // No dots on a line, but a lone point (a 1-epoch run) is a dot: no line to draw it.
    points: { show: onePoint, size: 6, fill: color, stroke: color },
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
 * A uPlot `points.show` for lines: true when series `seriesIdx` of `self.data` has exactly one
 * finite value, which a line cannot draw (a reopened 1-epoch run drew nothing for it).
 */
export function onePoint(self: Pick<uPlot, 'data'>, seriesIdx: number): boolean {
  let n = 0;
  for (const v of self.data[seriesIdx] ?? []) if (v != null && Number.isFinite(v) && ++n > 1) return false;
  return n === 1;
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
  // `+ 0`: a range from just under 0 gave j = −0, labelled "-0".
  for (let j = Math.ceil(min / step - 1e-9); j * step <= max + 1e-9; j++) out.push(j * step + 0);
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
 * The lowest loss (nats) the log-scaled adversarial axis draws as it is: a lower one (a
 * discriminator that has won outright, 0) is drawn at this height (`ganColumns`), which the axis
 * keeps in view (it reaches down to ½ `ADV_FLOOR`, so such a point is not on the plot's edge).
 */
export const ADV_FLOOR = 1e-3;

/** `v` (> 0) rounded down (`up` false) or up to 1, 2 or 5 × 10^k. */
function nice125(v: number, up: boolean): number {
  const k = Math.floor(Math.log10(v));
  const steps = [1, 2, 5, 10].map((m) => Number((m * 10 ** k).toPrecision(12)));
  return up ? steps.find((s) => s >= v * (1 - 1e-12))! : [...steps].reverse().find((s) => s <= v * (1 + 1e-12))!;
}

/**
 * The range (nats, both > 0) of the lower panel's log-scaled adversarial axis for data in
 * [`min`, `max`] nats (null: no data): 1, 2 or 5 × 10^k round the data, always from 0.5 or lower
 * (down to ½ `ADV_FLOOR` for a discriminator that wins) up to 5 or higher, so the chance line
 * (3·ln 2 ≈ 2.08, or 2·ln 2 ≈ 1.39 with the relativistic loss) has room on both sides; e.g. (0.6, 500) → [0.5, 1000], (0.02, 0.9) → [0.01, 5],
 * no data → [0.5, 5].
 */
export function adversarialRange(min: number | null, max: number | null): [number, number] {
  const bottom = ADV_FLOOR / 2;
  const has = (v: number | null): v is number => v != null && Number.isFinite(v);
  const lo = !has(min) ? 0.5 : min > bottom ? Math.max(bottom, Math.min(0.5, nice125(min * 0.95, false))) : bottom;
  const hi = has(max) && max > 0 ? Math.max(5, nice125(max * 1.05, true)) : 5;
  return [lo, hi];
}

/**
 * Ticks of a log axis over [`min`, `max`] (both > 0): the powers of ten in it, or, when they are
 * fewer than `minTicks`, 1 and 3 × 10^k, or 1, 2 and 5 × 10^k; when they are more than `maxTicks`
 * (and `minTicks`), every 2nd (3rd, …) power of ten, 1 among them, if that leaves `minTicks`.
 * E.g. (0.5, 1000) → [1, 10, 100, 1000], (0.5, 50) → [1, 3, 10, 30], (1, 5) → [1, 2, 5],
 * (0.0005, 1000, 3, 4) → [0.01, 1, 100]. A non-positive or empty range: its finite positive ends.
 */
export function logSplits(min: number, max: number, minTicks = 3, maxTicks = Infinity): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [min, max].filter((v) => Number.isFinite(v) && v > 0);
  const k0 = Math.floor(Math.log10(min));
  const k1 = Math.ceil(Math.log10(max));
  const inRange = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const at = (m: number, k: number) => Number((m * 10 ** k).toPrecision(12));
  let out: number[] = [];
  for (const mults of [[1], [1, 3], [1, 2, 5]]) {
    out = [];
    for (let k = k0; k <= k1; k++) for (const m of mults) if (inRange(at(m, k))) out.push(at(m, k));
    if (out.length >= minTicks) break;
  }
  const most = Math.max(minTicks, maxTicks);
  if (out.length > most) {
    // Too many decades for the height: every `step`-th power of ten, if that leaves `minTicks`.
    const powers = out.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
    const step = Math.ceil(powers.length / most);
    const thinned = powers.filter((v) => Math.round(Math.log10(v)) % step === 0);
    if (thinned.length >= minTicks) out = thinned;
  }
  return out;
}

/**
 * Labels for `logSplits` ticks, each with the decimals it needs: "0.001", "0.5", "1", "30",
 * "1,000", "20K" (≤ 5 characters); '' for a tick uPlot left unlabelled (null).
 */
export function logTickLabels(splits: readonly (number | null)[]): string[] {
  return splits.map((v) =>
    v == null || !Number.isFinite(v)
      ? ''
      : v >= 10_000
        ? v.toLocaleString('en-US', { notation: 'compact', maximumSignificantDigits: 3 })
        : v.toLocaleString('en-US', { maximumFractionDigits: v >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(v) - 1e-9) + 1) }),
  );
}

/**
 * The range of the lower panel's feature axis for data in [`min`, `max`] nats: from 0 (the term is
 * a sum of squares, 0 when the discriminator's features of the reconstruction match the input's),
 * so a change of 10 to 11 nats reads as the 10 % it is, not as the whole height of the plot.
 */
export function featureRange(min: number | null, max: number | null): [number, number] {
  const lo = min != null && Number.isFinite(min) ? Math.min(0, min) : 0;
  const hi = max != null && Number.isFinite(max) && max > lo ? max * 1.05 : lo + 1;
  return [lo, hi];
}

/** The indices in `LossHistory.columns()` of the curves on the adversarial (log) axis: the discriminator's and the generator's losses. */
const ADV_COLUMNS = lossSeries(false, { kl: true, gan: true }, 'gan').flatMap((s, i) => (s.scale === 'adv' ? [i] : []));

/**
 * The lower panel's data: `columns` (`LossHistory.columns()`) with the discriminator's and the
 * generator's losses at least `ADV_FLOOR` (a log axis cannot draw 0 and would drop the point; the
 * readout keeps the true values) and any non-finite GAN value a gap; the rest as they are.
 */
export function ganColumns(columns: readonly (readonly (number | null)[])[]): (number | null)[][] {
  return columns.map((col, i) =>
    ADV_COLUMNS.includes(i)
      ? col.map((v) => (v == null || !Number.isFinite(v) ? null : Math.max(ADV_FLOOR, v)))
      : i > 6
        ? col.map((v) => (v == null || !Number.isFinite(v) ? null : v))
        : [...col],
  );
}

/**
 * A uPlot draw hook: a chance level (`level` nats on the `adv` scale: `discChance`, `genChance`)
 * as a line of `color` (the discriminator's or the generator's), dashed `dash` (CSS px), across the plot. Unlabelled: a
 * label on it covered the curves; the legend names it (`chanceLegend`, `genChanceLegend`).
 */
function chanceLine(color: string, level: number, dash: readonly [number, number] = [4, 3]): (self: uPlot) => void {
  return (self) => {
    const ctx = self.ctx;
    const r = uPlot.pxRatio || 1;
    const { left, top, width, height } = self.bbox;
    const y = Math.round(self.valToPos(level, 'adv', true));
    if (!(y >= top && y <= top + height)) return;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = r;
    ctx.setLineDash([dash[0] * r, dash[1] * r]);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
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
  const plotHeight = (self: uPlot) => (self.bbox?.height ?? 0) / (uPlot.pxRatio || 1);
  const tickCount = (self: uPlot) => (plotHeight(self) >= 120 ? 4 : 3);
  const ganTicks: Pick<uPlot.Axis, 'splits' | 'values'> = {
    splits: (self, _axisIdx, min, max) => niceSplits(min, max, tickCount(self)),
    values: (_self, splits) => tickLabels(splits),
  };
  // The log axis: its own ticks (≥ 3, ~16 px apart at most as many), every one labelled (uPlot's
  // log filter would blank all but the powers of ten, or skip some of those on a short panel).
  const advTicks: Pick<uPlot.Axis, 'splits' | 'values' | 'filter'> = {
    splits: (self, _axisIdx, min, max) => logSplits(min, max, tickCount(self), Math.floor(plotHeight(self) / 16) || Infinity),
    filter: (_self, splits) => splits,
    values: (_self, splits) => logTickLabels(splits),
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
          { stroke: axis, grid: { stroke: grid, width: 1 }, ticks, size: inner(3), font, scale: 'adv', ...advTicks },
          { stroke: c.feature, grid: { show: false }, ticks, side: 1, size: inner(1), font, scale: 'feature', ...ganTicks },
        ];
  const hooks: uPlot.Hooks.Arrays = {};
  if (hover.onHover) hooks.setCursor = [(self) => hover.onHover!(self.cursor.idx ?? null)];
  // The discriminator's chance line, then the generator's (shorter dashes, its colour).
  if (panel === 'gan') hooks.draw = [chanceLine(c.disc, discChance(show.ganLoss).value), chanceLine(c.gen, genChance(show.ganLoss).value, [2, 3])];
  return {
    width,
    height,
    padding: [8, 6, 0, 0],
    cursor: { drag: { x: false, y: false }, points: { size: 6 }, ...(hover.sync ? { sync: { key: hover.sync } } : {}) },
    hooks,
    legend: { show: false },
    scales: { x: { time: false }, y: { auto: true }, kl: { auto: true }, adv: { auto: true, distr: 3, log: 10, range: (_self, min, max) => adversarialRange(min, max) }, feature: { auto: true, range: (_self, min, max) => featureRange(min, max) } },
    axes,
    series: lossSeries(dark, show, panel),
  };
}
