/**
 * The engine facade: one object that answers every contract request and emits contract events.
 * No Electron or DOM imports: it runs in plain Node (CLI, tests), in the browser-mode server's
 * child process and in Electron's utilityProcess, all through `Engine.handle`.
 *
 * This file is the dispatch table: each request names the module that does the work —
 * `runCache.ts` (loaded runs, the active one), `jobs/training.ts` (the training job),
 * `modelRequests.ts` (`model:*` over a loaded run), `jobs/projection.ts` (PCA / UMAP),
 * `export/fromRun.ts` (the export job, one at a time through `export/slot.ts`).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  isRequestName,
  parseRequest,
  toErrorBody,
  type EventName,
  type EventPayload,
  type RequestName,
  type RequestOutput,
  type RequestParsed,
  type Response,
} from '../../src-shared/contract';
import { DatasetRef, LabError, type DatasetInfo, type EngineInfo } from '../../src-shared/types';
import { APP_VERSION } from './version';
import { initBackend } from './backend';
import { listDatasets, loadDataset, type LoadedDataset } from './datasets';
import { resolveUserPath, withResolvedDataPath } from './datasets/ownPath';
import { rowsF32 } from './datasets/rows';
import { DatasetLoads, inspectDataset } from './datasetRequests';
import { protectedFolders, ExportJournal, recoverExports, type FsSeam, type ProtectedDir } from './export';
import { exportFromRun } from './export/fromRun';
import { ExportSlot } from './export/slot';
import { classifierEvent, ClassifierStore, type TrainClassifierFn } from './classifier/store';
import { ClassifierQueue } from './classifier/queue';
import { runEndMetrics } from './jobs/runEnd';
import { envValue } from '../env';
import * as model from './modelRequests';
import * as instruments from './instruments';
import { describeModel } from './modelCard';
import { ProjectionJob } from './jobs/projection';
import { Trainer } from './jobs/training';
import { loadedSummary, RunCache, sameDataset, type RunModel } from './runCache';
import { runDisplayName } from './runNames';
import { RunStore, summary } from './runs';
import { suggestExportRoot } from './exportRoot';
import { workspaceRefusal } from '../workspace';
import { readRunHistory } from './runHistory';
import { withFittedSpread } from './runPrior';

export { defaultWorkspace } from './runs';

export interface EngineOptions {
  workspace: string;
  /** Dataset cache folder; defaults to `<workspace>/datasets`. */
  dataDir?: string;
  emit: <N extends EventName>(name: N, payload: EventPayload<N>) => void;
  /** More folders exports must never write into or over (the CLI's real workspace). */
  protect?: string[];
  /** Workspace whose journal records exports (default `workspace`; the CLI's temporary workspace uses the real one). */
  journalWorkspace?: string;
  /** Test seam over the export's mutating fs calls (a hang, ENOSPC). */
  exportFs?: FsSeam;
  /** Test seam: trains the in-app classifier instead of `trainClassifier`. */
  trainClassifier?: TrainClassifierFn;
  /**
   * The app's engine (engine-entry.ts; not the CLI's): a labelled image dataset the user chooses
   * has its judging classifier trained in the background ahead of its first run — the embedded
   * MNIST at a first launch (`datasets:list`), a folder or file the Train form checks
   * (`datasets:inspect`). Without it classifiers train only for runs that need their numbers.
   */
  classifierAhead?: boolean;
}

type Handlers = { [N in RequestName]: (p: RequestParsed<N>) => Promise<RequestOutput<N>> };

/** The dataset the app's Train form starts on: the embedded MNIST (no download). */
const FIRST_DATASET = 'mnist';

export class Engine {
  private readonly store: RunStore;
  private readonly emit: EngineOptions['emit'];
  private info_!: EngineInfo;
  private readonly runs: RunCache;
  private readonly trainer: Trainer;
  private readonly projection: ProjectionJob;
  private readonly exports = new ExportSlot();
  private readonly datasetLoads = new DatasetLoads();
  private readonly exportJournal: ExportJournal;
  private readonly exportOpts: Pick<EngineOptions, 'protect' | 'exportFs'>;
  private readonly classifiers: ClassifierStore;
  /** The classifier's numbers of runs saved without them, added in the background. */
  private readonly classifierQueue: ClassifierQueue;
  /** LATENT_LAB_CLASSIFIER=0: no in-app classifier metrics at all. */
  private readonly judged: boolean;
  /** `EngineOptions.classifierAhead`, and LATENT_LAB_CLASSIFIER not 0. */
  private readonly ahead: boolean;
  /** The registry was listed once (`datasets:list`, the app's first request): the first launch's check is done. */
  private listed = false;

