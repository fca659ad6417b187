/**
 * The engine facade: one object that answers every contract request and emits contract events.
 * No Electron or DOM imports: it runs in plain Node (CLI, tests), in the browser-mode server's
 * child process and in Electron's utilityProcess, all through `Engine.handle`.
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
import {
  LabError,
  type DatasetRef,
  type EngineInfo,
  type Metrics,
  type TrainConfig,
  type TrainProgress,
} from '../../src-shared/types';
import { APP_VERSION } from './version';
import { assertKernels, initBackend, noteTrainPath, noteTrainThreads, REQUIRED_KERNELS } from './backend';
import { listDatasets, loadDataset, type LoadedDataset } from './datasets';
import { mulberry32, permutation } from './datasets/random';
import { preprocessMnistStyle } from './images';
import { appFolders, ExportJournal, recoverExports, type FsSeam, type ProtectedDir } from './export';
import { exportFromRun } from './export/fromRun';
import { ExportSlot } from './export/slot';
import { interpolateLatents, latentStats, manifoldLatents, sampleLatents } from './inference';
import { computeMetrics, decodeArrays, encodeArrays, encodeYielding, nearest, type SplitData } from './metrics';
import { buildModel, countParams, disposeBundle, isConditional, MAX_PARAMS, resolveModelConfig, type ModelBundle, type ModelSpec } from './models/build';
import { reconPerSample } from './models/loss';
import { loadBundle, saveBundle } from './models/io';
import { pca3, umap3 } from './projection';
import { RunStore, summary, type RunRecord } from './runs';
import { TrainControl, trainModel } from './train';
import { shouldTrainInParallel, trainModelParallel, TrainWorkersUnavailable } from './parallel/trainParallel';

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
}

/** A run whose model is loaded, with its dataset. */
interface LoadedRun {
  rec: RunRecord;
  bundle: ModelBundle;
  data: LoadedDataset;
  /** Training-split latent means, computed on demand for neighbour queries. */
  trainLatents?: Float32Array;
  trainLatentsCount?: number;
}

interface TrainingJob {
  runId: string;
  control: TrainControl;
  progress: TrainProgress | null;
  done: Promise<void>;
}

type Handlers = { [N in RequestName]: (p: RequestParsed<N>) => Promise<RequestOutput<N>> };

const MAX_LOADED_RUNS = 4;

function specOf(rec: RunRecord): ModelSpec {
  return { config: rec.config.model, inputDim: rec.inputDim, numClasses: rec.numClasses, output: rec.output };
}

function defaultName(cfg: TrainConfig): string {
  const kind = cfg.model.kind.toUpperCase();
  const beta = cfg.model.kind !== 'ae' && cfg.model.beta !== 1 ? ` β=${cfg.model.beta}` : '';
  return `${kind} z=${cfg.model.latentDim}${beta} · ${cfg.dataset.id}`;
}

export class Engine {
  private readonly store: RunStore;
  private readonly emit: EngineOptions['emit'];
  private info_!: EngineInfo;
  private loaded = new Map<string, LoadedRun>();
  private activeId: string | null = null;
  private training: TrainingJob | null = null;
  /** A `training:start` still loading its dataset / creating its run: BUSY for other starts; a stop stops it. */
  private starting: { control: TrainControl; started: Promise<unknown> } | null = null;
  private lastProgress: TrainProgress | null = null;
  private readonly exports = new ExportSlot();
  private readonly exportJournal: ExportJournal;
  private readonly exportOpts: Pick<EngineOptions, 'protect' | 'exportFs'>;
  private projectionAbort: AbortController | null = null;

  private constructor(opts: EngineOptions) {
    this.store = new RunStore(opts.workspace, opts.dataDir);
    this.exportJournal = new ExportJournal(opts.journalWorkspace ?? this.store.workspace);
    this.exportOpts = { protect: opts.protect, exportFs: opts.exportFs };
    this.emit = opts.emit;
  }

  static async create(opts: EngineOptions): Promise<Engine> {
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
      const parsed = parseRequest(name, payload);
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
    await this.training?.done;
  }

  async dispose(): Promise<void> {
    this.starting?.control.stop();
    await this.starting?.started.catch(() => undefined);
    this.training?.control.stop();
    await this.training?.done;
    this.exports.cancel();
    this.projectionAbort?.abort();
    for (const r of this.loaded.values()) disposeBundle(r.bundle);
    this.loaded.clear();
  }

