/** The Reconstruction tab: a page of test images beside their reconstructions (optionally worst first). */
import type { RequestOutput } from '../../lib/contract';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

/** Image pairs per page. */
export const RECON_PAGE = 24;

export class ReconState {
  page = $state(0);
  worstFirst = $state(false);
  result = $state.raw<RequestOutput<'model:reconstruct'> | null>(null);
  /** The order of the page in `result` (the toggle may already say otherwise while a page loads). */
  resultWorstFirst = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  /** Load the current page for the active (saved) model; a later call supersedes an earlier one. */
  async load(): Promise<void> {
    const model = this.lab.model;
    if (!model || model.live) return;
    const seq = ++this.#seq;
    const worstFirst = this.worstFirst;
    this.loading = true;
    try {
      const r = await this.api.invoke('model:reconstruct', {
        split: 'test',
        offset: this.page * RECON_PAGE,
        count: RECON_PAGE,
        worstFirst,
      });
      if (seq !== this.#seq) return;
      this.result = r;
      this.resultWorstFirst = worstFirst;
      this.error = null;
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  reset(): void {
    this.#seq++;
    this.page = 0;
    this.result = null;
    this.error = null;
    this.loading = false;
  }
}
