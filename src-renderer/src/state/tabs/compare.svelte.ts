/** The Compare tab: the same test points under two runs, side by side, with their metrics. */
import type { RequestOutput } from '../../lib/contract';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';
import { ScatterState } from '../scatter.svelte';

export class CompareState {
  runA = $state<string | null>(null);
  runB = $state<string | null>(null);
  readonly a: ScatterState;
  readonly b: ScatterState;
  metricsA = $state.raw<RequestOutput<'runs:metrics'> | null>(null);
  metricsB = $state.raw<RequestOutput<'runs:metrics'> | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {
    this.a = new ScatterState(api);
    this.b = new ScatterState(api);
  }

  /** Latents of the same first `limit` test points under both runs, plus their metrics. */
  async load(limit = 2000): Promise<void> {
    const { runA, runB } = this;
    const seq = ++this.#seq;
    this.error = null;
    if (!runA || !runB) return;
    this.loading = true;
    const side = async (runId: string, scatter: ScatterState, which: 'metricsA' | 'metricsB') => {
      const batch = await this.api.invoke('model:latents', { runId, split: 'test', limit });
      if (seq !== this.#seq) return;
      scatter.clear();
      await scatter.setBatch(batch, { runId, live: false }, 'pca');
      const m = await this.api.invoke('runs:metrics', { runId });
      if (seq === this.#seq) this[which] = m;
    };
    this.metricsA = this.metricsB = null;
    try {
      // One at a time: the engine works through requests in order anyway.
      await side(runA, this.a, 'metricsA');
      await side(runB, this.b, 'metricsB');
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Pick sensible defaults: the newest AE and VAE if there are both, else the two newest. */
  suggest(): void {
    const runs = this.lab.runs.list.filter((r) => !r.error);
    if (this.runA && this.runB && runs.some((r) => r.id === this.runA) && runs.some((r) => r.id === this.runB)) return;
    const ae = runs.find((r) => r.config.model.kind === 'ae');
    const vae = runs.find((r) => r.config.model.kind !== 'ae');
    if (ae && vae) {
      this.runA = ae.id;
      this.runB = vae.id;
    } else {
      this.runA = runs[0]?.id ?? null;
      this.runB = runs[1]?.id ?? null;
    }
  }
}
