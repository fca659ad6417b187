import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import sharp from 'sharp';
import { gunzipSync, unzipSync } from 'fflate';
import {
  checkDestination,
  cleanStaleTemps,
  isOnlyExport,
  writeEmbeddings,
  writeGeneratedExport,
  type ExportManifest,
  type FsSeam,
  type GeneratedChunk,
  type GeneratedSource,
} from '../../src-main/engine/export';
import { LabError } from '../../src-shared/types';
import { clearDatasetMemo, loadDataset } from '../../src-main/engine/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp();
});
afterAll(async () => {
  await rmTemp(tmp);
});

const H = 6;
const Wd = 5;
const D = 3;
const LABELS = ['zero', 'one/two', 'three'];

/** Deterministic fake generated data: pixel value encodes (image, pixel). */
function pixel(i: number, p: number): number {
  return ((i * 31 + p * 7) % 101) / 100; // includes 0 and 1
}
function makeSource(total: number, chunkSize: number, labelOf: (i: number) => number, onChunk?: (k: number) => void): GeneratedSource {
  async function* chunks(): AsyncGenerator<GeneratedChunk> {
    for (let start = 0, k = 0; start < total; start += chunkSize, k++) {
      onChunk?.(k);
      const n = Math.min(chunkSize, total - start);
      const images = new Float32Array(n * H * Wd);
      const labels = new Int32Array(n);
      const z = new Float32Array(n * D);
      for (let j = 0; j < n; j++) {
        const i = start + j;
        for (let p = 0; p < H * Wd; p++) images[j * H * Wd + p] = pixel(i, p);
        images[j * H * Wd] = i % 2 ? 1.7 : -0.3; // out of range → clamped
        labels[j] = labelOf(i);
        for (let d = 0; d < D; d++) z[j * D + d] = Math.fround(i + d / 10 - 0.5);
      }
      yield { images, labels, z, count: n };
    }
  }
  return { total, height: H, width: Wd, latentDim: D, labelNames: LABELS, chunks: chunks() };
}
/** The spec's conversion applied to the float32 value the source held. */
const expectedByte = (i: number, p: number) => (p === 0 ? (i % 2 ? 255 : 0) : Math.round(Math.fround(pixel(i, p)) * 255));

const manifest: ExportManifest = {
  runId: 'run-1',
  modelKind: 'cvae',
  latentDim: D,
  dataset: 'mnist',
  seed: 42,
  temperature: 1,
  countPerLabel: { zero: 4, 'one/two': 3, three: 3 },
  created: '2024-01-01T00:00:00.000Z',
  appVersion: '0.1.0',
};

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

async function siblings(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir)).sort();
}

/** Hand-written IDX parser (independent of the app's reader). */
function parseIdx(buf: Uint8Array): { dims: number[]; data: Uint8Array } {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  expect(v.getUint16(0)).toBe(0);
  expect(buf[2]).toBe(0x08);
  const nd = buf[3];
  const dims = Array.from({ length: nd }, (_, i) => v.getUint32(4 + 4 * i, false));
  const data = buf.subarray(4 + 4 * nd);
  expect(data.length).toBe(dims.reduce((a, b) => a * b, 1));
  return { dims, data };
}

/** Hand-written NPY v1 parser. */
function parseNpy(buf: Uint8Array): { descr: string; shape: number[]; fortran: boolean; data: Uint8Array; headerTotal: number } {
  expect(Array.from(buf.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const hlen = buf[8] | (buf[9] << 8);
  const header = new TextDecoder('latin1').decode(buf.subarray(10, 10 + hlen));
  expect(header.endsWith('\n')).toBe(true);
  const descr = /'descr': '([^']+)'/.exec(header)![1];
  const fortran = /'fortran_order': (True|False)/.exec(header)![1] === 'True';
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  return { descr, shape, fortran, data: buf.subarray(10 + hlen), headerTotal: 10 + hlen };
}

