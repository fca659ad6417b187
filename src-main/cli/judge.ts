/**
 * `train`'s wait for the in-app classifier's numbers (Fréchet distance, reconstructions
 * recognised; a CVAE's generation accuracy). A run's end never waits for them: they are computed
 * after it, in the engine's background queue, and come with `runs:metricsUpdated` (the run's
 * record patched). With the dataset's judging classifier cached in the workspace, that takes
 * seconds to a minute: `train` waits (at most `JUDGE_WAIT_MS`). Without it the queue would first
 * train the classifier (minutes for MNIST-sized data, seconds for a few hundred images; no time is
 * promised, it depends on the load): `train` stops that and says how to get the numbers. When
 * another process (the app) trains that classifier, the CLI's engine does not touch it (its lock,
 * ../engine/classifier/trainLock.ts) and the note says who trains it, how far it is, and when this
 * run's numbers come.
 */
import type { EventName, EventPayload } from '../../src-shared/contract';
import { judgeReliability } from '../../src-shared/judgeReliability';
import type { Metrics } from '../../src-shared/types';
import { classifierTraining } from '../engine/classifier/model';
import { CLASSIFIER_ELSEWHERE_APP_ADVICE } from '../engine/classifier/trainLock';

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

/** The dataset a classifier would train on: its training images and their shape [H, W, C]. */
export interface JudgeData {
  trainCount: number;
  shape: readonly number[];
}

/**
 * The CLI's advice after "… is training the judging classifier …" (the engine's sentence,
 * ../engine/classifier/trainLock.ts, ends with the app's advice, replaced by this).
 */
export const CLI_ELSEWHERE_ADVICE =
  "; this run's Fréchet distance will be computed when you open it in the app (npm start), and `train` runs on this dataset print theirs once that training has finished";

/**
 * The stderr line for classifier numbers that did not come (null when they came or were never
 * queued). `dataDir`: where the judging classifiers are cached; `data`: the run's dataset, for
 * the classifier's epochs and training images (no time: it depends on the load).
 */
export function judgeNote(j: Judged, dataDir: string, data?: JudgeData): string | null {
  const what = 'no Fréchet distance or recognised share for this run';
  switch (j.state) {
    case 'untrained': {
      // No time is promised: it depends on the machine's load (6 to 40+ minutes for MNIST on 2 cores); the app shows the time left it measures.
      const epochs = data && data.trainCount > 0 ? classifierTraining(data.trainCount).epochs : null;
      const how = epochs
        ? `it trains once per dataset, ${epochs} epochs over its ${data!.trainCount.toLocaleString('en-US')} training images; the app shows the time left while it trains`
        : 'it trains once per dataset; the app shows the time left while it trains';
      return (
        `note: ${what}: the judging classifier of ${j.dataset} is not trained in ${dataDir} yet (${how}). ` +
        'Get it once from the app (npm start): it trains in the background when an image run ends there, or click "Train it" under a run\'s metrics; ' +
        'it is then cached and later `train` runs on this dataset print them'
      );
    }
    case 'dropped':
      return `note: ${what}: ${j.message.replace(CLASSIFIER_ELSEWHERE_APP_ADVICE, CLI_ELSEWHERE_ADVICE)}`;
    case 'cancelled':
      return `note: ${what}: not waited for (Ctrl-C); the app adds them when it opens the run (npm start)`;
    case 'timeout':
      return `note: ${what}: the judging classifier did not finish within ${Math.round(j.waitedMs / 1000)} s; the app adds them when it opens the run (npm start)`;
    default:
      return null;
  }
}

/**
 * Why the classifier's numbers of run metrics `m` are not reliable (src-shared/judgeReliability.ts:
 * the judging classifier under 90 % right, or fewer test images than its features), in words with
 * the figures — `train` prints it beside them (JSON `test.judgeUnreliable`, and a `warning:` line
 * on stderr); null when they are reliable or absent. `classCount`: the dataset's classes.
 */
export function judgeUnreliable(m: Metrics | null, classCount?: number): string | null {
  if (!m || (m.frechet === undefined && m.reconAccuracy === undefined)) return null;
  return judgeReliability(m, classCount).reason;
}
