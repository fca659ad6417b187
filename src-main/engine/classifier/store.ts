/**
 * The classifiers of the workspace's datasets: one per dataset (keyed by the dataset cache's
 * identity — datasets/cache.ts `identify`: id and real data folder, or a local folder's real
 * path, import options and file fingerprint — with a path inside the workspace spelt from the
 * workspace (./placeKey.ts: a workspace copied or moved keeps its classifiers), and
 * `CLASSIFIER_VERSION`), trained lazily the
 * first time a metric needs it and cached in the dataset folder as a standard tfjs LayersModel:
 *
 *   <dataDir>/classifiers/<hash>/model.json, weights.bin   the tfjs model (any tfjs program opens it)
 *                                classifier.json           ClassifierInfo (dataset, layers, accuracy…)
 *
 *                                training-checkpoint.bin   while it trains (./checkpoint.ts)
 *
 * A folder is written whole under a temporary name and renamed into place, so a kill leaves the
 * previous state or the new one. A folder that cannot be read (or of another version or dataset)
 * is trained again and replaced. One training at a time (others wait for it); its progress goes
 * to `onEvent`, and `cancel()` stops it (the waiting metrics go on without it). Each epoch's end
 * but the last writes a checkpoint into the folder, and a training goes on from the checkpoint
 * it finds (a training stopped for a run, a cancel, a quit: at most the unfinished epoch is
 * redone; the result is the uninterrupted training's, ./train.ts); a checkpoint that is corrupt
 * or of another training is logged, removed and ignored. While it trains, `<folder>.training-lock`
 * (./trainLock.ts) holds the trainer's pid and epoch: another process asking for the same
 * classifier gets BUSY saying who trains it and how far it is, and never reads that checkpoint.
 * Saving the classifier replaces the
 * folder's content, checkpoint included. Loaded classifiers stay in memory (at most
 * `MAX_LOADED`, least recently used disposed first).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { EventPayload } from '../../../src-shared/contract';
import { LabError, type DatasetRef } from '../../../src-shared/types';
import { writeFileAtomic } from '../atomicWrite';
import { identify, legacyFileFingerprint } from '../datasets/cache';
import type { LoadedDataset } from '../datasets';
import { loadLayersModel, saveLayersModel } from '../models/io';
import { readCheckpoint, removeCheckpoint, writeCheckpoint, type CheckpointOwner } from './checkpoint';
import { Classifier, trainClassifier, type ClassifierInfo } from './classifier';
import { classifierLayers, classifierTraining, CLASSIFIER_VERSION, judgeable, type ClassifierTraining } from './model';
import type { ClassifierCheckpoint, ClassifierTrainProgress } from './train';
import { placeKey, sameDataMoved, workspaceOf } from './placeKey';
import { takeTrainLock } from './trainLock';

/** What the store reports while it trains (the contract's `classifier:progress`). */
export interface ClassifierEvent {
  /** The dataset's id (`local`: its folder's name). */
  dataset: string;
  state: 'training' | 'done' | 'cancelled' | 'error';
  progress?: ClassifierTrainProgress;
  /** `done`: the test accuracy and training seconds. */
  testAccuracy?: number;
  trainSeconds?: number;
  message?: string;
}

/** A store event as the contract's `classifier:progress` payload (flat). */
export function classifierEvent(e: ClassifierEvent): EventPayload<'classifier:progress'> {
  const p = e.progress;
  return {
    dataset: e.dataset,
    state: e.state,
    ...(p ? { epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, etaSeconds: p.etaSeconds } : {}),
    ...(e.testAccuracy !== undefined ? { testAccuracy: e.testAccuracy } : {}),
    ...(e.trainSeconds !== undefined ? { trainSeconds: e.trainSeconds } : {}),
    ...(e.message !== undefined ? { message: e.message } : {}),
  };
}

const MAX_LOADED = 4;
const INFO_FILE = 'classifier.json';

/** What trains a classifier (`trainClassifier`; tests pass a stand-in). */
export type TrainClassifierFn = typeof trainClassifier;

