/**
 * The runs whose models are in memory: at most `MAX_LOADED_RUNS`, evicted least recently added
 * first (never the active run or the one training), and which of them is active (the one the
 * `model:*` requests without a `runId` use).
 */
import { ImportOptions, LabError, type DatasetRef } from '../../src-shared/types';
import type { LoadedDataset } from './datasets';
import { disposeBundle, type ModelBundle, type ModelSpec } from './models/build';
import { loadBundle } from './models/io';
import type { RunRecord, RunStore } from './runs';

/** A run whose model is loaded, with its dataset. */
export interface LoadedRun {
  rec: RunRecord;
  bundle: ModelBundle;
  data: LoadedDataset;
  /** Training-split latent means, computed on demand for neighbour queries. */
  trainLatents?: Float32Array;
  trainLatentsCount?: number;
}

export const MAX_LOADED_RUNS = 4;

/** The model spec a run record describes. */
export function specOf(rec: RunRecord): ModelSpec {
  return { config: rec.config.model, inputDim: rec.inputDim, numClasses: rec.numClasses, output: rec.output };
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
   * @throws LabError NO_MODEL (no active run, or a run without a trained epoch), NOT_FOUND,
   *   BAD_FILE (a model that cannot be loaded), and the dataset loader's errors.
   */
  async get(runId?: string): Promise<LoadedRun> {
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
