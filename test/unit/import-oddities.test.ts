/**
 * Import oddities two fresh testers met (report-fresh2 1, 2, 10; report-fresh3 7):
 * - labels shaped N×1 (Keras' `cifar10.load_data()` layout) are one label per image, not one-hot
 *   rows of 1 that collapsed every image into class "0"; N×K rows that are not one-hot are refused;
 * - a file listed twice in metadata.csv is imported once, the later rows named, a differing label
 *   warned about;
 * - skip reasons read right for any count, a PNG with a mangled signature is a damaged PNG, a CSV
 *   header's label column is named when it is not plainly "label";
 * - class names in NFC and NFD ("é" as one letter or as e + accent) are one class;
 * - a label -1 follows one rule in every importer: "no label" only when every label is -1 or the
 *   export's manifest.json says so, else a class;
 * - a named pipe (FIFO), socket or device is never opened: `datasets:inspect` on a FIFO never
 *   answered; given as the data it is refused in words, in a folder it is skipped and named.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { Engine } from '../../src-main/engine/engine';
import { checkRunData } from '../../src-main/engine/runData';
import { LabError, type DatasetRefInput } from '../../src-shared/types';
import { classFolders, glyphArrays, glyphPng, npy, npyRaw, npz, pixelCsv } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-import-oddities-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

const load = (p: string): Promise<LoadedDataset> => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p } as DatasetRefInput, { dataDir: tmp });
};
async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  return (err as LabError).message;
}
const total = (d: LoadedDataset) => d.train.count + d.test.count;
const counts = (d: LoadedDataset) => Object.fromEntries(d.report.classes.map((c) => [c.name, c.train + c.test]));
const warnings = (d: LoadedDataset) => d.report.warnings.join('\n');

const { images, labels } = glyphArrays(3, 6); // 18 images, classes 0..2

describe('N×1 labels (the Keras / CIFAR layout)', () => {
  it('x_train + y_train of shape (N, 1) and the same for the test split: three classes, not one class "0"', async () => {
    const file = path.join(tmp, 'y_n1.npz');
    const y = Int32Array.from(labels);
    await fsp.writeFile(
      file,
      npz({ x_train: npy(images.subarray(0, 12 * 784), [12, 28, 28]), y_train: npy(y.subarray(0, 12), [12, 1]), x_test: npy(images.subarray(12 * 784), [6, 28, 28]), y_test: npy(y.subarray(12), [6, 1]) }),
    );
    const d = await load(file);
    expect(d.info.labelNames).toEqual(['0', '1', '2']);
    expect(counts(d)).toEqual({ 0: 6, 1: 6, 2: 6 });
    expect(warnings(d)).not.toMatch(/one-hot|one class only/);
  });

  it('one-hot rows are still class indices; rows of several values that are not one-hot are refused, saying why', async () => {
    const oneHot = new Uint8Array(18 * 3);
    labels.forEach((c, i) => (oneHot[i * 3 + c] = 1));
    const ok = path.join(tmp, 'onehot.npz');
    await fsp.writeFile(ok, npz({ x: npy(images, [18, 28, 28]), y: npy(oneHot, [18, 3]) }));
    const d = await load(ok);
    expect(counts(d)).toEqual({ 0: 6, 1: 6, 2: 6 });
    expect(warnings(d)).toMatch(/one-hot rows of 3 read as class indices/);
    const pairs = Uint8Array.from({ length: 36 }, (_, i) => (i * 7) % 5);
    const badFile = path.join(tmp, 'pairs.npz');
    await fsp.writeFile(badFile, npz({ x: npy(images, [18, 28, 28]), y: npy(pairs, [18, 2]) }));
    expect(await refusal(load(badFile))).toMatch(/labels of shape \(18, 2\) are not one per image: rows of 2 values are read only when they are one-hot.*save one integer label per image/);
  });

  it('string labels of shape (N, 1) are one name per image too (they were refused: "labels must be one per image")', async () => {
    const names = ['cat', 'dog', 'owl'];
    const data = new Uint8Array(18 * 3 * 4); // <U3: three UTF-32LE code points per label
    labels.forEach((c, i) => [...names[c]].forEach((ch, k) => (data[(i * 3 + k) * 4] = ch.charCodeAt(0))));
    const file = path.join(tmp, 'y_str_n1.npz');
    await fsp.writeFile(file, npz({ x: npy(images, [18, 28, 28]), y: npyRaw("{'descr': '<U3', 'fortran_order': False, 'shape': (18, 1), }", data) }));
    const d = await load(file);
    expect(counts(d)).toEqual({ cat: 6, dog: 6, owl: 6 });
  });

  it('N×1 labels of -1 only (an export of unlabelled samples kept as a column): one class "unlabeled"', async () => {
    const file = path.join(tmp, 'n1-unlabeled.npz');
    await fsp.writeFile(file, npz({ images: npy(images, [18, 28, 28]), labels: npy(new Int16Array(18).fill(-1), [18, 1]) }));
    const d = await load(file);
    expect(d.info.labelNames).toEqual(['unlabeled']);
    expect(total(d)).toBe(18);
  });
});

/** A metadata.csv folder of 12 glyph PNGs (`img<i>.png`, classes a/b/c) with the extra `rows` appended. */
async function hfFolder(name: string, rows: string[] = [], label = (i: number) => 'abc'[i % 3]): Promise<string> {
  const root = path.join(tmp, name);
  await fsp.mkdir(root);
  const lines = ['file_name,label'];
  for (let i = 0; i < 12; i++) {
    await fsp.writeFile(path.join(root, `img${i}.png`), await glyphPng(i % 3, 44, i));
    lines.push(`img${i}.png,${label(i)}`);
  }
  await fsp.writeFile(path.join(root, 'metadata.csv'), [...lines, ...rows].join('\n') + '\n');
  return root;
}

