/**
 * How typical a dropped or drawn image is for the open run (`model:typicality`): its negative
 * ELBO (an AE: reconstruction error) and, for a VAE/CVAE, its rate (the KL term), each against the
 * test images' in a two-sided test done by the engine; `verdict` says in words why an image is
 * atypical (worse than the test images, better than all of them, or nothing for the encoder to
 * encode).
 */
import type { RequestOutput } from '../../lib/contract';
import { typicalityVerdict } from '../../../../src-shared/typicality';
import { errorText } from '../../lib/errors';
import type { StateApi } from '../port';

type Result = RequestOutput<'model:typicality'>;

export class TypicalityState {
  result = $state.raw<Result | null>(null);
  /** The input `result` is about. */
  input = $state.raw<Float32Array | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  verdict = $derived(this.result ? typicalityVerdict(this.result) : null);
  flagged = $derived(!!this.verdict?.flagged);

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
