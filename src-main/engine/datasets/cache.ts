/**
 * The memo of loaded datasets, shared by every caller in this process.
 *
 * - Keyed by what the data is, not how its path is spelt: local data by its real path (symlinks
 *   and `..` resolved) and its import options, the others by id and the real data folder.
 * - A local entry carries a fingerprint of the data taken before it was loaded (names, sizes,
 *   mtimes of every file under the folder, or of a single file and the partners its import reads
 *   beside it: `partnerNames`). A lookup whose fingerprint differs is a miss, so a file added,
 *   removed, renamed or rewritten that the import reads makes the next load read it again; a note
 *   or a download beside an `.npz` does not (nor does it retrain the dataset's judging
 *   classifier, keyed by this fingerprint: ../classifier/store.ts).
 *   Taking it costs one `stat` per file (≈ 20–30 ms for 2,000 files, ≈ 0.2 s for 20,000 on the
 *   2-core test machine; lookups at the same moment share one pass).
 * - Bounded: at most `maxEntries` datasets and `maxBytes` of their arrays; beyond that the least
 *   recently used entries are dropped (the one just used is kept even when it alone is larger).
 *   Dropping an entry frees its arrays once no loaded run holds them.
 * - A failed or cancelled load is not kept.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, statSync } from 'node:fs';
import path from 'node:path';
import { ImportOptions, type DatasetRef } from '../../../src-shared/datasets';
import { parseIdxName } from './local/idxImport';
import { listFiles } from './local/walk';
import type { LoadedDataset } from './types';

export interface DatasetCacheLimits {
  /** Datasets kept at most (≥ 1). */
  maxEntries: number;
  /** Bytes of typed arrays (images and labels of both splits) kept at most. */
  maxBytes: number;
}

/** 8 datasets, 1 GiB: the two 70,000-image IDX sets take ≈ 220 MB each. */
export const DEFAULT_CACHE_LIMITS: DatasetCacheLimits = { maxEntries: 8, maxBytes: 2 ** 30 };

interface Entry {
  fingerprint: string;
  promise: Promise<LoadedDataset>;
  /** Bytes of its arrays once loaded (0 while loading). */
  bytes: number;
}

/** Where a dataset's memo entry lives and what its source looks like now. */
export interface CacheIdentity {
  key: string;
  fingerprint: string;
  /** A folder dataset's real path. */
  root?: string;
}

/** The memo key of a dataset, from real paths (the data's own; the data folder for the others) and, for local data, its import options. */
export const cacheKey = (id: DatasetRef['id'], realPath: string, options?: unknown): string =>
  JSON.stringify(options === undefined ? [id, realPath] : [id, realPath, options]);

const realOr = async (p: string): Promise<string> => fsp.realpath(p).catch(() => path.resolve(p));

/**
 * The memo key and fingerprint of `ref` (parsed: local data carries its import options, part of
 * the key); null when a local path cannot be resolved (the load then reports why and nothing is
 * memoised).
 */
export async function identify(ref: DatasetRef, dataDir: string): Promise<CacheIdentity | null> {
  if (ref.id !== 'local') return { key: cacheKey(ref.id, await realOr(dataDir)), fingerprint: '' };
  let root: string;
  try {
    root = await fsp.realpath(ref.path ?? '');
  } catch {
    return null;
  }
  const fingerprint = await fingerprintOnce(root).catch(() => null);
  return fingerprint === null ? null : { key: cacheKey('local', root, ImportOptions.parse(ref.import ?? {})), fingerprint, root };
}

/** Fingerprints being taken, by path: lookups at the same moment share one pass. */
const taking = new Map<string, Promise<string>>();

function fingerprintOnce(root: string): Promise<string> {
  let p = taking.get(root);
  if (!p) {
    p = dataFingerprint(root).finally(() => taking.delete(root));
    taking.set(root, p);
  }
  return p;
}

/**
 * The names in a single-file dataset's folder that its import reads, the file's own first (names
 * as `readdir` gives them; hidden files left out, as the importers do):
 * - `.npz`: itself and `manifest.json` (this app's export: class names, the unlabelled marker);
 * - `.npy`: every `.npy` of the folder (they are one dataset: x.npy, y.npy, x_test.npy …) and
 *   `manifest.json`;
 * - IDX: the IDX files of its stem (images and labels, train and test), `<stem>-mapping.txt`
 *   (EMNIST's class names) and `manifest.json`;
 * - `.csv`: itself alone (a CSV given as a file is read on its own; a train/test pair is a folder).
 * Other names (notes, downloads, other datasets' files) are not read, so they are left out.
 */
