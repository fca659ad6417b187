/**
 * A training run's epochs (./training.ts `Trainer` starts and ends them): the trainer chosen
 * (worker threads when `shouldTrainInParallel` says so, else the engine's thread), the epoch-end
 * bookkeeping — checkpoint, record, `metrics.jsonl`, latent snapshot; a VAE-GAN's epochs checked
 * by ./ganHealth.ts, an unhealthy one not checkpointed — and the rollback to the last checkpoint
 * on an error (or to a VAE-GAN's last healthy one).
 */
import * as tf from '@tensorflow/tfjs';
import { toErrorBody, type ErrorBody, type EventName, type EventPayload } from '../../../src-shared/contract';
import { LabError, optimiserSteps, type LossParts, type TrainConfig, type TrainProgress } from '../../../src-shared/types';
import { noteTrainPath, noteTrainThreads } from '../backend';
import type { LoadedDataset } from '../datasets';
import { disposeBundle, isGan } from '../models/build';
import { loadBundle, saveBundle } from '../models/io';
import { isDirectory } from '../paths';
import { shouldTrainInParallel, trainModelParallel, TrainWorkersUnavailable } from '../parallel/trainParallel';
import { specOf, type LoadedRun } from '../runCache';
import type { RunRecord, RunStore } from '../runs';
import { TrainControl, trainModel } from '../train';
import { GanHealth } from './ganHealth';

/** The engine's event emitter, as a trainer uses it. */
export type Emit = <N extends EventName>(name: N, payload: EventPayload<N>) => void;

/** The run training now: its controls, its last progress, and the promise of its end. */
export interface TrainingJob {
  runId: string;
  control: TrainControl;
  progress: TrainProgress | null;
  done: Promise<void>;
  /** Aborts the end's metrics: a stop while they are computed (`ended`: the training loop is over). */
  ending: AbortController;
  ended: boolean;
  /** The last epoch end's validation (the test split), on the weights of that moment. */
  lastVal?: LossParts;
}

/** `trainModel`, or the parallel trainer falling back to it when its workers cannot start. */
function chooseTrainer(cfg: TrainConfig, data: LoadedDataset): typeof trainModel {
  const inWorkers = shouldTrainInParallel(tf.getBackend(), cfg, data.train.count, data.inputDim);
  if (!inWorkers) {
    noteTrainPath('tfjs', 1);
    return trainModel;
  }
  return (...args) =>
    trainModelParallel(...args).catch((err: unknown) => {
      if (!(err instanceof TrainWorkersUnavailable)) throw err;
      // Nothing was trained yet: train on the engine's thread, and say so in the backend info.
      noteTrainThreads(1, `${err.message}; training on the engine's thread`);
      noteTrainPath('tfjs', 1);
      return trainModel(...args);
    });
}

/**
 * The training loop with its epoch-end checkpoints; on an error, rolls back to the last
 * checkpoint. A VAE-GAN's epochs are checked (./ganHealth.ts): an unhealthy one is not
 * checkpointed, its warnings go into the progress and the record, and the run ends (done or
 * stopped) on the last healthy checkpoint. `deps`: the trainer's run store and events; `job`: the
 * run's controls and its last progress; `snapshot`: the epoch end's latent snapshot;
 * `setLastProgress`: the trainer's status, told each progress report. Resolves with the state the
 * run ended in (`error`: what went wrong, the run rolled back to its last checkpoint).
 */