export interface ClassifierStoreOptions {
  /** Overrides of the classifier's training settings (tests: fewer epochs). */
  training?: Partial<ClassifierTraining>;
  /** Test seam: trains instead of `trainClassifier` (e.g. one that waits for the test or the abort). */
  train?: TrainClassifierFn;
  /** Where the store's log lines go (a checkpoint resumed, ignored or not written); default stderr. */
  log?: (line: string) => void;
}

export class ClassifierStore {
  private readonly loaded = new Map<string, Promise<Classifier>>();
  private queue: Promise<unknown> = Promise.resolve();
  private training: AbortController | null = null;
  /** Bumped by `cancel()`: a training asked for before a cancel does not start after it. */
  private generation = 0;

  constructor(
    readonly dataDir: string,
    private readonly onEvent: (e: ClassifierEvent) => void = () => {},
    private readonly opts: ClassifierStoreOptions = {},
  ) {}

  /** True while a classifier trains. */
  get isTraining(): boolean {
    return this.training !== null;
  }

  /**
   * The classifier identity of dataset `ref` in this store's workspace: the dataset cache's
   * (datasets/cache.ts `identify`) with its key made independent of where the workspace lives
   * (./placeKey.ts `placeKey`); `root` is local data's real path. Null when a local path cannot
   * be resolved.
   */
  async identityOf(ref: DatasetRef): Promise<{ key: string; fingerprint: string; root?: string } | null> {
    const memo = await identify(ref, this.dataDir);
    if (!memo) return null;
    return { ...memo, key: placeKey(memo.key, await workspaceOf(this.dataDir)) };
  }

  /** The cache folder of a dataset identity. */
  folderOf(identity: { key: string; fingerprint: string }): string {
    const hash = createHash('sha256').update(JSON.stringify([identity.key, identity.fingerprint, CLASSIFIER_VERSION])).digest('hex');
    return path.join(this.dataDir, 'classifiers', hash.slice(0, 20));
  }

  /**
   * The classifier of dataset `ref` (loaded as `data`): from memory, from its cache folder, or
   * trained now. Null when the dataset has none (not 28/32/64-px images, fewer than 2 labels).
   * Throws LabError('CANCELLED') when `cancel()` stopped its training (or was called after this
   * request and before its training started), or the training's error.
   */
  async get(ref: DatasetRef, data: LoadedDataset): Promise<Classifier | null> {
    const gen = this.generation;
    if (!judgeable(data)) return null;
    const identity = await this.identityOf(ref);
    if (!identity) return null;
    // A saved run's relabelled view of changed files (../runData.ts) has other classes than the files: a classifier of its own.
    const key = data.relabelled ? `${identity.key}#run-classes:${JSON.stringify(data.info.labelNames)}` : identity.key;
    const id = { key, fingerprint: identity.fingerprint };
    const folder = this.folderOf(id);
    let p = this.loaded.get(folder);
    if (!p) {
      p = this.remember(folder, this.loadOrTrain(folder, id, ref, data, gen, identity.root));
    } else {
      // Most recently used last.
      this.loaded.delete(folder);
      this.loaded.set(folder, p);
    }
    return p;
  }

  /**
   * Stops the training in progress and those asked for but not started yet (their callers get
   * CANCELLED). False when no training was running.
   */
  cancel(): boolean {
    this.generation++;
    if (!this.training) return false;
    this.training.abort();
    return true;
  }

