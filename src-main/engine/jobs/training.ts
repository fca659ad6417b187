/**
 * The training job: `training:start|pause|resume|stop|status`. One run trains at a time. A start
 * loads the dataset, creates the run (folder + `config.json`, state `training`), builds the model
 * and trains it in the background (./checkpointedTraining.ts: in worker threads when
 * `shouldTrainInParallel` says so, else on the engine's thread; every epoch end saves a
 * checkpoint, appends to `metrics.jsonl` and emits a latent snapshot of a fixed seeded test
 * sample, made here: `snapshotter`; an error rolls back to the last checkpoint). At the end
 * (`finish`): latent statistics and test metrics (./runEnd.ts), the final record,
 * `training:done` — never waiting for the in-app classifier's training (its numbers come later:
 * ../classifier/queue.ts).
 */
import { toErrorBody, type ErrorBody } from '../../../src-shared/contract';
import { LabError, type DatasetRef, type LossParts, type Metrics, type TrainConfig, type TrainProgress, type TrainState } from '../../../src-shared/types';
import { assertKernels, REQUIRED_KERNELS } from '../backend';
import type { LoadedDataset } from '../datasets';
import { mulberry32, permutation } from '../datasets/random';
import { encodeRowsYielding } from '../metrics';
import { runEndMetrics } from './runEnd';
import { buildModel, countParams, MAX_PARAMS, resolveModelConfig, type ModelSpec } from '../models/build';
import { resolveLikelihood } from '../models/likelihood';
import { assertKindFitsData, startChecks } from './startChecks';
import { trainWithCheckpoints, type Emit, type TrainingJob } from './checkpointedTraining';
import type { LoadedRun, RunCache } from '../runCache';
import type { RunRecord, RunStore } from '../runs';
import { dataFingerprint } from '../runData';
import { TrainControl } from '../train';
import { defaultRunName, distinctName } from '../runNames';

/**
 * The in-app classifier's numbers of a run (../classifier/queue.ts `ClassifierQueue`): never
 * computed at the end itself — even with the classifier cached they cost a decode and two
 * classifier passes of 2,000 images on the engine's thread (tens of CPU seconds for a conv
 * model) — but queued for the background.
 */
export interface EndClassifierMetrics {
  /** Queues the numbers for the background; true when they are pending. */
  later(lr: LoadedRun): boolean;
}

/** What a trainer needs of the engine. */
export interface TrainerDeps {
  store: RunStore;
  runs: RunCache;
  dataset: (ref: DatasetRef) => Promise<LoadedDataset>;
  emit: Emit;
  /** The in-app classifier's numbers (Fréchet distance, generation accuracy); none: left out. */
  classifierMetrics?: EndClassifierMetrics;
}

export class Trainer {
  private job: TrainingJob | null = null;
  /** A start still loading its dataset / creating its run: BUSY for other starts; a stop stops it. */
  private starting: { control: TrainControl; started: Promise<unknown> } | null = null;
  private lastProgress: TrainProgress | null = null;

  constructor(private readonly deps: TrainerDeps) {}

  /** The run training now, if any. */
  get runId(): string | null {
    return this.job?.runId ?? null;
  }

  /** True while a run starts, trains or ends. */
  get busy(): boolean {
    return this.starting !== null || this.job !== null;
  }

  /**
   * Start a run; resolves once it is created and training in the background.
   * @throws LabError BUSY (a run is starting or training), TOO_LARGE (over `MAX_PARAMS`),
   *   UNSUPPORTED (missing kernels, conv or VAE-GAN on non-images), INVALID_PAYLOAD (a Bernoulli likelihood
   *   on 2-D points), the dataset loader's errors, IO. `warnings`: what the start adjusted (the
   *   run keeps them).
   */
  async start(cfg: TrainConfig): Promise<{ runId: string; warnings?: string[] }> {
    if (this.starting) throw new LabError('BUSY', 'a run is already starting; stop it first');
    const control = new TrainControl();
    const started = this.begin(cfg, control);
    this.starting = { control, started };
    try {
      return await started;
    } finally {
      this.starting = null;
    }
  }

  pause(): { state: 'paused' } {
    if (!this.job) throw new LabError('NOT_FOUND', 'nothing is training');
    this.job.control.pause();
    return { state: 'paused' };
  }

  resume(): { state: 'training' } {
    if (!this.job) throw new LabError('NOT_FOUND', 'nothing is training');
    this.job.control.resume();
    return { state: 'training' };
  }

