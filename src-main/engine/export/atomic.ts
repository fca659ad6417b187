/**
 * Atomic export folders: everything is written into a hidden temporary sibling
 * (`<parent>/.<name>.latentlab-tmp-<pid>-<random>`) and renamed onto the target at the end.
 * The destination is checked first (destination.ts: never a protected folder, never anything but
 * an export to replace) and again just before the commit. An existing export is moved aside to
 * `.<name>.latentlab-old-<pid>-<random>`, the new folder moved in, and the old one deleted only
 * then; each step is journaled (journal.ts) so a kill at any moment is settled at the next start.
 * A cancelled or failed export removes its temp folder. Two exports to one destination never run
 * at once, even from two processes (the app's server and the CLI): each holds the lock file
 * `<parent>/.<name>.latentlab-lock` (its pid) from its temp folder to its commit, and the second
 * is BUSY; a lock whose process is gone is taken over.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';
import { readLockFile, takeLockFile, takeOverStale } from '../lockFile';
import { isProcessAlive } from '../pid';
import { describeContents, MANIFEST } from './contents';
import { checkDestination, isOnlyExport, settleOld, type DestinationState, type ProtectedDir } from './destination';
import { createFile, mkdirp, nodeFs, toLabError, type FsSeam } from './fsutil';
import { recordBuilder, recordOf } from './record';
import type { ExportJournal, JournalEntry } from './journal';

export { nodeFs, toLabError, type FsSeam } from './fsutil';

const TEMP_RE = /^\.(.+)\.latentlab-(tmp|old)-(\d+)-[0-9a-f]+$/;
const LOCK_RE = /^\.(.+)\.latentlab-lock$/;
/** A lock file younger than this whose owner is unreadable (being written) is taken as held. */
const LOCK_WRITE_MS = 10_000;
/** Temp folders of exports running in this process (never cleaned while active). */
const active = new Set<string>();
/** Destinations whose commit is running in this process (a cancelled export may still be in one). */
const committing = new Set<string>();

/**
 * Settle leftover temp/old export folders in `parentDir` (from a crashed or killed run): a temp
 * folder is removed; an old export moved aside is renamed back when its destination is free, or
 * removed when the destination is there and the old folder holds only what its export wrote —
 * else left as it is. Folders of exports still running (here or in another live process) are
 * kept. With `onlyFor`, only leftovers of exports to `<parentDir>/<onlyFor>` are considered.
 * Returns how many were settled (removed or restored).
 */
export async function cleanStaleTemps(parentDir: string, onlyFor?: string): Promise<number> {
  let entries: string[];
  try {
    entries = await fsp.readdir(parentDir);
  } catch {
    return 0;
  }
  let settled = 0;
  for (const name of entries) {
    const lock = LOCK_RE.exec(name);
    if (lock && (onlyFor === undefined || lock[1] === onlyFor)) {
      // A lock file left by a killed export (its process gone): removed.
      // Moved aside and removed only if it is still that dead holder's lock (lockFile.ts), never a
      // fresh one another export took in between.
      const read = await readLockFile(path.join(parentDir, name), parseExportLock);
      if (read?.holder && !isProcessAlive(read.holder.pid)) await takeOverStale(path.join(parentDir, name), read, parseExportLock);
      continue;
    }
    const m = TEMP_RE.exec(name);
    if (!m) continue;
    if (onlyFor !== undefined && m[1] !== onlyFor) continue;
    const full = path.join(parentDir, name);
    if (active.has(full)) continue;
    const pid = Number(m[3]);
    if (pid !== process.pid && isProcessAlive(pid)) continue;
    try {
      if (m[2] === 'tmp') await fsp.rm(full, { recursive: true, force: true });
      else if ((await settleOld(full, path.join(parentDir, m[1]))) === 'left-for-user') continue;
      settled++;
    } catch {
      /* left for next time */
    }
  }
  return settled;
}

