/** Small file helpers shared by the dataset loaders. */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';

/** Write a file atomically: temp file in the same folder, then rename over the target. */
export async function atomicWriteFile(file: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await fsp.open(tmp, 'w');
    try {
      const parts = data instanceof Uint8Array ? [data] : data;
      for (const p of parts) await fh.write(p);
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new LabError('IO', `no space left on device while writing ${file}`);
    throw err;
  }
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
