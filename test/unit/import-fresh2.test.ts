/**
 * Own-colour-data tester's findings (report fresh2): 3 a colour export re-imported grey (auto now
 * follows a Latent Lab manifest.json's channels); 4 a folder's centre crop said how much it cut
 * away, and a refusal of constant images suggests padding; 6 an IDX export whose labels are all
 * 255 (no manifest) is unlabelled, an NPZ's label_names names the classes; 7 a class of a single
 * image is trained on only, said so, not a refusal of the whole folder; 9 colour is counted over
 * every decoded image, the colour files named, and auto keeps colour when the sample missed it.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { cliWarning } from '../../src-main/cli/data';
import type { ImportOptions } from '../../src-shared/datasets';
import { LabError } from '../../src-shared/types';
import { classFolders, glyphArrays, npy, npyRaw, npz, writeIdxPair } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';
import { runCli } from './cliOutput';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp();
});
afterAll(async () => {
  await rmTemp(tmp);
});

function load(p: string, o: Partial<ImportOptions> = {}): Promise<LoadedDataset> {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p, import: { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'auto', transpose: false, ...o } }, { dataDir: tmp });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(LabError);
  return (err as LabError).message;
}

/**
 * A smooth picture (not an ink drawing), `w`×`h` RGB bytes: grey, or with a coloured patch when
 * `colour`. `seed` varies it.
 */
function picture(w: number, h: number, seed: number, colour = false): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = Math.round(128 + 60 * Math.sin((x + seed * 3) / 5) * Math.cos((y + seed) / 7));
      const o = 3 * (y * w + x);
      px[o] = px[o + 1] = px[o + 2] = v;
      if (colour && x < w / 2 && y < h / 2) [px[o], px[o + 1], px[o + 2]] = [220, 40, 40];
    }
  }
  return px;
}

const png = async (px: Uint8Array, w: number, h: number, channels: 1 | 3 = 3) => new Uint8Array(await sharp(Buffer.from(px), { raw: { width: w, height: h, channels } }).png().toBuffer());

describe('3. a Latent Lab export re-imports with the channels its manifest.json records', () => {
  it('an image-folder export of a weakly coloured colour run (1 of 12 images with visible colour): colour, saying why; without the manifest: grey', async () => {
    const root = path.join(tmp, 'weak-colour');
    for (const c of ['a', 'b']) {
      await fsp.mkdir(path.join(root, c), { recursive: true });
      for (let i = 0; i < 6; i++) await fsp.writeFile(path.join(root, c, `${i}.png`), await png(picture(32, 32, i + (c === 'b' ? 10 : 0), c === 'a' && i === 0), 32, 32));
    }
    const grey = await load(root);
    expect(grey.shape).toEqual([32, 32, 1]);
    await fsp.writeFile(path.join(root, 'manifest.json'), JSON.stringify({ format: 'imagefolder', shape: [32, 32, 3], channels: 3, labelNames: ['a', 'b'] }));
    const d = await load(root);
    expect(d.shape).toEqual([32, 32, 3]);
    expect(d.report.preprocessing).toMatch(/manifest\.json \(this app's export\) records colour images: kept in colour/);
    expect(d.report.warnings.join('\n')).not.toMatch(/turned grey/);
    // Chosen grey still wins.
    expect((await load(root, { channels: 1 })).shape).toEqual([32, 32, 1]);
  });

  it('an NPZ export of a collapsed colour run (grey-looking N×32×32×3): colour with its manifest, grey without', async () => {
    const dir = path.join(tmp, 'npz-colour');
    await fsp.mkdir(dir, { recursive: true });
    const n = 20;
    const images = new Uint8Array(n * 32 * 32 * 3);
    for (let i = 0; i < n; i++) images.set(picture(32, 32, i), i * 32 * 32 * 3);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
    await fsp.writeFile(path.join(dir, 'generated.npz'), npz({ images: npy(images, [n, 32, 32, 3]), labels: npy(labels, [n]) }));
    expect((await load(path.join(dir, 'generated.npz'))).shape).toEqual([32, 32, 1]);
    await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'npz', shape: [32, 32, 3], channels: 3, labelNames: ['x', 'y'] }));
    const d = await load(path.join(dir, 'generated.npz'));
    expect(d.shape).toEqual([32, 32, 3]);
    expect(d.info.labelNames).toEqual(['x', 'y']);
    expect(d.report.preprocessing).toMatch(/records colour images: kept in colour \(0 of 20 sample images have visible colour\)/);
  });
});

