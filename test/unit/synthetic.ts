/** Small synthetic split for model tests: 3 classes of 12-pixel patterns with seeded noise. */
export function synthetic(n: number, seed = 1): { x: Float32Array; y: Int32Array; count: number } {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const x = new Float32Array(n * 12);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let j = 0; j < 12; j++) x[i * 12 + j] = Math.min(1, Math.max(0, (Math.floor(j / 4) === c ? 0.9 : 0.1) + (rand() - 0.5) * 0.2));
  }
  return { x, y, count: n };
}

/** Tensors' values concatenated (e.g. a model's variables, or their gradients, in order). */
export function flatten(tensors: Array<{ size: number; dataSync(): ArrayLike<number> }>): Float32Array {
  const out = new Float32Array(tensors.reduce((s, t) => s + t.size, 0));
  let o = 0;
  for (const t of tensors) {
    out.set(t.dataSync(), o);
    o += t.size;
  }
  return out;
}
