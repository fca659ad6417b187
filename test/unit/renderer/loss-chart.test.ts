/**
 * The training view's loss chart for a VAE-GAN (fresh-user report): which axis each curve is drawn
 * on (the feature term off the ELBO axis), readable ticks on the short lower panel's axes, and the
 * values in nats when hovering either panel or reading the live line.
 */
import { describe, expect, it, vi } from 'vitest';
import type uPlot from 'uplot';
import { LossHistory } from '../../../src-renderer/src/state/training.svelte';
import { VAEGAN_DEFAULTS } from '../../../src-shared/vaegan';
import {
  ADV_FLOOR,
  DISC_CHANCE,
  SharedAxisWidths,
  adversarialRange,
  FEATURE_RECON_TIP,
  chanceLegend,
  discChance,
  genChance,
  genChanceLegend,
  epochSplits,
  featureRange,
  ganColumns,
  logSplits,
  logTickLabels,
  lossChartOptions,
  lossSeries,
  niceSplits,
  onePoint,
  shownGanLoss,
  tickLabels,
  type ChartPanel,
} from '../../../src-renderer/src/lib/lossChart';
import { ganReadout, hoverReadout, lossLabel, partsText } from '../../../src-renderer/src/lib/lossReadout';

const GAN = { kl: true, gan: true };

/** A saved VAE-GAN run's history: epoch e has disc 1 + e/10, gen 2 − e/10, feature `feature(e)`. */
function ganHistory(epochs: number, feature: (e: number) => number): LossHistory {
  const h = new LossHistory();
  h.setEpochs(
    Array.from({ length: epochs }, (_, i) => {
      const e = i + 1;
      return {
        epoch: e,
        train: { loss: 300 - 10 * e, recon: 280 - 10 * e, kl: 20, gan: { disc: 1 + e / 10, gen: 2 - e / 10, feature: feature(e) } },
        val: { loss: 310 - 10 * e, recon: 290 - 10 * e, kl: 20 },
        seconds: 1,
        samplesPerSecond: 10,
        beta: 1,
      };
    }) as never,
  );
  return h;
}

/** For each shown series of `panel`, its label → the side of the shown axis drawing its scale (0 top, 1 right, 3 left). */
function axisOf(panel: ChartPanel): Map<string, number> {
  const o = lossChartOptions(300, 150, false, GAN, panel);
  const out = new Map<string, number>();
  for (const s of o.series.slice(1).filter((s) => s.show !== false)) {
    const axes = o.axes!.filter((a) => a.scale === s.scale && a.show !== false);
    expect(axes, `one shown axis for ${s.label}`).toHaveLength(1);
    out.set(String(s.label), axes[0].side ?? 3);
  }
  return out;
}