  private constructor(opts: EngineOptions) {
    this.store = new RunStore(opts.workspace, opts.dataDir);
    this.exportJournal = new ExportJournal(opts.journalWorkspace ?? this.store.workspace);
    this.exportOpts = { protect: opts.protect, exportFs: opts.exportFs };
    this.emit = opts.emit;
    const dataset = (ref: DatasetRef) => this.dataset(ref);
    this.runs = new RunCache(this.store, dataset, () => this.trainer.runId);
    this.classifiers = new ClassifierStore(this.store.dataDir, (e) => this.emit('classifier:progress', classifierEvent(e)), {
      ...(opts.trainClassifier ? { train: opts.trainClassifier } : {}),
    });
    this.judged = envValue('LATENT_LAB_CLASSIFIER') !== '0';
    this.ahead = this.judged && opts.classifierAhead === true;
    this.classifierQueue = new ClassifierQueue({ classifiers: this.classifiers, store: this.store, runs: this.runs, emit: this.emit, busy: () => this.trainer.busy, dataset });
    this.trainer = new Trainer({ store: this.store, runs: this.runs, dataset, emit: this.emit, ...(this.judged ? { classifierMetrics: this.classifierQueue } : {}) });
    this.projection = new ProjectionJob((done, total) => this.emit('projection:progress', { done, total }));
  }

  static async create(opts: EngineOptions): Promise<Engine> {
    // A workspace that is a file, or cannot be written, is refused in one line before anything is written (../workspace.ts).
    const refusal = workspaceRefusal(opts.workspace);
    if (refusal) throw new LabError('IO', refusal);
    const engine = new Engine(opts);
    const backend = await initBackend();
    await engine.store.init();
    // Exports a crash or kill interrupted: temp folders removed, an old export moved aside put back.
    await recoverExports(path.dirname(engine.exportJournal.dir)).catch(() => []);
    engine.info_ = {
      appVersion: APP_VERSION,
      tfjsVersion: tf.version.tfjs,
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      backend,
      workspace: engine.store.workspace,
      exportRoot: suggestExportRoot(engine.store.workspace),
      classifier: engine.judged,
    };
    return engine;
  }

  info(): EngineInfo {
    return this.info_;
  }

  get workspace(): string {
    return this.store.workspace;
  }

  /** Validate and answer one request. Never throws. */
  async handle(name: string, payload: unknown): Promise<Response<RequestName>> {
    try {
      if (!isRequestName(name)) throw new LabError('UNKNOWN_REQUEST', `unknown request "${String(name).slice(0, 100)}"`);
      const parsed = withResolvedDataPath(parseRequest(name, payload));
      const fn = this.handlers[name] as (p: unknown) => Promise<unknown>;
      const value = await fn(parsed);
      return { ok: true, value } as Response<RequestName>;
    } catch (err) {
      return { ok: false, error: toErrorBody(err) };
    }
  }

  /** Typed convenience for in-process callers (CLI, tests): throws LabError on failure. */
  async call<N extends RequestName>(name: N, payload: unknown): Promise<RequestOutput<N>> {
    const r = await this.handle(name, payload);
    if (!r.ok) throw new LabError(r.error.code, r.error.message);
    return r.value as RequestOutput<N>;
  }

  /** Resolves when the current training (if any) has finished and been saved. */
  async waitForTraining(): Promise<void> {
    await this.trainer.wait();
  }

  async dispose(): Promise<void> {
    // A classifier's training in the background stops first (the queue's step ends).
    await this.classifierQueue.dispose();
    await this.trainer.dispose();
    await this.classifiers.dispose();
    this.exports.cancel();
    this.projection.cancel();
    this.runs.clear();
  }

  private dataset(ref: DatasetRef): Promise<LoadedDataset> {
    return loadDataset(ref, {
      dataDir: this.store.dataDir,
      signal: this.datasetLoads.signal,
      onProgress: (p) => this.emit('dataset:progress', { dataset: ref.id, ...p }),
    });
  }

  /**
   * The app lists the registry (`datasets:list`, its first request; with `classifierAhead`): on a
   * first launch — a workspace without runs — the embedded MNIST, the dataset the Train form starts
   * on, has its judging classifier trained in the background now (../classifier/queue.ts `choose`:
   * nothing when it is cached), not after the first run: that run's Fréchet distance then comes
   * soon after its end. Once per engine.
   */
  private async listedByApp(list: DatasetInfo[]): Promise<void> {
    if (this.listed) return;
    this.listed = true;
    const embedded = list.find((d) => d.id === FIRST_DATASET && d.available);
    if (!this.ahead || !embedded) return;
    // Runs already saved (or a workspace that cannot be listed): not a first launch; their datasets' classifiers train after their runs.
    const runs = await this.store.list().catch(() => null);
    if (runs === null || runs.length > 0) return;
    this.classifierQueue.choose(DatasetRef.parse({ id: embedded.id }), { shape: embedded.shape, info: embedded });
  }

