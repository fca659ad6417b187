import type { EventPayload, Metrics, ModelConfigInput, TrainConfigInput, TrainProgress, TrainState } from '../lib/contract';
import { LossHistory } from './lossHistory';
import { errorText } from '../lib/errors';
import type { StateApi } from './port';
import { parseFilters, type TrainForm } from './settings.svelte';

export { LossHistory } from './lossHistory';

export type UiTrainState = 'idle' | 'training' | 'paused' | 'done' | 'error';

/**
 * The model part of the form as the engine takes it. A conv model gets `hidden` and `convFilters`
 * only where the user set them (left out, the engine uses the image size's defaults: Dense 16 and
 * 32/64 on 28×28, as the Keras example); σ only for a Gaussian likelihood the user gave one; a
 * VAE-GAN's γ / pixel weight / discriminator learning-rate scale / adversarial loss only where the user set them.
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
    ...(f.kind === 'vaegan' ? ganSettings(f) : {}),
  };
}

/** A VAE-GAN's γ, pixel weight, discriminator learning-rate scale, adversarial loss and weight average's decay: only those the user set (else the contract's defaults). */
function ganSettings(f: TrainForm): Pick<ModelConfigInput, 'gamma' | 'pixelWeight' | 'discLrScale' | 'ganLoss' | 'emaDecay'> {
  return {
    ...(f.gamma !== null ? { gamma: f.gamma } : {}),
    ...(f.pixelWeight !== null ? { pixelWeight: f.pixelWeight } : {}),
    ...(f.discLrScale !== null ? { discLrScale: f.discLrScale } : {}),
    ...(f.ganLoss !== null ? { ganLoss: f.ganLoss } : {}),
    ...(f.emaDecay !== null ? { emaDecay: f.emaDecay } : {}),
  };
}

export function formToConfig(f: TrainForm): TrainConfigInput {
  return {
    dataset: f.dataset === 'local' ? { id: 'local', path: f.folderPath.trim(), import: { ...f.import } } : { id: f.dataset },
    model: formToModel(f),
    epochs: f.epochs,
    batchSize: f.batchSize,
    learningRate: f.learningRate,
    // Only when the user chose one: else the engine uses the kind's DEFAULT_LR_SCHEDULE.
    ...(f.lrSchedule !== null ? { lrSchedule: f.lrSchedule } : {}),
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

  /** The last start was refused (`error` says why; no run began). */
  startRefused = $derived(this.state === 'error' && this.runId === null && this.error !== null);
  uiState: UiTrainState = $derived(
    this.state === 'cancelled' ? 'done' : this.state,
  );
  active = $derived(this.state === 'training' || this.state === 'paused');
  /**
   * What to warn about, in words, during the run and after it ends: what the start adjusted (a
   * clamped batch, too few optimiser steps) and what went wrong so far (`TrainProgress.warnings`:
   * a VAE-GAN's discriminator winning, near-identical samples, reconstructions no better than the
   * average image, which checkpoint is kept).
   */
  warnings: string[] = $derived.by(() => [...this.startWarnings, ...(this.progress?.warnings ?? [])]);
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
    // A refused start's error stands alone: the run still on screen's notices are not about it.
    if (this.startRefused) return [];
    if (opened) return opened.warnings ?? [];
    return this.runId && this.state !== 'idle' ? this.warnings : [];
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
    // Opening a run moves on from a refused start: its error no longer describes what is on screen.
    if (this.startRefused) {
      this.state = 'idle';
      this.error = null;
    }
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

  /** Run `runId` was deleted: the chart no longer shows its curves (a live run's stay). */
  forgetRun(runId: string): void {
    if (this.active || this.historyRunId !== runId) return;
    this.history.clear();
    this.historyRunId = null;
    this.historySkipped = 0;
    this.historyVersion++;
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