describe('a file listed twice in metadata.csv', () => {
  it('is imported once; the later rows are skipped and named, and a different label is warned about', async () => {
    const root = await hfFolder('hf-dupes', ['img0.png,a', 'img1.png,c', './img2.png,a']);
    const d = await load(root);
    expect(total(d)).toBe(12);
    expect(counts(d)).toEqual({ a: 4, b: 4, c: 4 });
    expect(d.report.skipped).toEqual({ 'listed again in metadata.csv (imported once)': 1, 'listed again in metadata.csv with another label (first label kept)': 2 });
    expect(d.report.skippedExamples).toEqual(
      expect.arrayContaining(['img0.png: listed again in metadata.csv (imported once)', 'img1.png: listed again in metadata.csv with another label (first label kept)']),
    );
    expect(warnings(d)).toMatch(/2 files are listed in metadata\.csv again with another label: each is imported once, with its first row's label/);
  });
});

describe('a label of -1: one rule in every importer', () => {
  it('metadata.csv: -1 beside other labels (no manifest) is a class "-1", as in an NPZ', async () => {
    const root = await hfFolder('hf-minus-one', [], (i) => (i % 3 === 0 ? '-1' : String(i % 3)));
    const d = await load(root);
    expect(d.info.labelNames).toEqual(['-1', '1', '2']);
    expect(total(d)).toBe(12);
    expect(d.report.skipped).toEqual({});
    const file = path.join(tmp, 'minus-one-beside.npz');
    await fsp.writeFile(file, npz({ x: npy(images, [18, 28, 28]), y: npy(Int16Array.from(labels, (c) => (c === 0 ? -1 : c)), [18]) }));
    expect((await load(file)).info.labelNames).toEqual(['-1', '1', '2']);
  });

  it('metadata.csv: every label -1, or -1 beside empty labels only: one class "unlabeled"', async () => {
    const d = await load(await hfFolder('hf-all-minus-one', [], (i) => (i % 2 ? '-1' : '')));
    expect(d.info.labelNames).toEqual(['unlabeled']);
    expect(total(d)).toBe(12);
  });

  it("metadata.csv: -1 beside labels with the export's manifest.json saying -1 = unlabeled: skipped and counted", async () => {
    const root = await hfFolder('hf-minus-one-manifest', [], (i) => (i < 3 ? '-1' : 'abc'[i % 3]));
    await fsp.writeFile(path.join(root, 'manifest.json'), JSON.stringify({ unlabeledLabel: -1 }));
    const d = await load(root);
    expect(d.report.skipped).toEqual({ unlabeled: 3 });
    expect(total(d)).toBe(9);
  });

  it('an empty label is always "no label": skipped beside labelled rows', async () => {
    const d = await load(await hfFolder('hf-empty', [], (i) => (i < 2 ? '' : 'abc'[i % 3])));
    expect(d.report.skipped).toEqual({ unlabeled: 2 });
  });
});

describe('words of the report', () => {
  it('skip reasons read right for any count: "4 not listed in metadata.csv", "1 outside the class folders"', async () => {
    const root = await hfFolder('hf-unlisted');
    for (let i = 0; i < 4; i++) await fsp.writeFile(path.join(root, `extra${i}.png`), await glyphPng(0, 44, i));
    const d = await load(root);
    expect(d.report.skipped).toEqual({ 'not listed in metadata.csv': 4 });
    expect(warnings(d)).toContain('skipped 4 items: 4 not listed in metadata.csv');
    const folders = path.join(tmp, 'loose');
    await classFolders(folders, ['p', 'q'], 3);
    await fsp.writeFile(path.join(folders, 'stray.png'), await glyphPng(0));
    expect((await load(folders)).report.skipped).toEqual({ 'outside the class folders': 1 });
  });

  it('a .png whose signature a text-mode copy mangled is "damaged PNG", not "not a supported image"', async () => {
    const root = path.join(tmp, 'damaged');
    await classFolders(root, ['p', 'q'], 3);
    // What Buffer.from('\x89PNG…') writes: 0x89 as UTF-8 (C2 89).
    await fsp.writeFile(path.join(root, 'p', 'corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
    const d = await load(root);
    expect(d.report.skipped).toEqual({ 'could not be decoded': 1 });
    expect(d.report.skippedExamples).toEqual([expect.stringMatching(/^p\/corrupt\.png: damaged PNG: its signature is altered, as a text-mode or UTF-8 copy does; copy the file as binary$/)]);
  });

  it("a CSV header without a known label name says which column was taken; a named one that is not 'label' is named", async () => {
    const D = 784;
    const csv = pixelCsv(images, labels, D, false);
    const guessed = path.join(tmp, 'category.csv');
    await fsp.writeFile(guessed, ['category', ...Array.from({ length: D }, (_, i) => `p${i}`)].join(',') + '\n' + csv);
    expect(warnings(await load(guessed))).toMatch(/label column: first \("category"; no column is named label, class, target, y, digit or character\)/);
    const named = path.join(tmp, 'digit.csv');
    await fsp.writeFile(named, ['digit', ...Array.from({ length: D }, (_, i) => `p${i}`)].join(',') + '\n' + csv);
    expect(warnings(await load(named))).toMatch(/label column: "digit" \(header\)/);
    const plain = path.join(tmp, 'plain.csv');
    await fsp.writeFile(plain, pixelCsv(images, labels, D, true));
    expect(warnings(await load(plain))).not.toMatch(/label column/);
  });
});

describe('class names in two Unicode forms', () => {
  const nfc = 'caf\u00e9';
  const nfd = 'cafe\u0301';

  it('folders "café" (NFC) and "café" (NFD): one class of both folders\' images, and the report says so', async () => {
    const root = path.join(tmp, 'unicode-folders');
    await classFolders(root, [nfc, nfd, 'tea'], 3);
    const d = await load(root);
    expect(d.info.labelNames).toEqual([nfc, 'tea']);
    expect(counts(d)).toEqual({ [nfc]: 6, tea: 3 });
    expect(warnings(d)).toMatch(/1 class name written in another Unicode form of a class already present was merged into it: "café"/);
  });

  it('metadata.csv labels and NPZ string labels: NFD names come out NFC, merged with their NFC twins', async () => {
    const d = await load(await hfFolder('hf-unicode', [], (i) => [nfc, nfd, 'tea'][i % 3]));
    expect(d.info.labelNames.map((n) => n.normalize('NFC'))).toEqual(d.info.labelNames);
    expect(counts(d)).toEqual({ [nfc]: 8, tea: 4 });
    const only = await load(await hfFolder('hf-nfd-only', [], (i) => [nfd, 'tea', 'tea'][i % 3]));
    expect(only.info.labelNames).toContain(nfc);
    expect(warnings(only)).not.toMatch(/Unicode/);
  });

  it('a run saved with the NFD spelling still finds its class in the data, now NFC: nothing left out, nothing changed', async () => {
    const root = path.join(tmp, 'unicode-run');
    await classFolders(root, [nfc, 'tea'], 3);
    const d = await load(root);
    const check = checkRunData({ inputDim: d.inputDim, numClasses: 2, shape: d.shape, labelNames: [nfd, 'tea'] }, d, root);
    expect(check.warnings).toEqual([]);
    expect(check.data).toBe(d);
  });
});

describe('pipes, sockets and devices are never opened', () => {
  const mkfifo = (p: string) => execFileSync('mkfifo', [p]);

  it('datasets:inspect on a FIFO (.npz, .csv, no extension) answers at once, refusing it in words; the engine answers the next request', async () => {
    const dir = path.join(tmp, 'fifos');
    await fsp.mkdir(dir);
    const engine = await Engine.create({ workspace: path.join(tmp, 'ws-fifo'), emit: () => undefined });
    try {
      for (const name of ['data.npz', 'pixels.csv', 'thing']) {
        mkfifo(path.join(dir, name));
        const r = await engine.handle('datasets:inspect', { dataset: { id: 'local', path: path.join(dir, name) }, perClass: 1 });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toEqual({ code: 'BAD_DATASET', message: `${path.join(dir, name)} is a named pipe (FIFO), not a file: it is not read (reading it could wait forever); give a regular file or a folder` });
      }
      expect((await engine.handle('datasets:list', {})).ok).toBe(true);
    } finally {
      await engine.dispose();
    }
  });

  it('a character device given as the data (/dev/zero) is refused the same way', async () => {
    expect(await refusal(load('/dev/zero'))).toBe('/dev/zero is a character device, not a file: it is not read (reading it could wait forever); give a regular file or a folder');
  });

  it('in a folder: a FIFO among the images is skipped and named; a FIFO metadata.csv in test/, manifest.json, a train.csv or an .npy beside the data is never opened', async () => {
    const root = path.join(tmp, 'fifo-folder');
    await classFolders(root, ['p', 'q'], 3);
    mkfifo(path.join(root, 'p', 'pipe.png'));
    const d = await load(root);
    expect(total(d)).toBe(6);
    expect(d.report.skipped).toEqual({ 'not a regular file (a pipe, socket or device)': 1 });
    expect(d.report.skippedExamples).toEqual(['p/pipe.png: not a regular file (a pipe, socket or device)']);

    const hf = path.join(tmp, 'fifo-hf');
    const train = await hfFolder('fifo-hf-train');
    await fsp.mkdir(hf);
    await fsp.rename(train, path.join(hf, 'train'));
    await fsp.mkdir(path.join(hf, 'test'));
    mkfifo(path.join(hf, 'test', 'metadata.csv'));
    expect(await refusal(load(hf))).toMatch(/test\/metadata\.csv is a named pipe \(FIFO\), not a file/);

    const npzDir = path.join(tmp, 'fifo-manifest');
    await fsp.mkdir(npzDir);
    await fsp.writeFile(path.join(npzDir, 'generated.npz'), npz({ images: npy(images, [18, 28, 28]), labels: npy(Int32Array.from(labels), [18]) }));
    mkfifo(path.join(npzDir, 'manifest.json'));
    expect(total(await load(path.join(npzDir, 'generated.npz')))).toBe(18);

    const csvDir = path.join(tmp, 'fifo-csv');
    await fsp.mkdir(csvDir);
    mkfifo(path.join(csvDir, 'train.csv'));
    expect(await refusal(load(csvDir))).toMatch(/train\.csv: not a regular file \(a pipe, socket or device\), not read/);
    const npyDir = path.join(tmp, 'fifo-npy');
    await fsp.mkdir(npyDir);
    await fsp.writeFile(path.join(npyDir, 'x.npy'), npy(images, [18, 28, 28]));
    mkfifo(path.join(npyDir, 'y.npy'));
    const n = await load(npyDir);
    expect(n.info.labelNames).toEqual(['unlabeled']);
    expect(total(n)).toBe(18);
  });
});
