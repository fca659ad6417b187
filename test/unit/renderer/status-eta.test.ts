/**
 * The status bar's ETA for the judging classifier (tester report 2026-12-02, finding 8): it was cut
 * mid-word ("about 9 min l…") and jumped 10 → 18 → 11 min. Now it is short ("~9 min left", its
 * own status-bar item, the whole sentence in the tooltip) and smoothed (lib/eta.ts): the work left
 * over the average rate (batches, so the epoch in progress counts), counted down and blended by a
 * time-weighted exponential average.
 */
import { describe, expect, it } from 'vitest';
import { ClassifierStatus } from '../../../src-renderer/src/state/classifier.svelte';
import { EtaSmoother } from '../../../src-renderer/src/lib/eta';
import { fmtEtaLong, fmtEtaShort } from '../../../src-renderer/src/lib/format';
import { FakeApi } from './fake-api';

describe('ETA wording', () => {
  it('short for the status bar, whole words for its tooltip; nothing without an estimate', () => {
    expect(fmtEtaShort(9 * 60 + 10)).toBe('~9 min left');
    expect(fmtEtaShort(59)).toBe('<1 min left');
    expect(fmtEtaShort(80 * 60)).toBe('~1 h 20 min left');
    expect(fmtEtaShort(120 * 60)).toBe('~2 h left');
    expect(fmtEtaShort(null)).toBe('');
    expect(fmtEtaShort(NaN)).toBe('');
    expect(fmtEtaLong(9 * 60)).toBe('about 9 minutes left');
    expect(fmtEtaLong(60)).toBe('about 1 minute left');
    expect(fmtEtaLong(30)).toBe('under a minute left');
    expect(fmtEtaLong(61 * 60)).toBe('about 1 hour 1 minute left');
    // The short form is short: the status bar never needs to cut it.
    for (const s of [30, 600, 3540, 5000, 36_000]) expect(fmtEtaShort(s).length).toBeLessThanOrEqual(16);
  });
});

/**
 * Reports of a 30-epoch, 50-batch training every 2 s, its epochs taking `epochSeconds[k]` of wall
 * time in turn; returns the estimate after each report with its time (s).
 */
function simulate(epochSeconds: number[], observe: (r: { epoch: number; epochs: number; batch: number; batches: number }, t: number) => number | null) {
  const out: { t: number; eta: number | null; epoch: number }[] = [];
  let t = 0;
  for (let e = 1; e <= 30; e++) {
    const dur = epochSeconds[(e - 1) % epochSeconds.length];
    for (let s = 0; s < dur; s += 2) {
      const batch = Math.floor((s / dur) * 50);
      out.push({ t: t + s, eta: observe({ epoch: e, epochs: 30, batch, batches: 50 }, (t + s) * 1000), epoch: e });
    }
    t += dur;
  }
  return out;
}

/** The renderer's former estimate: wall time since the first report over whole epochs passed. */
function formerEstimate() {
  let from: { epoch: number; at: number } | null = null;
  return (r: { epoch: number; epochs: number }, now: number): number | null => {
    if (!from) {
      from = { epoch: r.epoch, at: now };
      return null;
    }
    return r.epoch > from.epoch ? (((now - from.at) / 1000) * (r.epochs - r.epoch)) / (r.epoch - from.epoch) : null;
  };
}

/** Largest climb of the shown minutes (rounded, as the status bar shows them): a later value over the lowest shown before it. */
function largestRise(seq: { eta: number | null }[]): number {
  let rise = 0;
  let low = Infinity;
  for (const { eta } of seq) {
    if (eta == null) continue;
    const m = Math.round(eta / 60);
    rise = Math.max(rise, m - low);
    low = Math.min(low, m);
  }
  return rise;
}

