/**
 * The time left of a training run (`TrainProgress.etaSeconds`): one clock for both trainers
 * (`train.ts` in the engine's thread, `parallel/epochLoop.ts` for the workers). Pure: it is fed
 * times (ms, e.g. `performance.now()`) and counts, and reads no clock of its own.
 *
 * - The run's first `ETA_WARMUP_BATCHES` batches (kernel compile, worker start) are not timed.
 * - No estimate (null) until `ETA_MIN_TIMED_BATCHES` further batches were timed.
 * - The rate is samples over training time across the recent timed batches: the last epoch's
 *   worth and at least `ETA_RATE_WINDOW_BATCHES` (all of them early on) — not the last batch's,
 *   not the epoch's so far — so it does not flicker, does not restart at an epoch, and follows a
 *   run that gets faster or slower (the machine busy with something else) within an epoch.
 * - Paused time (`pause` … `resume`) is neither training time nor epoch-end time.
 * - An epoch's end (`epochEndStart` … `epochEndDone`: validation, checkpoint — what the run
 *   waits for between two epochs) is measured apart; the estimate adds its mean so far for each
 *   epoch end still to come, so it does not jump when one happens. Before the first is measured
 *   the optional guess stands in: the validation's samples at a third of a training sample's
 *   time (a forward pass of three).
 */

/** Batches at the run's start that are not timed (warm-up). */
export const ETA_WARMUP_BATCHES = 2;
/** Batches timed after the warm-up before there is an estimate. */
export const ETA_MIN_TIMED_BATCHES = 3;
/** The rate's window: at least this many batches (and one epoch's samples). */
export const ETA_RATE_WINDOW_BATCHES = 50;
/** A validation sample's time as a share of a training sample's (the guess before the first epoch end is measured). */
export const EVAL_COST_RATIO = 1 / 3;

export interface EtaPlan {
  /** Samples one epoch trains on. */
  samplesPerEpoch: number;
  epochs: number;
  /** Samples each epoch's end evaluates (the guess of its time until one is measured); 0 or absent: no guess. */
  evalSamplesPerEpoch?: number;
}

interface Mark {
  at: number;
  samples: number;
  batches: number;
  /** Paused and epoch-end ms of the run up to `at`. */
  excluded: number;
}

export class EtaClock {
  private anchor: Mark | null = null;
  private last: Mark | null = null;
  /** The window's marks from `head` on, oldest first (the rate is measured from `window[head]`). */
  private window: Mark[] = [];
  private head = 0;
  private pausedMs = 0;
  private pausedSince: number | null = null;
  private endsMs = 0;
  private endsDone = 0;
  /** The epoch end under way: its start and the paused ms then. */
  private openEnd: { at: number; paused: number } | null = null;

  constructor(private readonly plan: EtaPlan) {}

  /** A batch (or several) finished at `now`: the run's samples and batches done so far. */
  batch(now: number, samplesDone: number, batchesDone: number): void {
    const mark: Mark = { at: now, samples: samplesDone, batches: batchesDone, excluded: this.excludedAt(now) };
    if (!this.anchor) {
      if (batchesDone >= ETA_WARMUP_BATCHES) {
        this.anchor = mark;
        this.window = [mark];
        this.head = 0;
      }
      return;
    }
    this.last = mark;
    const w = this.window;
    w.push(mark);
    // Drop the oldest while the rest still spans the window.
    const spans = (m: Mark) => mark.batches - m.batches >= ETA_RATE_WINDOW_BATCHES && mark.samples - m.samples >= this.plan.samplesPerEpoch;
    while (w.length - this.head > 2 && spans(w[this.head + 1])) this.head++;
    if (this.head > 1024 && this.head * 2 > w.length) {
      this.window = w.slice(this.head);
      this.head = 0;
    }
  }

  pause(now: number): void {
    if (this.pausedSince === null) this.pausedSince = now;
  }

  resume(now: number): void {
    if (this.pausedSince === null) return;
    this.pausedMs += Math.max(0, now - this.pausedSince);
    this.pausedSince = null;
  }

  /** An epoch's end begins (the trainer waits on validation, the checkpoint…). */
  epochEndStart(now: number): void {
    if (!this.openEnd) this.openEnd = { at: now, paused: this.pausedAt(now) };
  }

  /** The epoch's end is over: training goes on. */
  epochEndDone(now: number): void {
    const e = this.openEnd;
    if (!e) return;
    this.endsMs += this.openEndMs(now);
    this.endsDone++;
    this.openEnd = null;
  }

  /** Samples per second of training over the window's batches; null until enough were timed. */
  samplesPerSecond(): number | null {
    const a = this.window[this.head];
    const l = this.last;
    if (!a || !l || !this.anchor || l.batches - this.anchor.batches < ETA_MIN_TIMED_BATCHES) return null;
    const ms = l.at - a.at - (l.excluded - a.excluded);
    const samples = l.samples - a.samples;
    if (!(ms > 0) || !(samples > 0)) return null;
    return (samples * 1000) / ms;
  }

  /** Seconds left at `now`; null while there is no estimate yet. */
  seconds(now: number): number | null {
    const rate = this.samplesPerSecond();
    if (rate === null || !this.last) return null;
    const { samplesPerEpoch, epochs, evalSamplesPerEpoch = 0 } = this.plan;
    const training = Math.max(0, samplesPerEpoch * epochs - this.last.samples) / rate;
    const openMs = this.openEnd ? this.openEndMs(now) : 0;
    const measured = this.endsDone + (this.openEnd ? 1 : 0);
    const perEnd = measured > 0 ? (this.endsMs + openMs) / measured / 1000 : (evalSamplesPerEpoch * EVAL_COST_RATIO) / rate;
    // Ends still to come after the one under way (or after those done); the one under way's rest.
    const ahead = Math.max(0, epochs - this.endsDone - (this.openEnd ? 1 : 0));
    const rest = this.openEnd ? Math.max(0, perEnd - openMs / 1000) : 0;
    return training + ahead * perEnd + rest;
  }

  private pausedAt(now: number): number {
    return this.pausedMs + (this.pausedSince === null ? 0 : Math.max(0, now - this.pausedSince));
  }

  /** The open epoch end's ms so far, less its paused time. */
  private openEndMs(now: number): number {
    const e = this.openEnd;
    if (!e) return 0;
    return Math.max(0, now - e.at - (this.pausedAt(now) - e.paused));
  }

  /** Paused plus epoch-end ms of the run up to `now` (not training time). */
  private excludedAt(now: number): number {
    return this.pausedAt(now) + this.endsMs + this.openEndMs(now);
  }
}
