/**
 * The export journal: one small JSON file per export in progress, in
 * `<workspace>/exports-in-progress/<tag>.json`, naming the destination, the temp folder, the
 * folder the old export is moved to, and the step (`writing` the temp folder, or `swapping` it
 * in). A kill at any moment leaves a record that `recoverExports` (run at engine start) settles:
 *
 * | found after the kill                    | recovery                                         |
 * |-----------------------------------------|--------------------------------------------------|
 * | step `writing`                          | temp folder removed; destination untouched        |
 * | `swapping`, old not moved yet           | temp folder removed; destination untouched        |
 * | `swapping`, old moved aside, new not in | old export renamed back; temp folder removed      |
 * | `swapping`, new in place                | new export kept; the old one removed (if it holds only what its export wrote) |
 *
 * An unfinished export never replaces anything; an old export is only deleted once the new one
 * is in place, and only when it holds nothing its export did not write. The one-file-per-export
 * layout lets several engines (the app and a CLI) share a workspace without lost updates.
 *
 * A record is not trusted as it stands: it is settled only when its temp and old folders are
 * exactly the hidden siblings an export of its tag (its file name) makes beside its destination
 * (`exportSiblings`, atomic.ts). Any other record (hand-written, copied from elsewhere, corrupted)
 * touches no folder: it is moved to `exports-in-progress/left-alone/` and said once in words.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomicWrite';
import { isProcessAlive } from '../pid';
import { cleanStaleTemps, dropLock, exportSiblings } from './atomic';
import { settleOld } from './destination';
import { lstatOrNull, mkdirp, nodeFs } from './fsutil';

export const JOURNAL_DIR = 'exports-in-progress';
/** The journal of earlier versions: a JSON list of destinations (settled at start, then removed). */
export const LEGACY_JOURNAL = 'exports-in-progress.json';
/** Where records naming folders Latent Lab did not make are set aside (inside JOURNAL_DIR). */
export const LEFT_ALONE_DIR = 'left-alone';

const Entry = z.object({
  version: z.literal(1),
  pid: z.number().int().positive(),
  out: z.string(),
  tmp: z.string(),
  old: z.string(),
  step: z.enum(['writing', 'swapping']),
});
export type JournalEntry = z.infer<typeof Entry>;

/** Tags of exports running in this process: their journal entries are never recovered. */
const running = new Set<string>();

export class ExportJournal {
  readonly dir: string;
  constructor(workspace: string) {
    this.dir = path.join(workspace, JOURNAL_DIR);
  }

  private file(tag: string): string {
    return path.join(this.dir, `${tag}.json`);
  }

  /**
   * Write (create or replace) the record of export `tag`, atomically and durably (the engine's
   * one atomic write, fsynced).
   * @throws LabError IO naming the journal file.
   */
  async record(tag: string, entry: JournalEntry): Promise<void> {
    running.add(tag);
    await mkdirp(nodeFs, this.dir);
    await writeFileAtomic(this.file(tag), JSON.stringify(entry), { durable: true });
  }

  /** Forget export `tag` (it finished, failed cleanly or was rolled back). */
  async end(tag: string): Promise<void> {
    running.delete(tag);
    await fsp.rm(this.file(tag), { force: true });
  }
}

/**
 * `left-alone`: the record named folders an export of its tag never makes; nothing was touched
 * and the record was set aside (`foreignFolders`).
 */
export type Recovery = 'rolled-back' | 'restored-old' | 'kept-new' | 'nothing' | 'left-for-user' | 'left-alone';

/**
 * What in record `e` (file `<tag>.json`) is not what an export of `tag` writes, in words
 * ("temp folder /x/user", "destination x (not a full path)"), or [] when the record is one this
 * app could have written: `tag` is `<pid>-<hex>` with the record's pid, `out` an absolute
 * resolved path below a root, and `tmp`/`old` exactly `exportSiblings(out, tag)`.
 */
export function foreignFolders(e: JournalEntry, tag: string): string[] {
  const m = /^(\d+)-[0-9a-f]+$/.exec(tag);
  if (!m || Number(m[1]) !== e.pid) return [`file name ${tag}.json (not the record of process ${e.pid})`];
  if (!path.isAbsolute(e.out) || path.resolve(e.out) !== e.out || path.basename(e.out) === '') return [`destination ${e.out} (not a full path to a folder)`];
  const own = exportSiblings(e.out, tag);
  const odd: string[] = [];
  if (e.tmp !== own.tmp) odd.push(`temp folder ${e.tmp}`);
  if (e.old !== own.old) odd.push(`old folder ${e.old}`);
  return odd;
}

/**
 * Move record `<dir>/<name>` into `<dir>/left-alone/` (under a new name if one is there already).
 * @returns where it now is, or null when it could not be moved (it stays where it was).
 */