  /**
   * Stop the start in progress and the training run; resolves with the state it ended in. A stop
   * after the training loop, while the end's metrics are computed, ends them (the run keeps its
   * state, without metrics: `runs:metrics` computes them when asked).
   */
  async stop(): Promise<{ state: TrainState }> {
    if (this.starting) {
      // Stop a start in progress too: its loop sees the stop before its first batch.
      this.starting.control.stop();
      await this.starting.started.catch(() => undefined);
    }
    if (!this.job) return { state: this.lastProgress?.state ?? 'idle' };
    const job = this.job;
    job.control.stop();
    // A stop during the training loop keeps the end's metrics (of what was learnt so far).
    if (job.ended) job.ending.abort(new LabError('CANCELLED', 'stopped while computing the test metrics'));
    await job.done;
    // A run stopped before its first batch has no progress of its own (lastProgress is an older run's).
    return { state: this.lastProgress && this.lastProgress.runId === job.runId ? this.lastProgress.state : 'cancelled' };
  }

  /** The last progress report (of the run training now, or of the last one), or null. */
  status(): TrainProgress | null {
    return this.lastProgress;
  }

  /** Resolves when the current training (if any) has finished and been saved. */
  async wait(): Promise<void> {
    await this.job?.done;
  }

  /** Stop everything and wait for it to be saved. */
  async dispose(): Promise<void> {
    this.starting?.control.stop();
    await this.starting?.started.catch(() => undefined);
    this.job?.control.stop();
    if (this.job?.ended) this.job.ending.abort(new LabError('CANCELLED', 'the engine is shutting down'));
    await this.job?.done;
  }

  /** Checks, dataset, run record and model; then the training in the background. */
  private async begin(cfg: TrainConfig, control: TrainControl): Promise<{ runId: string; warnings?: string[] }> {
    if (this.job) throw new LabError('BUSY', `a run is already training (${this.job.runId}); stop it first`);
    assertKernels(cfg.model.arch === 'conv' ? [...REQUIRED_KERNELS.dense, ...REQUIRED_KERNELS.conv] : REQUIRED_KERNELS.dense);
    const { store, runs } = this.deps;
    const data = await this.deps.dataset(cfg.dataset);
    if (this.job) throw new LabError('BUSY', 'a run is already training; stop it first');
    assertKindFitsData(cfg, data.info.isImage);
    if (cfg.model.kind === 'cvae' && data.info.labelNames.length < 2) {
      const one = data.info.labelNames[0];
      throw new LabError('UNSUPPORTED', `a CVAE is conditioned on the labels and needs at least 2 classes; this dataset has ${one ? `one ("${one}")` : 'none'}: train a VAE, AE or VAE-GAN on it`);
    }
    const numClasses = Math.max(1, data.info.labelNames.length);
    // The likelihood decided for the data (auto: Bernoulli for images) and its σ, and conv's
    // default widths, written into the config the run saves (both throw for what cannot train).
    const { output, model } = resolveLikelihood(cfg.model, data.info.isImage);
    cfg = { ...cfg, model: resolveModelConfig(model, { inputDim: data.inputDim }) };
    // Named by the batch asked for: a small set's clamp (its whole training split) is no choice to name.
    const asked = cfg;
    const clamp = startChecks(cfg, data.train.count, data.info.isImage);
    cfg = clamp.cfg;
    const spec: ModelSpec = { config: cfg.model, inputDim: data.inputDim, numClasses, output };
    const params = countParams(spec);
    if (params > MAX_PARAMS) {
      throw new LabError(
        'TOO_LARGE',
        `this model would have ${(params / 1e6).toFixed(0)} M parameters (the limit is ${MAX_PARAMS / 1e6} M): use fewer or smaller hidden layers`,
      );
    }
    const id = await store.newId(cfg);
    const rec: RunRecord = {
      version: 1,
      id,
      // Two runs with the same settings get distinct names ("… (2)").
      name: cfg.name ?? distinctName(defaultRunName(asked), (await store.list()).map((r) => r.name)),
      created: new Date().toISOString(),
      config: cfg,
      state: 'training',
      epochsDone: 0,
      metrics: null,
      inputDim: data.inputDim,
      numClasses,
      shape: data.info.shape,
      labelNames: data.info.labelNames,
      datasetReport: data.report,
      dataFingerprint: dataFingerprint(data),
      output,
      latentStats: null,
      fittedPrior: null,
      pid: process.pid,
      ...(clamp.warnings.length ? { warnings: clamp.warnings } : {}),
    };
    await store.create(rec);
    const lr: LoadedRun = { rec, bundle: buildModel(spec, cfg.seed), data };
    runs.activeId = id;
    runs.remember(id, lr);

    const snapshot = this.snapshotter(lr);
    const job: TrainingJob = { runId: id, control, progress: null, done: Promise.resolve(), ending: new AbortController(), ended: false };
    this.job = job;
    await snapshot(0);
    job.done = trainWithCheckpoints(this.deps, job, lr, snapshot, (p) => {
      this.lastProgress = p;
    }).then((end) => {
      job.ended = true;
      // A run that completed its epochs ends on the weights its last validation saw.
      return this.finish(lr, end, { signal: job.ending.signal, lastVal: end.state === 'done' ? job.lastVal : undefined });
    });
    return { runId: id, ...(clamp.warnings.length ? { warnings: clamp.warnings } : {}) };
  }

