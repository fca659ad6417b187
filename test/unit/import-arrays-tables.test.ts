/**
 * Fresh-tester findings on the array and table importers (NPZ/NPY, IDX, CSV):
 * 3. images without labels import as one class "unlabeled" (as a flat image folder does), the
 *    report naming what was taken as the images; a bad shape is refused for its shape.
 * 4. labels in {−1, +1} are two classes; −1 means "no label" only when every label is −1 or the
 *    export's manifest.json says so, and skipped rows are explained in words.
 * 5. a CSV without a header takes its label column by evidence (first or last), says which, and
 *    warns when it cannot tell.
 * 8. reshapes that drop or reinterpret data say so: a non-square crop, flat feature rows read as
 *    √D×√D pictures, an alpha channel.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { writeIdx } from '../../src-main/engine/datasets/idx';
import { rowsF32 } from '../../src-main/engine/datasets/rows';
import { LabError, type DatasetRefInput } from '../../src-shared/types';
import { cliWarning } from '../../src-main/cli/data';
import { glyphArrays, npy, npz, pixelCsv } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-import-arrays-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

const load = (p: string, extra: Partial<DatasetRefInput> = {}): Promise<LoadedDataset> => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p, ...extra } as DatasetRefInput, { dataDir: tmp });
};

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  return (err as LabError).message;
}

/** Every image of both splits as bytes (base64), sorted. */
function imageRows(d: LoadedDataset): string[] {
  const out: string[] = [];
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.count; i++) out.push(Buffer.from(Array.from(rowsF32(s.x, d.inputDim, i, 1), (v) => Math.round(v * 255))).toString('base64'));
  }
  return out.sort();
}

/** `n` rows of `D` bytes as base64, sorted. */
const sourceRows = (px: Uint8Array, n: number, D: number) => Array.from({ length: n }, (_, i) => Buffer.from(px.subarray(i * D, (i + 1) * D)).toString('base64')).sort();

const total = (d: LoadedDataset) => d.train.count + d.test.count;
const warnings = (d: LoadedDataset) => d.report.warnings.join('\n');

const { images, labels } = glyphArrays(3, 5); // 15 images, 28×28, classes 0..2

describe('3. images without labels', () => {
  /** The report: one class "unlabeled" holding every image, no labels found, which array, CVAE. */
  function expectUnlabeled(d: LoadedDataset, n: number, source: RegExp): void {
    expect(d.info.labelNames).toEqual(['unlabeled']);
    expect(total(d)).toBe(n);
    expect(d.report.skipped).toEqual({});
    expect(warnings(d)).toMatch(/no labels/);
    expect(warnings(d)).toMatch(source);
    expect(warnings(d)).toMatch(/one class, "unlabeled".*a CVAE needs/);
  }

  it('np.savez(x=images): one class "unlabeled", saying "x" was taken as the images', async () => {
    const file = path.join(tmp, 'x-only.npz');
    await fsp.writeFile(file, npz({ x: npy(images, [15, 28, 28]) }));
    expectUnlabeled(await load(file), 15, /"x" taken as the images/);
  });

  it('images + z (an export without labels): one class, z named as not used', async () => {
    const file = path.join(tmp, 'images-z.npz');
    await fsp.writeFile(file, npz({ images: npy(images, [15, 28, 28]), z: npy(new Float32Array(30), [15, 2]) }));
    const d = await load(file);
    expectUnlabeled(d, 15, /"images" taken as the images/);
    expect(d.report.warnings).toContain('not used: z (the latent codes a Latent Lab export stores)');
  });

  it('a lone x.npy: one class "unlabeled"', async () => {
    const dir = path.join(tmp, 'lone-npy');
    await fsp.mkdir(dir);
    await fsp.writeFile(path.join(dir, 'x.npy'), npy(images, [15, 28, 28]));
    expectUnlabeled(await load(path.join(dir, 'x.npy')), 15, /"x" taken as the images/);
  });

  it('train-images-idx3-ubyte without a labels file: one class "unlabeled", naming the file', async () => {
    const dir = path.join(tmp, 'idx-images-only');
    await fsp.mkdir(dir);
    await fsp.writeFile(path.join(dir, 'train-images-idx3-ubyte'), writeIdx([15, 28, 28], images));
    expectUnlabeled(await load(dir), 15, /train-images-idx3-ubyte taken as the images; no train-labels-idx1-ubyte beside it/);
  });

  it('IDX train images with labels but test images without: still refused, naming the file', async () => {
    const dir = path.join(tmp, 'idx-half');
    await fsp.mkdir(dir);
    await fsp.writeFile(path.join(dir, 'train-images-idx3-ubyte'), writeIdx([15, 28, 28], images));
    await fsp.writeFile(path.join(dir, 'train-labels-idx1-ubyte'), writeIdx([15], labels));
    await fsp.writeFile(path.join(dir, 't10k-images-idx3-ubyte'), writeIdx([15, 28, 28], images));
    expect(await refusal(load(dir))).toMatch(/t10k-images-idx3-ubyte has no labels file beside it/);
  });

  it('x of shape (10, 5): refused for its shape, not for its name', async () => {
    const file = path.join(tmp, 'badshape.npz');
    await fsp.writeFile(file, npz({ x: npy(new Float32Array(50), [10, 5]) }));
    const msg = await refusal(load(file));
    expect(msg).toMatch(/x: shape \(10, 5\)/);
    expect(msg).not.toMatch(/expected images as/);
  });

  it('arrays with names it does not know are still refused, naming them', async () => {
    const file = path.join(tmp, 'unknown-keys.npz');
    await fsp.writeFile(file, npz({ pixels: npy(images, [15, 28, 28]), classes: npy(labels, [15]) }));
    expect(await refusal(load(file))).toMatch(/found arrays "pixels", "classes"; expected images as images\/x\/x_train\/X/);
  });
});

