/**
 * Where an export may write. The rules (issue #16):
 * - never into or over a protected folder (the workspace, its runs/ and datasets/ folders, run
 *   folders, the data of every saved run, loaded or not: savedRuns.ts) nor over any folder that
 *   contains one: INVALID_PAYLOAD;
 * - a missing destination or an empty real folder is fine, but never a mount point (the root of
 *   a drive: the commit moves the destination aside, which a mount point refuses, EBUSY, only
 *   after the whole export was generated): INVALID_PAYLOAD before anything is generated;
 * - anything else is replaced only with `overwrite`, and only when it is a folder a Latent Lab
 *   export made (its `manifest.json`) holding nothing the export did not write. A plain file, a
 *   symbolic link, or a folder with anything of the user's is refused (EXISTS) with a message
 *   naming what is there.
 * - never when a file the export wrote was changed since (its size, mtime and hash are kept in
 *   the manifest, record.ts): EXISTS naming a few of them and how many. Exports made before
 *   that record existed have nothing to compare with: they are replaced as before (refusing them
 *   all would leave every old export impossible to replace from the app; added files are still
 *   refused, and their manifests recorded no sizes either).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';
import { foreignEntries, readAllowed } from './contents';
import { isInside, lstatOrNull, realpathDeep } from './fsutil';
import { editedFiles } from './record';
import { runInText } from '../runNames';
import { savedRunData } from './savedRuns';

/** A folder exports must never write into or over; `what` names it in messages. */
export interface ProtectedDir {
  dir: string;
  what: string;
}

/**
 * The app's own folders, which exports never write into or over: the workspace, its runs/ and
 * dataset cache, `extra` folders (another workspace), every loaded run's folder (a CLI run
 * opened through a link resolves to the real folder) and the folder datasets of loaded runs
 * (which include the one training), each named by its `name` (the Saved runs list's) and id.
 */
export function appFolders(
  store: { workspace: string; runsDir: string; dataDir: string },
  runs: readonly { id: string; name?: string; dir: string; dataset: { id: string; path?: string } }[],
  extra: readonly string[] = [],
): ProtectedDir[] {
  const dirs: ProtectedDir[] = [
    { dir: store.workspace, what: 'the Latent Lab workspace' },
    { dir: store.runsDir, what: "the workspace's runs folder" },
    { dir: store.dataDir, what: 'the dataset cache' },
    ...extra.map((dir) => ({ dir, what: 'a Latent Lab workspace' })),
  ];
  for (const r of runs) {
    const run = runInText(r.name ?? r.id, r.id);
    dirs.push({ dir: r.dir, what: `the folder of run ${run}` });
    if ((r.dataset.id === 'local' || r.dataset.id === 'folder') && r.dataset.path) dirs.push({ dir: path.resolve(r.dataset.path), what: `the dataset folder of run ${run}` });
  }
  return dirs;
}

/**
 * `appFolders` plus the own data of every SAVED run of the workspace and of the `extra`
 * workspaces (`savedRuns.ts`: loaded or not; a folder or a dataset file such as an `.npz`), each
 * named after its run: what `export:start` protects.
 */
