/**
 * A colour dataset end to end through the CLI, as a user runs it (issue #12): a folder of colour
 * pictures in classes named 1…12 trains dense and conv models at 32×32×3 (`--data DIR --size 32
 * --channels 3`), `generate` writes RGB 32×32 PNGs, `--label 7` is the class NAMED 7 (an
 * unknown name lists the valid ones), a batch larger than the training set is clamped with a
 * notice, and a collapsed run (β = 100) is marked by `train` and warned about by `generate`.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { OPEN_IN_APP_NOTE, runCli } from './cliOutput';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let ws: string;
let data: string;

const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });

const NAMES = Array.from({ length: 12 }, (_, i) => String(i + 1));
const PER_CLASS = 5;

/** 40×40 RGB: class k a disc of its own colour on a grey ground, moved per picture. */
async function colourFolder(dir: string): Promise<void> {
  for (const [k, name] of NAMES.entries()) {
    await fs.mkdir(path.join(dir, name), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) {
      const w = 40;
      const px = Buffer.alloc(w * w * 3, 120);
      const cx = 12 + ((i * 5) % 16);
      const cy = 12 + ((i * 3 + k) % 16);
      const colour = [(k * 67) % 256, (255 - k * 23) % 256, (k * 131 + 40) % 256];
      for (let y = 0; y < w; y++) {
        for (let x = 0; x < w; x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 >= 100) continue;
          px.set(colour, (y * w + x) * 3);
        }
      }
      await sharp(px, { raw: { width: w, height: w, channels: 3 } }).png().toFile(path.join(dir, name, `${i}.png`));
    }
  }
}

/**
 * stderr without the collapse warning (a run this short may well end collapsed: the warning is
 * right), the few-steps notice (tested below) and `--out`'s how-to-open hint (cli-out-open).
 */
const otherStderr = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('warning: this run collapsed') && !l.startsWith('warning: this run takes only') && !l.startsWith(OPEN_IN_APP_NOTE))
    .join('\n');

/** The last stdout line as JSON (train's summary). */
const summary = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

/** Every PNG under `dir`: its folder, width, height, channels and PNG colour type. */
async function pngs(dir: string): Promise<Array<{ folder: string; w: number; h: number; channels: number; colourType: number }>> {
  const out = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.png')) continue;
    const file = path.join(e.parentPath, e.name);
    const bytes = await fs.readFile(file);
    const meta = await sharp(bytes).metadata();
    out.push({ folder: path.basename(e.parentPath), w: meta.width!, h: meta.height!, channels: meta.channels!, colourType: bytes[25] });
  }
  return out;
}