describe('4. a label of −1', () => {
  const pm1 = Int16Array.from(labels, (v) => (v === 0 ? -1 : 1));

  it('labels in {−1, +1}: two classes "-1" and "1", nothing skipped', async () => {
    const file = path.join(tmp, 'pm1.npz');
    await fsp.writeFile(file, npz({ x: npy(images, [15, 28, 28]), y: npy(pm1, [15]) }));
    const d = await load(file);
    expect(d.info.labelNames).toEqual(['-1', '1']);
    expect(total(d)).toBe(15);
    expect(d.report.skipped).toEqual({});
    expect(d.report.classes.map((c) => c.train + c.test)).toEqual([5, 10]);
  });

  it("−1 beside labels, with the export's manifest.json saying −1 = unlabeled: skipped, and the report says why", async () => {
    const dir = path.join(tmp, 'npz-export-mixed');
    await fsp.mkdir(dir);
    const y = Int16Array.from(labels, (v, i) => (i < 3 ? -1 : v));
    await fsp.writeFile(path.join(dir, 'generated.npz'), npz({ images: npy(images, [15, 28, 28]), labels: npy(y, [15]) }));
    await fsp.writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ npz: 'generated.npz', arrays: { labels: 'int16 [15], label index, -1 = unlabeled' } }),
    );
    const d = await load(path.join(dir, 'generated.npz'));
    expect(d.report.skipped).toEqual({ unlabeled: 3 });
    expect(total(d)).toBe(12);
    expect(warnings(d)).toMatch(/3 images with label -1 skipped.*manifest\.json.*-1 marks an image without a label/);
  });

  it('−1 beside labels without a manifest: a class "-1" like any other', async () => {
    const file = path.join(tmp, 'minus-one-class.npz');
    const y = Int16Array.from(labels, (v) => (v === 2 ? -1 : v));
    await fsp.writeFile(file, npz({ images: npy(images, [15, 28, 28]), labels: npy(y, [15]) }));
    const d = await load(file);
    expect(d.info.labelNames).toEqual(['-1', '0', '1']);
    expect(total(d)).toBe(15);
  });

  it('every label −1 (an export of unlabeled samples): one class "unlabeled"', async () => {
    const file = path.join(tmp, 'all-minus-one.npz');
    await fsp.writeFile(file, npz({ images: npy(images, [15, 28, 28]), labels: npy(new Int16Array(15).fill(-1), [15]) }));
    const d = await load(file);
    expect(d.info.labelNames).toEqual(['unlabeled']);
    expect(total(d)).toBe(15);
  });
});