  /**
   * The dataset behind `datasets:sample`: the active run's own copy when the request names its
   * dataset (a folder changed since the run was opened must not show other images than the
   * scatter), else the dataset cache's.
   */
  private sampleSource(ref: DatasetRef): Promise<LoadedDataset> {
    const active = this.runs.active();
    if (active && sameDataset(active.rec.config.dataset, ref)) return Promise.resolve(active.data);
    return this.dataset(ref);
  }

  /** `export:start` for run `lr` (a loaded run, or a model without its data for generated images): the label checked, then written. */
  private async exportRun(req: RequestParsed<'export:start'>, lr: RunModel, signal: AbortSignal): Promise<RequestOutput<'export:start'>> {
    model.checkLabel(lr, req.label);
    if (signal.aborted) throw new LabError('CANCELLED', 'export cancelled');
    const opts = {
      overwrite: req.overwrite,
      signal,
      protect: await this.exportProtect(),
      journal: this.exportJournal,
      fs: this.exportOpts.exportFs,
      onProgress: (done: number, total: number, message?: string) => this.emit('export:progress', { done, total, ...(message ? { message } : {}) }),
    };
    return exportFromRun({ ...req, out: path.resolve(req.out) }, lr, opts, this.store);
  }

  /** Folders an export must never write into or over (see export/destination.ts `protectedFolders`): saved runs' data too, loaded or not. */
  private exportProtect(): Promise<ProtectedDir[]> {
    const runs = this.runs.entries().map(([id, r]) => ({ id, name: runDisplayName(r.rec, id), dir: this.store.dir(id), dataset: r.rec.config.dataset }));
    return protectedFolders(this.store, runs, this.exportOpts.protect ?? []);
  }

