/**
 * "Check before training" for your own data: `datasets:inspect` on a folder or a dataset file with
 * the chosen import options, and what it reports — the detected kind, classes with counts, shape
 * and colour, the split, skipped items by reason, warnings — with a preview of each class exactly
 * as it will be trained. Loading reports `dataset:progress` and can be cancelled.
 */
import { UNLABELED_CLASS, type DatasetInfo, type DatasetReport, type EventPayload, type RequestOutput } from '../lib/contract';
import { errorCode, errorText } from '../lib/errors';
import type { ReadyCheck } from '../lib/readyText';
import type { StateApi } from './port';
import type { ImportForm } from './settings.svelte';

/** Images shown per class in the preview. */
export const PREVIEW_PER_CLASS = 6;

/** The message for a link dragged from a web page (no file came with it): issue #12 case 8. */
export const LINK_DROP_MESSAGE =
  'That was a link, not a file. Save the image or dataset to your computer first, then drop the file itself (or open it with the path field).';

export class DatasetCheck {
  busy = $state(false);
  /** What the import found, once loaded (counts, classes, warnings). */
  info = $state.raw<DatasetInfo | null>(null);
  report = $state.raw<DatasetReport | null>(null);
  /** Up to PREVIEW_PER_CLASS images of each class, as they will be trained, grouped by class. */
  preview = $state.raw<RequestOutput<'datasets:inspect'>['preview'] | null>(null);
  error = $state<string | null>(null);
  /** Loading progress (`dataset:progress` of the check in flight). */
  progress = $state.raw<{ phase: string; loaded: number; total: number } | null>(null);
  /** The path and options the shown report is about (`null`: none yet). */
  checked = $state.raw<{ path: string; import: ImportForm } | null>(null);
  /**
   * The opened run on your own data whose path the form now shows (null: none, or a check ran
   * since): the report on screen is that run's dataset as loaded for it (`fromRun`), or none yet.
   */
  usedBy = $state.raw<{ runName: string; path: string } | null>(null);
  /** The report on screen came with the opened run (`showRunReport`), not from a Check: no preview. */
  fromRun = $state(false);
  #seq = 0;

  /**
   * @param onChecked called with the path after a check that read the data (Lab: the open run on
   *   that folder has its data warnings brought up to date).
   */
  constructor(
    private readonly api: StateApi,
    private readonly onChecked?: (path: string) => void,
  ) {}

  /**
   * Load the data at `path` (absolute: a folder or a dataset file) with `options` and report on
   * it; the last call wins. Once read, `onChecked` hears of it.
   */
  async check(path: string, options: ImportForm): Promise<void> {
    const seq = ++this.#seq;
    const target = { path: path.trim(), import: { ...options } };
    this.busy = true;
    this.info = this.report = this.preview = null;
    this.error = null;
    this.progress = null;
    this.checked = target;
    this.usedBy = null;
    this.fromRun = false;
    try {
      const r = await this.api.invoke('datasets:inspect', {
        dataset: { id: 'local', path: target.path, import: target.import },
        perClass: PREVIEW_PER_CLASS,
      });
      if (seq !== this.#seq) return;
      this.info = r.info;
      this.report = r.report;
      this.preview = r.preview;
      this.onChecked?.(target.path);
    } catch (err) {
      if (seq === this.#seq) this.error = errorCode(err) === 'CANCELLED' ? 'Cancelled: nothing was loaded.' : errorText(err);
    } finally {
      if (seq === this.#seq) {
        this.busy = false;
        this.progress = null;
      }
    }
  }

  /**
   * A run on your own data was opened and the form now shows its `path` and `options`: a report
   * about another folder (or other options) is cleared, so none shows under the run's path; the
   * panel says the path is the run's until its dataset's report arrives (`showRunReport`) or the
   * user checks it. A report already about this path and these options stays.
   */
  openedRun(runName: string, path: string, options: ImportForm): void {
    if (this.isFor(path, options) && !this.error && !this.busy) {
      this.usedBy = { runName, path: path.trim() };
      return;
    }
    this.#seq++; // a check in flight no longer answers for the form
    this.busy = false;
    this.info = this.report = this.preview = null;
    this.error = null;
    this.progress = null;
    this.checked = null;
    this.fromRun = false;
    this.usedBy = { runName, path: path.trim() };
  }

  /**
   * The opened run's dataset as the engine loaded it for the run (`datasets:prepare`): shown as the
   * report for the run's `path` and `options` when nothing was checked since `openedRun` (no preview:
   * Check shows samples). Ignored when `info` has no report or the user moved on.
   */
  showRunReport(path: string, options: ImportForm, info: DatasetInfo): void {
    if (!info.report || this.usedBy?.path !== path.trim() || this.checked || this.busy) return;
    this.info = info;
    this.report = info.report;
    this.preview = null;
    this.checked = { path: path.trim(), import: { ...options } };
    this.fromRun = true;
  }

  /** Stop the load in flight (its request then answers CANCELLED). */
  async cancel(): Promise<void> {
    if (!this.busy) return;
    try {
      await this.api.invoke('datasets:cancel', {});
    } catch {
      // Nothing to cancel any more: the check's own answer says how it ended.
    }
  }

  onProgress(p: EventPayload<'dataset:progress'>): void {
    if (this.busy && p.dataset === 'local') this.progress = { phase: p.phase, loaded: p.loaded, total: p.total };
  }

  /** The check of `path` with `options` for the headline: running, found, failed; null when there is none for them. */
  stateFor(path: string, options: ImportForm): ReadyCheck {
    if (!path.trim() || !this.isFor(path, options)) return null;
    if (this.busy) return { state: 'busy' };
    if (this.error) return { state: 'error', message: this.error };
    const { report, info } = this;
    if (!report || !info) return null;
    const items = report.classes.reduce((n, c) => n + c.train + c.test, 0);
    return { state: 'ok', items, classes: report.classes.length, shape: shapeText(info.shape), isImage: info.isImage };
  }

  /** Whether the shown report is for `path` with `options` (else the form changed since the check). */
  isFor(path: string, options: ImportForm): boolean {
    const c = this.checked;
    return !!c && c.path === path.trim() && JSON.stringify(c.import) === JSON.stringify(options);
  }
}

/** Names of the dataset kinds, as the panel says them. */
export const KIND_NAMES: Record<DatasetReport['kind'], string> = {
  builtin: 'built-in dataset',
  imagefolder: 'image folder (one sub-folder per class)',
  'split-root': 'train/ and test/ folders',
  'hf-imagefolder': 'Hugging Face imagefolder (metadata.csv)',
  idx: 'IDX files (MNIST format)',
  npz: 'NumPy .npz',
  npy: 'NumPy .npy files',
  csv: 'CSV (label and pixel columns)',
  toy: '2-D toy points',
};

/** What kind of data a report found, in words: an image folder says whether it had class folders. */
export function kindName(report: Pick<DatasetReport, 'kind' | 'classes'>): string {
  if (report.kind === 'imagefolder' && report.classes.length === 1) {
    return report.classes[0].name === UNLABELED_CLASS ? 'image folder (no class folders: unlabelled)' : `image folder (one class: "${report.classes[0].name}")`;
  }
  return KIND_NAMES[report.kind] ?? report.kind;
}

/** `[H, W, C]` in words: "28×28 grey", "32×32 colour". */
export function shapeText(shape: readonly number[]): string {
  if (shape.length < 2) return `${shape.join('×')} values`;
  const c = shape[2] ?? 1;
  return `${shape[0]}×${shape[1]} ${c === 3 ? 'colour' : 'grey'}`;
}
