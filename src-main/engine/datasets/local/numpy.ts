/**
 * NumPy `.npy` files (format versions 1–3, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
 * read without Python: the header dict is parsed as text, never evaluated. Numeric dtypes
 * (bool, signed and unsigned integers of 1–8 bytes, float16/32/64, either byte order) and
 * fixed-width unicode strings (`<U…`, for class names) are read. Object arrays need pickle, which
 * is never loaded (`allow_pickle` is refused); structured dtypes and Fortran order are refused too,
 * each with a message saying how to save the array instead. `.npz` archives are ZIP files of
 * `.npy` entries, unpacked with fflate (DEFLATE by Node's zlib).
 */
import { promises as fsp } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { Unzip, UnzipPassThrough, type AsyncFlateStreamHandler, type FlateError, type UnzipDecoder } from 'fflate';
import { LabError } from '../../../../src-shared/types';
import { throwIfAborted } from '../fsutil';

/** A numeric (or string) n-dimensional array in C order. */
export interface NdArray {
  shape: number[];
  /** NumPy kind: b bool, u unsigned, i signed, f float, U unicode string. */
  kind: 'b' | 'u' | 'i' | 'f' | 'U';
  /** dtype as written in the file, e.g. `<f4`. */
  descr: string;
  /** The values in C order (strings for kind U). */
  values: ArrayLike<number> | string[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const bad = (name: string, msg: string) => new LabError('BAD_DATASET', `${name}: ${msg}`);

function headerText(bytes: Uint8Array, name: string): { dict: string; dataStart: number } {
  if (bytes.length < 10 || MAGIC.some((v, i) => bytes[i] !== v)) throw bad(name, 'not a NumPy .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let len: number;
  let start: number;
  if (major === 1) {
    len = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad(name, 'the .npy header is truncated');
    len = view.getUint32(8, true);
    start = 12;
  } else throw bad(name, `unknown .npy format version ${major}.${bytes[7]}`);
  if (start + len > bytes.length) throw bad(name, 'the .npy header is truncated');
  const dict = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + len));
  return { dict, dataStart: start + len };
}

/** Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 28, 28), }` without evaluating it. */
function parseHeader(dict: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(dict)?.[2];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined) {
    if (/['"]descr['"]\s*:\s*\[/.test(dict)) throw bad(name, 'structured (record) arrays are not read: save each field as its own array');
    throw bad(name, 'the .npy header has no dtype');
  }
  if (fortran === undefined || shapeText === undefined) throw bad(name, 'the .npy header is incomplete');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (!/^\d+L?$/.test(s)) throw bad(name, `bad shape (${shapeText}) in the .npy header`);
      return parseInt(s, 10);
    });
  return { descr, fortran: fortran === 'True', shape };
}

type Reader = (v: DataView, off: number, le: boolean) => number;

const READERS: Record<string, Reader> = {
  b1: (v, o) => v.getUint8(o),
  u1: (v, o) => v.getUint8(o),
  i1: (v, o) => v.getInt8(o),
  u2: (v, o, le) => v.getUint16(o, le),
  i2: (v, o, le) => v.getInt16(o, le),
  u4: (v, o, le) => v.getUint32(o, le),
  i4: (v, o, le) => v.getInt32(o, le),
  u8: (v, o, le) => Number(v.getBigUint64(o, le)),
  i8: (v, o, le) => Number(v.getBigInt64(o, le)),
  f2: (v, o, le) => half(v.getUint16(o, le)),
  f4: (v, o, le) => v.getFloat32(o, le),
  f8: (v, o, le) => v.getFloat64(o, le),
};

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Values as a plain typed array where the bytes allow it (1-byte types, little-endian f4/f8 …), else read one by one. */
function numericValues(bytes: Uint8Array, start: number, count: number, code: string, le: boolean): ArrayLike<number> {
  const size = Number(code.slice(1));
  const raw = bytes.subarray(start, start + count * size);
  if (code === 'u1' || code === 'b1') return raw;
  if (code === 'i1') return new Int8Array(raw.buffer, raw.byteOffset, count);
  const copy = raw.slice(); // aligned
  if (le) {
    if (code === 'f4') return new Float32Array(copy.buffer, 0, count);
    if (code === 'f8') return new Float64Array(copy.buffer, 0, count);
    if (code === 'i4') return new Int32Array(copy.buffer, 0, count);
    if (code === 'u2') return new Uint16Array(copy.buffer, 0, count);
    if (code === 'i2') return new Int16Array(copy.buffer, 0, count);
  }
  const read = READERS[code];
  const view = new DataView(copy.buffer);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = read(view, i * size, le);
  return out;
}

/**
 * Parse one `.npy` file. `name` labels messages.
 * @throws LabError BAD_DATASET for object (pickle) or structured dtypes, Fortran order, a
 *   truncated file or an unknown dtype — each saying what to do instead.
 */
