/**
 * The workspace (a folder holding `runs/` and the `datasets/` cache): where it is by default, and
 * whether a given one can be used, checked before anything is announced or started. Plain Node,
 * for every process: the browser-mode server checks it before it says "Latent Lab is running at
 * …", the CLI before it opens an engine, and `Engine.create` before it writes there — a workspace
 * that is a file once gave the server's "running" line, then an engine that died with an ENOTDIR
 * stack.
 */
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envValue } from './env';

/** LATENT_LAB_HOME, else the platform's per-user data folder; absolute. */
export function defaultWorkspace(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = envValue('LATENT_LAB_HOME', env);
  if (fromEnv) return path.resolve(fromEnv);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Latent Lab');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Latent Lab');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'latent-lab');
}

const kindOf = (p: string): 'folder' | 'file' | 'missing' | 'other' => {
  try {
    const st = statSync(p);
    return st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    // ENOTDIR: a parent is a file; the walk up to the nearest existing parent says which.
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'other';
  }
};

const writable = (p: string): boolean => {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * What makes `dir` unusable as a workspace, in words, or null when it can be used: a folder (its
 * `runs/` and `datasets/`, where present, folders too; a read-only one is fine, its runs can be
 * looked at), or a missing folder whose nearest existing parent is a folder this process may
 * write in (it is created).
 * - "/x/notes.txt is a file, not a folder"
 * - "/x/notes.txt/ws cannot be created: /x/notes.txt is a file, not a folder"
 * - "/ro/ws cannot be created: /ro is not writable"
 * - "/x/ws/runs is a file, where the workspace keeps its runs folder"
 */
export function workspaceProblem(dir: string): string | null {
  const abs = path.resolve(dir);
  const kind = kindOf(abs);
  if (kind === 'file') return `${abs} is a file, not a folder`;
  if (kind === 'other') return `${abs} is not a folder (a device, a pipe, or a path that cannot be read)`;
  if (kind === 'folder') {
    for (const sub of ['runs', 'datasets']) {
      const k = kindOf(path.join(abs, sub));
      if (k !== 'folder' && k !== 'missing') return `${path.join(abs, sub)} is ${k === 'file' ? 'a file' : 'not a folder'}, where the workspace keeps its ${sub} folder`;
    }
    // A read-only folder is not refused: its runs can still be opened and looked at.
    return null;
  }
  let up = path.dirname(abs);
  while (kindOf(up) === 'missing' && path.dirname(up) !== up) up = path.dirname(up);
  const parent = kindOf(up);
  if (parent === 'file') return `${abs} cannot be created: ${up} is a file, not a folder`;
  if (parent !== 'folder') return `${abs} cannot be created: ${up} is not a folder`;
  return writable(up) ? null : `${abs} cannot be created: ${up} is not writable`;
}

/**
 * The one line that refuses an unusable workspace, naming where the path came from: "the workspace
 * (--workspace) /x/notes.txt is a file, not a folder: give a folder (a missing one is created)".
 * Null when `workspaceProblem(dir)` finds nothing.
 * @param from what named the path: `--workspace`, `LATENT_LAB_HOME`, the app's setting (left out when unknown).
 */
export function workspaceRefusal(dir: string, from?: string): string | null {
  const problem = workspaceProblem(dir);
  return problem ? `the workspace${from ? ` (${from})` : ''} ${problem}: give a folder (a missing one is created)` : null;
}

/** What named the workspace: `--workspace` when given, else `LATENT_LAB_HOME` when set, else the default. */
export function workspaceSource(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return given !== undefined ? '--workspace' : envValue('LATENT_LAB_HOME', env) ? 'LATENT_LAB_HOME' : 'the default';
}
