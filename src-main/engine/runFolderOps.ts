/**
 * The run store's operations on whole run folders (./runs.ts `RunStore.list` and `remove`
 * delegate here): listing `runs/` — runs, unreadable runs and folders that are not runs, each
 * said — and deleting a run's folder only when it is a Latent Lab run that nothing trains and
 * that holds only the files a run writes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabError, RunSummary, TrainConfig } from '../../src-shared/types';
import { ioError } from './atomicWrite';
import { badFolderName, foreignFiles, runFolderKind, runIdFor } from './runFolders';
import { ID_RE, summary, type RunRecord } from './runRecord';
import { live, refuseIfTrainedElsewhere, unsaved } from './runTrainers';

/** What these operations use of a RunStore (./runs.ts). */
export interface RunFolderStore {
  readonly runsDir: string;
  dir(id: string): string;
  read(id: string): Promise<RunRecord>;
  serial<T>(id: string, fn: () => Promise<T>): Promise<T>;
  readRaw(id: string): Promise<RunRecord>;
  interpret(rec: RunRecord): RunRecord;
}

/**
 * Every entry of runs/ that is a folder (loose files are not listed), newest first, its id the
 * folder's name: a run's summary (an unreadable run's with `error`; `foreignFiles` when the folder
 * holds files Latent Lab did not write), or, for a folder that is not a Latent Lab run, an entry
 * with `notRun` saying why and no model of its own. Never throws for one odd folder.
 */
export async function listRuns(store: RunFolderStore): Promise<RunSummary[]> {
  let names: string[] = [];
  try {
    names = await fs.readdir(store.runsDir);
  } catch {
    return [];
  }
  const out: RunSummary[] = [];
  for (const id of names) {
    if (id.startsWith('.')) continue;
    const dir = path.join(store.runsDir, id);
    try {
      const stat = await fs.stat(dir);
      if (!stat.isDirectory()) continue;
    } catch {
      continue; // a dangling link or an entry gone since readdir
    }
    const kind = await runFolderKind(dir);
    if (!ID_RE.test(id)) {
      // A copy a file manager named ("… copy", "… (2)", "… - Copy"): listed, not skipped without a word.
      if (kind.notRun) {
        out.push({ ...placeholder(id, `not a Latent Lab run: ${kind.notRun}`), notRun: kind.notRun });
      } else {
        const renameTo = runIdFor(id);
        out.push({ ...placeholder(id, `not openable: ${badFolderName(id)}`), notRun: badFolderName(id), renameTo });
      }
      continue;
    }
    if (kind.notRun) {
      out.push({ ...placeholder(id, `not a Latent Lab run: ${kind.notRun}`), notRun: kind.notRun });
      continue;
    }
    const foreign = live.has(dir) ? [] : await foreignFiles(dir);
    const extra = foreign.length ? { foreignFiles: foreign } : {};
    try {
      out.push({ ...summary(await store.read(id)), ...extra });
    } catch (err) {
      out.push({ ...placeholder(id, err instanceof Error ? err.message : String(err)), ...extra });
    }
  }
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id < b.id ? 1 : -1));
}

/**
 * The id of a run in runs/ other than `id` whose record is named `name` (as Saved runs lists it;
 * spaces around either name do not count), or null. Folders that are not runs and unreadable
 * records are skipped. Never throws.
 */
export async function otherRunNamed(store: RunFolderStore, id: string, name: string): Promise<string | null> {
  const wanted = name.trim().normalize();
  const entries = await fs.readdir(store.runsDir).catch(() => [] as string[]);
  for (const other of entries) {
    if (other === id || other.startsWith('.') || !ID_RE.test(other)) continue;
    const rec = await store.read(other).catch(() => null);
    if (rec && rec.name.trim().normalize() === wanted) return other;
  }
  return null;
}

/**
 * Deletes run `id`'s folder: only a Latent Lab run's, only the files a run writes, and only when
 * no live process trains it. A symlinked entry loses only the link. Throws NOT_FOUND (no such
 * folder, or a folder that is not a Latent Lab run: nothing deleted, the user may remove it),
 * BUSY (another process — the CLI, a second app — is training it, or a job here owns it), EXISTS
 * (the folder holds files Latent Lab did not write: named, nothing deleted) or IO.
 */
export async function removeRun(store: RunFolderStore, id: string): Promise<void> {
  const dir = store.dir(id);
  let st: import('node:fs').Stats;
  try {
    st = await fs.lstat(dir);
  } catch {
    throw new LabError('NOT_FOUND', `no run "${id}"`);
  }
  if (st.isSymbolicLink()) {
    await store.serial(id, () => fs.unlink(dir)); // the link only; what it points to is kept
    return;
  }
  if (!st.isDirectory()) throw new LabError('NOT_FOUND', `no run "${id}": ${dir} is a file, not a run folder (nothing was deleted)`);
  // In the run's queue: a write still pending (e.g. a rename) lands before, not inside, the removal.
  await store.serial(id, async () => {
    const kind = await runFolderKind(dir);
    if (kind.notRun) {
      throw new LabError('NOT_FOUND', `"${id}" is not a Latent Lab run (${kind.notRun}); Latent Lab deletes only its own runs, so ${dir} was kept — remove it yourself if you no longer want it`);
    }
    if (live.has(dir)) throw new LabError('BUSY', 'this run is training here; stop it first');
    const rec = await store.readRaw(id).then((r) => store.interpret(r), () => null);
    if (rec) refuseIfTrainedElsewhere(rec, 'deleted');
    const foreign = await foreignFiles(dir, Infinity);
    if (foreign.length) {
      throw new LabError(
        'EXISTS',
        `run "${id}" was not deleted: its folder also holds ${foreign.length === 1 ? 'a file' : `${foreign.length} files`} Latent Lab did not write (${listNames(foreign)}). Move ${foreign.length === 1 ? 'it' : 'them'} out of ${dir} and delete the run again, or delete the folder yourself`,
      );
    }
    // What a run writes, its record last (a half-done delete stays a run that can be deleted again).
    const entries = (await fs.readdir(dir)).sort((a, b) => Number(a === 'config.json') - Number(b === 'config.json'));
    for (const name of entries) await fs.rm(path.join(dir, name), { recursive: true, force: true });
    try {
      await fs.rmdir(dir);
    } catch (err) {
      throw ioError(err, dir, 'removing');
    }
  });
  unsaved.delete(dir);
}

/** A listing entry with no record of its own (an unreadable run, or a folder that is not a run). */
function placeholder(id: string, error: string): RunSummary {
  return { id, name: id, created: '', config: TrainConfig.parse({}), state: 'error', epochsDone: 0, metrics: null, error };
}

function listNames(names: string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
