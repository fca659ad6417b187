/** NumPy .npy v1.0 headers (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html). */

export type NpyDescr = '|u1' | '<i2' | '<i4' | '<f4' | `<U${number}`;

/**
 * The NPY v1.0 preamble: magic, version 1.0, little-endian uint16 header length, then the
 * header dict padded with spaces and ended by '\n' so that the data starts at a multiple of 64.
 */
export function npyHeader(descr: NpyDescr, shape: readonly number[]): Uint8Array {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLen = total - 10;
  if (headerLen > 0xffff) throw new Error('npy header too long');
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

/** Bytes of a typed array in little-endian order (all supported platforms are little-endian). */
export function leBytes(a: Int16Array | Int32Array | Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * A 1-D NumPy array of fixed-width unicode strings (`<U{n}`, n = the longest string's code points,
 * at least 1): header and data, each string as n UTF-32LE code points padded with zeros — what
 * `np.array(['zero', 'one'])` saves. Throws when `strings` is empty.
 */
export function npyStrings(strings: readonly string[]): Uint8Array {
  if (strings.length === 0) throw new Error('npyStrings: no strings');
  const points = strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const width = Math.max(1, ...points.map((p) => p.length));
  const header = npyHeader(`<U${width}`, [strings.length]);
  const data = new Uint32Array(strings.length * width);
  points.forEach((p, i) => data.set(p, i * width));
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(data.buffer), header.length);
  return out;
}
