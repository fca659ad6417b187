import type { DatasetInfo, EngineInfo, EngineState } from '../lib/contract';
import { errorText } from '../lib/errors';
import type { StateApi } from './port';

/** The engine process as the status bar sees it, plus the dataset registry. */
export class EngineStatus {
  state = $state<EngineState | 'connecting'>('connecting');
  message = $state<string | null>(null);
  info = $state.raw<EngineInfo | null>(null);
  datasets = $state.raw<DatasetInfo[]>([]);
  restarting = $state(false);

  backendName = $derived(this.info?.backend.backend ?? null);

  constructor(private readonly api: StateApi) {}

  /** Load engine info and datasets; true when the engine answered. */
  async refresh(): Promise<boolean> {
    try {
      const [info, datasets] = await Promise.all([
        this.api.invoke('engine:info', {}),
        this.api.invoke('datasets:list', {}),
      ]);
      this.info = info;
      this.datasets = datasets;
      if (this.state === 'connecting' || this.state === 'starting') this.state = 'ready';
      this.message = null;
      return true;
    } catch (err) {
      this.message = errorText(err);
      return false;
    }
  }

  /** Reload the engine info alone (e.g. to learn how a run that just started trains). */
  async refreshInfo(): Promise<void> {
    try {
      this.info = await this.api.invoke('engine:info', {});
    } catch {
      // The status bar keeps what it had; the next refresh will tell.
    }
  }

  dataset(id: string | undefined): DatasetInfo | undefined {
    return id ? this.datasets.find((d) => d.id === id) : undefined;
  }

  async restart(): Promise<void> {
    this.restarting = true;
    this.state = 'restarting';
    try {
      await this.api.restartEngine();
    } catch (err) {
      this.message = errorText(err);
    } finally {
      this.restarting = false;
    }
  }
}
