/**
 * The engine's path tests, in one place: whether a path lies inside a folder (`isInside`) and
 * its spelling below it (`pathBelow`); whether something is there (`exists`) and whether it is a
 * folder (`isDirectory`). Plain Node, no engine imports: any engine module may use it.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Same folder names on case-insensitive platforms compare equal. */
function norm(p: string): string {
  return process.platform === 'win32' || process.platform === 'darwin' ? p.toLowerCase() : p;
}

/**
 * Whether a relative path `rel` (from `path.relative`) leaves its base: `..`, `../…`, or another
 * root (another drive on Windows). A name that merely starts with two dots (`..data`) stays inside.
 */
function leaves(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}

/**
 * Whether `child` is `parent` or lies inside it (both absolute, already resolved; folder names
 * compared without case on Windows and macOS).
 */
export function isInside(child: string, parent: string): boolean {
  return !leaves(path.relative(norm(parent), norm(child)));
}

/**
 * `child` relative to `parent` with the platform's separators ('' for `parent` itself), spelt as
 * `child` spells it; undefined when `child` is outside `parent` (also when, on a case-insensitive
 * platform, the two spell the shared part in different case: no spelling below `parent` exists).
 */
export function pathBelow(child: string, parent: string): string | undefined {
  if (!isInside(child, parent)) return undefined;
  const rel = path.relative(parent, child);
  return leaves(rel) ? undefined : rel;
}

/** Whether anything is at `p` (a symlink's target counts; false also when `p` cannot be looked at). Never throws. */
export async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(
    () => true,
    () => false,
  );
}

/** Whether `p` is a folder (a symlink to one counts; false also when `p` cannot be looked at). Never throws. */
export async function isDirectory(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    (st) => st.isDirectory(),
    () => false,
  );
}
