/** The Train form's "Check" of a folder dataset: what `datasets:prepare` says about it. */
import type { DatasetInfo } from '../lib/contract';
import { errorText } from '../lib/errors';
import type { StateApi } from './port';

export class DatasetCheck {
  busy = $state(false);
  /** Counts, classes and the files skipped (with why), when the folder could be read. */
  info = $state.raw<DatasetInfo | null>(null);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(private readonly api: StateApi) {}

  /** Read the folder at `path` (absolute); the last call wins. */
  async check(path: string): Promise<void> {
    const seq = ++this.#seq;
    this.busy = true;
    this.info = null;
    this.error = null;
    try {
      const info = await this.api.invoke('datasets:prepare', { dataset: { id: 'folder', path: path.trim() } });
      if (seq === this.#seq) this.info = info;
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }
}
