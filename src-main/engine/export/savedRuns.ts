/**
 * The data every SAVED run of a workspace was trained on, whether the run is loaded or not: what
 * exports and the CLI's outputs (`train --out`, `inspect --preview-out`) must never write into or
 * over. A run records its data in its `config.json` (`config.dataset`: `{id: 'local', path}` for
 * your own data, a folder or a dataset file such as an `.npz`; `runs:locateData` saves a moved
 * path there), so this reads every run's record.
 *
 * A run saved with `train --out DIR` lives outside `<workspace>/runs/`: the CLI lists its folder in
 * `<workspace>/runs-elsewhere.json` (`RUNS_ELSEWHERE`) before moving it there, and those runs' data
 * (and their folders) are protected as well.
 *
 * Cached per record file by its size and mtime: an export in a workspace of hundreds of runs
 * costs one `stat` per run, and reads only the records written since the last look.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';
import { writeFileAtomic } from '../atomicWrite';
import { runDisplayName, runInText } from '../runNames';
import type { ProtectedDir } from './destination';

/**
 * The file in a workspace listing run folders saved outside it (`train --out`): a JSON array of
 * absolute folder paths, only ever added to. An entry whose folder is gone or holds no run record
 * is ignored when read.
 */
export const RUNS_ELSEWHERE = 'runs-elsewhere.json';

/** The absolute folders `<workspace>/runs-elsewhere.json` lists ([] when missing or unreadable). */
export async function runsElsewhere(workspace: string): Promise<string[]> {
  try {
    const list: unknown = JSON.parse(await fsp.readFile(path.join(workspace, RUNS_ELSEWHERE), 'utf8'));
    if (!Array.isArray(list)) return [];
    return list.filter((d): d is string => typeof d === 'string' && path.isAbsolute(d)).map((d) => path.resolve(d));
  } catch {
    return [];
  }
}

/**
 * Adds the run folder `runDir` (absolute once resolved) to `<workspace>/runs-elsewhere.json`,
 * written atomically (readers see the old list or the new one); the entries already there are
 * kept. Read back after writing, and written again (a few times) when another process writing
 * the list at the same moment replaced it without this entry.
 * @throws LabError IO naming the file when it cannot be written, or when the entry does not stay.
 */
export async function recordRunElsewhere(workspace: string, runDir: string): Promise<void> {
  const file = path.join(workspace, RUNS_ELSEWHERE);
  const dir = path.resolve(runDir);
  await fsp.mkdir(workspace, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    const list = await runsElsewhere(workspace);
    if (list.includes(dir)) return;
    if (attempt > 0) await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
    // Entries a reader could not parse are kept as they were (never dropped silently).
    let raw: unknown[] = [];
    try {
      const parsed: unknown = JSON.parse(await fsp.readFile(file, 'utf8'));
      if (Array.isArray(parsed)) raw = parsed;
    } catch {
      raw = [];
    }
    await writeFileAtomic(file, JSON.stringify([...raw, dir], null, 2) + '\n');
  }
  if (!(await runsElsewhere(workspace)).includes(dir)) {
    throw new LabError('IO', `could not record the run folder ${dir} in ${file} (other processes kept replacing it): try again`);
  }
}

/** What one run's record says about its data (null: built-in data, or an unreadable record). */
interface RunData {
  path: string;
  isFile: boolean;
  /** The record's own `id` (a run saved with `--out` is named after its folder), when it has one. */
  id?: string;
  /** What the Saved runs list calls the run (../runNames.ts `runDisplayName`; its id when it has no name). */
  name?: string;
}

/** Per `config.json` path: the stat it was read at and what it said. */
const cache = new Map<string, { size: number; mtimeMs: number; data: RunData | null }>();

/** The own-data path in a parsed run record (`config.dataset`, current or legacy `folder`), else null. */
function dataPathOf(rec: unknown): string | null {
  const d = (rec as { config?: { dataset?: { id?: unknown; path?: unknown } } } | null)?.config?.dataset;
  if (!d || (d.id !== 'local' && d.id !== 'folder') || typeof d.path !== 'string' || !path.isAbsolute(d.path)) return null;
  return path.resolve(d.path);
}

/** Run `id`'s data as its record at `file` says, read again only when the file changed. */
async function runData(file: string): Promise<RunData | null> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch {
    cache.delete(file);
    return null;
  }
  const hit = cache.get(file);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.data;
  let data: RunData | null = null;
  try {
    const rec: unknown = JSON.parse(await fsp.readFile(file, 'utf8'));
    const p = dataPathOf(rec);
    const id = (rec as { id?: unknown } | null)?.id;
    if (p) {
      const isFile = (await fsp.stat(p).catch(() => null))?.isFile() ?? false;
      const name = runDisplayName(rec, '');
      data = { path: p, isFile, ...(typeof id === 'string' && id ? { id } : {}), ...(name ? { name } : {}) };
    }
  } catch {
    data = null; // a record being written or broken says nothing here; the run list reports it
  }
  cache.set(file, { size: st.size, mtimeMs: st.mtimeMs, data });
  return data;
}

/**
 * The own data of every saved run in `<workspace>/runs/` of each workspace (run folders and links
 * to run folders; hidden entries skipped), as protected folders named after their run as the
 * Saved runs list names it, then its folder id (`runInText`: `"<name>" [<id>]`):
 * `the dataset folder of run "<name>" [<id>]` or `the dataset file of run …`; then, for each run
 * folder listed in `<workspace>/runs-elsewhere.json` that still holds a run record with own data,
 * that folder (`the folder of run "<name>" [<id>]`) and its data (`… of run "<name>" [<id>] (saved
 * in <folder>)`).
 * A missing workspace or an unreadable record contributes nothing. Never throws.
 * @param workspaces absolute workspace folders (duplicates are read once).
 */
export async function savedRunData(workspaces: readonly string[]): Promise<ProtectedDir[]> {
  const out: ProtectedDir[] = [];
  for (const ws of new Set(workspaces.map((w) => path.resolve(w)))) {
    const runsDir = path.join(ws, 'runs');
    const names = await fsp.readdir(runsDir).catch(() => [] as string[]);
    const seen = new Set<string>();
    for (const id of names) {
      if (id.startsWith('.')) continue;
      const file = path.join(runsDir, id, 'config.json');
      seen.add(file);
      const d = await runData(file);
      if (d) out.push({ dir: d.path, what: `the dataset ${d.isFile ? 'file' : 'folder'} of run ${runInText(d.name ?? id, id)}` });
    }
    for (const key of cache.keys()) if (key.startsWith(runsDir + path.sep) && !seen.has(key)) cache.delete(key);
    for (const dir of await runsElsewhere(ws)) {
      const d = await runData(path.join(dir, 'config.json'));
      if (!d) continue; // gone, moved again, or not a run: nothing of it to protect
      const id = d.id ?? path.basename(dir);
      const run = runInText(d.name ?? id, id);
      out.push({ dir: d.path, what: `the dataset ${d.isFile ? 'file' : 'folder'} of run ${run} (saved in ${dir})` });
      out.push({ dir, what: `the folder of run ${run}` });
    }
  }
  return out;
}
