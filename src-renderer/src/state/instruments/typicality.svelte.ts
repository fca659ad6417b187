/**
 * How typical a dropped or drawn image is for the open run (`model:typicality`): its negative
 * ELBO (an AE: reconstruction error) and its percentile among the test images'; flagged above
 * the 99th percentile.
 */
import type { RequestOutput } from '../../lib/contract';
import { errorText } from '../../lib/errors';
import type { StateApi } from '../port';

/** Percentile above which an input "does not look like the training data". */
export const ATYPICAL_PERCENTILE = 99;

export class TypicalityState {
  result = $state.raw<RequestOutput<'model:typicality'> | null>(null);
  /** The input `result` is about. */
  input = $state.raw<Float32Array | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  flagged = $derived(!!this.result && this.result.percentile > ATYPICAL_PERCENTILE);

  constructor(private readonly api: StateApi) {}

  reset(): void {
    this.result = null;
    this.input = null;
    this.error = null;
  }

  /** Score `input` (one preprocessed image; a CVAE under `label`, else its best-fitting label). */
  async check(input: Float32Array, label?: number): Promise<void> {
    if (this.input === input && (this.result || this.busy)) return;
    this.input = input;
    this.busy = true;
    try {
      const r = await this.api.invoke('model:typicality', { input, label });
      if (this.input === input) {
        this.result = r;
        this.error = null;
      }
    } catch (err) {
      if (this.input === input) {
        this.result = null;
        this.error = errorText(err);
      }
    } finally {
      this.busy = false;
    }
  }
}
