/**
 * Exports keep the images' shape: colour imagefolder PNGs are RGB, NPZ `images` is N×H×W×3, IDX
 * is a 4-D ubyte array, the projector sprite is in colour, and the manifest records [H, W, C].
 * And each colour export re-imports as the same data (issue #12 case 4): the imagefolder with
 * its class names (numbers 1…12 in natural order), NPZ and IDX with the same pixels per class.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { writeEmbeddings, writeGeneratedExport, type ExportManifest, type GeneratedSource } from '../../src-main/engine/export';
import { makeTemp, rmTemp } from '../fixtures/generate';
import { rowsF32 } from '../../src-main/engine/datasets/rows';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-export-shapes-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

const S = 32;
const C = 3;
const PX = S * S * C;
/** Classes named by numbers, listed in natural order (as the importer sorts them). */
const NAMES = Array.from({ length: 12 }, (_, i) => String(i + 1));
const PER = 3;

/** A colour picture per (class, variant): a coloured square on a tinted ground, every image distinct, bytes exact. */
function picture(k: number, v: number): Uint8Array {
  const out = new Uint8Array(PX);
  const x0 = 4 + ((k * 5 + v * 3) % 14);
  const y0 = 4 + ((k * 3 + v * 7) % 14);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const inside = x >= x0 && x < x0 + 10 && y >= y0 && y < y0 + 10;
      const o = (y * S + x) * C;
      out[o] = inside ? 40 + k * 17 : 200 - v * 20;
      out[o + 1] = inside ? 220 - k * 13 : 90 + y;
      out[o + 2] = inside ? (k * 71 + v * 29) % 256 : 60 + x;
    }
  }
  return out;
}

const bytes = new Uint8Array(NAMES.length * PER * PX);
const labels = new Int32Array(NAMES.length * PER);
for (let k = 0; k < NAMES.length; k++) {
  for (let v = 0; v < PER; v++) {
    const i = k * PER + v;
    bytes.set(picture(k, v), i * PX);
    labels[i] = k;
  }
}

function source(): GeneratedSource {
  const n = labels.length;
  async function* chunks() {
    // Two chunks: the writers must carry the shape across chunk borders.
    const half = 17;
    for (const [a, b] of [
      [0, half],
      [half, n],
    ]) {
      yield {
        images: Float32Array.from(bytes.subarray(a * PX, b * PX), (v) => v / 255),
        labels: labels.slice(a, b),
        z: new Float32Array((b - a) * 2),
        count: b - a,
      };
    }
  }
  return { total: n, height: S, width: S, channels: 3, latentDim: 2, labelNames: NAMES, chunks: chunks() };
}

const manifest: ExportManifest = {
  runId: 'r',
  modelKind: 'cvae',
  latentDim: 2,
  dataset: 'local',
  seed: 1,
  temperature: 1,
  countPerLabel: {},
  created: '2024-01-01T00:00:00.000Z',
  appVersion: 't',
};

const load = (p: string) => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p }, { dataDir: tmp });
};

/** Every image of both splits (bytes, base64, sorted) per class name. */
function imagesByClass(d: LoadedDataset, names = d.info.labelNames): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.count; i++) {
      const key = Buffer.from(Array.from(rowsF32(s.x, d.inputDim, i, 1), (v) => Math.round(v * 255))).toString('base64');
      (out[names[s.y[i]]] ??= []).push(key);
    }
  }
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

function expected(names: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < labels.length; i++) (out[names[labels[i]]] ??= []).push(Buffer.from(bytes.subarray(i * PX, (i + 1) * PX)).toString('base64'));
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

