/**
 * The runs whose models are in memory: at most `MAX_LOADED_RUNS`, evicted least recently added
 * first (never the active run or the one training), and which of them is active (the one the
 * `model:*` requests without a `runId` use).
 */
import { promises as fs } from 'node:fs';
import { ImportOptions, LabError, type DatasetRef, type RunSummary } from '../../src-shared/types';
import { runDisplayName } from './runNames';
import type { LoadedDataset } from './datasets';
import { identify } from './datasets/cache';
import { resolveOwnDataPath } from './datasets/ownPath';
import { disposeBundle, type ModelBundle, type ModelSpec } from './models/build';
import { loadBundle } from './models/io';
import { checkRunData } from './runData';
import { summary, type RunRecord, type RunStore } from './runs';

/**
 * A run's model without (necessarily) its data: what generating images needs — the decoder, the
 * record (its shape, classes, latent statistics, saved fitted prior). `data` absent: the run's
 * data could not be loaded, for the reason `dataError` gives (DATA_MISSING, BAD_DATASET).
 */
export interface RunModel {
  rec: RunRecord;
  bundle: ModelBundle;
  data?: LoadedDataset;
  dataError?: LabError;
}

/** A run whose model is loaded, with its dataset. */
export interface LoadedRun {
  rec: RunRecord;
  bundle: ModelBundle;
  /**
   * The run's dataset as the run sees it: labels are the run's class indices (`rec.labelNames`),
   * rows of classes the run does not know left out (./runData.ts `checkRunData`).
   */
  data: LoadedDataset;
  /** How the data on disk differs from the run's training data, in words (absent/empty: it does not). */
  dataWarnings?: string[];
  /**
   * Own data only: the dataset as the loader gave it (before `checkRunData`; absent: `data` is it)
   * and the dataset cache's fingerprint of its files (names, sizes, mtimes) taken before it was
   * loaded; `RunCache.get(id, { recheck: true })` compares it with the files now.
   */
  source?: { data?: LoadedDataset; files?: string };
  /** Training-split latent means, computed on demand for neighbour queries. */
  trainLatents?: Float32Array;
  trainLatentsCount?: number;
}

export const MAX_LOADED_RUNS = 4;

/** The model spec a run record describes. */
export function specOf(rec: RunRecord): ModelSpec {
  return { config: rec.config.model, inputDim: rec.inputDim, numClasses: rec.numClasses, output: rec.output };
}

/**
 * The run's listing entry as opened: the record's warnings followed by what differs in its data
 * now (`LoadedRun.dataWarnings`).
 */
export function loadedSummary(lr: LoadedRun): RunSummary {
  const s = summary(lr.rec);
  const warnings = [...(lr.rec.warnings ?? []), ...(lr.dataWarnings ?? [])];
  return warnings.length ? { ...s, warnings } : s;
}

/** How messages name a run's data: its folder or file, or the dataset id. */
function dataPlace(ref: DatasetRef): string {
  return ref.id === 'local' && ref.path ? ref.path : `the dataset "${ref.id}"`;
}

/** How messages name a run: its display name (the list's), else the default name of its settings (runNames.ts). */
function runName(rec: RunRecord): string {
  return runDisplayName(rec, rec.id);
}

/** The app's advice at the end of a DATA_MISSING message (the CLI puts its own in its place). */
export const DATA_MISSING_APP_ADVICE = ' (the app asks where it is now, under the run in the list).';

/**
 * Throws LabError DATA_MISSING when `ref` is own data whose folder or file is not there any more,
 * saying it is the run's dataset (by the run's name), where it was, and what to do (in the app's
 * terms; the CLI adds its own `--data PATH`).
 */