describe('5. a CSV without a header', () => {
  /** Rows of `p0,…,pD-1,label` (label last), no header. */
  function labelLastCsv(px: Uint8Array, ys: ArrayLike<number>, D: number): string {
    const lines: string[] = [];
    for (let i = 0; i < ys.length; i++) lines.push([...Array.from(px.subarray(i * D, (i + 1) * D), String), String(ys[i])].join(','));
    return lines.join('\n') + '\n';
  }

  it('784 pixel columns then the label: the last column is the label, and the report says so', async () => {
    const bg = Uint8Array.from(images, (v) => Math.max(v, 10)); // the tester's corner pixel was 10
    await fsp.writeFile(path.join(tmp, 'label-last.csv'), labelLastCsv(bg, labels, 784));
    const d = await load(path.join(tmp, 'label-last.csv'));
    expect(d.info.labelNames).toEqual(['0', '1', '2']);
    expect(d.report.classes.map((c) => c.train + c.test)).toEqual([5, 5, 5]);
    expect(warnings(d)).toMatch(/label column: last \(no header\)/);
    // Not shifted by a pixel: every image is its row's first 784 values.
    expect(imageRows(d)).toEqual(sourceRows(bg, 15, 784));
  });

  it('colour: 16×16×3 values then the label reads as 3 classes', async () => {
    const n = 12;
    const D = 16 * 16 * 3;
    const px = new Uint8Array(n * D);
    for (let i = 0; i < n; i++) for (let p = 0; p < 256; p++) for (let c = 0; c < 3; c++) px[i * D + p * 3 + c] = (21 + 10 * i + (p % 16) * 8 + c * 30 + (i % 3) * 40) % 256;
    const ys = Array.from({ length: n }, (_, i) => i % 3);
    await fsp.writeFile(path.join(tmp, 'colour-last.csv'), labelLastCsv(px, ys, D));
    const d = await load(path.join(tmp, 'colour-last.csv'));
    expect(d.info.labelNames).toEqual(['0', '1', '2']);
    expect(total(d)).toBe(n);
    expect(warnings(d)).toMatch(/label column: last \(no header\)/);
  });

  it('the label first (mnist_train.csv): the first column, said so', async () => {
    await fsp.writeFile(path.join(tmp, 'mnist_first.csv'), pixelCsv(images, labels, 784, false));
    const d = await load(path.join(tmp, 'mnist_first.csv'));
    expect(d.info.labelNames).toEqual(['0', '1', '2']);
    expect(warnings(d)).toMatch(/label column: first \(no header\)/);
    expect(warnings(d)).not.toMatch(/could be/);
  });

  it('both end columns look like labels: a warning that it cannot tell, and how to say', async () => {
    const px = Uint8Array.from(images);
    for (let i = 0; i < 15; i++) px[i * 784] = i % 2; // the first pixel: 0/1 in turn
    await fsp.writeFile(path.join(tmp, 'ambiguous.csv'), labelLastCsv(px, labels, 784));
    const d = await load(path.join(tmp, 'ambiguous.csv'));
    expect(warnings(d)).toMatch(/label column: (first|last) \(no header\).*the (first|last) column could be the label too.*header/);
  });

  it('noisy dark pixels (0..10) first, labels 0..2 last: a tie goes to the label-like last column', async () => {
    // Both end columns hold a few integers with no value on 90 % of rows; the last holds 0..K−1, fewer of them.
    const many = glyphArrays(3, 20); // 60 rows
    const px = Uint8Array.from(many.images);
    for (let i = 0; i < 60; i++) px[i * 784] = (i * 7) % 11; // the corner pixel's noise: 0..10
    await fsp.writeFile(path.join(tmp, 'noisy-last.csv'), labelLastCsv(px, many.labels, 784));
    const d = await load(path.join(tmp, 'noisy-last.csv'));
    expect(d.info.labelNames).toEqual(['0', '1', '2']);
    expect(warnings(d)).toMatch(/label column: last \(no header\)/);
    expect(imageRows(d)).toEqual(sourceRows(px, 60, 784));
  });

  it('a no-header CSV whose import then fails names the label column taken and how to choose', async () => {
    // The first column (0..4, then 5..14 once each) looks more like labels than the last (20 values 3 apart): taken.
    // Every other value of a row is its last one, so the images are constant: refused. (A class of
    // one image no longer refuses the import: it is trained on only, said so.)
    const ys = Array.from({ length: 60 }, (_, i) => 100 + (i % 20) * 3);
    const px = new Uint8Array(60 * 784);
    for (let i = 0; i < 60; i++) {
      px.fill(ys[i], i * 784, (i + 1) * 784);
      px[i * 784] = i < 50 ? i % 5 : i - 45;
    }
    await fsp.writeFile(path.join(tmp, 'fails.csv'), labelLastCsv(px, ys, 784));
    const msg = await refusal(load(path.join(tmp, 'fails.csv')));
    expect(msg).toMatch(/constant after preprocessing/);
    expect(msg).toMatch(/label column: first \(no header\)/);
    expect(msg).toMatch(/add a header naming the label column/);
  });

  it('a headered CSV is read as before: no label-column note', async () => {
    await fsp.writeFile(path.join(tmp, 'kaggle-h.csv'), pixelCsv(images, labels, 784, true));
    const d = await load(path.join(tmp, 'kaggle-h.csv'));
    expect(d.info.labelNames).toEqual(['0', '1', '2']);
    expect(warnings(d)).not.toMatch(/label column/);
  });
});