  /**
   * `training:latents` for a fixed, seeded sample of the test split (the live scatter), encoded
   * in slices that yield, so requests arriving at an epoch end are not held up.
   */
  private snapshotter(lr: LoadedRun): (epoch: number) => Promise<void> {
    const { data, rec } = lr;
    const cfg = rec.config;
    const snapN = Math.min(cfg.snapshotSize, data.test.count);
    const snapIdx = permutation(data.test.count, mulberry32(cfg.seed + 17)).slice(0, snapN).sort();
    // The rows are gathered slice by slice when encoded: no copy of the sample as a whole.
    const snapY = Int32Array.from(snapIdx, (src) => data.test.y[src]);
    return async (epoch) => {
      if (!snapN) return;
      const mean = await encodeRowsYielding(lr.bundle, data.test, snapIdx, 500);
      this.deps.emit('training:latents', {
        runId: rec.id,
        epoch,
        latents: mean,
        dim: cfg.model.latentDim,
        count: snapN,
        labels: snapY,
        indices: Int32Array.from(snapIdx),
      });
    };
  }


  /**
   * Latent statistics and test metrics (./runEnd.ts), the final record, `training:done`
   * (`pending`: the classifier's numbers are queued for the background). `opts.signal` aborted
   * (a stop during the end): no metrics.
   */
  private async finish(lr: LoadedRun, end: { state: RunRecord['state']; error?: ErrorBody }, opts: { signal: AbortSignal; lastVal?: LossParts }): Promise<void> {
    const { store, runs, emit } = this.deps;
    const { rec, data } = lr;
    const cfg = rec.config;
    let { state, error } = end;
    let metrics: Metrics | null = null;
    try {
      if (rec.epochsDone > 0) {
        const r = await runEndMetrics(lr.bundle, data, cfg, opts);
        rec.latentStats = r.latentStats;
        rec.fittedPrior = r.fittedPrior;
        metrics = r.metrics;
        rec.metrics = metrics;
      }
    } catch (err) {
      if (!opts.signal.aborted) error ??= toErrorBody(err);
    }
    rec.state = state;
    lr.trainLatents = undefined;
    // A run whose end cannot be saved (e.g. a full disk) ends `error` with the IO message.
    const unsaved = await store.finish(rec);
    if (unsaved) {
      state = 'error';
      error ??= unsaved;
    }
    // Nothing learnt: keep the record (it says what happened) but forget the model.
    if (rec.epochsDone === 0) runs.forget(rec.id);
    this.job = null;
    if (this.lastProgress?.runId === rec.id) this.lastProgress = { ...this.lastProgress, state };
    else {
      // Ended before its first progress report (e.g. diverged on batch 1 in the workers): the
      // status is this run's, not an older one's.
      const zero = { loss: 0, recon: 0, kl: 0 };
      const batches = Math.ceil(data.train.count / Math.min(cfg.batchSize, data.train.count));
      this.lastProgress = { runId: rec.id, state, epoch: 1, epochs: cfg.epochs, batch: 0, batches, samplesPerSecond: 0, etaSeconds: null, train: zero, beta: 0 };
    }
    // Queued after `this.job` is cleared: the queue waits while a run trains.
    const pending = this.deps.classifierMetrics?.later(lr) ?? false;
    emit('training:done', { runId: rec.id, state, metrics, ...(error ? { error } : {}), ...(pending ? { pending } : {}) });
  }
}