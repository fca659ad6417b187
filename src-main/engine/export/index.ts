/**
 * Exporters for generated datasets (image folder, MNIST-style IDX, NumPy .npz) and latent
 * embeddings (TensorBoard projector). Plain Node over typed arrays; every export is atomic
 * (see atomic.ts). Pixels are written as Math.round(clamp(v, 0, 1) * 255); images are H × W × C
 * (C = 1 grey or 3 RGB, channels last) and every format keeps that shape.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Gzip, gzipSync, Zip, ZipDeflate } from 'fflate';
import { LabError, type SamplePrior } from '../../../src-shared/types';
import { encodePng, toBytes } from '../images';
import { idxHeader, writeIdx } from '../datasets/idx';
import { mapLimit } from '../pool';
import { nodeFs, toLabError, withAtomicFolder, type AtomicOptions, type TempWriter } from './atomic';
import { createFile } from './fsutil';
import { leBytes, npyHeader, npyStrings, type NpyDescr } from './npy';
import { checkExportSpace, checkNpzExport } from './exportSize';
import { pngNameDigits } from './imageFolderSize';
import { labelFolderNames, UNLABELED_DIR } from './labelFolders';
import { imageFolderManifest, manifestBase, pixelEncoding } from './manifestFields';
import { OutputQueue } from './streamed';
import { csvField, fmt } from './text';

export { cleanStaleTemps, nodeFs, type CommitStep, type FsSeam } from './atomic';
export { appFolders, checkDestination, checkOutputFolder, isOnlyExport, protectedFolders, type ProtectedDir } from './destination';
export { savedRunData } from './savedRuns';
export { ExportJournal, recoverExports, JOURNAL_DIR } from './journal';
export { mkdirp } from './fsutil';
export { npyHeader } from './npy';
export { MAX_SPRITE_SIDE, writeEmbeddings, type EmbeddingData } from './embeddings';
export { imageFolderExportBytes } from './exportSize';
export { labelFolderNames, MAX_LABEL_FOLDER_BYTES, UNLABELED_DIR } from './labelFolders';

export interface GeneratedChunk {
  /** n × H×W×C floats in [0,1], HWC. */
  images: Float32Array;
  /** -1 = unlabeled. */
  labels: Int32Array;
  /** n × latentDim. */
  z: Float32Array;
  count: number;
}

export interface GeneratedSource {
  total: number;
  height: number;
  width: number;
  /** 1 = grey (default), 3 = RGB (channels last). */
  channels?: 1 | 3;
  latentDim: number;
  labelNames: string[];
  chunks: AsyncIterable<GeneratedChunk>;
}

export interface ExportManifest {
  runId: string;
  modelKind: string;
  latentDim: number;
  /** The run's dataset id (`mnist`, `local` for a user's own data…). */
  dataset: string;
  /** A user's own data (`dataset: "local"`): the file or folder the run was trained on, as its config has it. */
  datasetPath?: string;
  seed: number;
  temperature: number;
  /** Where the samples were drawn from (`SamplePrior`); absent in exports made before it existed. */
  prior?: SamplePrior;
  countPerLabel: Record<string, number>;
  created: string;
  appVersion: string;
  /** Warnings about what was exported (e.g. a collapsed run's near-identical samples). */
  warnings?: string[];
}

/**
 * `overwrite` replaces an existing export at `out` (only a folder an export made, holding nothing
 * else; only once the new export is complete); `signal` is checked between chunks and files
 * (aborting removes everything written); `fs` is the seam over writeFile/mkdir/rename/rm (tests
 * inject ENOSPC or a hang); `protect` and `journal` come from the engine (see atomic.ts).
 */
export interface ExportOptions extends AtomicOptions {
  /** Images written of `total`; `message`: what happens meanwhile, before the first is written (optional). */
  onProgress?: (done: number, total: number, message?: string) => void;
}

export type GeneratedFormat = 'imagefolder' | 'idx' | 'npz';

/** In IDX exports (ubyte labels), unlabeled images get this label. */
export const IDX_UNLABELED = 255;
const PNG_CONCURRENCY = 4;

function validateSource(src: GeneratedSource): void {
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  if (!Number.isInteger(src.total) || src.total < 0 || !ok(src.height) || !ok(src.width) || !ok(src.latentDim) || (src.channels !== undefined && src.channels !== 1 && src.channels !== 3)) {
    throw new LabError('INTERNAL', 'export source has an invalid size');
  }
}

