/**
 * A user's image folder as a dataset: one sub-folder per label (sorted by name, code-unit
 * order), PNG/JPEG/WebP/GIF files inside (first frame of animations).
 *
 * Preprocessing is decided once per folder from a sample of up to 24 images: when most look like
 * ink on paper (uniform border, sparse strokes) every image gets the MNIST-style preprocessing
 * (ink = 1, cropped, fitted into 20×20, centred by mass in 28×28); otherwise every image is
 * fitted into 28×28 keeping its aspect ratio, padded with its border colour, intensities kept
 * (1 = white). Files are decoded with at most 4 in flight, one file buffer per worker.
 * Non-image files, oversize files and files that fail to decode are skipped and counted in
 * `warnings`; empty label folders are ignored; fewer than 2 usable classes is an error.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import path from 'node:path';
import { LabError, MAX_IMAGE_BYTES } from '../../../src-shared/types';
import { decodeGray, fitGray, looksLikeInk, mnistStyleFromGray, type GrayImage } from '../images';
import { mapLimit, throwIfAborted } from './fsutil';
import { deriveSeed, mulberry32, shuffleInPlace } from './random';
import type { LoadOptions, Split } from './types';

export const FOLDER_SPLIT_SEED = 42;
export const FOLDER_TEST_FRACTION = 0.2;
export const FOLDER_MAX_IMAGES = 200_000;
const SIZE = 28;
const DIM = SIZE * SIZE;
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.jpe', '.webp', '.gif']);
const CONCURRENCY = 4;
const SAMPLE = 24;

export interface FolderDataset {
  labelNames: string[];
  train: Split;
  test: Split;
  warnings: string[];
  preprocessing: 'mnist-style' | 'fit';
  skipped: { nonImage: number; failed: number; emptyLabels: number };
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function readDir(dir: string): Promise<Dirent[]> {
  return fsp.readdir(dir, { withFileTypes: true });
}

/** The label folders of a dataset folder (cheap; for listing). */
export async function folderLabels(root: string): Promise<string[]> {
  const entries = await readDir(root);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(byCodeUnit);
}

async function decodeFile(file: string, mode: 'mnist-style' | 'fit' | null): Promise<{ img: GrayImage; x?: Float32Array }> {
  const st = await fsp.stat(file);
  if (st.size > MAX_IMAGE_BYTES) {
    throw new LabError('BAD_IMAGE', `file is ${(st.size / 1024 / 1024).toFixed(1)} MB, above the ${MAX_IMAGE_BYTES / 1024 / 1024} MB limit`);
  }
  const bytes = new Uint8Array(await fsp.readFile(file));
  const img = await decodeGray(bytes, { maxSide: 560 });
  if (!mode) return { img };
  return { img, x: mode === 'mnist-style' ? mnistStyleFromGray(img, SIZE) : fitGray(img, SIZE) };
}

