/**
 * One pid lock file, the pattern both locks of the engine use: an export's destination lock
 * (export/atomic.ts, `.<name>.latentlab-lock`) and a judging classifier's training lock
 * (classifier/trainLock.ts, `<folder>.training-lock`). Two processes on one workspace (the app's
 * engine and a CLI run, two windows) take it before the work it guards; the second is refused.
 *
 * File format: a file created exclusively (flag `wx`, O_CREAT|O_EXCL: exactly one creator
 * succeeds) holding text the caller chooses, from which the caller's `parse` reads the holder
 * back: at least its process id (the export lock's `<pid> <tag>\n`, the training lock's JSON
 * `{pid, dataset, epoch, …}`). Its mtime is when the holder last wrote it.
 *
 * Races handled:
 * - two takers at once: the exclusive create lets one win; the other reads the winner and is
 *   refused (`held`).
 * - a lock being written: `wx` creates the file empty and only then writes its text, so a reader
 *   may find it empty or half-written; one that names no process and is younger than `writingMs`
 *   is taken as held (`starting`); an older one was left broken by a killed process and is taken.
 * - a dead holder (by the caller's `alive` judge: its process gone, or its pid now another
 *   process's): taken over atomically. The lock is renamed to a name of this taker's own
 *   (`<file>.stale-<pid>-<random hex>`); a rename of one file succeeds once, so of two takers that
 *   read the same dead holder only one moves it (the other's rename finds nothing, ENOENT). The
 *   file moved is then re-read: when it is still the dead holder's (same text, mtime and inode) it
 *   is removed and the create tried once more; a process that took the lock in between is found
 *   on that second look and refuses this one (`starting` if the create lost again). When it is
 *   not — a taker that read the dead holder, then was overtaken by another's whole takeover, moved
 *   the other's fresh lock — it is put back where it was (a hard link: the same file, its mtime
 *   and any write still going on kept; a copy created exclusively where the file system has no
 *   hard links) and this taker finds it held on its second look.
 * - the file gone between the failed create and the read: the create is tried again.
 * - a holder taken for gone while it was not (and its lock taken over): its `isMine`/`release`
 *   look before they touch the file, so the new holder's lock is left alone.
 * Not handled: while a fresh lock moved by mistake is away (the rename to the put-back, a few
 *   system calls), a third taker may create its own: then that one holds the lock, the fresh
 *   lock is dropped, and its holder's `isMine` says false. It takes three takers racing on one dead
 *   holder with one of them overtaken between its read and its rename. A taker killed between its
 *   rename and its removal leaves a `<file>.stale-…` file behind (never read as a lock).
 *
 * Errors: the caller's `held(holder)` when a live process holds it, its `starting()` when it is
 * being written or the second create lost too, any other file system error of the create as
 * `ioError` maps it (thrown as it comes without one). `isMine` and `release` never throw.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';

/** What a lock file says: the holder `parse` read (null: it names none — being written, or broken), and when it was last written. */
export interface LockFileRead<S> {
  holder: S | null;
  text: string;
  /** The file's mtime, ms since the epoch. */
  writtenMs: number;
  /** The file's inode number (which file this was: a stale lock is only removed when it is still the one read). */
  ino: number;
}

/** How one kind of lock reads, judges and refuses. */
export interface LockFileOptions<S extends { pid: number }> {
  /** What this process writes into the lock (must parse back to a holder with `process.pid`). */
  text: string;
  /** The holder named by a lock's text; null when it names none (empty, half-written, broken). */
  parse(text: string): S | null;
  /**
   * Whether the process `pid` named in a lock last written at `writtenMs` (ms since the epoch)
   * still holds it: pid.ts `isProcessAlive(pid)`, or `isWriterAlive(pid, writtenMs)` (also false
   * when the pid was given to a process started after the write).
   */
  alive(pid: number, writtenMs: number): boolean;
  /**
   * Whether a lock naming this very process counts as held: true, a second taker in this process
   * is refused; false, this process's own lock is taken as left over and taken again.
   */
  ownIsHeld: boolean;
  /**
   * How `isMine`/`release` tell this process's lock: `text`, the file still holds exactly the
   * text written (a lock tagged per taker); `pid`, it still names this process (a lock whose text
   * the holder rewrites).
   */
  owner: 'text' | 'pid';
  /** A lock naming no process and younger than this (ms) is being written: taken as held. */
  writingMs: number;
  /** The error when a live process holds the lock. */
  held(holder: S): Error;
  /** The error when the lock is being taken at this moment (written, or the second create lost). */
  starting(): Error;
  /** Maps a file system error of the create (other than EEXIST); thrown as it comes without it. */
  ioError?(err: unknown): Error;
}

