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

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Throw LabError('CANCELLED') when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'loading'): void {
  if (signal?.aborted) throw new LabError('CANCELLED', `${what} cancelled`);
}

/** Run `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
