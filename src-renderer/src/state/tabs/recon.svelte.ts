/** The Reconstruction tab: a page of test images beside their reconstructions (optionally worst first). */
import type { RequestOutput } from '../../lib/contract';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

/** Image pairs per page. */
export const RECON_PAGE = 24;

/**
 * The test set's reconstruction errors as the Recon tab colours them: its median (`p50`) and 95th
 * percentile (`p95`), in nats, of the run `runId` (`n` test images). An error at or below the
 * median is not coloured; the colour deepens to full at the 95th percentile.
 */
export interface ReconScale {
  runId: string;
  p50: number;
  p95: number;
  n: number;
}

/** How red an error is on `scale`: 0 at or below the median, 1 at or above the 95th percentile. */
export function reconHeat(error: number, scale: Pick<ReconScale, 'p50' | 'p95'>): number {
  const span = scale.p95 - scale.p50;
  if (!(span > 0)) return error > scale.p95 ? 1 : 0;
  return Math.min(1, Math.max(0, (error - scale.p50) / span));
}

export class ReconState {
  page = $state(0);
  worstFirst = $state(false);
  result = $state.raw<RequestOutput<'model:reconstruct'> | null>(null);
  /** The order of the page in `result` (the toggle may already say otherwise while a page loads). */
  resultWorstFirst = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The colour scale of the run on screen (null until measured, or when measuring failed). */
  scale = $state.raw<ReconScale | null>(null);
  #seq = 0;
  #scaleFor: string | null = null;

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
      if (this.#scaleFor !== model.runId) void this.loadScale();
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /**
   * Measure the colour scale of the active run: the test set's median and 95th-percentile errors,
   * read as the errors at those ranks worst-first (two one-image pages). Once per run; a failure
   * leaves `scale` null (the errors are then shown uncoloured).
   */
  async loadScale(): Promise<void> {
    const model = this.lab.model;
    const n = this.lab.dataset?.testCount ?? 0;
    if (!model || model.live || n < 1) return;
    const runId = model.runId;
    this.#scaleFor = runId;
    const at = async (q: number) => {
      // Worst-first rank of quantile q: rank 0 is the largest error.
      const offset = Math.min(n - 1, Math.max(0, Math.round((1 - q) * (n - 1))));
      const r = await this.api.invoke('model:reconstruct', { split: 'test', offset, count: 1, worstFirst: true });
      return r.errors[0];
    };
    try {
      const p95 = await at(0.95);
      const p50 = await at(0.5);
      if (this.#scaleFor === runId && Number.isFinite(p50) && Number.isFinite(p95)) this.scale = { runId, p50, p95, n };
    } catch {
      if (this.#scaleFor === runId) this.scale = null;
    }
  }

  reset(): void {
    this.#seq++;
    this.#scaleFor = null;
    this.scale = null;
    this.page = 0;
    this.result = null;
    this.error = null;
    this.loading = false;
  }
}
