/**
 * Every importer on generated files: IDX (pairs and quadruples, raw and gzip, EMNIST transposed
 * with its mapping), NumPy (.npz keys, .npy pairs, dtypes and layouts, refusals), CSV (Kaggle
 * header, no header, floats, string labels, train/test files), the Hugging Face imagefolder (this
 * app's own export re-imported with its class names), colour images.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWarning } from '../../src-main/cli/data';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { writeGeneratedExport, type GeneratedSource } from '../../src-main/engine/export';
import { LabError, type DatasetRefInput } from '../../src-shared/types';
import { classFolders, colourPicture, glyphArrays, npy, npyRaw, npz, pixelCsv, transposeEach, writeIdxPair } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';
import { rowsF32, valuesF32 } from '../../src-main/engine/datasets/rows';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-import-formats-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

const load = (p: string, extra: Partial<DatasetRefInput> = {}) => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p, ...extra } as DatasetRefInput, { dataDir: tmp });
};

async function refused(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  expect((err as LabError).code).toBe('BAD_DATASET');
  expect((err as LabError).message).toMatch(re);
}

/** Every image of both splits as bytes (sorted), per class name: comparable whatever the split. */
function imagesByClass(d: LoadedDataset): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.count; i++) {
      const key = Buffer.from(Array.from(rowsF32(s.x, d.inputDim, i, 1), (v) => Math.round(v * 255))).toString('base64');
      (out[d.info.labelNames[s.y[i]]] ??= []).push(key);
    }
  }
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

/** The same, for raw arrays (uint8 N×D) with class names per label. */
function arraysByClass(images: Uint8Array, labels: ArrayLike<number>, names: string[], D: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < labels.length; i++) (out[names[labels[i]]] ??= []).push(Buffer.from(images.subarray(i * D, (i + 1) * D)).toString('base64'));
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