describe('the VAE-GAN loss chart: which curve goes on which axis', () => {
  it('the lower panel has two axes: the discriminator and generator losses share the left one, the feature reconstruction the right; the ELBO axis holds only the ELBO terms', () => {
    const upper = lossChartOptions(300, 150, false, GAN, 'loss');
    const onElbo = upper.series.filter((s) => s.show !== false && s.scale === 'y').map((s) => s.label);
    expect(onElbo).toEqual(['loss', 'recon', 'val loss', 'val recon']);
    const lower = lossChartOptions(300, 150, false, GAN, 'gan');
    const scales = lower.series.filter((s) => s.show !== false).slice(1).map((s) => s.scale);
    expect(new Set(scales).size).toBe(2); // the adversarial pair (one unit, one range) and the feature term
    expect(scales).not.toContain('y');
    expect(lower.axes!.slice(1).filter((a) => a.show !== false)).toHaveLength(2); // after the epoch axis
    // Every shown curve has exactly one shown axis: disc and gen on the left, the feature term on the right.
    expect([...axisOf('gan')]).toEqual([
      ['discriminator', 3],
      ['generator', 3],
      ['feature recon →', 1],
    ]);
    expect([...axisOf('loss')].every(([, side]) => side === 3 || side === 1)).toBe(true);
  });

  it('both panels have one axis a side, so their plots span the same epochs without extra room', () => {
    const right = (o: uPlot.Options) => (o.padding as number[])[1];
    const upper = lossChartOptions(300, 150, false, GAN, 'loss');
    const lower = lossChartOptions(300, 150, false, GAN, 'gan');
    expect(right(upper)).toBe(right(lower));
    for (const o of [upper, lower]) for (const side of [1, 3]) expect(o.axes!.slice(1).filter((a) => a.show !== false && (a.side ?? 3) === side)).toHaveLength(1);
  });

  it('the adversarial axis is a log axis that always shows the discriminator’s chance level, 3·ln 2, with room on both sides', () => {
    expect(DISC_CHANCE).toBeCloseTo(2.0794, 4);
    const lower = lossChartOptions(300, 150, false, GAN, 'gan');
    expect(lower.scales!.adv).toMatchObject({ distr: 3, log: 10 });
    // A discriminator that wins (loss near 0) and a quiet generator: the chance line is still in view.
    expect(adversarialRange(0.02, 0.9)).toEqual([0.01, 5]);
    // Data round the chance level: 1, 2 or 5 × 10^k round it.
    expect(adversarialRange(0.6, 500)).toEqual([0.5, 1000]);
    expect(adversarialRange(1.2, 2.4)).toEqual([0.5, 5]);
    // No data yet (uPlot passes null): a range round the chance level.
    expect(adversarialRange(null, null)).toEqual([0.5, 5]);
    for (const [min, max] of [[0.02, 0.9], [0.6, 500], [1.2, 2.4], [ADV_FLOOR, 3e4]] as const) {
      const [lo, hi] = adversarialRange(min, max);
      expect(lo).toBeGreaterThan(0); // a log axis has no 0
      expect(lo).toBeLessThan(min);
      expect(hi).toBeGreaterThan(Math.max(max, DISC_CHANCE));
    }
  });

  it('a generator spike of 500 nats does not flatten the discriminator’s curve or the chance line to the floor', () => {
    // Heights as fractions of the plot (0 floor, 1 top) on the adversarial axis, as uPlot draws a log scale.
    const [lo, hi] = adversarialRange(1.2, 500);
    const height = (v: number) => (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    // A 100 px panel: the discriminator at 1.2 and at 1.6 nats are pixels apart, the chance line well above the floor.
    expect((height(1.6) - height(1.2)) * 100).toBeGreaterThan(3);
    expect(height(DISC_CHANCE) * 100).toBeGreaterThan(15);
    expect(height(DISC_CHANCE) - height(1.6)).toBeGreaterThan(0.03);
    expect(height(500)).toBeLessThanOrEqual(1);
  });

  it('the chance line is drawn dashed across the plot without a label over the curves (the legend names it)', () => {
    const lower = lossChartOptions(300, 150, false, GAN, 'gan');
    // The discriminator's chance line, then the generator's.
    expect(lower.hooks?.draw).toHaveLength(2);
    expect(lossChartOptions(300, 150, false, GAN, 'loss').hooks?.draw).toBeUndefined();
    const calls: string[] = [];
    const ctx = new Proxy({} as Record<string, unknown>, {
      get: (t, k: string) => (k in t ? t[k] : (...args: unknown[]) => calls.push(`${k}(${args.join(',')})`)),
      set: (t, k: string, v) => ((t[k] = v), true),
    });
    const self = { ctx, bbox: { left: 40, top: 8, width: 400, height: 200 }, valToPos: (v: number) => (v === DISC_CHANCE ? 120 : NaN) } as unknown as uPlot;
    lower.hooks!.draw![0]!(self);
    expect(calls).toContain('moveTo(40,120)');
    expect(calls).toContain('lineTo(440,120)');
    expect(calls.filter((c) => /Text\(/.test(c))).toEqual([]); // no "chance 3·ln 2" painted over the curves
  });

  it('a run trained with the relativistic loss: the chance line at 2·ln 2 ≈ 1.39, and the legend says so; standard stays at 3·ln 2', () => {
    // Where the hook draws the line: the value it asks the adv scale for.
    const drawnAt = (show: Parameters<typeof lossChartOptions>[3]) => {
      const asked: number[] = [];
      const ctx = new Proxy({} as Record<string, unknown>, { get: (t, k: string) => (k in t ? t[k] : () => undefined), set: (t, k: string, v) => ((t[k] = v), true) });
      const self = { ctx, bbox: { left: 0, top: 0, width: 100, height: 100 }, valToPos: (v: number, scale: string) => (asked.push(v), scale === 'adv' ? 50 : NaN) } as unknown as uPlot;
      lossChartOptions(300, 150, false, show, 'gan').hooks!.draw![0]!(self);
      return asked;
    };
    expect(drawnAt({ ...GAN, ganLoss: 'relativistic' })).toEqual([2 * Math.LN2]);
    expect(drawnAt({ ...GAN, ganLoss: 'standard' })).toEqual([DISC_CHANCE]);
    expect(drawnAt(GAN)).toEqual([DISC_CHANCE]); // no loss given: standard
    expect(discChance('relativistic').value).toBeCloseTo(1.3863, 4);
    expect(chanceLegend('relativistic')).toBe("discriminator's chance 2·ln 2 ≈ 1.39: can't tell real from decoded; under 0.05: it wins");
    expect(chanceLegend('standard')).toBe("discriminator's chance 3·ln 2 ≈ 2.08: can't tell real from decoded; under 0.05: it wins");
    // The generator's line (the second hook) at its own level: 4·ln 2 relativistic, 2·ln 2 standard (src-shared ganChance).
    const genAt = (show: Parameters<typeof lossChartOptions>[3]) => {
      const asked: number[] = [];
      const ctx = new Proxy({} as Record<string, unknown>, { get: (t, k: string) => (k in t ? t[k] : () => undefined), set: (t, k: string, v) => ((t[k] = v), true) });
      const self = { ctx, bbox: { left: 0, top: 0, width: 100, height: 100 }, valToPos: (v: number, scale: string) => (asked.push(v), scale === 'adv' ? 50 : NaN) } as unknown as uPlot;
      lossChartOptions(300, 150, false, show, 'gan').hooks!.draw![1]!(self);
      return asked;
    };
    expect(genAt({ ...GAN, ganLoss: 'relativistic' })).toEqual([4 * Math.LN2]);
    expect(genAt({ ...GAN, ganLoss: 'standard' })).toEqual([2 * Math.LN2]);
    expect(genChance('relativistic').value).toBeCloseTo(2.7726, 4);
    expect(genChanceLegend('relativistic')).toBe("generator's chance 4·ln 2 ≈ 2.77: above, its images are told apart");
    expect(genChanceLegend('standard')).toMatch(/^generator's chance 2·ln 2 ≈ 1\.39: above/);
    // The log axis keeps 1.39 with room on both sides too, with no data and with a winning discriminator.
    for (const [min, max] of [[null, null], [0.02, 0.9], [1.2, 500]] as const) {
      const [lo, hi] = adversarialRange(min, max);
      expect(lo).toBeLessThan(1);
      expect(hi).toBeGreaterThan(2 * Math.LN2 * 2);
    }
  });

  it('the chance line follows the shown run’s loss: the listed run’s config, else the live run’s as started, else the form’s', () => {
    const saved = (ganLoss?: 'standard' | 'relativistic') => ({ config: { model: ganLoss ? { ganLoss } : {} } });
    expect(shownGanLoss(saved('relativistic'), null, null, 'r')).toBe('relativistic');
    // A VAE-GAN saved before the choice existed trained with the standard loss, whatever the form says.
    expect(shownGanLoss(saved(), null, 'relativistic', 'old')).toBe('standard');
    // The listed run wins over the form; a live run not yet listed: its config as the form started it (left out: the default).
    expect(shownGanLoss(saved('standard'), { model: { ganLoss: 'relativistic' } }, 'relativistic', 'r')).toBe('standard');
    expect(shownGanLoss(undefined, { model: { ganLoss: 'relativistic' } }, null, 'live')).toBe('relativistic');
    const notDefault = (VAEGAN_DEFAULTS.ganLoss as string) === 'relativistic' ? 'standard' : 'relativistic';
    expect(shownGanLoss(undefined, { model: {} }, notDefault, 'live')).toBe(VAEGAN_DEFAULTS.ganLoss);
    // No run shown yet: the form's choice (null: the default).
    expect(shownGanLoss(undefined, null, 'relativistic', null)).toBe('relativistic');
    expect(shownGanLoss(undefined, null, null, null)).toBe(VAEGAN_DEFAULTS.ganLoss);
  });

  it('the two panels’ y axes on one side are as wide as the wider of them, so both plots span the same epochs', () => {
    const w = new SharedAxisWidths();
    expect(w.fit('loss', 3, 38)).toBe(38);
    const v = w.version;
    expect(w.fit('gan', 3, 30)).toBe(38); // "1.15" beside "600": the lower one widens
    expect(w.fit('gan', 1, 42)).toBe(42);
    expect(w.fit('loss', 1, 31)).toBe(42); // "25" beside "1.75": the upper one widens
    expect(w.version).toBeGreaterThan(v); // a panel whose width changed makes the other lay out again
    const settled = w.version;
    expect(w.fit('loss', 1, 31)).toBe(42);
    expect(w.version).toBe(settled); // the same widths again: nothing to redo (no redraw loop)
  });

  it('a feature spike of 20,000 reaches no series of the upper panel', () => {
    const h = ganHistory(6, (e) => (e === 3 ? 20_000 : 10));
    const columns = h.columns();
    const upper = lossChartOptions(300, 150, false, GAN, 'loss');
    const upperMax = Math.max(...upper.series.flatMap((s, i) => (i > 0 && s.show !== false ? columns[i].filter((v): v is number => v != null) : [])));
    expect(upperMax).toBeLessThan(1_000);
    const lower = lossChartOptions(300, 150, false, GAN, 'gan');
    const featureCol = lower.series.findIndex((s) => s.scale === 'feature');
    expect(Math.max(...(columns[featureCol] as number[]))).toBe(20_000);
  });
});

describe('the lower panel’s axes', () => {
  /** The ticks and labels the lower panel's axis `idx` shows on [min, max] at a plot height of `height` px. */
  function ticks(idx: number, min: number, max: number, height: number) {
    const axis = lossChartOptions(300, 120, false, GAN, 'gan').axes![idx];
    const self = { bbox: { height } } as unknown as uPlot;
    const splits = (axis.splits as (...a: unknown[]) => number[])(self, idx, min, max, 1, 30);
    const labels = (axis.values as (...a: unknown[]) => string[])(self, splits, idx, 30, 1);
    return { splits, labels };
  }

  it('both lower axes (adversarial and feature) get at least 3 distinct labelled ticks inside the range, even on a 45 px panel', () => {
    // Each axis is asked for ticks over the range its scale gives the data.
    const data: [number, number][] = [[0.6, 2.9], [1.1, 1.9], [0.93, 0.951], [0.5, 3], [0, 20_000], [8.2, 11.7], [0.02, 0.9], [1.3, 480], [ADV_FLOOR, 2]];
    const value = (l: string) => Number(l.replace(/,/g, '').replace(/K$/, 'e3').replace(/M$/, 'e6'));
    for (const idx of [1, 2]) {
      for (const [dmin, dmax] of data) {
        const [min, max] = idx === 1 ? adversarialRange(Math.max(ADV_FLOOR, dmin), dmax) : featureRange(dmin, dmax);
        for (const height of [45, 100, 200]) {
          const { splits, labels } = ticks(idx, min, max, height);
          expect(splits.length, `${min}–${max}`).toBeGreaterThanOrEqual(3);
          for (const v of splits) expect(v >= min - 1e-12 && v <= max + 1e-12, `${v} in ${min}–${max}`).toBe(true);
          if (idx === 2) {
            // The linear feature axis: evenly spaced.
            const steps = splits.slice(1).map((v, i) => v - splits[i]);
            for (const s of steps) expect(s).toBeCloseTo(steps[0], 9);
          }
          expect(new Set(labels).size).toBe(labels.length);
          for (const [i, l] of labels.entries()) expect(value(l)).toBeCloseTo(splits[i], 9);
          // Short enough for a narrow panel's axis; never "-0".
          for (const l of labels) expect(l.length).toBeLessThanOrEqual(5);
          expect(labels).not.toContain('-0');
          // Labels at least ~a line apart on the log axis (4 at most on 45 px, no overlap).
          if (idx === 1 && height <= 100) expect(splits.length).toBeLessThanOrEqual(Math.max(4, Math.floor(height / 16)));
        }
      }
    }
  });

  it('every tick of the log axis keeps its label (uPlot’s own log filter blanked 3, 30 and every other power of ten on a short panel)', () => {
    const axis = lossChartOptions(300, 120, false, GAN, 'gan').axes![1];
    expect(axis.filter).toBeTypeOf('function');
    const filtered = (axis.filter as (...a: unknown[]) => (number | null)[])({} as uPlot, [1, 3, 10, 30], 1, 30, 1);
    expect(filtered).toEqual([1, 3, 10, 30]);
    expect(logTickLabels([0.001, 0.01, 0.5, 1, 30, 1000, 20_000])).toEqual(['0.001', '0.01', '0.5', '1', '30', '1,000', '20K']);
    expect(logTickLabels([1, null, 10])).toEqual(['1', '', '10']);
  });

  it('log ticks: powers of ten, or 1–3 or 1–2–5 steps when the range is short; every other power when the panel is short', () => {
    expect(logSplits(0.5, 1000)).toEqual([1, 10, 100, 1000]);
    expect(logSplits(0.5, 50)).toEqual([1, 3, 10, 30]);
    expect(logSplits(0.5, 5)).toEqual([0.5, 1, 2, 5]);
    expect(logSplits(0.01, 5)).toEqual([0.01, 0.1, 1]);
    expect(logSplits(0.0005, 1000, 3, 4)).toEqual([0.01, 1, 100]);
    expect(logSplits(0.0005, 1000, 3, 10)).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000]);
    // Thinning that would leave fewer than 3: kept as they are.
    expect(logSplits(0.5, 1000, 3, 2)).toEqual([1, 10, 100, 1000]);
    expect(logSplits(0, 5)).toEqual([5]);
  });

  it('the feature axis starts at 0, so 10 → 11 nats is a tenth of the height, not all of it', () => {
    const [lo, hi] = featureRange(10, 11);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThanOrEqual(11);
    expect((11 - 10) / (hi - lo)).toBeLessThan(0.1);
    expect(featureRange(null, null)).toEqual([0, 1]);
    const lower = lossChartOptions(300, 150, false, GAN, 'gan');
    expect((lower.scales!.feature.range as (...a: unknown[]) => number[])({}, 10, 11, 'feature')[0]).toBe(0);
  });

  it('a taller panel gets more ticks, never fewer', () => {
    expect(ticks(1, 0.5, 3, 200).splits.length).toBeGreaterThanOrEqual(ticks(1, 0.5, 3, 45).splits.length);
    expect(niceSplits(0.6, 2.9, 3)).toEqual([1, 1.5, 2, 2.5]);
    expect(tickLabels([1, 1.5, 2])).toEqual(['1.0', '1.5', '2.0']);
    // A step of 2.5 keeps its decimal (was "0, 3, 5, 8" on a 0–8 nats axis).
    expect(tickLabels([0, 2.5, 5, 7.5])).toEqual(['0.0', '2.5', '5.0', '7.5']);
    expect(tickLabels([0, 2_500, 5_000])).toEqual(['0', '2,500', '5,000']);
    expect(tickLabels([0, 12_500, 25_000])).toEqual(['0', '12.5K', '25K']);
  });
});

describe('the chart’s values in nats', () => {
  it('hovering a VAE-GAN point names its VAE loss, recon, KL and the three GAN terms with their values', () => {
    const h = ganHistory(4, (e) => 10 + e);
    const r = hoverReadout(h.columns(), 1, GAN)!;
    expect(r.epoch).toMatch(/^2/);
    // A VAE-GAN's "loss" is recon + β·KL, not what it optimises: "VAE loss", as the legend says.
    expect(r.train.map((p) => p.label)).toEqual(['VAE loss', 'recon', 'KL', 'disc', 'gen', 'feature']);
    expect(r.train.map((p) => Number(p.value))).toEqual([280, 260, 20, 1.2, 1.8, 12].map((v, i) => expect.closeTo(v, i < 3 ? 1 : 3)));
    expect(r.val.map((p) => p.label)).toEqual(['VAE loss', 'recon', 'KL']);
    expect(partsText(r.train)).toMatch(/^VAE loss 280\.0 · recon 260\.0 · KL 20\.000 · disc 1\.200 · gen 1\.800 · feature 12\.000 nats$/);
    // Away from the chart: nothing; a VAE: no GAN terms; an AE: no KL either.
    expect(hoverReadout(h.columns(), null, GAN)).toBeNull();
    expect(hoverReadout(h.columns(), 99, GAN)).toBeNull();
    expect(hoverReadout(h.columns(), 0, { kl: true, gan: false })!.train.map((p) => p.label)).toEqual(['loss', 'recon', 'KL']);
    expect(hoverReadout(h.columns(), 0, { kl: false, gan: false })!.train.map((p) => p.label)).toEqual(['loss', 'recon']);
  });

  it('the live line and the legend: “VAE loss” only for a VAE-GAN; the feature term’s tooltip says its rise is expected', () => {
    expect(lossLabel(true)).toBe('VAE loss');
    expect(lossLabel(false)).toBe('loss');
    expect(FEATURE_RECON_TIP).toMatch(/discriminator's features/);
    expect(FEATURE_RECON_TIP).toMatch(/rises during training.*expected/);
  });

  it('both panels share one crosshair and report the hovered point', () => {
    const onHover = vi.fn();
    for (const panel of ['loss', 'gan'] as const) {
      const o = lossChartOptions(300, 150, false, GAN, panel, { sync: 'k', onHover });
      expect(o.cursor?.sync?.key).toBe('k');
      o.hooks!.setCursor![0]!({ cursor: { idx: 3 } } as unknown as uPlot);
      o.hooks!.setCursor![0]!({ cursor: { idx: null } } as unknown as uPlot);
    }
    expect(onHover.mock.calls).toEqual([[3], [null], [3], [null]]);
  });

  it('the live line names the discriminator, generator and feature terms, in nats', () => {
    const text = ganReadout({ disc: 0.939, gen: 1.21, feature: 10.4 });
    expect(text).toBe('disc 0.939 · gen 1.210 · feature 10.400 nats');
  });
});

describe('the epoch axis', () => {
  it('a 3-epoch run’s chart has ticks on whole epochs only: 1, 2, 3 (uPlot’s own put them at 1.5 and 2.5)', () => {
    for (const panel of ['loss', 'gan'] as ChartPanel[]) {
      const x = lossChartOptions(600, 300, false, GAN, panel).axes![0];
      const self = { bbox: { width: 540, height: 260 } } as unknown as uPlot;
      expect(x.splits).toBeTypeOf('function');
      const splits = (x.splits as (u: uPlot, i: number, min: number, max: number, incr: number, space: number) => number[])(self, 0, 1, 3, 0.5, 50);
      expect(splits).toEqual([1, 2, 3]);
    }
  });

  it('longer runs step by 2, 5, 10, 25… whole epochs as the width allows; live points between epochs add no fractional tick', () => {
    expect(epochSplits(1, 3, 10)).toEqual([1, 2, 3]);
    expect(epochSplits(0.25, 2.5, 10)).toEqual([1, 2]);
    expect(epochSplits(1, 30, 8)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(epochSplits(1, 300, 10)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(epochSplits(1, 1, 10)).toEqual([1]);
    expect(epochSplits(1, 3, 0)).toEqual([2]);
    for (const max of [2, 7, 13, 99, 1234]) for (const t of epochSplits(1, max, 9)) expect(Number.isInteger(t)).toBe(true);
  });
});


describe('no "-0" on the epoch axis, and a 1-epoch run is drawn', () => {
  it('ticks of a range from 0 or just under it are 0, not -0 (uPlot formats −0 as "-0")', () => {
    for (const [min, max] of [[0, 2], [-0.5, 1.5], [-0.0001, 3]]) {
      const labels = epochSplits(min, max, 10).map((v) => v.toLocaleString('en-US'));
      expect(labels[0], `${min}–${max}`).toBe('0');
      expect(labels).not.toContain('-0');
    }
  });

  it('a curve with a single point is drawn as a dot (a line needs two points); with two or more, no dots', () => {
    const at = (col: (number | null)[]) => onePoint({ data: [col.map((_, i) => i), col] } as unknown as uPlot, 1);
    expect(at([5])).toBe(true);
    expect(at([null, 5, null])).toBe(true);
    expect(at([5, 6])).toBe(false);
    expect(at([])).toBe(false);
    expect(at([null])).toBe(false);
    // Every training curve of both panels asks this (validation curves always have dots).
    for (const panel of ['loss', 'gan'] as const) {
      const lines = lossSeries(false, GAN, panel).slice(1).filter((s) => !s.dash);
      expect(lines).toHaveLength(6);
      for (const s of lines) expect(s.points?.show).toBe(onePoint);
    }
    // A reopened 1-epoch VAE-GAN: each of its curves has one point, and each is drawn as a dot.
    const columns = ganHistory(1, () => 10).columns();
    for (const i of [1, 2, 3, 7, 8, 9]) expect(onePoint({ data: columns } as unknown as uPlot, i)).toBe(true);
  });
});

describe('the GAN panel’s data on its log axis', () => {
  it('a discriminator loss of 0 is drawn at the axis’ floor, inside the plot; the readout keeps the true value', () => {
    const h = ganHistory(3, (e) => 10 + e);
    h.disc[1] = 0;
    h.gen[2] = Number.POSITIVE_INFINITY;
    const raw = h.columns();
    const shown = ganColumns(raw);
    expect(shown[7]).toEqual([1.1, ADV_FLOOR, 1.3].map((v) => expect.closeTo(v, 9)));
    expect(shown[8][2]).toBeNull(); // a non-finite value: a gap, not an axis stretched to infinity
    expect(shown.slice(0, 7)).toEqual(raw.slice(0, 7)); // x and the ELBO curves as they are
    expect(shown[9]).toEqual(raw[9]); // the feature term (linear axis) as it is
    expect(raw[7][1]).toBe(0); // not changed in place
    expect(hoverReadout(raw, 1, GAN)!.train.find((p) => p.label === 'disc')!.value).toMatch(/^0(\.0+)?$/);
    // The axis reaches below the floor, so a point there is drawn above the plot's bottom edge.
    const [lo] = adversarialRange(ADV_FLOOR, 2);
    expect(lo).toBeLessThan(ADV_FLOOR);
    expect(lo).toBeGreaterThan(0);
  });
});