function validateChunk(c: GeneratedChunk, src: GeneratedSource, done: number): void {
  const px = src.height * src.width * (src.channels ?? 1);
  if (
    c.images.length !== c.count * px ||
    c.labels.length !== c.count ||
    c.z.length !== c.count * src.latentDim
  ) {
    throw new LabError('INTERNAL', `export chunk at ${done} has inconsistent array sizes`);
  }
  if (done + c.count > src.total) throw new LabError('INTERNAL', `export source produced more than ${src.total} images`);
  for (const l of c.labels) {
    if (l !== -1 && (l < 0 || l >= src.labelNames.length)) throw new LabError('INTERNAL', `export label ${l} is out of range`);
  }
}

/** Iterate the source's chunks with validation, cancellation and progress. */
async function eachChunk(
  src: GeneratedSource,
  w: TempWriter,
  opts: ExportOptions,
  fn: (c: GeneratedChunk, offset: number) => Promise<void> | void,
): Promise<void> {
  let done = 0;
  opts.onProgress?.(0, src.total);
  for await (const c of src.chunks) {
    w.checkAborted();
    validateChunk(c, src, done);
    await fn(c, done);
    done += c.count;
    opts.onProgress?.(done, src.total);
    w.checkAborted();
  }
  if (done !== src.total) throw new LabError('INTERNAL', `export source produced ${done} images, expected ${src.total}`);
}

/**
 * Write a generated dataset to `out` (a folder) in one of three formats, each keeping the images'
 * shape H × W × C (`manifest.json`'s `shape` says it):
 * - `imagefolder`: `<label name>/<n>.png` (8-bit grey or RGB PNG; unlabeled → `unlabeled/`),
 *   `metadata.csv` (`file_name,label,label_index,export_seed,z0..z{d-1}`: `label` = the class name,
 *   empty when unlabeled, `label_index` its index or -1; `export_seed` the export's seed, the same
 *   on every row: the latents are one stream drawn with it, so the export as a whole is reproduced
 *   by exporting again with that seed, count, labels, temperature and prior, and one image by
 *   decoding its row's z) — the Hugging Face imagefolder layout,
 *   which `--data` re-imports with the same classes — and `manifest.json`.
 * - `idx`: grey `images-idx3-ubyte.gz` (N×H×W, byte-compatible with MNIST) or colour
 *   `images-idx4-ubyte.gz` (N×H×W×3) + `labels-idx1-ubyte.gz`; unlabeled images get label 255
 *   (`manifest.json` says so). At most 255 labels.
 * - `npz`: `images` (uint8 N×H×W, or N×H×W×3 in colour), `labels` (uint8 N; int16 when some are
 *   -1 or any > 255), `z` (float32 N×d) and, for a labelled model, `label_names` (unicode, one
 *   per label index: the file names its classes without its manifest), plus `manifest.json` next to it.
 * NPZ and IDX are streamed (a batch at a time: memory does not grow with the count).
 * Returns the final folder and the relative paths written.
 * @throws LabError UNSUPPORTED (IDX with over 255 labels, an NPZ past 4 GiB — no ZIP64 —, unknown
 *   format), IO (NPZ/IDX larger, uncompressed, than the free space, or a PNG folder's upper bound
 *   — imageFolderSize.ts — larger than it: before generating), INTERNAL
 *   (a source whose sizes disagree), and the atomic writer's EXISTS, INVALID_PAYLOAD, CANCELLED, IO.
 */
export async function writeGeneratedExport(
  format: GeneratedFormat,
  out: string,
  src: GeneratedSource,
  manifest: ExportManifest,
  opts: ExportOptions = {},
): Promise<{ out: string; files: string[] }> {
  validateSource(src);
  if (format === 'idx' && src.labelNames.length > IDX_UNLABELED) {
    throw new LabError('UNSUPPORTED', `IDX labels are single bytes: at most ${IDX_UNLABELED} labels, this model has ${src.labelNames.length}`);
  }
  if (format !== 'imagefolder' && format !== 'idx' && format !== 'npz') {
    throw new LabError('UNSUPPORTED', `unknown export format ${String(format)}`);
  }
  // Refused before anything is touched: an NPZ past 4 GiB (no ZIP64).
  if (format === 'npz') checkNpzExport(src);
  const base = manifestBase(format, src);
  return withAtomicFolder(out, opts, async (w) => {
    // Once the destination passed its checks and the temp folder exists (so a refused or uncreatable
    // destination is said first), before a single image is generated: more than the free space
    // there (exportSize.ts).
    await checkExportSpace(format, src, manifest, w.dir, path.dirname(w.target));
    if (format === 'imagefolder') await writeImageFolder(w, src, manifest, opts, base);
    else if (format === 'idx') await writeIdxExport(w, src, manifest, opts, base);
    else await writeNpz(w, src, manifest, opts, base);
  });
}