/** Writer handed to an export body: paths are relative to the export root, forward slashes. */
export interface TempWriter {
  /** The temp folder being written. */
  readonly dir: string;
  /** The destination it becomes (absolute, resolved): what messages name. */
  readonly target: string;
  /** Write a file (creating parent folders); returns its relative path. */
  write(rel: string, data: Uint8Array | string): Promise<string>;
  /**
   * Write a file piece by piece, never whole in memory: `fill` gets `put`, which appends bytes and
   * resolves once they are written (backpressure). Returns its relative path, as `write` does.
   */
  writeStream(rel: string, fill: (put: (data: Uint8Array) => Promise<void>) => Promise<void>): Promise<string>;
  mkdir(rel: string): Promise<void>;
  /**
   * Write `manifest.json`, the export's last file: `fields` plus `exportContents` (what was
   * written, and each file's size, mtime and hash), by which a later overwrite recognises the
   * folder as this export's and tells the files the user changed since.
   */
  writeManifest(fields: Record<string, unknown>): Promise<string>;
  checkAborted(): void;
  readonly files: string[];
}

/** The steps of a commit, in order (a test seam pauses at one to stand for a kill there). */
export type CommitStep = 'journaled' | 'old-aside' | 'new-in' | 'old-removed';

export interface AtomicOptions {
  /** Replace an existing export at the destination (only an export; see destination.ts). */
  overwrite?: boolean;
  signal?: AbortSignal;
  fs?: FsSeam;
  /** Folders never written into or over (the engine passes its workspace, datasets in use…). */
  protect?: readonly ProtectedDir[];
  /** Where each step is recorded so a kill is recovered at the next start (the engine's workspace). */
  journal?: ExportJournal;
  /** Test seam, awaited after each commit step. */
  onCommitStep?: (step: CommitStep) => void | Promise<void>;
}

