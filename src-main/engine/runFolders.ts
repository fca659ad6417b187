/**
 * What a folder under `<workspace>/runs/` holds, read from disk: whether it is a Latent Lab run
 * (`runFolderKind`), which of its files the run did not write (`foreignFiles`: the app never deletes
 * those), and what to rename a run folder whose name cannot be a run id to (`badFolderName`,
 * `runIdFor`). The run store (./runs.ts) lists and deletes by these rules. Plain Node.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Why a run folder named `name` cannot be opened: its name, which is the run's id, holds characters
 * an id cannot (RunId: letters, digits, `.`, `-`, `_`), and what to rename it to.
 */
export function badFolderName(name: string): string {
  return `the folder name "${name}" has characters a run's name cannot hold (only letters, digits, ".", "-" and "_"): rename the folder, e.g. to "${runIdFor(name)}", to open it here`;
}

/** A run id for a folder named `name`: its runs of other characters as one `-`, trimmed. */
export function runIdFor(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'run';
}

/**
 * Whether `dir` is a Latent Lab run folder: it has a `config.json` that is a run record (an object
 * with `version` and an `id` or a `config`; one that fails the schema is a damaged run) or is not
 * valid JSON (a damaged record; still a run). `notRun` says why not.
 */
export async function runFolderKind(dir: string): Promise<{ notRun?: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'config.json'), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { notRun: 'no config.json (every run folder has one)' };
    if (code === 'EISDIR') return { notRun: 'its config.json is a folder' };
    return {}; // unreadable (permissions…): listed as a run with the read's error
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const o = json as Record<string, unknown> | null;
  const isRecord = typeof o === 'object' && o !== null && !Array.isArray(o) && 'version' in o && (typeof o.id === 'string' || typeof o.config === 'object');
  return isRecord ? {} : { notRun: 'its config.json is not a Latent Lab run record' };
}

/**
 * A file the atomic writer left next to one of a run's files: write-file-atomic's `<file>.<number>`,
 * or early versions' `<file>.tmp-<pid>-<time>`.
 */
const atomicTemp = (name: string, of: string) => name.startsWith(`${of}.`) && /^(\d+|tmp-\d+-\d+)$/.test(name.slice(of.length + 1));
const isOwn = (name: string, files: string[]) => files.some((f) => name === f || atomicTemp(name, f));
const MODEL_DIR = /^model(\.old|\.tmp-\d+)?$/;
const MODEL_PARTS = ['encoder', 'decoder', 'discriminator'];
/** What a file manager writes into any folder it shows (view settings, thumbnails): not the user's data, deleted with the run. */
const FOLDER_VIEW_FILES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/**
 * The files and folders in run folder `dir` that Latent Lab did not write (relative paths, the
 * first `max`): a run writes `config.json`, `metrics.jsonl`, `model/` (and `model.old/`,
 * `model.tmp-<pid>/` while it saves) holding `encoder/`, `decoder/`, `discriminator/` with
 * `model.json` and `weights.bin` (and the atomic writer's temp files beside them; early versions:
 * `encoder/`, `decoder/` in the run folder itself). Links are never a run's. Unreadable folders
 * count as foreign. A file manager's view files (`.DS_Store`, `Thumbs.db`, `desktop.ini`) are
 * neither: they do not keep a run from being deleted, and go with it.
 */
export async function foreignFiles(dir: string, max = 10): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, level: 0 | 1 | 2): Promise<void> => {
    let ents: import('node:fs').Dirent[];
    try {
      ents = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      out.push(rel || '.');
      return;
    }
    for (const e of ents.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= max) return;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isFile() && FOLDER_VIEW_FILES.has(e.name)) continue;
      const own =
        level === 0
          ? (e.isFile() && isOwn(e.name, ['config.json', 'metrics.jsonl'])) || (e.isDirectory() && (MODEL_DIR.test(e.name) || MODEL_PARTS.includes(e.name)))
          : level === 1
            ? e.isDirectory() && MODEL_PARTS.includes(e.name)
            : e.isFile() && isOwn(e.name, ['model.json', 'weights.bin']);
      if (!own) out.push(e.isDirectory() ? `${p}/` : p);
      // Early versions saved `encoder/`, `decoder/` in the run folder itself.
      else if (e.isDirectory()) await walk(p, level === 0 && MODEL_PARTS.includes(e.name) ? 2 : ((level + 1) as 1 | 2));
    }
  };
  await walk('', 0);
  return out;
}
