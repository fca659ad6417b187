/**
 * The application state root: one instance (`app.ts`), shared by every component. Subscribes to
 * engine events and routes them to the state classes; every call to the engine goes through the
 * `StateApi` it is given.
 */
import type { DatasetInfo, DatasetRef, ModelKind, TrainConfig } from '../lib/contract';
import { errorText } from '../lib/errors';
import { ClassifierStatus } from './classifier.svelte';
import { DatasetCheck, LINK_DROP_MESSAGE } from './dataset-check.svelte';
import { EngineStatus } from './engine.svelte';
import { Instruments } from './instruments/instruments.svelte';
import { ModelCardState } from './modelCard.svelte';
import { ModelLatents } from './modelLatents.svelte';
import { OwnRunData } from './ownRunData.svelte';
import type { SettingsStorage, StateApi } from './port';
import { Runs } from './runs.svelte';
import { SampleCache } from './samples';
import { ScatterState } from './scatter.svelte';
import { Settings, formFromConfig } from './settings.svelte';
import { CompareState } from './tabs/compare.svelte';
import { EncodeState } from './tabs/encode.svelte';
import { ExportState } from './tabs/export.svelte';
import { GenerateState } from './tabs/generate.svelte';
import { routeEngineEvents } from './labEvents';
import { ReconState } from './tabs/recon.svelte';
import { Toasts } from './toasts.svelte';
import { Training, formToConfig } from './training.svelte';

/** The tab a training started from Compare switches to, so that the centre shows the live scatter (Compare's views cover it). */
export const LIVE_VIEW_TAB = 'recon' as const;
/** The toast when a training started from Compare switched the tab (`LIVE_VIEW_TAB`). */
export const LEFT_COMPARE_TEXT = 'Showing the new run as it trains. Your comparison is still under the Compare tab.';

/** How the engine's warning about a run's changed data begins (src-main/engine/runData.ts `checkRunData`). */
const DATA_CHANGED = "This run's dataset changed since it was trained";

export interface ModelContext {
  runId: string;
  name: string;
  kind: ModelKind;
  latentDim: number;
  dataset: DatasetRef;
  /** true while the model is still training (tabs wait for it). */
  live: boolean;
}

export class Lab {
  readonly settings: Settings;
  readonly engine: EngineStatus;
  readonly toasts = new Toasts();
  readonly training: Training;
  readonly runs: Runs;
  /** The in-app classifier training in the background (status bar, pending metrics). */
  readonly classifier: ClassifierStatus;
  /** The main scatter (the active model's test latents, or the live snapshot while training). */
  readonly scatter: ScatterState;
  /** Original dataset images for tooltips and insets. */
  readonly samples: SampleCache;
  readonly datasetCheck: DatasetCheck;
  readonly recon: ReconState;
  readonly generate: GenerateState;
  readonly encode: EncodeState;
  readonly exporter: ExportState;
  readonly compare: CompareState;
  /** The exploration instruments (sliders, traversal, KL bars, denoising, typicality, images in the cloud…). */
  readonly instruments: Instruments;
  /** The Train form's model card (`models:describe`: parameters, FLOPs per sample, layers). */
  readonly modelCard: ModelCardState;
  /** Native dialogs exist only in the Electron shell. */
  readonly isElectron: boolean;
  /** The active model's latent points (`modelLatents.svelte.ts`). */
  readonly latents: ModelLatents;
  /** The data of the run on screen when it is your own (`ownRunData.svelte.ts`). */
  readonly ownData: OwnRunData;
  /** Loading a run's latents for the scatter. */
  get loadingLatents(): boolean {
    return this.latents.loading;
  }

  model: ModelContext | null = $derived.by(() => {
    const t = this.training;
    if (t.active && t.runId && t.config) {
      const c = t.config as TrainConfig;
      return {
        runId: t.runId,
        name: c.name ?? this.runs.list.find((r) => r.id === t.runId)?.name ?? 'Training…',
        kind: c.model.kind,
        latentDim: c.model.latentDim,
        dataset: c.dataset,
        live: true,
      };
    }
    const r = this.runs.active;
    if (!r) return null;
    return {
      runId: r.id,
      name: r.name,
      kind: r.config.model.kind,
      latentDim: r.config.model.latentDim,
      dataset: r.config.dataset,
      live: false,
    };
  });

  /** The dataset of the model on screen, or of the Train form when there is none. */
  dataset: DatasetInfo | undefined = $derived.by(() => {
    const m = this.model;
    // Your own data: its classes and shape are known once loaded (the registry entry has none).
    const own = m && this.ownData.infoFor(m.runId);
    if (own) return own;
    return this.engine.dataset(m?.dataset.id ?? this.settings.train.dataset);
  });
  labelNames: string[] = $derived(this.dataset?.labelNames ?? []);

