/**
 * Atomic export folders: everything is written into a hidden temporary sibling
 * (`<parent>/.<name>.latentlab-tmp-<pid>-<random>`) and renamed onto the target at the end.
 * A cancelled or failed export removes its temp folder; an existing target is only replaced
 * (with `overwrite`) after the new folder is complete.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';
import { isProcessAlive } from '../pid';

/** The few mutating fs calls an export makes (an injection seam for tests, e.g. ENOSPC). */
export interface FsSeam {
  writeFile(file: string, data: Uint8Array | string): Promise<void>;
  mkdir(dir: string, opts: { recursive: true }): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  rm(target: string, opts: { recursive: true; force: true }): Promise<void>;
}

export const nodeFs: FsSeam = {
  writeFile: (f, d) => fsp.writeFile(f, d),
  mkdir: (d, o) => fsp.mkdir(d, o),
  rename: (a, b) => fsp.rename(a, b),
  rm: (t, o) => fsp.rm(t, o),
};

const TEMP_RE = /^\..+\.latentlab-(?:tmp|old)-(\d+)-[0-9a-f]+$/;
/** Temp folders of exports running in this process (never cleaned while active). */
const active = new Set<string>();


/**
 * Remove leftover temp/old export folders in `parentDir` (from a crashed or killed run).
 * Folders of exports still running (in this process, or in another live process) are kept.
 * With `onlyFor`, only leftovers of exports to `<parentDir>/<onlyFor>` are considered.
 * Returns how many were removed.
 */
export async function cleanStaleTemps(parentDir: string, onlyFor?: string): Promise<number> {
  let entries: string[];
  try {
    entries = await fsp.readdir(parentDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of entries) {
    const m = TEMP_RE.exec(name);
    if (!m) continue;
    if (onlyFor !== undefined && !name.startsWith(`.${onlyFor}.latentlab-`)) continue;
    const full = path.join(parentDir, name);
    if (active.has(full)) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isProcessAlive(pid)) continue;
    await fsp.rm(full, { recursive: true, force: true }).catch(() => undefined);
    removed++;
  }
  return removed;
}

/** Map a low-level error to a LabError (ENOSPC and friends → IO). */
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
    default:
      return new LabError('IO', `could not write ${what}: ${e?.message ?? String(err)}`);
  }
}

async function isNonEmptyDirOrFile(p: string): Promise<boolean | null> {
  let st;
  try {
    st = await fsp.lstat(p);
  } catch {
    return null; // does not exist
  }
  if (!st.isDirectory()) return true;
  return (await fsp.readdir(p)).length > 0;
}

/** Writer handed to an export body: paths are relative to the export root, forward slashes. */
export interface TempWriter {
  readonly dir: string;
  /** Write a file (creating parent folders); returns its relative path. */
  write(rel: string, data: Uint8Array | string): Promise<string>;
  mkdir(rel: string): Promise<void>;
  checkAborted(): void;
  readonly files: string[];
}

/**
 * Run `body` against a fresh temp folder next to `out` and commit it onto `out` atomically.
 * Throws LabError EXISTS (non-empty target without overwrite), CANCELLED or IO; never leaves
 * the temp folder behind.
 */
export async function withAtomicFolder(
  out: string,
  opts: { overwrite?: boolean; signal?: AbortSignal; fs?: FsSeam },
  body: (w: TempWriter) => Promise<void>,
): Promise<{ out: string; files: string[] }> {
  const fs = opts.fs ?? nodeFs;
  const target = path.resolve(out);
  const parent = path.dirname(target);
  const name = path.basename(target);
  const state = await isNonEmptyDirOrFile(target);
  if (state === true && !opts.overwrite) {
    throw new LabError('EXISTS', `${target} already exists and is not empty; choose another folder or allow overwriting`);
  }
  const checkAborted = () => {
    if (opts.signal?.aborted) throw new LabError('CANCELLED', 'export cancelled');
  };
  checkAborted();
  await cleanStaleTemps(parent, name); // leftovers of a crashed export to the same target
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${name}.latentlab-tmp-${tag}`);
  const files: string[] = [];
  const made = new Set<string>();
  let current = target;
  active.add(tmp);
  try {
    try {
      await fs.mkdir(parent, { recursive: true });
      await fs.mkdir(tmp, { recursive: true });
    } catch (err) {
      throw toLabError(err, target);
    }
    const writer: TempWriter = {
      dir: tmp,
      files,
      checkAborted,
      async mkdir(rel) {
        if (made.has(rel)) return;
        current = path.join(target, rel);
        try {
          await fs.mkdir(path.join(tmp, rel), { recursive: true });
        } catch (err) {
          throw toLabError(err, current);
        }
        made.add(rel);
      },
      async write(rel, data) {
        const dir = path.posix.dirname(rel);
        if (dir !== '.') await writer.mkdir(dir);
        current = path.join(target, rel);
        try {
          await fs.writeFile(path.join(tmp, rel), data);
        } catch (err) {
          throw toLabError(err, current);
        }
        files.push(rel);
        return rel;
      },
    };
    await body(writer);
    checkAborted();
    // Commit: move any old target aside, move the new folder in, drop the old one.
    if (state !== null) {
      const old = path.join(parent, `.${name}.latentlab-old-${tag}`);
      try {
        await fs.rename(target, old);
      } catch (err) {
        throw toLabError(err, target);
      }
      try {
        await fs.rename(tmp, target);
      } catch (err) {
        await fs.rename(old, target).catch(() => undefined);
        throw toLabError(err, target);
      }
      await fs.rm(old, { recursive: true, force: true }).catch(() => fsp.rm(old, { recursive: true, force: true }).catch(() => undefined));
    } else {
      try {
        await fs.rename(tmp, target);
      } catch (err) {
        throw toLabError(err, target);
      }
    }
    return { out: target, files: files.slice() };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined));
    // fs errors were mapped where they happened; errors from the data source pass through.
    if ((err as Error)?.name === 'AbortError') throw new LabError('CANCELLED', 'export cancelled');
    throw err;
  } finally {
    active.delete(tmp);
  }
}