const colour = () => ['--data', data, '--size', '32', '--channels', '3', '--latent', '2', '--seed', '2'];

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-cli-colour-'));
  data = path.join(ws, 'pictures');
  await colourFolder(data);
}, 60_000);
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('cli: a colour dataset end to end', () => {
  it('a dense CVAE trains on 32×32×3; generate --label 7 is the class named 7, in RGB 32×32 PNGs; an unknown name lists the valid ones', async () => {
    const run = path.join(ws, 'dense-cvae');
    const t = await cli(['train', ...colour(), '--model', 'cvae', '--hidden', '32', '--epochs', '2', '--batch', '16', '--out', run, '--json']);
    expect(otherStderr(t.stderr)).toBe('');
    expect(t.code).toBe(0);
    const s = summary(t.stdout);
    expect(s.test.likelihood).toBe('bernoulli');
    const rec = JSON.parse(await fs.readFile(path.join(run, 'config.json'), 'utf8'));
    expect(rec.shape).toEqual([32, 32, 3]);
    expect(rec.labelNames).toEqual(NAMES); // 1…12 in natural order: "7" is the 7th, index 6

    const out = path.join(ws, 'gen-7');
    const g = await cli(['generate', '--run', run, '--label', '7', '--count', '4', '--format', 'imagefolder', '--out', out, '--json']);
    expect(otherStderr(g.stderr)).toBe('');
    expect(g.code).toBe(0);
    expect(JSON.parse(g.stdout).countPerLabel).toEqual({ '7': 4 });
    const files = await pngs(out);
    expect(files).toHaveLength(4);
    for (const f of files) expect(f).toEqual({ folder: '7', w: 32, h: 32, channels: 3, colourType: 2 });
    const csv = (await fs.readFile(path.join(out, 'metadata.csv'), 'utf8')).trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',').slice(1, 3))).toEqual(Array(4).fill(['7', '6']));

    for (const bad of ['13', '0', 'seven']) {
      const r = await cli(['generate', '--run', run, '--label', bad, '--count', '1', '--format', 'npz', '--out', path.join(ws, `gen-${bad}`)]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`--label "${bad}" is not a class of this run; its classes are "1", "2", "3"`);
      expect(r.stderr).toContain('"12"');
    }

    const e = await cli(['encode', '--run', run, path.join(data, '3', '1.png'), '--json']);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout.trim()).z).toHaveLength(2);
  }, 240_000);

  it('a conv VAE trains on 32×32×3 and generates RGB PNGs and an N×32×32×3 npz', async () => {
    const run = path.join(ws, 'conv-vae');
    const t = await cli(['train', ...colour(), '--arch', 'conv', '--filters', '4,8,8', '--hidden', '16', '--epochs', '1', '--batch', '16', '--out', run, '--json']);
    expect(otherStderr(t.stderr)).toBe('');
    expect(t.code).toBe(0);
    const rec = JSON.parse(await fs.readFile(path.join(run, 'config.json'), 'utf8'));
    expect(rec.config.model).toMatchObject({ arch: 'conv', convFilters: [4, 8, 8] });
    expect(rec.shape).toEqual([32, 32, 3]);

    const folder = path.join(ws, 'conv-gen');
    expect((await cli(['generate', '--run', run, '--count', '3', '--format', 'imagefolder', '--out', folder])).code).toBe(0);
    const files = await pngs(folder);
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatchObject({ w: 32, h: 32, channels: 3, colourType: 2 });

    const npzDir = path.join(ws, 'conv-npz');
    expect((await cli(['generate', '--run', run, '--count', '3', '--format', 'npz', '--out', npzDir])).code).toBe(0);
    const npy = unzipSync(await fs.readFile(path.join(npzDir, 'generated.npz')))['images.npy'];
    const header = new TextDecoder('latin1').decode(npy.subarray(10, 10 + (npy[8] | (npy[9] << 8))));
    expect(header).toContain("'shape': (3, 32, 32, 3)");
  }, 240_000);

  it('a batch larger than the training set is clamped, with a notice in the output and the run', async () => {
    const run = path.join(ws, 'clamped');
    const t = await cli(['train', ...colour(), '--hidden', '16', '--epochs', '1', '--batch', '5000', '--out', run, '--json']);
    expect(t.code).toBe(0);
    const trainCount = NAMES.length * PER_CLASS - JSON.parse(await fs.readFile(path.join(run, 'config.json'), 'utf8')).datasetReport.classes.reduce((a: number, c: { test: number }) => a + c.test, 0);
    const notice = `batch size 5,000 is larger than the training set (${trainCount} examples): clamped to ${trainCount}, one batch per epoch`;
    expect(otherStderr(t.stderr)).toBe(`warning: ${notice}`);
    // One epoch of one batch: the run is one optimiser step, said on stderr too.
    const few = `this run takes only 1 optimiser step in all (1 epoch × 1 batch of up to ${trainCount})`;
    expect(t.stderr).toContain(`warning: ${few}`);
    expect(summary(t.stdout).warnings).toEqual([notice, expect.stringContaining(few)]);
    const rec = JSON.parse(await fs.readFile(path.join(run, 'config.json'), 'utf8'));
    expect(rec.config.batchSize).toBe(trainCount);
    expect(rec.warnings).toEqual([notice, expect.stringContaining(few)]);
  }, 240_000);

  it('a collapsed run (β = 100) is marked by train, and generate warns that its samples will be near-identical', async () => {
    const run = path.join(ws, 'collapsed');
    const t = await cli(['train', ...colour(), '--hidden', '16', '--beta', '100', '--epochs', '12', '--batch', '16', '--out', run, '--json']);
    expect(t.code).toBe(0);
    const s = summary(t.stdout);
    expect(s.test.activeUnits).toBe(0);
    expect(s.collapsed).toMatch(/^no active latent unit/);
    expect(t.stderr).toMatch(/^warning: this run collapsed \(no active latent unit .*samples will be near-identical$/m);
    const g = await cli(['generate', '--run', run, '--count', '2', '--format', 'npz', '--out', path.join(ws, 'collapsed-gen'), '--json']);
    expect(g.code).toBe(0);
    expect(g.stderr).toMatch(/^warning: this run collapsed .*near-identical/);
    expect(JSON.parse(g.stdout).warnings[0]).toMatch(/near-identical/);
  }, 240_000);
});