describe('imagefolder export', () => {
  it('writes PNGs per label, metadata.csv and manifest.json', async () => {
    const out = path.join(tmp, 'imgf');
    const progress: number[] = [];
    const labelOf = (i: number) => (i === 9 ? -1 : i % 3);
    const r = await writeGeneratedExport('imagefolder', out, makeSource(10, 4, labelOf), manifest, {
      onProgress: (d) => progress.push(d),
    });
    expect(r.out).toBe(out);
    expect(progress).toEqual([0, 4, 8, 10]);
    const files = await listAll(out);
    expect(files).toContain('manifest.json');
    expect(files).toContain('metadata.csv');
    expect(files).toContain('unlabeled/0.png');
    expect(files).toContain('one_two/0.png'); // "/" sanitised
    expect(files.filter((f) => f.endsWith('.png')).length).toBe(10);
    expect([...r.files].sort()).toEqual(files);

    const csv = (await fsp.readFile(path.join(out, 'metadata.csv'), 'utf8')).trim().split('\n');
    // Hugging Face imagefolder: label = the class name (empty when unlabeled), label_index its index.
    expect(csv[0]).toBe('file_name,label,label_index,export_seed,z0,z1,z2');
    expect(csv.length).toBe(11);
    for (let i = 0; i < 10; i++) {
      const cols = csv[1 + i].split(',');
      expect(cols.length).toBe(7);
      const [file, label, labelIndex, seed, ...z] = cols;
      expect(label).toBe(labelOf(i) < 0 ? '' : LABELS[labelOf(i)]);
      expect(Number(labelIndex)).toBe(labelOf(i));
      expect(seed).toBe('42');
      expect(z.map(Number)).toEqual([0, 1, 2].map((d) => Math.fround(i + d / 10 - 0.5)).map((v) => Number(v.toPrecision(7))));
      // decode the PNG with sharp and compare pixels
      const { data, info } = await sharp(path.join(out, file)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([Wd, H]);
      for (let p = 0; p < H * Wd; p++) expect(data[p]).toBe(expectedByte(i, p));
    }
    // PNGs are 8-bit grayscale
    const png = await fsp.readFile(path.join(out, 'zero/0.png'));
    expect([png[24], png[25]]).toEqual([8, 0]);
    const m = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(m.runId).toBe('run-1');
    expect(m.format).toBe('imagefolder');
    expect(m.total).toBe(10);
    expect(m.labelFolders['one/two']).toBe('one_two');
    expect(m.shape).toEqual([H, Wd, 1]);
    expect(await siblings(tmp)).toEqual(['imgf']); // no temp folder left
  });
});

describe('idx export', () => {
  it('writes MNIST-compatible gz files (unlabeled = 255)', async () => {
    const out = path.join(tmp, 'idx');
    await writeGeneratedExport('idx', out, makeSource(7, 3, (i) => (i === 6 ? -1 : i % 3)), manifest);
    expect(await listAll(out)).toEqual(['images-idx3-ubyte.gz', 'labels-idx1-ubyte.gz', 'manifest.json']);
    const imgGz = await fsp.readFile(path.join(out, 'images-idx3-ubyte.gz'));
    expect([imgGz[0], imgGz[1]]).toEqual([0x1f, 0x8b]);
    const images = parseIdx(new Uint8Array(gunzipSync(imgGz)));
    expect(images.dims).toEqual([7, H, Wd]);
    expect(Array.from(gunzipSync(imgGz).subarray(0, 4))).toEqual([0, 0, 8, 3]);
    for (let i = 0; i < 7; i++) for (let p = 0; p < H * Wd; p++) expect(images.data[i * H * Wd + p]).toBe(expectedByte(i, p));
    const labels = parseIdx(new Uint8Array(gunzipSync(await fsp.readFile(path.join(out, 'labels-idx1-ubyte.gz')))));
    expect(labels.dims).toEqual([7]);
    expect(Array.from(labels.data)).toEqual([0, 1, 2, 0, 1, 2, 255]);
    const m = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(m.unlabeledLabel).toBe(255);
  });
});

describe('npz export', () => {
  it('writes images/labels/z .npy members readable by hand', async () => {
    const out = path.join(tmp, 'npz');
    const r = await writeGeneratedExport('npz', out, makeSource(5, 2, (i) => i % 3), manifest);
    expect(r.files.sort()).toEqual(['generated.npz', 'manifest.json']);
    const zip = unzipSync(new Uint8Array(await fsp.readFile(path.join(out, 'generated.npz'))));
    expect(Object.keys(zip).sort()).toEqual(['images.npy', 'label_names.npy', 'labels.npy', 'z.npy']);
    const img = parseNpy(zip['images.npy']);
    expect(img.headerTotal % 64).toBe(0);
    expect(img.descr).toBe('|u1');
    expect(img.fortran).toBe(false);
    expect(img.shape).toEqual([5, H, Wd]);
    for (let i = 0; i < 5; i++) for (let p = 0; p < H * Wd; p++) expect(img.data[i * H * Wd + p]).toBe(expectedByte(i, p));
    const lab = parseNpy(zip['labels.npy']);
    expect(lab.descr).toBe('|u1');
    expect(lab.shape).toEqual([5]);
    expect(Array.from(lab.data)).toEqual([0, 1, 2, 0, 1]);
    const z = parseNpy(zip['z.npy']);
    expect(z.descr).toBe('<f4');
    expect(z.shape).toEqual([5, D]);
    expect(z.headerTotal % 64).toBe(0);
    const zf = new Float32Array(z.data.slice().buffer);
    expect(zf[3 * 2 + 1]).toBe(Math.fround(2 + 0.1 - 0.5));
  });

  it('uses int16 labels when some are unlabeled (-1)', async () => {
    const out = path.join(tmp, 'npz16');
    await writeGeneratedExport('npz', out, makeSource(4, 4, (i) => (i === 2 ? -1 : 1)), manifest);
    const zip = unzipSync(new Uint8Array(await fsp.readFile(path.join(out, 'generated.npz'))));
    const lab = parseNpy(zip['labels.npy']);
    expect(lab.descr).toBe('<i2');
    expect(Array.from(new Int16Array(lab.data.slice().buffer))).toEqual([1, 1, -1, 1]);
  });

  const py = '/usr/bin/python3';
  const hasNumpy = spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasNumpy)(`numpy reads the npz${hasNumpy ? '' : ' (skipped: /usr/bin/python3 cannot import numpy)'}`, async () => {
    const out = path.join(tmp, 'npz-numpy');
    await writeGeneratedExport('npz', out, makeSource(9, 4, (i) => (i === 8 ? -1 : i % 3)), manifest);
    const script = [
      'import numpy as np, sys, json',
      'd = np.load(sys.argv[1])',
      'print(json.dumps({k: [str(d[k].dtype), list(d[k].shape)] for k in d.files} | {"img": int(d["images"][3,2,1]), "lab": d["labels"].tolist(), "z42": float(d["z"][4,2]), "names": d["label_names"].tolist()}))',
    ].join('\n');
    const res = JSON.parse(execFileSync(py, ['-c', script, path.join(out, 'generated.npz')], { encoding: 'utf8' }));
    expect(res.images).toEqual(['uint8', [9, H, Wd]]);
    expect(res.labels).toEqual(['int16', [9]]);
    expect(res.z).toEqual(['float32', [9, D]]);
    expect(res.img).toBe(expectedByte(3, 2 * Wd + 1));
    expect(res.lab).toEqual([0, 1, 2, 0, 1, 2, 0, 1, -1]);
    expect(res.z42).toBe(Math.fround(4 + 0.2 - 0.5));
    // The class names inside the file (a '<U7' array: 'one/two' is the longest), as np.array(names) saves them.
    expect(res.label_names).toEqual(['<U7', [3]]);
    expect(res.names).toEqual(LABELS);
  });

  it('a generated.npz shared without its manifest.json re-imports with its class names (label_names), not as 0, 1, 2', async () => {
    const out = path.join(tmp, 'npz-names');
    const names = ['café ü', 'a,b', '10'];
    const src = { ...makeSource(12, 4, (i) => i % 3), labelNames: names };
    await writeGeneratedExport('npz', out, src, manifest);
    const zip = unzipSync(new Uint8Array(await fsp.readFile(path.join(out, 'generated.npz'))));
    const lab = parseNpy(zip['label_names.npy']);
    expect(lab.descr).toBe('<U6');
    expect(lab.shape).toEqual([3]);
    const alone = path.join(tmp, 'npz-alone.npz');
    await fsp.copyFile(path.join(out, 'generated.npz'), alone);
    clearDatasetMemo();
    const d = await loadDataset({ id: 'local', path: alone, import: { size: 'auto', channels: 'auto', fit: 'pad', preprocess: 'auto', transpose: false } }, { dataDir: tmp });
    expect(d.info.labelNames).toEqual(names);
  });
});

