/** The nearest training images (in latent space) of the selected scatter point (`model:neighbors`). */
import type { Neighbors } from '../../lib/contract';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

/** Neighbours shown. */
export const NEIGHBOURS_K = 8;

export class NeighboursState {
  /** The scatter point (array position) the neighbours are of, and its dataset index. */
  point = $state<{ i: number; index: number } | null>(null);
  result = $state.raw<Neighbors | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  reset(): void {
    this.#seq++;
    this.point = null;
    this.result = null;
    this.error = null;
  }

  /** Fetch the neighbours of scatter point `i` (null clears); nothing while the model trains. */
  async show(i: number | null): Promise<void> {
    const sc = this.lab.scatter;
    const m = this.lab.model;
    if (i == null || i < 0 || i >= sc.count || !m || m.live) return this.reset();
    const index = sc.data.indices[i];
    if (this.point?.index === index && (this.result || this.busy)) return;
    const seq = ++this.#seq;
    this.point = { i, index };
    this.busy = true;
    try {
      const r = await this.api.invoke('model:neighbors', { z: sc.latentOf(i), k: NEIGHBOURS_K });
      if (seq !== this.#seq) return;
      this.result = r;
      this.error = null;
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }
}
