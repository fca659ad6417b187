/**
 * Memory of a big image import (issue #13: a 20,000-image 64×64×3 set must train under 1.5 GB,
 * and its pixels as floats alone would be 938 MB; as bytes they are 235 MB). What the importer keeps reachable is measured with V8's
 * own count of live array buffers after full GCs (`--expose-gc` turned on here), not RSS: the
 * figures do not depend on the allocator or on timing.
 *
 * - While the images are converted (the `decode` progress reports all done), one copy of the
 *   image bytes is reachable: not the file's bytes and a copy of them, nor the decoded arrays and
 *   a copy of them.
 * - Once the dataset is loaded, it holds its pixels as bytes (not floats: a quarter of the
 *   memory) and labels, and nothing else of that size.
 *
 * An .npz is read in 8 MB pieces: one written as a stream (sizes after each entry, as Python's
 * zipfile writes to a pipe) and larger than one piece gives the arrays it holds.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Zip, ZipPassThrough, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, writeIdx } from '../../src-main/engine/datasets';
import { rowsF32 } from '../../src-main/engine/datasets/rows';
import { npy } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Bytes of array buffers still reachable (two full GCs: the second finishes the first's sweep). */
function reachable(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

const SIDE = 64;
const D = SIDE * SIDE * 3;
const N_TRAIN = 1600;
const N_TEST = 400;
const IMAGE_BYTES = (N_TRAIN + N_TEST) * D; // ≈ 24.6 MB

/** `n` colour images (a gradient per class and a seeded texture: none constant) and labels 0–4. */
function colourImages(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(n * D);
  const labels = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    labels[i] = i % 5;
    for (let p = 0; p < SIDE * SIDE; p++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const noise = s >>> 28;
      for (let c = 0; c < 3; c++) images[i * D + p * 3 + c] = ((p % SIDE) * 2 + (c === labels[i] % 3 ? 100 : 0) + noise) & 255;
    }
  }
  return { images, labels };
}

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-import-memory-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

/** Writes the images the files hold; returns them as the floats the import must give (train, test). */
async function writeNpz(file: string, level: 0 | 1): Promise<{ train: Float32Array; test: Float32Array }> {
  const a = colourImages(N_TRAIN, 1);
  const b = colourImages(N_TEST, 2);
  await fsp.writeFile(
    file,
    zipSync(
      {
        'x_train.npy': npy(a.images, [N_TRAIN, SIDE, SIDE, 3]),
        'y_train.npy': npy(a.labels, [N_TRAIN]),
        'x_test.npy': npy(b.images, [N_TEST, SIDE, SIDE, 3]),
        'y_test.npy': npy(b.labels, [N_TEST]),
      },
      { level: level as 0 | 1 },
    ),
  );
  return { train: Float32Array.from(a.images.subarray(0, 3 * D), (v) => v / 255), test: Float32Array.from(b.images.subarray(0, 3 * D), (v) => v / 255) };
}

async function writeIdxFolder(dir: string): Promise<{ train: Float32Array; test: Float32Array }> {
  const a = colourImages(N_TRAIN, 1);
  const b = colourImages(N_TEST, 2);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'train-images-idx3-ubyte'), writeIdx([N_TRAIN, SIDE, SIDE, 3], a.images));
  await fsp.writeFile(path.join(dir, 'train-labels-idx1-ubyte'), writeIdx([N_TRAIN], a.labels));
  await fsp.writeFile(path.join(dir, 't10k-images-idx3-ubyte'), writeIdx([N_TEST, SIDE, SIDE, 3], b.images));
  await fsp.writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), writeIdx([N_TEST], b.labels));
  return { train: Float32Array.from(a.images.subarray(0, 3 * D), (v) => v / 255), test: Float32Array.from(b.images.subarray(0, 3 * D), (v) => v / 255) };
}

