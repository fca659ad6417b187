/**
 * A split's rows as they are kept, and their conversion to the floats models read.
 *
 * Image pixels are kept as bytes (`Uint8Array`, value = round(255·v), HWC): a quarter of the
 * memory of floats (20,000 images of 64×64×3 take 246 MB instead of 983 MB). The toy 2-D sets
 * (standardised points, not pixels) stay `Float32Array`. Every reader turns rows into floats in
 * [0, 1] with these helpers, into a buffer it reuses: byte k becomes the float32 `k / 255`, bit
 * for bit the float the datasets held before (a 256-entry table; `k · (1/255)` rounds to the same
 * floats). Aligned rows are read four bytes at a time: converting a 128-row share of MNIST costs
 * ≈ 0.1 ms, a 64-row share of 64×64×3 images ≈ 1 ms (docs/PERFORMANCE.md).
 */

/** The values of a split's rows: bytes for images (k ↦ k/255), floats for toy sets. */
export type RowValues = Float32Array | Uint8Array;

/** Byte k as the float32 k/255. */
const BYTE_F32 = Float32Array.from({ length: 256 }, (_, k) => k / 255);
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** A whole-buffer Uint32 view per byte buffer (weak: a dropped dataset's buffer is not kept). */
const words = new WeakMap<ArrayBufferLike, Uint32Array>();

/** Writes `n` bytes of `x` from index `s` as floats into `out` from index `at`. */
function bytesToF32(x: Uint8Array, s: number, n: number, out: Float32Array, at: number): void {
  let k = 0;
  const start = x.byteOffset + s;
  if (LITTLE_ENDIAN && n >= 16 && (start & 3) === 0) {
    let w = words.get(x.buffer);
    if (!w) words.set(x.buffer, (w = new Uint32Array(x.buffer, 0, x.buffer.byteLength >>> 2)));
    const q = start >>> 2;
    const m = n >>> 2;
    for (let j = 0; j < m; j++) {
      const v = w[q + j];
      const o = at + 4 * j;
      out[o] = BYTE_F32[v & 255];
      out[o + 1] = BYTE_F32[(v >>> 8) & 255];
      out[o + 2] = BYTE_F32[(v >>> 16) & 255];
      out[o + 3] = BYTE_F32[v >>> 24];
    }
    k = m << 2;
  }
  for (; k < n; k++) out[at + k] = BYTE_F32[x[s + k]];
}

/** The element kind of a split's rows, for a worker that receives only their buffer. */
export type RowKind = 'u8' | 'f32';

export function rowKind(x: RowValues): RowKind {
  return x instanceof Uint8Array ? 'u8' : 'f32';
}

/** A view of the whole of `buffer` as rows of kind `kind` (what `rowKind` said of the sender's array). */
export function viewRows(buffer: ArrayBufferLike, kind: RowKind): RowValues {
  return kind === 'u8' ? new Uint8Array(buffer) : new Float32Array(buffer);
}

/**
 * Writes row `row` of `x` (`D` values a row) as floats into `out` at element `at`.
 * Bytes become byte/255; floats are copied.
 */
export function copyRowF32(x: RowValues, D: number, row: number, out: Float32Array, at: number): void {
  const s = row * D;
  if (x instanceof Float32Array) {
    out.set(x.subarray(s, s + D), at);
    return;
  }
  bytesToF32(x, s, D, out, at);
}

/**
 * Rows [start, start + count) of `x` (`D` values a row) as `count × D` floats: written into
 * `out` from element 0 (which must hold them; returns `out`'s first count·D elements) or, without
 * `out`, a view of `x` when it already is floats and a new array when it is bytes.
 * @throws RangeError when `out` is too small or the rows run past `x`.
 */
export function rowsF32(x: RowValues, D: number, start: number, count: number, out?: Float32Array): Float32Array {
  const n = count * D;
  const s = start * D;
  if (s < 0 || s + n > x.length) throw new RangeError(`rows ${start}…${start + count - 1} of ${D} values are not all in an array of ${x.length}`);
  if (!out) {
    if (x instanceof Float32Array) return x.subarray(s, s + n);
    out = new Float32Array(n);
  }
  if (out.length < n) throw new RangeError(`${count} rows of ${D} values do not fit a buffer of ${out.length}`);
  if (x instanceof Float32Array) out.set(x.subarray(s, s + n));
  else bytesToF32(x, s, n, out, 0);
  return n === out.length ? out : out.subarray(0, n);
}

/**
 * The rows `indices` of `x` (`D` values a row) as floats, row i at element i·D of `out` (which
 * must hold indices.length·D). Returns `out`'s first indices.length·D elements.
 * @throws RangeError when `out` is too small.
 */
export function gatherRowsF32(x: RowValues, D: number, indices: ArrayLike<number>, out: Float32Array): Float32Array {
  const n = indices.length * D;
  if (out.length < n) throw new RangeError(`${indices.length} rows of ${D} values do not fit a buffer of ${out.length}`);
  for (let i = 0; i < indices.length; i++) copyRowF32(x, D, indices[i], out, i * D);
  return n === out.length ? out : out.subarray(0, n);
}

/** Every value of `x` as a float (bytes: byte/255, a new array; floats: `x` itself). For small splits, checks and tests. */
export function valuesF32(x: RowValues): Float32Array {
  return x instanceof Float32Array ? x : rowsF32(x, 1, 0, x.length);
}