function makeWriter(fs: FsSeam, tmp: string, target: string, checkAborted: () => void): TempWriter {
  const files: string[] = [];
  const written = new Map<string, string>();
  const made = new Set<string>();
  let sealed = false;
  const writer: TempWriter = {
    dir: tmp,
    target,
    files,
    checkAborted,
    async mkdir(rel) {
      if (made.has(rel)) return;
      try {
        await mkdirp(fs, path.join(tmp, rel), tmp);
      } catch (err) {
        throw toLabError(err, path.join(target, rel));
      }
      made.add(rel);
    },
    async write(rel, data) {
      if (sealed) throw new LabError('INTERNAL', `export wrote ${rel} after its manifest.json`);
      const dir = path.posix.dirname(rel);
      if (dir !== '.') await writer.mkdir(dir);
      try {
        await fs.writeFile(path.join(tmp, rel), data);
      } catch (err) {
        throw toLabError(err, path.join(target, rel));
      }
      files.push(rel);
      if (rel !== MANIFEST) written.set(rel, await recordOf(path.join(tmp, rel), data));
      return rel;
    },
    async writeStream(rel, fill) {
      if (sealed) throw new LabError('INTERNAL', `export wrote ${rel} after its manifest.json`);
      const dir = path.posix.dirname(rel);
      if (dir !== '.') await writer.mkdir(dir);
      const file = path.join(tmp, rel);
      const record = recordBuilder();
      const sink = await (fs.create ?? createFile)(file).catch((err) => {
        throw toLabError(err, path.join(target, rel));
      });
      files.push(rel); // from here on it is the export's (removed with the temp folder on failure)
      try {
        await fill(async (data) => {
          try {
            await sink.write(data);
          } catch (err) {
            throw toLabError(err, path.join(target, rel));
          }
          record.add(data);
        });
      } finally {
        await sink.close().catch(() => undefined);
      }
      written.set(rel, await record.done(file));
      return rel;
    },
    async writeManifest(fields) {
      const record = Object.fromEntries([...written].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const json = JSON.stringify({ ...fields, exportContents: { ...describeContents(files), written: record } }, null, 2) + '\n';
      const rel = await writer.write(MANIFEST, json);
      sealed = true;
      return rel;
    },
  };
  return writer;
}

interface Commit {
  fs: FsSeam;
  target: string;
  tmp: string;
  old: string;
  tag: string;
  entry: JournalEntry;
  opts: AtomicOptions;
}

/** Delete the old export moved aside: an empty folder, or one holding only its export's files. */
async function removeOld(fs: FsSeam, old: string, was: DestinationState): Promise<void> {
  if (was === 'empty') {
    await fsp.rmdir(old).catch(() => undefined); // fails (and keeps it) if anything appeared in it
  } else if (await isOnlyExport(old)) {
    await fs.rm(old, { recursive: true, force: true }).catch(() => fsp.rm(old, { recursive: true, force: true }).catch(() => undefined));
  }
}

/**
 * Swap the finished temp folder in. A failure after the old export was moved aside puts it back;
 * if even that fails, the error carries `keepJournal` (the next start restores it).
 */
async function commit(c: Commit): Promise<void> {
  const { fs, target, tmp, old, opts } = c;
  if (committing.has(target)) throw new LabError('BUSY', `an earlier export to ${target} is still finishing; try again`);
  committing.add(target);
  try {
    // Again: anything the user put there while the export ran is not replaced.
    const was = await checkDestination(target, { overwrite: opts.overwrite, protect: opts.protect }).catch((err) => {
      throw toLabError(err, target);
    });
    try {
      await opts.journal?.record(c.tag, { ...c.entry, step: 'swapping' });
    } catch (err) {
      throw toLabError(err, `the export journal in ${opts.journal!.dir}`);
    }
    await opts.onCommitStep?.('journaled');
    if (was !== 'absent') {
      try {
        await fs.rename(target, old);
      } catch (err) {
        throw toLabError(err, target);
      }
      await opts.onCommitStep?.('old-aside');
    }
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      if (was !== 'absent') {
        // Put the old export back; if even that fails the journal stays and the next start does it.
        const back = await fs.rename(old, target).then(
          () => true,
          () => false,
        );
        if (!back) throw Object.assign(toLabError(err, target), { keepJournal: true });
      }
      throw toLabError(err, target);
    }
    await opts.onCommitStep?.('new-in');
    if (was !== 'absent') {
      await removeOld(fs, old, was);
      await opts.onCommitStep?.('old-removed');
    }
  } finally {
    committing.delete(target);
  }
}

