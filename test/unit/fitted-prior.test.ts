/**
 * The fitted prior's Gaussian mixture (src-main/engine/fittedPrior.ts): EM recovers separated
 * clusters, never loses likelihood, is deterministic for a seed, and its samples follow the
 * fitted mixture; degenerate data still gives finite samples.
 */
import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../../src-main/engine/datasets/random';
import { fitGaussianMixture, fitGaussianMixtureYielding, sampleFittedPrior, sampleMixture, type GaussianMixture } from '../../src-main/engine/fittedPrior';

/** Points from three 2-D Gaussian blobs with the given weights (seeded). */
function blobs(n: number, seed: number) {
  const rand = mulberry32(seed);
  const centres = [
    [-6, 0],
    [6, 0],
    [0, 8],
  ];
  const scales = [0.5, 1, 0.7];
  const weights = [0.5, 0.3, 0.2];
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const u = rand();
    const k = u < weights[0] ? 0 : u < weights[0] + weights[1] ? 1 : 2;
    x[i * 2] = centres[k][0] + scales[k] * gaussian(rand);
    x[i * 2 + 1] = centres[k][1] + scales[k] * gaussian(rand);
  }
  return { x, centres, weights, scales };
}

function momentsOf(x: Float32Array, n: number, d: number) {
  const mean = new Array(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const cov = Array.from({ length: d }, () => new Array(d).fill(0));
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a][b] += ((x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b])) / n;
  return { mean, cov };
}

/** The mixture's own mean and covariance (law of total covariance). */
function mixtureMoments(m: GaussianMixture) {
  const d = m.dim;
  const mean = new Array(d).fill(0);
  for (const c of m.components) for (let j = 0; j < d; j++) mean[j] += c.weight * c.mean[j];
  const cov = Array.from({ length: d }, () => new Array(d).fill(0));
  for (const c of m.components) {
    const L = (i: number, j: number) => (j <= i ? c.cholesky[i][j] : 0);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += L(a, k) * L(b, k);
        cov[a][b] += c.weight * (s + (c.mean[a] - mean[a]) * (c.mean[b] - mean[b]));
      }
    }
  }
  return { mean, cov };
}

