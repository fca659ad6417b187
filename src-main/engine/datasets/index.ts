/**
 * Dataset registry: list what is available, load (and memoise) a dataset as typed arrays.
 * Plain Node; no tf. Images are `count × 784` floats in [0,1] (ink = 1); toy sets are
 * standardised 2-D points.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { DATASET_IDS, LabError, type DatasetId, type DatasetInfo, type DatasetRef } from '../../../src-shared/types';
import { loadEmbeddedMnist, MNIST_TEST, MNIST_TRAIN } from './mnist';
import { IDX_SOURCES, isCached, loadIdxSource } from './remote';
import { makeToy, TOY_LABELS, TOY_TEST, TOY_TRAIN, type ToyId } from './toy';
import { folderLabels, loadFolderDataset } from './folder';
import { throwIfAborted } from './fsutil';
import { cacheKey, DatasetCache, identify, type DatasetCacheLimits } from './cache';
import type { LoadedDataset, LoadOptions } from './types';

export type { Split, LoadedDataset, LoadOptions, LoadProgress, LoadPhase } from './types';
export { mulberry32, deriveSeed, gaussian, shuffleInPlace, permutation, randomInt, type Rng } from './random';
export { readIdx, writeIdx, idxHeader, checkImageLabelPair, isGzip, type IdxArray } from './idx';
export { IDX_SOURCES, loadIdxSource, type IdxSource, type RemoteFile } from './remote';
export { makeToy, type ToyId } from './toy';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const TOY_TEXT: Record<ToyId, { title: string; description: string }> = {
  'toy-moons': { title: 'Two moons', description: 'Two interleaving half circles in 2-D (2 classes), standardised.' },
  'toy-spirals': { title: 'Spirals', description: 'Three interleaved spiral arms in 2-D (3 classes), standardised.' },
  'toy-blobs': { title: 'Blobs', description: 'Four Gaussian clusters in 2-D (4 classes), standardised.' },
};

const isToy = (id: DatasetId): id is ToyId => id === 'toy-moons' || id === 'toy-spirals' || id === 'toy-blobs';

/** Static description of a dataset (counts/labels of a folder are only known once loaded). */
function baseInfo(id: DatasetId): DatasetInfo {
  if (id === 'mnist') {
    return {
      id,
      title: 'MNIST (10,000)',
      description: '10,000 real handwritten digits shipped with the app, split 8,000 / 2,000. No download.',
      shape: [28, 28],
      labelNames: DIGITS,
      trainCount: MNIST_TRAIN,
      testCount: MNIST_TEST,
      available: true,
      isImage: true,
    };
  }
  if (id === 'mnist-full' || id === 'fashion-mnist') {
    const s = IDX_SOURCES[id];
    return {
      id,
      title: s.title,
      description: s.description,
      shape: [28, 28],
      labelNames: s.labelNames,
      trainCount: s.trainCount,
      testCount: s.testCount,
      available: false,
      isImage: true,
    };
  }
  if (isToy(id)) {
    return {
      id,
      ...TOY_TEXT[id],
      shape: [2],
      labelNames: TOY_LABELS[id],
      trainCount: TOY_TRAIN,
      testCount: TOY_TEST,
      available: true,
      isImage: false,
    };
  }
  return {
    id,
    title: 'Image folder',
    description: 'Your own images: one sub-folder per label (PNG, JPEG, WebP or GIF), resized to 28×28, split 80 / 20.',
    shape: [28, 28],
    labelNames: [],
    trainCount: 0,
    testCount: 0,
    available: false,
    isImage: true,
  };
}

/**
 * Every dataset id with its description. `available`: mnist and toy sets always; mnist-full /
 * fashion-mnist when their four files are in `<dataDir>/<id>/`; folder when `folderPath` is
 * given and has at least 2 label folders (or it was loaded already).
 */
