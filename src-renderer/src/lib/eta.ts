/**
 * How long a background training still needs, as the status bar shows it (the judging
 * classifier's `classifier:progress` reports).
 *
 * The estimate is the engine's, `etaSeconds` of each report: src-main/engine/eta.ts `EtaClock`,
 * the one clock of every training — samples left over the rate of the recent batches (an epoch's
 * worth, at least 50), the first batches' warm-up, pauses and epoch ends (the classifier's
 * checkpoint writes) left out. The renderer only steadies it for the eye:
 *
 * **A count-down blended into it.** The shown value counts down with the wall clock and is pulled
 * towards each new estimate by an exponential moving average weighted by time,
 * `shown ← (shown − Δt) + α · (estimate − (shown − Δt))` with `α = 1 − e^(−Δt / τ)`, `τ` =
 * {@link ETA_TAU_SECONDS}: a slower or faster stretch (the machine busy with another run, then
 * not) moves it over about τ instead of at once, and it counts down between reports. The
 * time-weighted α makes it independent of how often reports come. This is the "exponential
 * moving average of the speed" idea of tqdm's `smoothing` (https://tqdm.github.io/docs/tqdm/,
 * "smoothing: Exponential moving average smoothing factor for speed estimates"), applied to the
 * estimate. A user saw the former, unsmoothed renderer estimate jump 10 → 18 → 11 min (tester
 * report 2026-12-02, finding 8).
 *
 * No value (null) until the engine has an estimate.
 */

/** Time constant of the display smoothing, seconds. */
export const ETA_TAU_SECONDS = 45;

/** Remaining time of one training at a time, fed the engine's estimates in order (`observe`). */
export class EtaSmoother {
  #key: string | null = null;
  #shown: { seconds: number; at: number } | null = null;

  /** Forget the training measured (it ended, or another one starts). */
  reset(): void {
    this.#key = null;
    this.#shown = null;
  }

  /**
   * The engine's estimate `etaSeconds` (seconds; null or absent: none yet) of training `key` (a
   * dataset id: another key starts afresh) at `nowMs` (milliseconds, any monotone clock).
   * Returns the seconds to show, or null while there is no estimate yet.
   */
  observe(key: string, etaSeconds: number | null | undefined, nowMs: number): number | null {
    if (key !== this.#key) {
      this.reset();
      this.#key = key;
    }
    const prev = this.#shown;
    if (etaSeconds == null || !Number.isFinite(etaSeconds)) return prev ? Math.max(0, prev.seconds - Math.max(0, (nowMs - prev.at) / 1000)) : null;
    const raw = Math.max(0, etaSeconds);
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
}
