/**
 * The CLI's `generate --run` on a run whose data folder moved or changed: a missing folder is
 * named as the RUN'S DATASET (where it was, what to do); `--data PATH` uses the new place for
 * this command (checked against the run, the run record keeps its path); data that changed since
 * training is warned about on stderr.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cliOutput';

let ws: string;
const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });

/** `n` 16×16 RGB pictures per class: a patch of the class's colour on grey. */
async function folder(dir: string, classes: Record<string, [number, number, number]>, n: number): Promise<void> {
  for (const [name, colour] of Object.entries(classes)) {
    await fs.mkdir(path.join(dir, name), { recursive: true });
    for (let i = 0; i < n; i++) {
      const px = Buffer.alloc(16 * 16 * 3, 128);
      for (let y = 2 + (i % 3); y < 9 + (i % 3); y++) for (let x = 3; x < 12; x++) px.set(colour, (y * 16 + x) * 3);
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(dir, name, `${i}.png`));
    }
  }
}

beforeAll(() => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-cli-run-data-'));
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('generate --run on a run whose data moved or changed', () => {
  it('names the missing dataset; --data PATH generates from the moved data and warns about changes', async () => {
    const data = path.join(ws, 'data', 'c32b');
    await folder(data, { blueTopH: [20, 30, 230], greenLeftV: [20, 220, 30], redTR: [230, 30, 20] }, 10);
    const runDir = path.join(ws, 'run');
    const t = await cli(['train', '--data', data, '--size', '28', '--channels', '3', '--model', 'cvae', '--latent', '2', '--epochs', '1', '--batch', '16', '--hidden', '16', '--out', runDir]);
    expect(t.code, t.stderr).toBe(0);

    const moved = path.join(ws, 'moved');
    await fs.rename(path.join(ws, 'data'), moved);
    const gen = (extra: string[], out: string) => cli(['generate', '--run', runDir, '--count', '2', '--label', 'redTR', '--format', 'npz', '--out', path.join(ws, out), ...extra]);
    const missing = await gen([], 'g1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`is missing: it was at ${data}.`);
    expect(missing.stderr).toContain('--data PATH');
    expect(missing.stderr).not.toContain('the app asks');

    const ok = await gen(['--data', path.join(moved, 'c32b')], 'g2');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('wrote 2 generated images');
    expect(ok.stderr).not.toContain("This run's dataset changed");
    // An override for this command: the run record keeps its path.
    const rec = JSON.parse(await fs.readFile(path.join(runDir, 'config.json'), 'utf8'));
    expect(rec.config.dataset.path).toBe(data);

    // The moved folder gained a class: generating still picks redTR by the run's names, and says what changed.
    await folder(path.join(moved, 'c32b'), { aaa: [230, 230, 20] }, 4);
    const changed = await gen(['--data', path.join(moved, 'c32b')], 'g3');
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toContain(
      'warning: This run\'s dataset changed since it was trained (then 30 images in 3 classes, now 30 of its images in 3 of its classes, and 4 of a class it does not know): 4 images of the class "aaa" the run does not know are left out;',
    );
  }, 240_000);
});