/** The holder an export's lock text (`<pid> <tag>`) names, or null when it names none (empty: still being written, or broken). */
function parseExportLock(text: string): { pid: number } | null {
  const pid = Number(/^(\d+) /.exec(text)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? { pid } : null;
}

/**
 * The hidden folders an export of `tag` (`<pid>-<hex>`) to `out` (absolute, resolved) works in,
 * beside it: the temp folder `<parent>/.<name>.latentlab-tmp-<tag>` it writes, and
 * `<parent>/.<name>.latentlab-old-<tag>` the export it replaces is moved to. The journal's
 * recovery settles only records naming exactly these (journal.ts).
 */
export function exportSiblings(out: string, tag: string): { tmp: string; old: string } {
  const parent = path.dirname(out);
  const name = path.basename(out);
  return { tmp: path.join(parent, `.${name}.latentlab-tmp-${tag}`), old: path.join(parent, `.${name}.latentlab-old-${tag}`) };
}

/** The lock file of exports to `out`, beside it. */
const lockFile = (out: string) => path.join(path.dirname(out), `.${path.basename(out)}.latentlab-lock`);
/** What an export's lock file holds: its process id and its journal tag. */
const lockText = (pid: number, tag: string) => `${pid} ${tag}\n`;

/**
 * Removes the lock of the export `tag` of process `pid` to `out`, when it is still that one: the
 * start-up recovery of an export that was killed or left hanging (journal.ts). Never throws.
 */
export async function dropLock(out: string, pid: number, tag: string): Promise<void> {
  const lock = lockFile(out);
  if ((await fsp.readFile(lock, 'utf8').catch(() => '')) === lockText(pid, tag)) await fsp.rm(lock, { force: true }).catch(() => undefined);
}

/**
 * Takes the destination's lock file (`<parent>/.<name>.latentlab-lock`, created exclusively,
 * holding `<pid> <tag>`; ../lockFile.ts); a lock of a process that is gone is removed and taken.
 * @returns a release that removes the lock only while it is still this one (the same text).
 * @throws LabError BUSY when another export (this process or another) holds it, else IO.
 */
async function takeLock(target: string, tag: string): Promise<() => Promise<void>> {
  const starting = () => new LabError('BUSY', `another export to ${target} is starting; try again when it has finished`);
  const lock = await takeLockFile(lockFile(target), {
    text: lockText(process.pid, tag),
    parse: parseExportLock,
    alive: (pid) => isProcessAlive(pid),
    ownIsHeld: true,
    owner: 'text',
    writingMs: LOCK_WRITE_MS,
    held: ({ pid }) => new LabError('BUSY', `another export to ${target} is running ${pid === process.pid ? 'in this process' : `in process ${pid}`}; try again when it has finished`),
    starting,
    ioError: (err) => toLabError(err, target),
  });
  return lock.release;
}

/**
 * Run `body` against a fresh temp folder next to `out` and commit it onto `out` atomically.
 * @throws LabError INVALID_PAYLOAD (protected destination), EXISTS (something that is not an
 *   export to replace, or no `overwrite`), BUSY, CANCELLED or IO; never leaves the temp folder.
 */
export async function withAtomicFolder(
  out: string,
  opts: AtomicOptions,
  body: (w: TempWriter) => Promise<void>,
): Promise<{ out: string; files: string[] }> {
  const fs = opts.fs ?? nodeFs;
  const target = path.resolve(out);
  const parent = path.dirname(target);
  const name = path.basename(target);
  // An unreadable destination (EACCES…) is IO naming it; the rules' own refusals pass through.
  await checkDestination(target, { overwrite: opts.overwrite, protect: opts.protect }).catch((err) => {
    throw toLabError(err, target);
  });
  const checkAborted = () => {
    if (opts.signal?.aborted) throw new LabError('CANCELLED', 'export cancelled');
  };
  checkAborted();
  await cleanStaleTemps(parent, name); // leftovers of a crashed export to the same target
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const { tmp, old } = exportSiblings(target, tag);
  const entry: JournalEntry = { version: 1, pid: process.pid, out: target, tmp, old, step: 'writing' };
  let keepJournal = false;
  let release = async () => {};
  active.add(tmp);
  try {
    try {
      await opts.journal?.record(tag, entry);
    } catch (err) {
      throw toLabError(err, `the export journal in ${opts.journal!.dir}`);
    }
    try {
      await mkdirp(fs, parent);
      await fs.mkdir(tmp);
    } catch (err) {
      throw toLabError(err, target);
    }
    release = await takeLock(target, tag);
    const writer = makeWriter(fs, tmp, target, checkAborted);
    await body(writer);
    if (!writer.files.includes(MANIFEST)) throw new LabError('INTERNAL', 'the export wrote no manifest.json');
    checkAborted();
    await commit({ fs, target, tmp, old, tag, entry, opts });
    return { out: target, files: writer.files.slice() };
  } catch (err) {
    keepJournal = !!(err as { keepJournal?: boolean }).keepJournal;
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined));
    // fs errors were mapped where they happened; errors from the data source pass through.
    if ((err as Error)?.name === 'AbortError') throw new LabError('CANCELLED', 'export cancelled');
    throw err;
  } finally {
    active.delete(tmp);
    await release();
    if (!keepJournal) await opts.journal?.end(tag).catch(() => undefined);
  }
}
