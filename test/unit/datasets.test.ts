import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'fflate';
import {
  clearDatasetMemo,
  IDX_SOURCES,
  listDatasets,
  loadDataset,
  loadIdxSource,
  makeToy,
  mulberry32,
  writeIdx,
  type IdxSource,
  type LoadProgress,
} from '../../src-main/engine/datasets';
import { DATASET_IDS, LabError } from '../../src-shared/types';
import { fakeFetch, makeTemp, rmTemp } from '../fixtures/generate';
import { valuesF32 } from '../../src-main/engine/datasets/rows';

let dataDir: string;
beforeAll(async () => {
  dataDir = await makeTemp();
});
afterAll(async () => {
  await rmTemp(dataDir);
});

describe('random', () => {
  it('mulberry32 is deterministic and in [0,1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(124)()).not.toBe(xs[0]);
    // pinned value: the generator must not change across versions (splits depend on it)
    expect(mulberry32(1)()).toBeCloseTo(0.6270739405881613, 12);
  });
});

describe('listDatasets', () => {
  it('lists every id with availability', async () => {
    const list = await listDatasets(dataDir);
    expect(list.map((d) => d.id)).toEqual([...DATASET_IDS]);
    const by = Object.fromEntries(list.map((d) => [d.id, d]));
    expect(by.mnist.available).toBe(true);
    expect(by['toy-moons'].available).toBe(true);
    expect(by['mnist-full'].available).toBe(false);
    expect(by['fashion-mnist'].available).toBe(false);
    expect(by['fashion-mnist'].labelNames[9]).toBe('Ankle boot');
    expect(by.local.available).toBe(false);
  });
});

describe('embedded mnist', () => {
  it('splits 8,000 / 2,000, deterministic, memoised, all labels, pixels in [0,1]', async () => {
    const progress: LoadProgress[] = [];
    const a = await loadDataset({ id: 'mnist' }, { dataDir, onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)?.phase).toBe('ready');
    expect(a.train.count).toBe(8000);
    expect(a.test.count).toBe(2000);
    expect(a.inputDim).toBe(784);
    expect(a.train.x.length).toBe(8000 * 784);
    expect(a.test.y.length).toBe(2000);
    expect(a.info.shape).toEqual([28, 28, 1]);
    expect(a.report.kind).toBe('builtin');
    expect(a.report.classes.reduce((n, c) => n + c.train + c.test, 0)).toBe(10_000);
    expect(a.info.labelNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const s of [a.train, a.test]) {
      expect(new Set(s.y).size).toBe(10);
      let min = Infinity;
      let max = -Infinity;
      const x = valuesF32(s.x);
      for (let i = 0; i < x.length; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
      }
      expect(min).toBe(0);
      expect(max).toBeCloseTo(1, 5);
    }
    // memoised: same object, no reload
    expect((await loadDataset({ id: 'mnist' }, { dataDir })) === a).toBe(true);
    // nothing is written to the data folder (the digits ship as resources/mnist/*.gz)
    expect(await fsp.readdir(dataDir)).toEqual([]);

    // another data dir (a fresh load) gives the same split
    const other = await makeTemp();
    try {
      const c = await loadDataset({ id: 'mnist' }, { dataDir: other });
      expect(c === a).toBe(false); // (not .not.toBe: vitest would deep-compare 25 MB)
      expect(Array.from(c.test.y)).toEqual(Array.from(a.test.y));
      expect(Buffer.from(c.train.x.buffer).equals(Buffer.from(a.train.x.buffer))).toBe(true);
      // stratified: test counts per digit are ~20 % of each digit
      const perDigit = new Array(10).fill(0);
      for (const y of c.test.y) perDigit[y]++;
      expect(Math.min(...perDigit)).toBeGreaterThanOrEqual(170);
      expect(Math.max(...perDigit)).toBeLessThanOrEqual(230);
    } finally {
      await rmTemp(other);
    }
  });
});

/** A tiny MNIST-like IDX set: n images of 28×28 whose first pixel encodes the label. */
function tinyIdx(n: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const rng = mulberry32(seed);
  const labels = Uint8Array.from({ length: n }, () => Math.floor(rng() * 10));
  const images = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) {
    images[i * 784] = labels[i] * 20;
    images[i * 784 + 400] = 255;
  }
  return { images: gzipSync(writeIdx([n, 28, 28], images)), labels: gzipSync(writeIdx([n], labels)) };
}