export async function trainWithCheckpoints(
  deps: { store: RunStore; emit: Emit },
  job: TrainingJob,
  lr: LoadedRun,
  snapshot: (epoch: number) => Promise<void>,
  setLastProgress: (p: TrainProgress) => void,
): Promise<{ state: RunRecord['state']; error?: ErrorBody }> {
  const { store, emit } = deps;
  const { rec, data } = lr;
  const cfg = rec.config;
  const dir = store.dir(rec.id);
  const bundle = lr.bundle;
  // The run's steps in all: under the start's few-steps notice, the warnings say to train longer first.
  const steps = optimiserSteps(cfg.epochs, data.train.count, cfg.batchSize);
  const gan = isGan(cfg.model.kind) ? new GanHealth(bundle, data, cfg.seed, cfg.learningRate, steps) : null;
  const startWarnings = rec.warnings ?? [];
  const ganWarnings = () => gan?.warnings() ?? [];
  /** The end-of-epoch report of the epoch whose checkpoint is saved (a VAE-GAN's last healthy epoch). */
  let savedReport: TrainProgress | null = null;
  const onProgress = (p: Omit<TrainProgress, 'runId' | 'state'>) => {
    const w = ganWarnings();
    const full: TrainProgress = { runId: rec.id, state: job.control.state === 'paused' ? 'paused' : 'training', ...p, ...(w.length ? { warnings: w } : {}) };
    job.progress = full;
    setLastProgress(full);
    emit('training:progress', full);
  };
  try {
    const result = await chooseTrainer(cfg, data)(bundle, cfg, { train: data.train, val: data.test }, {
      control: job.control,
      onProgress,
      onEpochEnd: async (epoch, train, val) => {
        const health = gan?.check(bundle, epoch, train, val);
        const save = !health || gan!.shouldSave(health);
        if (save) {
          await saveBundle(bundle, dir);
          if (health) gan!.markSaved(health);
          // The epoch's report (with `val`) went out before this check.
          savedReport = job.progress;
        }
        if (gan) {
          const w = ganWarnings();
          const all = [...startWarnings, ...w];
          if (all.length) rec.warnings = all;
          else delete rec.warnings;
          // This epoch's verdict now, also when it clears the last report's (that report, with
          // `val`, went out before the check; this one has none: the epoch is not counted twice).
          if (job.progress && (w.length || job.progress.warnings?.length)) {
            const { val: _val, runId: _id, state: _state, warnings: _w, ...rest } = job.progress;
            onProgress(rest);
          }
        }
        // The record's epochs are the saved model's (a VAE-GAN's unhealthy epochs after a
        // healthy one are trained, and in metrics.jsonl, but not kept: `epochsTrained`).
        rec.epochsDone = gan ? gan.savedEpoch : epoch;
        if (epoch > rec.epochsDone) rec.epochsTrained = epoch;
        else delete rec.epochsTrained;
        await store.write(rec);
        job.lastVal = val;
        await store.appendEpoch(rec.id, {
          epoch,
          train,
          val,
          beta: job.progress?.beta ?? 0,
          samplesPerSecond: job.progress?.samplesPerSecond ?? 0,
        });
        await snapshot(epoch);
      },
    });
    // A VAE-GAN whose last epoch was unhealthy ends on its last healthy checkpoint.
    if (gan?.unsavedLatest) {
      await rollback(lr, dir);
      job.lastVal = undefined; // the last epoch's validation is not these weights'
      // The progress the run ends on is the saved epoch's (its losses beside its metrics), with
      // the warnings saying which epoch that is; the loss history keeps every epoch (without
      // `val`: this epoch's validation was reported and recorded once).
      const saved = savedReport as TrainProgress | null; // set in onEpochEnd
      if (saved) {
        const w = ganWarnings();
        const { warnings: _w, val: _val, ...rest } = saved;
        const p: TrainProgress = { ...rest, state: job.control.state === 'paused' ? 'paused' : 'training', etaSeconds: null, ...(w.length ? { warnings: w } : {}) };
        job.progress = p;
        setLastProgress(p);
        emit('training:progress', p);
      }
      return { state: result.state === 'cancelled' ? 'cancelled' : 'done' };
    }
    if (result.state !== 'cancelled') return { state: 'done' };
    // Keep what was learnt so far (the weights are finite: every batch was checked).
    if (rec.epochsDone > 0 || (job.progress?.batch ?? 0) > 0) {
      await saveBundle(bundle, dir);
      rec.epochsDone = Math.max(rec.epochsDone, 1);
    }
    return { state: 'cancelled' };
  } catch (err) {
    // The run's folder removed while it trained (a checkpoint, record or metrics line then
    // failing): said as that, not as the write that found it gone. The one place this is said.
    const error = toErrorBody((await isDirectory(dir)) ? err : runFolderRemoved(dir));
    rec.error = error.message;
    // Roll back to the last good checkpoint (saved at the end of the last finished epoch).
    if (rec.epochsDone > 0) await rollback(lr, dir);
    return { state: 'error', error };
  }
}

/** The error of a run whose folder `runDir` is gone while it trains: LabError NOT_FOUND naming it. */
function runFolderRemoved(runDir: string): LabError {
  return new LabError('NOT_FOUND', `the run's folder ${runDir} was removed while training; nothing was written`);
}

/** Replaces the run's in-memory model by its last checkpoint (kept as it is when that cannot be read). */
async function rollback(lr: LoadedRun, dir: string): Promise<void> {
  try {
    const good = await loadBundle(specOf(lr.rec), dir);
    disposeBundle(lr.bundle);
    lr.bundle = good;
  } catch {
    /* keep the in-memory model; the error is what the user needs */
  }
}
