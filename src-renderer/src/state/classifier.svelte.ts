import type { EventPayload } from '../lib/contract';
import { errorText } from '../lib/errors';
import { EtaSmoother } from '../lib/eta';
import type { StateApi } from './port';

type Progress = EventPayload<'classifier:progress'>;

/**
 * The in-app classifier's training in the background (`classifier:progress`): the engine trains
 * it after a run's end, the first time a dataset's Fréchet distance / generation accuracy need it
 * (many minutes on a busy machine). The status bar shows it with a Cancel (`classifier:cancel`);
 * the runs waiting for it show their classifier metrics as pending (`Runs.pending`). After a
 * Cancel (or a failure) the status bar and a run's metrics offer to start it again
 * (`classifier:start`: the engine queues every run lacking the numbers; the training goes on from
 * its last finished epoch).
 */
export class ClassifierStatus {
  /** The last report while a training runs; null when none runs. */
  progress = $state.raw<Progress | null>(null);
  /** How the last training ended when it did not finish (cancelled, failed), in words. */
  note = $state<string | null>(null);
  /** A cancel is in flight. */
  cancelling = $state(false);
  /** The user cancelled its training this session (until `start`): later runs are not judged. */
  stopped = $state(false);
  /** A start is in flight. */
  starting = $state(false);

  active = $derived(this.progress?.state === 'training');
  /** The last training failed (`note` says how): it can be started again. */
  failed = $state(false);
  /** The last training that finished this session: its dataset and test accuracy (0–1). */
  ready = $state.raw<{ dataset: string; testAccuracy?: number } | null>(null);
  /**
   * Seconds its training still needs: the engine's estimate (the reports' `etaSeconds`), counted
   * down and smoothed so it does not jump with each report (`EtaSmoother`, lib/eta.ts, says how);
   * null until the engine has one.
   */
  etaSeconds = $state<number | null>(null);
  /**
   * The status bar's words: "training the judging classifier for mnist: epoch 3/30". The status
   * bar shows the ETA beside them ("~4 min left", lib/format.ts `fmtEtaShort`), never clipped.
   */
  label = $derived.by(() => {
    const p = this.progress;
    if (!p || p.state !== 'training') return '';
    const epoch = p.epoch && p.epochs ? `: epoch ${p.epoch}/${p.epochs}` : ': starting';
    return `training the judging classifier for ${p.dataset}${epoch}`;
  });
  /** The training's pace, for `etaSeconds`. */
  private readonly eta = new EtaSmoother();

  /** `now`: the clock, milliseconds (tests pass their own). */
  constructor(
    private readonly api: StateApi,
    private readonly now: () => number = Date.now,
  ) {}

  onProgress(p: Progress): void {
    if (p.state === 'training') {
      this.etaSeconds = this.eta.observe(p.dataset, p.etaSeconds, this.now());
      this.progress = p;
      this.note = null;
      this.stopped = false;
      this.failed = false;
      return;
    }
    this.progress = null;
    this.eta.reset();
    this.etaSeconds = null;
    this.cancelling = false;
    this.failed = p.state === 'error';
    if (p.state === 'done') this.ready = { dataset: p.dataset, ...(p.testAccuracy !== undefined ? { testAccuracy: p.testAccuracy } : {}) };
    this.note = p.state === 'cancelled' ? null : p.state === 'error' ? `The judging classifier could not be trained: ${p.message ?? 'unknown error'}` : null;
  }

  /**
   * Starts the classifier again (after a Cancel or a failure, or for runs saved without its
   * numbers): the engine queues every run that lacks them and trains it in the background,
   * going on from its last finished epoch. Says so in `note` when there was nothing to judge.
   */
  async start(): Promise<void> {
    if (this.starting) return;
    this.starting = true;
    try {
      const { queued } = await this.api.invoke('classifier:start', {});
      this.stopped = false;
      this.failed = false;
      this.note = queued ? null : 'No run needs the judging classifier: every run on image data has its numbers.';
    } catch (err) {
      this.note = errorText(err);
    } finally {
      this.starting = false;
    }
  }

  /** Stops the classifier's training; the runs waiting for it keep their metrics without its numbers. */
  async cancel(): Promise<void> {
    if (!this.active || this.cancelling) return;
    this.cancelling = true;
    try {
      await this.api.invoke('classifier:cancel', {});
      this.stopped = true;
    } catch (err) {
      this.note = errorText(err);
      this.cancelling = false;
    }
  }
}
