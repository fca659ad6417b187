/**
 * The user's own data: one entry (`loadLocal`) for a path, its kind detected — a folder of class
 * folders, a `train/` + `test/` root, a Hugging Face imagefolder (`metadata.csv`), IDX files,
 * NumPy `.npz` / `.npy`, or a CSV of pixels — imported, checked (assemble.ts) and described by its
 * report. Nothing is written next to the user's files; nothing of theirs is moved or renamed.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { DatasetKind, ImportOptions } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import { IMAGE_EXTENSIONS, READ_FORMATS_TEXT } from '../../images/format';
import { throwIfAborted } from '../fsutil';
import type { LoadedDataset, LoadOptions } from '../types';
import { assemble, type Imported } from './assemble';
import { importCsv } from './csvImport';
import { refuseSpecialFile, SKIP_SPECIAL } from './fileKind';
import { importFileSet, othersText, partition, scanImageFolder, scanSplitRoot, TEST_DIR_NAMES } from './folders';
import { METADATA_FILE, scanHfImageFolder, scanHfSplits } from './hfImageFolder';
import { hasIdxFiles, importIdx, parseIdxName } from './idxImport';
import { importNumpy } from './npyImport';
import { listTop } from './walk';

/** What a path holds, as far as the names tell. */
export interface Detected {
  kind: Exclude<DatasetKind, 'builtin' | 'toy'>;
  /** The real path to read (a file or a folder). */
  target: string;
  isFile: boolean;
  /** split-root: the train and test folder names. */
  splitDirs?: [string, string];
}

const bad = (msg: string) => new LabError('BAD_DATASET', msg);

function detectFile(real: string): Detected {
  const name = path.basename(real);
  const ext = path.extname(name).toLowerCase();
  if (ext === '.npz') return { kind: 'npz', target: real, isFile: true };
  if (ext === '.npy') return { kind: 'npy', target: real, isFile: true };
  if (ext === '.csv') return { kind: 'csv', target: real, isFile: true };
  if (parseIdxName(name)) return { kind: 'idx', target: real, isFile: true };
  if (IMAGE_EXTENSIONS.has(ext)) throw bad(`${real} is a single image: give the folder that holds the images (or one sub-folder of images per class)`);
  throw bad(`${real} is not a dataset file this app reads (.npz, .npy, .csv or IDX files such as train-images-idx3-ubyte.gz), nor a folder`);
}

/**
 * Decides the kind of a folder from its names: metadata.csv → hf-imagefolder; a TensorBoard
 * projector config (an Embeddings export) → BAD_DATASET saying so; train/ with
 * test/ (or val/, valid/, validation/) → split-root (hf-imagefolder with the split when train/
 * holds a metadata.csv); IDX files → idx; one .npz → npz; .npy files →
 * npy; CSV files → csv; sub-folders, or images directly in it (one unlabelled class) → imagefolder.
 * @throws LabError BAD_DATASET saying what was found when none applies.
 */
export function detectFolder(real: string): Detected {
  const { dirs, files, named } = listTop(real);
  const at = (kind: Detected['kind']): Detected => ({ kind, target: real, isFile: false });
  if (files.includes(METADATA_FILE)) return at('hf-imagefolder');
  if (PROJECTOR_FILES.some((f) => files.includes(f))) throw bad(projectorText(real, files));
  const lower = dirs.map((d) => d.toLowerCase());
  const train = dirs[lower.indexOf('train')];
  const test = TEST_DIR_NAMES.map((t) => dirs[lower.indexOf(t)]).find((d) => d !== undefined);
  if (train && test) {
    const hf = listTop(path.join(real, train)).files.includes(METADATA_FILE);
    return { ...at(hf ? 'hf-imagefolder' : 'split-root'), splitDirs: [train, test] };
  }
  if (hasIdxFiles(files)) return at('idx');
  const npz = files.filter((f) => f.toLowerCase().endsWith('.npz'));
  if (npz.length === 1) return { kind: 'npz', target: path.join(real, npz[0]), isFile: true };
  if (npz.length > 1) throw bad(`${real} holds ${npz.length} .npz files (${npz.slice(0, 4).join(', ')}): give one of them as the path`);
  if (files.some((f) => f.toLowerCase().endsWith('.npy'))) return at('npy');
  if (!dirs.length && files.some((f) => f.toLowerCase().endsWith('.csv'))) return at('csv');
  if (dirs.length) return at('imagefolder');
  const set = { skipped: {}, others: {} as Record<string, number> };
  const images = partition(files.map((n) => ({ abs: path.join(real, n), rel: n, size: 0, mtimeMs: 0 })), '', set).length;
  // Images directly in the folder, no class folders: one unlabelled class (folders.ts).
  if (images) return at('imagefolder');
  const special = named.filter((e) => e.why === SKIP_SPECIAL).map((e) => e.rel);
  const pipes = `${special.slice(0, 5).join(', ')}: ${SKIP_SPECIAL}, not read`;
  const held = !special.length ? othersText(set.others) : Object.keys(set.others).length ? `${othersText(set.others)}; ${pipes}` : pipes;
  throw bad(`found no dataset in ${real} (${held}): expected class folders of ${READ_FORMATS_TEXT} images, train/ and test/ folders, a metadata.csv, IDX, .npz, .npy or .csv files`);
}

