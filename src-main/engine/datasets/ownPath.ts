/**
 * The path of the user's own data as the engine reads it. The UI's path field is typed by people:
 * a leading `~` means their home folder (a shell would expand it; the engine must, or `~/data`
 * becomes `<server folder>/~/data`). A relative path means nothing to the engine (its working
 * folder is not the user's), so it is refused in words; the CLI resolves relative paths against
 * its own working folder before it asks.
 */
import os from 'node:os';
import path from 'node:path';
import { LabError, type ErrorCode } from '../../../src-shared/types';

/**
 * A path as a person typed it (the data path, an export's destination) as the engine uses it: a
 * NUL character refused in words (Node's own text is about "null bytes" in an argument), a leading
 * `~` (alone, or before `/` or `\`) replaced by `home`, then checked to be absolute.
 * @param p the path as typed; @param code the error's code; @param what the path's role in the
 *   message, e.g. "the destination", and `example` a folder name for the
 *   relative-path advice; @param home the user's home folder (tests pass their own).
 * @returns an absolute, normalised path.
 * @throws LabError `code` for a NUL character or a relative path (also `~user/…`), naming it.
 */
export function resolveUserPath(p: string, opts: { code: ErrorCode; what: string; example: string; home?: string }): string {
  const home = opts.home ?? os.homedir();
  if (p.includes('\0')) {
    throw new LabError(opts.code, `${opts.what} "${p.replace(/\0/g, '\\0')}" holds a NUL character (\\0), which no file or folder name can: check the path`);
  }
  const t = p.trim();
  const expanded = t === '~' ? home : /^~[/\\]/.test(t) ? path.join(home, t.slice(2)) : t;
  if (!path.isAbsolute(expanded)) {
    throw new LabError(opts.code, `${opts.what} "${p}" is not a full path: give a full path, e.g. ${path.join(home, opts.example)}`);
  }
  return path.resolve(expanded);
}

/**
 * `p` with a leading `~` (alone, or before `/` or `\`) replaced by `home`, checked to be absolute
 * (`resolveUserPath`).
 * @param p the path as typed; @param home the user's home folder (tests pass their own).
 * @returns an absolute, normalised path.
 * @throws LabError BAD_DATASET when the path is relative (also `~user/…`) or holds a NUL, naming it.
 */
export function resolveOwnDataPath(p: string, home = os.homedir()): string {
  return resolveUserPath(p, { code: 'BAD_DATASET', what: 'the data path', example: 'data', home });
}

/**
 * A request payload with its `dataset.path` (own data) resolved by `resolveOwnDataPath`; other
 * payloads are returned as they are. Shapes: `{ dataset: { id: 'local', path, … }, … }` (parsed:
 * `folder` is already `local`).
 * @throws LabError BAD_DATASET for a relative path.
 */
export function withResolvedDataPath<T>(payload: T): T {
  const d = (payload as { dataset?: { id?: unknown; path?: unknown } } | null)?.dataset;
  if (!d || d.id !== 'local' || typeof d.path !== 'string') return payload;
  return { ...payload, dataset: { ...d, path: resolveOwnDataPath(d.path) } };
}
