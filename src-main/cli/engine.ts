/** Opening the engine for a command, and finding the run a command works on. */
import { existsSync, promises as fs, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultWorkspace, Engine, type EngineOptions } from '../engine/engine';
import { JOURNAL_DIR, LEGACY_JOURNAL } from '../engine/export/journal';
import { LabError } from '../../src-shared/types';
import { UsageError, type Options } from './args';
import { runIdOfFolder } from './runOut';
import { workspaceRefusal, workspaceSource } from '../workspace';

/** The workspace the user named (`--workspace`, else LATENT_LAB_HOME or the per-user default), absolute. */
export function userWorkspace(o: Options): string {
  return path.resolve(o.workspace ?? defaultWorkspace());
}

/**
 * An in-process engine on `workspace` (default: the user's). Datasets are cached once per user,
 * whatever workspace a command runs in. A `--run <folder>` temporary workspace keeps the user's
 * real one off limits to exports, and its export journal (a temporary one would be gone when
 * recovery is needed).
 * @throws LabError IO (as a rejection) when the user's workspace cannot be used (../workspace.ts), naming it and what named it.
 */
export function openEngine(o: Options, workspace?: string, emit: EngineOptions['emit'] = () => undefined): Promise<Engine> {
  const real = userWorkspace(o);
  // One line naming the flag or variable, before anything is written (a file given as --workspace once gave an ENOTDIR).
  const refusal = workspaceRefusal(real, workspaceSource(o.workspace));
  if (refusal) return Promise.reject(new LabError('IO', refusal));
  return Engine.create({
    workspace: workspace ?? real,
    dataDir: path.join(real, 'datasets'),
    protect: [real],
    journalWorkspace: real,
    emit,
  });
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};
const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/**
 * Whether `dir` really is a Latent Lab workspace: the configured one (`configured`, compared by
 * real path), or a folder with a workspace's marks: a `runs/` folder beside a `datasets/` cache
 * folder, or an export journal (`exports-in-progress`). A plain folder that merely holds a
 * `runs/` folder (the README's `train --out runs/x` in a project folder) is not one.
 */
export function isWorkspace(dir: string, configured: string): boolean {
  if (real(dir) === real(configured)) return true;
  if (!isDir(path.join(dir, 'runs'))) return false;
  return isDir(path.join(dir, 'datasets')) || existsSync(path.join(dir, JOURNAL_DIR)) || existsSync(path.join(dir, LEGACY_JOURNAL));
}

/**
 * Resolves `--run`: a run id inside the workspace, or any run folder (the one `train --out`
 * wrote). A run folder in `<dir>/runs/` opens in the workspace `<dir>` only when `<dir>` is one
 * (`isWorkspace`); any other folder is opened through a temporary workspace that links to it
 * (removed when the process exits).
 * @throws UsageError when `--run` is missing or the folder holds no `config.json`.
 */
export async function locateRun(o: Options): Promise<{ workspace: string; runId: string }> {
  const run = o.run;
  if (!run) throw new UsageError('--run is required (a run folder, e.g. the "run" printed by train)');
  const looksLikePath = run.includes('/') || run.includes(path.sep) || run.startsWith('.');
  if (!looksLikePath) return { workspace: o.workspace ?? defaultWorkspace(), runId: run };
  const dir = path.resolve(run);
  try {
    await fs.access(path.join(dir, 'config.json'));
  } catch {
    throw new UsageError(`${run} is not a run folder (no config.json inside)`);
  }
  const above = path.dirname(path.dirname(dir));
  if (path.basename(path.dirname(dir)) === 'runs' && isWorkspace(above, userWorkspace(o))) return { workspace: above, runId: path.basename(dir) };
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'latent-lab-cli-'));
  await fs.mkdir(path.join(tmp, 'runs'));
  const runId = runIdOfFolder(dir);
  await fs.symlink(dir, path.join(tmp, 'runs', runId), 'dir');
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  return { workspace: tmp, runId };
}
