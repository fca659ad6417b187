/**
 * The CLI's `generate --run` on a run whose data folder moved or changed: sampling needs only the
 * model (and a fitted prior saved with the run), so a missing folder is named as the RUN'S DATASET
 * on stderr and the images are made; what truly needs the data (embeddings, a fitted prior never
 * fitted) says so with `--data PATH`, which uses the new place for this command (checked against
 * the run, the run record keeps its path); data that changed since training is warned about.
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
    // Sampling needs only the decoder: prior samples come without the data, and stderr says the data is gone.
    const missing = await gen([], 'g1');
    expect(missing.code, missing.stderr).toBe(0);
    expect(missing.stdout).toContain('wrote 2 generated images sampled from N(0, I)');
    expect(missing.stderr).toContain(`is missing: it was at ${data}.`);
    expect(missing.stderr).toContain('Generating needs only its model: going on without the data.');
    expect(missing.stderr).not.toContain('the app asks');
    const npz = await fs.readdir(path.join(ws, 'g1'));
    expect(npz.some((f) => f.endsWith('.npz'))).toBe(true);
    // The fitted prior saved with the run at its end: no data needed either.
    const fitted = await gen(['--prior', 'fitted'], 'g1f');
    expect(fitted.code, fitted.stderr).toBe(0);
    expect(fitted.stdout).toContain('wrote 2 generated images sampled from the fitted prior');
    expect(fitted.stderr).toContain('Generating needs only its model and its saved fitted prior');
    // Embeddings encode the test split: they truly need the data, and say how to give it.
    const emb = await cli(['embeddings', '--run', runDir, '--out', path.join(ws, 'e1')]);
    expect(emb.code).toBe(1);
    expect(emb.stderr).toContain(`is missing: it was at ${data}.`);
    expect(emb.stderr).toContain('embeddings --data PATH');

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

  it('a fitted prior never fitted (a run saved before fitted priors) needs the data: said, with --data PATH; the standard prior does not', async () => {
    const data = path.join(ws, 'old-data');
    await folder(data, { blue: [20, 30, 230], red: [230, 30, 20] }, 10);
    const runDir = path.join(ws, 'old-run');
    const t = await cli(['train', '--data', data, '--size', '28', '--channels', '3', '--model', 'vae', '--latent', '2', '--epochs', '1', '--batch', '16', '--hidden', '16', '--out', runDir]);
    expect(t.code, t.stderr).toBe(0);
    // As a run saved before fitted priors existed: no fittedPrior in its record.
    const file = path.join(runDir, 'config.json');
    const rec = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(rec.fittedPrior).toBeDefined();
    delete rec.fittedPrior;
    await fs.writeFile(file, JSON.stringify(rec));
    await fs.rm(data, { recursive: true });

    const gen = (extra: string[], out: string) => cli(['generate', '--run', runDir, '--count', '3', '--format', 'npz', '--out', path.join(ws, out), ...extra]);
    const fitted = await gen(['--prior', 'fitted'], 'o1');
    expect(fitted.code).toBe(1);
    expect(fitted.stderr).toContain("Sampling from the fitted prior needs the run's training data: this run has no fitted prior saved yet");
    expect(fitted.stderr).toContain(`is missing: it was at ${data}.`);
    expect(fitted.stderr).toContain('generate --data PATH');
    expect(fitted.stderr).not.toContain('going on without the data');
    const standard = await gen([], 'o2');
    expect(standard.code, standard.stderr).toBe(0);
    expect(standard.stdout).toContain('wrote 3 generated images sampled from N(0, I)');
  }, 240_000);
});