  // ------------------------------------------------------------------------------------------
  // helpers

  private dataset(ref: DatasetRef): Promise<LoadedDataset> {
    return loadDataset(ref, {
      dataDir: this.store.dataDir,
      onProgress: (p) => this.emit('dataset:progress', { dataset: ref.id, ...p }),
    });
  }

  private async run(runId?: string): Promise<LoadedRun> {
    const id = runId ?? this.activeId;
    if (!id) throw new LabError('NO_MODEL', 'no model yet: train one or open a saved run first');
    const hit = this.loaded.get(id);
    if (hit) return hit;
    const rec = await this.store.read(id);
    if (rec.epochsDone < 1) throw new LabError('NO_MODEL', `run "${id}" has no trained epoch to load`);
    const data = await this.dataset(rec.config.dataset);
    let bundle: ModelBundle;
    try {
      bundle = await loadBundle(specOf(rec), this.store.dir(id));
    } catch (err) {
      if (err instanceof LabError) throw err;
      throw new LabError('BAD_FILE', `run "${id}": the saved model cannot be loaded (${(err as Error).message})`);
    }
    const lr: LoadedRun = { rec, bundle, data };
    this.remember(id, lr);
    return lr;
  }

  private remember(id: string, lr: LoadedRun): void {
    this.loaded.set(id, lr);
    // Evict least recently added runs, never the active or training one.
    for (const key of this.loaded.keys()) {
      if (this.loaded.size <= MAX_LOADED_RUNS) break;
      if (key === this.activeId || key === this.training?.runId || key === id) continue;
      disposeBundle(this.loaded.get(key)!.bundle);
      this.loaded.delete(key);
    }
  }

  private checkLabels(lr: LoadedRun, labels: Int32Array | undefined, count: number): Int32Array | null {
    if (!isConditional(lr.rec.config.model.kind)) return null;
    if (!labels) throw new LabError('INVALID_PAYLOAD', 'a CVAE needs a label for every vector');
    if (labels.length !== count) throw new LabError('INVALID_PAYLOAD', `expected ${count} labels, got ${labels.length}`);
    for (const l of labels) {
      if (l < 0 || l >= lr.rec.numClasses) {
        throw new LabError('INVALID_PAYLOAD', `label ${l} is outside 0–${lr.rec.numClasses - 1}`);
      }
    }
    return labels;
  }

  private checkLabel(lr: LoadedRun, label: number | undefined): void {
    if (label !== undefined && label >= lr.rec.numClasses) {
      throw new LabError('INVALID_PAYLOAD', `label ${label} is outside 0–${lr.rec.numClasses - 1}`);
    }
  }

  /** Folders an export must never write into or over (see export/destination.ts `appFolders`). */
  private exportProtect(): ProtectedDir[] {
    const runs = [...this.loaded].map(([id, r]) => ({ id, dir: this.store.dir(id), dataset: r.rec.config.dataset }));
    return appFolders(this.store, runs, this.exportOpts.protect ?? []);
  }

  private labelsFor(lr: LoadedRun, count: number, label: number | undefined): Int32Array {
    const out = new Int32Array(count);
    if (!isConditional(lr.rec.config.model.kind)) return out.fill(-1);
    if (label !== undefined) return out.fill(label);
    for (let i = 0; i < count; i++) out[i] = i % lr.rec.numClasses;
    return out;
  }

  private decode(lr: LoadedRun, z: Float32Array, labels: Int32Array | null, count: number): Float32Array {
    return decodeArrays(lr.bundle, z, isConditional(lr.rec.config.model.kind) ? labels : null, count);
  }

  private split(lr: LoadedRun, which: 'train' | 'test'): SplitData {
    return which === 'train' ? lr.data.train : lr.data.test;
  }

  private trainLatents(lr: LoadedRun): { z: Float32Array; count: number } {
    if (!lr.trainLatents) {
      const n = Math.min(lr.data.train.count, 60_000);
      lr.trainLatents = encodeArrays(lr.bundle, lr.data.train.x, lr.data.train.y, n).mean;
      lr.trainLatentsCount = n;
    }
    return { z: lr.trainLatents, count: lr.trainLatentsCount! };
  }

