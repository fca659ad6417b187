/**
 * What an export wrote, kept in its `manifest.json` (`exportContents`), so that "overwrite" can
 * tell a folder a Latent Lab export made — and holding nothing else — from anything of the user's.
 * Manifests written before `exportContents` existed are recognised from their `format`.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WrittenEntry } from './record';

export const MANIFEST = 'manifest.json';
/**
 * A manifest larger than this is not ours (ours are a few KB plus ~85 bytes per file written:
 * ~1.5 million files; a larger export is never replaced, the safe side).
 */
const MAX_MANIFEST_BYTES = 128 << 20;

const Sequence = z.object({
  dir: z.string(),
  count: z.number().int().nonnegative(),
  digits: z.number().int().positive().max(12),
  ext: z.string().max(16),
});

/** Stored as `manifest.exportContents`. */
export const ExportContents = z.object({
  app: z.literal('latent-lab'),
  version: z.literal(1),
  /** Relative paths (forward slashes) written besides manifest.json and the sequences. */
  files: z.array(z.string()).max(10_000),
  /** Numbered files `<dir>/<0…count-1 zero-padded to digits><ext>` (imagefolder PNGs). */
  sequences: z.array(Sequence).max(100_000),
  /**
   * Per file written (relative path → size, mtime and hash; see record.ts): how a Replace tells
   * a file the user edited since. Absent in manifests from before it existed.
   */
  written: z.record(z.string(), WrittenEntry).optional(),
});
export type ExportContents = z.infer<typeof ExportContents>;

/** Which relative paths belong to an export. */
export interface Allowed {
  file(rel: string): boolean;
  dir(rel: string): boolean;
  /** Upper bound on the number of entries (files and folders) an export of this kind holds. */
  max: number;
  /** Each written file's record (`ExportContents.written`); undefined for older manifests. */
  written?: Readonly<Record<string, string>>;
}

/** Describe `files` compactly: folders holding exactly 0…n-1 numbered PNGs become sequences. */
export function describeContents(files: readonly string[]): ExportContents {
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    const d = path.posix.dirname(f);
    if (d === '.') continue;
    const list = byDir.get(d) ?? byDir.set(d, []).get(d)!;
    list.push(path.posix.basename(f));
  }
  const seqDirs = new Map<string, z.infer<typeof Sequence>>();
  for (const [dir, names] of byDir) {
    const m = names.map((n) => /^(\d+)\.png$/.exec(n));
    if (m.some((x) => !x)) continue;
    const digits = m[0]![1].length;
    if (m.some((x) => x![1].length !== digits)) continue;
    const nums = new Set(m.map((x) => Number(x![1])));
    if (nums.size !== names.length || [...nums].some((k) => k >= names.length)) continue;
    seqDirs.set(dir, { dir, count: names.length, digits, ext: '.png' });
  }
  return {
    app: 'latent-lab',
    version: 1,
    files: files.filter((f) => f !== MANIFEST && !seqDirs.has(path.posix.dirname(f))),
    sequences: [...seqDirs.values()],
  };
}

function allowedFrom(files: Iterable<string>, sequences: z.infer<typeof Sequence>[], extraFile?: (rel: string) => boolean): Allowed {
  const set = new Set<string>([MANIFEST, ...files]);
  const dirs = new Set<string>();
  const seq = new Map(sequences.map((s) => [s.dir, s]));
  const addParents = (rel: string) => {
    for (let d = path.posix.dirname(rel); d !== '.' && !dirs.has(d); d = path.posix.dirname(d)) dirs.add(d);
  };
  for (const f of set) addParents(f);
  for (const s of sequences) addParents(`${s.dir}/x`);
  let max = set.size + dirs.size;
  for (const s of sequences) max += s.count;
  return {
    max,
    dir: (rel) => dirs.has(rel),
    file(rel) {
      if (set.has(rel) || extraFile?.(rel)) return true;
      const s = seq.get(path.posix.dirname(rel));
      if (!s) return false;
      const base = path.posix.basename(rel);
      if (!base.endsWith(s.ext)) return false;
      const num = base.slice(0, -s.ext.length);
      return num.length === s.digits && /^\d+$/.test(num) && Number(num) < s.count;
    },
  };
}

/** Manifests from before `exportContents`: their files follow from `format`. */
function legacyAllowed(m: Record<string, unknown>): Allowed | null {
  const total = typeof m.total === 'number' && Number.isInteger(m.total) && m.total >= 0 ? m.total : null;
  if (typeof m.runId !== 'string' || typeof m.modelKind !== 'string' || total === null) return null;
  if (m.format === 'idx') return allowedFrom(['images-idx3-ubyte.gz', 'labels-idx1-ubyte.gz'], []);
  if (m.format === 'npz') return typeof m.npz === 'string' && !m.npz.includes('/') ? allowedFrom([m.npz], []) : null;
  if (m.format !== 'imagefolder') return null;
  const folders = m.labelFolders && typeof m.labelFolders === 'object' ? Object.values(m.labelFolders as object) : [];
  const names = [...folders, m.unlabeledFolder].filter((f): f is string => typeof f === 'string' && !!f && !f.includes('/'));
  const a = allowedFrom(['metadata.csv'], names.map((dir) => ({ dir, count: 0, digits: 1, ext: '.png' })));
  const set = new Set(names);
  return {
    max: a.max + total,
    dir: (rel) => set.has(rel),
    file: (rel) => a.file(rel) || (set.has(path.posix.dirname(rel)) && /^\d+\.png$/.test(path.posix.basename(rel))),
  };
}

/**
 * Read `<dir>/manifest.json` and say which files belong to the export it describes.
 * Returns null when there is no manifest, it is not a regular file, too big, not JSON, or not a
 * Latent Lab export manifest.
 */
export async function readAllowed(dir: string): Promise<Allowed | null> {
  const file = path.join(dir, MANIFEST);
  try {
    const st = await fsp.lstat(file);
    if (!st.isFile() || st.size > MAX_MANIFEST_BYTES) return null;
    const m = JSON.parse(await fsp.readFile(file, 'utf8')) as unknown;
    if (!m || typeof m !== 'object' || Array.isArray(m)) return null;
    const rec = m as Record<string, unknown>;
    if (rec.exportContents === undefined) return legacyAllowed(rec);
    const c = ExportContents.safeParse(rec.exportContents);
    if (!c.success) return null;
    const a = allowedFrom(c.data.files, c.data.sequences);
    if (!c.data.written) return a;
    // Only records of files the export holds (a path out of the folder is never read).
    return { ...a, written: Object.fromEntries(Object.entries(c.data.written).filter(([rel]) => rel !== MANIFEST && a.file(rel))) };
  } catch {
    return null;
  }
}

/**
 * Entries under `dir` that the export did not write (relative paths, at most `limit`), walking
 * only folders the export made. Symbolic links and special files are always foreign. Bounded:
 * stops once more entries were seen than such an export can hold.
 */
export async function foreignEntries(dir: string, allowed: Allowed, limit = 5): Promise<string[]> {
  const foreign: string[] = [];
  let seen = 0;
  const walk = async (rel: string): Promise<void> => {
    const entries = await fsp.readdir(rel ? path.join(dir, rel) : dir, { withFileTypes: true });
    for (const e of entries) {
      if (foreign.length >= limit) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const mine = e.isDirectory() ? allowed.dir(r) : e.isFile() && allowed.file(r);
      if (!mine) foreign.push(e.isDirectory() ? `${r}/` : r);
      else if (++seen > allowed.max) foreign.push(`${r} (more entries than the export wrote)`);
      else if (e.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return foreign;
}
