/**
 * Where the app's static resources are (the repository's top-level `resources/` folder: the icon,
 * the embedded MNIST digits). Plain Node (no Electron import): used by the engine and the shell.
 *
 * Places tried, first match wins:
 *  1. `<process.resourcesPath>/resources` and `<process.resourcesPath>/app.asar.unpacked/resources`:
 *     a packaged Electron app (the folder shipped as extra resources, or unpacked from the asar);
 *  2. a `resources/` folder one to three levels above this module's folder: the repository
 *     checkout run from source (tsx, vitest: `src-main/`), the build (`out/main/`,
 *     `out/main/chunks/`), and a packaged app whose `out/` and `resources/` are inside `app.asar`;
 *  3. `<cwd>/resources`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LabError } from '../src-shared/types';

export interface ResourceRoots {
  /** The folder of the calling code (`__dirname`). */
  moduleDir: string;
  /** Electron's `process.resourcesPath` (undefined in plain Node). */
  resourcesPath?: string;
  cwd: string;
}

function defaultRoots(): ResourceRoots {
  return {
    moduleDir: typeof __dirname === 'string' && __dirname ? __dirname : process.cwd(),
    resourcesPath: (process as { resourcesPath?: string }).resourcesPath,
    cwd: process.cwd(),
  };
}

/** The candidate `resources/` folders, in the order they are tried (duplicates removed). */
export function resourceDirCandidates(roots: ResourceRoots = defaultRoots()): string[] {
  const out: string[] = [];
  if (roots.resourcesPath) {
    out.push(path.join(roots.resourcesPath, 'resources'), path.join(roots.resourcesPath, 'app.asar.unpacked', 'resources'));
  }
  for (const up of ['..', '../..', '../../..']) out.push(path.resolve(roots.moduleDir, up, 'resources'));
  out.push(path.resolve(roots.cwd, 'resources'));
  return [...new Set(out)];
}

/**
 * Absolute path of a resource, e.g. `resolveResource('mnist/mnist-10k-labels-idx1-ubyte.gz')`
 * (forward slashes, relative to `resources/`). Throws LabError('NOT_FOUND') naming the places
 * it looked when no candidate folder holds the file.
 */
export function resolveResource(relPath: string, roots: ResourceRoots = defaultRoots()): string {
  const dirs = resourceDirCandidates(roots);
  for (const dir of dirs) {
    const file = path.join(dir, ...relPath.split('/'));
    if (existsSync(file)) return file;
  }
  throw new LabError('NOT_FOUND', `the app resource ${relPath} is missing (looked in ${dirs.join(', ')}); the installation is incomplete`);
}

/** Like `resolveResource`, but undefined when the file is missing (for optional resources, e.g. the icon). */
export function findResource(relPath: string, roots: ResourceRoots = defaultRoots()): string | undefined {
  try {
    return resolveResource(relPath, roots);
  } catch {
    return undefined;
  }
}