describe('fitGaussianMixture', () => {
  it('recovers three separated 2-D blobs: their means and weights', () => {
    const n = 1500;
    const { x, centres, weights } = blobs(n, 7);
    const { mixture } = fitGaussianMixture(x, n, 2, { components: 3, seed: 1 });
    expect(mixture.components).toHaveLength(3);
    for (let k = 0; k < 3; k++) {
      const c = mixture.components.reduce((best, c) => (Math.hypot(c.mean[0] - centres[k][0], c.mean[1] - centres[k][1]) < Math.hypot(best.mean[0] - centres[k][0], best.mean[1] - centres[k][1]) ? c : best));
      expect(Math.hypot(c.mean[0] - centres[k][0], c.mean[1] - centres[k][1])).toBeLessThan(0.2);
      expect(Math.abs(c.weight - weights[k])).toBeLessThan(0.04);
    }
    expect(mixture.components.reduce((s, c) => s + c.weight, 0)).toBeCloseTo(1, 9);
  });

  it('never lowers the mean log-likelihood (with the covariance prior) from one EM iteration to the next', () => {
    const n = 800;
    const { x } = blobs(n, 3);
    // More components than blobs and no early stop: EM has to keep moving components around.
    const fit = fitGaussianMixture(x, n, 2, { components: 6, seed: 5, maxIter: 60, tol: -Infinity });
    expect(fit.logLikelihoods.length).toBe(60);
    for (let i = 1; i < fit.logLikelihoods.length; i++) expect(fit.logLikelihoods[i]).toBeGreaterThanOrEqual(fit.logLikelihoods[i - 1] - 1e-9);
    expect(fit.logLikelihoods[59]).toBeGreaterThan(fit.logLikelihoods[0]);
  });

  it('gives the same mixture for the same seed, and stops on tol', async () => {
    const n = 600;
    const { x } = blobs(n, 11);
    const a = fitGaussianMixture(x, n, 2, { components: 4, seed: 9 });
    const b = fitGaussianMixture(x, n, 2, { components: 4, seed: 9 });
    expect(JSON.stringify(a.mixture)).toBe(JSON.stringify(b.mixture));
    expect(a.converged).toBe(true);
    // The engine's yielding fit is the same fit.
    expect(JSON.stringify((await fitGaussianMixtureYielding(x, n, 2, { components: 4, seed: 9 })).mixture)).toBe(JSON.stringify(a.mixture));
  });

  it('gives finite mixtures and samples for identical points and for fewer points than components', () => {
    const same = new Float32Array(50 * 3).fill(0.25);
    const one = fitGaussianMixture(same, 50, 3, { components: 10, seed: 1 });
    const s1 = sampleMixture(mulberry32(2), one.mixture, 100, 1);
    expect(s1.every(Number.isFinite)).toBe(true);
    // Spread only by the covariance floor: every sample stays near the point.
    expect(s1.every((v) => Math.abs(v - 0.25) < 0.05)).toBe(true);

    const few = Float32Array.from([0, 0, 1, 1, 2, 0.5]);
    const two = fitGaussianMixture(few, 3, 2, { components: 10, seed: 1 });
    expect(two.mixture.components.length).toBeLessThanOrEqual(3);
    expect(sampleMixture(mulberry32(3), two.mixture, 200, 1).every(Number.isFinite)).toBe(true);

    // Points on a line (a 1-D-degenerate cloud in 2-D).
    const line = Float32Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? i / 10 : 0));
    const three = fitGaussianMixture(line, 100, 2, { components: 3, seed: 1 });
    expect(sampleMixture(mulberry32(4), three.mixture, 200, 1).every(Number.isFinite)).toBe(true);
  });
});

describe('sampleMixture', () => {
  it("draws samples whose mean and covariance are the fitted mixture's", () => {
    const n = 1000;
    const { x } = blobs(n, 21);
    const { mixture } = fitGaussianMixture(x, n, 2, { components: 3, seed: 2 });
    const m = 40_000;
    const s = momentsOf(sampleMixture(mulberry32(8), mixture, m, 1), m, 2);
    const want = mixtureMoments(mixture);
    for (let a = 0; a < 2; a++) {
      expect(Math.abs(s.mean[a] - want.mean[a])).toBeLessThan(0.1);
      for (let b = 0; b < 2; b++) expect(Math.abs(s.cov[a][b] - want.cov[a][b])).toBeLessThan(0.05 * Math.sqrt(want.cov[a][a] * want.cov[b][b]));
    }
  });

  it("gives the components' means at temperature 0, and follows each label's mixture", () => {
    const n = 900;
    const { x } = blobs(n, 4);
    const { mixture } = fitGaussianMixture(x, n, 2, { components: 3, seed: 3 });
    const s = sampleMixture(mulberry32(1), mixture, 50, 0);
    const means = mixture.components.map((c) => c.mean.map(Math.fround).join());
    for (let i = 0; i < 50; i++) expect(means).toContain([s[i * 2], s[i * 2 + 1]].join());

    // A conditional prior: row i from labels[i]'s mixture.
    const at = (cx: number): GaussianMixture => ({ dim: 2, components: [{ weight: 1, mean: [cx, 0], cholesky: [[0.1], [0, 0.1]] }] });
    const prior = { conditional: true, mixtures: [at(-5), at(5), null], points: 10 };
    const rows = sampleFittedPrior(mulberry32(1), prior, Int32Array.from([0, 1, 0, 1]), 4, 1);
    expect([rows[0] < -4, rows[2] > 4, rows[4] < -4, rows[6] > 4]).toEqual([true, true, true, true]);
    expect(() => sampleFittedPrior(mulberry32(1), prior, Int32Array.from([2]), 1, 1)).toThrow(/class 2 had no training points/);
  });
});
