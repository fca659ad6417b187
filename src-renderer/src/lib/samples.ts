/**
 * Scatter points carry their index in the test split (≥ 0) or, for training points shown on
 * demand, `-(i + 1)` for training index i.
 */
export function pointSource(index: number): { split: 'train' | 'test'; index: number } {
  return index < 0 ? { split: 'train', index: -index - 1 } : { split: 'test', index };
}

/** "test #12" or "train #3". */
export function pointName(index: number): string {
  const s = pointSource(index);
  return `${s.split} #${s.index}`;
}
