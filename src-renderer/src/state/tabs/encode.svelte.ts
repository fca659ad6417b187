/** The Encode tab: an image file (or a drawing) through the encoder, marked in the scatter. */
import type { RequestOutput } from '../../lib/contract';
import { MAX_IMAGE_BYTES } from '../../lib/contract';
import { errorCode, errorText } from '../../lib/errors';
import { unreadableImageText } from '../../lib/imageErrors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

export class EncodeState {
  busy = $state(false);
  error = $state<string | null>(null);
  name = $state<string | null>(null);
  result = $state.raw<RequestOutput<'model:encodeFile'> | null>(null);
  /** CVAE encoders are conditioned on the label: what the image shows, or null to let the engine pick the best fit. */
  label = $state<number | null>(null);
  /** The label the shown result was encoded under when the user picked it (null: best fit, or not a CVAE). */
  encodedLabel = $state<number | null>(null);
  /** The image last sent to the encoder (its file name and bytes): encoded again when the CVAE label changes. */
  #last: { name: string; bytes: Uint8Array } | null = null;
  /** Bumped by each encode: an answer to an earlier one (another image, another label) is dropped. */
  #seq = 0;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  reset(): void {
    this.#seq++;
    this.#last = null;
    this.busy = false;
    this.result = null;
    this.error = null;
    this.name = null;
    this.lab.scatter.setExtra('encoded', null);
  }

  async encodeFile(file: File): Promise<void> {
    if (file.size > MAX_IMAGE_BYTES) {
      this.#fail(file.name, `“${file.name}” is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${MAX_IMAGE_BYTES / 1048576} MB.`);
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (err) {
      this.#fail(file.name, `Could not read “${file.name}”: ${errorText(err)}`);
      return;
    }
    await this.encodeBytes(file.name, bytes);
  }

  /**
   * The CVAE's "Label the image shows" picker changed to `label` (null: auto, the best fit): the
   * image on screen is encoded again under it. Its old result (z, −ELBO, best-fitting label) is
   * taken off at once — it belongs to the other label — and `busy` shows the new one coming.
   * Nothing is sent without an image, or for a model that is not a CVAE.
   */
  async setLabel(label: number | null): Promise<void> {
    if (label === this.label) return;
    this.label = label;
    const last = this.#last;
    if (!last || this.lab.model?.kind !== 'cvae' || (!this.result && !this.busy)) return;
    this.result = null;
    this.lab.scatter.setExtra('encoded', null);
    await this.encodeBytes(last.name, last.bytes);
  }

  /**
   * Encode one image file's bytes (`name` for messages) with the open model; a CVAE under the
   * picked label, or its best fit. The result (or the reason it failed, in words) replaces the
   * shown one; an answer overtaken by a later encode is dropped.
   */
  async encodeBytes(name: string, bytes: Uint8Array): Promise<void> {
    const seq = ++this.#seq;
    if (!this.lab.model || this.lab.model.live) {
      this.#fail(name, 'No model to encode with yet: train one or open a saved run first.');
      return;
    }
    this.#last = { name, bytes };
    this.busy = true;
    this.name = name;
    try {
      const label = this.lab.model.kind === 'cvae' && this.label != null ? this.label : undefined;
      const r = await this.api.invoke('model:encodeFile', { name, bytes, label });
      if (seq !== this.#seq) return;
      this.result = r;
      this.encodedLabel = label ?? null;
      this.error = null;
      this.lab.scatter.setExtra('encoded', this.lab.scatter.placeLatent(r.mean));
    } catch (err) {
      if (seq !== this.#seq) return;
      const code = errorCode(err);
      const why =
        code === 'BAD_IMAGE' || code === 'BAD_FILE'
          ? unreadableImageText(name, errorText(err))
          : code === 'UNSUPPORTED'
            ? `Cannot encode “${name}”: ${errorText(err)}.`
            : code === 'TOO_LARGE'
              ? `“${name}” is too large: ${errorText(err)}`
              : errorText(err);
      this.#fail(name, why);
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }

  #fail(name: string, message: string): void {
    this.name = name;
    this.error = message;
    this.result = null;
    this.lab.scatter.setExtra('encoded', null);
  }
}