describe('IDX', () => {
  const { images, labels } = glyphArrays(3, 6);
  const test = glyphArrays(3, 2);

  it('a gzipped quadruple: the given split, pixels as they are (already MNIST form)', async () => {
    const dir = path.join(tmp, 'idx-gz');
    await writeIdxPair(dir, 'train', images, labels);
    await writeIdxPair(dir, 't10k', test.images, test.labels);
    const d = await load(dir);
    expect(d.report).toMatchObject({ kind: 'idx', split: 'given' });
    expect(d.report.verified).toBeUndefined();
    expect(d.resolved).toEqual({ size: 28, channels: 1, fit: 'crop', preprocess: 'plain', transpose: false });
    expect([d.train.count, d.test.count]).toEqual([18, 6]);
    expect(d.info.labelNames).toEqual(['0', '1', '2']);
    expect(Array.from(rowsF32(d.train.x, 784, 0, 1), (v) => Math.round(v * 255))).toEqual(Array.from(images.subarray(0, 784)));
  });

  it('a raw pair named as Kaggle copies are (train-images.idx3-ubyte), given as one of its files: split 80/20', async () => {
    const dir = path.join(tmp, 'idx-raw');
    await writeIdxPair(dir, 'train', images, labels, 28, false);
    await fsp.rename(path.join(dir, 'train-images-idx3-ubyte'), path.join(dir, 'train-images.idx3-ubyte'));
    const d = await load(path.join(dir, 'train-images.idx3-ubyte'));
    expect(d.report.split).toBe('random');
    expect(d.train.count + d.test.count).toBe(18);
  });

  it('two datasets in one folder are refused by name; images without their labels import as one class "unlabeled"', async () => {
    const dir = path.join(tmp, 'idx-bad');
    await writeIdxPair(dir, 'emnist-a-train', images, labels);
    await writeIdxPair(dir, 'emnist-b-train', images, labels);
    await refused(load(dir), /holds the IDX files of 2 datasets \(emnist-a, emnist-b\): give one of their files as the path/);
    await fsp.rm(path.join(dir, 'emnist-a-train-labels-idx1-ubyte.gz'));
    const d = await load(path.join(dir, 'emnist-a-train-images-idx3-ubyte.gz'));
    expect(d.info.labelNames).toEqual(['unlabeled']);
    expect(d.report.warnings.join('\n')).toMatch(/no labels found \(emnist-a-train-images-idx3-ubyte\.gz taken as the images/);
  });

  it('EMNIST: transposed images come upright with transpose, the mapping file names the classes', async () => {
    const dir = path.join(tmp, 'emnist');
    await writeIdxPair(dir, 'emnist-letters-train', transposeEach(images, 28), labels);
    await fsp.writeFile(path.join(dir, 'emnist-letters-mapping.txt'), '0 65\n1 66\n2 67\n');
    const plain = await load(dir);
    expect(plain.warnings).toContain('EMNIST files store each image transposed: tick "Transpose (IDX)" to see them upright');
    expect(plain.warnings!.map(cliWarning)).toContain('EMNIST files store each image transposed: use --transpose to see them upright');
    const d = await load(dir, { import: { transpose: true } });
    expect(d.info.labelNames).toEqual(['A', 'B', 'C']);
    expect(imagesByClass(d)).toEqual(arraysByClass(images, labels, ['A', 'B', 'C'], 784));
    expect(d.warnings?.join() ?? '').not.toMatch(/transposed/);
  });
});

describe('NumPy', () => {
  const { images, labels } = glyphArrays(3, 5);

  it('.npz with x_train/y_train/x_test/y_test: the given split', async () => {
    const file = path.join(tmp, 'mnist-like.npz');
    const t = glyphArrays(3, 2);
    await fsp.writeFile(file, npz({ x_train: npy(images, [15, 28, 28]), y_train: npy(labels, [15]), x_test: npy(t.images, [6, 28, 28]), y_test: npy(t.labels, [6]) }));
    const d = await load(file);
    expect(d.report).toMatchObject({ kind: 'npz', split: 'given' });
    expect([d.train.count, d.test.count]).toEqual([15, 6]);
  });

  it('float32 N×32×32×3 in 0–1: colour kept at 32×32', async () => {
    const n = 6;
    const x = new Float32Array(n * 32 * 32 * 3);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 256) / 255;
    const file = path.join(tmp, 'colour.npz');
    await fsp.writeFile(file, npz({ images: npy(x, [n, 32, 32, 3]), labels: npy(Int32Array.from({ length: n }, (_, i) => i % 2), [n]) }));
    const d = await load(file);
    expect(d.shape).toEqual([32, 32, 3]);
    expect(d.resolved).toMatchObject({ size: 32, channels: 3, preprocess: 'plain' });
    const all = [...d.train.x, ...d.test.x];
    expect(all.length).toBe(x.length);
  });

  it('.npy pair, N×1×28×28 float64 (channels first) and int64 labels', async () => {
    const dir = path.join(tmp, 'npy-pair');
    await fsp.mkdir(dir);
    const f64 = new Float64Array(images.length);
    for (let i = 0; i < images.length; i++) f64[i] = images[i] / 255;
    const i64 = new BigInt64Array(Array.from(labels, (v) => BigInt(v)));
    await fsp.writeFile(path.join(dir, 'x.npy'), npyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (15, 1, 28, 28), }", new Uint8Array(f64.buffer)));
    await fsp.writeFile(path.join(dir, 'y.npy'), npyRaw("{'descr': '<i8', 'fortran_order': False, 'shape': (15,), }", new Uint8Array(i64.buffer)));
    const d = await load(path.join(dir, 'x.npy'));
    expect(d.report.kind).toBe('npy');
    expect(d.warnings?.join()).toMatch(/read as N×C×H×W/);
    expect(imagesByClass(d)).toEqual(arraysByClass(images, labels, ['0', '1', '2'], 784));
  });

  it('N×3072 rows: channel-planar (CIFAR) told from pixel-interleaved by which gives smooth pictures', async () => {
    const n = 4;
    const planar = new Uint8Array(n * 3072);
    const interleaved = new Uint8Array(n * 3072);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < 1024; p++) {
        const y = Math.floor(p / 32);
        const x = p % 32;
        const rgb = [x * 8, y * 8, (x + y) * 4];
        for (let c = 0; c < 3; c++) {
          planar[i * 3072 + c * 1024 + p] = rgb[c];
          interleaved[i * 3072 + p * 3 + c] = rgb[c];
        }
      }
    }
    const lab = npy(Uint8Array.from([0, 1, 0, 1]), [n]);
    await fsp.writeFile(path.join(tmp, 'planar.npz'), npz({ x: npy(planar, [n, 3072]), y: lab }));
    await fsp.writeFile(path.join(tmp, 'interleaved.npz'), npz({ x: npy(interleaved, [n, 3072]), y: lab }));
    const a = await load(path.join(tmp, 'planar.npz'));
    const b = await load(path.join(tmp, 'interleaved.npz'));
    expect(a.warnings?.join()).toMatch(/channel-planar/);
    expect(b.warnings?.join()).toMatch(/pixel-interleaved/);
    expect(Array.from(a.train.x.subarray(0, 3072))).toEqual(Array.from(b.train.x.subarray(0, 3072)));
  });

  it('one-hot labels, string labels and -1 labels (a class without a manifest saying otherwise)', async () => {
    const onehot = new Float32Array(15 * 3);
    for (let i = 0; i < 15; i++) onehot[i * 3 + labels[i]] = 1;
    await fsp.writeFile(path.join(tmp, 'onehot.npz'), npz({ images: npy(images, [15, 28, 28]), labels: npy(onehot, [15, 3]) }));
    expect((await load(path.join(tmp, 'onehot.npz'))).info.labelNames).toEqual(['0', '1', '2']);

    const names = ['cat', 'dog', 'bird10', 'bird9'];
    const chars = 6;
    const u = new Uint32Array(16 * chars);
    for (let i = 0; i < 16; i++) [...names[i % 4]].forEach((ch, k) => (u[i * chars + k] = ch.codePointAt(0)!));
    const four = glyphArrays(4, 4);
    await fsp.writeFile(
      path.join(tmp, 'strings.npz'),
      npz({ images: npy(four.images, [16, 28, 28]), labels: npyRaw(`{'descr': '<U${chars}', 'fortran_order': False, 'shape': (16,), }`, new Uint8Array(u.buffer)) }),
    );
    expect((await load(path.join(tmp, 'strings.npz'))).info.labelNames).toEqual(['bird9', 'bird10', 'cat', 'dog']);

    const withUnlabeled = Int16Array.from(labels, (v, i) => (i < 3 ? -1 : v));
    await fsp.writeFile(
      path.join(tmp, 'unlabeled.npz'),
      npz({ images: npy(images, [15, 28, 28]), labels: npy(withUnlabeled, [15]), z: npy(new Float32Array(30), [15, 2]), extra: npy(new Float32Array(15), [15]) }),
    );
    const d = await load(path.join(tmp, 'unlabeled.npz'));
    // No manifest.json says -1 means "no label": it is a class (import-arrays-tables.test.ts has the export's case).
    expect(d.report.skipped).toEqual({});
    expect(d.info.labelNames).toEqual(['-1', '0', '1', '2']);
    expect(d.train.count + d.test.count).toBe(15);
    // z is what this app's export stores beside the images (said as such; it was "ignored arrays:
    // z"); an array nobody knows is still reported as ignored.
    expect(d.report.warnings).toContain('not used: z (the latent codes a Latent Lab export stores)');
    expect(d.report.warnings).toContain('ignored arrays: extra');
  });

  it('refuses object arrays (pickle), Fortran order, standardised values and missing keys, saying what to do', async () => {
    const obj = npyRaw("{'descr': '|O', 'fortran_order': False, 'shape': (15,), }", new Uint8Array(15 * 8));
    await fsp.writeFile(path.join(tmp, 'pickle.npz'), npz({ images: npy(images, [15, 28, 28]), labels: obj }));
    await refused(load(path.join(tmp, 'pickle.npz')), /dtype object.*pickle is never loaded: save the array with a numeric dtype/);

    const fortran = npyRaw("{'descr': '|u1', 'fortran_order': True, 'shape': (15, 28, 28), }", images);
    await fsp.writeFile(path.join(tmp, 'fortran.npz'), npz({ images: fortran, labels: npy(labels, [15]) }));
    await refused(load(path.join(tmp, 'fortran.npz')), /Fortran order: save np\.ascontiguousarray\(a\) instead/);

    const z = new Float32Array(images.length);
    for (let i = 0; i < z.length; i++) z[i] = (images[i] - 40) / 100;
    await fsp.writeFile(path.join(tmp, 'standardised.npz'), npz({ images: npy(z, [15, 28, 28]), labels: npy(labels, [15]) }));
    await refused(load(path.join(tmp, 'standardised.npz')), /images: values from -0\.4 to 2\.15 are not pixel values/);

    await fsp.writeFile(path.join(tmp, 'keys.npz'), npz({ pixels: npy(images, [15, 28, 28]), classes: npy(labels, [15]) }));
    await refused(load(path.join(tmp, 'keys.npz')), /found arrays "pixels", "classes"; expected images as images\/x\/x_train\/X/);
  });
});