/** A lock this process holds. */
export interface HeldLockFile {
  readonly file: string;
  /** Whether the file is still this process's lock (by `owner`); false when gone or taken over. Never throws. */
  isMine(): Promise<boolean>;
  /** Removes the lock when it is still this process's (`isMine`); another's is left. Never throws. */
  release(): Promise<void>;
}

/** The lock at `file` as `parse` reads it; null when there is none (or it went while being read). */
export async function readLockFile<S>(file: string, parse: (text: string) => S | null): Promise<LockFileRead<S> | null> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(file, 'utf8'), fsp.stat(file)]);
    let holder: S | null = null;
    try {
      holder = parse(text);
    } catch {
      holder = null; // broken, or being written
    }
    return { holder, text, writtenMs: st.mtimeMs, ino: st.ino };
  } catch {
    return null;
  }
}

/**
 * Takes the lock file `file` for this process (see the module's docstring for the races).
 * @returns the held lock (its `release` removes it only while it is still this process's).
 * @throws `opts.held(holder)` when a live process holds it; `opts.starting()` when it is being
 *   written or taken at this moment; a file system error of the create (through `opts.ioError`).
 */
export async function takeLockFile<S extends { pid: number }>(file: string, opts: LockFileOptions<S>): Promise<HeldLockFile> {
  const isMine = async (): Promise<boolean> => {
    const now = await readLockFile(file, opts.parse);
    if (!now) return false;
    return opts.owner === 'text' ? now.text === opts.text : now.holder?.pid === process.pid;
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fsp.writeFile(file, opts.text, { flag: 'wx' });
      return {
        file,
        isMine,
        release: async () => {
          if (await isMine()) await fsp.rm(file, { force: true }).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw opts.ioError ? opts.ioError(err) : err;
    }
    const now = await readLockFile(file, opts.parse);
    const h = now?.holder;
    if (h && (h.pid !== process.pid || opts.ownIsHeld) && opts.alive(h.pid, now!.writtenMs)) throw opts.held(h);
    if (now && !h && Date.now() - now.writtenMs < opts.writingMs) throw opts.starting();
    // Its process is gone (or it is this process's own, not counted as held), or it is broken and old.
    if (now) await takeOverStale(file, now, opts.parse);
  }
  throw opts.starting();
}

/**
 * Removes the stale lock `stale` (as read from `file`) if `file` is still that very lock: renames
 * it aside to a name of this taker's own, re-reads it there, removes it when it is the one read
 * (same text, mtime and inode), else puts it back (hard link, or an exclusive copy where there are
 * no hard links) — see the module's docstring. Nothing to do when the rename finds no file
 * (another taker moved it first). Never throws: a step that fails leaves the lock for the caller's
 * next create to find. Also what a cleanup of dead holders' locks uses (export/atomic.ts
 * `cleanStaleTemps`), so it never removes a fresh lock taken in between.
 */
export async function takeOverStale<S>(file: string, stale: LockFileRead<S>, parse: (text: string) => S | null): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await fsp.rename(file, aside);
  } catch {
    return; // ENOENT: another taker moved it first (or it went); others: the create finds it again
  }
  const moved = await readLockFile(aside, parse);
  const same = moved !== null && moved.text === stale.text && moved.writtenMs === stale.writtenMs && moved.ino === stale.ino;
  if (moved && !same) {
    // Another taker's fresh lock: back where it was (never over a lock created meanwhile).
    try {
      await fsp.link(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await fsp.copyFile(aside, file, fsc.COPYFILE_EXCL).catch(() => undefined);
    }
  }
  await fsp.rm(aside, { force: true }).catch(() => undefined);
}
