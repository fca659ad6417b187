/**
 * The data of the run on screen when it is your own: its class names, shape and training set size
 * as the engine prepared them for the run (`runs:open`, else `datasets:prepare`), and what is
 * known of a run's data without reading it (images or not, image side). Split out of
 * `lab.svelte.ts` unchanged; the `Lab` keeps `ownDataInfo` as its own.
 */
import type { DatasetInfo, DatasetRef } from '../lib/contract';
import type { Lab } from './lab.svelte';
import type { StateApi } from './port';
import type { RunData } from './settings.svelte';

export class OwnRunData {
  /** The dataset of the model on screen when it is your own data, as loaded for it. */
  shown = $state.raw<{ runId: string; info: DatasetInfo } | null>(null);

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  /** The loaded data of run `runId` (your own data, once loaded for it), else undefined. */
  infoFor(runId: string): DatasetInfo | undefined {
    return this.shown?.runId === runId ? this.shown.info : undefined;
  }

  /** Whether a run's data is images and their side, as far as known without reading it (your own data: its import size). */
  kind(ref: DatasetRef): RunData {
    if (ref.id === 'local') return { isImage: true, side: typeof ref.import?.size === 'number' ? ref.import.size : null };
    const d = this.lab.engine.dataset(ref.id);
    return { isImage: d?.isImage ?? true, side: d?.isImage && d.shape.length >= 2 ? d.shape[0] : null };
  }

  /**
   * A run's own data as the engine prepares it for the run's dataset reference (`datasets:prepare`:
   * the engine's memo answers at once): class names, shape, training set size. Null for built-in
   * data, or when it cannot be read (class names then stay numbers; the run works without them).
   */
  async ownDataInfo(ref: DatasetRef): Promise<DatasetInfo | null> {
    if (ref.id !== 'local') return null;
    try {
      return await this.api.invoke('datasets:prepare', { dataset: ref });
    } catch {
      return null;
    }
  }

  /**
   * Class names and shape of a run on your own data, shown while that run is open: `opened`, its
   * data as the engine loaded it for the run (`runs:open`: the run's classes, checked against its
   * training), else `ownDataInfo` (a run still training: its data as it is).
   */
  async load(runId: string, ref: DatasetRef, opened?: DatasetInfo): Promise<void> {
    if (ref.id !== 'local') return;
    const info = opened ?? (await this.ownDataInfo(ref));
    if (!info || this.lab.model?.runId !== runId) return;
    this.shown = { runId, info };
    this.lab.datasetCheck.showRunReport(this.lab.settings.train.folderPath, this.lab.settings.train.import, info);
  }
}
