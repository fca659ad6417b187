/**
 * The fitted prior (`SamplePrior` 'fitted'): a Gaussian mixture with full covariances fitted by
 * EM to the training points' posterior means (an AE's codes; means rather than posterior samples:
 * measured in ./priorFit.ts), sampled instead of N(0, I) so that samples land
 * where the encoder puts data, not in the prior's holes. Ex-post density estimation: Ghosh et
 * al. 2020, "From variational to deterministic autoencoders" (ICLR 2020); EM for Gaussian
 * mixtures: Bishop, "Pattern Recognition and Machine Learning" (2006), §9.2.
 *
 * Plain TypeScript over typed arrays, no tfjs. A mixture is plain numbers (saved in the run
 * record as JSON). Cost: O(iterations · n · K · d²), 10 components of 16-D points, default tol,
 * measured with tsx on 2 shared cores: synthetic blobs (load ~2.5) 5,000 points 0.9 s (11
 * iterations, ~80 ms each; all 100: 7.8 s), 20,000 points 6.8 s (12 iterations; all 100: 36 s);
 * a 3-epoch dense z=16 VAE's MNIST posterior means (load ~8) 5,000 points 5.7 s (43
 * iterations), all 8,000 9.5 s (61) — hence a run's end fits at most 5,000 points (./priorFit.ts).
 */
import { z } from 'zod';
import { gaussian, mulberry32, type Rng } from './datasets/random';

/** One mixture component: N(mean, L·Lᵀ) with weight `weight`. */
export const MixtureComponent = z.object({
  /** Mixing weight, in (0, 1]; the components' weights sum to 1. */
  weight: z.number(),
  /** Mean, d values. */
  mean: z.array(z.number()),
  /**
   * Lower-triangular Cholesky factor L of the covariance, by rows: row i holds its i + 1
   * entries L[i][0..i] (d rows).
   */
  cholesky: z.array(z.array(z.number())),
});
export type MixtureComponent = z.infer<typeof MixtureComponent>;

/** A Gaussian mixture over d-dimensional points. */
export const GaussianMixture = z.object({
  dim: z.number().int().positive(),
  components: z.array(MixtureComponent).min(1),
});
export type GaussianMixture = z.infer<typeof GaussianMixture>;

/**
 * A run's fitted prior (`RunRecord.fittedPrior`): `mixtures[0]` for an unconditional model; for
 * a conditional one (CVAE) `mixtures[label]`, one per class, null for a class without training
 * points. `points`: the training points it was fitted to (all classes together).
 */
export const FittedPrior = z.object({
  conditional: z.boolean(),
  mixtures: z.array(GaussianMixture.nullable()).min(1),
  points: z.number().int().nonnegative(),
});
export type FittedPrior = z.infer<typeof FittedPrior>;

export interface MixtureFitOptions {
  /** Components wanted; clamped to [1, n]. */
  components: number;
  /** Seeds the k-means++ initialisation (`mulberry32`). */
  seed: number;
  /** EM iterations at most (default 100). */
  maxIter?: number;
  /** Stop once the mean log-likelihood per point improves by less than this (default 1e-3, nats). */
  tol?: number;
}

