/**
 * How long a background training still needs, smoothed for the status bar (the judging
 * classifier's `classifier:progress` reports: `epoch` k of `epochs` in progress, `batch` of
 * `batches` done in it).
 *
 * The estimate shown is built in two steps:
 *
 * 1. **Remaining work / average rate.** Work is counted in batches, `(epoch − 1) · batches + batch`
 *    (whole epochs, `epoch − 1`, when a report has no batch count), from the first report of this
 *    training; the rate is the work done since then over the wall time since then, and the raw
 *    estimate is the work left over that rate. The renderer's first estimate divided the wall time
 *    since the first report (which includes the epoch in progress) by the whole epochs passed, so
 *    it rose through each epoch and fell back at the next: a user saw 10 → 18 → 11 min (tester
 *    report 2026-12-02, finding 8). The engine's `etaSeconds` is the same formula at sample level
 *    (src-main/engine/classifier/train.ts); this one needs nothing from it.
 * 2. **A count-down blended into it.** The shown value counts down with the wall clock and is
 *    pulled towards the raw estimate by an exponential moving average weighted by time,
 *    `shown ← (shown − Δt) + α · (raw − (shown − Δt))` with `α = 1 − e^(−Δt / τ)`, `τ` = {@link ETA_TAU_SECONDS}:
 *    a slower or faster stretch (the machine busy with another run, then not) moves it over about
 *    τ instead of at once. The time-weighted α makes it independent of how often reports come.
 *    This is the "exponential moving average of the speed" idea of tqdm's `smoothing`
 *    (https://tqdm.github.io/docs/tqdm/, "smoothing: Exponential moving average smoothing factor
 *    for speed estimates"), applied to the estimate so that it also counts down between reports.
 *
 * No estimate (null) until one epoch's worth of work has been done since the first report, so the
 * first value rests on a whole epoch's pace (as before), nor for reports without an epoch count.
 */

/** Time constant of the display smoothing, seconds. */
export const ETA_TAU_SECONDS = 45;

/** The fields of a training report the estimate reads. */
export interface EtaReport {
  /** Epoch in progress, 1-based. */
  epoch?: number;
  epochs?: number;
  /** Batches done in the epoch in progress, and its batch count. */
  batch?: number;
  batches?: number;
}

/** Remaining time of one training at a time, fed its reports in order (`observe`). */
export class EtaSmoother {
  #from: { key: string; work: number; at: number } | null = null;
  #shown: { seconds: number; at: number } | null = null;

  /** Forget the training measured (it ended, or another one starts). */
  reset(): void {
    this.#from = null;
    this.#shown = null;
  }

  /**
   * One report of training `key` (a dataset id: another key starts afresh, as does work going
   * backwards, a new training of the same key) at `nowMs` (milliseconds, any monotone clock).
   * Returns the seconds to show, or null while there is no estimate yet.
   */
  observe(key: string, r: EtaReport, nowMs: number): number | null {
    const { epoch, epochs } = r;
    if (!epoch || !epochs) return this.#shown ? this.#countDown(nowMs) : null;
    const per = r.batches && r.batches > 0 ? r.batches : 1;
    const within = r.batches && r.batches > 0 ? Math.min(Math.max(r.batch ?? 0, 0), per) : 0;
    const work = (epoch - 1) * per + within;
    const total = epochs * per;
    const from = this.#from;
    if (!from || from.key !== key || work < from.work) {
      this.#from = { key, work, at: nowMs };
      this.#shown = null;
      return null;
    }
    const done = work - from.work;
    const seconds = (nowMs - from.at) / 1000;
    if (done < per || seconds <= 0) return this.#shown ? this.#countDown(nowMs) : null;
    const raw = Math.max(0, ((total - work) * seconds) / done);
    const prev = this.#shown;
    if (!prev) {
      this.#shown = { seconds: raw, at: nowMs };
      return raw;
    }
    const dt = Math.max(0, (nowMs - prev.at) / 1000);
    const counted = Math.max(0, prev.seconds - dt);
    const alpha = 1 - Math.exp(-dt / ETA_TAU_SECONDS);
    const next = Math.max(0, counted + alpha * (raw - counted));
    this.#shown = { seconds: next, at: nowMs };
    return next;
  }

  /** The last shown estimate counted down to `nowMs` (a report that adds no work). */
  #countDown(nowMs: number): number {
    const s = this.#shown!;
    return Math.max(0, s.seconds - Math.max(0, (nowMs - s.at) / 1000));
  }
}
