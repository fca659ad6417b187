/** The Export tab: one export job at a time, its progress (from `export:progress`) and result. */
import type { ExportResult } from '../../lib/contract';
import { errorCode, errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

/** The text of the Export tab's overwrite checkbox (also named in the EXISTS hint). */
export const OVERWRITE_LABEL = 'Replace a previous Latent Lab export in this folder';

export type ExportUiState = 'idle' | 'running' | 'done' | 'error';

export class ExportState {
  state = $state<ExportUiState>('idle');
  progress = $state.raw<{ done: number; total: number } | null>(null);
  result = $state.raw<ExportResult | null>(null);
  error = $state<string | null>(null);
  /** Label filter for CVAE exports: null = all labels. */
  label = $state<number | null>(null);
  /**
   * Let the engine replace a previous Latent Lab export (a folder with its manifest.json) at the
   * destination; it refuses anything else. For this session only: starts unchecked every launch.
   */
  overwrite = $state(false);

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  /** Start an export of the active saved model with the Export settings; one at a time. */
  async start(): Promise<void> {
    const model = this.lab.model;
    const e = this.lab.settings.export;
    if (!model || model.live || this.state === 'running') return;
    this.state = 'running';
    this.progress = null;
    this.result = null;
    this.error = null;
    try {
      this.result = await this.api.invoke('export:start', {
        runId: model.runId,
        format: e.format,
        count: e.count,
        label: model.kind === 'cvae' && this.label != null ? this.label : undefined,
        temperature: e.temperature,
        seed: e.seed,
        out: e.out.trim(),
        overwrite: this.overwrite,
      });
      this.state = 'done';
    } catch (err) {
      const code = errorCode(err);
      this.error =
        code === 'CANCELLED'
          ? 'Export cancelled; nothing was left behind.'
          : code === 'EXISTS' && !this.overwrite
            ? `${errorText(err)} (To replace an earlier export there, tick “${OVERWRITE_LABEL}”.)`
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
