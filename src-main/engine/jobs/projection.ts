/**
 * `projection:compute` / `projection:cancel`: PCA answers at once; UMAP is one job at a time
 * (a new one cancels the previous), cancellable, and reports progress.
 */
import type { RequestOutput, RequestParsed } from '../../../src-shared/contract';
import { LabError } from '../../../src-shared/types';
import { pca3, umap3 } from '../projection';

export class ProjectionJob {
  private abort: AbortController | null = null;

  /** @param onProgress UMAP epochs done of total (the `projection:progress` event). */
  constructor(private readonly onProgress: (done: number, total: number) => void) {}

  /**
   * 3-D points (count × 3) for `count × dim` latents.
   * @throws LabError INVALID_PAYLOAD (length not a multiple of `dim`, a non-finite value),
   *   CANCELLED (a UMAP cancelled or replaced by a newer one).
   */
  async compute({ method, latents, dim, seed }: RequestParsed<'projection:compute'>): Promise<RequestOutput<'projection:compute'>> {
    if (latents.length % dim !== 0) throw new LabError('INVALID_PAYLOAD', `latents length is not a multiple of ${dim}`);
    if (!latents.every(Number.isFinite)) throw new LabError('INVALID_PAYLOAD', 'latents must be finite');
    const count = latents.length / dim;
    if (method === 'pca') return { points: pca3(latents, count, dim), method };
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    try {
      const points = await umap3(latents, count, dim, { seed: seed ?? 1, signal: ac.signal, onProgress: this.onProgress });
      return { points, method };
    } finally {
      if (this.abort === ac) this.abort = null;
    }
  }

  /** Cancel the running UMAP, if any. */
  cancel(): void {
    this.abort?.abort();
  }
}
