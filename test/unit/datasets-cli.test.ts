/**
 * The CLI with your own data: `inspect --data` (text, `--json`, `--preview-out`) and `train
 * --data … --size … --channels …` on generated folders, warnings on stderr and in the run's
 * config.json, one-line errors.
 */
import { runCli, stderrLines } from './cliOutput';
import { existsSync, mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classFolders, colourPicture } from '../fixtures/datasets';

let ws: string;

const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-datacli-'));
  await classFolders(path.join(ws, 'digits'), ['1', '2', '10'], 6);
  await fsp.writeFile(path.join(ws, 'digits', '2', 'notes.txt'), 'not an image');
  await classFolders(path.join(ws, 'colour'), ['red', 'green', 'blue'], 8, (c, _s, i) => colourPicture(c, 40, i));
  await classFolders(path.join(ws, 'tiny'), ['cat', 'dog'], 1);
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('latent-lab inspect', () => {
  it('--json: kind, shape, classes in natural order with counts, split sizes, skipped by reason, warnings', async () => {
    const r = await cli(['inspect', '--data', path.join(ws, 'digits'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      kind: 'imagefolder',
      shape: [28, 28, 1],
      classes: [
        { name: '1', count: 6 },
        { name: '2', count: 6 },
        { name: '10', count: 6 },
      ],
      train: 15,
      test: 3,
      skipped: { 'not an image file': 1 },
    });
    // The skipped file is named (the Check panel lists the same `skippedExamples`).
    expect(j.skippedFiles).toEqual(['2/notes.txt: not an image file']);
    expect(j.warnings).toEqual(['skipped 1 item: 1 not an image file (e.g. 2/notes.txt: not an image file)']);
    expect(r.stderr).toBe('warning: skipped 1 item: 1 not an image file (e.g. 2/notes.txt: not an image file)\n');
  });

  it('--preview-out writes each class as trained (<class>/<n>.png, RGB here) and refuses a folder that is not empty', async () => {
    const out = path.join(ws, 'preview');
    const r = await cli(['inspect', '--data', path.join(ws, 'colour'), '--preview-out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shape: 32×32×3 \(RGB\)/);
    expect((await fsp.readdir(out)).sort()).toEqual(['blue', 'green', 'red']);
    expect((await fsp.readdir(path.join(out, 'red'))).length).toBe(8);
    const { data, info } = await sharp(path.join(out, 'red', '0.png')).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
    const centre = (16 * 32 + 16) * 3;
    expect(data[centre]).toBeGreaterThan(180); // a red disc
    expect(data[centre + 2]).toBeLessThan(80);

    const again = await cli(['inspect', '--data', path.join(ws, 'colour'), '--preview-out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`latent-lab: --preview-out ${out} is not empty: give a new or empty folder (nothing was written)`);
    expect((await fsp.readdir(path.join(out, 'red'))).length).toBe(8);
  });

  it('too little data, and bad options, are one-line errors', async () => {
    const tiny = await cli(['inspect', '--data', path.join(ws, 'tiny')]);
    expect(tiny.code).toBe(1);
    expect(tiny.stderr.trim()).toBe('latent-lab: too little data: "cat" has 1 image, "dog" has 1 image; each class needs at least 2 images (one to train on, one to test with)');
    const size = await cli(['inspect', '--data', path.join(ws, 'tiny'), '--size', '40']);
    expect(size.code).toBe(2);
    expect(size.stderr.trim()).toBe('latent-lab: --size must be one of auto, 28, 32, 64, got "40" (see inspect --help)');
    const builtin = await cli(['train', '--dataset', 'mnist', '--transpose']);
    expect(builtin.code).toBe(2);
    expect(builtin.stderr).toMatch(/apply to your own data \(--data PATH\)/);
  });
});

describe('latent-lab train --data', () => {
  it('trains on a colour folder at the size asked; warnings go to stderr and into the run', async () => {
    const out = path.join(ws, 'run');
    await fsp.writeFile(path.join(ws, 'colour', 'red', 'README.txt'), 'stray');
    const r = await cli(['train', '--data', path.join(ws, 'colour'), '--size', '28', '--channels', '3', '--epochs', '1', '--latent', '2', '--hidden', '16', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(stderrLines(r.stderr)).toEqual([
      'warning: skipped 1 item: 1 not an image file (e.g. red/README.txt: not an image file)',
      'warning: batch size 256 is larger than the training set (18 examples): clamped to 18, one batch per epoch',
    ]);
    const rec = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(rec.shape).toEqual([28, 28, 3]);
    expect(rec.inputDim).toBe(28 * 28 * 3);
    expect(rec.labelNames).toEqual(['blue', 'green', 'red']);
    expect(rec.config.dataset).toEqual({ id: 'local', path: path.join(ws, 'colour'), import: { size: 28, channels: 3, fit: 'crop', preprocess: 'auto', transpose: false } });
    expect(rec.datasetReport).toMatchObject({ kind: 'imagefolder', split: 'random', skipped: { 'not an image file': 1 }, skippedExamples: ['red/README.txt: not an image file'] });
    expect(existsSync(path.join(out, 'model'))).toBe(true);
  });

  it("the README's `train --data ~/photos --size 64 --channels 3` on a flat folder of photos trains (one unlabelled class); a CVAE on it is refused in one line", async () => {
    const photos = path.join(ws, 'photos');
    await fsp.mkdir(photos, { recursive: true });
    for (let i = 0; i < 8; i++) await fsp.writeFile(path.join(photos, `IMG_${i}.png`), await colourPicture(i % 3, 40, i));
    const out = path.join(ws, 'run-photos');
    const r = await cli(['train', '--data', photos, '--size', '64', '--channels', '3', '--epochs', '1', '--latent', '2', '--hidden', '16', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(stderrLines(r.stderr)[0]).toMatch(/^warning: no class folders: imported as unlabelled; a CVAE needs labels \(8 images as one class, "unlabeled"/);
    const rec = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(rec.shape).toEqual([64, 64, 3]);
    expect(rec.labelNames).toEqual(['unlabeled']);
    const cvae = await cli(['train', '--data', photos, '--size', '32', '--channels', '3', '--model', 'cvae', '--epochs', '1', '--out', path.join(ws, 'run-cvae')]);
    expect(cvae.code).not.toBe(0);
    expect(cvae.stderr).toMatch(/a CVAE is conditioned on the labels and needs at least 2 classes; this dataset has one \("unlabeled"\)/);
    expect(existsSync(path.join(ws, 'run-cvae', 'model'))).toBe(false);
  }, 120_000);
});