  /** `storage` keeps the settings between launches (null: defaults, nothing kept). */
  constructor(
    private readonly api: StateApi,
    storage: SettingsStorage | null,
  ) {
    this.settings = new Settings(storage);
    this.engine = new EngineStatus(api);
    this.training = new Training(api);
    this.runs = new Runs(api);
    this.classifier = new ClassifierStatus(api);
    this.scatter = new ScatterState(api);
    this.samples = new SampleCache(api);
    this.datasetCheck = new DatasetCheck(api, (path) => void this.refreshRunData(path));
    this.recon = new ReconState(this, api);
    this.generate = new GenerateState(this, api);
    this.encode = new EncodeState(this, api);
    this.exporter = new ExportState(this, api);
    this.compare = new CompareState(this, api);
    this.instruments = new Instruments(this, api);
    this.modelCard = new ModelCardState(this, api);
    this.latents = new ModelLatents(this, api);
    this.ownData = new OwnRunData(this, api);
    this.isElectron = api.transport === 'electron';
  }

  #started = false;
  #loaded = false;
  /** The run the Train form started last (not one attached from the CLI). */
  #formRunId: string | null = null;

  /** Subscribe to engine events (`labEvents.ts`) and load the initial state. Returns the unsubscribe. */
  start(): () => void {
    if (this.#started) return () => {};
    this.#started = true;
    const off = routeEngineEvents(this, this.api, {
      reload: () => void this.#load(),
      afterTraining: (runId) => void this.#afterTraining(runId),
    });
    void this.#load();
    return off;
  }

  /** Load engine info, datasets and runs; reopen the run of the last session (first load) or the active one (after a restart). */
  async #load(): Promise<void> {
    const ok = await this.engine.refresh();
    if (!ok) return;
    await Promise.all([this.runs.refresh(), this.training.restore()]);
    const last = this.#loaded ? this.runs.activeId : this.settings.lastRunId;
    // Settings stored by an older version may hold an opened run's copied conv widths: Auto again where they are the stored dataset's defaults.
    if (!this.#loaded) this.settings.settleStoredWidths(this.ownData.kind(formToConfig(this.settings.train).dataset as DatasetRef).side);
    this.#loaded = true;
    if (this.training.active) return;
    if (last && this.runs.list.some((r) => r.id === last && (!r.error || r.interruptedAfter))) await this.openRun(last);
  }

  /**
   * Make a run the active model and show its test latents. The Train form takes the run's settings
   * (automatic ones stay automatic: `formFromConfig`), except with `keepForm` (the run the form just
   * trained: the form already says what the user chose).
   */
  async openRun(runId: string, opts: { keepForm?: boolean } = {}): Promise<boolean> {
    if (this.training.active) {
      this.toasts.push('info', 'Training is running: stop it before opening another run.');
      return false;
    }
    const summary = await this.runs.open(runId);
    if (!summary) {
      // A run whose data is gone: the run list shows where it was and a path field to locate it.
      if (this.runs.missingData?.runId !== runId) this.toasts.push('error', this.runs.error ?? 'Could not open the run.');
      return false;
    }
    this.settings.lastRunId = runId;
    // Its data changed since it was trained (classes added or gone, images added or deleted): said once, kept in the run's warnings.
    for (const w of summary.warnings ?? []) if (w.startsWith(DATA_CHANGED)) this.toasts.push('info', w, 12_000);
    // The run's own settings, loss curves and metrics (issue #14 a).
    if (!opts.keepForm) this.settings.setForm(formFromConfig(summary.config, this.settings.train, this.ownData.kind(summary.config.dataset)));
    if (summary.config.dataset.id === 'local') this.datasetCheck.openedRun(summary.name, this.settings.train.folderPath, this.settings.train.import);
    void this.training.showRun(runId);
    // Saved without metrics, or without the classifier's numbers (queued in the background if they can come).
    if (summary.epochsDone > 0 && (!summary.metrics || summary.metrics.frechet === undefined)) void this.runs.loadMetrics(runId);
    void this.ownData.load(runId, summary.config.dataset, summary.data);
    this.recon.reset();
    this.generate.reset();
    this.encode.reset();
    this.instruments.reset();
    if (this.exporter.state !== 'running') {
      this.exporter.state = 'idle';
      this.exporter.result = null;
    }
    await this.loadLatents(runId); // the Reconstruction tab loads its first page when shown
    return true;
  }

  /**
   * The user checked the folder or file at `path` (the dataset panel's Check, or the data chosen
   * again): when it is the open run's own data, the engine compares it with the run again
   * (`runs:open`: unchanged files are only stat-ed) and the run's warnings follow. When they
   * changed, the data the run sees changed too, and the run is opened again as a reopen would
   * (its points, the tabs, the warning said once), keeping the form. Nothing happens while
   * training, for another path, or when the check of the run fails (the run list then asks for
   * its data, as opening it does).
   */
  async refreshRunData(path: string): Promise<void> {
    const m = this.model;
    if (!m || m.live || this.training.active || m.dataset.id !== 'local' || m.dataset.path !== path.trim()) return;
    const warningsOf = (r: { warnings?: string[] } | null | undefined) => JSON.stringify(r?.warnings ?? []);
    const before = warningsOf(this.runs.list.find((r) => r.id === m.runId));
    const opened = await this.runs.open(m.runId);
    if (!opened || this.model?.runId !== m.runId || warningsOf(opened) === before) return;
    await this.openRun(m.runId, { keepForm: true });
  }

  /** Points run `runId` at its moved data (path as typed, or chosen) and opens it; false when the path was refused (`runs.locateError`). */
  async locateRunData(runId: string, path: string): Promise<boolean> {
    if (this.training.active) {
      this.toasts.push('info', 'Training is running: stop it before opening another run.');
      return false;
    }
    if (!(await this.runs.locateData(runId, path))) return false;
    return this.openRun(runId);
  }

  /** Load run `runId`'s latents into the scatter (`ModelLatents.load`). */
  loadLatents(runId: string): Promise<void> {
    return this.latents.load(runId);
  }

  /**
   * Start a run from the Train form. The centre then shows its live scatter, as from every tab but
   * Compare, whose two views cover the centre: from Compare the Recon tab is shown instead (a
   * tester trained from Compare and never saw the new run's cloud form), and a toast says so.
   */
  async startTraining(): Promise<void> {
    const runId = await this.training.start(this.settings.train);
    if (!runId) {
      if (this.training.error) this.toasts.push('error', this.training.error);
      return;
    }
    if (this.settings.tab === 'compare') {
      this.settings.tab = LIVE_VIEW_TAB;
      this.toasts.push('info', LEFT_COMPARE_TEXT, 6000);
    }
    this.#formRunId = runId;
    this.runs.activeId = null;
    void this.runs.refresh(); // lists the new run (state "training") with its name
    void this.ownData.load(runId, formToConfig(this.settings.train).dataset as DatasetRef);
    this.scatter.selected = null;
    this.generate.reset();
    this.encode.reset();
    this.recon.reset();
    this.instruments.reset();
  }

  async #afterTraining(runId: string): Promise<void> {
    await this.runs.refresh();
    const run = this.runs.list.find((r) => r.id === runId);
    if (run && run.epochsDone > 0 && !run.error) await this.openRun(runId, { keepForm: runId === this.#formRunId });
  }

  async deleteRun(runId: string): Promise<void> {
    const wasActive = this.runs.activeId === runId;
    if (await this.runs.remove(runId)) {
      if (wasActive) {
        this.scatter.clear();
        this.recon.reset();
        this.generate.reset();
        this.encode.reset();
        this.instruments.reset();
        this.settings.lastRunId = null;
        // Nothing of it stays on screen: its loss curves, and the toast saying how its data changed.
        this.toasts.dismissWhere((t) => t.text.startsWith(DATA_CHANGED));
        if (this.datasetCheck.usedBy && this.datasetCheck.fromRun) this.datasetCheck.usedBy = null;
      }
      this.training.forgetRun(runId);
      if (this.compare.runA === runId) this.compare.runA = null;
      if (this.compare.runB === runId) this.compare.runB = null;
    } else {
      this.toasts.push('error', this.runs.error ?? 'Could not delete the run.');
      void this.runs.refresh(); // the row then says why (another process trains it, files of the user's…)
    }
  }

  /** The reconstruction of main-scatter point `point` for the hover tooltip (`ModelLatents.reconstructPoint`). */
  reconstructPoint(point: number): Promise<Float32Array | null> {
    return this.latents.reconstructPoint(point);
  }

  /** A run's own data as the engine prepares it for `ref`; null for built-in data or unreadable (`OwnRunData.ownDataInfo`). */
  ownDataInfo(ref: DatasetRef): Promise<DatasetInfo | null> {
    return this.ownData.ownDataInfo(ref);
  }

  /** A link was dropped (from a web page: no file came with it). Says to drop the file itself; nothing else happens. */
  linkDropped(): void {
    this.toasts.push('info', LINK_DROP_MESSAGE, 10_000);
  }

  /** Native dialog for your own data (Electron): a folder, or a dataset file; null when cancelled or unavailable. */
  async chooseDataset(kind: 'folder' | 'file'): Promise<string | null> {
    try {
      return await this.api.openFolder(kind === 'file' ? 'dataset-file' : 'dataset', kind === 'file' ? 'Open a dataset file' : 'Open a dataset folder');
    } catch (err) {
      this.toasts.push('error', `Dialog unavailable: ${errorText(err)}`);
      return null;
    }
  }

  /** Native folder picker (Electron); browser mode has none and uses the path field. */
  async chooseFolder(purpose: 'dataset' | 'export'): Promise<string | null> {
    try {
      return await this.api.openFolder(purpose, purpose === 'dataset' ? 'Choose a dataset folder' : 'Choose an export folder');
    } catch (err) {
      this.toasts.push('error', `Folder picker unavailable: ${errorText(err)}`);
      return null;
    }
  }
}
