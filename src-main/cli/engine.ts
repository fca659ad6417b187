/** Opening the engine for a command, and finding the run a command works on. */
import { promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultWorkspace, Engine, type EngineOptions } from '../engine/engine';
import { UsageError, type Options } from './args';
import { runIdOfFolder } from './runOut';

/** The workspace the user named (`--workspace`, else LATENT_LAB_HOME or the per-user default), absolute. */
export function userWorkspace(o: Options): string {
  return path.resolve(o.workspace ?? defaultWorkspace());
}

/**
 * An in-process engine on `workspace` (default: the user's). Datasets are cached once per user,
 * whatever workspace a command runs in. A `--run <folder>` temporary workspace keeps the user's
 * real one off limits to exports, and its export journal (a temporary one would be gone when
 * recovery is needed).
 */
export function openEngine(o: Options, workspace?: string, emit: EngineOptions['emit'] = () => undefined): Promise<Engine> {
  const real = userWorkspace(o);
  return Engine.create({
    workspace: workspace ?? real,
    dataDir: path.join(real, 'datasets'),
    protect: [real],
    journalWorkspace: real,
    emit,
  });
}

/**
 * Resolves `--run`: a run id inside the workspace, or any run folder (the one `train --out`
 * wrote). A folder outside a workspace is opened through a temporary workspace that links to it
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
  if (path.basename(path.dirname(dir)) === 'runs') return { workspace: path.dirname(path.dirname(dir)), runId: path.basename(dir) };
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'latent-lab-cli-'));
  await fs.mkdir(path.join(tmp, 'runs'));
  const runId = runIdOfFolder(dir);
  await fs.symlink(dir, path.join(tmp, 'runs', runId), 'dir');
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  return { workspace: tmp, runId };
}
