/**
 * The judging classifier's cache key without the workspace's place on disk, so that a workspace
 * copied or moved (a backup, another disk) keeps its cached classifiers instead of training
 * them again for minutes.
 *
 * The dataset memo's key (../datasets/cache.ts `cacheKey`: `[id, realPath, options?]`) spells the
 * data's real path. A path inside the workspace — the data folder's parent, as its real path —
 * becomes `<workspace>/` + the path below it with `/` separators (the downloaded and embedded
 * datasets: `<workspace>/datasets`; own data under the workspace: `<workspace>/datasets/x.npz`);
 * a path outside it stays as it is (it did not move with the workspace). Whether the data changed
 * is the fingerprint's job (names, sizes, mtimes: a copy that keeps mtimes, as `cp -a`, `rsync -a`
 * and the file managers do, keeps the classifier; one that does not trains it again).
 *
 * `sameDataMoved` recognises a classifier cached under the earlier rule (absolute paths) in a
 * workspace that has moved since: ./store.ts moves it to the new key's folder instead of training.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pathBelow } from '../paths';

/** How a path inside the workspace is spelt in a classifier's key. */
export const WORKSPACE_MARK = '<workspace>';

/** The workspace of `dataDir` (its parent folder) as a real path; resolved when it does not exist. */
export async function workspaceOf(dataDir: string): Promise<string> {
  const parent = path.dirname(path.resolve(dataDir));
  return fsp.realpath(parent).catch(() => parent);
}

/** `p` below `workspace` as `<workspace>/a/b` ('/' separators); undefined when `p` is outside it. */
export function underWorkspace(p: string, workspace: string): string | undefined {
  const rel = pathBelow(p, workspace);
  if (rel === undefined) return undefined;
  return rel === '' ? WORKSPACE_MARK : `${WORKSPACE_MARK}/${rel.split(path.sep).join('/')}`;
}

/** The memo key's parts (`[id, path, ...options]`), or null when `key` is not such a JSON array. */
function parts(key: string): [string, string, ...unknown[]] | null {
  try {
    const v: unknown = JSON.parse(key);
    return Array.isArray(v) && v.length >= 2 && typeof v[0] === 'string' && typeof v[1] === 'string' ? (v as [string, string, ...unknown[]]) : null;
  } catch {
    return null;
  }
}

/**
 * The classifier key of the memo key `memoKey` (../datasets/cache.ts `cacheKey`) for a workspace
 * at `workspace` (real path): its path spelt from the workspace when inside it, else `memoKey`
 * unchanged (a key that is not a memo key, too).
 */
export function placeKey(memoKey: string, workspace: string): string {
  const p = parts(memoKey);
  if (!p) return memoKey;
  const inside = underWorkspace(p[1], workspace);
  return inside === undefined ? memoKey : JSON.stringify([p[0], inside, ...p.slice(2)]);
}

/** A relabelled view's suffix on a key (./store.ts): compared as it is. */
const RELABEL = '#run-classes:';

function split(key: string): [string, string] {
  const i = key.indexOf(RELABEL);
  return i < 0 ? [key, ''] : [key.slice(0, i), key.slice(i)];
}

/**
 * True when `oldKey`, a key of the earlier rule (absolute paths), names the data that `newKey`
 * (`placeKey`'s) names in a workspace that has moved: same id, options and relabelling, and the
 * old path ends with the new key's path below the workspace (the old workspace being whatever
 * came before it). Keys equal as they are count too.
 */
export function sameDataMoved(oldKey: string, newKey: string): boolean {
  if (oldKey === newKey) return true;
  const [oldBase, oldSuffix] = split(oldKey);
  const [newBase, newSuffix] = split(newKey);
  if (oldSuffix !== newSuffix) return false;
  const o = parts(oldBase);
  const n = parts(newBase);
  if (!o || !n || o[0] !== n[0] || JSON.stringify(o.slice(2)) !== JSON.stringify(n.slice(2))) return false;
  if (!n[1].startsWith(`${WORKSPACE_MARK}/`)) return false;
  const below = n[1].slice(WORKSPACE_MARK.length); // '/a/b'
  const old = o[1].split(path.sep).join('/').replace(/\\/g, '/');
  return old.endsWith(below) && old.length > below.length;
}
