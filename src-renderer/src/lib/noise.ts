/** Seeded noise for the denoising view (the same seed gives the same noisy image). */

/** mulberry32: a small seeded uniform generator in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `x` plus Gaussian noise of standard deviation `sigma` (pixel units, images in [0, 1]), clipped
 * to [0, 1]; seeded by `seed`. A new array; `sigma` 0 returns a copy.
 */
export function addGaussianNoise(x: Float32Array, sigma: number, seed: number): Float32Array {
  const out = new Float32Array(x.length);
  const rnd = mulberry32(seed);
  for (let i = 0; i < x.length; i++) {
    // Box–Muller; 1 − u keeps the logarithm finite.
    const g = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    const v = x[i] + sigma * g;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