async function writeImageFolder(
  w: TempWriter,
  src: GeneratedSource,
  manifest: ExportManifest,
  opts: ExportOptions,
  base: Record<string, unknown>,
): Promise<void> {
  const { height, width, latentDim } = src;
  const channels = src.channels ?? 1;
  const px = height * width * channels;
  const dirs = labelFolderNames(src.labelNames);
  const counters = new Map<number, number>();
  const pad = pngNameDigits(src.total);
  // `export_seed`, not `seed`: one seed for the whole export (no row has a seed of its own).
  const header = ['file_name', 'label', 'label_index', 'export_seed', ...Array.from({ length: latentDim }, (_, i) => `z${i}`)].join(',');
  const rows: string[] = [header];
  await eachChunk(src, w, opts, async (c) => {
    const names: string[] = [];
    for (let i = 0; i < c.count; i++) {
      const label = c.labels[i];
      const n = counters.get(label) ?? 0;
      counters.set(label, n + 1);
      const rel = `${label < 0 ? UNLABELED_DIR : dirs[label]}/${String(n).padStart(pad, '0')}.png`;
      names.push(rel);
      const z = Array.from(c.z.subarray(i * latentDim, (i + 1) * latentDim), fmt);
      const name = label < 0 ? '' : csvField(src.labelNames[label]);
      rows.push([csvField(rel), name, String(label), String(manifest.seed), ...z].join(','));
    }
    // Every writer settles before an error propagates (mapLimit): the caller then removes the temp
    // folder, and a writer still in flight must not re-create it (mkdir -p) afterwards.
    await mapLimit(names, PNG_CONCURRENCY, async (name, i) => {
      w.checkAborted();
      const png = await encodePng(toBytes(c.images.subarray(i * px, (i + 1) * px)), width, height, channels);
      await w.write(name, png);
    });
  });
  await w.write('metadata.csv', rows.join('\n') + '\n');
  await w.writeManifest(imageFolderManifest(src, manifest, base));
}

async function writeIdxExport(
  w: TempWriter,
  src: GeneratedSource,
  manifest: ExportManifest,
  opts: ExportOptions,
  base: Record<string, unknown>,
): Promise<void> {
  const dims = imageDims(src);
  const labels = new Uint8Array(src.total);
  // Streamed: each batch is gzipped and written before the next is generated.
  await w.writeStream(`images-idx${dims.length}-ubyte.gz`, async (put) => {
    const q = new OutputQueue();
    const gz = new Gzip({ level: 6 }, (data) => q.take(null, data));
    gz.push(idxHeader(dims));
    await eachChunk(src, w, opts, async (c, offset) => {
      gz.push(toBytes(c.images));
      for (let i = 0; i < c.count; i++) labels[offset + i] = c.labels[i] < 0 ? IDX_UNLABELED : c.labels[i];
      await q.drain(put);
    });
    gz.push(new Uint8Array(0), true);
    await q.drain(put, true);
  });
  await w.write('labels-idx1-ubyte.gz', gzipSync(writeIdx([src.total], labels), { level: 6 }));
  await w.writeManifest({ ...manifest, ...base, unlabeledLabel: IDX_UNLABELED, pixelEncoding: pixelEncoding(src.channels ?? 1) });
}

/** The scratch copy of `z` in an NPZ export's temp folder, removed before its manifest (never in the export). */
const Z_SCRATCH = '.z.npy.scratch';

