import type { EventPayload } from '../lib/contract';
import { errorText } from '../lib/errors';
import type { StateApi } from './port';

type Progress = EventPayload<'classifier:progress'>;

/**
 * The in-app classifier's training in the background (`classifier:progress`): the engine trains
 * it after a run's end, the first time a dataset's Fréchet distance / generation accuracy need it
 * (many minutes on a busy machine). The status bar shows it with a Cancel (`classifier:cancel`);
 * the runs waiting for it show their classifier metrics as pending (`Runs.pending`).
 */
export class ClassifierStatus {
  /** The last report while a training runs; null when none runs. */
  progress = $state.raw<Progress | null>(null);
  /** How the last training ended when it did not finish (cancelled, failed), in words. */
  note = $state<string | null>(null);
  /** A cancel is in flight. */
  cancelling = $state(false);

  active = $derived(this.progress?.state === 'training');
  /** The status bar's words: "training the judging classifier for mnist: epoch 3/30". */
  label = $derived.by(() => {
    const p = this.progress;
    if (!p || p.state !== 'training') return '';
    const epoch = p.epoch && p.epochs ? `: epoch ${p.epoch}/${p.epochs}` : ': starting';
    return `training the judging classifier for ${p.dataset}${epoch}`;
  });

  constructor(private readonly api: StateApi) {}

  onProgress(p: Progress): void {
    if (p.state === 'training') {
      this.progress = p;
      this.note = null;
      return;
    }
    this.progress = null;
    this.cancelling = false;
    this.note = p.state === 'cancelled' ? null : p.state === 'error' ? `The judging classifier could not be trained: ${p.message ?? 'unknown error'}` : null;
  }

  /** Stops the classifier's training; the runs waiting for it keep their metrics without its numbers. */
  async cancel(): Promise<void> {
    if (!this.active || this.cancelling) return;
    this.cancelling = true;
    try {
      await this.api.invoke('classifier:cancel', {});
    } catch (err) {
      this.note = errorText(err);
      this.cancelling = false;
    }
  }
}
