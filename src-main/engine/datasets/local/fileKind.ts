/**
 * Files an importer must not open: a named pipe (FIFO), a socket or a device. Reading a FIFO waits
 * for a writer that may never come (a `datasets:inspect` on one never answered), a device can be
 * endless. Every importer path checks before it opens: the path given (`refuseSpecialFile`), the
 * files a folder walk lists (walk.ts: counted and named as `SKIP_SPECIAL`) and the partner files
 * an importer looks for beside its data (`isRegularFileSync`).
 */
import { promises as fsp, statSync, type Stats } from 'node:fs';
import { LabError } from '../../../../src-shared/types';

/** The skip reason of a pipe, socket or device met in a folder. Reasons hold no ": ". */
export const SKIP_SPECIAL = 'not a regular file (a pipe, socket or device)';

/** What `st` is when it is neither a regular file nor a folder ("a named pipe (FIFO)"); null otherwise. */
export function specialFileKind(st: Stats): string | null {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return null;
}

/**
 * Refuses `p` (links followed) when it is a pipe, socket or device, before anything opens it.
 * @param st its stat when the caller has it already.
 * @throws LabError BAD_DATASET "/x/data.npz is a named pipe (FIFO), not a file: …".
 */
export async function refuseSpecialFile(p: string, st?: Stats): Promise<void> {
  const kind = specialFileKind(st ?? (await fsp.stat(p)));
  if (kind) throw new LabError('BAD_DATASET', `${p} is ${kind}, not a file: it is not read (reading it could wait forever); give a regular file or a folder`);
}

/** True when `p` (links followed) is a regular file; false for a folder, a pipe, a socket, a device or a path that cannot be read. */
export function isRegularFileSync(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
