/**
 * `train --out DIR`: the run is trained in the workspace as always, then moved to DIR. DIR must be
 * a folder that does not exist yet or an empty one, outside the workspace. Nothing at DIR is ever
 * deleted or overwritten: the move is a rename, which the operating system refuses when DIR is no
 * longer empty (the run then stays in the workspace and the error says where it is). Across file
 * systems the run is first copied into a new hidden folder beside DIR, which is then renamed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../src-shared/types';
import { writeFileAtomic } from '../engine/atomicWrite';
import { checkOutputFolder } from '../engine/export';
import { realpathDeep } from '../engine/export/fsutil';
import { recordRunElsewhere } from '../engine/export/savedRuns';
import { UsageError } from './args';

/** The run id a run folder outside a workspace gets: its name, with unsafe characters as `_`. */
export function runIdOfFolder(dir: string): string {
  return path.basename(dir).replace(/[^A-Za-z0-9._-]/g, '_');
}

const code = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

/** `p` as typed, and where it resolves when a symbolic link makes that another place: "X (a link to Y)". */
async function named(p: string, resolved: string): Promise<string> {
  if (resolved === path.resolve(p)) return p;
  const isLink = (await fs.lstat(p).catch(() => null))?.isSymbolicLink();
  return `${p} (${isLink ? 'a link to' : 'through a symbolic link, that is'} ${resolved})`;
}

function overlaps(a: string, b: string): boolean {
  const inside = (x: string, y: string) => !path.relative(y, x).startsWith('..') && !path.isAbsolute(path.relative(y, x));
  return inside(a, b) || inside(b, a);
}

/**
 * Checks `--out` before training: a folder that does not exist or is empty, not the workspace,
 * inside it or above it, and — by the exports' rule (export/destination.ts `checkOutputFolder`) —
 * not at, above or inside the data being trained on (`dataPath`) or any saved run's data (a run
 * folder there would be read as one more class).
 * @param dataPath the own data's absolute path (a folder or a dataset file), when it is own data.
 * @throws UsageError naming what is wrong; LabError INVALID_PAYLOAD when `--out` would land on data.
 */
export async function checkRunOut(outDir: string, workspace: string, dataPath?: string): Promise<void> {
  const [out, ws] = [await realpathDeep(outDir), await realpathDeep(workspace)];
  if (overlaps(out, ws)) {
    throw new UsageError(`--out ${await named(outDir, out)} overlaps the workspace ${await named(workspace, ws)}: choose a folder outside it`);
  }
  await checkOutputFolder(outDir, '--out', { workspace, ...(dataPath ? { reading: { path: dataPath, what: 'the data being trained on' } } : {}) });
  const st = await fs.lstat(outDir).catch((err: unknown) => {
    if (code(err) === 'ENOENT') return null;
    throw new UsageError(`--out ${outDir} cannot be read (${(err as Error).message})`);
  });
  if (!st) return;
  if (!st.isDirectory()) throw new UsageError(`--out ${outDir} exists and is not a folder`);
  if ((await fs.readdir(outDir)).length) throw new UsageError(`--out ${outDir} exists and is not empty`);
}

/** Renames `from` onto `to` (a missing or empty folder); false when something else is at `to` now. */
async function renameOnto(from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to);
    return true;
  } catch (err) {
    if (!['EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(code(err) ?? '')) throw err;
  }
  // Some systems do not rename onto an empty folder: remove it (rmdir removes only an empty one).
  const st = await fs.lstat(to).catch(() => null);
  if (!st?.isDirectory()) return false;
  try {
    await fs.rmdir(to);
  } catch {
    return false;
  }
  await fs.rename(from, to);
  return true;
}

/**
 * Moves the run folder `runDir` (made by this command) to `outDir` and makes the run's id its
 * folder name (so `--run <outDir>` reopens it as itself). First lists `outDir` in
 * `<workspace>/runs-elsewhere.json` (savedRuns.ts), so that exports and the CLI's outputs keep
 * protecting the run's data once it lives outside the workspace (an entry whose move then fails
 * holds no run and is ignored).
 * @param workspace the user's workspace (absolute), whose list records the run.
 * @throws LabError EXISTS when `outDir` is no longer a missing or empty folder (the run is left in
 *   `runDir`), IO for other file-system failures (likewise), including the list not written.
 */
export async function moveRunTo(runDir: string, outDir: string, workspace: string): Promise<void> {
  const kept = `the run is kept in ${runDir}`;
  try {
    await recordRunElsewhere(workspace, outDir);
  } catch (err) {
    throw new LabError('IO', `${(err as Error).message}; the run was not moved, ${kept}`);
  }
  await fs.mkdir(path.dirname(outDir), { recursive: true });
  let moved: boolean;
  try {
    moved = await renameOnto(runDir, outDir);
  } catch (err) {
    if (code(err) !== 'EXDEV') throw new LabError('IO', `could not move the run to ${outDir} (${(err as Error).message}); ${kept}`);
    moved = await copyAcross(runDir, outDir);
  }
  if (!moved) throw new LabError('EXISTS', `${outDir} is no longer an empty folder: nothing there was touched; ${kept}`);
  const recFile = path.join(outDir, 'config.json');
  const rec = JSON.parse(await fs.readFile(recFile, 'utf8'));
  rec.id = runIdOfFolder(outDir);
  await writeFileAtomic(recFile, JSON.stringify(rec, null, 2));
}

/** Another file system: copy into a new hidden sibling of `outDir`, rename that onto it, then remove `runDir`. */
async function copyAcross(runDir: string, outDir: string): Promise<boolean> {
  const tmp = await fs.mkdtemp(path.join(path.dirname(outDir), `.${path.basename(outDir)}.latentlab-tmp-`));
  try {
    await fs.cp(runDir, tmp, { recursive: true, errorOnExist: true, force: false });
    if (!(await renameOnto(tmp, outDir))) return false;
  } catch (err) {
    throw new LabError('IO', `could not copy the run to ${outDir} (${(err as Error).message}); the run is kept in ${runDir}`);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true }); // ours; gone already when renamed
  }
  await fs.rm(runDir, { recursive: true, force: true });
  return true;
}