describe('8. reshapes that drop or reinterpret data say so', () => {
  it('20×30 images: centre-cropped to 20×20, saying 10 of 30 columns are dropped', async () => {
    const n = 6;
    const x = new Uint8Array(n * 20 * 30);
    for (let i = 0; i < x.length; i++) x[i] = (i * 37) % 256;
    const file = path.join(tmp, 'wide.npz');
    await fsp.writeFile(file, npz({ x: npy(x, [n, 20, 30]), y: npy(Uint8Array.from({ length: n }, (_, i) => i % 2), [n]) }));
    const d = await load(file);
    expect(warnings(d)).toMatch(/20×30.*centre-cropped to 20×20.*10 of 30 columns \(33 %\) dropped/);
    // The app names its own choice ("Fit" in the Train panel's import options), the CLI its flag.
    expect(warnings(d)).toMatch(/dropped, then resized to 28×28; set Fit to "pad" to keep them whole$/m);
    expect(warnings(d)).not.toMatch(/--fit/);
    const cli = d.report.warnings.map(cliWarning).join('\n');
    expect(cli).toMatch(/dropped, then resized to 28×28; use --fit pad to keep them whole$/m);
    expect(cli).not.toMatch(/Fit to/);
    const padded = await load(file, { import: { fit: 'pad' } });
    expect(padded.report.warnings.join('\n')).not.toMatch(/dropped/);
  });

  it('N×100 features: read as 10×10 pictures, said so', async () => {
    const n = 6;
    const x = new Float32Array(n * 100);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 100) / 100;
    const file = path.join(tmp, 'features.npz');
    await fsp.writeFile(file, npz({ x: npy(x, [n, 100]), y: npy(Uint8Array.from({ length: n }, (_, i) => i % 2), [n]) }));
    expect(warnings(await load(file))).toMatch(/x: rows of 100 values read as 10×10 grey images/);
  });

  it('N×32×32×4 (RGBA): the alpha channel is said to be dropped', async () => {
    const n = 6;
    const x = new Uint8Array(n * 32 * 32 * 4);
    for (let i = 0; i < x.length; i++) x[i] = i % 4 === 3 ? (i % 8 === 3 ? 255 : 128) : (i * 31) % 256;
    const file = path.join(tmp, 'rgba.npz');
    await fsp.writeFile(file, npz({ x: npy(x, [n, 32, 32, 4]), y: npy(Uint8Array.from({ length: n }, (_, i) => i % 2), [n]) }));
    expect(warnings(await load(file))).toMatch(/x: alpha channel.*50 % of pixels.*not opaque.*composited/);
  });
});
