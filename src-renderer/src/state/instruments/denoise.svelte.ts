/**
 * Denoising: a test image, the same image with Gaussian noise of a chosen level (seeded, clipped
 * to [0, 1]) and the model's reconstruction of the noisy input (`model:encode` then
 * `model:decode` of the posterior mean; a CVAE under the image's own label). Dragging the noise
 * slider coalesces requests like the latent sliders.
 */
import { Coalescer, nextFrame } from '../../lib/coalesce';
import { errorText } from '../../lib/errors';
import { addGaussianNoise } from '../../lib/noise';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

export interface DenoiseView {
  index: number;
  sigma: number;
  label: number;
  shape: number[];
  original: Float32Array;
  noisy: Float32Array;
  reconstruction: Float32Array;
  /** Mean squared error against the clean image, per pixel. */
  noisyMse: number;
  reconMse: number;
}

const mse = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return a.length ? s / a.length : 0;
};

export class DenoiseState {
  /** Test image index. */
  index = $state(0);
  /** Noise standard deviation in pixel units (images in [0, 1]). */
  sigma = $state(0.3);
  view = $state.raw<DenoiseView | null>(null);
  error = $state<string | null>(null);
  readonly #runner: Coalescer<{ index: number; sigma: number }>;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
    schedule: (cb: () => void) => void = nextFrame,
  ) {
    this.#runner = new Coalescer((p) => this.#show(p), schedule);
  }

  reset(): void {
    this.#runner.cancel();
    this.view = null;
    this.error = null;
  }

  settled(): Promise<void> {
    return this.#runner.settled();
  }

  /** Show test image `index` at noise level `sigma` (both kept for the next call). */
  update(index = this.index, sigma = this.sigma): void {
    const count = this.lab.dataset?.testCount ?? Infinity;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      this.error = `Pick a test image from 0 to ${Number.isFinite(count) ? count - 1 : '…'}.`;
      return;
    }
    if (!(sigma >= 0 && sigma <= 1)) return;
    this.index = index;
    this.sigma = sigma;
    this.#runner.push({ index, sigma });
  }

  async #show({ index, sigma }: { index: number; sigma: number }): Promise<void> {
    const m = this.lab.model;
    if (!m || m.live) return;
    try {
      const s = await this.lab.samples.get(m.dataset, 'test', index);
      if (!s) throw new Error(`test image ${index} could not be loaded`);
      const noisy = addGaussianNoise(s.image, sigma, 1 + index);
      const labels = m.kind === 'cvae' ? Int32Array.of(s.label) : undefined;
      const enc = await this.api.invoke('model:encode', { images: noisy, count: 1, labels });
      const dec = await this.api.invoke('model:decode', { z: enc.mean, count: 1, labels });
      const original = s.image.slice();
      this.view = {
        index,
        sigma,
        label: s.label,
        shape: s.shape,
        original,
        noisy,
        reconstruction: dec.images,
        noisyMse: mse(noisy, original),
        reconMse: mse(dec.images, original),
      };
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    }
  }
}
