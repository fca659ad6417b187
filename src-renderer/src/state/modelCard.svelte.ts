/**
 * The model card beside the Train form: parameter count, FLOPs per sample of a training step and
 * the layers of the model the form describes, on the chosen dataset's shape (`models:describe`).
 * Asked again, debounced, whenever the form or the dataset changes; an older answer never
 * replaces a newer one. A config the engine cannot build (conv or a VAE-GAN on 2-D points, more
 * conv stages than the image halves) comes back as `refused` with the engine's words: the form shows it and
 * the Train button waits.
 */
import type { DatasetInfo, ModelCard, ModelConfigInput } from '../lib/contract';
import { errorCode, errorText } from '../lib/errors';
import type { Lab } from './lab.svelte';
import type { StateApi } from './port';
import { refusesModel, trainDataErrors, trainFormErrors, type TrainForm } from './settings.svelte';
import { formToModel } from './training.svelte';

/** Quiet time after the last change before the card is asked for (typing "128" asks once). */
export const DESCRIBE_DEBOUNCE_MS = 250;

/** What the card describes: a model config on a sample shape with a number of classes. */
export interface CardInput {
  model: ModelConfigInput;
  shape: number[];
  numClasses: number;
}

export class ModelCardState {
  card = $state.raw<ModelCard | null>(null);
  /** Why there is no card for the current input, in words (null: there is one, or none is wanted). */
  error = $state<string | null>(null);
  /** The engine refused the config itself (not a transport failure): training it would fail too. */
  refused = $state(false);
  /** An answer is awaited (or the debounce is running). */
  pending = $state(false);
  /** Milliseconds of quiet before asking (tests set 0). */
  debounceMs = DESCRIBE_DEBOUNCE_MS;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #key = '';
  #seq = 0;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  /**
   * The Train form's dataset as far as it is known: a built-in dataset's entry in the engine's
   * list; your own data's once checked with the form's current path and options (else null:
   * unknown yet, e.g. its classes).
   */
  formDataset: DatasetInfo | null = $derived.by(() => {
    const f = this.lab.settings.train;
    if (f.dataset === 'local') {
      const c = this.lab.datasetCheck;
      return c.info && c.isFor(f.folderPath, f.import) ? c.info : null;
    }
    const d = this.lab.engine.dataset(f.dataset);
    return d && d.shape.length ? d : null;
  });

  /** The Train form's dataset shape and classes (null: unknown yet, see `formDataset`). */
  dataShape: { shape: number[]; numClasses: number } | null = $derived.by(() => {
    const d = this.formDataset;
    return d ? { shape: d.shape, numClasses: Math.max(1, d.labelNames.length) } : null;
  });

  /** The Train form's own checks, in its words: ranges, and choices that do not fit the data (conv or a VAE-GAN on 2-D points). */
  formErrors: Partial<Record<keyof TrainForm, string>> = $derived.by(() => {
    const f = this.lab.settings.train;
    return { ...trainFormErrors(f), ...trainDataErrors(f, this.formDataset) };
  });

  /** Whether `formErrors` refuse the model itself (`refusesModel`, e.g. weight average 1), not only a run setting. */
  refusedByForm: boolean = $derived(refusesModel(this.formErrors));

  /**
   * What the card should describe now (null: the form's own checks refuse the model —
   * `refusedByForm` — or the data's shape is unknown), so a model the form refuses is never sent
   * to the engine to be described.
   */
  input: CardInput | null = $derived.by(() => {
    const data = this.dataShape;
    if (!data || this.refusedByForm) return null;
    return { model: formToModel(this.lab.settings.train), ...data };
  });

  /** Why `input` is null, for the card's place in the form. */
  waiting: string | null = $derived.by(() => {
    if (this.input) return null;
    if (!this.dataShape) {
      return this.lab.settings.train.dataset === 'local' ? 'Check your data to see the model’s size.' : 'Waiting for the engine’s dataset list…';
    }
    return 'Fix the form to see the model’s size.';
  });

  /** Ask for the card of `input` after the debounce (null clears it); the same input is asked once. */
  request(input: CardInput | null): void {
    const key = input ? JSON.stringify(input) : '';
    if (key === this.#key) return;
    this.#key = key;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const seq = ++this.#seq;
    if (!input) {
      this.card = null;
      this.error = null;
      this.refused = false;
      this.pending = false;
      return;
    }
    this.pending = true;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#describe(input, seq);
    }, this.debounceMs);
  }

  async #describe(input: CardInput, seq: number): Promise<void> {
    try {
      const card = await this.api.invoke('models:describe', input);
      if (seq !== this.#seq) return;
      this.card = card;
      this.error = null;
      this.refused = false;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.card = null;
      const code = errorCode(err);
      this.refused = code === 'INVALID_PAYLOAD' || code === 'UNSUPPORTED';
      this.error = errorText(err);
      // A transport failure may pass: the same input is asked again on the next change.
      if (!this.refused) this.#key = '';
    } finally {
      if (seq === this.#seq) this.pending = false;
    }
  }

  /** Keep the card in step with the form; call once from the component that shows it. */
  follow(): void {
    $effect(() => this.request(this.input));
    $effect(() => () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#key = '';
    });
  }
}
