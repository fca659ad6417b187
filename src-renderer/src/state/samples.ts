import type { DatasetRef } from '../lib/contract';
import type { StateApi } from './port';

const CHUNK = 256;

interface Chunk {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  shape: number[];
}

/**
 * Original images of a dataset split, fetched with `datasets:sample` in chunks of 256 and kept
 * (one dataset at a time; a 2,000-image MNIST test split is about 6 MB of floats).
 */
export class SampleCache {
  #key = '';
  #chunks = new Map<string, Promise<Chunk | null>>();

  constructor(private readonly api: StateApi) {}

  /** The original image of `index` in `split` (shape as the dataset's), or null when it cannot be fetched (retried next time). */
  async get(
    dataset: DatasetRef,
    split: 'train' | 'test',
    index: number,
  ): Promise<{ image: Float32Array; label: number; shape: number[] } | null> {
    const key = `${dataset.id}:${dataset.path ?? ''}`;
    if (key !== this.#key) {
      this.#key = key;
      this.#chunks.clear();
    }
    const start = Math.floor(index / CHUNK) * CHUNK;
    const ck = `${split}:${start}`;
    let p = this.#chunks.get(ck);
    if (!p) {
      p = this.api
        .invoke('datasets:sample', { dataset, split, offset: start, count: CHUNK })
        .then((r) => ({ images: r.images, labels: r.labels, count: r.count, shape: r.shape }))
        .catch(() => {
          this.#chunks.delete(ck); // retry next time
          return null;
        });
      this.#chunks.set(ck, p);
    }
    const c = await p;
    if (!c) return null;
    const j = index - start;
    if (j < 0 || j >= c.count) return null;
    const size = c.shape.reduce((a, b) => a * b, 1);
    return { image: c.images.subarray(j * size, (j + 1) * size), label: c.labels[j], shape: c.shape };
  }
}