export function partnerNames(file: string, names: readonly string[]): string[] {
  const base = path.basename(file);
  const lower = base.toLowerCase();
  const visible = names.filter((n) => !n.startsWith('.') && n !== base);
  const manifest = visible.filter((n) => n === 'manifest.json');
  if (lower.endsWith('.npz')) return [base, ...manifest];
  if (lower.endsWith('.npy')) return [base, ...visible.filter((n) => n.toLowerCase().endsWith('.npy')), ...manifest];
  const idx = parseIdxName(base);
  if (idx) {
    const mapping = `${idx.stem}-mapping.txt`;
    return [base, ...visible.filter((n) => parseIdxName(n)?.stem === idx.stem || n === mapping), ...manifest];
  }
  return [base];
}

/**
 * A hash of what a local dataset reads, from names, sizes and mtimes (no file contents): for a
 * folder, every file under it (recursively, links followed, hidden files left out: the listing
 * the importers use); for a file, the file and the partners its import reads beside it
 * (`partnerNames`: labels, test files, a manifest), not the rest of its folder.
 * Throws when `root` cannot be read.
 */
export async function dataFingerprint(root: string): Promise<string> {
  const hash = createHash('sha256');
  const st = await fsp.stat(root);
  if (st.isDirectory()) {
    const { files, skipped } = await listFiles(root);
    hash.update(`${files.length}\n${JSON.stringify(skipped)}\n`);
    for (const f of files) hash.update(`${f.rel}\0${f.size}\0${f.mtimeMs}\n`);
    return hash.digest('hex');
  }
  const dir = path.dirname(root);
  // "partners 1": a fingerprint of this rule is never equal to one of the rule before it (every file of the folder).
  hash.update(`file ${path.basename(root)}\npartners 1\n`);
  const [own, ...partners] = partnerNames(root, await fsp.readdir(dir));
  hash.update(`${own}\0${st.size}\0${st.mtimeMs}\n`);
  for (const name of partners.sort()) statLine(hash, dir, name);
  return hash.digest('hex');
}

function statLine(hash: ReturnType<typeof createHash>, dir: string, name: string): void {
  try {
    const s = statSync(path.join(dir, name));
    if (s.isFile()) hash.update(`${name}\0${s.size}\0${s.mtimeMs}\n`);
  } catch {
    hash.update(`${name}\0?\n`);
  }
}

/**
 * The fingerprint an earlier version gave a single-file dataset (every file beside it), or null
 * for a folder or a path that cannot be read: ../classifier/store.ts looks a judging classifier
 * cached under it up once, so that a classifier trained before the partner rule is kept, not
 * trained again, while the folder has not changed since.
 */
export async function legacyFileFingerprint(root: string): Promise<string | null> {
  try {
    if ((await fsp.stat(root)).isDirectory()) return null;
    const hash = createHash('sha256');
    const dir = path.dirname(root);
    hash.update(`file ${path.basename(root)}\n`);
    for (const name of (await fsp.readdir(dir)).sort()) statLine(hash, dir, name);
    return hash.digest('hex');
  } catch {
    return null;
  }
}

const bytesOf = (d: LoadedDataset) =>
  d.train.x.byteLength + d.train.y.byteLength + d.test.x.byteLength + d.test.y.byteLength;

/** The bounded memo (a Map in least- to most-recently-used order). */
export class DatasetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private limits: DatasetCacheLimits = DEFAULT_CACHE_LIMITS) {}

  setLimits(limits: DatasetCacheLimits): void {
    this.limits = { maxEntries: Math.max(1, Math.floor(limits.maxEntries)), maxBytes: Math.max(0, limits.maxBytes) };
    this.evict();
  }

  /** The entry's load when its fingerprint matches (marked most recently used), else undefined. */
  get(id: CacheIdentity): Promise<LoadedDataset> | undefined {
    const e = this.entries.get(id.key);
    if (!e) return undefined;
    if (e.fingerprint !== id.fingerprint) {
      this.entries.delete(id.key);
      return undefined;
    }
    this.entries.delete(id.key);
    this.entries.set(id.key, e);
    return e.promise;
  }

  /** Keeps `promise` under `id` (replacing any older entry); forgotten again if it fails. */
  set(id: CacheIdentity, promise: Promise<LoadedDataset>): void {
    const e: Entry = { fingerprint: id.fingerprint, promise, bytes: 0 };
    this.entries.delete(id.key);
    this.entries.set(id.key, e);
    promise.then(
      (d) => {
        e.bytes = bytesOf(d);
        this.evict();
      },
      () => {
        if (this.entries.get(id.key) === e) this.entries.delete(id.key);
      },
    );
    this.evict();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries and bytes kept now (diagnostics, tests). */
  stats(): { entries: number; bytes: number } {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.bytes;
    return { entries: this.entries.size, bytes };
  }

  /** Drops least recently used entries until within the limits; the newest always stays. */
  private evict(): void {
    let { bytes } = this.stats();
    for (const [key, e] of this.entries) {
      if (this.entries.size <= 1) break;
      if (this.entries.size <= this.limits.maxEntries && bytes <= this.limits.maxBytes) break;
      this.entries.delete(key);
      bytes -= e.bytes;
    }
  }
}
