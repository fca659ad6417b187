/**
 * The one way the engine writes a file (run records, checkpoints, dataset caches):
 *
 * - `writeFileAtomic`: the well-kept `write-file-atomic` package: a uniquely named temp file
 *   beside the target (`<file>.<hash>`), rename over the target. Writes to one file from this
 *   process are queued, never interleaved; the temp file is removed when the write fails and when
 *   the process exits mid-write. No fsync unless asked (`durable`): a kill never leaves a mixed
 *   file either way, and an fsync costs ≈ 35–45 ms on the test machine's disk — five per epoch
 *   (checkpoint + record) would add ≈ 0.2 s to every epoch. Without it a power cut can lose the
 *   last writes, as before.
 * - `appendFileOrUndo`: an append that, when it fails, truncates the file back to its old size
 *   (no torn last line, no bytes left taking space).
 * - `ioError`: a filesystem failure as `LabError('IO')` naming the cause in words and the path.
 */
import { promises as fsp } from 'node:fs';
import writeFileAtomicLib from 'write-file-atomic';
import { LabError } from '../../src-shared/types';

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EFBIG: 'file too large',
};

/**
 * A failure of a filesystem call as `LabError('IO')`: `<cause> while writing <path>` (the export's
 * wording too, e.g. `no space left on device while writing /ws/runs/x/config.json`). The path is
 * the error's own (`err.path`) when it has one and `ownPath` is true, else `file`. LabErrors pass
 * through unchanged; anything that is not an errno-style error (a bug) is returned as it is.
 */
export function ioError(err: unknown, file: string, doing = 'writing', ownPath = true): unknown {
  if (err instanceof LabError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return err;
  const where = ownPath && typeof e.path === 'string' ? e.path : file;
  return new LabError('IO', `${CAUSES[e.code] ?? e.code} while ${doing} ${where}`);
}

/**
 * Writes `data` (text as UTF-8, bytes of any typed array, or byte parts concatenated) to `file`
 * atomically: readers see the old content or the new, never a mix. The folder must exist.
 * `durable`: fsync the file before the rename (survives a power cut).
 * Throws LabError('IO') naming the file on any filesystem failure; no temp file is left.
 */
export async function writeFileAtomic(
  file: string,
  data: string | ArrayBufferView | readonly Uint8Array[],
  opts: { durable?: boolean } = {},
): Promise<void> {
  const payload =
    typeof data === 'string'
      ? data
      : ArrayBuffer.isView(data)
        ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
        : Buffer.concat(data as readonly Uint8Array[]);
  try {
    await writeFileAtomicLib(file, payload, { fsync: opts.durable ?? false });
  } catch (err) {
    throw ioError(err, file, 'writing', false); // the target, not its temp file
  }
}

/**
 * Appends `text` (UTF-8) to `file` (created if missing). On failure the file is cut back to its
 * size before the call, then LabError('IO') naming the file is thrown.
 */
export async function appendFileOrUndo(file: string, text: string): Promise<void> {
  let before = 0;
  try {
    before = (await fsp.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(err, file);
  }
  try {
    await fsp.appendFile(file, text);
  } catch (err) {
    await fsp.truncate(file, before).catch(() => undefined);
    throw ioError(err, file);
  }
}