/** A TensorBoard projector folder's config (this app's Embeddings export writes both). */
export const PROJECTOR_FILES = ['projector_config.pbtxt', 'projector_config.json'];

/**
 * Why a TensorBoard projector folder (an Embeddings export: vectors.tsv, metadata.tsv, sprite.png)
 * is not a dataset — its sprite.png is one sheet of thumbnails, which the image-folder import would
 * take for a single unlabelled image — and what to do instead.
 */
function projectorText(real: string, files: string[]): string {
  const held = ['vectors.tsv', 'metadata.tsv', 'sprite.png'].filter((f) => files.includes(f));
  return (
    `${real} is a TensorBoard projector export (embeddings${held.length ? `: ${held.join(', ')}` : ''}), not a dataset: ` +
    'open it in the TensorBoard projector (projector.tensorflow.org, "Load" its vectors.tsv and metadata.tsv); ' +
    'to train on generated images, export them as imagefolder, IDX or NPZ'
  );
}

/**
 * The path's kind. @throws LabError BAD_DATASET when it does not exist, is a pipe, socket or
 * device (refused before it is opened: fileKind.ts), or holds no dataset.
 */
export async function detect(p: string): Promise<Detected> {
  let real: string;
  try {
    real = await fsp.realpath(p);
  } catch {
    throw bad(`not found: ${p}`);
  }
  const st = await fsp.stat(real);
  if (st.isDirectory()) return detectFolder(real);
  await refuseSpecialFile(real === path.resolve(p) ? p : `${p} (${real})`, st);
  return detectFile(real);
}

async function importDetected(d: Detected, options: ImportOptions, opts: LoadOptions): Promise<Imported> {
  switch (d.kind) {
    case 'imagefolder':
      return importFileSet(await scanImageFolder(d.target, opts.signal), options, opts);
    case 'split-root':
      return importFileSet(await scanSplitRoot(d.target, d.splitDirs![0], d.splitDirs![1], opts.signal), options, opts);
    case 'hf-imagefolder':
      return importFileSet(
        d.splitDirs ? await scanHfSplits(d.target, d.splitDirs[0], d.splitDirs[1], opts.signal) : await scanHfImageFolder(d.target, opts.signal),
        options,
        opts,
      );
    case 'idx':
      return importIdx(d.target, d.isFile, options, opts);
    case 'npz':
    case 'npy':
      return importNumpy(d.target, d.kind, options, opts);
    case 'csv':
      return importCsv(d.target, d.isFile, options, opts);
  }
}

/**
 * Imports the data at `p` with `options`: `[H, W, C]` images (see LoadedDataset), the report
 * (kind, classes, split, skipped items, preprocessing, warnings). Emits `decode` progress.
 * @throws LabError BAD_DATASET (nothing usable, too little data, constant images, malformed
 *   files — each message names the file and what was found), TOO_LARGE, CANCELLED.
 */
export async function loadLocal(p: string, options: ImportOptions, opts: LoadOptions): Promise<LoadedDataset> {
  throwIfAborted(opts.signal);
  const d = await detect(p);
  const imported = await importDetected(d, options, opts);
  throwIfAborted(opts.signal);
  return assemble(imported);
}
