/**
 * `train`'s wait for the in-app classifier's numbers (Fréchet distance, reconstructions
 * recognised; a CVAE's generation accuracy). A run's end never waits for them: they are computed
 * after it, in the engine's background queue, and come with `runs:metricsUpdated` (the run's
 * record patched). With the dataset's judging classifier cached in the workspace, that takes
 * seconds to a minute: `train` waits (at most `JUDGE_WAIT_MS`). Without it the queue would first
 * train the classifier (minutes for MNIST-sized data, seconds for a few hundred images; the note
 * estimates it for the dataset): `train` stops that and says how to get the numbers.
 */
import type { EventName, EventPayload } from '../../src-shared/contract';
import type { Metrics } from '../../src-shared/types';
import { classifierTraining } from '../engine/classifier/model';

/** The longest `train` waits for the classifier's numbers after the run's end. */
export const JUDGE_WAIT_MS = 5 * 60_000;

/** What became of a run's classifier numbers. */
export type Judged =
  /** The run's end did not queue them (toy or one-class data, LATENT_LAB_CLASSIFIER=0, an error). */
  | { state: 'none' }
  /** They came: the run's metrics with them (as saved in its record). */
  | { state: 'done'; metrics: Metrics }
  /** The dataset's classifier is not trained: its training started (the caller stops it). */
  | { state: 'untrained'; dataset: string }
  /** They will not come (`message`: why, from the engine). */
  | { state: 'dropped'; message: string }
  /** Not within the wait. */
  | { state: 'timeout'; waitedMs: number }
  /** The user stopped the wait (Ctrl-C). */
  | { state: 'cancelled' };

/**
 * Follows the engine's events (`onEvent`, chained into the engine's `emit`) and tells what became
 * of a run's classifier numbers (`wait`). Events are kept from the start, so none is missed
 * between the run's end and the call to `wait`.
 */
export class JudgeWatch {
  private readonly queued = new Set<string>();
  private readonly settled = new Map<string, Judged>();
  private untrained: string | null = null;
  private wake: (() => void) | null = null;
  private cancelled = false;

  /** The engine's event `name` with `payload` (every event may be passed; others are ignored). */
  onEvent<N extends EventName>(name: N, payload: EventPayload<N>): void {
    if (name === 'training:done') {
      const p = payload as EventPayload<'training:done'>;
      if (p.pending) this.queued.add(p.runId);
    } else if (name === 'runs:metricsUpdated') {
      const p = payload as EventPayload<'runs:metricsUpdated'>;
      if (p.pending) this.queued.add(p.runId);
      else if (p.metrics.frechet !== undefined || p.metrics.reconAccuracy !== undefined) this.settled.set(p.runId, { state: 'done', metrics: p.metrics });
      else this.settled.set(p.runId, { state: 'dropped', message: p.message ?? 'the classifier gave no numbers for this run' });
    } else if (name === 'classifier:progress') {
      const p = payload as EventPayload<'classifier:progress'>;
      // Only a classifier that is not cached trains (the CLI's engine queues this run alone).
      if (p.state === 'training' && this.untrained === null) this.untrained = p.dataset;
    } else return;
    this.wake?.();
  }

  /** Stops waiting (Ctrl-C): a `wait` running now, or called later, resolves with `cancelled` at once. */
  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }

  /** True when run `runId`'s end queued its classifier numbers (`wait` will wait for them). */
  isQueued(runId: string): boolean {
    return this.queued.has(runId);
  }

  /**
   * Resolves when run `runId`'s classifier numbers came, will not come, need the classifier's
   * training first, or after `timeoutMs` ms; at once with `none` when its end did not queue them.
   */
  async wait(runId: string, timeoutMs = JUDGE_WAIT_MS): Promise<Judged> {
    if (!this.queued.has(runId)) return { state: 'none' };
    const start = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    try {
      for (;;) {
        const s = this.settled.get(runId);
        if (s) return s;
        if (this.cancelled) return { state: 'cancelled' };
        if (this.untrained !== null) return { state: 'untrained', dataset: this.untrained };
        if (Date.now() - start >= timeoutMs) return { state: 'timeout', waitedMs: Date.now() - start };
        const next = new Promise<void>((r) => (this.wake = r));
        await Promise.race([next, timedOut]);
        this.wake = null;
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The classifier's measured training speed in samples a second at 28 × 28 (docs/PERFORMANCE.md,
 * "The in-app classifier": 30 epochs of 8,000 digits, 2 workers on the 2-core machine, 630 at
 * load 4–6 and 340–380 at load 12); its cost grows with the pixels per image.
 */
export const CLASSIFIER_RATE_28 = { quiet: 630, busy: 350 } as const;

/** The dataset a classifier would train on: its training images and their shape [H, W, C]. */
export interface JudgeData {
  trainCount: number;
  shape: readonly number[];
}

/**
 * How long the judging classifier's training takes for `data`, in words, from the measured rates
 * (`CLASSIFIER_RATE_28` scaled by 784 / (H·W)) and its schedule (`classifierTraining`: ≈ 240,000
 * samples, 3–30 epochs): "under a minute", "about 2 minutes", "6–12 minutes". Null when the shape
 * is not an image's.
 */
export function classifierTime(data: JudgeData): string | null {
  const [h, w] = data.shape;
  if (data.shape.length < 2 || !h || !w || data.trainCount < 1) return null;
  const samples = classifierTraining(data.trainCount).epochs * data.trainCount;
  const scale = 784 / (h * w);
  const fast = samples / (CLASSIFIER_RATE_28.quiet * scale);
  const slow = samples / (CLASSIFIER_RATE_28.busy * scale);
  if (slow < 60) return 'under a minute';
  const lo = Math.max(1, Math.round(fast / 60));
  const hi = Math.ceil(slow / 60);
  return lo >= hi ? `about ${hi} ${hi === 1 ? 'minute' : 'minutes'}` : `${lo}–${hi} minutes`;
}

/**
 * The stderr line for classifier numbers that did not come (null when they came or were never
 * queued). `dataDir`: where the judging classifiers are cached; `data`: the run's dataset, for
 * an estimate of the classifier's training time (without it, none is given).
 */
export function judgeNote(j: Judged, dataDir: string, data?: JudgeData): string | null {
  const what = 'no Fréchet distance or recognised share for this run';
  switch (j.state) {
    case 'untrained': {
      const time = data ? classifierTime(data) : null;
      const how = time
        ? `its training takes ${time} here for ${data!.trainCount.toLocaleString('en-US')} training images, once per dataset`
        : 'it trains once per dataset: minutes for MNIST-sized data';
      return (
        `note: ${what}: the judging classifier of ${j.dataset} is not trained in ${dataDir} yet (${how}). ` +
        'Get it once from the app (npm start): it trains in the background when an image run ends there, or click "Train it" under a run\'s metrics; ' +
        'it is then cached and later `train` runs on this dataset print them'
      );
    }
    case 'dropped':
      return `note: ${what}: ${j.message}`;
    case 'cancelled':
      return `note: ${what}: not waited for (Ctrl-C); the app adds them when it opens the run (npm start)`;
    case 'timeout':
      return `note: ${what}: the judging classifier did not finish within ${Math.round(j.waitedMs / 1000)} s; the app adds them when it opens the run (npm start)`;
    default:
      return null;
  }
}
