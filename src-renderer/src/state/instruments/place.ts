/**
 * Where an arbitrary latent vector goes in the scatter's display space: exactly for latents of up
 * to 3-D (`ScatterState.placeLatent`), else — the projection has no inverse here — the
 * inverse-distance-weighted mean of its nearest shown points' positions, which moves smoothly as
 * the vector changes (the nearest point alone would jump).
 */
import type { ScatterState } from '../scatter.svelte';

/** Neighbours averaged above 3-D. */
const K = 8;

export function placeApprox(sc: Pick<ScatterState, 'data' | 'placeLatent'>, z: ArrayLike<number>): [number, number, number] | null {
  const d = sc.data;
  if (!d.count || z.length !== d.dim) return null;
  if (d.dim <= 3) return sc.placeLatent(z);
  const k = Math.min(K, d.count);
  const best = new Float64Array(k).fill(Infinity);
  const idx = new Int32Array(k).fill(-1);
  for (let i = 0; i < d.count; i++) {
    let s = 0;
    const o = i * d.dim;
    for (let j = 0; j < d.dim; j++) {
      const t = d.latents[o + j] - z[j];
      s += t * t;
    }
    if (s >= best[k - 1]) continue;
    let p = k - 1;
    while (p > 0 && best[p - 1] > s) {
      best[p] = best[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    best[p] = s;
    idx[p] = i;
  }
  if (best[0] < 1e-12) return [d.display[idx[0] * 3], d.display[idx[0] * 3 + 1], d.display[idx[0] * 3 + 2]];
  const out: [number, number, number] = [0, 0, 0];
  let wsum = 0;
  for (let n = 0; n < k; n++) {
    if (idx[n] < 0) continue;
    const w = 1 / best[n];
    wsum += w;
    for (let c = 0; c < 3; c++) out[c] += w * d.display[idx[n] * 3 + c];
  }
  return wsum > 0 ? [out[0] / wsum, out[1] / wsum, out[2] / wsum] : null;
}