export function parseNpy(bytes: Uint8Array, name: string): NdArray {
  const { dict, dataStart } = headerText(bytes, name);
  const { descr, fortran, shape } = parseHeader(dict, name);
  const m = /^([<>|=])?([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw bad(name, `dtype ${descr} is not read`);
  const [, order = '|', kindChar, sizeText] = m;
  if (kindChar === 'O') {
    throw bad(name, 'holds Python objects (dtype object), which only pickle can read, and pickle is never loaded: save the array with a numeric dtype (e.g. np.uint8 images, np.int64 labels)');
  }
  if (fortran) throw bad(name, 'is saved in Fortran order: save np.ascontiguousarray(a) instead');
  const count = shape.reduce((a, b) => a * b, 1);
  const le = order !== '>';
  if (kindChar === 'U') {
    const chars = Number(sizeText);
    if (dataStart + count * chars * 4 > bytes.length) throw bad(name, 'the data is truncated');
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, count * chars * 4);
    const values: string[] = [];
    for (let i = 0; i < count; i++) {
      let s = '';
      for (let k = 0; k < chars; k++) {
        const cp = view.getUint32((i * chars + k) * 4, le);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      values.push(s);
    }
    return { shape, kind: 'U', descr, values };
  }
  const code = `${kindChar}${sizeText}`;
  if (!READERS[code]) throw bad(name, `dtype ${descr} is not read (use uint8, an integer type or float32/float64)`);
  const size = Number(sizeText);
  if (dataStart + count * size > bytes.length) {
    throw bad(name, `the data is truncated: shape (${shape.join(', ')}) of ${descr} needs ${count * size} bytes, found ${bytes.length - dataStart}`);
  }
  return { shape, kind: kindChar as NdArray['kind'], descr, values: numericValues(bytes, dataStart, count, code, le) };
}

/**
 * fflate's ZIP reader with Node's native inflate for DEFLATE entries (the JS inflate is several
 * times slower on the tens of MB an .npz of 60,000 images holds).
 */
class NativeInflate implements UnzipDecoder {
  static compression = 8;
  ondata!: AsyncFlateStreamHandler;
  private readonly parts: Uint8Array[] = [];
  push(chunk: Uint8Array, final: boolean): void {
    this.parts.push(chunk.slice());
    if (!final) return;
    let out: Buffer;
    try {
      out = inflateRawSync(Buffer.concat(this.parts));
    } catch (err) {
      this.ondata(err as FlateError, null as unknown as Uint8Array<ArrayBuffer>, true);
      return;
    }
    this.ondata(null, new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength), true);
  }
}

/** Bytes read from an .npz per step: the file is never held whole, only its entries are. */
const NPZ_CHUNK = 8 * 1024 * 1024;

/** The arrays of an .npz archive: `keys` lists every key (entry name without `.npy`); `get` parses one. */
export interface NpzArrays {
  keys: string[];
  get: (key: string) => NdArray;
}

/**
 * fflate's streaming ZIP reader, collecting each `.npy` entry into one array of its own: a stored
 * entry is copied piece by piece into an array of its size (the pieces pushed are not kept), a
 * deflated one is the inflated output as it is.
 */
function npzCollector(name: string): { push: (chunk: Uint8Array, final: boolean) => void; finish: () => NpzArrays } {
  const files: Record<string, Uint8Array> = {};
  let failure: Error | null = null;
  const unzip = new Unzip((file) => {
    if (!file.name.endsWith('.npy')) return;
    const sized = file.compression === 0 && file.originalSize !== undefined ? new Uint8Array(file.originalSize) : null;
    const parts: Uint8Array[] = [];
    let at = 0;
    file.ondata = (err, data, final) => {
      if (err) return void (failure = err);
      if (sized) {
        if (at + data.length > sized.length) return void (failure = new Error(`${file.name} holds more bytes than its header says`));
        sized.set(data, at);
        at += data.length;
      } else if (data.length) parts.push(file.compression === 0 ? data.slice() : data);
      if (!final) return;
      if (sized) files[file.name] = sized.subarray(0, at);
      else files[file.name] = parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts));
      parts.length = 0;
    };
    file.start();
  });
  unzip.register(UnzipPassThrough);
  unzip.register(NativeInflate);
  const fail = (err: Error | null) =>
    bad(name, `not a readable .npz (ZIP) archive${err ? ` (${err.message})` : ' (no .npy entries)'}`);
  return {
    push: (chunk, final) => {
      try {
        unzip.push(chunk, final);
      } catch (err) {
        failure = err as Error;
      }
      if (failure) throw fail(failure);
    },
    finish: () => {
      if (failure || !Object.keys(files).length) throw fail(failure);
      const keys = Object.keys(files).map((k) => k.replace(/\.npy$/, ''));
      return { keys, get: (key) => parseNpy(files[`${key}.npy`], `${name}[${key}]`) };
    },
  };
}

/**
 * The arrays of a `.npz` archive held in memory (see `readNpz` for a file).
 * @throws LabError BAD_DATASET when the bytes are not a readable ZIP.
 */
export function openNpz(bytes: Uint8Array, name: string): NpzArrays {
  const c = npzCollector(name);
  // A plain view: fflate slices what it is given expecting copies, which a Node Buffer's slice is not.
  c.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), true);
  return c.finish();
}

/**
 * The arrays of the `.npz` file `file`, read 8 MB at a time: only the entries stay in memory,
 * never the whole file beside them (a 20,000-image 64×64×3 archive is 245 MB). `name` labels
 * messages. Checks `signal` between reads.
 * @throws LabError BAD_DATASET when the file is not a readable ZIP, CANCELLED when aborted.
 */
export async function readNpz(file: string, name: string, signal?: AbortSignal): Promise<NpzArrays> {
  const c = npzCollector(name);
  const fh = await fsp.open(file, 'r');
  try {
    let left = (await fh.stat()).size;
    for (;;) {
      throwIfAborted(signal);
      // A fresh buffer each time: fflate may keep a view of the last few bytes pushed.
      const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(NPZ_CHUNK, left)));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      left -= bytesRead;
      c.push(new Uint8Array(chunk.buffer, chunk.byteOffset, bytesRead), bytesRead === 0);
      if (bytesRead === 0) break;
    }
  } finally {
    await fh.close();
  }
  return c.finish();
}
