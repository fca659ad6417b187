/**
 * Toy 2-D data in data space: the test inputs, their reconstructions (with the error as a
 * segment from each input to its reconstruction) and prior samples, as points of the plane the
 * data lives in; a click in the plane encodes that point and marks it in the latent scatter.
 */
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

/** Test points and prior samples drawn. */
const MAX_POINTS = 1000;
const PRIOR_SAMPLES = 300;

export interface DataSpace {
  runId: string;
  /** n × 2 test inputs, their reconstructions and labels. */
  inputs: Float32Array;
  reconstructions: Float32Array;
  labels: Int32Array;
  count: number;
  /** m × 2 decoded prior samples and their labels. */
  prior: Float32Array;
  priorLabels: Int32Array;
  /** Mean distance from input to reconstruction. */
  meanError: number;
}

export class DataSpaceState {
  data = $state.raw<DataSpace | null>(null);
  /** The last clicked point and its latent mean. */
  encoded = $state.raw<{ x: [number, number]; z: Float32Array } | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  reset(): void {
    this.data = null;
    this.encoded = null;
    this.error = null;
  }

  /** Load inputs, reconstructions and prior samples of the model on screen (2-D data only). */
  async load(): Promise<void> {
    const m = this.lab.model;
    if (!m || m.live || this.lab.dataset?.isImage !== false) return;
    if (this.data?.runId === m.runId || this.busy) return;
    this.busy = true;
    try {
      const count = Math.min(MAX_POINTS, this.lab.dataset.testCount);
      const rec = await this.api.invoke('model:reconstruct', { split: 'test', offset: 0, count, worstFirst: false });
      const gen = await this.api.invoke('model:generate', { count: PRIOR_SAMPLES, seed: 1 });
      if (rec.shape.length !== 1 || rec.shape[0] !== 2) throw new Error('this dataset is not 2-D points');
      let err = 0;
      for (let i = 0; i < rec.count; i++) err += Math.hypot(rec.originals[2 * i] - rec.reconstructions[2 * i], rec.originals[2 * i + 1] - rec.reconstructions[2 * i + 1]);
      if (this.lab.model?.runId !== m.runId) return;
      this.data = {
        runId: m.runId,
        inputs: rec.originals,
        reconstructions: rec.reconstructions,
        labels: rec.labels,
        count: rec.count,
        prior: gen.images,
        priorLabels: gen.labels,
        meanError: rec.count ? err / rec.count : 0,
      };
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.busy = false;
    }
  }

  /** Encode the data-space point `x` (a CVAE as the Generate tab's label) and mark it in the scatter. */
  async encodeAt(x: [number, number]): Promise<void> {
    const m = this.lab.model;
    if (!m || m.live) return;
    try {
      const labels = m.kind === 'cvae' ? Int32Array.of(this.lab.settings.generate.label) : undefined;
      const r = await this.api.invoke('model:encode', { images: Float32Array.of(x[0], x[1]), count: 1, labels });
      this.encoded = { x, z: r.mean };
      this.lab.scatter.setExtra('encoded', this.lab.scatter.placeLatent(r.mean));
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    }
  }
}
