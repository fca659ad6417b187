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