describe('colour exports keep [H, W, 3]', () => {
  it('imagefolder: RGB PNGs in folders named by the labels, metadata.csv with label names, re-imported unchanged', async () => {
    const out = path.join(tmp, 'imgf');
    await writeGeneratedExport('imagefolder', out, source(), manifest);
    const m = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(m.shape).toEqual([S, S, 3]);
    expect(m.channels).toBe(3);
    // folder = label, PNG colour type 2 (RGB), pixels exact
    const png = await fsp.readFile(path.join(out, '10', '00.png'));
    expect([png[24], png[25]]).toEqual([8, 2]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([S, S, 3]);
    expect(Buffer.compare(data, Buffer.from(picture(9, 0)))).toBe(0);
    const csv = (await fsp.readFile(path.join(out, 'metadata.csv'), 'utf8')).trim().split('\n');
    expect(csv[0].startsWith('file_name,label,label_index,')).toBe(true);
    expect(csv.find((l) => l.startsWith('10/00.png,'))?.split(',').slice(1, 3)).toEqual(['10', '9']);

    const d = await load(out);
    expect(d.report.kind).toBe('hf-imagefolder');
    expect(d.shape).toEqual([S, S, 3]);
    expect(d.info.labelNames).toEqual(NAMES);
    expect(d.report.classes.map((c) => [c.name, c.train + c.test])).toEqual(NAMES.map((n) => [n, PER]));
    expect(d.report.skipped).toEqual({});
    expect(imagesByClass(d)).toEqual(expected(NAMES));
  });

  it('npz: images uint8 N×H×W×3, re-imported with the same pixels per label', async () => {
    const out = path.join(tmp, 'npz');
    await writeGeneratedExport('npz', out, source(), manifest);
    const zip = unzipSync(await fsp.readFile(path.join(out, 'generated.npz')));
    const header = new TextDecoder('latin1').decode(zip['images.npy'].subarray(10, 10 + (zip['images.npy'][8] | (zip['images.npy'][9] << 8))));
    expect(header).toMatch(new RegExp(`'shape': \\(${labels.length}, ${S}, ${S}, 3\\)`));
    const m = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(m.shape).toEqual([S, S, 3]);
    expect(m.arrays.images).toContain(`[${labels.length}, ${S}, ${S}, 3]`);
    const d = await load(path.join(out, 'generated.npz'));
    expect(d.shape).toEqual([S, S, 3]);
    // the manifest.json beside it gives the label names back
    expect(d.info.labelNames).toEqual(NAMES);
    expect(imagesByClass(d)).toEqual(expected(NAMES));
  });

  it('idx: a 4-D ubyte array (N, H, W, 3) in images-idx4-ubyte.gz, re-imported with the same pixels', async () => {
    const out = path.join(tmp, 'idx');
    const r = await writeGeneratedExport('idx', out, source(), manifest);
    expect(r.files.sort()).toEqual(['images-idx4-ubyte.gz', 'labels-idx1-ubyte.gz', 'manifest.json']);
    const raw = gunzipSync(await fsp.readFile(path.join(out, 'images-idx4-ubyte.gz')));
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    expect([raw[2], raw[3]]).toEqual([0x08, 4]);
    expect([0, 1, 2, 3].map((i) => v.getUint32(4 + 4 * i, false))).toEqual([labels.length, S, S, 3]);
    expect(Buffer.compare(raw.subarray(20), Buffer.from(bytes))).toBe(0);
    const d = await load(out);
    expect(d.report.kind).toBe('idx');
    expect(d.shape).toEqual([S, S, 3]);
    // the manifest.json beside the files gives the label names back (as for NPZ)
    expect(d.info.labelNames).toEqual(NAMES);
    expect(imagesByClass(d)).toEqual(expected(NAMES));
  });

  it('grey exports stay N×H×W (MNIST layout) and say [H, W, 1]', async () => {
    const grey = bytes.filter((_, i) => i % 3 === 0);
    async function* chunks() {
      yield { images: Float32Array.from(grey, (v) => v / 255), labels: labels.slice(), z: new Float32Array(labels.length * 2), count: labels.length };
    }
    const out = path.join(tmp, 'idx-grey');
    const r = await writeGeneratedExport('idx', out, { total: labels.length, height: S, width: S, latentDim: 2, labelNames: NAMES, chunks: chunks() }, manifest);
    expect(r.files).toContain('images-idx3-ubyte.gz');
    const raw = gunzipSync(await fsp.readFile(path.join(out, 'images-idx3-ubyte.gz')));
    expect(raw[3]).toBe(3);
    expect(JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8')).shape).toEqual([S, S, 1]);
  });

  it('the projector sprite is an RGB PNG with each thumbnail in its colours', async () => {
    const out = path.join(tmp, 'emb');
    const n = 5;
    await writeEmbeddings(out, {
      vectors: new Float32Array(n * 2),
      dim: 2,
      labels: labels.slice(0, n),
      labelNames: NAMES,
      images: Float32Array.from(bytes.subarray(0, n * PX), (v) => v / 255),
      height: S,
      width: S,
      channels: 3,
      count: n,
    });
    const png = await fsp.readFile(path.join(out, 'sprite.png'));
    expect(png[25]).toBe(2);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    // 5 thumbnails → 3 columns × 2 rows; thumbnail 4 at column 1, row 1; the empty cell white
    expect([info.width, info.height, info.channels]).toEqual([3 * S, 2 * S, 3]);
    const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
    const p4 = picture(1, 1);
    for (const [x, y] of [
      [0, 0],
      [7, 20],
      [31, 31],
    ]) {
      expect(at(S + x, S + y)).toEqual(Array.from(p4.subarray((y * S + x) * 3, (y * S + x) * 3 + 3)));
    }
    expect(at(2 * S + 5, S + 5)).toEqual([255, 255, 255]);
    expect(JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8')).shape).toEqual([S, S, 3]);
  });
});
