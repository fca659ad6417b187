/**
 * How a batch is split across the training workers, shared by both sides: each worker's rows,
 * its noise seed, and which worker owns (runs Adam on) which variable. Deterministic: every
 * worker computes the same answers.
 */

/** Step seed of `trainModel` (so worker 0's rows get exactly the single-threaded noise). */
export function stepSeedOf(seed: number, step: number): number {
  return (seed * 7919 + step * 104729) % 2147483647;
}

/** Noise seed of worker `index` for a step: worker 0 keeps the step seed, the others get distinct ones. */
export function workerSeed(stepSeed: number, index: number): number {
  return index === 0 ? stepSeed : (stepSeed + index * 1_000_003 + 7) % 2147483647;
}

/** Rows [lo, hi) of a batch of m that worker `index` of `workers` handles. */
export function shareOf(m: number, index: number, workers: number): [number, number] {
  return [Math.floor((m * index) / workers), Math.floor((m * (index + 1)) / workers)];
}

/**
 * Which worker owns (keeps the Adam state of and updates) each variable: greedy by size, so
 * the optimizer work is split evenly. Deterministic: every worker computes the same answer.
 */
export function partitionVariables(sizes: number[], workers: number): number[] {
  const owner = new Array<number>(sizes.length).fill(0);
  const load = new Array<number>(workers).fill(0);
  const bySize = sizes.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [size, i] of bySize) {
    let best = 0;
    for (let w = 1; w < workers; w++) if (load[w] < load[best]) best = w;
    owner[i] = best;
    load[best] += size;
  }
  return owner;
}
