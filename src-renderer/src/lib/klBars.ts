/**
 * The KL-per-dimension bars (run summary, Explore): which dimensions count as active, and the
 * absolute scale the bars are drawn on, so a collapsed run's near-zero KL looks near zero instead
 * of filling the bars (a fresh tester saw three full-height bars beside "0/3 active").
 */

/**
 * The least full-scale value of a KL bar, in nats: a bar's length is its KL over
 * max(`KL_SCALE_FLOOR`, the run's largest KL of a dimension). A dimension in use on MNIST carries
 * one to a few nats; a collapsed one a hundredth of a nat, drawn as 1 % of the bar.
 */
export const KL_SCALE_FLOOR = 1;

/** The value a full bar stands for: max(`floor`, the largest of `values`); `values` in nats. */
export function klScale(values: readonly number[], floor = KL_SCALE_FLOOR): number {
  let m = floor;
  for (const v of values) if (Number.isFinite(v) && v > m) m = v;
  return m;
}

/**
 * Whether each dimension is active, as the engine decided (`Metrics.activeDims`: posterior-mean
 * variance over 0.01) when it sent the flags for every dimension; for runs saved before that, the
 * engine's count `activeUnits` is given to the dimensions of largest KL (the nearest guess: the
 * count always agrees with the engine's). Length: `klPerDim.length`.
 */
export function activeFlags(klPerDim: readonly number[], activeUnits: number, activeDims?: readonly boolean[]): boolean[] {
  if (activeDims && activeDims.length === klPerDim.length) return [...activeDims];
  const order = klPerDim.map((v, k) => ({ v, k })).sort((a, b) => b.v - a.v || a.k - b.k);
  const flags = klPerDim.map(() => false);
  for (const { k } of order.slice(0, Math.max(0, activeUnits))) flags[k] = true;
  return flags;
}