async function setAside(dir: string, name: string): Promise<string | null> {
  const aside = path.join(dir, LEFT_ALONE_DIR);
  try {
    await mkdirp(nodeFs, aside);
    let to = path.join(aside, name);
    if (await lstatOrNull(to)) to = path.join(aside, `${name.slice(0, -'.json'.length)}-${Date.now()}.json`);
    if (await lstatOrNull(to)) return null;
    await fsp.rename(path.join(dir, name), to);
    return to;
  } catch {
    return null;
  }
}

/** Settle one interrupted export (see the table in this file's header). */
export async function recoverEntry(e: JournalEntry): Promise<Recovery> {
  const [hasTmp, hasOld] = [await lstatOrNull(e.tmp), await lstatOrNull(e.old)];
  let result: Recovery = 'nothing';
  if (hasOld) {
    // Old aside and the new one never moved in, yet something is at `out`: not ours to settle.
    if (hasTmp && (await lstatOrNull(e.out))) result = 'left-for-user';
    else result = await settleOld(e.old, e.out);
  }
  if (hasTmp) {
    await fsp.rm(e.tmp, { recursive: true, force: true });
    if (result === 'nothing') result = 'rolled-back';
  }
  return result;
}

/**
 * Settle every journal record in `<workspace>/exports-in-progress/` whose export is not running
 * (its process is dead, or it is this process and the export is not running here). Best effort:
 * a record that cannot be settled stays for the next start. Also settles the legacy journal.
 * A record naming folders its export never makes (`foreignFolders`) touches nothing: it is set
 * aside in `left-alone/` and one line says so.
 * @param opts.alive test seam: whether the process that wrote a record still runs.
 * @param opts.log where a left-alone record is said (one line each); console.warn by default.
 * @returns what was done per destination.
 */
export async function recoverExports(
  workspace: string,
  opts: { alive?: (pid: number, tag: string) => boolean; log?: (line: string) => void } = {},
): Promise<{ out: string; result: Recovery }[]> {
  const alive = opts.alive ?? ((pid, tag) => (pid === process.pid ? running.has(tag) : isProcessAlive(pid)));
  const log = opts.log ?? ((line: string) => console.warn(line));
  const dir = path.join(workspace, JOURNAL_DIR);
  const done: { out: string; result: Recovery }[] = [];
  let names: string[] = [];
  try {
    names = await fsp.readdir(dir);
  } catch {
    /* no journal yet */
  }
  for (const name of names) {
    const file = path.join(dir, name);
    if (name.includes('.json.')) {
      // The temp file of a record write a kill cut short (a minute old: not another engine's write in flight).
      const st = await fsp.stat(file).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 60_000) await fsp.rm(file, { force: true }).catch(() => undefined);
      continue;
    }
    if (!name.endsWith('.json')) continue;
    const tag = name.slice(0, -'.json'.length);
    let entry: JournalEntry;
    try {
      entry = Entry.parse(JSON.parse(await fsp.readFile(file, 'utf8')));
    } catch {
      continue; // not ours or unreadable: left alone
    }
    const odd = foreignFolders(entry, tag);
    if (odd.length) {
      const aside = await setAside(dir, name);
      log(
        `an export record (${file}) names folders Latent Lab did not make (${odd.join('; ')}); left alone: nothing was moved or deleted` +
          (aside ? `; the record was set aside as ${aside}` : ''),
      );
      done.push({ out: entry.out, result: 'left-alone' });
      continue;
    }
    if (alive(entry.pid, tag)) continue;
    try {
      done.push({ out: entry.out, result: await recoverEntry(entry) });
      await dropLock(entry.out, entry.pid, tag); // its lock, when the export died holding it
      await fsp.rm(file, { force: true });
    } catch {
      /* kept for the next start */
    }
  }
  done.push(...(await recoverLegacy(workspace)));
  return done;
}

/** The legacy journal listed destinations only: settle their dead temp/old siblings, then drop it. */
async function recoverLegacy(workspace: string): Promise<{ out: string; result: Recovery }[]> {
  const file = path.join(workspace, LEGACY_JOURNAL);
  let outs: unknown;
  try {
    outs = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch {
    return [];
  }
  const done: { out: string; result: Recovery }[] = [];
  for (const out of Array.isArray(outs) ? outs : []) {
    if (typeof out !== 'string' || !path.isAbsolute(out)) continue;
    const n = await cleanStaleTemps(path.dirname(out), path.basename(out)).catch(() => 0);
    done.push({ out, result: n ? 'rolled-back' : 'nothing' });
  }
  await fsp.rm(file, { force: true }).catch(() => undefined);
  return done;
}
