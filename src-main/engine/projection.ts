/**
 * Latents above 3-D are shown through a projection to 3-D:
 *  - PCA (default): deterministic — eigenvectors of the covariance (Jacobi), sign fixed so the
 *    largest-magnitude component of each axis is positive.
 *  - UMAP (umap-js): seeded, with progress and cancel; above `UMAP_FIT_MAX` points it fits on a
 *    seeded sample and `transform()`s the rest.
 */
import { UMAP } from 'umap-js';
import { LabError } from '../../src-shared/types';
import { mulberry32, shuffleInPlace } from './datasets/random';

/**
 * Symmetric eigen-decomposition by cyclic Jacobi rotations (n × n row-major; until the squared
 * off-diagonal sum is under 1e-20, at most 100 sweeps). Returns eigenvalues and column eigenvectors.
 * Also used by classifier/frechet.ts.
 */
export function jacobiEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}

/** Project `count × dim` points to `count × 3` (dims below 3 are padded with zeros). */
export function pca3(points: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * 3);
  if (dim <= 3) {
    for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) out[i * 3 + j] = points[i * dim + j];
    return out;
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += points[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(count, 1);
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) row[j] = points[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b];
  const { values, vectors } = jacobiEigen(cov, dim);
  const order = Array.from(values.keys()).sort((x, y) => values[y] - values[x]).slice(0, 3);
  const axes = order.map((c) => {
    const v = new Float64Array(dim);
    let big = 0;
    for (let k = 0; k < dim; k++) {
      v[k] = vectors[k * dim + c];
      if (Math.abs(v[k]) > Math.abs(big)) big = v[k];
    }
    if (big < 0) for (let k = 0; k < dim; k++) v[k] = -v[k];
    return v;
  });
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < 3; a++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (points[i * dim + k] - mean[k]) * axes[a][k];
      out[i * 3 + a] = s;
    }
  }
  return out;
}

export const UMAP_FIT_MAX = 10_000;

export async function umap3(
  points: Float32Array,
  count: number,
  dim: number,
  opts: { seed?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Float32Array> {
  if (count < 4) throw new LabError('UNSUPPORTED', 'UMAP needs at least 4 points');
  const rows: number[][] = [];
  for (let i = 0; i < count; i++) rows.push(Array.from(points.subarray(i * dim, i * dim + dim)));
  const rand = mulberry32(opts.seed ?? 1);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const fitIdx = count > UMAP_FIT_MAX ? (shuffleInPlace(order, rand), order.subarray(0, UMAP_FIT_MAX)) : order;
  const umap = new UMAP({ nComponents: 3, nNeighbors: Math.min(15, fitIdx.length - 1), random: rand, minDist: 0.1 });
  const fitRows = Array.from(fitIdx, (i) => rows[i]);
  const total = umap.initializeFit(fitRows);
  for (let epoch = 0; epoch < total; ) {
    if (opts.signal?.aborted) throw new LabError('CANCELLED', 'UMAP was cancelled');
    for (let k = 0; k < 5 && epoch < total; k++) epoch = umap.step();
    opts.onProgress?.(epoch, total);
    await new Promise<void>((r) => setImmediate(r));
  }
  const emb = umap.getEmbedding();
  const out = new Float32Array(count * 3);
  fitIdx.forEach((src, k) => out.set(emb[k], src * 3));
  if (count > fitIdx.length) {
    const rest = order.subarray(UMAP_FIT_MAX);
    const restRows = Array.from(rest, (i) => rows[i]);
    const B = 2000;
    for (let s = 0; s < restRows.length; s += B) {
      if (opts.signal?.aborted) throw new LabError('CANCELLED', 'UMAP was cancelled');
      const t = umap.transform(restRows.slice(s, s + B));
      t.forEach((v, k) => out.set(v, rest[s + k] * 3));
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  return out;
}
