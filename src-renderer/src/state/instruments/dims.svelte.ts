/**
 * Per-dimension statistics of the open run (`model:dimStats`): the KL bar chart, the active-unit
 * count, the collapse check, and the order of the traversal grid's rows.
 */
import type { RequestOutput } from '../../lib/contract';
import { collapseReason } from '../../../../src-shared/collapse';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

export type DimStats = RequestOutput<'model:dimStats'>;

/** One latent dimension with what ranks it: its KL in nats (VAE/CVAE) or its variance (AE). */
export interface RankedDim {
  dim: number;
  /** Mean KL (nats), or null for an AE. */
  kl: number | null;
  /** The posterior means' standard deviation across the test split. */
  sd: number;
}

export class DimStatsState {
  stats = $state.raw<DimStats | null>(null);
  /** The run `stats` belong to. */
  runId = $state<string | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  /** Total KL over the dimensions (nats), null for an AE or before loading. */
  totalKl = $derived(this.stats?.klPerDim ? this.stats.klPerDim.reduce((a, b) => a + b, 0) : null);
  /** Why the run collapsed (see `src-shared/collapse.ts`), or null. */
  collapse = $derived.by(() => {
    const s = this.stats;
    const kind = this.lab.model?.kind;
    if (!s || !kind || this.totalKl == null) return null;
    return collapseReason(kind, { kl: this.totalKl, activeUnits: s.activeUnits });
  });

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  reset(): void {
    this.stats = null;
    this.runId = null;
    this.error = null;
  }

  /** Load the statistics of the model on screen (once per run); nothing while it trains. */
  async load(): Promise<DimStats | null> {
    const m = this.lab.model;
    if (!m || m.live) return null;
    if (this.runId === m.runId && this.stats) return this.stats;
    this.busy = true;
    try {
      const s = await this.api.invoke('model:dimStats', {});
      if (this.lab.model?.runId !== m.runId) return null; // another run was opened meanwhile
      this.stats = s;
      this.runId = m.runId;
      this.error = null;
      return s;
    } catch (err) {
      this.error = errorText(err);
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Dimensions, most informative first: by KL (VAE/CVAE) or by the variance of their means (AE). */
  ranked(): RankedDim[] {
    const s = this.stats;
    if (!s) return [];
    const dims = Array.from({ length: s.dim }, (_, k): RankedDim => ({ dim: k, kl: s.klPerDim ? s.klPerDim[k] : null, sd: Math.sqrt(s.variance[k]) }));
    return dims.sort((a, b) => (a.kl != null && b.kl != null ? b.kl - a.kl : b.sd - a.sd) || a.dim - b.dim);
  }
}
