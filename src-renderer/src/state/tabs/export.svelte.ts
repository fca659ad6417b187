/** The Export tab: one export job at a time, its progress (from `export:progress`) and result. */
import type { ExportFormat, ExportRequestInput, ExportResult, SamplePrior } from '../../lib/contract';

/** Which images an embeddings export encodes (`ExportRequest.split`): 'test' | 'train' | 'all' (training first). */
export type EmbeddingSplit = NonNullable<ExportRequestInput['split']>;
import { errorCode, errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

/** The text of the Export tab's overwrite checkbox (also named in the EXISTS hint). */
export const OVERWRITE_LABEL = 'Replace a previous Latent Lab export in this folder';

export type ExportUiState = 'idle' | 'running' | 'done' | 'error';

/** `name` as a folder name: letters, digits, dots and dashes (other runs of characters become one dash). */
export function folderSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || 'run';
}

/** `YYYY-MM-DD` of `d` (local time). */
export function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * The engine's EXISTS message with its advice said once, in the UI's words: where it says to allow
 * overwriting (a previous export is there), the Export tab's box is named instead; other EXISTS
 * cases (a file, a folder of the user's) cannot be helped by the box and keep the engine's advice.
 */
export function existsText(message: string): string {
  if (/allow overwriting/.test(message)) {
    return message.replace(/allow overwriting( to replace it)?/, (_, rest: string | undefined) => `tick “${OVERWRITE_LABEL}”${rest ?? ''}`);
  }
  if (/already holds a Latent Lab export/.test(message)) return `${message}; to replace it, tick “${OVERWRITE_LABEL}”.`;
  return message;
}

export class ExportState {
  state = $state<ExportUiState>('idle');
  /** The last `export:progress`; `message` says what happens before the first image (a run's prior fitted on first use). */
  progress = $state.raw<{ done: number; total: number; message?: string } | null>(null);
  result = $state.raw<ExportResult | null>(null);
  /** What the finished export's images were drawn from (null: embeddings, nothing sampled). */
  resultPrior = $state<SamplePrior | null>(null);
  error = $state<string | null>(null);
  /** Label filter for CVAE exports: null = all labels. */
  label = $state<number | null>(null);
  /** Embeddings only: the run's images encoded — its test split (the default), training split, or both. For this session. */
  split = $state<EmbeddingSplit>('test');
  /**
   * Where generated images are drawn from (`SamplePrior`): the model's prior or the mixture fitted
   * to its training latents (`Settings.samplePrior`: the one choice Generate, Compare and Explore
   * share, persisted). Not sent for embeddings (no samples).
   */
  get prior(): SamplePrior {
    return this.lab.settings.samplePrior;
  }
  set prior(prior: SamplePrior) {
    this.lab.settings.samplePrior = prior;
  }
  /**
   * Let the engine replace a previous Latent Lab export (a folder with its manifest.json) at the
   * destination; it refuses anything else. For this session only: starts unchecked every launch.
   */
  overwrite = $state(false);

  /** The destination this tab filled in last (replaced when the run changes, unless the user edited it). */
  #suggestedOut: string | null = null;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The model on screen was trained on images, so the image formats apply (false: 2-D points, embeddings only). */
  get imageFormats(): boolean {
    return this.lab.dataset?.isImage !== false;
  }

  /** The format an export writes: the one chosen, or embeddings (the only one) for a 2-D points model; the choice itself is kept for image runs. */
  get format(): ExportFormat {
    const chosen = this.lab.settings.export.format;
    return this.imageFormats ? chosen : 'embeddings';
  }

  /**
   * The default destination for the model on screen: `<export root>/<run name>-<date>` (the
   * engine's `exportRoot`, outside the workspace), or null before the engine info is known.
   */
  get suggested(): string | null {
    const root = this.lab.engine.info?.exportRoot;
    const model = this.lab.model;
    if (!root || !model) return null;
    const sep = root.includes('\\') && !root.includes('/') ? '\\' : '/';
    return `${root.replace(/[\\/]+$/, '')}${sep}${folderSlug(model.name)}-${isoDate(this.now())}`;
  }

  /**
   * Fill the destination with `suggested` when it is empty or still the suggestion made for an
   * earlier run; a path the user typed or chose is kept.
   */
  fillDestination(): void {
    const s = this.suggested;
    const e = this.lab.settings.export;
    if (!s) return;
    if (!e.out.trim() || e.out === this.#suggestedOut) e.out = s;
    this.#suggestedOut = s;
  }

  /** Start an export of the active saved model with the Export settings; one at a time. */
  async start(): Promise<void> {
    const model = this.lab.model;
    const e = this.lab.settings.export;
    if (!model || model.live || this.state === 'running') return;
    this.state = 'running';
    this.progress = null;
    this.result = null;
    this.error = null;
    const prior = this.format === 'embeddings' ? undefined : this.prior;
    try {
      this.result = await this.api.invoke('export:start', {
        runId: model.runId,
        format: this.format,
        count: e.count,
        label: model.kind === 'cvae' && this.label != null ? this.label : undefined,
        temperature: e.temperature,
        prior,
        seed: e.seed,
        split: this.format === 'embeddings' ? this.split : undefined,
        out: e.out.trim(),
        overwrite: this.overwrite,
      });
      this.resultPrior = prior ?? null;
      this.state = 'done';
    } catch (err) {
      const code = errorCode(err);
      this.error =
        code === 'CANCELLED'
          ? 'Export cancelled; nothing was left behind.'
          : code === 'EXISTS' && !this.overwrite
            ? existsText(errorText(err))
            : errorText(err);
      this.state = 'error';
    }
  }

  async cancel(): Promise<void> {
    try {
      await this.api.invoke('export:cancel', {});
    } catch (err) {
      this.error = errorText(err);
    }
  }
}
