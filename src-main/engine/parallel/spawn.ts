/**
 * Where the training worker's code is and how to start it:
 *  - bundled (electron-vite): `out/main/train-worker.js`, next to the entry (or one folder up
 *    when this code sits in `out/main/chunks/`);
 *  - from source (tsx, vitest): `./worker.ts` run with tsx's CommonJS loader (`--require tsx/cjs`).
 * `LATENT_LAB_TRAIN_WORKER_ENTRY` overrides the file (a .js one runs as is).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { envValue } from '../../env';

export const WORKER_BUNDLE_NAME = 'train-worker.js';

function here(): { dir: string; file: string } {
  if (typeof __filename === 'string' && __filename) return { dir: __dirname, file: __filename };
  const file = new URL(import.meta.url).pathname;
  return { dir: path.dirname(file), file };
}

function localRequire(): NodeJS.Require {
  if (typeof require === 'function' && typeof require.resolve === 'function') return require;
  return createRequire(import.meta.url);
}

export interface WorkerEntry {
  file: string;
  execArgv: string[];
}

/** Resolves the worker entry; throws with the places it looked when there is none. */
export function resolveWorkerEntry(env: NodeJS.ProcessEnv = process.env): WorkerEntry {
  const { dir, file } = here();
  const forced = envValue('LATENT_LAB_TRAIN_WORKER_ENTRY', env);
  const tsx = (): string[] => ['--require', localRequire().resolve('tsx/cjs')];
  if (forced) {
    if (!existsSync(forced)) throw new Error(`LATENT_LAB_TRAIN_WORKER_ENTRY=${forced} does not exist`);
    return { file: forced, execArgv: forced.endsWith('.ts') ? tsx() : [] };
  }
  if (!/\.[cm]?ts$/.test(file)) {
    for (const cand of [path.join(dir, WORKER_BUNDLE_NAME), path.join(dir, '..', WORKER_BUNDLE_NAME)]) {
      if (existsSync(cand)) return { file: cand, execArgv: [] };
    }
  }
  const src = path.join(dir, 'worker.ts');
  if (existsSync(src)) return { file: src, execArgv: tsx() };
  throw new Error(`the training worker was not found (looked for ${WORKER_BUNDLE_NAME} next to ${dir} and for ${src})`);
}

export function spawnTrainWorker(workerData: unknown, entry = resolveWorkerEntry()): Worker {
  const opts: WorkerOptions = {
    workerData,
    execArgv: entry.execArgv,
    // The worker's stdout/stderr go to the process's (tfjs prints its backend notices there).
    stdout: false,
    stderr: false,
  };
  return new Worker(entry.file, opts);
}