/** Imports `p`, measuring reachable array buffers (above what was reachable before) while converting and after. */
async function importMeasured(p: string, expected: { train: Float32Array; test: Float32Array }) {
  clearDatasetMemo();
  const before = reachable();
  let whileConverting = -1;
  const d = await loadDataset(
    { id: 'local', path: p },
    {
      dataDir: tmp,
      onProgress: (e) => {
        if (e.phase === 'decode' && e.total > 0 && e.loaded === e.total && whileConverting < 0) whileConverting = reachable() - before;
      },
    },
  );
  // What stays reachable once the import's pending I/O callbacks (file handles closing) have run:
  // the least over a few event-loop turns after the load resolved.
  let loaded = reachable() - before;
  for (let turn = 0; turn < 8; turn++) {
    await new Promise<void>((r) => setImmediate(r));
    loaded = Math.min(loaded, reachable() - before);
  }
  // The same images, split as the files give it.
  expect(d.train.count).toBe(N_TRAIN);
  expect(d.test.count).toBe(N_TEST);
  expect(d.shape).toEqual([SIDE, SIDE, 3]);
  // Kept as bytes; as model inputs (byte/255) the very floats of the files' bytes.
  expect(d.train.x).toBeInstanceOf(Uint8Array);
  expect(Array.from(rowsF32(d.train.x, D, 0, 3))).toEqual(Array.from(expected.train));
  expect(Array.from(rowsF32(d.test.x, D, 0, 3))).toEqual(Array.from(expected.test));
  clearDatasetMemo();
  return { whileConverting, loaded };
}

describe('a big colour import keeps one copy of the images in memory', () => {
  it('.npz as numpy.savez writes it (stored entries): the file is not held beside its arrays', async () => {
    const file = path.join(tmp, 'stored.npz');
    const expected = await writeNpz(file, 0);
    const m = await importMeasured(file, expected);
    expect(m.whileConverting).toBeGreaterThan(0.9 * IMAGE_BYTES);
    expect(m.whileConverting).toBeLessThan(1.5 * IMAGE_BYTES);
    expect(m.loaded).toBeLessThan(1.1 * IMAGE_BYTES);
  });

  it('.npz as numpy.savez_compressed writes it (deflate)', async () => {
    const file = path.join(tmp, 'deflated.npz');
    const expected = await writeNpz(file, 1);
    const m = await importMeasured(file, expected);
    expect(m.whileConverting).toBeLessThan(1.5 * IMAGE_BYTES);
    expect(m.loaded).toBeLessThan(1.1 * IMAGE_BYTES);
  });

  it('IDX files (train and t10k): the decoded arrays are not copied again', async () => {
    const dir = path.join(tmp, 'idx');
    const expected = await writeIdxFolder(dir);
    const m = await importMeasured(dir, expected);
    expect(m.whileConverting).toBeGreaterThan(0.9 * IMAGE_BYTES);
    expect(m.whileConverting).toBeLessThan(1.5 * IMAGE_BYTES);
    expect(m.loaded).toBeLessThan(1.1 * IMAGE_BYTES);
  });
});

describe('an .npz read in pieces', () => {
  it('written as a stream (sizes after each entry), larger than one read: the same images and labels', async () => {
    const n = 1200; // 14.7 MB of images: two reads
    const { images, labels } = colourImages(n, 3);
    const wide = Int32Array.from(labels, (v) => v * 10); // classes 0, 10, …, 40
    const chunks: Uint8Array[] = [];
    const zip = new Zip((err, data) => {
      if (err) throw err;
      chunks.push(data);
    });
    for (const [name, bytes] of [
      ['x_train.npy', npy(images, [n, SIDE, SIDE, 3])],
      ['y_train.npy', npy(wide, [n])],
    ] as const) {
      const entry = new ZipPassThrough(name);
      zip.add(entry);
      entry.push(bytes, true);
    }
    zip.end();
    const file = path.join(tmp, 'streamed.npz');
    await fsp.writeFile(file, Buffer.concat(chunks));
    clearDatasetMemo();
    const d = await loadDataset({ id: 'local', path: file }, { dataDir: tmp });
    expect(d.info.labelNames).toEqual(['0', '10', '20', '30', '40']);
    expect(d.train.count + d.test.count).toBe(n);
    // Every image comes back with its own label (the split is random here: match by content).
    const byImage = new Map<string, number>();
    for (let i = 0; i < n; i++) byImage.set(images.subarray(i * D, i * D + 64).join(','), wide[i]);
    for (const split of [d.train, d.test]) {
      for (let r = 0; r < split.count; r += 97) {
        const key = Array.from(rowsF32(split.x, D, r, 1).subarray(0, 64), (v) => Math.round(v * 255)).join(',');
        expect(Number(d.info.labelNames[split.y[r]])).toBe(byImage.get(key));
      }
    }
    clearDatasetMemo();
  });
});
