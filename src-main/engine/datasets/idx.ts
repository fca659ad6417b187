/**
 * IDX file format (as used by MNIST / Fashion-MNIST): reader and ubyte writer.
 *
 * Layout: magic (2 zero bytes, type byte, dimension count byte), then one big-endian uint32 per
 * dimension, then the data in C order (multi-byte types big-endian). `.gz` input is detected by
 * the gzip magic (1f 8b) and decompressed with Node's zlib (native: ≈ 10× fflate's JS inflate on a
 * 47 MB MNIST file).
 */
import { gunzipSync } from 'node:zlib';
import { LabError } from '../../../src-shared/types';

export const IDX_UBYTE = 0x08;
export const IDX_BYTE = 0x09;
export const IDX_SHORT = 0x0b;
export const IDX_INT = 0x0c;
export const IDX_FLOAT = 0x0d;
export const IDX_DOUBLE = 0x0e;

const TYPE_SIZES: Record<number, number> = {
  [IDX_UBYTE]: 1,
  [IDX_BYTE]: 1,
  [IDX_SHORT]: 2,
  [IDX_INT]: 4,
  [IDX_FLOAT]: 4,
  [IDX_DOUBLE]: 8,
};

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** IDX type byte (0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float, 0x0e double). */
  type: number;
  dims: number[];
  data: IdxData;
}

export interface ReadIdxOptions {
  /** Reject files whose dimension count differs (e.g. 3 for images, 1 for labels). */
  expectDims?: number;
  /** Reject files of another element type (e.g. IDX_UBYTE). */
  expectType?: number;
  /** A name for messages, e.g. "train-images-idx3-ubyte.gz". */
  name?: string;
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * zlib's output chunk for gunzipping `gz`: the size its trailer gives (ISIZE, the data's length
 * mod 2³²) when that is plausible, so a big file is inflated into one array of its size rather
 * than into 64 KB pieces joined afterwards (which the allocator keeps: ≈ 180 MB of RSS after a
 * 245 MB file). Only a hint: a wrong trailer changes the pieces, never the result.
 */
function gunzipChunk(gz: Uint8Array): number {
  const isize = gz.length >= 18 ? new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4).getUint32(0, true) : 0;
  // DEFLATE expands at most ≈ 1032×; never ask for more than that, nor for less than zlib's default.
  return Math.max(64 * 1024, Math.min(isize, gz.length * 1032, 2 ** 31));
}

/**
 * Parse an IDX file (optionally gzipped). Throws LabError('BAD_DATASET') on a wrong magic number,
 * unsupported type, unexpected dimension count, truncated data or trailing garbage.
 */
export function readIdx(bytes: Uint8Array, opts: ReadIdxOptions = {}): IdxArray {
  const what = opts.name ? `${opts.name}: ` : '';
  const bad = (msg: string) => new LabError('BAD_DATASET', `${what}${msg}`);
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      const out = gunzipSync(bytes, { chunkSize: gunzipChunk(bytes) });
      raw = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      throw bad(`the gzip data is truncated or corrupt (${(err as Error).message})`);
    }
  }
  if (raw.length < 4) throw bad(`not an IDX file (only ${raw.length} bytes)`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw bad('not an IDX file (wrong magic number: the first two bytes must be zero)');
  }
  const type = raw[2];
  const size = TYPE_SIZES[type];
  if (!size) throw bad(`unsupported IDX element type 0x${type.toString(16).padStart(2, '0')}`);
  if (opts.expectType !== undefined && type !== opts.expectType) {
    throw bad(
      `expected IDX element type 0x${opts.expectType.toString(16).padStart(2, '0')}, found 0x${type.toString(16).padStart(2, '0')}`,
    );
  }
  const ndim = raw[3];
  if (ndim === 0) throw bad('IDX file has zero dimensions');
  if (opts.expectDims !== undefined && ndim !== opts.expectDims) {
    throw bad(`expected ${opts.expectDims} dimension${opts.expectDims === 1 ? '' : 's'}, found ${ndim}`);
  }
  const headerLen = 4 + 4 * ndim;
  if (raw.length < headerLen) throw bad('IDX header is truncated');
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = headerLen + count * size;
  if (raw.length < expected) {
    throw bad(`IDX data is truncated: expected ${expected} bytes for shape [${dims.join(', ')}], found ${raw.length}`);
  }
  if (raw.length > expected) {
    throw bad(`IDX file has ${raw.length - expected} unexpected trailing bytes for shape [${dims.join(', ')}]`);
  }
  return { type, dims, data: decodeData(raw, headerLen, count, type) };
}

function decodeData(raw: Uint8Array, offset: number, count: number, type: number): IdxData {
  // A view, not a copy: `raw` is this file's own bytes (or their gunzipped copy), and a 20,000-image
  // 64×64×3 file would otherwise be held twice (issue #13's memory goal).
  if (type === IDX_UBYTE) return raw.subarray(offset, offset + count);
  if (type === IDX_BYTE) return new Int8Array(raw.slice(offset, offset + count).buffer);
  const view = new DataView(raw.buffer, raw.byteOffset + offset, raw.byteLength - offset);
  switch (type) {
    case IDX_SHORT: {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case IDX_INT: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case IDX_FLOAT: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

/** Just the header of an uncompressed ubyte IDX with these dimensions (for streaming writers). */
export function idxHeader(dims: readonly number[]): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new LabError('INTERNAL', 'IDX needs 1..255 dimensions');
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = IDX_UBYTE;
  header[3] = dims.length;
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new LabError('INTERNAL', `bad IDX dimension ${d}`);
    view.setUint32(4 + 4 * i, d, false);
  });
  return header;
}

/** Write an uncompressed ubyte (type 0x08) IDX file, byte-compatible with the MNIST files. */
export function writeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new LabError('INTERNAL', `IDX data has ${data.length} bytes, shape [${dims.join(', ')}] needs ${count}`);
  }
  const header = idxHeader(dims);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}

/**
 * Check that an image IDX ([n, h, w]) and a label IDX ([n]) belong together.
 * Returns the count; throws LabError('BAD_DATASET') on a mismatch.
 */
export function checkImageLabelPair(
  images: IdxArray,
  labels: IdxArray,
  opts: { name?: string; shape?: readonly [number, number] } = {},
): number {
  const what = opts.name ? `${opts.name}: ` : '';
  if (images.dims.length !== 3) {
    throw new LabError('BAD_DATASET', `${what}image file must have 3 dimensions, found ${images.dims.length}`);
  }
  if (labels.dims.length !== 1) {
    throw new LabError('BAD_DATASET', `${what}label file must have 1 dimension, found ${labels.dims.length}`);
  }
  const n = images.dims[0];
  if (labels.dims[0] !== n) {
    throw new LabError('BAD_DATASET', `${what}${n} images but ${labels.dims[0]} labels (the files do not belong together)`);
  }
  if (opts.shape && (images.dims[1] !== opts.shape[0] || images.dims[2] !== opts.shape[1])) {
    throw new LabError(
      'BAD_DATASET',
      `${what}images are ${images.dims[1]}×${images.dims[2]}, expected ${opts.shape[0]}×${opts.shape[1]}`,
    );
  }
  return n;
}
