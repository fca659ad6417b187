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
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomicWrite';
import { isProcessAlive } from '../pid';
import { cleanStaleTemps, dropLock } from './atomic';
import { settleOld } from './destination';
import { lstatOrNull, mkdirp, nodeFs } from './fsutil';

export const JOURNAL_DIR = 'exports-in-progress';
/** The journal of earlier versions: a JSON list of destinations (settled at start, then removed). */
export const LEGACY_JOURNAL = 'exports-in-progress.json';

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

export type Recovery = 'rolled-back' | 'restored-old' | 'kept-new' | 'nothing' | 'left-for-user';

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
 * @param opts.alive test seam: whether the process that wrote a record still runs.
 * @returns what was done per destination.
 */
export async function recoverExports(
  workspace: string,
  opts: { alive?: (pid: number, tag: string) => boolean } = {},
): Promise<{ out: string; result: Recovery }[]> {
  const alive = opts.alive ?? ((pid, tag) => (pid === process.pid ? running.has(tag) : isProcessAlive(pid)));
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