  private neighbors(lr: LoadedRun, z: Float32Array, k: number) {
    const d = lr.rec.config.model.latentDim;
    if (z.length !== d) throw new LabError('INVALID_PAYLOAD', `expected a ${d}-D latent point, got ${z.length} values`);
    const { z: ref, count } = this.trainLatents(lr);
    const { indices, distances } = nearest(ref, count, d, z, k);
    const D = lr.rec.inputDim;
    const images = new Float32Array(indices.length * D);
    const labels = new Int32Array(indices.length);
    indices.forEach((idx, i) => {
      images.set(lr.data.train.x.subarray(idx * D, idx * D + D), i * D);
      labels[i] = lr.data.train.y[idx];
    });
    return { indices, labels, distances: distances.map(Math.sqrt), images, shape: lr.rec.shape };
  }

  /** Encodes with q(z|x) — for a CVAE without a label, tries every label and keeps the best ELBO. */
  private encodeOne(lr: LoadedRun, x: Float32Array, label: number | undefined) {
    const kind = lr.rec.config.model.kind;
    if (!isConditional(kind)) return { ...encodeArrays(lr.bundle, x, null, 1), label: -1 };
    const candidates = label !== undefined ? [label] : Array.from({ length: lr.rec.numClasses }, (_, i) => i);
    const n = candidates.length;
    const xs = new Float32Array(n * x.length);
    for (let i = 0; i < n; i++) xs.set(x, i * x.length);
    const ys = Int32Array.from(candidates);
    const enc = encodeArrays(lr.bundle, xs, ys, n);
    const recon = decodeArrays(lr.bundle, enc.mean, ys, n);
    const d = lr.rec.config.model.latentDim;
    let best = 0;
    let bestScore = Infinity;
    tf.tidy(() => {
      const D = x.length;
      const xt = tf.tensor2d(xs, [n, D]);
      const p = tf.clipByValue(tf.tensor2d(recon, [n, D]), 1e-6, 1 - 1e-6);
      const logits = tf.log(tf.div(p, tf.sub(1, p))) as tf.Tensor2D;
      const scores = reconPerSample(xt, logits, lr.bundle.output).dataSync();
      for (let i = 0; i < n; i++) {
        let kl = 0;
        for (let j = 0; j < d; j++) {
          const m = enc.mean[i * d + j];
          const lv = enc.logVar![i * d + j];
          kl += -0.5 * (1 + lv - m * m - Math.exp(lv));
        }
        if (scores[i] + kl < bestScore) {
          bestScore = scores[i] + kl;
          best = i;
        }
      }
    });
    return {
      mean: enc.mean.slice(best * d, best * d + d),
      logVar: enc.logVar!.slice(best * d, best * d + d),
      label: candidates[best],
    };
  }

  // ------------------------------------------------------------------------------------------
  // training

