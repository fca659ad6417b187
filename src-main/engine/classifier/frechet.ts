/**
 * The Fréchet distance between two sets of feature vectors, each summarised as a Gaussian
 * (mean μ, covariance Σ): the Fréchet (2-Wasserstein) distance between N(μ1, Σ1) and N(μ2, Σ2),
 *
 *   d² = ‖μ1 − μ2‖² + tr(Σ1) + tr(Σ2) − 2·tr((Σ1·Σ2)^½)
 *
 * as in the Fréchet Inception Distance of Heusel, Ramsauer, Unterthiner, Nessler & Hochreiter,
 * "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium" (NeurIPS
 * 2017), eq. (6), whose reference code reports d² (not d): so does this. Here the features are
 * the in-app classifier's penultimate layer (./model.ts) instead of Inception-v3's pool layer, so
 * the numbers compare runs on the same dataset (and classifier version), not with published FIDs.
 *
 * The trace of the square root uses symmetric eigendecompositions only (cyclic Jacobi,
 * ../projection.ts): with A = Σ1^½ (from Σ1's eigenvectors), Σ1·Σ2 = A·(A·Σ2·A)·A⁻¹ is similar to
 * the symmetric positive semi-definite M = A·Σ2·A, so tr((Σ1Σ2)^½) = Σ √λ_i(M) (eigenvalues
 * below 0 from rounding count as 0). Covariances are unbiased (n − 1), as numpy's `np.cov`.
 */
import { jacobiEigen } from '../projection';

/** A set of vectors as a Gaussian: mean (d) and covariance (d × d, row-major). */
export interface GaussianStats {
  dim: number;
  count: number;
  mean: Float64Array;
  cov: Float64Array;
}

/**
 * Mean and unbiased covariance of `count` vectors of `dim` values (row-major in `x`). Throws
 * when there are fewer than 2 vectors or `x` is too short.
 */
export function gaussianStats(x: ArrayLike<number>, count: number, dim: number): GaussianStats {
  if (!(Number.isInteger(count) && count >= 2)) throw new Error(`Fréchet distance: needs at least 2 vectors per set (got ${count})`);
  if (x.length < count * dim) throw new Error(`Fréchet distance: ${x.length} values for ${count} vectors of ${dim}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) row[j] = x[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const o = a * dim;
      for (let b = a; b < dim; b++) cov[o + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (count - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  return { dim, count, mean, cov };
}

/** Eigen-decomposition of a symmetric PSD matrix scaled to unit trace first (Jacobi's tolerance is absolute). */
function eigenPsd(m: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  let tr = 0;
  for (let i = 0; i < n; i++) tr += m[i * n + i];
  if (!(tr > 0)) return { values: new Float64Array(n), vectors: identity(n) };
  const { values, vectors } = jacobiEigen(m.map((v) => v / tr), n);
  return { values: values.map((v) => Math.max(0, v * tr)), vectors };
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** C = A·B for n × n row-major matrices. */
function matmul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const a = A[i * n + k];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += a * B[k * n + j];
    }
  }
  return C;
}

/**
 * The Fréchet distance d² between two Gaussians (see the module comment). Symmetric in its
 * arguments; 0 for identical statistics (up to rounding); never negative. Throws when the
 * dimensions differ.
 */
export function frechetDistance(p: GaussianStats, q: GaussianStats): number {
  const n = p.dim;
  if (q.dim !== n) throw new Error(`Fréchet distance: ${p.dim}-D against ${q.dim}-D features`);
  let d2 = 0;
  for (let j = 0; j < n; j++) d2 += (p.mean[j] - q.mean[j]) ** 2;
  let tr = 0;
  for (let i = 0; i < n; i++) tr += p.cov[i * n + i] + q.cov[i * n + i];
  // A = Σ1^½ = V·diag(√λ)·Vᵀ.
  const e1 = eigenPsd(p.cov, n);
  const VS = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) VS[i * n + k] = e1.vectors[i * n + k] * Math.sqrt(e1.values[k]);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += VS[i * n + k] * e1.vectors[j * n + k];
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  }
  const M = matmul(matmul(A, q.cov, n), A, n);
  // Symmetrise against rounding before the (symmetric) solver.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (M[i * n + j] + M[j * n + i]) / 2;
      M[i * n + j] = v;
      M[j * n + i] = v;
    }
  }
  let trSqrt = 0;
  for (const v of eigenPsd(M, n).values) trSqrt += Math.sqrt(v);
  return Math.max(0, d2 + tr - 2 * trSqrt);
}

/** `frechetDistance` of two sets of `dim`-vectors (row-major), through their `gaussianStats`. */
export function frechetOfSets(a: ArrayLike<number>, countA: number, b: ArrayLike<number>, countB: number, dim: number): number {
  return frechetDistance(gaussianStats(a, countA, dim), gaussianStats(b, countB, dim));
}