describe('4. a folder says what the centre crop cut away', () => {
  it('64×48 images: each centre-cropped, losing 25 % of its pixels, with the advice to pad (the CLI its flag)', async () => {
    const root = path.join(tmp, 'wide');
    await fsp.mkdir(root, { recursive: true });
    for (let i = 0; i < 10; i++) await fsp.writeFile(path.join(root, `${i}.png`), await png(picture(64, 48, i, true), 64, 48));
    const d = await load(root);
    const note = '10 of 10 images are not square: each is centre-cropped, losing 25 % of its pixels; set Fit to "pad" to keep them whole';
    expect(d.report.warnings).toContain(note);
    expect(d.report.warnings.map(cliWarning)).toContain('10 of 10 images are not square: each is centre-cropped, losing 25 % of its pixels; use --fit pad to keep them whole');
    expect((await load(root, { fit: 'pad' })).report.warnings.join('\n')).not.toMatch(/centre-cropped/);
  });

  it('30×90 images with their content at the top and bottom: the refusal of constant images names the crop and padding', async () => {
    const root = path.join(tmp, 'tall');
    await fsp.mkdir(root, { recursive: true });
    for (let i = 0; i < 20; i++) {
      const px = new Uint8Array(30 * 90).fill(200);
      for (let y = 0; y < 90; y++) for (let x = 0; x < 30; x++) if ((y < 25 || y >= 65) && (x + y + i) % 4 < 2) px[y * 30 + x] = 20;
      await fsp.writeFile(path.join(root, `${i}.png`), await png(px, 30, 90, 1));
    }
    const msg = await refusal(load(root, { preprocess: 'plain' }));
    expect(msg).toMatch(/20 images of 20 are \(nearly\) constant after preprocessing/);
    expect(msg).toContain('The crop may have cut their content away: 20 of 20 images are not square: each is centre-cropped, losing 67 % of its pixels; set Fit to "pad" to keep them whole.');
    const padded = await load(root, { preprocess: 'plain', fit: 'pad' });
    expect(padded.train.count + padded.test.count).toBe(20);
    // The CLI's refusal names its flag, as its warnings do.
    const r = await runCli(['inspect', '--data', root, '--preprocess', 'plain'], { home: path.join(tmp, 'home') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('each is centre-cropped, losing 67 % of its pixels; use --fit pad to keep them whole.');
  }, 60_000);
});

describe('6. labels of an export without its manifest.json', () => {
  it('an IDX export of a VAE (every label 255): one class "unlabeled", said why; 255 beside other labels stays a class', async () => {
    const g = glyphArrays(2, 6);
    const dir = path.join(tmp, 'idx-255');
    await writeIdxPair(dir, '', g.images, new Uint8Array(12).fill(255));
    const d = await load(dir);
    expect(d.info.labelNames).toEqual(['unlabeled']);
    expect(d.report.warnings.join('\n')).toMatch(/every label is 255, the label this app's IDX export gives images without one \(no manifest\.json beside the files says so\): read as unlabelled/);
    const mixed = path.join(tmp, 'idx-mixed');
    await writeIdxPair(mixed, '', g.images, Uint8Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? 255 : i % 3)));
    expect((await load(mixed)).info.labelNames).toEqual(['0', '1', '255']);
  });

  it('an NPZ with a label_names array: the classes are named by it, and it is not reported as an ignored array', async () => {
    const g = glyphArrays(3, 4);
    const names = ['cat', 'dog', 'emu'];
    const utf32 = new Uint8Array(3 * 3 * 4);
    names.forEach((s, i) => [...s].forEach((ch, k) => (utf32[(i * 3 + k) * 4] = ch.charCodeAt(0))));
    const file = path.join(tmp, 'named.npz');
    await fsp.writeFile(file, npz({ images: npy(g.images, [12, 28, 28]), labels: npy(g.labels, [12]), label_names: npyRaw("{'descr': '<U3', 'fortran_order': False, 'shape': (3,), }", utf32) }));
    const d = await load(file);
    expect(d.info.labelNames).toEqual(names);
    expect(d.report.warnings.join('\n')).not.toMatch(/ignored arrays/);
  });
});

describe('7. a class with a single image', () => {
  it('is trained on only, and the report says so — the other classes are not refused', async () => {
    const root = path.join(tmp, 'one-img');
    await classFolders(root, ['a', 'b'], 5);
    await classFolders(path.join(tmp, 'one-src'), ['x', 'y', 'one_img'], 1);
    await fsp.mkdir(path.join(root, 'one_img'));
    await fsp.copyFile(path.join(tmp, 'one-src', 'one_img', '0.png'), path.join(root, 'one_img', '0.png'));
    const d = await load(root);
    expect(d.report.classes.find((c) => c.name === 'one_img')).toEqual({ name: 'one_img', train: 1, test: 0 });
    expect(d.report.warnings).toContain('"one_img" has a single image: trained on, but with none to test (a class needs 2 images for one to go to the test split); test metrics leave it out');
  });
});

describe('9. colour is counted over every decoded image', () => {
  it('one colour image among 60 grey pictures: named in the warning', async () => {
    const root = path.join(tmp, 'one-colour');
    await fsp.mkdir(root, { recursive: true });
    for (let i = 0; i < 60; i++) await fsp.writeFile(path.join(root, `g${String(i).padStart(2, '0')}.png`), await png(picture(32, 32, i), 32, 32));
    await fsp.writeFile(path.join(root, 'red.png'), await png(picture(32, 32, 99, true), 32, 32));
    const d = await load(root);
    expect(d.shape).toEqual([32, 32, 1]);
    expect(d.report.warnings).toContain('1 of the 61 images is in colour (red.png): turned grey (set Colour to "colour" to keep colour)');
  });

  it('a (nearly) constant image among pictures: the warning names its file', async () => {
    const root = path.join(tmp, 'one-blank');
    await fsp.mkdir(root, { recursive: true });
    for (let i = 0; i < 12; i++) await fsp.writeFile(path.join(root, `p${String(i).padStart(2, '0')}.png`), await png(picture(32, 32, i), 32, 32));
    await fsp.writeFile(path.join(root, 'blank.png'), await png(new Uint8Array(32 * 32 * 3).fill(90), 32, 32));
    const d = await load(root, { preprocess: 'plain' });
    expect(d.report.warnings).toContain('1 image (blank.png) is (nearly) constant after preprocessing');
  });

  it('colour images the sample missed (every other file, the sample took the rest): auto keeps colour, saying how many of all images have colour', async () => {
    const root = path.join(tmp, 'missed-colour');
    await fsp.mkdir(root, { recursive: true });
    // The sample takes 32 evenly spread of the 64 files: every even one.
    for (let i = 0; i < 64; i++) await fsp.writeFile(path.join(root, `p${String(i).padStart(2, '0')}.png`), await png(picture(32, 32, i, i % 2 === 1), 32, 32));
    const d = await load(root);
    expect(d.shape).toEqual([32, 32, 3]);
    expect(d.report.preprocessing).toMatch(/32 of all 64 images \(50 %\) have colour, though only 0 of 32 sample images did: kept in colour/);
    expect(d.report.warnings.join('\n')).not.toMatch(/turned grey/);
  });
});
