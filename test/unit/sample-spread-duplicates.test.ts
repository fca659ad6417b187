/**
 * The duplicate share (src-main/engine/sampleSpread.ts `duplicateShare`, with
 * `nearestNeighbourDistances` and `typicalNearestDistance`): the share of samples that have a
 * near-copy among the others, under a threshold relative to the data's typical nearest-neighbour
 * distance — k copies among N distinct rows give k/N, distinct rows 0, and scaling samples and
 * data alike changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { duplicateShare, nearestNeighbourDistances, typicalNearestDistance } from '../../src-main/engine/sampleSpread';

const N = 64;
const D = 50;

/** `n` rows of `D` values uniform in [0, 1) from `seed` (distinct: their nearest neighbours are far apart). */
function rows(seed: number, n = N): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n * D }, () => rand());
}

/** `x` with row `to` replaced by row `from` (plus `jitter` × a seeded uniform per value). */
function copyRow(x: Float32Array, from: number, to: number, jitter = 0, seed = 9): void {
  const rand = mulberry32(seed + to);
  for (let k = 0; k < D; k++) x[to * D + k] = x[from * D + k] + jitter * (rand() - 0.5);
}

/** The threshold the watch uses: a tenth of the data's typical nearest-neighbour distance. */
const tenthOf = (data: Float32Array) => 0.1 * typicalNearestDistance(data, N, D);

describe('duplicateShare', () => {
  const data = rows(1);

  it('distinct rows have no near-copy: 0', () => {
    expect(duplicateShare(rows(2), N, D, tenthOf(data))).toBe(0);
  });

  it('k exact copies of one row among N distinct ones: k / N; two groups add up', () => {
    for (const k of [2, 5, 16, 30]) {
      const s = rows(2);
      for (let i = 1; i < k; i++) copyRow(s, 0, i * 2); // the original (row 0) and k − 1 copies, spread through the set
      expect(duplicateShare(s, N, D, tenthOf(data)), `k = ${k}`).toBeCloseTo(k / N, 12);
    }
    const s = rows(3);
    copyRow(s, 0, 1);
    copyRow(s, 0, 2);
    copyRow(s, 10, 40);
    expect(duplicateShare(s, N, D, tenthOf(data))).toBeCloseTo(5 / N, 12);
  });

  it('near-copies (a little noise) count; the same rows pushed apart do not', () => {
    const near = rows(4);
    const far = rows(4);
    const t = tenthOf(data);
    for (let i = 1; i < 12; i++) {
      copyRow(near, 0, i, 0.01); // ~0.02 apart in 50 values: far under the threshold
      copyRow(far, 0, i, 1); // as far apart as distinct rows
    }
    expect(duplicateShare(near, N, D, t)).toBeCloseTo(12 / N, 12);
    expect(duplicateShare(far, N, D, t)).toBe(0);
  });

  it('scale-invariant with a threshold relative to the data: samples and data ×255 (pixel values) give the same share', () => {
    const s = rows(5);
    for (let i = 1; i < 20; i++) copyRow(s, 0, i, 0.01);
    const scaled = s.map((v) => v * 255);
    const scaledData = data.map((v) => v * 255);
    expect(typicalNearestDistance(scaledData, N, D)).toBeCloseTo(255 * typicalNearestDistance(data, N, D), 3);
    const share = duplicateShare(s, N, D, tenthOf(data));
    expect(share).toBeCloseTo(20 / N, 12);
    expect(duplicateShare(scaled, N, D, tenthOf(scaledData))).toBe(share);
  });

  it('fewer than 2 rows: no near-copy, no typical distance', () => {
    expect(duplicateShare(rows(6, 1), 1, D, 1)).toBe(0);
    expect(typicalNearestDistance(rows(6, 1), 1, D)).toBeNaN();
  });
});

describe('nearestNeighbourDistances and typicalNearestDistance', () => {
  it('each row\'s distance to its nearest other row, by brute force; the typical one is their median', () => {
    const x = rows(7, 9);
    const nn = nearestNeighbourDistances(x, 9, D);
    for (let i = 0; i < 9; i++) {
      let best = Infinity;
      for (let j = 0; j < 9; j++) {
        if (j === i) continue;
        let d2 = 0;
        for (let k = 0; k < D; k++) d2 += (x[i * D + k] - x[j * D + k]) ** 2;
        best = Math.min(best, Math.sqrt(d2));
      }
      expect(nn[i]).toBeCloseTo(best, 5);
    }
    const sorted = Array.from(nn).sort((a, b) => a - b);
    expect(typicalNearestDistance(x, 9, D)).toBe(sorted[4]);
  });
});
