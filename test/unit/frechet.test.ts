/**
 * The Fréchet distance of classifier/frechet.ts (Heusel et al. 2017's d²): identical sets give
 * ≈ 0, a shifted or spread-out set more, the distance is symmetric, and it matches the closed
 * form on 2-D Gaussians (diagonal and non-commuting covariances, computed here by hand).
 */
import { describe, expect, it } from 'vitest';
import { frechetDistance, frechetOfSets, gaussianStats, type GaussianStats } from '../../src-main/engine/classifier/frechet';
import { gaussian, mulberry32 } from '../../src-main/engine/datasets/random';

/** `count` vectors of `dim` ReLU-like features: correlated, non-negative, seeded. */
function features(count: number, dim: number, seed: number, shift = 0, spread = 1): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const common = gaussian(r);
    for (let j = 0; j < dim; j++) out[i * dim + j] = Math.max(0, spread * (gaussian(r) + 0.5 * common + (j % 3)) + shift);
  }
  return out;
}

const stats = (mean: number[], cov: number[][]): GaussianStats => ({
  dim: mean.length,
  count: 1000,
  mean: Float64Array.from(mean),
  cov: Float64Array.from(cov.flat()),
});

describe('Fréchet distance', () => {
  it('is about 0 for a set against itself, at the size the metrics use (128-D)', () => {
    const a = features(600, 128, 1);
    const s = gaussianStats(a, 600, 128);
    let tr = 0;
    for (let i = 0; i < 128; i++) tr += s.cov[i * 128 + i];
    expect(frechetDistance(s, s)).toBeLessThan(1e-6 * tr);
  });

  it('grows when one set moves or spreads out, and more the further it moves', () => {
    const a = features(800, 16, 2);
    const b = features(800, 16, 3);
    const base = frechetOfSets(a, 800, b, 800, 16);
    const moved = frechetOfSets(a, 800, features(800, 16, 3, 0.5), 800, 16);
    const movedMore = frechetOfSets(a, 800, features(800, 16, 3, 1.5), 800, 16);
    const spread = frechetOfSets(a, 800, features(800, 16, 3, 0, 2), 800, 16);
    expect(moved).toBeGreaterThan(base);
    expect(movedMore).toBeGreaterThan(moved);
    expect(spread).toBeGreaterThan(base);
  });

  it('a set against itself moved by a constant vector c is exactly ‖c‖²', () => {
    const a = features(500, 8, 4);
    const c = [0.5, -1, 2, 0, 0.25, 1, -0.5, 3];
    const b = a.map((v, i) => v + c[i % 8]);
    expect(frechetOfSets(a, 500, b, 500, 8)).toBeCloseTo(c.reduce((s, v) => s + v * v, 0), 3);
  });

  it('is symmetric', () => {
    const a = features(400, 12, 5);
    const b = features(300, 12, 6, 0.3, 1.5);
    expect(frechetOfSets(a, 400, b, 300, 12)).toBeCloseTo(frechetOfSets(b, 300, a, 400, 12), 6);
  });

  it('matches the closed form for 2-D Gaussians with diagonal covariances: ‖Δμ‖² + Σ (√a_i − √b_i)²', () => {
    const p = stats([1, 2], [[4, 0], [0, 9]]);
    const q = stats([0, 0], [[1, 0], [0, 16]]);
    // ‖Δμ‖² = 1 + 4; (2 − 1)² + (3 − 4)² = 2.
    expect(frechetDistance(p, q)).toBeCloseTo(7, 9);
  });

  it('matches a hand computation for non-commuting 2-D covariances', () => {
    // Σ1 = [[2,1],[1,2]], Σ2 = diag(1, 4): Σ1Σ2 = [[2,4],[1,8]], trace 10, determinant 3·4 = 12.
    // For a 2×2 matrix with eigenvalues λ1, λ2 ≥ 0: tr √P = √(λ1 + λ2 + 2√(λ1λ2)) = √(tr P + 2√det P).
    // d² = ‖(1, −1)‖² + tr Σ1 + tr Σ2 − 2·√(10 + 2√12) = 2 + 4 + 5 − 2·√(10 + 4√3).
    const p = stats([1, 0], [[2, 1], [1, 2]]);
    const q = stats([0, 1], [[1, 0], [0, 4]]);
    const expected = 2 + 4 + 5 - 2 * Math.sqrt(10 + 4 * Math.sqrt(3));
    expect(frechetDistance(p, q)).toBeCloseTo(expected, 9);
    expect(frechetDistance(q, p)).toBeCloseTo(expected, 9);
  });

  it('estimates the 2-D closed form from samples; the covariance is unbiased (n − 1)', () => {
    const r = mulberry32(7);
    const n = 20_000;
    const a = new Float32Array(2 * n);
    const b = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      // Σ1 = L·Lᵀ with L = [[√2, 0], [1/√2, √(3/2)]] → [[2, 1], [1, 2]].
      const u = gaussian(r);
      const v = gaussian(r);
      a[2 * i] = 1 + Math.SQRT2 * u;
      a[2 * i + 1] = u / Math.SQRT2 + Math.sqrt(1.5) * v;
      b[2 * i] = gaussian(r);
      b[2 * i + 1] = 1 + 2 * gaussian(r);
    }
    const expected = 2 + 4 + 5 - 2 * Math.sqrt(10 + 4 * Math.sqrt(3));
    expect(Math.abs(frechetOfSets(a, n, b, n, 2) - expected)).toBeLessThan(0.1);
    const s = gaussianStats([0, 0, 2, 2], 2, 2);
    expect(Array.from(s.mean)).toEqual([1, 1]);
    expect(Array.from(s.cov)).toEqual([2, 2, 2, 2]);
  });

  it('refuses sets of one vector and features of different sizes', () => {
    expect(() => gaussianStats([1, 2], 1, 2)).toThrow(/at least 2/);
    expect(() => frechetDistance(stats([0], [[1]]), stats([0, 0], [[1, 0], [0, 1]]))).toThrow(/1-D against 2-D/);
  });
});
