/**
 * Decoding and preprocessing under the importers: the in-thread PNG path gives sharp's pixels
 * for every PNG kind it takes, BMP (bmp-ts) and TIFF (sharp) read, `preprocessForDataset` crops,
 * pads and converts colour as the dataset did; hand-placed MNIST files are taken raw or
 * re-compressed when their structure is the published one, never renamed.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode as encodeBmp } from 'bmp-ts';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIdx } from '../../src-main/engine/datasets/idx';
import { IDX_SOURCES, loadIdxSource, type IdxSource } from '../../src-main/engine/datasets/remote';
import { decodeRaw } from '../../src-main/engine/images/decode';
import { decodePngFast } from '../../src-main/engine/images/png';
import { preprocessForDataset } from '../../src-main/engine/images/preprocess';
import { looksLikeInk } from '../../src-main/engine/images/mnistStyle';
import { glyphMask, unevenlyLit } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-import-decode-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

/** A noisy, structured test picture with `channels` channels. */
function picture(w: number, h: number, channels: number): Buffer {
  const px = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < channels; c++) px[(y * w + x) * channels + c] = (x * 9 + y * 5 + c * 70 + ((x * y) % 7) * 11) & 255;
  return px;
}

describe('the in-thread PNG path', () => {
  const W = 23;
  const H = 17;
  it.each([
    ['grey', 1, {}],
    ['grey + alpha', 2, {}],
    ['RGB', 3, {}],
    ['RGBA', 4, {}],
    ['RGB, every row filter', 3, { adaptiveFiltering: true }],
  ] as const)('%s: the same pixels as sharp', async (_n, channels, opts) => {
    const png = await sharp(picture(W, H, channels), { raw: { width: W, height: H, channels } }).png({ compressionLevel: 9, ...opts }).toBuffer();
    const fast = decodePngFast(new Uint8Array(png), 1e6);
    expect(fast).not.toBeNull();
    const ref = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(fast!.channels).toBe(ref.info.channels);
    expect(Buffer.from(fast!.data).equals(ref.data)).toBe(true);
  });

  it('palette PNGs (8-bit and 1-bit) expand to their colours', async () => {
    for (const colours of [200, 2]) {
      const png = await sharp(picture(W, H, 3), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours, dither: 0 }).toBuffer();
      const fast = decodePngFast(new Uint8Array(png), 1e6)!;
      const ref = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect(fast.channels).toBe(ref.info.channels);
      expect(Buffer.from(fast.data).equals(ref.data)).toBe(true);
    }
  });

  it('a 16-bit or truncated PNG is left to sharp', async () => {
    const g16 = await sharp(picture(W, H, 1), { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    expect(decodePngFast(new Uint8Array(g16), 1e6)).toBeNull();
    const png = await sharp(picture(W, H, 1), { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
    expect(decodePngFast(new Uint8Array(png.subarray(0, png.length - 20)), 1e6)).toBeNull();
    await expect(decodeRaw(new Uint8Array(png.subarray(0, png.length - 20)))).rejects.toThrow(/truncated or corrupt PNG/);
  });
});

describe('BMP and TIFF', () => {
  it('24-bit and 32-bit BMPs read as RGB (bottom-up rows, BGR order undone)', async () => {
    const W = 6;
    const H = 4;
    const abgr = Buffer.alloc(W * H * 4);
    for (let i = 0; i < W * H; i++) abgr.set([0, 200, 100, i * 10], i * 4); // A B G R
    const b24 = await decodeRaw(new Uint8Array(encodeBmp({ data: abgr, width: W, height: H, bitPP: 24 }).data));
    expect([b24.width, b24.height, b24.channels]).toEqual([W, H, 3]);
    expect(Array.from(b24.data.subarray(3, 6))).toEqual([10, 100, 200]);
    // A hand-made 32-bit BMP (BITMAPINFOHEADER, BI_RGB): 2×1 pixels stored as B G R X, bottom-up.
    const hdr = Buffer.alloc(54);
    hdr.write('BM', 0);
    hdr.writeUInt32LE(62, 2);
    hdr.writeUInt32LE(54, 10);
    hdr.writeUInt32LE(40, 14);
    hdr.writeInt32LE(2, 18);
    hdr.writeInt32LE(1, 22);
    hdr.writeUInt16LE(1, 26);
    hdr.writeUInt16LE(32, 28);
    const b32 = await decodeRaw(new Uint8Array(Buffer.concat([hdr, Buffer.from([10, 20, 30, 0, 40, 50, 60, 0])])));
    expect(b32.channels).toBe(3);
    expect(Array.from(b32.data)).toEqual([30, 20, 10, 60, 50, 40]);
  });

  it('an RGB TIFF reads as RGB', async () => {
    const tif = await sharp(picture(9, 7, 3), { raw: { width: 9, height: 7, channels: 3 } }).tiff({ compression: 'lzw' }).toBuffer();
    const img = await decodeRaw(new Uint8Array(tif));
    expect([img.width, img.height, img.channels]).toEqual([9, 7, 3]);
    expect(Buffer.from(img.data).equals(picture(9, 7, 3))).toBe(true);
  });
});

describe('what looks like an ink drawing (the auto choice of MNIST-style preprocessing)', () => {
  it('a drawing, evenly lit or not, does; a grey photograph-like texture does not', () => {
    const side = 88;
    const drawing = glyphMask(4, side).map((v) => (v ? 25 : 235));
    expect(looksLikeInk({ width: side, height: side, data: drawing })).toBe(true);
    expect(looksLikeInk({ width: side, height: side, data: unevenlyLit(drawing, side) })).toBe(true);
    const photo = new Uint8Array(64 * 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) photo[y * 64 + x] = Math.round(128 + 60 * Math.sin(x / 5) * Math.cos(y / 7) + 30 * Math.sin((x + y) / 2));
    expect(looksLikeInk({ width: 64, height: 64, data: photo })).toBe(false);
  });
});

describe('preprocessForDataset', () => {
  const wide = async () => new Uint8Array(await sharp(picture(64, 32, 3), { raw: { width: 64, height: 32, channels: 3 } }).png().toBuffer());

  it('crop keeps the centre square; pad keeps everything, bordered in the border colour', async () => {
    const crop = await preprocessForDataset(await wide(), { size: 32, channels: 3, fit: 'crop', preprocess: 'plain', transpose: false });
    expect(crop.length).toBe(32 * 32 * 3);
    const src = picture(64, 32, 3);
    // the crop is the source's columns 16…47, unscaled
    expect(Math.round(crop[0] * 255)).toBe(src[16 * 3]);
    const pad = await preprocessForDataset(await wide(), { size: 32, channels: 3, fit: 'pad', preprocess: 'plain', transpose: false });
    const top = Array.from(pad.subarray(0, 32 * 3));
    expect(new Set(top.map((v, i) => (i % 3 === 0 ? v : -1)).filter((v) => v >= 0)).size).toBe(1); // a uniform padding row
  });

  it('grey for a grey dataset, the grey repeated for an RGB one under MNIST-style', async () => {
    const grey = await preprocessForDataset(await wide(), { size: 28, channels: 1, fit: 'crop', preprocess: 'plain', transpose: false });
    expect(grey.length).toBe(784);
    const ink = new Uint8Array(await sharp({ create: { width: 40, height: 40, channels: 3, background: '#fff' } }).composite([{ input: Buffer.from('<svg width="40" height="40"><rect x="15" y="5" width="8" height="30" fill="#000"/></svg>'), top: 0, left: 0 }]).png().toBuffer());
    const rgb = await preprocessForDataset(ink, { size: 28, channels: 3, fit: 'crop', preprocess: 'mnist-style', transpose: false });
    expect(rgb.length).toBe(28 * 28 * 3);
    for (let i = 0; i < 784; i++) expect(rgb[3 * i]).toBe(rgb[3 * i + 2]);
    expect(Math.max(...rgb)).toBeGreaterThan(0.9);
  });
});

describe('mnist-full / fashion-mnist placed by hand', () => {
  /** A tiny stand-in for a published set: files whose published SHA-256 are those of `gz`. */
  function tinySet(): { src: IdxSource; raw: Record<string, Uint8Array>; gz: Record<string, Uint8Array> } {
    const base = IDX_SOURCES['mnist-full'];
    const n = { train: 12, test: 4 };
    const raw: Record<string, Uint8Array> = {};
    const gz: Record<string, Uint8Array> = {};
    for (const f of base.files) {
      const count = n[f.split];
      const bytes = f.kind === 'images' ? writeIdx([count, 28, 28], new Uint8Array(count * 784).map((_, i) => i % 251)) : writeIdx([count], new Uint8Array(count).map((_, i) => i % 10));
      raw[f.name] = bytes;
      gz[f.name] = new Uint8Array(gzipSync(bytes, { level: 9 }));
    }
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const src: IdxSource = { ...base, trainCount: n.train, testCount: n.test, baseUrl: 'https://mirror.invalid/', files: base.files.map((f) => ({ ...f, sha256: sha(gz[f.name]), size: gz[f.name].length })) };
    return { src, raw, gz };
  }
  const noFetch = (async () => {
    throw new Error('no network in this test');
  }) as unknown as typeof fetch;

  it('the published .gz files: verified by SHA-256', async () => {
    const { src, gz } = tinySet();
    const dir = path.join(tmp, 'sha', 'mnist-full');
    await fsp.mkdir(dir, { recursive: true });
    for (const [name, b] of Object.entries(gz)) await fsp.writeFile(path.join(dir, name), b);
    const r = await loadIdxSource(src, { dataDir: path.join(tmp, 'sha'), fetchImpl: noFetch });
    expect(r.verified).toBe('sha256');
    expect(r.warnings).toEqual([]);
  });

  it('raw, or re-compressed, with the published structure: accepted, checked by structure, files untouched', async () => {
    const { src, raw, gz } = tinySet();
    const dir = path.join(tmp, 'structure', 'mnist-full');
    await fsp.mkdir(dir, { recursive: true });
    const names = Object.keys(raw);
    await fsp.writeFile(path.join(dir, names[0].replace(/\.gz$/, '')), raw[names[0]]); // raw
    await fsp.writeFile(path.join(dir, names[1]), gzipSync(raw[names[1]], { level: 1 })); // re-compressed
    for (const name of names.slice(2)) await fsp.writeFile(path.join(dir, name), gz[name]);
    const before = (await fsp.readdir(dir)).sort();
    const r = await loadIdxSource(src, { dataDir: path.join(tmp, 'structure'), fetchImpl: noFetch });
    expect(r.verified).toBe('structure');
    expect(r.warnings.join()).toMatch(/checked by their IDX structure \(counts and shape\), not by the published SHA-256/);
    expect([r.train.count, r.test.count]).toEqual([12, 4]);
    expect((await fsp.readdir(dir)).sort()).toEqual(before);
  });

  it('a file of another shape is named, with what was found and expected', async () => {
    const { src, gz } = tinySet();
    const dir = path.join(tmp, 'wrong', 'mnist-full');
    await fsp.mkdir(dir, { recursive: true });
    for (const [name, b] of Object.entries(gz)) await fsp.writeFile(path.join(dir, name), b);
    await fsp.writeFile(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(writeIdx([12, 32, 32], new Uint8Array(12 * 1024))));
    const err = await loadIdxSource(src, { dataDir: path.join(tmp, 'wrong'), fetchImpl: noFetch }).catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe(
      `${path.join(dir, 'train-images-idx3-ubyte.gz')} is not MNIST (full, 70,000)'s train-images-idx3-ubyte: found IDX ubyte [12, 32, 32] in 12304 bytes, expected IDX ubyte [12, 28, 28] in 9424 bytes (the published train-images-idx3-ubyte.gz has SHA-256 ${src.files[0].sha256.slice(0, 12)}…). Nothing was changed; replace or remove the file.`,
    );
    expect(await fsp.readdir(dir)).toContain('train-images-idx3-ubyte.gz');
  });
});
