/** Small file helpers shared by the dataset loaders. */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';
import { ioError, writeFileAtomic } from '../atomicWrite';

/**
 * Write a dataset cache file atomically (the engine's one atomic write, `../atomicWrite`),
 * creating its folder first, fsynced. Throws LabError('IO') naming the file; no temp file is left.
 */
export async function atomicWriteFile(file: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true });
  } catch (err) {
    throw ioError(err, path.dirname(file), 'creating');
  }
  await writeFileAtomic(file, data, { durable: true }); // written once, after a long download
}

/** Whether anything is at `p` (the engine's one test, `../paths`). */
export { exists } from '../paths';

/** Throw LabError('CANCELLED') when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'loading'): void {
  if (signal?.aborted) throw new LabError('CANCELLED', `${what} cancelled`);
}

/** The engine's one concurrency pool (`../pool`), re-exported for the loaders. */
export { mapLimit } from '../pool';
