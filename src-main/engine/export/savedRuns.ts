/**
 * The data every SAVED run of a workspace was trained on, whether the run is loaded or not: what
 * exports and the CLI's outputs (`train --out`, `inspect --preview-out`) must never write into or
 * over. A run records its data in its `config.json` (`config.dataset`: `{id: 'local', path}` for
 * your own data, a folder or a dataset file such as an `.npz`; `runs:locateData` saves a moved
 * path there), so this reads every run's record.
 *
 * Cached per record file by its size and mtime: an export in a workspace of hundreds of runs
 * costs one `stat` per run, and reads only the records written since the last look.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ProtectedDir } from './destination';

/** What one run's record says about its data (null: built-in data, or an unreadable record). */
interface RunData {
  path: string;
  isFile: boolean;
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
    const p = dataPathOf(JSON.parse(await fsp.readFile(file, 'utf8')));
    if (p) data = { path: p, isFile: (await fsp.stat(p).catch(() => null))?.isFile() ?? false };
  } catch {
    data = null; // a record being written or broken says nothing here; the run list reports it
  }
  cache.set(file, { size: st.size, mtimeMs: st.mtimeMs, data });
  return data;
}

/**
 * The own data of every saved run in `<workspace>/runs/` of each workspace (run folders and links
 * to run folders; hidden entries skipped), as protected folders named after their run:
 * `the dataset folder of run "<id>"` or `the dataset file of run "<id>"`. A missing workspace or
 * an unreadable record contributes nothing. Never throws.
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
      if (d) out.push({ dir: d.path, what: `the dataset ${d.isFile ? 'file' : 'folder'} of run "${id}"` });
    }
    for (const key of cache.keys()) if (key.startsWith(runsDir + path.sep) && !seen.has(key)) cache.delete(key);
  }
  return out;
}