export async function loadFolderDataset(root: string, opts: LoadOptions): Promise<FolderDataset> {
  let st;
  try {
    st = await fsp.stat(root);
  } catch {
    throw new LabError('BAD_DATASET', `folder not found: ${root}`);
  }
  if (!st.isDirectory()) throw new LabError('BAD_DATASET', `not a folder: ${root}`);

  const warnings: string[] = [];
  let nonImage = 0;
  const rootEntries = await readDir(root);
  nonImage += rootEntries.filter((e) => !e.isDirectory() && !e.name.startsWith('.')).length;
  const labelDirs = rootEntries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byCodeUnit);
  if (labelDirs.length === 0) {
    throw new LabError('BAD_DATASET', `${root} has no label folders: put each class's images in its own sub-folder`);
  }

  // Collect file paths (not contents) per label.
  const files: string[] = [];
  const fileLabel: number[] = [];
  const empty: string[] = [];
  const candidates: string[] = [];
  for (const name of labelDirs) {
    const dir = path.join(root, name);
    const entries = (await readDir(dir)).sort((a, b) => byCodeUnit(a.name, b.name));
    let n = 0;
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isFile() && IMAGE_EXT.has(path.extname(e.name).toLowerCase())) {
        files.push(path.join(dir, e.name));
        fileLabel.push(candidates.length);
        n++;
      } else {
        nonImage++;
      }
    }
    if (n === 0) empty.push(name);
    else candidates.push(name);
  }
  if (empty.length) warnings.push(`ignored ${empty.length} empty label folder${empty.length > 1 ? 's' : ''}: ${empty.join(', ')}`);
  if (nonImage) warnings.push(`skipped ${nonImage} non-image file${nonImage > 1 ? 's' : ''}`);
  if (candidates.length < 2) {
    throw new LabError(
      'BAD_DATASET',
      `${root} needs at least 2 label folders with images, found ${candidates.length}${candidates.length ? ` (${candidates[0]})` : ''}`,
    );
  }
  if (files.length > FOLDER_MAX_IMAGES) {
    throw new LabError('TOO_LARGE', `${root} has ${files.length} images; the limit is ${FOLDER_MAX_IMAGES}`);
  }

  // Decide the preprocessing from an evenly spread sample.
  const sampleIdx = Array.from({ length: Math.min(SAMPLE, files.length) }, (_, i) =>
    Math.floor((i * files.length) / Math.min(SAMPLE, files.length)),
  );
  let ink = 0;
  let decodable = 0;
  await mapLimit(sampleIdx, CONCURRENCY, async (i) => {
    throwIfAborted(opts.signal);
    try {
      const { img } = await decodeFile(files[i], null);
      decodable++;
      if (looksLikeInk(img)) ink++;
    } catch {
      // counted in the main pass
    }
  });
  const preprocessing: 'mnist-style' | 'fit' = decodable > 0 && ink * 2 >= decodable ? 'mnist-style' : 'fit';

  // Decode everything with limited concurrency, into one preallocated buffer.
  const total = files.length;
  const x = new Float32Array(total * DIM);
  const ok = new Uint8Array(total);
  const failures: string[] = [];
  let failed = 0;
  let done = 0;
  const every = Math.max(1, Math.floor(total / 200));
  opts.onProgress?.({ phase: 'decode', loaded: 0, total });
  await mapLimit(files, CONCURRENCY, async (file, i) => {
    throwIfAborted(opts.signal);
    try {
      const r = await decodeFile(file, preprocessing);
      x.set(r.x!, i * DIM);
      ok[i] = 1;
    } catch (err) {
      failed++;
      if (failures.length < 3) failures.push(`${path.relative(root, file)}: ${(err as Error).message}`);
    }
    done++;
    if (done % every === 0 || done === total) opts.onProgress?.({ phase: 'decode', loaded: done, total });
  });
  throwIfAborted(opts.signal);
  if (failed) warnings.push(`skipped ${failed} image${failed > 1 ? 's' : ''} that could not be decoded (e.g. ${failures.join('; ')})`);

  // Classes whose every image failed are dropped; labels are renumbered densely.
  const perClass: number[][] = candidates.map(() => []);
  for (let i = 0; i < total; i++) if (ok[i]) perClass[fileLabel[i]].push(i);
  const labelNames: string[] = [];
  const usable: number[][] = [];
  candidates.forEach((name, c) => {
    if (perClass[c].length) {
      labelNames.push(name);
      usable.push(perClass[c]);
    } else {
      warnings.push(`ignored label folder ${name}: none of its images could be decoded`);
    }
  });
  if (usable.length < 2) {
    throw new LabError('BAD_DATASET', `${root} needs at least 2 label folders with readable images, found ${usable.length}`);
  }

  // Seeded stratified 80/20 split.
  const rng = mulberry32(deriveSeed(FOLDER_SPLIT_SEED, 'folder-split'));
  const trainIdx: Array<[number, number]> = [];
  const testIdx: Array<[number, number]> = [];
  usable.forEach((idx, label) => {
    const order = shuffleInPlace(idx.slice(), rng);
    const nTest = order.length >= 2 ? Math.max(1, Math.round(order.length * FOLDER_TEST_FRACTION)) : 0;
    order.forEach((i, k) => (k < nTest ? testIdx : trainIdx).push([i, label]));
  });
  shuffleInPlace(trainIdx, rng);
  shuffleInPlace(testIdx, rng);
  const build = (idx: Array<[number, number]>): Split => {
    const sx = new Float32Array(idx.length * DIM);
    const sy = new Int32Array(idx.length);
    idx.forEach(([i, label], r) => {
      sx.set(x.subarray(i * DIM, (i + 1) * DIM), r * DIM);
      sy[r] = label;
    });
    return { x: sx, y: sy, count: idx.length };
  };
  return {
    labelNames,
    train: build(trainIdx),
    test: build(testIdx),
    warnings,
    preprocessing,
    skipped: { nonImage, failed, emptyLabels: empty.length },
  };
}