async function writeNpz(
  w: TempWriter,
  src: GeneratedSource,
  manifest: ExportManifest,
  opts: ExportOptions,
  base: Record<string, unknown>,
): Promise<void> {
  const dims = imageDims(src);
  const labels = new Int32Array(src.total);
  let descr: NpyDescr = '|u1';
  const name = 'generated.npz';
  // Streamed: images.npy is deflated into the file batch by batch. A ZIP holds its entries one
  // after another, so z.npy (the second) cannot be written while images.npy is: its bytes wait in
  // a scratch file beside, in the same pieces (deflate's output depends on them: the archive is
  // byte for byte what one pass in memory made), and follow once the images are in.
  const scratchFile = path.join(w.dir, Z_SCRATCH);
  const scratchError = (err: unknown) => toLabError(err, `${path.join(w.target, name)} (its latents, kept aside until the images are in)`);
  await w.writeStream(name, async (put) => {
    const q = new OutputQueue();
    const zip = new Zip(q.take);
    const images = new ZipDeflate('images.npy', { level: 6 });
    zip.add(images);
    images.push(npyHeader('|u1', dims));
    const zPieces: number[] = [];
    const scratch = await ((opts.fs ?? nodeFs).create ?? createFile)(scratchFile).catch((err) => {
      throw scratchError(err);
    });
    try {
      await eachChunk(src, w, opts, async (c, offset) => {
        images.push(toBytes(c.images));
        const zb = leBytes(c.z);
        await scratch.write(zb).catch((err) => {
          throw scratchError(err);
        });
        zPieces.push(zb.length);
        labels.set(c.labels, offset);
        await q.drain(put);
      });
    } finally {
      await scratch.close().catch(() => undefined);
    }
    images.push(new Uint8Array(0), true);
    const zs = new ZipDeflate('z.npy', { level: 6 });
    zip.add(zs);
    zs.push(npyHeader('<f4', [src.total, src.latentDim]));
    const read = await fsp.open(scratchFile, 'r').catch((err) => {
      throw scratchError(err);
    });
    try {
      for (const n of zPieces) {
        w.checkAborted();
        const piece = new Uint8Array(n);
        for (let off = 0; off < n; ) {
          const { bytesRead } = await read.read(piece, off, n - off, null);
          if (bytesRead === 0) throw new LabError('IO', `could not write ${path.join(w.target, name)}: its latents, kept aside in ${scratchFile}, ended early`);
          off += bytesRead;
        }
        zs.push(piece);
        await q.drain(put);
      }
    } finally {
      await read.close().catch(() => undefined);
    }
    zs.push(new Uint8Array(0), true);
    await fsp.rm(scratchFile, { force: true }).catch((err) => {
      throw scratchError(err);
    });
    let max = -1;
    let min = 0;
    for (const l of labels) {
      if (l > max) max = l;
      if (l < min) min = l;
    }
    descr = min >= 0 && max <= 255 ? '|u1' : '<i2';
    const labelBytes = descr === '|u1' ? Uint8Array.from(labels) : leBytes(Int16Array.from(labels));
    const lf = new ZipDeflate('labels.npy', { level: 6 });
    zip.add(lf);
    lf.push(npyHeader(descr, [src.total]));
    lf.push(labelBytes, true);
    if (src.labelNames.length > 0) {
      // The class names inside the file too, so that a generated.npz shared without its manifest.json
      // re-imports with its names rather than as classes 0, 1, 2 (the importer reads `label_names`).
      const names = new ZipDeflate('label_names.npy', { level: 6 });
      zip.add(names);
      names.push(npyStrings(src.labelNames), true);
    }
    zip.end();
    await q.drain(put, true);
  });
  await w.writeManifest({
      ...manifest,
      ...base,
      npz: name,
      arrays: {
        images: `uint8 [${dims.join(', ')}], ${pixelEncoding(src.channels ?? 1)}`,
        labels: `${descr === '|u1' ? 'uint8' : 'int16'} [${src.total}], label index${descr === '|u1' ? '' : ', -1 = unlabeled'}`,
        z: `float32 [${src.total}, ${src.latentDim}]`,
        ...(src.labelNames.length > 0 ? { label_names: `unicode [${src.labelNames.length}], the class name of each label index` } : {}),
      },
  });
}

/** N × H × W (grey, as MNIST) or N × H × W × 3 (RGB, channels last). */
function imageDims(src: GeneratedSource): number[] {
  return (src.channels ?? 1) === 1 ? [src.total, src.height, src.width] : [src.total, src.height, src.width, 3];
}
