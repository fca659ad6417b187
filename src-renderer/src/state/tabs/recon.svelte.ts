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

  /**
   * Load the current page for the active (saved) model; a later call supersedes an earlier one.
   * The first page of a run also measures the colour scale: the test split's error quantiles
   * (`quantiles`: the engine computes the split's errors once per run and keeps them), which become
   * `scale`. An in-order page does not wait for that pass over the split (seconds for a conv model):
   * the quantiles come in a request of their own beside it, and the page shows uncoloured until
   * they arrive. A worst-first page needs the pass anyway and carries them.
   */
  async load(): Promise<void> {
    const model = this.lab.model;
    if (!model || model.live) return;
    const seq = ++this.#seq;
    const worstFirst = this.worstFirst;
    const runId = model.runId;
    if (this.#scaleFor !== runId && !worstFirst) void this.#loadScale(runId);
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
      if (r.quantiles) this.#setScale(runId, r.quantiles);
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Ask for run `runId`'s test-split error quantiles alone (one image, `quantiles`); a failure leaves `scale` null. */
  async #loadScale(runId: string): Promise<void> {
    this.#scaleFor = runId;
    try {
      const r = await this.api.invoke('model:reconstruct', { split: 'test', offset: 0, count: 1, worstFirst: false, quantiles: true });
      if (r.quantiles) this.#setScale(runId, r.quantiles);
    } catch {
      if (this.lab.model?.runId === runId) this.scale = null;
    }
  }

  /** The colour scale of run `runId` from its test split's quantiles (kept only while that run is on screen). */
  #setScale(runId: string, q: NonNullable<RequestOutput<'model:reconstruct'>['quantiles']>): void {
    if (this.lab.model?.runId !== runId) return;
    this.#scaleFor = runId;
    this.scale = Number.isFinite(q.p50) && Number.isFinite(q.p95) ? { runId, p50: q.p50, p95: q.p95, n: q.n } : null;
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