  private readonly handlers: Handlers = {
    'engine:info': async () => this.info_,

    'datasets:list': async () => {
      const list = await listDatasets(this.store.dataDir);
      await this.listedByApp(list);
      return list;
    },
    'datasets:prepare': async ({ dataset }) => (await this.dataset(dataset)).info,
    'datasets:inspect': async ({ dataset, perClass }) => {
      const data = await this.dataset(dataset);
      // Data checked in the app's Train form (not the CLI's `inspect`): an image dataset with labels has its classifier trained ahead of its first run.
      if (this.ahead) this.classifierQueue.choose(dataset, data);
      return inspectDataset(data, perClass);
    },
    'datasets:cancel': async () => {
      this.datasetLoads.cancel();
      return { ok: true as const };
    },
    'datasets:sample': async ({ dataset, split, offset, count }) => {
      const data = await this.sampleSource(dataset);
      const s = split === 'train' ? data.train : data.test;
      if (offset >= s.count) throw new LabError('INVALID_PAYLOAD', `offset ${offset} is past the end (${s.count} items)`);
      const m = Math.min(count, s.count - offset);
      const D = data.inputDim;
      return { images: rowsF32(s.x, D, offset, m, new Float32Array(m * D)), labels: s.y.slice(offset, offset + m), count: m, shape: data.info.shape };
    },

    'training:start': async (cfg) => {
      // The user's training comes first: a classifier training in the background stops, and its
      // runs wait in the queue until this run has ended (or this start failed).
      this.classifierQueue.yieldToTraining();
      try {
        return await this.trainer.start(cfg);
      } finally {
        this.classifierQueue.resume();
      }
    },
    'training:pause': async () => this.trainer.pause(),
    'training:resume': async () => this.trainer.resume(),
    'training:stop': async () => this.trainer.stop(),
    'training:status': async () => this.trainer.status(),

    // A loaded run's entry also says how its data differs from its training data.
    'runs:list': async () =>
      (await this.store.list()).map((r) => {
        const lr = this.runs.peek(r.id);
        return lr?.dataWarnings?.length && !r.error ? { ...r, warnings: [...(r.warnings ?? []), ...lr.dataWarnings] } : r;
      }),
    'runs:open': async ({ runId }) => {
      // A run kept in memory has its own data compared with the disk again (changed files: reloaded and re-checked).
      const lr = await this.runs.get(runId, { recheck: true });
      this.runs.activeId = runId;
      // With what differs in its data since training, and that data as the run sees it (its classes).
      return { ...loadedSummary(lr), data: lr.data.info };
    },
    'runs:locateData': async ({ runId, path: dataPath, save }) => {
      if (this.trainer.runId === runId) throw new LabError('BUSY', 'this run is training; its data is in use');
      return loadedSummary(await this.runs.locate(runId, dataPath, save));
    },
    // Only the name changes, in the run's write queue (a training run keeps its newer fields); a name another run has is refused (EXISTS).
    'runs:rename': async ({ runId, name }) => summary(await this.store.rename(runId, name, this.runs.peek(runId)?.rec)),
    'runs:delete': async ({ runId }) => {
      if (this.trainer.runId === runId) throw new LabError('BUSY', 'this run is training; stop it first');
      await this.store.remove(runId);
      this.runs.forget(runId);
      return { ok: true as const };
    },
    'runs:metrics': async ({ runId }) => {
      const lr = await this.runs.get(runId);
      // Saved with the run at its end; computed (and saved) here only for a run saved without them.
      let m = lr.rec.metrics;
      if (!m) {
        const end = await runEndMetrics(lr.bundle, lr.data, lr.rec.config);
        m = end.metrics;
        if (this.trainer.runId === runId) lr.rec.metrics = m;
        else await this.store.patch(runId, { metrics: m, fittedPrior: end.fittedPrior }, lr.rec);
      } else if (m.sampleSpreadFitted === undefined && this.trainer.runId !== runId) {
        // A run saved before the fitted samples' spread was measured: measured (and saved) once.
        m = (await withFittedSpread(lr, this.store)) ?? m;
      }
      // Never waits for the classifier: its numbers are queued (`runs:metricsUpdated` brings them).
      const pending = this.judged && this.trainer.runId !== runId && this.classifierQueue.later(lr);
      return pending ? { ...m, pending } : m;
    },

    'runs:history': async ({ runId }) => {
      await this.store.read(runId); // NOT_FOUND / BAD_FILE for a run that is not there
      return readRunHistory(this.store.dir(runId));
    },

    'model:latents': async (req) => model.latents(await this.runs.get(req.runId), req),
    'model:encode': async (req) => model.encode(await this.runs.get(), req),
    'model:decode': async (req) => model.decodeLatents(await this.runs.get(), req),
    'model:reconstruct': async (req) => model.reconstruct(await this.runs.get(req.runId), req),
    'model:generate': async (req) => model.generate(await this.runs.get(req.runId), req, this.store),
    'model:interpolate': async (req) => model.interpolate(await this.runs.get(), req),
    'model:manifold': async (req) => model.manifold(await this.runs.get(), req),
    'model:neighbors': async ({ z, k }) => model.neighbors(await this.runs.get(), z, k),
    'model:encodeFile': async (req) => model.encodeFile(await this.runs.get(), req),
    'model:dimStats': async () => instruments.dimStats(await this.runs.get()),
    'model:typicality': async (req) => instruments.typicality(await this.runs.get(), req),

    'models:describe': async (req) => describeModel(req),

    'projection:compute': async (req) => this.projection.compute(req),
    'projection:cancel': async () => {
      this.projection.cancel();
      return { ok: true as const };
    },

    'export:start': async (input) => {
      // A leading ~ is the home folder, as for data paths; a NUL or a relative path is refused in words.
      const req = { ...input, out: resolveUserPath(input.out, { code: 'INVALID_PAYLOAD', what: 'the destination', example: 'exports', destination: true }) };
      // The slot is claimed before the first await: a second start is BUSY and an early cancel is not lost.
      return this.exports.run(async (signal) => {
        let lr: RunModel;
        let release = () => {};
        try {
          lr = await this.runs.get(req.runId);
        } catch (err) {
          // Generated images need only the model (and a fitted prior, saved with the run): its data gone or unreadable does not stop them.
          if (req.format === 'embeddings' || !(err instanceof LabError) || (err.code !== 'DATA_MISSING' && err.code !== 'BAD_DATASET')) throw err;
          ({ run: lr, release } = await this.runs.modelOnly(req.runId, err));
        }
        try {
          return await this.exportRun(req, lr, signal);
        } finally {
          release();
        }
      });
    },

    'export:cancel': async () => {
      this.exports.cancel();
      return { ok: true as const };
    },
    'classifier:cancel': async () => {
      this.classifierQueue.cancel();
      return { ok: true as const };
    },
    'classifier:start': async () => {
      if (!this.judged) throw new LabError('UNSUPPORTED', 'the in-app classifier is off (LATENT_LAB_CLASSIFIER=0)');
      return { queued: await this.classifierQueue.start() };
    },
  };
}
