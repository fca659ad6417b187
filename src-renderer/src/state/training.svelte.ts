import type { EventPayload, Metrics, TrainConfigInput, TrainProgress, TrainState } from '../lib/contract';
import { errorText } from '../lib/errors';
import type { StateApi } from './port';
import type { TrainForm } from './settings.svelte';

export type UiTrainState = 'idle' | 'training' | 'paused' | 'done' | 'error';

/**
 * Loss curves as column arrays for uPlot (x = fractional epoch). Plain arrays, not reactive:
 * the chart polls `Training.historyVersion` (bumped per event) and redraws at most once a frame.
 */
export class LossHistory {
  x: number[] = [];
  loss: (number | null)[] = [];
  recon: (number | null)[] = [];
  kl: (number | null)[] = [];
  valLoss: (number | null)[] = [];
  valRecon: (number | null)[] = [];
  valKl: (number | null)[] = [];
  #lastX = -Infinity;

  clear(): void {
    for (const a of this.columns()) a.length = 0;
    this.#lastX = -Infinity;
  }

  columns(): (number | null)[][] {
    return [this.x, this.loss, this.recon, this.kl, this.valLoss, this.valRecon, this.valKl];
  }

  add(p: TrainProgress): void {
    const x = p.batches > 0 ? p.epoch - 1 + p.batch / p.batches : p.epoch;
    if (x < this.#lastX) return; // stale or repeated event
    const ok = (v: number) => (Number.isFinite(v) ? v : null);
    if (x === this.#lastX && this.x.length) {
      // same position (e.g. the epoch-end event repeating the last batch): update in place
      const i = this.x.length - 1;
      this.loss[i] = ok(p.train.loss);
      this.recon[i] = ok(p.train.recon);
      this.kl[i] = ok(p.train.kl);
    } else {
      this.x.push(x);
      this.loss.push(ok(p.train.loss));
      this.recon.push(ok(p.train.recon));
      this.kl.push(ok(p.train.kl));
      this.valLoss.push(null);
      this.valRecon.push(null);
      this.valKl.push(null);
    }
    if (p.val) {
      const i = this.x.length - 1;
      this.valLoss[i] = ok(p.val.loss);
      this.valRecon[i] = ok(p.val.recon);
      this.valKl[i] = ok(p.val.kl);
    }
    this.#lastX = x;
    if (this.x.length > 20_000) this.#decimate();
  }

  /** Halve the training points, keeping every validation point. */
  #decimate(): void {
    const keep: number[] = [];
    for (let i = 0; i < this.x.length; i++) if (i % 2 === 0 || this.valLoss[i] != null || i === this.x.length - 1) keep.push(i);
    for (const a of this.columns()) {
      const copy = keep.map((i) => a[i]);
      a.length = 0;
      a.push(...copy);
    }
  }
}

export function formToConfig(f: TrainForm): TrainConfigInput {
  const variational = f.kind !== 'ae';
  return {
    dataset: f.dataset === 'folder' ? { id: 'folder', path: f.folderPath.trim() } : { id: f.dataset },
    model: {
      kind: f.kind,
      latentDim: f.latentDim,
      hidden: [f.hidden],
      beta: variational ? f.beta : 1,
      klWarmupEpochs: variational ? f.klWarmupEpochs : 0,
    },
    epochs: f.epochs,
    batchSize: f.batchSize,
    learningRate: f.learningRate,
    seed: f.seed,
  };
}

export class Training {
  state = $state<TrainState>('idle');
  progress = $state.raw<TrainProgress | null>(null);
  runId = $state<string | null>(null);
  config = $state.raw<TrainConfigInput | null>(null);
  metrics = $state.raw<Metrics | null>(null);
  error = $state<string | null>(null);
  /** A request (start/pause/stop) is in flight. */
  pending = $state(false);
  history = new LossHistory();
  historyVersion = $state(0);

  uiState: UiTrainState = $derived(
    this.state === 'cancelled' ? 'done' : this.state,
  );
  active = $derived(this.state === 'training' || this.state === 'paused');
  percent = $derived.by(() => {
    if (this.state === 'done') return 100;
    const p = this.progress;
    if (!p || p.epochs <= 0) return 0;
    const frac = p.batches > 0 ? p.batch / p.batches : 1;
    return Math.max(0, Math.min(100, ((p.epoch - 1 + frac) / p.epochs) * 100));
  });

  constructor(private readonly api: StateApi) {}

  async start(form: TrainForm): Promise<string | null> {
    if (this.active || this.pending) return null;
    const config = formToConfig(form);
    this.pending = true;
    this.error = null;
    try {
      const { runId } = await this.api.invoke('training:start', config);
      this.runId = runId;
      this.config = config;
      this.state = 'training';
      this.progress = null;
      this.metrics = null;
      this.history.clear();
      this.historyVersion++;
      return runId;
    } catch (err) {
      this.error = errorText(err);
      this.state = 'error';
      return null;
    } finally {
      this.pending = false;
    }
  }

  async #control(name: 'training:pause' | 'training:resume' | 'training:stop'): Promise<void> {
    this.pending = true;
    try {
      const { state } = await this.api.invoke(name, {});
      // `training:done` may already have landed while we waited: never go back to a live state.
      if (this.active) this.state = state;
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.pending = false;
    }
  }

  pause = () => this.#control('training:pause');
  resume = () => this.#control('training:resume');
  stop = () => this.#control('training:stop');

  onProgress(p: TrainProgress): void {
    if (this.runId && p.runId !== this.runId) return;
    if (!this.runId) this.runId = p.runId; // attached to a run started elsewhere (e.g. the CLI)
    this.progress = p;
    if (p.state === 'training' || p.state === 'paused') this.state = p.state;
    this.history.add(p);
    this.historyVersion++;
  }

  onDone(d: EventPayload<'training:done'>): void {
    if (this.runId && d.runId !== this.runId) return;
    this.state = d.state;
    this.metrics = d.metrics;
    if (d.error) this.error = d.error.message;
  }

  /** Re-attach after a reload: the engine may still be training. */
  async restore(): Promise<void> {
    try {
      const p = await this.api.invoke('training:status', {});
      if (p && (p.state === 'training' || p.state === 'paused')) {
        this.runId = p.runId;
        this.onProgress(p);
      }
    } catch {
      /* engine not ready; the status bar shows it */
    }
  }
}