  /** Disposes every loaded classifier. */
  async dispose(): Promise<void> {
    this.cancel();
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) (await p.catch(() => null))?.dispose();
  }

  /** Keeps `p` as `folder`'s classifier (forgotten if it fails), the most recently used. */
  private remember(folder: string, p: Promise<Classifier>): Promise<Classifier> {
    this.loaded.set(folder, p);
    p.catch(() => {
      if (this.loaded.get(folder) === p) this.loaded.delete(folder);
    });
    this.evict();
    return p;
  }

  private evict(): void {
    while (this.loaded.size > MAX_LOADED) {
      const [folder, p] = this.loaded.entries().next().value as [string, Promise<Classifier>];
      this.loaded.delete(folder);
      void p.then((c) => c.dispose(), () => undefined);
    }
  }

  private async loadOrTrain(folder: string, id: ClassifierInfo['dataset'], ref: DatasetRef, data: LoadedDataset, gen: number, root?: string): Promise<Classifier> {
    const cached = (await readClassifier(folder, id)) ?? (await this.adoptEarlier(folder, id, ref, root));
    if (cached) return cached;
    // One training at a time; a second request for the same folder shares the first's promise.
    const run = this.queue.then(() => {
      if (gen !== this.generation) throw new LabError('CANCELLED', 'the classifier training was cancelled');
      return this.train(folder, id, ref, data);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A classifier of this data cached under an earlier rule, moved to `folder` under the current
   * identity `id` (kept, not trained again): keyed by absolute paths (before ./placeKey.ts; the
   * workspace in place, or moved or copied since: `sameDataMoved`), or, for a single-file
   * dataset, under the fingerprint of the rule before `partnerNames` (every file beside the data:
   * datasets/cache.ts `legacyFileFingerprint`) while the folder has not changed since. Found by
   * reading the `classifier.json` of each folder under `<dataDir>/classifiers/` (a handful; only
   * when the current folder has none). Null when there is none (or it cannot be moved: trained
   * again then).
   */
  private async adoptEarlier(folder: string, id: ClassifierInfo['dataset'], ref: DatasetRef, root?: string): Promise<Classifier | null> {
    const fingerprints = new Set([id.fingerprint]);
    const legacy = ref.id === 'local' && root ? await legacyFileFingerprint(root) : null;
    if (legacy) fingerprints.add(legacy);
    const dir = path.dirname(folder);
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      const old = path.join(dir, name);
      if (old === folder || !/^[0-9a-f]{20}$/.test(name)) continue;
      const oldId = await readInfo(old).then((info) => info?.dataset);
      if (!oldId || !fingerprints.has(oldId.fingerprint) || !sameDataMoved(oldId.key, id.key) || this.folderOf(oldId) !== old) continue;
      const found = await readClassifier(old, oldId);
      if (!found) continue;
      found.dispose();
      try {
        await writeFileAtomic(path.join(old, INFO_FILE), JSON.stringify({ ...found.info, dataset: id }, null, 1));
        await fsp.rm(folder, { recursive: true, force: true }); // an unreadable one, or a checkpoint of a training it makes needless
        await fsp.rename(old, folder);
      } catch (err) {
        this.log(`cannot keep the classifier cached in ${old}: ${(err as Error).message}; training it again`);
        return null;
      }
      return readClassifier(folder, id);
    }
    return null;
  }

  private log(line: string): void {
    (this.opts.log ?? ((l: string) => console.warn(l)))(`[classifier] ${line}`);
  }

  /** The checkpoint to go on from in `folder` (undefined: none, or one refused — logged and removed); the resume is logged at its first progress. */
  private async resumeFrom(folder: string, owner: CheckpointOwner, name: string): Promise<ClassifierCheckpoint | undefined> {
    const found = await readCheckpoint(folder, owner);
    if (found.state === 'refused') {
      this.log(`${name}: ignoring the training checkpoint ${found.file} (${found.why}); training from epoch 1`);
      await removeCheckpoint(folder);
      return undefined;
    }
    if (found.state !== 'ok') return undefined;
    return found.checkpoint;
  }

  private async train(folder: string, id: ClassifierInfo['dataset'], ref: DatasetRef, data: LoadedDataset): Promise<Classifier> {
    const name = ref.id === 'local' ? path.basename(ref.path ?? 'local') : ref.id;
    const owner: CheckpointOwner = {
      version: CLASSIFIER_VERSION,
      dataset: id,
      layers: classifierLayers(data.shape, data.info.labelNames.length),
      training: { ...classifierTraining(data.train.count), ...this.opts.training },
      trainCount: data.train.count,
    };
    // Another process (the app, a CLI run) training this classifier: said (BUSY), its checkpoint left alone, no event.
    await fsp.mkdir(path.dirname(folder), { recursive: true });
    const lock = await takeTrainLock(folder, { dataset: name, epoch: 0, epochs: owner.training.epochs });
    const abort = new AbortController();
    this.training = abort;
    this.onEvent({ dataset: name, state: 'training' });
    try {
      const resume = await this.resumeFrom(folder, owner, name);
      await lock.update({ epoch: (resume?.epoch ?? 0) + 1 });
      let eta: number | undefined;
      // Said once the resumed training makes progress: a training stopped at once (the CLI's, which never waits for one) resumed nothing.
      let resumeSaid = !resume;
      const clf = await (this.opts.train ?? trainClassifier)(
        { shape: data.shape, labelNames: data.info.labelNames, train: data.train, test: data.test, identity: id },
        {
          signal: abort.signal,
          training: this.opts.training,
          onProgress: (progress) => {
            if (!resumeSaid && resume) {
              resumeSaid = true;
              this.log(`${name}: resuming the training at epoch ${resume.epoch + 1} of ${owner.training.epochs} (checkpoint in ${folder})`);
            }
            eta = progress.etaSeconds;
            this.onEvent({ dataset: name, state: 'training', progress });
          },
          ...(resume ? { resume } : {}),
          onResumeIgnored: (why) => this.log(`${name}: ignoring the training checkpoint in ${folder} (${why}); training from epoch 1`),
          // A checkpoint that cannot be written costs a resume, not the training.
          onEpochEnd: async (cp) => {
            await writeCheckpoint(folder, owner, cp).catch((err: unknown) => this.log(`${name}: no training checkpoint after epoch ${cp.epoch}: ${(err as Error).message}`));
            await lock.update({ epoch: cp.epoch + 1, ...(eta !== undefined && Number.isFinite(eta) ? { etaSeconds: eta } : {}) });
          },
        },
      );
      await writeClassifier(folder, clf);
      await removeCheckpoint(folder); // gone with the folder's old content already; never left beside a saved classifier
      this.onEvent({ dataset: name, state: 'done', testAccuracy: clf.info.testAccuracy, trainSeconds: clf.info.trainSeconds });
      return clf;
    } catch (err) {
      const cancelled = err instanceof LabError && err.code === 'CANCELLED';
      this.onEvent({ dataset: name, state: cancelled ? 'cancelled' : 'error', message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      if (this.training === abort) this.training = null;
      await lock.release();
    }
  }
}

/** The info in `folder` if it is readable and of this version; null otherwise. */
async function readInfo(folder: string): Promise<ClassifierInfo | null> {
  try {
    const info = JSON.parse(await fsp.readFile(path.join(folder, INFO_FILE), 'utf8')) as ClassifierInfo;
    return info.version === CLASSIFIER_VERSION && typeof info.dataset?.key === 'string' && typeof info.dataset.fingerprint === 'string' ? info : null;
  } catch {
    return null;
  }
}

/** The classifier in `folder` if it is a readable one of this version for dataset `id`; null otherwise. */
async function readClassifier(folder: string, id: ClassifierInfo['dataset']): Promise<Classifier | null> {
  const info = await readInfo(folder);
  if (!info || info.dataset.key !== id.key || info.dataset.fingerprint !== id.fingerprint) return null;
  try {
    return new Classifier(await loadLayersModel(folder), info);
  } catch {
    return null;
  }
}

/**
 * Writes the classifier whole into `<folder>.tmp-<pid>` and renames it into place (a previous,
 * unreadable folder is removed first). Throws LabError('IO') naming the path.
 */
async function writeClassifier(folder: string, clf: Classifier): Promise<void> {
  const tmp = `${folder}.tmp-${process.pid}`;
  await fsp.rm(tmp, { recursive: true, force: true });
  try {
    await saveLayersModel(clf.model, tmp);
    await writeFileAtomic(path.join(tmp, INFO_FILE), JSON.stringify(clf.info, null, 1));
    await fsp.rm(folder, { recursive: true, force: true });
    await fsp.rename(tmp, folder);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof LabError) throw err;
    throw new LabError('IO', `cannot save the classifier in ${folder}: ${(err as Error).message}`);
  }
}