describe('atomic behaviour', () => {
  it('cancel after the first chunk leaves neither out nor a temp folder', async () => {
    const parent = path.join(tmp, 'cancel');
    await fsp.mkdir(parent);
    for (const format of ['imagefolder', 'idx', 'npz'] as const) {
      const ctrl = new AbortController();
      const err = await writeGeneratedExport(format, path.join(parent, `out-${format}`), makeSource(12, 4, (i) => i % 3), manifest, {
        signal: ctrl.signal,
        onProgress: (done) => done >= 4 && ctrl.abort(),
      }).catch((e) => e);
      expect(err).toBeInstanceOf(LabError);
      expect(err.code).toBe('CANCELLED');
      expect(await siblings(parent)).toEqual([]);
    }
  });

  it('a source failure removes the temp folder and passes the error through', async () => {
    const parent = path.join(tmp, 'srcfail');
    await fsp.mkdir(parent);
    const src = makeSource(12, 4, (i) => i % 3, (k) => {
      if (k === 2) throw new Error('decoder exploded');
    });
    const err = await writeGeneratedExport('imagefolder', path.join(parent, 'out'), src, manifest).catch((e) => e);
    expect(err.message).toBe('decoder exploded');
    expect(await siblings(parent)).toEqual([]);
  });

  it('ENOSPC through the fs seam → IO error, nothing left', async () => {
    const parent = path.join(tmp, 'enospc');
    await fsp.mkdir(parent);
    let writes = 0;
    const fs: FsSeam = {
      writeFile: async (f, d) => {
        if (++writes === 3) {
          const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
          e.code = 'ENOSPC';
          throw e;
        }
        await fsp.writeFile(f, d);
      },
      mkdir: (d) => fsp.mkdir(d).then(() => undefined),
      rename: (a, b) => fsp.rename(a, b),
      rm: (t, o) => fsp.rm(t, o),
    };
    for (const format of ['imagefolder', 'idx', 'npz'] as const) {
      writes = format === 'imagefolder' ? 0 : 2; // idx/npz: fail on the first write
      const err = await writeGeneratedExport(format, path.join(parent, 'out'), makeSource(8, 4, (i) => i % 3), manifest, { fs }).catch((e) => e);
      expect(err).toBeInstanceOf(LabError);
      expect(err.code).toBe('IO');
      expect(err.message).toMatch(/^no space left on device while writing .*out/);
      expect(await siblings(parent)).toEqual([]);
    }
  });

  it('refuses an existing export without overwrite; overwrite replaces only an export; empty target is fine', async () => {
    const parent = path.join(tmp, 'exists');
    const out = path.join(parent, 'out');
    await fsp.mkdir(out, { recursive: true });
    // empty folder: allowed
    await writeGeneratedExport('idx', out, makeSource(3, 3, () => 0), manifest);
    const before = await fsp.readFile(path.join(out, 'images-idx3-ubyte.gz'));
    const err = await writeGeneratedExport('idx', out, makeSource(3, 3, () => 0), manifest).catch((e) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err.code).toBe('EXISTS');
    expect(err.message).toMatch(/already holds a Latent Lab export; allow overwriting/);
    // a failing overwrite keeps the old content
    const ctrl = new AbortController();
    const cancelled = await writeGeneratedExport('imagefolder', out, makeSource(8, 4, () => 1), manifest, {
      overwrite: true,
      signal: ctrl.signal,
      onProgress: (d) => d > 0 && ctrl.abort(),
    }).catch((e) => e);
    expect(cancelled.code).toBe('CANCELLED');
    expect(await fsp.readFile(path.join(out, 'images-idx3-ubyte.gz'))).toEqual(before);
    // a file of the user's in the export: never replaced, even with overwrite
    await fsp.writeFile(path.join(out, 'keep.txt'), 'mine');
    const foreign = await writeGeneratedExport('imagefolder', out, makeSource(2, 2, () => 1), manifest, { overwrite: true }).catch((e) => e);
    expect(foreign.code).toBe('EXISTS');
    expect(foreign.message).toMatch(/plus files the export did not write \(keep\.txt\)/);
    expect(await fsp.readFile(path.join(out, 'keep.txt'), 'utf8')).toBe('mine');
    await fsp.rm(path.join(out, 'keep.txt'));
    // overwrite replaces an export (and an imagefolder export in turn)
    await writeGeneratedExport('imagefolder', out, makeSource(2, 2, () => 1), manifest, { overwrite: true });
    expect(await listAll(out)).toEqual(['manifest.json', 'metadata.csv', 'one_two/0.png', 'one_two/1.png']);
    await writeGeneratedExport('npz', out, makeSource(2, 2, () => 1), manifest, { overwrite: true });
    expect(await listAll(out)).toEqual(['generated.npz', 'manifest.json']);
    expect(await siblings(parent)).toEqual(['out']);
  });

  it('cleanStaleTemps: dead temp folders removed, a dead old export put back when its target is gone, live ones kept', async () => {
    const parent = path.join(tmp, 'stale');
    await fsp.mkdir(parent);
    // a pid that is surely not running (above the usual pid_max)
    await fsp.mkdir(path.join(parent, '.out.latentlab-tmp-99999999-abcd1234', 'zero'), { recursive: true });
    await fsp.mkdir(path.join(parent, '.out.latentlab-old-99999999-abcd1234'));
    await fsp.writeFile(path.join(parent, '.out.latentlab-old-99999999-abcd1234', 'thesis.txt'), 'precious');
    // an old folder beside a present target that is not only an export: left alone
    await fsp.mkdir(path.join(parent, 'y'));
    await fsp.mkdir(path.join(parent, '.y.latentlab-old-99999999-abcd1234'));
    await fsp.writeFile(path.join(parent, '.y.latentlab-old-99999999-abcd1234', 'notes.txt'), 'mine');
    // a live process (this one's parent) — kept
    await fsp.mkdir(path.join(parent, `.x.latentlab-tmp-${process.ppid}-00ff00ff`));
    await fsp.mkdir(path.join(parent, 'normal-folder'));
    expect(await cleanStaleTemps(parent)).toBe(2);
    expect(await siblings(parent)).toEqual([`.x.latentlab-tmp-${process.ppid}-00ff00ff`, '.y.latentlab-old-99999999-abcd1234', 'normal-folder', 'out', 'y']);
    expect(await fsp.readFile(path.join(parent, 'out', 'thesis.txt'), 'utf8')).toBe('precious');
    expect(await cleanStaleTemps(path.join(tmp, 'missing'))).toBe(0);
  });
});

