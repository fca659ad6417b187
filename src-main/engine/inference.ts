/**
 * Latent-space constructions used by generation: prior samples, interpolation paths and the
 * classic 2-D manifold grid. Pure functions over typed arrays; decoding happens in one batch
 * through `decodeArrays`.
 *
 * VAE/CVAE sample from N(0, T²·I). A plain AE has no prior, so it samples from a diagonal
 * Gaussian fitted to its training latents (`latentStats`), and its manifold grid spans
 * mean ± range·std on each chosen dimension.
 */
import { gaussian, mulberry32, type Rng } from './datasets/random';

export interface LatentStats {
  mean: number[];
  std: number[];
}

/**
 * The next `count × dim` prior samples (row-major) from `rand`: N(0, T²·I), or with `stats` (AE)
 * N(mean, (T·std)²) per dimension. Draws `count × dim` normals from `rand`, in row order.
 */
export function drawPriorLatents(rand: Rng, count: number, dim: number, temperature: number, stats: LatentStats | null): Float32Array {
  const z = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) {
      const e = gaussian(rand) * temperature;
      z[i * dim + j] = stats ? stats.mean[j] + stats.std[j] * e : e;
    }
  }
  return z;
}

/**
 * A stream of prior samples at a temperature, deterministic for a seed (`drawPriorLatents`): each
 * call returns the next `count × dim` samples, so consecutive calls of 10 and 20 give the same 30
 * rows as one call of 30.
 */
export function priorSampler(
  dim: number,
  temperature: number,
  seed: number,
  stats: LatentStats | null,
): (count: number) => Float32Array {
  const rand = mulberry32(seed);
  return (count) => drawPriorLatents(rand, count, dim, temperature, stats);
}

/** `steps` points on the straight line from `from` to `to` (inclusive). */
export function interpolateLatents(from: Float32Array, to: Float32Array, steps: number): Float32Array {
  const dim = from.length;
  const z = new Float32Array(steps * dim);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    for (let j = 0; j < dim; j++) z[s * dim + j] = from[j] + t * (to[j] - from[j]);
  }
  return z;
}

/**
 * A `steps × steps` grid over dims (i, j), row-major with the top row at the maximum of dim j
 * (as the figure is usually drawn); other dims at the centre.
 */
export function manifoldLatents(
  dim: number,
  dims: [number, number],
  steps: number,
  range: number,
  stats: LatentStats | null,
): Float32Array {
  const [di, dj] = dims;
  const z = new Float32Array(steps * steps * dim);
  for (let r = 0; r < steps; r++) {
    for (let c = 0; c < steps; c++) {
      const o = (r * steps + c) * dim;
      for (let k = 0; k < dim; k++) z[o + k] = stats ? stats.mean[k] : 0;
      const u = -range + (2 * range * c) / (steps - 1);
      const v = range - (2 * range * r) / (steps - 1);
      z[o + di] = stats ? stats.mean[di] + u * stats.std[di] : u;
      z[o + dj] = stats ? stats.mean[dj] + v * stats.std[dj] : v;
    }
  }
  return z;
}

/** Per-dimension mean and standard deviation of `count × dim` latents. */
export function latentStats(latents: Float32Array, count: number, dim: number): LatentStats {
  const mean = new Array<number>(dim).fill(0);
  const std = new Array<number>(dim).fill(0);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += latents[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(count, 1);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) std[j] += (latents[i * dim + j] - mean[j]) ** 2;
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt(std[j] / Math.max(count, 1)) || 1;
  return { mean, std };
}
