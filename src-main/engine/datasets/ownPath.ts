/**
 * The path of the user's own data as the engine reads it. The UI's path field is typed by people:
 * a leading `~` means their home folder (a shell would expand it; the engine must, or `~/data`
 * becomes `<server folder>/~/data`). A relative path means nothing to the engine (its working
 * folder is not the user's), so it is refused in words; the CLI resolves relative paths against
 * its own working folder before it asks.
 */
import os from 'node:os';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';

/**
 * `p` with a leading `~` (alone, or before `/` or `\`) replaced by `home`, checked to be absolute.
 * @param p the path as typed; @param home the user's home folder (tests pass their own).
 * @returns an absolute, normalised path.
 * @throws LabError BAD_DATASET when the path is relative (also `~user/…`), naming it.
 */
export function resolveOwnDataPath(p: string, home = os.homedir()): string {
  const t = p.trim();
  const expanded = t === '~' ? home : /^~[/\\]/.test(t) ? path.join(home, t.slice(2)) : t;
  if (!path.isAbsolute(expanded)) {
    throw new LabError('BAD_DATASET', `"${p}" is not a full path: give a full path, e.g. ${path.join(home, 'data')}`);
  }
  return path.resolve(expanded);
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
