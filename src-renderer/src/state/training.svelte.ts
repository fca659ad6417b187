import type { EpochRecord, EventPayload, Metrics, ModelConfigInput, TrainConfigInput, TrainProgress, TrainState } from '../lib/contract';
import { errorText } from '../lib/errors';
import type { StateApi } from './port';
import { parseFilters, type TrainForm } from './settings.svelte';

export type UiTrainState = 'idle' | 'training' | 'paused' | 'done' | 'error';

/** Per-batch weight of the newest batches in the smoothed training curve (about a 10-batch window). */
const SMOOTHING = 0.1;

type Parts = { loss: number; recon: number; kl: number };
const PARTS = ['loss', 'recon', 'kl'] as const;

/**
 * Loss curves as column arrays for uPlot (x = fractional epoch). Plain arrays, not reactive:
 * the chart polls `Training.historyVersion` (bumped per event) and redraws at most once a frame.
 *
 * The engine reports the running mean over the epoch so far, which restarts every epoch: plotted
 * as it is, the first epoch's mean (still holding the first, large losses) drops off a cliff when
 * the second epoch starts. So the training curve is the mean loss of the batches since the last
 * report (recovered from two running means), smoothed over about 10 batches across epoch
 * boundaries; validation points are plotted as reported, at the end of each epoch.
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
  /** The last report within the current epoch: epoch, batch, running sums (mean × batches). */
  #prev = { epoch: -1, batch: 0, sums: { loss: 0, recon: 0, kl: 0 } as Parts };
  #smooth: Parts | null = null;

  clear(): void {
    for (const a of this.columns()) a.length = 0;
    this.#lastX = -Infinity;
    this.#prev = { epoch: -1, batch: 0, sums: { loss: 0, recon: 0, kl: 0 } };
    this.#smooth = null;
  }

  columns(): (number | null)[][] {
    return [this.x, this.loss, this.recon, this.kl, this.valLoss, this.valRecon, this.valKl];
  }

  /** A saved run's curves: one point per finished epoch (its training mean and validation). */
  setEpochs(epochs: readonly EpochRecord[]): void {
    this.clear();
    const ok = (v: number) => (Number.isFinite(v) ? v : null);
    for (const e of epochs) {
      this.x.push(e.epoch);
      this.loss.push(ok(e.train.loss));
      this.recon.push(ok(e.train.recon));
      this.kl.push(ok(e.train.kl));
      this.valLoss.push(ok(e.val.loss));
      this.valRecon.push(ok(e.val.recon));
      this.valKl.push(ok(e.val.kl));
      this.#lastX = e.epoch;
    }
  }

  /** The smoothed mean of the batches since the last report, or null when there are none new. */
  #recent(p: TrainProgress): Parts | null {
    if (p.epoch !== this.#prev.epoch || p.batch < this.#prev.batch) this.#prev = { epoch: p.epoch, batch: 0, sums: { loss: 0, recon: 0, kl: 0 } };
    const n = p.batch - this.#prev.batch;
    if (n <= 0) return null;
    const sums = { loss: p.train.loss * p.batch, recon: p.train.recon * p.batch, kl: p.train.kl * p.batch };
    const w = 1 - (1 - SMOOTHING) ** n;
    const next = { ...(this.#smooth ?? { loss: NaN, recon: NaN, kl: NaN }) };
    for (const k of PARTS) {
      const v = (sums[k] - this.#prev.sums[k]) / n;
      // A non-finite loss is plotted as a gap (the curve starts afresh after it).
      next[k] = !Number.isFinite(v) ? NaN : Number.isFinite(next[k]) ? next[k] + w * (v - next[k]) : v;
    }
    this.#prev = { epoch: p.epoch, batch: p.batch, sums };
    this.#smooth = next;
    return next;
  }

  add(p: TrainProgress): void {
    const x = p.batches > 0 ? p.epoch - 1 + p.batch / p.batches : p.epoch;
    if (x < this.#lastX) return; // stale or repeated event
    const ok = (v: number) => (Number.isFinite(v) ? v : null);
    const recent = p.batches > 0 ? this.#recent(p) : { loss: p.train.loss, recon: p.train.recon, kl: p.train.kl };
    if (x === this.#lastX && this.x.length) {
      // Same position (the epoch-end event repeating the last batch): only the validation is new.
    } else if (recent) {
      this.x.push(x);
      this.loss.push(ok(recent.loss));
      this.recon.push(ok(recent.recon));
      this.kl.push(ok(recent.kl));
      this.valLoss.push(null);
      this.valRecon.push(null);
      this.valKl.push(null);
    } else return;
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

/**
 * The model part of the form as the engine takes it. A conv model gets `hidden` and `convFilters`
 * only where the user set them (left out, the engine uses the image size's defaults: Dense 16 and
 * 32/64 on 28×28, as the Keras example); σ only for a Gaussian likelihood the user gave one.
 */
export function formToModel(f: TrainForm): ModelConfigInput {
  const variational = f.kind !== 'ae';
  const filters = parseFilters(f.convFilters) ?? [];
  const widths: Partial<ModelConfigInput> =
    f.arch === 'conv'
      ? { ...(f.convHidden !== null ? { hidden: [f.convHidden] } : {}), ...(filters.length ? { convFilters: filters } : {}) }
      : { hidden: [f.hidden] };
  return {
    kind: f.kind,
    arch: f.arch,
    latentDim: f.latentDim,
    ...widths,
    beta: variational ? f.beta : 1,
    klWarmupEpochs: variational ? f.klWarmupEpochs : 0,
    likelihood: f.likelihood,
    ...(f.likelihood === 'gaussian' && f.sigma !== null ? { sigma: f.sigma } : {}),
  };
}

export function formToConfig(f: TrainForm): TrainConfigInput {
  return {
    dataset: f.dataset === 'local' ? { id: 'local', path: f.folderPath.trim(), import: { ...f.import } } : { id: f.dataset },
    model: formToModel(f),
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
  /** Whose curves `history` holds: the live run's, or an opened saved run's (`showRun`). */
  historyRunId = $state<string | null>(null);
  /** What the engine adjusted when this run started (e.g. a batch clamped to the training set), in words. */
  startWarnings = $state<string[]>([]);
  /** Lines of the shown run's metrics.jsonl that could not be read (said under the chart). */
  historySkipped = $state(0);

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

  /**
   * The start notices the Train panel shows, during the run and after it ends: the saved run's
   * (`opened`: one opened instead of the last training, with its record's `warnings`), else the
   * last start's. A batch clamp or a too-short run must still be readable once a 2-second run is over.
   */
  shownWarnings(opened: { warnings?: string[] } | null): string[] {
    if (opened) return opened.warnings ?? [];
    return this.runId && this.state !== 'idle' ? this.startWarnings : [];
  }

  async start(form: TrainForm): Promise<string | null> {
    if (this.active || this.pending) return null;
    const config = formToConfig(form);
    this.pending = true;
    this.error = null;
    this.startWarnings = [];
    try {
      const { runId, warnings } = await this.api.invoke('training:start', config);
      this.runId = runId;
      this.startWarnings = warnings ?? [];
      this.config = config;
      this.state = 'training';
      this.progress = null;
      this.metrics = null;
      this.history.clear();
      this.historyRunId = runId;
      this.historySkipped = 0;
      this.historyVersion++;
      return runId;
    } catch (err) {
      this.error = errorText(err);
      this.state = 'error';
      // The last run's live numbers (loss, its bar at 100 %) are not this refused start's: the
      // panel shows that run, if it is still on screen, as a saved run instead.
      this.runId = null;
      this.progress = null;
      this.metrics = null;
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
    if (!this.runId) {
      this.runId = p.runId; // attached to a run started elsewhere (e.g. the CLI)
      this.startWarnings = [];
    }
    if (this.historyRunId !== p.runId) {
      this.history.clear();
      this.historyRunId = p.runId;
      this.historySkipped = 0;
    }
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

  /**
   * Show a saved run's loss curves (`runs:history`, from its metrics.jsonl) in the chart. Nothing
   * changes while a run trains (the chart is the live run's), or when the chart already holds this
   * run's curves (the run just trained here: its finer live curve stays). Returns false when the
   * history could not be read (the chart is then empty, not another run's).
   */
  async showRun(runId: string): Promise<boolean> {
    if (this.active || (this.historyRunId === runId && this.history.x.length > 0)) return true;
    this.history.clear();
    this.historyRunId = runId;
    this.historySkipped = 0;
    this.historyVersion++;
    try {
      const h = await this.api.invoke('runs:history', { runId });
      if (this.historyRunId !== runId || this.active) return true; // another run was opened meanwhile
      this.history.setEpochs(h.epochs);
      this.historySkipped = h.skipped;
      this.historyVersion++;
      return true;
    } catch {
      return false;
    }
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