function tinySource(base: IdxSource): { src: IdxSource; served: Record<string, Uint8Array> } {
  const train = tinyIdx(30, 1);
  const test = tinyIdx(10, 2);
  const bytes: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte.gz': train.images,
    'train-labels-idx1-ubyte.gz': train.labels,
    't10k-images-idx3-ubyte.gz': test.images,
    't10k-labels-idx1-ubyte.gz': test.labels,
  };
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const src: IdxSource = {
    ...base,
    baseUrl: 'https://mirror.invalid/mnist/',
    files: base.files.map((f) => ({ ...f, sha256: sha(bytes[f.name]), size: bytes[f.name].length })),
  };
  const served = Object.fromEntries(Object.entries(bytes).map(([k, v]) => [src.baseUrl + k, v]));
  return { src, served };
}

describe('downloaded IDX datasets (fake fetch)', () => {
  it('downloads with progress, verifies, caches atomically and decodes', async () => {
    const dir = await makeTemp();
    try {
      const { src, served } = tinySource(IDX_SOURCES['mnist-full']);
      const { fetch, calls } = fakeFetch(served, { chunk: 100 });
      const progress: LoadProgress[] = [];
      const r = await loadIdxSource(src, { dataDir: dir, fetchImpl: fetch, onProgress: (p) => progress.push(p) });
      expect(calls.length).toBe(4);
      expect(r.train.count).toBe(30);
      expect(r.test.count).toBe(10);
      expect(r.train.x.length).toBe(30 * 784);
      expect(valuesF32(r.train.x)[0]).toBeCloseTo((r.train.y[0] * 20) / 255, 6);
      expect(valuesF32(r.train.x)[400]).toBe(1);
      const dl = progress.filter((p) => p.phase === 'download');
      expect(dl.length).toBeGreaterThan(4);
      expect(dl.at(-1)!.loaded).toBe(dl.at(-1)!.total);
      const files = (await fsp.readdir(path.join(dir, 'mnist-full'))).sort();
      expect(files).toEqual(src.files.map((f) => f.name).sort()); // no temp files left
      // second time: no network
      const again = fakeFetch({}, { failWith: new Error('offline') });
      const r2 = await loadIdxSource(src, { dataDir: dir, fetchImpl: again.fetch });
      expect(again.calls.length).toBe(0);
      expect(Array.from(r2.test.y)).toEqual(Array.from(r.test.y));
    } finally {
      await rmTemp(dir);
    }
  });

  it('refuses a download whose SHA-256 does not match (real constants) and saves nothing', async () => {
    const dir = await makeTemp();
    try {
      const { served } = tinySource(IDX_SOURCES['mnist-full']);
      // serve the tiny files under the real mirror URLs: checksums will not match the constants
      const real = IDX_SOURCES['mnist-full'];
      const byName = Object.fromEntries(Object.entries(served).map(([u, b]) => [real.baseUrl + u.split('/').pop(), b]));
      const { fetch } = fakeFetch(byName);
      const err = await loadDataset({ id: 'mnist-full' }, { dataDir: dir, fetchImpl: fetch }).catch((e) => e);
      expect(err).toBeInstanceOf(LabError);
      expect(err.code).toBe('BAD_DATASET');
      expect(err.message).toMatch(/does not match its published SHA-256/);
      expect(err.message).toContain(path.join(dir, 'mnist-full'));
      const left = await fsp.readdir(path.join(dir, 'mnist-full')).catch(() => []);
      expect(left).toEqual([]);
      expect((await listDatasets(dir)).find((d) => d.id === 'mnist-full')!.available).toBe(false);
    } finally {
      await rmTemp(dir);
    }
  });

  it('a local copy that is not the published file is an error naming it; nothing is renamed or downloaded', async () => {
    const dir = await makeTemp();
    try {
      const { src, served } = tinySource(IDX_SOURCES['fashion-mnist']);
      await fsp.mkdir(path.join(dir, 'fashion-mnist'), { recursive: true });
      await fsp.writeFile(path.join(dir, 'fashion-mnist', 't10k-labels-idx1-ubyte.gz'), 'garbage');
      const { fetch, calls } = fakeFetch(served);
      const err = await loadIdxSource(src, { dataDir: dir, fetchImpl: fetch }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('BAD_DATASET');
      expect((err as LabError).message).toMatch(/t10k-labels-idx1-ubyte\.gz is not .*: found not an IDX file \(7 bytes\), expected IDX ubyte \[\d+\]/);
      expect(calls.length).toBe(0);
      const files = await fsp.readdir(path.join(dir, 'fashion-mnist'));
      expect(files).toEqual(['t10k-labels-idx1-ubyte.gz']);
    } finally {
      await rmTemp(dir);
    }
  });

  it('turns a network failure into IO with instructions', async () => {
    const dir = await makeTemp();
    try {
      const { fetch } = fakeFetch({}, { failWith: new TypeError('fetch failed') });
      const err = await loadDataset({ id: 'fashion-mnist' }, { dataDir: dir, fetchImpl: fetch }).catch((e) => e);
      expect(err).toBeInstanceOf(LabError);
      expect(err.code).toBe('IO');
      expect(err.message).toMatch(/could not download train-images-idx3-ubyte\.gz for Fashion-MNIST/);
      expect(err.message).toMatch(/place them in .*fashion-mnist/);
      const http = fakeFetch({});
      const err404 = await loadDataset({ id: 'mnist-full' }, { dataDir: dir, fetchImpl: http.fetch }).catch((e) => e);
      expect(err404.code).toBe('IO');
      expect(err404.message).toMatch(/HTTP 404/);
    } finally {
      await rmTemp(dir);
    }
  });

  it('detects an image/label count mismatch in the files', async () => {
    const dir = await makeTemp();
    try {
      const { src, served } = tinySource(IDX_SOURCES['mnist-full']);
      const shortLabels = gzipSync(writeIdx([9], new Uint8Array(9)));
      const url = src.baseUrl + 't10k-labels-idx1-ubyte.gz';
      served[url] = shortLabels;
      const sha = createHash('sha256').update(shortLabels).digest('hex');
      const src2 = { ...src, files: src.files.map((f) => (f.name === 't10k-labels-idx1-ubyte.gz' ? { ...f, sha256: sha } : f)) };
      const err = await loadIdxSource(src2, { dataDir: dir, fetchImpl: fakeFetch(served).fetch }).catch((e) => e);
      expect(err.code).toBe('BAD_DATASET');
      expect(err.message).toMatch(/10 images but 9 labels/);
    } finally {
      await rmTemp(dir);
    }
  });

  it('can be cancelled', async () => {
    const dir = await makeTemp();
    try {
      const { src, served } = tinySource(IDX_SOURCES['mnist-full']);
      const ctrl = new AbortController();
      const { fetch } = fakeFetch(served, { chunk: 50 });
      const err = await loadIdxSource(src, {
        dataDir: dir,
        fetchImpl: fetch,
        signal: ctrl.signal,
        onProgress: (p) => p.loaded > 100 && ctrl.abort(),
      }).catch((e) => e);
      expect(err.code).toBe('CANCELLED');
      expect(await fsp.readdir(path.join(dir, 'mnist-full'))).toEqual([]);
    } finally {
      await rmTemp(dir);
    }
  });
});

describe('toy datasets', () => {
  const cases = [
    ['toy-moons', 2],
    ['toy-spirals', 3],
    ['toy-blobs', 4],
  ] as const;
  for (const [id, k] of cases) {
    it(`${id}: shapes, labels, standardised`, async () => {
      const d = await loadDataset({ id }, { dataDir });
      expect(d.inputDim).toBe(2);
      expect(d.info.shape).toEqual([2]);
      expect(d.info.isImage).toBe(false);
      expect(d.info.labelNames.length).toBe(k);
      expect(d.train.count).toBe(4000);
      expect(d.test.count).toBe(1000);
      expect(d.train.x.length).toBe(8000);
      expect([...new Set(d.train.y)].sort()).toEqual(Array.from({ length: k }, (_, i) => i));
      for (let dim = 0; dim < 2; dim++) {
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < d.train.count; i++) {
          const v = d.train.x[2 * i + dim];
          s += v;
          s2 += v * v;
        }
        expect(Math.abs(s / d.train.count)).toBeLessThan(1e-4);
        expect(s2 / d.train.count).toBeCloseTo(1, 3);
      }
      expect(d.test.x.every(Number.isFinite)).toBe(true);
    });
  }

  it('is deterministic by seed', () => {
    const a = makeToy('toy-spirals', { train: 300, test: 100, seed: 5 });
    const b = makeToy('toy-spirals', { train: 300, test: 100, seed: 5 });
    const c = makeToy('toy-spirals', { train: 300, test: 100, seed: 6 });
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.test.y)).toEqual(Array.from(b.test.y));
    expect(Array.from(a.train.x)).not.toEqual(Array.from(c.train.x));
  });

  it('moons classes are separable by structure (class means differ)', () => {
    const { train } = makeToy('toy-moons');
    const mean = [0, 0];
    const n = [0, 0];
    for (let i = 0; i < train.count; i++) {
      mean[train.y[i]] += train.x[2 * i + 1];
      n[train.y[i]]++;
    }
    expect(mean[0] / n[0]).toBeGreaterThan(mean[1] / n[1] + 0.5);
  });
});
