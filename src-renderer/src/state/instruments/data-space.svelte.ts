/**
 * Toy 2-D data in data space: the test inputs, their reconstructions (with the error as a
 * segment from each input to its reconstruction) and generated samples (from the prior or the
 * fitted mixture: the shared "Sample from" setting), as points of the plane the data lives in; a
 * click in the plane encodes that point and marks it in the latent scatter.
 */
import type { SamplePrior } from '../../lib/contract';
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
  /** m × 2 decoded samples and their labels. */
  prior: Float32Array;
  priorLabels: Int32Array;
  /** What the samples were drawn from (`SamplePrior`). */
  samplesFrom: SamplePrior;
  /** Mean distance from each sample to its nearest test input: how close samples land to the data. */
  samplesNear: number;
  /** Mean distance from input to reconstruction. */
  meanError: number;
}

/**
 * Mean Euclidean distance from each point of `samples` (m × 2, flat) to its nearest point of
 * `inputs` (n × 2, flat); points with a non-finite coordinate are left out. NaN without any.
 * O(m·n): fine for the plot's 300 × 1,000.
 */
export function meanNearestDistance(samples: Float32Array, inputs: Float32Array): number {
  let sum = 0;
  let m = 0;
  for (let i = 0; i + 1 < samples.length; i += 2) {
    const [x, y] = [samples[i], samples[i + 1]];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    let best = Infinity;
    for (let j = 0; j + 1 < inputs.length; j += 2) best = Math.min(best, (inputs[j] - x) ** 2 + (inputs[j + 1] - y) ** 2);
    if (best === Infinity) continue;
    sum += Math.sqrt(best);
    m++;
  }
  return m ? sum / m : NaN;
}

/**
 * The test points of a `model:reconstruct` answer on 2-D data, with the mean input →
 * reconstruction distance. @throws Error when the points are not 2-D.
 */
function testPoints(rec: { originals: Float32Array; reconstructions: Float32Array; labels: Int32Array; count: number; shape: number[] }): Pick<DataSpace, 'inputs' | 'reconstructions' | 'labels' | 'count' | 'meanError'> {
  if (rec.shape.length !== 1 || rec.shape[0] !== 2) throw new Error('this dataset is not 2-D points');
  let err = 0;
  for (let i = 0; i < rec.count; i++) err += Math.hypot(rec.originals[2 * i] - rec.reconstructions[2 * i], rec.originals[2 * i + 1] - rec.reconstructions[2 * i + 1]);
  return { inputs: rec.originals, reconstructions: rec.reconstructions, labels: rec.labels, count: rec.count, meanError: rec.count ? err / rec.count : 0 };
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

  /**
   * Load inputs, reconstructions and samples of the model on screen (2-D data only); samples are
   * drawn from `Settings.samplePrior`. Loaded already for this run: only samples drawn from another
   * source are drawn again (one `model:generate`, the same seed).
   */
  async load(): Promise<void> {
    const m = this.lab.model;
    if (!m || m.live || this.lab.dataset?.isImage !== false || this.busy) return;
    const from = this.lab.settings.samplePrior;
    if (this.data?.runId === m.runId && this.data.samplesFrom === from) return;
    this.busy = true;
    try {
      const old = this.data?.runId === m.runId ? this.data : null;
      const rec = old ? null : await this.api.invoke('model:reconstruct', { split: 'test', offset: 0, count: Math.min(MAX_POINTS, this.lab.dataset.testCount), worstFirst: false });
      const gen = await this.api.invoke('model:generate', { count: PRIOR_SAMPLES, seed: 1, prior: from });
      if (this.lab.model?.runId !== m.runId) return;
      // `rec` is null only when `old` holds this run's test points.
      const { inputs, reconstructions, labels, count, meanError } = rec ? testPoints(rec) : old!;
      const samplesNear = meanNearestDistance(gen.images, inputs);
      this.data = { runId: m.runId, inputs, reconstructions, labels, count, meanError, prior: gen.images, priorLabels: gen.labels, samplesFrom: from, samplesNear };
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.busy = false;
    }
    // The choice changed while drawing: draw from it now (an error is not retried).
    if (!this.error && this.data?.runId === m.runId && this.data.samplesFrom !== this.lab.settings.samplePrior) void this.load();
  }

  /** Choose where samples are drawn from (the shared setting) and draw this plot's samples from there. */
  setPrior(prior: SamplePrior): Promise<void> {
    this.lab.settings.samplePrior = prior;
    return this.load();
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