async function requireRunData(rec: RunRecord, ref: DatasetRef): Promise<void> {
  if (ref.id !== 'local' || !ref.path) return;
  try {
    await fs.stat(ref.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') return;
    throw new LabError(
      'DATA_MISSING',
      `The dataset of run "${runName(rec)}" is missing: it was at ${ref.path}. Move it back there, or point the run at its new place` +
        DATA_MISSING_APP_ADVICE,
    );
  }
}

/** The dataset cache's fingerprint of own data's files now (undefined: not own data, or unreadable). */
async function filesNow(ref: DatasetRef): Promise<string | undefined> {
  if (ref.id !== 'local' || !ref.path) return undefined;
  return (await identify(ref, '').catch(() => null))?.fingerprint;
}

/** Whether two dataset references name the same dataset (same id, same folder path). */
export function sameDataset(a: DatasetRef, b: DatasetRef): boolean {
  const opts = (r: DatasetRef) => JSON.stringify(ImportOptions.parse(r.import ?? {})); // same data imported otherwise is other data
  return a.id === b.id && (a.path ?? '') === (b.path ?? '') && opts(a) === opts(b);
}

export class RunCache {
  private readonly loaded = new Map<string, LoadedRun>();
  /** The run `model:*` requests use; set by `runs:open` and by a training start. */
  activeId: string | null = null;

  /**
   * @param store the workspace's runs.
   * @param dataset loads (or returns the memoised) dataset of a run.
   * @param pinned the run id that must stay loaded besides the active one (the one training).
   */
  constructor(
    private readonly store: RunStore,
    private readonly dataset: (ref: DatasetRef) => Promise<LoadedDataset>,
    private readonly pinned: () => string | null,
  ) {}

  /** The loaded run `id`, if it is in memory. */
  peek(id: string): LoadedRun | undefined {
    return this.loaded.get(id);
  }

  /** The active run, if it is in memory. */
  active(): LoadedRun | undefined {
    return this.activeId ? this.loaded.get(this.activeId) : undefined;
  }

  /** Every loaded run with its id. */
  entries(): [string, LoadedRun][] {
    return [...this.loaded];
  }

  /**
   * Run `runId` (default: the active run), loading its model and dataset when it is not in memory.
   * The dataset is checked against what the run recorded at training (`checkRunData`): its
   * labels become the run's class indices, and what differs is in `dataWarnings`.
   * @param opts.recheck a run already in memory on the user's own data has its files compared with
   *   the ones it was loaded from (the dataset cache's fingerprint: one `stat` per file, no file
   *   read); when they differ the data is loaded again and checked again (`data`, `dataWarnings`
   *   new; the model kept), and a folder or file that is gone throws DATA_MISSING (the run is
   *   dropped from memory). The run training is not rechecked. `runs:open` asks for it.
   * @throws LabError NO_MODEL (no active run, or a run without a trained epoch), NOT_FOUND,
   *   BAD_FILE (a model that cannot be loaded), DATA_MISSING (the run's own data folder or file is
   *   gone), BAD_DATASET (data that no longer fits the model), and the dataset loader's errors.
   */
  async get(runId?: string, opts: { recheck?: boolean } = {}): Promise<LoadedRun> {
    const id = runId ?? this.activeId;
    if (!id) throw new LabError('NO_MODEL', 'no model yet: train one or open a saved run first');
    const hit = this.loaded.get(id);
    if (hit) return opts.recheck ? this.recheck(id, hit) : hit;
    const rec = await this.store.read(id);
    return this.load(id, rec, rec.config.dataset);
  }

  /** `get`'s recheck of loaded run `id` (see there): `hit` itself when its files are as they were. */
  private async recheck(id: string, hit: LoadedRun): Promise<LoadedRun> {
    const ref = hit.rec.config.dataset;
    if (ref.id !== 'local' || !ref.path || id === this.pinned()) return hit;
    try {
      const files = await filesNow(ref);
      if (files !== undefined && files === hit.source?.files) return hit;
      const read = await this.readData(hit.rec, ref, files);
      if (read.source.data === (hit.source?.data ?? hit.data)) {
        // The same dataset object (the memo's, unchanged): only the fingerprint was unknown.
        hit.source = { ...hit.source, files: read.source.files };
        return hit;
      }
      const lr: LoadedRun = { rec: hit.rec, bundle: hit.bundle, data: read.data, source: read.source, ...(read.warnings.length ? { dataWarnings: read.warnings } : {}) };
      // A new object: what was computed from the old data (neighbour latents, instrument caches) is not carried over.
      if (this.loaded.get(id) === hit) this.loaded.set(id, lr);
      return lr;
    } catch (err) {
      if (err instanceof LabError && (err.code === 'DATA_MISSING' || err.code === 'BAD_DATASET') && this.loaded.get(id) === hit) this.forget(id);
      throw err;
    }
  }

  /**
   * Run `rec`'s data at `ref`, loaded (through the dataset memo) and checked against the run.
   * @param files the files' fingerprint taken before (own data; default: taken here).
   * @throws LabError DATA_MISSING (own data gone), BAD_DATASET (not readable as data any more, or
   *   no longer the run's), the loader's errors.
   */
  private async readData(rec: RunRecord, ref: DatasetRef, files?: string): Promise<{ data: LoadedDataset; warnings: string[]; source: NonNullable<LoadedRun['source']> }> {
    await requireRunData(rec, ref);
    files ??= await filesNow(ref);
    let loaded: LoadedDataset;
    try {
      loaded = await this.dataset(ref);
    } catch (err) {
      // The folder is there but is no longer data (emptied, other files): said as the run's.
      if (err instanceof LabError && err.code === 'BAD_DATASET' && ref.id === 'local') {
        throw new LabError('BAD_DATASET', `The dataset of run "${runName(rec)}" at ${dataPlace(ref)} can no longer be read: ${err.message}`);
      }
      throw err;
    }
    const checked = checkRunData(rec, loaded, dataPlace(ref));
    return { ...checked, source: { data: loaded, ...(files !== undefined ? { files } : {}) } };
  }

  /** Loads run `id`'s model and the data at `ref`, checked against the run; remembered as run `id`. */
  private async load(id: string, rec: RunRecord, ref: DatasetRef): Promise<LoadedRun> {
    if (rec.epochsDone < 1) throw new LabError('NO_MODEL', `run "${id}" has no trained epoch to load`);
    const checked = await this.readData(rec, ref);
    const data = checked.data;
    const bundle = await this.loadModel(id, rec);
    const lr: LoadedRun = { rec, bundle, data, source: checked.source, ...(checked.warnings.length ? { dataWarnings: checked.warnings } : {}) };
    this.remember(id, lr);
    return lr;
  }

  /**
   * Run `id`'s saved model (record `rec`), read from its folder.
   * @throws LabError BAD_FILE (a model that cannot be loaded; the loader's own LabErrors as they are).
   */
  private async loadModel(id: string, rec: RunRecord): Promise<ModelBundle> {
    try {
      return await loadBundle(specOf(rec), this.store.dir(id));
    } catch (err) {
      if (err instanceof LabError) throw err;
      throw new LabError('BAD_FILE', `run "${id}": the saved model cannot be loaded (${(err as Error).message})`);
    }
  }

  /**
   * Run `id`'s model for generating images when its data cannot be had (`dataError`, what `get`
   * threw: DATA_MISSING, BAD_DATASET): the loaded run when it is in memory, else its model loaded
   * alone (not remembered; `release` frees it).
   * @throws LabError NO_MODEL (no trained epoch), NOT_FOUND, BAD_FILE (a model that cannot be loaded).
   */
  async modelOnly(id: string, dataError: LabError): Promise<{ run: RunModel; release: () => void }> {
    const hit = this.loaded.get(id);
    if (hit) return { run: hit, release: () => undefined };
    const rec = await this.store.read(id);
    if (rec.epochsDone < 1) throw new LabError('NO_MODEL', `run "${id}" has no trained epoch to load`);
    const bundle = await this.loadModel(id, rec);
    return { run: { rec, bundle, dataError }, release: () => disposeBundle(bundle) };
  }

  /**
   * Run `id`'s own data moved: loads the data at `dataPath` with the run's import options, checks
   * it against the run (as `get`) and, when it fits, saves `dataPath` as the run's dataset path and
   * keeps the run loaded with it. Data that differs from the run's is accepted with the warnings
   * `get` gives (they are in the answer's `dataWarnings`).
   * @param dataPath an absolute path (a leading `~` is the home folder).
   * @param save false: the record on disk keeps its path; only the loaded copy uses `dataPath`.
   * @throws LabError UNSUPPORTED (a run on a built-in dataset), DATA_MISSING (nothing at
   *   `dataPath`), BAD_DATASET (not data of this run: another shape, none of its classes), the
   *   loader's errors, NOT_FOUND / BAD_FILE / IO from the run store.
   */
  async locate(id: string, dataPath: string, save = true): Promise<LoadedRun> {
    const rec = await this.store.read(id);
    const ref = rec.config.dataset;
    if (ref.id !== 'local') throw new LabError('UNSUPPORTED', `run "${id}" was trained on the built-in dataset "${ref.id}": it has no data folder to locate`);
    const moved: DatasetRef = { ...ref, path: resolveOwnDataPath(dataPath) };
    try {
      await fs.stat(moved.path!);
    } catch {
      throw new LabError('DATA_MISSING', `nothing at ${moved.path}: give the folder or file the run's dataset is in now`);
    }
    // Checked before anything is saved: data that does not fit leaves the run as it was.
    const old = this.loaded.get(id);
    const lr = await this.load(id, rec, moved);
    if (old && old !== lr) disposeBundle(old.bundle);
    const config = { ...rec.config, dataset: moved };
    if (!save) {
      lr.rec.config = config;
      return lr;
    }
    try {
      await this.store.patch(id, { config }, lr.rec);
    } catch (err) {
      this.forget(id);
      throw err;
    }
    return lr;
  }

  /** Keep `lr` as run `id`, evicting the least recently added runs beyond the limit. */
  remember(id: string, lr: LoadedRun): void {
    this.loaded.set(id, lr);
    const pinned = this.pinned();
    for (const key of this.loaded.keys()) {
      if (this.loaded.size <= MAX_LOADED_RUNS) break;
      if (key === this.activeId || key === pinned || key === id) continue;
      disposeBundle(this.loaded.get(key)!.bundle);
      this.loaded.delete(key);
    }
  }

  /** Drop run `id` from memory (its model freed); it is no longer active. */
  forget(id: string): void {
    const hit = this.loaded.get(id);
    if (hit) disposeBundle(hit.bundle);
    this.loaded.delete(id);
    if (this.activeId === id) this.activeId = null;
  }

  /** Free every loaded model. */
  clear(): void {
    for (const r of this.loaded.values()) disposeBundle(r.bundle);
    this.loaded.clear();
  }
}
