/**
 * `train --arch conv` through the CLI as a user runs it: a small folder of drawings trains a conv
 * VAE end to end (the run's config records the architecture, the saved model is convolutional,
 * generate and encode work on it), and bad conv arguments fail with one line.
 */
import { runCli, stderrLines } from './cliOutput';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let ws: string;
let data: string;
let runDir: string;

const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });

/** Dark strokes on white, 40×40: class "bars" vertical, class "lines" horizontal, jittered. */
async function drawings(dir: string, perClass: number): Promise<void> {
  for (const [name, vertical] of [
    ['bars', true],
    ['lines', false],
  ] as const) {
    await fs.mkdir(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const w = 40;
      const px = Buffer.alloc(w * w, 255);
      const off = 12 + (i % 9);
      const len = 14 + (i % 7);
      for (let a = 8; a < 8 + len; a++) {
        for (let b = off; b < off + 4; b++) px[vertical ? a * w + b : b * w + a] = 0;
      }
      await sharp(px, { raw: { width: w, height: w, channels: 1 } }).png().toFile(path.join(dir, name, `${i}.png`));
    }
  }
}

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-cli-conv-'));
  data = path.join(ws, 'drawings');
  await drawings(data, 40);
  runDir = path.join(ws, 'conv-run');
}, 60_000);
afterAll(() => rmSync(ws, { recursive: true, force: true }));

const common = ['--dataset', 'folder', '--path', '', '--latent', '2', '--batch', '32', '--seed', '3'];
const withData = () => common.map((a) => (a === '' ? data : a));

describe('cli train --arch conv', () => {
  it('trains a conv VAE on a folder, records the architecture, and the run generates and encodes', async () => {
    const r = await cli(['train', ...withData(), '--arch', 'conv', '--filters', '4,8', '--hidden', '8', '--epochs', '3', '--out', runDir, '--json']);
    expect(stderrLines(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const epochs = lines.filter((l) => l.epoch);
    expect(epochs.length).toBe(3);
    expect(epochs[2].val.loss).toBeLessThan(epochs[0].val.loss);
    const rec = JSON.parse(await fs.readFile(path.join(runDir, 'config.json'), 'utf8'));
    expect(rec.config.model).toMatchObject({ arch: 'conv', convFilters: [4, 8], hidden: [8] });
    const encoder = await fs.readFile(path.join(runDir, 'model', 'encoder', 'model.json'), 'utf8');
    const decoder = await fs.readFile(path.join(runDir, 'model', 'decoder', 'model.json'), 'utf8');
    expect(encoder.match(/"class_name":"Conv2D"/g)?.length).toBe(2);
    expect(decoder.match(/"class_name":"Conv2DTranspose"/g)?.length).toBe(3);

    const out = path.join(ws, 'gen');
    const g = await cli(['generate', '--run', runDir, '--count', '6', '--format', 'npz', '--out', out]);
    expect(stderrLines(g.stderr)).toEqual([]);
    expect(g.code).toBe(0);
    expect((await fs.readdir(out)).some((f) => f.endsWith('.npz'))).toBe(true);
    const e = await cli(['encode', '--run', runDir, path.join(data, 'bars', '3.png'), '--json']);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout.trim()).z).toHaveLength(2);
  });

  it('defaults the conv widths to the image size (28×28: the Keras example)', async () => {
    const dir = path.join(ws, 'conv-default');
    const r = await cli(['train', ...withData(), '--arch', 'conv', '--epochs', '1', '--out', dir, '--json']);
    expect(r.code).toBe(0);
    const rec = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(rec.config.model).toMatchObject({ arch: 'conv', convFilters: [32, 64], hidden: [16] });
  });

  it('bad conv arguments fail with one line naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--arch', 'resnet'], /--arch must be one of dense, conv/],
      [['--filters', '8,8'], /--filters needs --arch conv/],
      [['--arch', 'conv', '--filters', '8,x'], /--filters must be an integer/],
      [['--arch', 'conv', '--filters', '8,8,8'], /28×28 image halves exactly only 2 times/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(['train', ...withData(), '--epochs', '1', ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });
});