describe('ETA smoothing', () => {
  // A busy machine: epochs of 14–26 s in an uneven pattern (another run training beside it).
  const JUMPY = [14, 26, 16, 24, 15, 25, 20, 18];

  it('the former estimate jumps up through every epoch (the sawtooth a user saw)', () => {
    const seq = simulate(JUMPY, formerEstimate());
    expect(largestRise(seq)).toBeGreaterThanOrEqual(3);
  });

  it('counts down (never up by more than a minute) on the same jumpy epochs, and ends near 0', () => {
    const eta = new EtaSmoother();
    const seq = simulate(JUMPY, (r, t) => eta.observe('mnist', r, t));
    expect(largestRise(seq)).toBeLessThanOrEqual(1);
    // Shown from the first epoch's end on, and close to the truth: 30 epochs of ~19.75 s on average.
    const first = seq.find((s) => s.eta != null)!;
    expect(first.epoch).toBe(2);
    const truth = 30 * (JUMPY.reduce((a, b) => a + b) / JUMPY.length);
    const mid = seq.find((s) => s.t >= truth / 2)!;
    expect(Math.abs(mid.eta! - (truth - mid.t))).toBeLessThan(60);
    expect(seq.at(-1)!.eta!).toBeLessThan(30);
  });

  it('follows a lasting change of pace within a few time constants, not at once', () => {
    const eta = new EtaSmoother();
    // 10 epochs of 20 s, then the machine frees up: 10 s per epoch.
    const seq = simulate([...Array(10).fill(20), ...Array(20).fill(10)], (r, t) => eta.observe('mnist', r, t));
    const at = (t: number) => seq.find((s) => s.t >= t)!.eta!;
    const before = at(198);
    const after = at(200 + 120);
    expect(after).toBeLessThan(before - 120); // faster than the clock alone
    expect(largestRise(seq)).toBeLessThanOrEqual(1);
  });

  it('starts afresh for another dataset or a training that goes back; nothing before an epoch of work', () => {
    const eta = new EtaSmoother();
    expect(eta.observe('mnist', { epoch: 3, epochs: 30, batch: 0, batches: 50 }, 0)).toBeNull();
    expect(eta.observe('mnist', { epoch: 3, epochs: 30, batch: 40, batches: 50 }, 16_000)).toBeNull();
    expect(eta.observe('mnist', { epoch: 4, epochs: 30, batch: 0, batches: 50 }, 20_000)).toBeCloseTo(27 * 20, 5);
    expect(eta.observe('fashion-mnist', { epoch: 4, epochs: 30, batch: 0, batches: 50 }, 21_000)).toBeNull();
    expect(eta.observe('fashion-mnist', { epoch: 1, epochs: 30, batch: 0, batches: 50 }, 22_000)).toBeNull();
    // Reports without batches count whole epochs.
    expect(eta.observe('fashion-mnist', { epoch: 2, epochs: 30 }, 32_000)).toBeCloseTo(29 * 10, 5);
  });
});

describe('the classifier status', () => {
  it('its words stop before the ETA (shown beside them, never cut); the ETA is the smoothed one', () => {
    let t = 0;
    const clf = new ClassifierStatus(new FakeApi(), () => t);
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 1, epochs: 30, batch: 0, batches: 50 });
    expect(clf.etaSeconds).toBeNull();
    t = 40_000; // 2 epochs in 40 s: 20 s each, 28 to go (the 3rd just begun)
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 3, epochs: 30, batch: 0, batches: 50 });
    expect(clf.label).toBe('training the judging classifier for mnist: epoch 3/30');
    expect(fmtEtaShort(clf.etaSeconds)).toBe('~9 min left');
    // Late in epoch 3 the former estimate read 40 s + 18 s over 2 epochs × 27 = 13 min; this one counts down.
    t = 58_000;
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 3, epochs: 30, batch: 45, batches: 50 });
    expect(clf.etaSeconds!).toBeLessThan(28 * 20);
    expect(fmtEtaShort(clf.etaSeconds)).toBe('~9 min left');
    clf.onProgress({ dataset: 'mnist', state: 'cancelled' });
    expect(clf.etaSeconds).toBeNull();
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 12, epochs: 30 });
    expect(clf.etaSeconds).toBeNull();
  });
});