  private async startTraining(cfg: TrainConfig, control: TrainControl): Promise<{ runId: string }> {
    if (this.training) throw new LabError('BUSY', `a run is already training (${this.training.runId}); stop it first`);
    assertKernels(cfg.model.arch === 'conv' ? [...REQUIRED_KERNELS.dense, ...REQUIRED_KERNELS.conv] : REQUIRED_KERNELS.dense);
    const data = await this.dataset(cfg.dataset);
    if (this.training) throw new LabError('BUSY', 'a run is already training; stop it first');
    const numClasses = Math.max(1, data.info.labelNames.length);
    const output = data.info.isImage ? 'bernoulli' : 'gaussian';
    // conv: the image size's default widths written into the config the run saves (throws for non-images).
    cfg = { ...cfg, model: resolveModelConfig(cfg.model, { inputDim: data.inputDim }) };
    const spec: ModelSpec = { config: cfg.model, inputDim: data.inputDim, numClasses, output };
    const params = countParams(spec);
    if (params > MAX_PARAMS) {
      throw new LabError(
        'TOO_LARGE',
        `this model would have ${(params / 1e6).toFixed(0)} M parameters (the limit is ${MAX_PARAMS / 1e6} M): use fewer or smaller hidden layers`,
      );
    }
    const id = await this.store.newId(cfg);
    const rec: RunRecord = {
      version: 1,
      id,
      name: cfg.name ?? defaultName(cfg),
      created: new Date().toISOString(),
      config: cfg,
      state: 'training',
      epochsDone: 0,
      metrics: null,
      inputDim: data.inputDim,
      numClasses,
      shape: data.info.shape,
      labelNames: data.info.labelNames,
      output,
      latentStats: null,
      pid: process.pid,
    };
    await this.store.create(rec);
    const bundle = buildModel(spec, cfg.seed);
    const lr: LoadedRun = { rec, bundle, data };
    this.activeId = id;
    this.remember(id, lr);

    // Fixed, seeded snapshot sample of the test split for the live scatter.
    const snapN = Math.min(cfg.snapshotSize, data.test.count);
    const snapIdx = permutation(data.test.count, mulberry32(cfg.seed + 17)).slice(0, snapN).sort();
    const D = data.inputDim;
    const snapX = new Float32Array(snapN * D);
    const snapY = new Int32Array(snapN);
    snapIdx.forEach((src, i) => {
      snapX.set(data.test.x.subarray(src * D, src * D + D), i * D);
      snapY[i] = data.test.y[src];
    });
    // Encoded in slices that yield, so requests arriving at an epoch end are not held up.
    const emitSnapshot = async (epoch: number) => {
      if (!snapN) return;
      const mean = await encodeYielding(bundle, snapX, snapY, snapN, 500);
      this.emit('training:latents', {
        runId: id,
        epoch,
        latents: mean,
        dim: cfg.model.latentDim,
        count: snapN,
        labels: snapY,
        indices: Int32Array.from(snapIdx),
      });
    };

    const job: TrainingJob = { runId: id, control, progress: null, done: Promise.resolve() };
    this.training = job;
    const progress = (p: Omit<TrainProgress, 'runId' | 'state'>) => {
      const state = control.state === 'paused' ? 'paused' : 'training';
      const full: TrainProgress = { runId: id, state, ...p };
      job.progress = full;
      this.lastProgress = full;
      this.emit('training:progress', full);
    };
    await emitSnapshot(0);
    job.done = (async () => {
      let error: { code: LabError['code']; message: string } | undefined;
      let state: RunRecord['state'] = 'done';
      try {
        const inWorkers = shouldTrainInParallel(tf.getBackend(), cfg, data.train.count, data.inputDim);
        if (!inWorkers) noteTrainPath('tfjs', 1);
        const train: typeof trainModel = !inWorkers
          ? trainModel
          : (...args) =>
              trainModelParallel(...args).catch((err: unknown) => {
                if (!(err instanceof TrainWorkersUnavailable)) throw err;
                // Nothing was trained yet: train on the engine's thread, and say so in the backend info.
                noteTrainThreads(1, `${err.message}; training on the engine's thread`);
                noteTrainPath('tfjs', 1);
                return trainModel(...args);
              });
        const result = await train(bundle, cfg, { train: data.train, val: data.test }, {
          control,
          onProgress: progress,
          onEpochEnd: async (epoch, train, val) => {
            await saveBundle(bundle, this.store.dir(id));
            rec.epochsDone = epoch;
            await this.store.write(rec);
            await this.store.appendEpoch(id, {
              epoch,
              train,
              val,
              beta: job.progress?.beta ?? 0,
              samplesPerSecond: job.progress?.samplesPerSecond ?? 0,
            });
            await emitSnapshot(epoch);
          },
        });
        if (result.state === 'cancelled') {
          state = 'cancelled';
          // Keep what was learnt so far (the weights are finite: every batch was checked).
          if (rec.epochsDone > 0 || (job.progress?.batch ?? 0) > 0) {
            await saveBundle(bundle, this.store.dir(id));
            rec.epochsDone = Math.max(rec.epochsDone, 1);
          }
        }
      } catch (err) {
        error = toErrorBody(err);
        state = 'error';
        rec.error = error.message;
        // Roll back to the last good checkpoint (saved at the end of the last finished epoch).
        if (rec.epochsDone > 0) {
          try {
            const good = await loadBundle(specOf(rec), this.store.dir(id));
            disposeBundle(lr.bundle);
            lr.bundle = good;
          } catch {
            /* keep the in-memory model; the error below is what the user needs */
          }
        }
      }
      let metrics: Metrics | null = null;
      try {
        if (rec.epochsDone > 0) {
          // One pass over (up to 20,000) training points serves the AE prior and the k-NN metric.
          const trainCount = Math.min(data.train.count, 20_000);
          const trainMean = await encodeYielding(lr.bundle, data.train.x, data.train.y, trainCount);
          rec.latentStats = latentStats(trainMean, trainCount, cfg.model.latentDim);
          metrics = await computeMetrics(lr.bundle, data.train, data.test, cfg.seed, { trainMean, trainCount });
          rec.metrics = metrics;
        }
      } catch (err) {
        if (!error) error = toErrorBody(err);
      }
      rec.state = state;
      lr.trainLatents = undefined;
      // A run whose end cannot be saved (e.g. a full disk) ends `error` with the IO message.
      const unsaved = await this.store.finish(rec);
      if (unsaved) {
        state = 'error';
        error ??= unsaved;
      }
      if (rec.epochsDone === 0) {
        // Nothing learnt: keep the record (it says what happened) but forget the model.
        this.loaded.delete(id);
        disposeBundle(lr.bundle);
        if (this.activeId === id) this.activeId = null;
      }
      this.training = null;
      if (this.lastProgress?.runId === id) this.lastProgress = { ...this.lastProgress, state };
      else {
        // Ended before its first progress report (e.g. diverged on batch 1 in the workers): the
        // status is this run's, not an older one's.
        const zero = { loss: 0, recon: 0, kl: 0 };
        const batches = Math.ceil(data.train.count / Math.min(cfg.batchSize, data.train.count));
        this.lastProgress = { runId: id, state, epoch: 1, epochs: cfg.epochs, batch: 0, batches, samplesPerSecond: 0, etaSeconds: 0, train: zero, beta: 0 };
      }
      this.emit('training:done', { runId: id, state, metrics, ...(error ? { error } : {}) });
    })();
    return { runId: id };
  }