export interface MixtureFit {
  mixture: GaussianMixture;
  /**
   * The objective EM increases, after each iteration in order: the mean log-likelihood per point
   * (nats) plus the covariance prior's log-density over n (see `fitGaussianMixture`).
   */
  logLikelihoods: number[];
  /** True when it stopped on `tol`, false when it ran out of iterations. */
  converged: boolean;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Fits a `components`-component full-covariance Gaussian mixture to `points` (n × d, row-major)
 * by EM (Bishop PRML §9.2.2): k-means++ centres (seeded) give the first hard assignment, then
 * E-steps (responsibilities in log space, log-sum-exp) and M-steps alternate until the mean
 * log-likelihood improves by less than `tol` or `maxIter` iterations ran. The covariance floor:
 * each covariance is (S_k + λ·I) / (N_k + 1) (S_k: the responsibility-weighted scatter, N_k the
 * component's points), the MAP estimate under the prior p(Σ) ∝ |Σ|^(−1/2)·exp(−λ/2·tr Σ⁻¹), with
 * λ = (n / K) · (1e-6 + 1e-3 × the points' mean per-dimension variance): about that floor on the
 * diagonal of a component holding its share of the points, so identical or degenerate points
 * still give a finite, invertible mixture, and EM never lowers its objective (the mean
 * log-likelihood plus the prior's term, `logLikelihoods`). A component left without points is
 * dropped. Deterministic for a seed.
 * @throws Error when n < 1, d < 1 or `points` holds fewer than n × d values.
 */
export function fitGaussianMixture(points: Float32Array, n: number, d: number, opts: MixtureFitOptions): MixtureFit {
  const em = emIterations(points, n, d, opts);
  for (;;) {
    const r = em.next();
    if (r.done) return r.value;
  }
}

/** `fitGaussianMixture` yielding to the event loop after each EM iteration (the engine's thread stays responsive). */
export async function fitGaussianMixtureYielding(points: Float32Array, n: number, d: number, opts: MixtureFitOptions): Promise<MixtureFit> {
  const em = emIterations(points, n, d, opts);
  for (;;) {
    const r = em.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** `fitGaussianMixture`'s work, pausing (`yield`) after each EM iteration. */
function* emIterations(points: Float32Array, n: number, d: number, opts: MixtureFitOptions): Generator<void, MixtureFit> {
  if (n < 1 || d < 1 || points.length < n * d) throw new Error(`need n ≥ 1 points of d ≥ 1 values (n=${n}, d=${d}, ${points.length} values)`);
  const K = Math.max(1, Math.min(Math.floor(opts.components), n));
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-3;
  const lambda = (n / K) * (1e-6 + 1e-3 * meanVariance(points, n, d));
  const resp = new Float64Array(n * K);
  const centres = kmeansPlusPlus(points, n, d, K, mulberry32(opts.seed));
  for (let i = 0; i < n; i++) resp[i * K + nearestCentre(points, i, d, centres, K)] = 1;
  let comps = mStep(points, n, d, K, resp, lambda);
  const logLikelihoods: number[] = [];
  let converged = false;
  for (let it = 0; it < maxIter; it++) {
    const ll = eStep(points, n, d, comps, resp) + covariancePrior(comps, d, lambda) / n;
    const prev = logLikelihoods[logLikelihoods.length - 1];
    logLikelihoods.push(ll);
    comps = mStep(points, n, d, K, resp, lambda);
    if (prev !== undefined && ll - prev < tol) {
      converged = true;
      break;
    }
    yield;
  }
  const kept = comps.filter((c) => c.weight > 0);
  const total = kept.reduce((s, c) => s + c.weight, 0);
  const components = kept.map((c) => ({ weight: c.weight / total, mean: Array.from(c.mean), cholesky: packLower(c.chol, d) }));
  return { mixture: { dim: d, components }, logLikelihoods, converged };
}

/**
 * `count` samples (count × d, row-major) from `mixture` at temperature `temperature`: a
 * component drawn by weight, then mean + T · L · ε with ε ~ N(0, I) (T = 0: the component's
 * mean). Draws 1 + d values of `rand` per sample, in row order.
 */
export function sampleMixture(rand: Rng, mixture: GaussianMixture, count: number, temperature: number): Float32Array {
  const out = new Float32Array(count * mixture.dim);
  for (let i = 0; i < count; i++) drawInto(rand, mixture, temperature, out, i * mixture.dim);
  return out;
}

/**
 * `count` samples (count × d) from a run's fitted prior: row i from the mixture of `labels[i]`
 * for a conditional prior, else from its only mixture. Draws as `sampleMixture` does, in row order.
 * @throws Error when a label has no mixture (outside the classes, or a class without training points).
 */
export function sampleFittedPrior(rand: Rng, prior: FittedPrior, labels: Int32Array | null, count: number, temperature: number): Float32Array {
  const d = prior.mixtures.find((m) => m)!.dim;
  const out = new Float32Array(count * d);
  for (let i = 0; i < count; i++) {
    const label = prior.conditional && labels ? labels[i] : 0;
    const m = prior.mixtures[label];
    if (!m) throw new Error(`class ${label} had no training points, so it has no fitted prior`);
    drawInto(rand, m, temperature, out, i * d);
  }
  return out;
}

function drawInto(rand: Rng, mixture: GaussianMixture, temperature: number, out: Float32Array, o: number): void {
  const d = mixture.dim;
  const u = rand();
  let k = 0;
  for (let acc = mixture.components[0].weight; k < mixture.components.length - 1 && u >= acc; ) acc += mixture.components[++k].weight;
  const c = mixture.components[k];
  const e = new Float64Array(d);
  for (let j = 0; j < d; j++) e[j] = gaussian(rand);
  for (let r = 0; r < d; r++) {
    let s = 0;
    const row = c.cholesky[r];
    for (let j = 0; j <= r; j++) s += row[j] * e[j];
    out[o + r] = c.mean[r] + temperature * s;
  }
}

/** Mean over dimensions of the points' per-dimension variance. */
function meanVariance(x: Float32Array, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i * d + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * d + j] - m) ** 2;
    total += v / n;
  }
  return total / d;
}

function sqDist(x: Float32Array, i: number, d: number, c: Float64Array, k: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += (x[i * d + j] - c[k * d + j]) ** 2;
  return s;
}

function nearestCentre(x: Float32Array, i: number, d: number, c: Float64Array, K: number): number {
  let best = 0;
  let bestD = Infinity;
  for (let k = 0; k < K; k++) {
    const s = sqDist(x, i, d, c, k);
    if (s < bestD) [best, bestD] = [k, s];
  }
  return best;
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): K centres (K × d), each drawn ∝ squared distance to the nearest so far. */
function kmeansPlusPlus(x: Float32Array, n: number, d: number, K: number, rand: Rng): Float64Array {
  const c = new Float64Array(K * d);
  const pick = (k: number, i: number) => {
    for (let j = 0; j < d; j++) c[k * d + j] = x[i * d + j];
  };
  pick(0, Math.min(n - 1, Math.floor(rand() * n)));
  const dist = new Float64Array(n).fill(Infinity);
  for (let k = 1; k < K; k++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      dist[i] = Math.min(dist[i], sqDist(x, i, d, c, k - 1));
      total += dist[i];
    }
    let i = 0;
    if (total > 0) {
      let u = rand() * total;
      while (i < n - 1 && (u -= dist[i]) >= 0) i++;
    } else i = Math.min(n - 1, Math.floor(rand() * n)); // all points on the centres so far
    pick(k, i);
  }
  return c;
}

interface Work {
  weight: number;
  mean: Float64Array;
  /** Full d × d lower Cholesky factor, row-major. */
  chol: Float64Array;
  logDet: number;
}

/** M-step (PRML eq. 9.24–9.26), the covariances' MAP with `lambda` (see `fitGaussianMixture`); a component without responsibility gets weight 0. */
function mStep(x: Float32Array, n: number, d: number, K: number, resp: Float64Array, lambda: number): Work[] {
  const out: Work[] = [];
  for (let k = 0; k < K; k++) {
    let nk = 0;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const r = resp[i * K + k];
      if (r === 0) continue;
      nk += r;
      for (let j = 0; j < d; j++) mean[j] += r * x[i * d + j];
    }
    const cov = new Float64Array(d * d);
    if (nk > 1e-10) {
      for (let j = 0; j < d; j++) mean[j] /= nk;
      const diff = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const r = resp[i * K + k];
        if (r === 0) continue;
        const o = i * d;
        for (let j = 0; j < d; j++) diff[j] = x[o + j] - mean[j];
        for (let a = 0; a < d; a++) {
          const ra = r * diff[a];
          const row = a * d;
          for (let b = 0; b <= a; b++) cov[row + b] += ra * diff[b];
        }
      }
    } else nk = 0;
    for (let a = 0; a < d; a++) cov[a * d + a] += lambda;
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a * d + b] /= nk + 1;
    const chol = cholesky(cov, d);
    let logDet = 0;
    for (let a = 0; a < d; a++) logDet += 2 * Math.log(chol[a * d + a]);
    out.push({ weight: nk / n, mean, chol, logDet });
  }
  return out;
}

