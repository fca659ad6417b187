/**
 * The active model's latent points for the main scatter (`model:latents`: the test split, and the
 * training split too with "Training points") and the decode of one of them for the hover tooltip.
 * Split out of `lab.svelte.ts` unchanged; the `Lab` keeps `loadLatents`, `loadingLatents` and
 * `reconstructPoint` as its own.
 */
import type { LatentBatch } from '../lib/contract';
import type { Lab } from './lab.svelte';
import type { StateApi } from './port';

export class ModelLatents {
  /** Loading a run's latents for the scatter. */
  loading = $state(false);

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  /** Load run `runId`'s latents into the scatter (a toast when they cannot be read). */
  async load(runId: string): Promise<void> {
    this.loading = true;
    try {
      let batch = await this.api.invoke('model:latents', { runId, split: 'test' });
      if (this.lab.settings.showTrainPoints) {
        const train = await this.api.invoke('model:latents', { runId, split: 'train' });
        batch = concatBatches(batch, train);
      }
      await this.lab.scatter.setBatch(batch, { runId, live: false }, this.lab.settings.projection);
    } catch (err) {
      this.lab.toasts.error(err, 'Could not load the latent points');
    } finally {
      this.loading = false;
    }
  }

  /**
   * The reconstruction of a main-scatter point as the active model sees it (a decode of its
   * latent mean, with its label for a CVAE), for the hover tooltip; null when there is no model
   * or the decode failed.
   */
  async reconstructPoint(point: number): Promise<Float32Array | null> {
    const model = this.lab.model;
    const sc = this.lab.scatter;
    if (!model || point < 0 || point >= sc.count) return null;
    try {
      const r = await this.api.invoke('model:decode', {
        z: sc.latentOf(point),
        count: 1,
        labels: model.kind === 'cvae' ? Int32Array.of(sc.data.labels[point]) : undefined,
      });
      return r.images;
    } catch {
      return null;
    }
  }
}

/** Test points followed by training points (indices −(i+1), see `pointSource`). */
function concatBatches(test: LatentBatch, train: LatentBatch): LatentBatch {
  const count = test.count + train.count;
  const latents = new Float32Array(count * test.dim);
  latents.set(test.latents);
  latents.set(train.latents, test.latents.length);
  const labels = new Int32Array(count);
  labels.set(test.labels);
  labels.set(train.labels, test.count);
  const indices = new Int32Array(count);
  indices.set(test.indices);
  for (let i = 0; i < train.count; i++) indices[test.count + i] = -train.indices[i] - 1;
  return { latents, labels, indices, count, dim: test.dim };
}
