/** `latent-lab encode`: the latent mean of each image file, one line per file. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../src-shared/types';
import { UsageError, type Options } from './args';
import { locateRun, openEngine } from './engine';

const MAX_FILE_BYTES = 20 * 1024 * 1024;

/**
 * Encodes every file; a file that fails gets an error line and the others go on.
 * @returns 1 when any file failed, else 0.
 * @throws UsageError without files or `--run`.
 */
export async function encode(o: Options, files: string[]): Promise<number> {
  const { workspace, runId } = await locateRun(o);
  if (!files.length) throw new UsageError('give one or more image files to encode');
  const engine = await openEngine(o, workspace);
  await engine.call('runs:open', { runId });
  let failed = 0;
  for (const file of files) {
    try {
      const stat = await fs.stat(file);
      if (stat.size > MAX_FILE_BYTES) throw new LabError('TOO_LARGE', `${file} is larger than 20 MB`);
      const bytes = new Uint8Array(await fs.readFile(file));
      const r = await engine.call('model:encodeFile', { name: path.basename(file), bytes });
      const z = Array.from(r.mean, (v) => +v.toFixed(4));
      console.log(o.json ? JSON.stringify({ file, z }) : `${file}\t${z.join(' ')}`);
    } catch (err) {
      failed++;
      const msg = err instanceof Error ? err.message : String(err);
      console.log(o.json ? JSON.stringify({ file, error: msg }) : `${file}\terror: ${msg}`);
    }
  }
  return failed ? 1 : 0;
}