  // ------------------------------------------------------------------------------------------
  // request handlers

  private readonly handlers: Handlers = {
    'engine:info': async () => this.info_,

    'datasets:list': async () => listDatasets(this.store.dataDir),
    'datasets:prepare': async ({ dataset }) => (await this.dataset(dataset)).info,
    'datasets:sample': async ({ dataset, split, offset, count }) => {
      const data = await this.dataset(dataset);
      const s = split === 'train' ? data.train : data.test;
      if (offset >= s.count) throw new LabError('INVALID_PAYLOAD', `offset ${offset} is past the end (${s.count} items)`);
      const m = Math.min(count, s.count - offset);
      const D = data.inputDim;
      return {
        images: s.x.slice(offset * D, (offset + m) * D),
        labels: s.y.slice(offset, offset + m),
        count: m,
        shape: data.info.shape,
      };
    },

    'training:start': async (cfg) => {
      if (this.starting) throw new LabError('BUSY', 'a run is already starting; stop it first');
      const control = new TrainControl();
      const started = this.startTraining(cfg, control);
      this.starting = { control, started };
      try {
        return await started;
      } finally {
        this.starting = null;
      }
    },
    'training:pause': async () => {
      if (!this.training) throw new LabError('NOT_FOUND', 'nothing is training');
      this.training.control.pause();
      return { state: 'paused' as const };
    },
    'training:resume': async () => {
      if (!this.training) throw new LabError('NOT_FOUND', 'nothing is training');
      this.training.control.resume();
      return { state: 'training' as const };
    },
    'training:stop': async () => {
      if (this.starting) {
        // Stop a start in progress too: its loop sees the stop before its first batch.
        this.starting.control.stop();
        await this.starting.started.catch(() => undefined);
      }
      if (!this.training) return { state: this.lastProgress?.state ?? 'idle' };
      const job = this.training;
      job.control.stop();
      await job.done;
      // A run stopped before its first batch has no progress of its own (lastProgress is an older run's).
      return { state: this.lastProgress && this.lastProgress.runId === job.runId ? this.lastProgress.state : 'cancelled' };
    },
    'training:status': async () => this.lastProgress,

    'runs:list': async () => this.store.list(),
    'runs:open': async ({ runId }) => {
      const lr = await this.run(runId);
      this.activeId = runId;
      return summary(lr.rec);
    },
    'runs:rename': async ({ runId, name }) => {
      // Only the name changes, in the run's write queue (a training run keeps its newer fields).
      return summary(await this.store.patch(runId, { name }, this.loaded.get(runId)?.rec));
    },
    'runs:delete': async ({ runId }) => {
      if (this.training?.runId === runId) throw new LabError('BUSY', 'this run is training; stop it first');
      await this.store.remove(runId);
      const hit = this.loaded.get(runId);
      if (hit) disposeBundle(hit.bundle);
      this.loaded.delete(runId);
      if (this.activeId === runId) this.activeId = null;
      return { ok: true as const };
    },
    'runs:metrics': async ({ runId }) => {
      const lr = await this.run(runId);
      if (lr.rec.metrics) return lr.rec.metrics;
      const m = await computeMetrics(lr.bundle, lr.data.train, lr.data.test, lr.rec.config.seed);
      if (this.training?.runId === runId) lr.rec.metrics = m;
      else await this.store.patch(runId, { metrics: m }, lr.rec);
      return m;
    },

    'model:latents': async ({ runId, split, limit }) => {
      const lr = await this.run(runId);
      const s = this.split(lr, split);
      const n = Math.min(s.count, limit ?? s.count);
      const { mean } = encodeArrays(lr.bundle, s.x, s.y, n);
      return {
        latents: mean,
        dim: lr.rec.config.model.latentDim,
        count: n,
        labels: s.y.slice(0, n),
        indices: Int32Array.from({ length: n }, (_, i) => i),
      };
    },
    'model:encode': async ({ images, count, labels }) => {
      const lr = await this.run();
      if (images.length !== count * lr.rec.inputDim) {
        throw new LabError('INVALID_PAYLOAD', `expected ${count} × ${lr.rec.inputDim} values, got ${images.length}`);
      }
      const y = this.checkLabels(lr, labels, count);
      const { mean, logVar } = encodeArrays(lr.bundle, images, y, count);
      return { mean, logVar, dim: lr.rec.config.model.latentDim, count };
    },
    'model:decode': async ({ z, count, labels }) => {
      const lr = await this.run();
      const d = lr.rec.config.model.latentDim;
      if (z.length !== count * d) throw new LabError('INVALID_PAYLOAD', `expected ${count} × ${d} values, got ${z.length}`);
      const y = this.checkLabels(lr, labels, count);
      return { images: this.decode(lr, z, y, count), count, shape: lr.rec.shape };
    },
    'model:reconstruct': async ({ split, offset, count, worstFirst }) => {
      const lr = await this.run();
      const s = this.split(lr, split);
      const D = lr.rec.inputDim;
      const cond = isConditional(lr.rec.config.model.kind);
      // Errors for the whole split when sorting worst-first, else for the page only.
      const all = worstFirst;
      const from = all ? 0 : offset;
      const n = all ? s.count : Math.max(0, Math.min(count, s.count - offset));
      if (n === 0) throw new LabError('INVALID_PAYLOAD', `offset ${offset} is past the end (${s.count} items)`);
      const x = s.x.subarray(from * D, (from + n) * D);
      const y = s.y.subarray(from, from + n);
      const { mean } = encodeArrays(lr.bundle, x, cond ? y : null, n);
      const recon = decodeArrays(lr.bundle, mean, cond ? y : null, n);
      const errors = tf.tidy(() => {
        const p = tf.clipByValue(tf.tensor2d(recon, [n, D]), 1e-6, 1 - 1e-6);
        const logits = lr.bundle.output === 'bernoulli' ? tf.log(tf.div(p, tf.sub(1, p))) : tf.tensor2d(recon, [n, D]);
        return reconPerSample(tf.tensor2d(x, [n, D]), logits as tf.Tensor2D, lr.bundle.output).dataSync() as Float32Array;
      });
      let order = Array.from({ length: n }, (_, i) => i);
      if (all) {
        order.sort((a, b) => errors[b] - errors[a]);
        order = order.slice(offset, offset + count);
      }
      const m = order.length;
      const out = {
        originals: new Float32Array(m * D),
        reconstructions: new Float32Array(m * D),
        labels: new Int32Array(m),
        indices: new Int32Array(m),
        errors: new Float32Array(m),
        count: m,
        shape: lr.rec.shape,
      };
      order.forEach((i, k) => {
        out.originals.set(x.subarray(i * D, i * D + D), k * D);
        out.reconstructions.set(recon.subarray(i * D, i * D + D), k * D);
        out.labels[k] = y[i];
        out.indices[k] = from + i;
        out.errors[k] = errors[i];
      });
      return out;
    },
    'model:generate': async ({ count, label, temperature, seed }) => {
      const lr = await this.run();
      this.checkLabel(lr, label);
      const d = lr.rec.config.model.latentDim;
      const s = seed ?? Math.floor(Math.random() * 2 ** 31);
      const stats = lr.rec.config.model.kind === 'ae' ? lr.rec.latentStats : null;
      const z = sampleLatents(count, d, temperature, s, stats);
      const labels = this.labelsFor(lr, count, label);
      return { images: this.decode(lr, z, labels, count), count, shape: lr.rec.shape, labels, z };
    },
    'model:interpolate': async ({ from, to, steps, label }) => {
      const lr = await this.run();
      this.checkLabel(lr, label);
      const d = lr.rec.config.model.latentDim;
      if (from.length !== d || to.length !== d) {
        throw new LabError('INVALID_PAYLOAD', `from and to must be ${d}-D latent points`);
      }
      const z = interpolateLatents(from, to, steps);
      const labels = this.labelsFor(lr, steps, label ?? 0);
      return { images: this.decode(lr, z, labels, steps), count: steps, shape: lr.rec.shape, z };
    },
    'model:manifold': async ({ dims, steps, range, label }) => {
      const lr = await this.run();
      this.checkLabel(lr, label);
      const d = lr.rec.config.model.latentDim;
      if (dims[0] >= d || dims[1] >= d || dims[0] === dims[1]) {
        throw new LabError('INVALID_PAYLOAD', `dims must be two different latent dimensions below ${d}`);
      }
      const stats = lr.rec.config.model.kind === 'ae' ? lr.rec.latentStats : null;
      const z = manifoldLatents(d, dims, steps, range, stats);
      const count = steps * steps;
      const labels = this.labelsFor(lr, count, label ?? 0);
      return { images: this.decode(lr, z, labels, count), count, shape: lr.rec.shape, z };
    },
    'model:neighbors': async ({ z, k }) => this.neighbors(await this.run(), z, k),
    'model:encodeFile': async ({ bytes, label }) => {
      const lr = await this.run();
      if (!lr.data.info.isImage) throw new LabError('UNSUPPORTED', 'this run was trained on 2-D points, not images');
      this.checkLabel(lr, label);
      const [h, w] = lr.rec.shape;
      if (h !== 28 || w !== 28) throw new LabError('UNSUPPORTED', `encoding files needs a 28×28 model (this one is ${h}×${w})`);
      const input = await preprocessMnistStyle(bytes);
      const enc = this.encodeOne(lr, input, label);
      const y = isConditional(lr.rec.config.model.kind) ? Int32Array.of(enc.label) : null;
      const reconstruction = this.decode(lr, enc.mean, y, 1);
      return {
        input,
        shape: lr.rec.shape,
        mean: enc.mean,
        logVar: enc.logVar,
        reconstruction,
        neighbors: this.neighbors(lr, enc.mean, 8),
      };
    },

    'projection:compute': async ({ method, latents, dim, seed }) => {
      if (latents.length % dim !== 0) throw new LabError('INVALID_PAYLOAD', `latents length is not a multiple of ${dim}`);
      if (!latents.every(Number.isFinite)) throw new LabError('INVALID_PAYLOAD', 'latents must be finite');
      const count = latents.length / dim;
      if (method === 'pca') return { points: pca3(latents, count, dim), method };
      this.projectionAbort?.abort();
      const ac = new AbortController();
      this.projectionAbort = ac;
      try {
        const points = await umap3(latents, count, dim, {
          seed: seed ?? 1,
          signal: ac.signal,
          onProgress: (done, total) => this.emit('projection:progress', { done, total }),
        });
        return { points, method };
      } finally {
        if (this.projectionAbort === ac) this.projectionAbort = null;
      }
    },
    'projection:cancel': async () => {
      this.projectionAbort?.abort();
      return { ok: true as const };
    },

    'export:start': async (req) => {
      if (!path.isAbsolute(req.out)) throw new LabError('INVALID_PAYLOAD', `the destination must be an absolute path: ${req.out}`);
      // The slot is claimed before the first await: a second start is BUSY and an early cancel is not lost.
      return this.exports.run(async (signal) => {
        const lr = await this.run(req.runId);
        this.checkLabel(lr, req.label);
        if (signal.aborted) throw new LabError('CANCELLED', 'export cancelled');
        return exportFromRun({ ...req, out: path.resolve(req.out) }, lr, {
          overwrite: req.overwrite,
          signal,
          protect: this.exportProtect(),
          journal: this.exportJournal,
          fs: this.exportOpts.exportFs,
          onProgress: (done, total) => this.emit('export:progress', { done, total }),
        });
      });
    },
    'export:cancel': async () => {
      this.exports.cancel();
      return { ok: true as const };
    },
  };
}