describe('CSV', () => {
  const { images, labels } = glyphArrays(3, 5);

  it('the Kaggle layout (label,pixel0,…,pixel783) and the headerless mnist_train.csv layout read the same', async () => {
    await fsp.writeFile(path.join(tmp, 'kaggle.csv'), pixelCsv(images, labels, 784, true));
    await fsp.writeFile(path.join(tmp, 'mnist_train.csv'), pixelCsv(images, labels, 784, false));
    const a = await load(path.join(tmp, 'kaggle.csv'));
    const b = await load(path.join(tmp, 'mnist_train.csv'));
    expect(a.report.kind).toBe('csv');
    expect(imagesByClass(a)).toEqual(arraysByClass(images, labels, ['0', '1', '2'], 784));
    expect(imagesByClass(b)).toEqual(imagesByClass(a));
  });

  it('floats in 0–1, class names as labels, and a train/test pair in a folder', async () => {
    const dir = path.join(tmp, 'csv-split');
    await fsp.mkdir(dir);
    const names = ['circle', 'square', 'triangle'];
    await fsp.writeFile(path.join(dir, 'shapes_train.csv'), pixelCsv(images, Array.from(labels, (l) => names[l]), 784, true, true));
    await fsp.writeFile(path.join(dir, 'shapes_test.csv'), pixelCsv(images.subarray(0, 3 * 784), Array.from(labels.subarray(0, 3), (l) => names[l]), 784, true, true));
    const d = await load(dir);
    expect(d.report.split).toBe('given');
    expect(d.info.labelNames).toEqual(names);
    expect([d.train.count, d.test.count]).toEqual([15, 3]);
  });

  it('a ragged row and a non-number are refused by line', async () => {
    const good = pixelCsv(images.subarray(0, 2 * 784), labels.subarray(0, 2), 784, true).trimEnd().split('\n');
    await fsp.writeFile(path.join(tmp, 'ragged.csv'), [...good, '1,2,3'].join('\n'));
    await refused(load(path.join(tmp, 'ragged.csv')), /ragged\.csv: line 4 has 3 values, expected 785/);
    await fsp.writeFile(path.join(tmp, 'nan.csv'), [...good, good[1].replace(/,0,/, ',x,')].join('\n'));
    await refused(load(path.join(tmp, 'nan.csv')), /nan\.csv: line 4, column \d+: "x" is not a number/);
  });
});