describe('embeddings export', () => {
  it('writes vectors.tsv, metadata.tsv, sprite.png and projector config', async () => {
    const out = path.join(tmp, 'emb');
    const count = 5;
    const vectors = Float32Array.from({ length: count * 2 }, (_, i) => i / 4);
    const labels = Int32Array.from([0, 1, 2, -1, 0]);
    const images = Float32Array.from({ length: count * H * Wd }, (_, i) => ((i * 13) % 11) / 10);
    await writeEmbeddings(out, { vectors, dim: 2, labels, labelNames: LABELS, images, height: H, width: Wd, count });
    expect(await listAll(out)).toEqual(['manifest.json', 'metadata.tsv', 'projector_config.json', 'projector_config.pbtxt', 'sprite.png', 'vectors.tsv']);
    const m = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({ format: 'embeddings', count: 5, dim: 2 });
    expect(m.exportContents.files.sort()).toEqual(['metadata.tsv', 'projector_config.json', 'projector_config.pbtxt', 'sprite.png', 'vectors.tsv']);
    const vec = (await fsp.readFile(path.join(out, 'vectors.tsv'), 'utf8')).trim().split('\n');
    expect(vec.length).toBe(count);
    expect(vec[1].split('\t').map(Number)).toEqual([0.5, 0.75]);
    const meta = (await fsp.readFile(path.join(out, 'metadata.tsv'), 'utf8')).trim().split('\n');
    expect(meta[0]).toBe('label\tlabel_index');
    expect(meta.slice(1)).toEqual(['zero\t0', 'one/two\t1', 'three\t2', 'unlabeled\t-1', 'zero\t0']);
    const { data, info } = await sharp(path.join(out, 'sprite.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([3 * Wd, 2 * H]); // 3 columns, 2 rows
    // image 4 sits at column 1, row 1; inverted (ink dark)
    const v = images[4 * H * Wd + 2 * Wd + 3];
    expect(data[(H + 2) * 3 * Wd + Wd + 3]).toBe(255 - Math.round(v * 255));
    const pb = await fsp.readFile(path.join(out, 'projector_config.pbtxt'), 'utf8');
    expect(pb).toMatch(/tensor_path: "vectors.tsv"/);
    expect(pb).toMatch(/metadata_path: "metadata.tsv"/);
    expect(pb).toMatch(/single_image_dim: 5\n\s*single_image_dim: 6/);
    const json = JSON.parse(await fsp.readFile(path.join(out, 'projector_config.json'), 'utf8'));
    expect(json.embeddings[0].tensorShape).toEqual([5, 2]);
  });

  it('without labels or images: only vectors and config', async () => {
    const out = path.join(tmp, 'emb2');
    await writeEmbeddings(out, { vectors: new Float32Array(6), dim: 3, labels: Int32Array.from([-1, -1]), labelNames: [], count: 2 });
    expect(await listAll(out)).toEqual(['manifest.json', 'projector_config.json', 'projector_config.pbtxt', 'vectors.tsv']);
  });
});

describe('what overwrite may replace (destination rules)', () => {
  const legacy: Record<string, { files: Record<string, string>; manifest: Record<string, unknown> }> = {
    imagefolder: {
      files: { 'metadata.csv': 'file_name,label\n', 'zero/0.png': 'png', 'zero/1.png': 'png', 'unlabeled/0.png': 'png' },
      manifest: { format: 'imagefolder', labelFolders: { zero: 'zero' }, unlabeledFolder: 'unlabeled' },
    },
    idx: { files: { 'images-idx3-ubyte.gz': 'i', 'labels-idx1-ubyte.gz': 'l' }, manifest: { format: 'idx' } },
    npz: { files: { 'generated.npz': 'z' }, manifest: { format: 'npz', npz: 'generated.npz' } },
  };

  it.each(Object.keys(legacy))('a %s export from before exportContents is recognised and replaced; one extra file is not', async (format) => {
    const out = path.join(tmp, `legacy-${format}`);
    const { files, manifest: m } = legacy[format];
    for (const [rel, text] of Object.entries(files)) {
      await fsp.mkdir(path.dirname(path.join(out, rel)), { recursive: true });
      await fsp.writeFile(path.join(out, rel), text);
    }
    await fsp.writeFile(path.join(out, 'manifest.json'), JSON.stringify({ ...manifest, total: 3, ...m }));
    await fsp.writeFile(path.join(out, 'README.md'), 'mine');
    const err = await writeGeneratedExport('idx', out, makeSource(2, 2, () => 0), manifest, { overwrite: true }).catch((e) => e);
    expect(err.code).toBe('EXISTS');
    expect(err.message).toMatch(/plus files the export did not write \(README\.md\)/);
    await fsp.rm(path.join(out, 'README.md'));
    await writeGeneratedExport('idx', out, makeSource(2, 2, () => 0), manifest, { overwrite: true });
    expect(await listAll(out)).toEqual(['images-idx3-ubyte.gz', 'labels-idx1-ubyte.gz', 'manifest.json']);
  });

  it('a manifest.json that is not an export\'s, a link or a folder inside an export, and protected folders are refused', async () => {
    const parent = path.join(tmp, 'rules');
    const npm = path.join(parent, 'my-package');
    await fsp.mkdir(npm, { recursive: true });
    await fsp.writeFile(path.join(npm, 'manifest.json'), JSON.stringify({ name: 'my-package', version: '1.0.0' }));
    expect(await checkDestination(npm, { overwrite: true }).catch((e) => e.message)).toMatch(/my-package is not empty \(manifest\.json\) and is not a Latent Lab export/);

    const out = path.join(parent, 'gen');
    await writeGeneratedExport('imagefolder', out, makeSource(4, 4, (i) => i % 3), manifest);
    expect(await checkDestination(out, { overwrite: true })).toBe('export');
    await fsp.symlink('/etc', path.join(out, 'zero', '2.png'));
    await fsp.mkdir(path.join(out, 'three', 'drafts'));
    const msg = await checkDestination(out, { overwrite: true }).catch((e) => e.message);
    expect(msg).toMatch(/zero\/2\.png/);
    expect(msg).toMatch(/three\/drafts\//);
    expect(await isOnlyExport(out)).toBe(false);

    const protect = [{ dir: path.join(parent, 'ws', 'datasets'), what: 'the dataset cache' }];
    for (const [dest, why] of [
      [path.join(parent, 'ws', 'datasets'), /is the dataset cache/],
      [path.join(parent, 'ws'), /contains the dataset cache/],
      [path.join(parent, 'ws', 'datasets', 'mnist', 'x'), /is inside the dataset cache/],
    ] as const) {
      const e = await checkDestination(dest, { protect }).catch((x) => x);
      expect(e.code, dest).toBe('INVALID_PAYLOAD');
      expect(e.message, dest).toMatch(why);
    }
    expect(await checkDestination(path.join(parent, 'ws-other'), { protect })).toBe('absent');
  });
});