export async function listDatasets(dataDir: string, folderPath?: string): Promise<DatasetInfo[]> {
  const out: DatasetInfo[] = [];
  for (const id of DATASET_IDS) {
    if (id === 'mnist-full' || id === 'fashion-mnist') {
      out.push({ ...baseInfo(id), available: await isCached(dataDir, IDX_SOURCES[id]) });
    } else if (id === 'folder') {
      const key = folderPath ? await identify({ id, path: folderPath }, dataDir) : null;
      const loaded = key ? memo.get(key) : undefined;
      const ready = loaded ? await loaded.catch(() => undefined) : undefined;
      if (ready) out.push(ready.info);
      else if (folderPath) {
        const labels = await folderLabels(folderPath).catch(() => [] as string[]);
        out.push({ ...baseInfo(id), title: path.basename(folderPath), labelNames: labels, available: labels.length >= 2 });
      } else out.push(baseInfo(id));
    } else {
      out.push(baseInfo(id));
    }
  }
  return out;
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

/** Forget memoised datasets (all, or one). Mostly for tests and "reload folder". */
export function clearDatasetMemo(ref?: DatasetRef, dataDir?: string): void {
  if (!ref || dataDir === undefined) return memo.clear();
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  memo.delete(cacheKey(ref.id, real(ref.id === 'folder' ? (ref.path ?? '') : dataDir)));
}

/**
 * Load a dataset (downloading or decoding as needed). Memoised (see `./cache`): by the folder's
 * real path and a fingerprint of its files for a folder dataset (so every spelling of one folder
 * shares one entry, and a changed folder is read again), by id and data folder otherwise; the
 * memo is bounded. Loading twice returns the same object. A failed or cancelled load is not kept.
 * Throws LabError (BAD_DATASET, CANCELLED, IO, …) as the loaders do.
 */
export async function loadDataset(ref: DatasetRef, opts: LoadOptions): Promise<LoadedDataset> {
  if (ref.id === 'folder' && !ref.path) throw new LabError('BAD_DATASET', 'a folder dataset needs a path');
  const id = await identify(ref, opts.dataDir);
  if (!id) return load(ref, opts);
  const hit = memo.get(id);
  if (hit) {
    const d = await hit;
    opts.onProgress?.({ phase: 'ready', loaded: 1, total: 1 });
    return d;
  }
  // A folder is read through its real path, whichever spelling asked first.
  const p = load(id.root ? { ...ref, path: id.root } : ref, opts);
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
    result = { info: baseInfo(id), inputDim: 784, train: m.train, test: m.test };
  } else if (id === 'mnist-full' || id === 'fashion-mnist') {
    const r = await loadIdxSource(IDX_SOURCES[id], opts);
    result = {
      info: {
        ...baseInfo(id),
        available: true,
        trainCount: r.train.count,
        testCount: r.test.count,
        ...(r.warnings.length ? { warnings: r.warnings } : {}),
      },
      inputDim: 784,
      train: r.train,
      test: r.test,
      ...(r.warnings.length ? { warnings: r.warnings } : {}),
    };
  } else if (isToy(id)) {
    const t = makeToy(id);
    result = { info: baseInfo(id), inputDim: 2, train: t.train, test: t.test };
  } else {
    const root = path.resolve(ref.path!);
    const f = await loadFolderDataset(root, opts);
    result = {
      info: {
        ...baseInfo(id),
        title: path.basename(root),
        description: `Images from ${root} (${f.preprocessing === 'mnist-style' ? 'MNIST-style preprocessing' : 'fitted into 28×28'}).`,
        labelNames: f.labelNames,
        trainCount: f.train.count,
        testCount: f.test.count,
        available: true,
        ...(f.warnings.length ? { warnings: f.warnings } : {}),
      },
      inputDim: 784,
      train: f.train,
      test: f.test,
      warnings: f.warnings,
      preprocessing: f.preprocessing,
    };
  }
  opts.onProgress?.({ phase: 'ready', loaded: 1, total: 1 });
  return result;
}
