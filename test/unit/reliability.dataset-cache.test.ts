/**
 * Reliability (issue #16 item 6, the dataset memo): it was keyed by the path's text (15 symlinked
 * spellings of one folder: 15 copies, never freed) and never noticed a changed folder. Now one
 * folder is one entry whatever the spelling, a folder whose files changed is read again, and the
 * memo is bounded (datasets and bytes), least recently used first out.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  clearDatasetMemo,
  datasetCacheStats,
  loadDataset,
  setDatasetCacheLimits,
  type LoadedDataset,
} from '../../src-main/engine/datasets';
import { DEFAULT_CACHE_LIMITS } from '../../src-main/engine/datasets/cache';
import { inkPng, makeFolderDataset, makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
let root: string;
const load = (p: string) => loadDataset({ id: 'local', path: p }, { dataDir: tmp });
const bytesOf = (d: LoadedDataset) => d.train.x.byteLength + d.train.y.byteLength + d.test.x.byteLength + d.test.y.byteLength;

beforeAll(async () => {
  tmp = await makeTemp('ll-rel-dscache-');
  root = path.join(tmp, 'digits');
  await makeFolderDataset(root, ['ones', 'sevens'], 6);
});

afterEach(() => {
  setDatasetCacheLimits(DEFAULT_CACHE_LIMITS);
  clearDatasetMemo();
});

afterAll(async () => {
  await rmTemp(tmp);
});

describe('the dataset memo (#16.6)', () => {
  it('15 spellings of one folder (symlinks, `..`, `.`, trailing slash) share one entry', async () => {
    const links = path.join(tmp, 'links');
    await fsp.mkdir(links);
    const spellings = [root, `${root}/`, path.join(root, '.'), `${root}/../digits`, `${tmp}/./digits`];
    for (let i = 0; i < 5; i++) {
      const link = path.join(links, `link${i}`);
      await fsp.symlink(i === 0 ? root : path.join(links, `link${i - 1}`), link); // link1 → link0 → root, …
      spellings.push(link, `${link}/`);
    }
    expect(spellings).toHaveLength(15);
    const first = await load(spellings[0]);
    for (const p of spellings) expect(await load(p), p).toBe(first);
    expect(datasetCacheStats()).toEqual({ entries: 1, bytes: bytesOf(first) });
    // Named after the folder itself, whichever spelling came first.
    clearDatasetMemo();
    expect((await load(path.join(links, 'link4'))).info.title).toBe('digits');
  });

  it('a folder whose files change is read again; an unchanged one is not', async () => {
    const a = await load(root);
    expect(await load(root)).toBe(a);

    // A file added.
    await fsp.writeFile(path.join(root, 'ones', 'new.png'), await inkPng(44, 0));
    const b = await load(root);
    expect(b).not.toBe(a);
    expect(b.train.count + b.test.count).toBe(a.train.count + a.test.count + 1);
    expect(await load(root)).toBe(b);

    // A file rewritten in place (same name, other picture).
    const file = path.join(root, 'sevens', '000.png');
    await fsp.writeFile(file, await inkPng(60, 3));
    const c = await load(root);
    expect(c).not.toBe(b);
    expect(Buffer.from(c.train.x.buffer).equals(Buffer.from(b.train.x.buffer)) && Buffer.from(c.test.x.buffer).equals(Buffer.from(b.test.x.buffer))).toBe(false);

    // Only its modification time changed (e.g. `touch`, or a same-size rewrite): read again too.
    const t = new Date(Date.now() - 60_000);
    await fsp.utimes(file, t, t);
    const d = await load(root);
    expect(d).not.toBe(c);

    // A file removed.
    await fsp.rm(path.join(root, 'ones', 'new.png'));
    const e = await load(root);
    expect(e.train.count + e.test.count).toBe(a.train.count + a.test.count);
    // One entry per folder all along: replaced, never piled up.
    expect(datasetCacheStats().entries).toBe(1);
  });

  it('the count bound drops the least recently used dataset', async () => {
    setDatasetCacheLimits({ maxEntries: 2, maxBytes: 2 ** 40 });
    const opts = { dataDir: tmp };
    const moons = await loadDataset({ id: 'toy-moons' }, opts);
    const spirals = await loadDataset({ id: 'toy-spirals' }, opts);
    expect(await loadDataset({ id: 'toy-moons' }, opts)).toBe(moons); // moons is now the most recent
    const blobs = await loadDataset({ id: 'toy-blobs' }, opts); // spirals goes
    expect(datasetCacheStats().entries).toBe(2);
    expect(await loadDataset({ id: 'toy-moons' }, opts)).toBe(moons);
    expect(await loadDataset({ id: 'toy-blobs' }, opts)).toBe(blobs);
    expect(await loadDataset({ id: 'toy-spirals' }, opts)).not.toBe(spirals);
  });

  it('the byte bound drops older datasets; one larger than the bound alone is still kept while used', async () => {
    const opts = { dataDir: tmp };
    const moons = await loadDataset({ id: 'toy-moons' }, opts);
    const folder = await load(root);
    expect(bytesOf(folder)).toBeGreaterThan(0);
    // A bound that holds one toy set but not it and the folder (the folder's images are bytes: small).
    setDatasetCacheLimits({ maxEntries: 10, maxBytes: bytesOf(moons) + Math.floor(bytesOf(folder) / 2) });
    expect(datasetCacheStats()).toEqual({ entries: 1, bytes: bytesOf(folder) }); // moons, the older, is dropped
    const spirals = await loadDataset({ id: 'toy-spirals' }, opts);
    const { entries, bytes } = datasetCacheStats();
    expect(entries).toBe(1);
    expect(bytes).toBe(bytesOf(spirals));
    expect(await loadDataset({ id: 'toy-moons' }, opts)).not.toBe(moons);
    // Below one dataset's size: the memo keeps just the one in use.
    setDatasetCacheLimits({ maxEntries: 10, maxBytes: 1 });
    expect(datasetCacheStats().entries).toBe(1);
    const again = await loadDataset({ id: 'toy-moons' }, opts);
    expect(await loadDataset({ id: 'toy-moons' }, opts)).toBe(again);
  });

  it('a load that fails is not kept, and the folder loads once fixed', async () => {
    // Too little data (one image per class); it was one class only, which now loads (one-class-folders.test.ts).
    const broken = path.join(tmp, 'too-little');
    await makeFolderDataset(broken, ['only', 'other'], 1);
    await expect(load(broken)).rejects.toMatchObject({ code: 'BAD_DATASET' });
    expect(datasetCacheStats().entries).toBe(0);
    await makeFolderDataset(broken, ['only', 'other'], 3);
    expect((await load(broken)).info.labelNames).toEqual(['only', 'other']);
    await expect(load(path.join(tmp, 'missing'))).rejects.toMatchObject({ code: 'BAD_DATASET' });
    expect(datasetCacheStats().entries).toBe(1);
  });
});