/** Σ_k of the covariance prior's log-density, −½·log|Σ_k| − ½·λ·tr(Σ_k⁻¹) (tr Σ⁻¹ = ‖L⁻¹‖²_F). */
function covariancePrior(comps: Work[], d: number, lambda: number): number {
  let total = 0;
  const col = new Float64Array(d);
  for (const c of comps) {
    let tr = 0;
    for (let e = 0; e < d; e++) {
      // Column e of L⁻¹ by forward substitution: L·col = unit vector e.
      for (let a = 0; a < d; a++) {
        let s = a === e ? 1 : 0;
        for (let b = 0; b < a; b++) s -= c.chol[a * d + b] * col[b];
        col[a] = s / c.chol[a * d + a];
        tr += col[a] * col[a];
      }
    }
    total += -0.5 * c.logDet - 0.5 * lambda * tr;
  }
  return total;
}

/** E-step: responsibilities (PRML eq. 9.23) into `resp`, by log-sum-exp; returns the mean log-likelihood per point. */
function eStep(x: Float32Array, n: number, d: number, comps: Work[], resp: Float64Array): number {
  const K = comps.length;
  const logp = new Float64Array(K);
  const y = new Float64Array(d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      const c = comps[k];
      if (c.weight <= 0) {
        logp[k] = -Infinity;
        continue;
      }
      // Mahalanobis distance by forward substitution: L·y = x − mean.
      const { mean, chol } = c;
      const o = i * d;
      let m2 = 0;
      for (let a = 0; a < d; a++) {
        let s = x[o + a] - mean[a];
        const row = a * d;
        for (let b = 0; b < a; b++) s -= chol[row + b] * y[b];
        const v = s / chol[row + a];
        y[a] = v;
        m2 += v * v;
      }
      logp[k] = Math.log(c.weight) - 0.5 * (d * LOG_2PI + c.logDet + m2);
      if (logp[k] > max) max = logp[k];
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logp[k] - max);
    const lse = max + Math.log(sum);
    total += lse;
    for (let k = 0; k < K; k++) resp[i * K + k] = Math.exp(logp[k] - lse);
  }
  return total / n;
}

/** Cholesky factor (lower, row-major d × d) of the symmetric positive-definite matrix whose lower triangle `a` holds. */
function cholesky(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) l[i * d + i] = Math.sqrt(Math.max(s, 1e-12));
      else l[i * d + j] = s / l[j * d + j];
    }
  }
  return l;
}

function packLower(l: Float64Array, d: number): number[][] {
  return Array.from({ length: d }, (_, i) => Array.from(l.subarray(i * d, i * d + i + 1)));
}

