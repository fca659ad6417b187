/**
 * Seeded 2-D toy datasets (moons: 2 classes, spirals: 3, blobs: 4). Inputs are standardised
 * per coordinate with the training split's mean and standard deviation (zero mean, unit
 * variance on train; the test split uses the same transform).
 */
import type { Split } from './types';
import { deriveSeed, gaussian, mulberry32, permutation, type Rng } from './random';

export type ToyId = 'toy-moons' | 'toy-spirals' | 'toy-blobs';

export const TOY_CLASSES: Record<ToyId, number> = { 'toy-moons': 2, 'toy-spirals': 3, 'toy-blobs': 4 };
export const TOY_LABELS: Record<ToyId, string[]> = {
  'toy-moons': ['upper moon', 'lower moon'],
  'toy-spirals': ['arm 0', 'arm 1', 'arm 2'],
  'toy-blobs': ['blob 0', 'blob 1', 'blob 2', 'blob 3'],
};
export const TOY_TRAIN = 4000;
export const TOY_TEST = 1000;
export const TOY_SEED = 7;

const BLOB_CENTRES: Array<[number, number]> = [
  [-3, -1],
  [0, 3],
  [3, -1],
  [0.5, -3.5],
];

function point(id: ToyId, label: number, rng: Rng): [number, number] {
  switch (id) {
    case 'toy-moons': {
      const t = Math.PI * rng();
      const [x, y] = label === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
      return [x + 0.1 * gaussian(rng), y + 0.1 * gaussian(rng)];
    }
    case 'toy-spirals': {
      const t = rng();
      const r = 0.15 + t;
      const theta = (label * 2 * Math.PI) / 3 + 3 * Math.PI * t;
      return [r * Math.cos(theta) + 0.04 * gaussian(rng), r * Math.sin(theta) + 0.04 * gaussian(rng)];
    }
    case 'toy-blobs': {
      const [cx, cy] = BLOB_CENTRES[label];
      return [cx + 0.8 * gaussian(rng), cy + 0.8 * gaussian(rng)];
    }
  }
}

/** Raw (unstandardised) points with balanced, shuffled labels. */
function raw(id: ToyId, count: number, rng: Rng): Split {
  const k = TOY_CLASSES[id];
  const order = permutation(count, rng);
  const x = new Float32Array(count * 2);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = order[i] % k;
    const [a, b] = point(id, label, rng);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = label;
  }
  return { x, y, count };
}

/** Generate a toy dataset; identical output for identical (id, counts, seed). */
export function makeToy(
  id: ToyId,
  opts: { train?: number; test?: number; seed?: number } = {},
): { train: Split; test: Split; mean: [number, number]; std: [number, number] } {
  const seed = opts.seed ?? TOY_SEED;
  const train = raw(id, opts.train ?? TOY_TRAIN, mulberry32(deriveSeed(seed, `${id}/train`)));
  const test = raw(id, opts.test ?? TOY_TEST, mulberry32(deriveSeed(seed, `${id}/test`)));
  const mean: [number, number] = [0, 0];
  const std: [number, number] = [0, 0];
  for (let d = 0; d < 2; d++) {
    let s = 0;
    for (let i = 0; i < train.count; i++) s += train.x[2 * i + d];
    const m = s / train.count;
    let v = 0;
    for (let i = 0; i < train.count; i++) v += (train.x[2 * i + d] - m) ** 2;
    mean[d] = m;
    std[d] = Math.sqrt(v / train.count) || 1;
  }
  for (const split of [train, test]) {
    for (let i = 0; i < split.count; i++) {
      for (let d = 0; d < 2; d++) split.x[2 * i + d] = (split.x[2 * i + d] - mean[d]) / std[d];
    }
  }
  return { train, test, mean, std };
}
