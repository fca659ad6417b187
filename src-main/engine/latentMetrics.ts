/**
 * Latent-space statistics over typed arrays (no tfjs): active units, k nearest neighbours and
 * k-NN label accuracy, the KL of each latent dimension. Re-exported by ./metrics.ts.
 */

/**
 * Per latent unit (length `dim`): whether its posterior-mean variance across the `count` points
 * (`mean`: count × dim, row-major) exceeds `threshold` — an active unit (Burda et al. 2016).
 */
export function activeDims(mean: Float32Array, count: number, dim: number, threshold = 0.01): boolean[] {
  const out: boolean[] = [];
  for (let j = 0; j < dim; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < count; i++) {
      const v = mean[i * dim + j];
      s += v;
      s2 += v * v;
    }
    const mu = s / count;
    out.push(s2 / count - mu * mu > threshold);
  }
  return out;
}

/** Units whose posterior-mean variance across the points exceeds `threshold` (Burda et al.): the true count of `activeDims`. */
export function activeUnits(mean: Float32Array, count: number, dim: number, threshold = 0.01): number {
  return activeDims(mean, count, dim, threshold).filter(Boolean).length;
}

/** Indices and squared distances of the k nearest reference points to `q` (brute force). */
export function nearest(
  ref: Float32Array,
  refCount: number,
  dim: number,
  q: Float32Array,
  k: number,
): { indices: Int32Array; distances: Float32Array } {
  const kk = Math.min(k, refCount);
  const idx = new Int32Array(kk).fill(-1);
  const dist = new Float32Array(kk).fill(Infinity);
  for (let i = 0; i < refCount; i++) {
    let d2 = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) {
      const t = ref[o + j] - q[j];
      d2 += t * t;
    }
    if (d2 < dist[kk - 1]) {
      let p = kk - 1;
      while (p > 0 && dist[p - 1] > d2) {
        dist[p] = dist[p - 1];
        idx[p] = idx[p - 1];
        p--;
      }
      dist[p] = d2;
      idx[p] = i;
    }
  }
  return { indices: idx, distances: dist };
}

/** k-NN (majority vote, ties to the nearest) accuracy of `query` points against `ref` points. */
export function knnAccuracy(
  ref: Float32Array,
  refLabels: Int32Array,
  refCount: number,
  query: Float32Array,
  queryLabels: Int32Array,
  queryCount: number,
  dim: number,
  k = 5,
): number {
  let correct = 0;
  const q = new Float32Array(dim);
  for (let i = 0; i < queryCount; i++) {
    q.set(query.subarray(i * dim, i * dim + dim));
    const { indices } = nearest(ref, refCount, dim, q, k);
    const votes = new Map<number, number>();
    let best = refLabels[indices[0]];
    let bestVotes = 0;
    for (const j of indices) {
      const l = refLabels[j];
      const v = (votes.get(l) ?? 0) + 1;
      votes.set(l, v);
      if (v > bestVotes) {
        bestVotes = v;
        best = l;
      }
    }
    if (best === queryLabels[i]) correct++;
  }
  return queryCount ? correct / queryCount : 0;
}

/**
 * Mean KL(q(z_j | x) ‖ N(0, 1)) of each latent dimension j over `count` posteriors (nats):
 * −½·(1 + log σ² − μ² − σ²) averaged over the rows. `mean` and `logVar` are count × dim. Their
 * sum is the KL part of the ELBO; a dimension near 0 carries no information (posterior collapse).
 */
export function klPerDimension(mean: Float32Array, logVar: Float32Array, count: number, dim: number): number[] {
  const out = new Array<number>(dim).fill(0);
  if (!count) return out;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) {
      const mu = mean[i * dim + j];
      const lv = logVar[i * dim + j];
      out[j] += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
    }
  }
  return out.map((v) => v / count);
}