describe('Hugging Face imagefolder', () => {
  const names = ['zero', 'one/two', 'three'];
  function source(n: number): GeneratedSource {
    const { images, labels } = glyphArrays(3, n / 3);
    async function* chunks() {
      yield { images: Float32Array.from(images, (v) => v / 255), labels: Int32Array.from(labels), z: new Float32Array(n * 2), count: n };
    }
    // `channels` is read by exports that write colour (older ones ignore it).
    return { total: n, height: 28, width: 28, channels: 1, latentDim: 2, labelNames: names, chunks: chunks() } as GeneratedSource;
  }
  const manifest = { runId: 'r', modelKind: 'cvae', latentDim: 2, dataset: 'mnist', seed: 1, temperature: 1, countPerLabel: {}, created: '', appVersion: 't' };

  it("this app's imagefolder export re-imports unchanged, class names and order included", async () => {
    const out = path.join(tmp, 'export');
    await writeGeneratedExport('imagefolder', out, source(12), manifest);
    const d = await load(out);
    expect(d.report.kind).toBe('hf-imagefolder');
    expect(d.info.labelNames).toEqual(names);
    expect(d.resolved).toMatchObject({ preprocess: 'plain', size: 28, channels: 1 });
    const { images, labels } = glyphArrays(3, 4);
    expect(imagesByClass(d)).toEqual(arraysByClass(images, labels, names, 784));
  });

  it('older exports (label = class index) take their names from manifest.json', async () => {
    const root = path.join(tmp, 'hf-old');
    await classFolders(root, ['x', 'y'], 3);
    const rows = ['file_name,label,seed,z0'];
    for (const [k, name] of ['x', 'y'].entries()) for (let i = 0; i < 3; i++) rows.push(`${name}/${i}.png,${k},1,0.5`);
    await fsp.writeFile(path.join(root, 'metadata.csv'), rows.join('\n') + '\n');
    await fsp.writeFile(path.join(root, 'manifest.json'), JSON.stringify({ format: 'imagefolder', labelNames: ['x', 'y'] }));
    const d = await load(root);
    expect(d.info.labelNames).toEqual(['x', 'y']);
    expect(d.report.classes.map((c) => c.train + c.test)).toEqual([3, 3]);
  });

  it('train/ and test/ each with a metadata.csv: the split as given, one class list', async () => {
    const root = path.join(tmp, 'hf-split');
    for (const [split, n] of [['train', 4], ['test', 2]] as const) {
      await classFolders(path.join(root, split), ['p', 'q'], n);
      const rows = ['file_name,label'];
      for (const c of ['p', 'q']) for (let i = 0; i < n; i++) rows.push(`${c}/${i}.png,${c}`);
      await fsp.writeFile(path.join(root, split, 'metadata.csv'), rows.join('\n'));
    }
    const d = await load(root);
    expect(d.report).toMatchObject({ kind: 'hf-imagefolder', split: 'given' });
    expect(d.report.classes).toEqual([
      { name: 'p', train: 4, test: 2 },
      { name: 'q', train: 4, test: 2 },
    ]);
  });

  it('label as class name with label_index; missing, unlabeled and unlisted files are counted', async () => {
    const root = path.join(tmp, 'hf');
    await classFolders(root, ['b', 'a'], 3);
    const rows = ['file_name,label,label_index'];
    for (const [k, name] of ['b', 'a'].entries()) for (let i = 0; i < 3; i++) if (!(name === 'a' && i === 2)) rows.push(`${name}/${i}.png,${name},${k}`);
    rows.push('b/gone.png,b,0', 'a/2.png,-1,-1', '../outside.png,a,1');
    await fsp.writeFile(path.join(root, 'metadata.csv'), rows.join('\n'));
    await fsp.writeFile(path.join(root, 'stray.png'), await fsp.readFile(path.join(root, 'a', '0.png')));
    const d = await load(root);
    expect(d.info.labelNames).toEqual(['b', 'a']);
    expect(d.report.skipped).toEqual({
      'listed in metadata.csv but missing': 1,
      unlabeled: 1,
      'listed outside the folder': 1,
      'not listed in metadata.csv': 1,
    });
    expect(d.train.count + d.test.count).toBe(5);
  });
});

describe('colour images', () => {
  it('colour pictures keep their colour at the allowed size nearest to theirs; channels: 1 makes them grey', async () => {
    const root = path.join(tmp, 'colour');
    await classFolders(root, ['red', 'green', 'blue'], 4, (c, _s, i) => colourPicture(c, 40, i, i % 2 ? 'jpeg' : 'png'));
    const d = await load(root);
    expect(d.shape).toEqual([32, 32, 3]);
    expect(d.inputDim).toBe(32 * 32 * 3);
    expect(d.resolved).toEqual({ size: 32, channels: 3, fit: 'crop', preprocess: 'plain', transpose: false });
    // the disc's centre of a "red" image is red
    expect(d.info.labelNames).toEqual(['blue', 'green', 'red']);
    const red = d.train.y.indexOf(2);
    const o = red * d.inputDim + (16 * 32 + 16) * 3;
    expect(valuesF32(d.train.x)[o]).toBeGreaterThan(0.7);
    expect(valuesF32(d.train.x)[o + 2]).toBeLessThan(0.3);
    const grey = await load(root, { import: { channels: 1, size: 64 } });
    expect(grey.shape).toEqual([64, 64, 1]);
  });
});
