/** What the kernel tests share: a seeded generator and a comparison scaled to the expected values. */
import { expect } from 'vitest';

/** A Park–Miller generator in (0, 1) from `seed`. */
export function rand(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Every |actual − expected| ≤ rel · max|expected| + 1e-6; the message names the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 2e-4): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (d > worst) [worst, at] = [d, i];
  }
  expect(worst, `worst at ${at}: ${actual[at]} vs ${expected[at]} (scale ${scale})`).toBeLessThanOrEqual(rel * scale + 1e-6);
}

/**
 * A VAE-GAN kernel step's whole-batch gradient from its threads' shares: the sum of every
 * `net.gradsOf()` plus the L2 penalty's 2·l2·W/m on kernel tensors (as the Adam step adds it).
 */
export function sumGanShares(nets: ReadonlyArray<{ gradsOf(): Float32Array; getFlat(): Float32Array }>, plan: { P: number; tensors: ReadonlyArray<{ offset: number; size: number; kernel: boolean }> }, l2: number, m: number): Float32Array {
  const g = new Float32Array(plan.P);
  for (const net of nets) {
    const s = net.gradsOf();
    for (let i = 0; i < g.length; i++) g[i] += s[i];
  }
  const w = nets[0].getFlat();
  for (const t of plan.tensors) if (t.kernel) for (let i = t.offset; i < t.offset + t.size; i++) g[i] += ((2 * l2) / m) * w[i];
  return g;
}

/**
 * Each network's slice of a VAE-GAN kernel gradient `got` (encoder, decoder, discriminator: the
 * plan's `nets`) is non-trivial and equals the reference `want` (tfjs autodiff), scaled to its own
 * largest value.
 */
export function expectNetsClose(plan: { nets: Record<string, number[]>; tensors: ReadonlyArray<{ offset: number; size: number }> }, got: Float32Array, want: Float32Array, rel = 1e-4): void {
  for (const [net, idx] of Object.entries(plan.nets)) {
    const lo = plan.tensors[idx[0]].offset;
    const last = plan.tensors[idx[idx.length - 1]];
    const hi = last.offset + last.size;
    let max = 0;
    for (let i = lo; i < hi; i++) max = Math.max(max, Math.abs(want[i]));
    expect(max, net).toBeGreaterThan(1e-6);
    expectClose(got.subarray(lo, hi), want.subarray(lo, hi), rel);
  }
}
