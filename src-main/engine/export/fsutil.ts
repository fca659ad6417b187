/**
 * Bounded file-system helpers for exports. Every loop here is bounded by the number of path
 * components (no retry loops): Node's `fs.mkdir(…, {recursive: true})` alternates ENOENT/EEXIST
 * forever under `/proc/<pid>/`, so exports never call it.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';
import { isInside } from '../paths';

/** The few mutating fs calls an export makes (an injection seam for tests, e.g. ENOSPC or a hang). */
export interface FsSeam {
  writeFile(file: string, data: Uint8Array | string): Promise<void>;
  /** Creates ONE folder (its parent must exist): never recursive. */
  mkdir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(target: string, opts: { recursive: true; force: true }): Promise<void>;
  /**
   * Creates a NEW file (fails with EEXIST if one is there) to be written piece by piece; each
   * `write` resolves once its bytes are handed to the OS. Optional: seams without it use Node's.
   */
  create?(file: string): Promise<FileSink>;
}

/** A file being written piece by piece (FsSeam.create). */
export interface FileSink {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Node's FsSeam.create: `open(file, 'wx')`, whole writes. */
export async function createFile(file: string): Promise<FileSink> {
  const h = await fsp.open(file, 'wx');
  return {
    async write(data) {
      for (let off = 0; off < data.byteLength; ) {
        const { bytesWritten } = await h.write(data, off, data.byteLength - off);
        off += bytesWritten;
      }
    },
    close: () => h.close(),
  };
}

export const nodeFs: FsSeam = {
  writeFile: (f, d) => fsp.writeFile(f, d),
  mkdir: async (d) => {
    await fsp.mkdir(d);
  },
  rename: (a, b) => fsp.rename(a, b),
  rm: (t, o) => fsp.rm(t, o),
  create: createFile,
};

/** Deeper than any real path; a bound for the walks below. */
const MAX_DEPTH = 4096;

/** `lstat`, or null when nothing is there (ENOENT / ENOTDIR). Other errors throw. */
export async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** Whether `child` is `parent` or lies inside it: the engine's one test (`../paths`). */
export { isInside } from '../paths';

/** Symbolic links `realpathDeep` follows through missing parts before it stops (a loop ends there). */
const MAX_LINK_HOPS = 40;

/**
 * The real path of `p` even when its end does not exist yet: the deepest existing ancestor is
 * resolved with `realpath` and the missing rest appended, and a link on the way that points
 * nowhere yet (`ln -s ~/ws/runs out` before the workspace's `runs/` exists) is followed to where it
 * points, so a folder created behind it later is judged where it will be. Bounded by the path's
 * depth and `MAX_LINK_HOPS`. Never throws.
 */
export async function realpathDeep(p: string, hops = 0): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await fsp.realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    if (parent === abs) return abs;
    const here = path.join(await realpathDeep(parent, hops), path.basename(abs));
    if (hops >= MAX_LINK_HOPS || !(await lstatOrNull(here).catch(() => null))?.isSymbolicLink()) return here;
    const to = await fsp.readlink(here).catch(() => null);
    return to === null ? here : realpathDeep(path.resolve(path.dirname(here), to), hops + 1);
  }
}

/**
 * `mkdir -p` without retry loops: finds the deepest existing ancestor (at most one `stat` per
 * path component), then creates each missing folder once, in order. With `within`, nothing at or
 * above `within` is created (it must exist: a removed temp folder is never re-created).
 * @throws the fs error of the first folder that cannot be created (ENOENT when the file system
 *   refuses, as under /proc), or ENOTDIR when an ancestor is a file.
 */
export async function mkdirp(fs: FsSeam, dir: string, within?: string): Promise<void> {
  const missing: string[] = [];
  let cur = path.resolve(dir);
  for (let i = 0; ; i++) {
    if (i >= MAX_DEPTH) throw Object.assign(new Error(`path too deep: ${dir}`), { code: 'ENAMETOOLONG' });
    let st: Stats | null;
    try {
      st = await fsp.stat(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw err;
      st = null;
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${cur} is a file, not a folder`), { code: 'ENOTDIR', path: cur });
      break;
    }
    if (within !== undefined && isInside(path.resolve(within), cur)) {
      throw Object.assign(new Error(`ENOENT: ${cur} no longer exists`), { code: 'ENOENT', path: cur });
    }
    missing.push(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d);
    } catch (err) {
      // Made meanwhile (e.g. by a concurrent writer of the same export): fine if it is a folder.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await fsp.stat(d).catch(() => null))?.isDirectory()) continue;
      throw Object.assign(err as Error, { path: (err as { path?: string }).path ?? d });
    }
  }
}

/** Map a low-level error to a LabError (ENOSPC and friends → IO, naming `what`). */
export function toLabError(err: unknown, what: string): LabError {
  if (err instanceof LabError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return new LabError('CANCELLED', 'export cancelled');
  switch (e?.code) {
    case 'ENOSPC':
      return new LabError('IO', `no space left on device while writing ${what}`);
    case 'EDQUOT':
      return new LabError('IO', `disk quota exceeded while writing ${what}`);
    case 'EACCES':
    case 'EPERM':
      return new LabError('IO', `permission denied while writing ${what}`);
    case 'EROFS':
      return new LabError('IO', `read-only file system: cannot write ${what}`);
    case 'ENOENT':
      // From mkdirp: the parent exists, yet the folder cannot be made (e.g. under /proc/<pid>/).
      return new LabError(
        'IO',
        `cannot write ${what}: the file system refused to create a folder in ${e.path ? path.dirname(e.path) : 'its parent'} (ENOENT)`,
      );
    case 'ENOTDIR':
      return new LabError('IO', `cannot write ${what}: ${e.path ?? 'a folder on the way'} is a file, not a folder`);
    default:
      return new LabError('IO', `could not write ${what}: ${e?.message ?? String(err)}`);
  }
}