export async function protectedFolders(
  store: { workspace: string; runsDir: string; dataDir: string },
  runs: readonly { id: string; name?: string; dir: string; dataset: { id: string; path?: string } }[],
  extra: readonly string[] = [],
): Promise<ProtectedDir[]> {
  // The workspace's own folders first (named first when a destination holds several), then saved
  // runs' data before the loaded runs' (they say whether it is a folder or a file). One entry per path.
  const fixed = appFolders(store, [], extra);
  const all = [...fixed, ...(await savedRunData([store.workspace, ...extra])), ...appFolders(store, runs, extra).slice(fixed.length)];
  const seen = new Set<string>();
  return all.filter((p) => {
    const key = path.resolve(p.dir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Checks a folder a CLI command writes its own output into (`train --out`, `inspect
 * --preview-out`) by the exports' rule (`checkProtected`): never at, above or inside the
 * workspace, a saved run's data (`savedRunData`) or the data the command reads (`reading`).
 * @param flag the option as typed, e.g. `--out`; @param reading the command's own data path, when it has one.
 * @throws LabError INVALID_PAYLOAD naming the flag, the folder and what it would land on.
 */
export async function checkOutputFolder(out: string, flag: string, opts: { workspace: string; reading?: { path: string; what: string } }): Promise<void> {
  const protect: ProtectedDir[] = [
    { dir: opts.workspace, what: 'the Latent Lab workspace' },
    ...(opts.reading ? [{ dir: opts.reading.path, what: opts.reading.what }] : []),
    ...(await savedRunData([opts.workspace])),
  ];
  await checkProtected(out, protect, 'nothing is ever written').catch((err: unknown) => {
    if (err instanceof LabError) throw new LabError(err.code, `${flag} ${err.message}`);
    throw err;
  });
}

/** `absent`: nothing there; `empty`: an empty real folder; `export`: a Latent Lab export to replace. */
export type DestinationState = 'absent' | 'empty' | 'export';

/** Up to `n` entry names of a folder (without reading a huge folder whole). */
async function someNames(dir: string, n: number): Promise<{ names: string[]; more: boolean }> {
  const names: string[] = [];
  const d = await fsp.opendir(dir);
  try {
    for (let e = await d.read(); e; e = await d.read()) {
      if (names.length === n) return { names, more: true };
      names.push(e.isDirectory() ? `${e.name}/` : e.name);
    }
    return { names, more: false };
  } finally {
    await d.close().catch(() => undefined);
  }
}

const list = (names: string[], more: boolean) => names.join(', ') + (more ? ', …' : '');

/**
 * Refuse a destination at, above or inside a protected folder (compared by real path; the most
 * specific reason first: "is X", then "contains X", then "is inside X"). `doing` is the rule in
 * the message ("exports never write" there / over it).
 * @throws LabError INVALID_PAYLOAD naming the folder.
 */
export async function checkProtected(target: string, protect: readonly ProtectedDir[], doing = 'exports never write'): Promise<void> {
  const real = await realpathDeep(target);
  const dirs = await Promise.all(protect.map(async (p) => ({ ...p, real: await realpathDeep(p.dir) })));
  const refuse = (why: string) => {
    throw new LabError('INVALID_PAYLOAD', `${target} ${why}`);
  };
  for (const p of dirs) if (isInside(real, p.real) && isInside(p.real, real)) refuse(`is ${p.what}: ${doing} there; choose a folder outside it`);
  for (const p of dirs) if (isInside(p.real, real)) refuse(`contains ${p.what} (${p.dir}): ${doing} over it; choose another folder`);
  for (const p of dirs) if (isInside(real, p.real)) refuse(`is inside ${p.what} (${p.dir}): ${doing} there; choose a folder outside it`);
}

/** The `stat` a mount-point test reads (`dev`: the file system a path is on); a test seam. */
export type DevStat = (p: string) => Promise<{ dev: number }>;

/**
 * The mount table's text (Linux: /proc/self/mountinfo, proc(5)), or null where there is none
 * (macOS, Windows, no /proc); a test seam.
 */
export type MountTable = () => Promise<string | null>;

const procMountTable: MountTable = () => (process.platform === 'linux' ? fsp.readFile('/proc/self/mountinfo', 'utf8').catch(() => null) : Promise.resolve(null));

/**
 * The mount points listed in a /proc/self/mountinfo text (proc(5): the fifth field of each line,
 * with space, tab, newline and backslash written as octal escapes, `\040`). Absolute paths.
 */
export function mountPointsOf(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field?.startsWith('/')) out.add(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/**
 * Whether folder `dir` (absolute) is a mount point: its file system (`stat().dev`) is not its
 * parent folder's (the parent followed through links, as the path is), or — a bind mount, the
 * same file system mounted again (Docker volumes, `mount --bind`), which `dev` cannot tell — its
 * real path is listed in the mount table (Linux). False for a root folder and when it cannot be
 * read. Never throws.
 */
export async function isMountPoint(dir: string, stat: DevStat = fsp.stat, mounts: MountTable = procMountTable): Promise<boolean> {
  const parent = path.dirname(dir);
  if (parent === dir) return false;
  try {
    const [own, up] = await Promise.all([stat(dir), stat(parent)]);
    if (own.dev !== up.dev) return true;
    const table = await mounts();
    if (!table) return false;
    const real = await fsp.realpath(dir);
    return path.dirname(real) !== real && mountPointsOf(table).has(real);
  } catch {
    return false;
  }
}

/**
 * Check `target` (absolute) against the rules above.
 * @param opts.stat, opts.mounts test seams for the mount-point test (`isMountPoint`).
 * @returns what is there now.
 * @throws LabError INVALID_PAYLOAD (protected folder, mount point), EXISTS (anything not replaceable).
 */
export async function checkDestination(
  target: string,
  opts: { overwrite?: boolean; protect?: readonly ProtectedDir[]; stat?: DevStat; mounts?: MountTable },
): Promise<DestinationState> {
  if (path.basename(target) === '') throw new LabError('INVALID_PAYLOAD', `${target} is a root folder: choose a folder inside it`);
  await checkProtected(target, opts.protect ?? []);
  const st = await lstatOrNull(target);
  if (!st) return 'absent';
  if (st.isSymbolicLink()) {
    const to = await fsp.readlink(target).catch(() => '?');
    throw new LabError('EXISTS', `${target} is a symbolic link (to ${to}): exports never write through or replace links; choose another folder`);
  }
  if (!st.isDirectory()) {
    const kind = st.isFile() ? `a file (${st.size} bytes)` : 'a special file';
    throw new LabError('EXISTS', `${target} is ${kind}, not a folder: exports never replace files; choose another folder`);
  }
  if (await isMountPoint(target, opts.stat, opts.mounts)) {
    throw new LabError('INVALID_PAYLOAD', `${target} is a mount point (the root of a drive): export into a new folder inside it`);
  }
  const { names, more } = await someNames(target, 3);
  if (names.length === 0) return 'empty';
  const allowed = await readAllowed(target);
  if (!allowed) {
    throw new LabError(
      'EXISTS',
      `${target} is not empty (${list(names, more)}) and is not a Latent Lab export (no export manifest.json): ` +
        'exports only replace a folder an export made; choose an empty or new folder',
    );
  }
  const foreign = await foreignEntries(target, allowed, 3);
  if (foreign.length) {
    throw new LabError(
      'EXISTS',
      `${target} holds a Latent Lab export plus files the export did not write (${foreign.join(', ')}): ` +
        'it is not replaced; move those files or choose another folder',
    );
  }
  if (!opts.overwrite) {
    throw new LabError('EXISTS', `${target} already holds a Latent Lab export; allow overwriting to replace it, or choose another folder`);
  }
  if (allowed.written) {
    const { names, count } = await editedFiles(target, allowed.written, 3);
    if (count) {
      const which = count > names.length ? `${names.join(', ')} and ${count - names.length} more` : names.join(', ');
      throw new LabError(
        'EXISTS',
        `${target} holds a Latent Lab export in which ${count === 1 ? '1 file was' : `${count} files were`} changed since it was written (${which}): ` +
          'it is not replaced, so your changes are kept; move those files or choose another folder',
      );
    }
  }
  return 'export';
}

/**
 * Whether `dir` (a real folder, not a link) holds only what its export wrote, none of it changed
 * since (when the manifest recorded it): the test run before deleting an export that was
 * replaced. Never throws.
 */
export async function isOnlyExport(dir: string): Promise<boolean> {
  try {
    const st = await fsp.lstat(dir);
    if (!st.isDirectory()) return false;
    const allowed = await readAllowed(dir);
    if (!allowed || (await foreignEntries(dir, allowed, 1)).length) return false;
    return !allowed.written || (await editedFiles(dir, allowed.written, 1)).count === 0;
  } catch {
    return false;
  }
}

/**
 * Settle an old export that was moved aside (`old`) for a new one at `out`: rename it back when
 * `out` is free; else delete it if it is an empty folder or holds only its export's files; else
 * leave it for the user. Throws only when the rename or removal fails.
 */
export async function settleOld(old: string, out: string): Promise<'restored-old' | 'kept-new' | 'left-for-user'> {
  if (!(await lstatOrNull(out))) {
    await fsp.rename(old, out);
    return 'restored-old';
  }
  if (await fsp.rmdir(old).then(() => true, () => false)) return 'kept-new'; // it was an empty folder
  if (await isOnlyExport(old)) {
    await fsp.rm(old, { recursive: true, force: true });
    return 'kept-new';
  }
  return 'left-for-user';
}
