/**
 * NPZ and IDX exports are streamed (a batch at a time, never whole in memory) and refused up
 * front when they cannot be written: an NPZ past 4 GiB (fflate writes no ZIP64: the archive would
 * be corrupt yet reported done), or more than the free space — PNG folders too, by an upper bound
 * of their PNGs, metadata.csv, manifest and folders in whole disk blocks (imageFolderSize.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Gzip, gzipSync, unzipSync, Zip, ZipDeflate } from 'fflate';
import { imageFolderExportBytes, writeGeneratedExport, nodeFs, type ExportManifest, type FsSeam, type GeneratedChunk, type GeneratedSource } from '../../src-main/engine/export';
import { checkFreeSpace, checkNpzSize, diskSpace, exportDiskBytes, freeBytes, MAX_ALLOCATION_BLOCK, NPZ_LIMIT_BYTES, npzRawBytes } from '../../src-main/engine/export/streamed';
import { fmt } from '../../src-main/engine/export/text';
import { imageFolderDiskBytes, MAX_FLOAT_FIELD, pngBytesBound } from '../../src-main/engine/export/imageFolderSize';
import { leBytes, npyHeader, npyStrings } from '../../src-main/engine/export/npy';
import { idxHeader, readIdx, writeIdx } from '../../src-main/engine/datasets/idx';
import { encodePng, toBytes } from '../../src-main/engine/images';
import { LabError } from '../../src-shared/types';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp();
});
afterAll(async () => {
  await rmTemp(tmp);
});
afterEach(() => {
  vi.useRealTimers();
});

const manifest: ExportManifest = {
  runId: 'r',
  modelKind: 'cvae',
  latentDim: 3,
  dataset: 'mnist',
  seed: 1,
  temperature: 1,
  countPerLabel: {},
  created: '2026-01-01T00:00:00.000Z',
  appVersion: '0.0.0',
};

interface Made {
  images: Float32Array[];
  labels: Int32Array[];
  z: Float32Array[];
}

/** A deterministic source of `total` images (H×W×C) in chunks of `chunk`; `made` keeps what it yielded. */
function source(total: number, chunk: number, opts: { h?: number; w?: number; c?: 1 | 3; d?: number; labelOf?: (i: number) => number; names?: string[]; noise?: boolean; flat?: boolean; onChunk?: (k: number) => Promise<void> | void } = {}): GeneratedSource & { made: Made } {
  const h = opts.h ?? 7;
  const w = opts.w ?? 5;
  const c = opts.c ?? 1;
  const d = opts.d ?? 3;
  const made: Made = { images: [], labels: [], z: [] };
  async function* chunks(): AsyncGenerator<GeneratedChunk> {
    for (let s = 0, k = 0; s < total; s += chunk, k++) {
      await opts.onChunk?.(k);
      const n = Math.min(chunk, total - s);
      let x = s + 1;
      // Noise (a 32-bit LCG, in integer arithmetic: Math.imul) when asked: deflate cannot shrink
      // it, so the bytes written follow the pixels. (With a float product the low bits are lost
      // and the "noise" repeats: deflate shrank 15.7 MB of it to 267 KB.)
      const px = (p: number) => (opts.flat ? 0.5 : opts.noise ? ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24) / 255 : (((s * 131 + p * 17) % 257) / 256) * 1.1 - 0.05);
      const images = Float32Array.from({ length: n * h * w * c }, (_, p) => px(p));
      const labels = Int32Array.from({ length: n }, (_, j) => (opts.labelOf ?? ((i) => i % 3))(s + j));
      const z = Float32Array.from({ length: n * d }, (_, p) => Math.sin(s * 7 + p) * 3);
      made.images.push(images);
      made.labels.push(labels);
      made.z.push(z);
      yield { images, labels, z, count: n };
    }
  }
  return { total, height: h, width: w, channels: c, latentDim: d, labelNames: opts.names ?? ['zero', 'one', 'two'], chunks: chunks(), made };
}

const join = <T extends Float32Array | Int32Array>(parts: T[], make: (n: number) => T): T => {
  const out = make(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** The NPZ as the in-memory writer before streaming built it (pushes in the same pieces). */
function npzInMemory(src: GeneratedSource & { made: Made }): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, data) => {
    if (err) throw err;
    parts.push(data);
  });
  const images = new ZipDeflate('images.npy', { level: 6 });
  const zs = new ZipDeflate('z.npy', { level: 6 });
  zip.add(images);
  zip.add(zs);
  const dims = src.channels === 3 ? [src.total, src.height, src.width, 3] : [src.total, src.height, src.width];
  images.push(npyHeader('|u1', dims));
  zs.push(npyHeader('<f4', [src.total, src.latentDim]));
  src.made.images.forEach((im, k) => {
    images.push(toBytes(im));
    zs.push(leBytes(src.made.z[k]));
  });
  images.push(new Uint8Array(0), true);
  zs.push(new Uint8Array(0), true);
  const labels = join(src.made.labels, (n) => new Int32Array(n));
  const small = labels.every((l) => l >= 0 && l <= 255);
  const lf = new ZipDeflate('labels.npy', { level: 6 });
  zip.add(lf);
  lf.push(npyHeader(small ? '|u1' : '<i2', [src.total]));
  lf.push(small ? Uint8Array.from(labels) : leBytes(Int16Array.from(labels)), true);
  const names = new ZipDeflate('label_names.npy', { level: 6 });
  zip.add(names);
  names.push(npyStrings(src.labelNames), true);
  zip.end();
  return Buffer.concat(parts);
}

/** The IDX images file as the in-memory writer built it. */
function idxInMemory(src: GeneratedSource & { made: Made }): Uint8Array {
  const parts: Uint8Array[] = [];
  const gz = new Gzip({ level: 6 }, (d) => parts.push(d));
  gz.push(idxHeader(src.channels === 3 ? [src.total, src.height, src.width, 3] : [src.total, src.height, src.width]));
  for (const im of src.made.images) gz.push(toBytes(im));
  gz.push(new Uint8Array(0), true);
  return Buffer.concat(parts);
}

describe('streamed NPZ/IDX: the same bytes as the in-memory writer', () => {
  it.each([
    ['grey, labelled', { c: 1 as const }],
    ['RGB with unlabeled (-1: int16 labels)', { c: 3 as const, labelOf: (i: number) => (i % 5 === 0 ? -1 : i % 3) }],
  ])('npz %s: byte-identical, and the arrays read back', async (_name, o) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-01T12:00:00Z'));
    const src = source(50, 7, o);
    const out = path.join(tmp, `npz-${o.c}`);
    await writeGeneratedExport('npz', out, src, manifest);
    const bytes = new Uint8Array(await fsp.readFile(path.join(out, 'generated.npz')));
    expect(Buffer.from(bytes).equals(Buffer.from(npzInMemory(src)))).toBe(true);
    // Read back: shapes, values, labels.
    const zip = unzipSync(bytes);
    expect(Object.keys(zip)).toEqual(['images.npy', 'z.npy', 'labels.npy', 'label_names.npy']);
    const imgs = zip['images.npy'];
    const off = (a: Uint8Array) => 10 + (a[8] | (a[9] << 8));
    expect(Array.from(imgs.subarray(off(imgs)))).toEqual(Array.from(toBytes(join(src.made.images, (n) => new Float32Array(n)))));
    const z = zip['z.npy'];
    expect(new Float32Array(z.slice(off(z)).buffer)).toEqual(join(src.made.z, (n) => new Float32Array(n)));
    // No scratch file left in the export.
    expect((await fsp.readdir(out)).sort()).toEqual(['generated.npz', 'manifest.json']);
  });

  it('idx: byte-identical images file; read back with the IDX reader', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-01T12:00:00Z'));
    const src = source(40, 6, { labelOf: (i) => (i === 3 ? -1 : i % 3) });
    const out = path.join(tmp, 'idx');
    await writeGeneratedExport('idx', out, src, manifest);
    const gz = new Uint8Array(await fsp.readFile(path.join(out, 'images-idx3-ubyte.gz')));
    expect(Buffer.from(gz).equals(Buffer.from(idxInMemory(src)))).toBe(true);
    const labels = join(src.made.labels, (n) => new Int32Array(n));
    const lab = new Uint8Array(await fsp.readFile(path.join(out, 'labels-idx1-ubyte.gz')));
    expect(Buffer.from(lab).equals(Buffer.from(gzipSync(writeIdx([40], Uint8Array.from(labels, (l) => (l < 0 ? 255 : l))), { level: 6 })))).toBe(true);
    const img = readIdx(gz);
    expect(img.dims).toEqual([40, 7, 5]);
    expect(Array.from(img.data)).toEqual(Array.from(toBytes(join(src.made.images, (n) => new Float32Array(n)))));
    expect(Array.from(readIdx(lab).data)).toEqual(Array.from(labels, (l) => (l < 0 ? 255 : l)));
  });
});

describe('streamed: bytes reach the disk while the images are still being generated', () => {
  it.each(['npz', 'idx'] as const)('%s: the file in the temp folder grows before the last batch (memory bounded by a batch)', async (format) => {
    const parent = path.join(tmp, `grow-${format}`);
    await fsp.mkdir(parent);
    const seen: number[] = [];
    // 20 batches of 1,000 noisy 28×28 images (~15 MB raw): each drain writes at least 1 MiB.
    const src = source(20_000, 1_000, {
      h: 28,
      w: 28,
      noise: true,
      onChunk: async (k) => {
        if (k !== 15) return;
        const [tmpDir] = (await fsp.readdir(parent)).filter((n) => n.includes('latentlab-tmp'));
        const file = format === 'npz' ? 'generated.npz' : 'images-idx3-ubyte.gz';
        seen.push((await fsp.stat(path.join(parent, tmpDir, file)).catch(() => ({ size: 0 }))).size);
      },
    });
    await writeGeneratedExport(format, path.join(parent, 'out'), src, manifest);
    expect(seen.length).toBe(1);
    expect(seen[0], 'bytes on disk after 15 of 20 batches').toBeGreaterThan(1 << 20);
  });
});

describe('refused up front', () => {
  it('an NPZ past 4 GiB (no ZIP64): the size, how many fit, and the ways out', () => {
    // The tester's case: a 64×64×3 CVAE, 10 labels, 35,000 each.
    const big = { total: 350_000, pixels: 64 * 64 * 3, latentDim: 16, labelCount: 10 };
    expect(npzRawBytes(big)).toBeGreaterThan(2 ** 32);
    let err: unknown;
    try {
      checkNpzSize(big);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('UNSUPPORTED');
    // 12,354 bytes a sample (12,288 pixels, 16 float32 latents, a label): 350,000 are 4.32 GB.
    expect((err as LabError).message).toBe(
      'this NPZ export of 350,000 samples would be 4.3 GB; NPZ here is limited to 4 GiB (no ZIP64), about 347,217 samples of this model: export fewer samples, or as IDX or PNG folders',
    );
    // The number it names fits; one more does not (its worst-case deflated size passes the limit).
    expect(() => checkNpzSize({ ...big, total: 347_217 })).not.toThrow();
    expect(() => checkNpzSize({ ...big, total: 347_218 })).toThrow(/limited to 4 GiB/);
    // Even uncompressed, what it names stays under 4 GiB.
    expect(npzRawBytes({ ...big, total: 347_217 })).toBeLessThan(NPZ_LIMIT_BYTES);
    // 60,000 MNIST samples (47 MB) and 100,000 per label of MNIST (~800 MB) are fine.
    expect(() => checkNpzSize({ total: 60_000, pixels: 784, latentDim: 16, labelCount: 10 })).not.toThrow();
    expect(() => checkNpzSize({ total: 1_000_000, pixels: 784, latentDim: 16, labelCount: 10 })).not.toThrow();
  });

  it('a file system whose block is a record or stripe (ZFS 128 KiB): its free space counts, its block is not taken as every small file\'s size', async () => {
    // OpenZFS on Linux: f_bsize = the record size and the counts in it (zfs_statvfs).
    const zfs = async () => ({ bsize: 131072, blocks: 1_000_000, bavail: 80_000 });
    expect(await diskSpace('/pool/exports', zfs)).toEqual({ free: 80_000 * 131072, blockSize: null });
    const ext4 = async () => ({ bsize: 4096, blocks: 1_000_000, bavail: 80_000 });
    expect(await diskSpace('/home/me', ext4)).toEqual({ free: 80_000 * 4096, blockSize: 4096 });
    expect(await diskSpace('/ntfs', async () => ({ bsize: MAX_ALLOCATION_BLOCK, blocks: 10, bavail: 5 }))).toMatchObject({ blockSize: MAX_ALLOCATION_BLOCK });
    // 100,000 digits (28×28 grey) on a pool with 10 GB free: the bound at 4 KiB per PNG fits, at 128 KiB it would not.
    const manifestLike = { total: 100_000, height: 28, width: 28, channels: 1 as const, latentDim: 16, labelNames: ['0'], folderNames: ['0'], seed: 1, manifestBytes: 2000 };
    const atAssumed = imageFolderDiskBytes(manifestLike);
    expect(atAssumed).toBeLessThan(10e9);
    expect(imageFolderDiskBytes(manifestLike, 131072)).toBeGreaterThan(10e9);
  });

  it('an export larger than the free space: in words, before a single image is generated', async () => {
    expect(() => checkFreeSpace(12_300_000_000, 2_000_000, '/media/stick')).toThrow(
      'not enough free space for this export in /media/stick: it may take up to 12.3 GB (its uncompressed size; compressed it is usually smaller) and 2.0 MB are free: free some space, export fewer samples or choose another folder',
    );
    expect(() => checkFreeSpace(1_000, 2_000, '/x')).not.toThrow();
    expect(() => checkFreeSpace(1e15, null, '/x'), 'unknown free space: let through').not.toThrow();
    // The free space of a folder not made yet is its nearest existing ancestor's.
    expect(await freeBytes(path.join(tmp, 'not', 'yet'))).toBeGreaterThan(0);
    expect(exportDiskBytes('idx', { total: 1000, pixels: 784, latentDim: 3, labelCount: 10 })).toBeGreaterThan(785_000);

    // Through the writer: a billion samples never fit; the source is never asked for a chunk.
    for (const format of ['idx', 'npz'] as const) {
      const parent = path.join(tmp, `nospace-${format}`);
      await fsp.mkdir(parent);
      let asked = 0;
      const src: GeneratedSource = {
        total: 1e9,
        height: 28,
        width: 28,
        latentDim: 2,
        labelNames: [],
        chunks: (async function* () {
          asked++;
          yield* [];
        })(),
      };
      const err = await writeGeneratedExport(format, path.join(parent, 'out'), src, manifest).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabError);
      expect((err as Error).message).toMatch(format === 'npz' ? /limited to 4 GiB/ : /^not enough free space for this export in .*nospace-idx: it may take up to 785\.\d GB/);
      expect(asked).toBe(0);
      expect(await fsp.readdir(parent)).toEqual([]);
    }
  });
});

describe('ENOSPC while streaming', () => {
  it.each([
    ['npz', 'generated.npz', /^no space left on device while writing .*\/out\/generated\.npz$/],
    ['npz', '.z.npy.scratch', /^no space left on device while writing .*\/out\/generated\.npz \(its latents, kept aside until the images are in\)$/],
    ['idx', 'images-idx3-ubyte.gz', /^no space left on device while writing .*\/out\/images-idx3-ubyte\.gz$/],
  ] as const)('%s: the second write to %s fails → IO "no space left" naming the export\'s file, nothing left', async (format, failing, message) => {
    const parent = path.join(tmp, `enospc-${format}-${failing}`);
    await fsp.mkdir(parent);
    let writes = 0;
    const fs: FsSeam = {
      ...nodeFs,
      async create(file) {
        const sink = await nodeFs.create!(file);
        return {
          async write(data) {
            if (path.basename(file) === failing && ++writes === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            await sink.write(data);
          },
          close: () => sink.close(),
        };
      },
    };
    // Noise: at least a megabyte is written every two batches, so the failing write is mid-file.
    const err = await writeGeneratedExport(format, path.join(parent, 'out'), source(8_000, 1_000, { h: 28, w: 28, noise: true }), manifest, { fs }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('IO');
    expect((err as LabError).message).toMatch(message);
    expect(writes).toBe(2);
    expect(await fsp.readdir(parent)).toEqual([]);
  });
});

describe('cancelled while streaming', () => {
  it.each(['npz', 'idx'] as const)('%s: a cancel after some batches were written → CANCELLED, nothing left (no temp folder, no scratch file)', async (format) => {
    const parent = path.join(tmp, `cancel-${format}`);
    await fsp.mkdir(parent);
    const ac = new AbortController();
    let sawOnDisk = 0;
    const src = source(8_000, 1_000, {
      h: 28,
      w: 28,
      noise: true,
      onChunk: async (k) => {
        if (k !== 4) return;
        const [tmpDir] = (await fsp.readdir(parent)).filter((n) => n.includes('latentlab-tmp'));
        sawOnDisk = (await fsp.readdir(path.join(parent, tmpDir))).length;
        ac.abort();
      },
    });
    const err = await writeGeneratedExport(format, path.join(parent, 'out'), src, manifest, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('CANCELLED');
    expect(sawOnDisk, 'files in the temp folder when cancelled').toBe(format === 'npz' ? 2 : 1);
    expect(await fsp.readdir(parent)).toEqual([]);
  });
});

/** The chunks of a PNG file: type and data length. */
function pngChunks(b: Uint8Array): { type: string; length: number }[] {
  const buf = Buffer.from(b);
  const out: { type: string; length: number }[] = [];
  for (let o = 8; o < buf.length; o += 12 + buf.readUInt32BE(o)) out.push({ type: buf.toString('latin1', o + 4, o + 8), length: buf.readUInt32BE(o) });
  return out;
}

/** Every file and folder under `dir` (itself included): sizes rounded up to `block`, and what the file system allocated (st.blocks × 512). */
async function onDisk(dir: string, block: number): Promise<{ rounded: number; allocated: number; files: number }> {
  let rounded = 0;
  let allocated = 0;
  let files = 0;
  const visit = async (p: string): Promise<void> => {
    const st = await fsp.stat(p);
    rounded += Math.ceil(st.size / block) * block;
    allocated += st.blocks * 512;
    if (st.isDirectory()) for (const name of await fsp.readdir(p)) await visit(path.join(p, name));
    else files++;
  };
  await visit(dir);
  return { rounded, allocated, files };
}

describe('PNG folders: an upper bound of their size on disk, checked against the free space', () => {
  it('each PNG sharp writes fits its bound: only IHDR, pHYs, IDAT (≤ 8192 bytes each) and IEND, in the size counted', async () => {
    const sizes = [[1, 1, 1], [28, 28, 1], [32, 32, 3], [64, 64, 3], [300, 300, 3], [1000, 1000, 1]] as const;
    for (const [h, w, c] of sizes) {
      for (const kind of ['noise', 'flat']) {
        let x = h * 7 + w;
        const px = Uint8Array.from({ length: h * w * c }, () => (kind === 'flat' ? 128 : (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24));
        const png = await encodePng(px, w, h, c);
        const chunks = pngChunks(png);
        expect(new Set(chunks.map((k) => k.type)), `${h}×${w}×${c} ${kind}`).toEqual(new Set(['IHDR', 'pHYs', 'IDAT', 'IEND']));
        expect(Math.max(...chunks.filter((k) => k.type === 'IDAT').map((k) => k.length))).toBeLessThanOrEqual(8192);
        expect(png.length, `${h}×${w}×${c} ${kind}`).toBeLessThanOrEqual(pngBytesBound(h, w, c));
      }
    }
    // Noise deflates to stored blocks: 1000×1000 grey is 1,001,000 bytes of scanlines; zlib-ng's bound
    // is 1/8 over them (its guarantee, not what level 6 does: 5 bytes a 16 K block).
    expect(pngBytesBound(1000, 1000, 1)).toBe(8 + 25 + 21 + 12 * 138 + 1_126_134 + 12);
    // The longest latent metadata.csv can hold.
    for (const v of [-1.23456789e20, -1.23456789e-6, -3.4028235e38, -1.4e-45, Number.NaN, -Infinity]) expect(fmt(Math.fround(v)).length).toBeLessThanOrEqual(MAX_FLOAT_FIELD);
    expect(fmt(Math.fround(-1.23456789e20)).length).toBe(MAX_FLOAT_FIELD);
  });

  it.each([
    ['noise', 28, 28, 1],
    ['flat', 28, 28, 1],
    ['noise', 64, 64, 3],
    ['flat', 64, 64, 3],
  ] as const)('50 %s %i×%i×%i samples: the bound is at least what the export takes on disk (noise: not 3× more)', async (kind, h, w, c) => {
    const parent = path.join(tmp, `bound-${kind}-${h}-${c}`);
    await fsp.mkdir(parent);
    const out = path.join(parent, 'out');
    const src = source(50, 16, { h, w, c, d: 8, noise: kind === 'noise', flat: kind === 'flat' });
    const { blockSize } = await diskSpace(parent);
    const block = blockSize ?? 4096;
    // What the writer checks before the first image.
    const bound = imageFolderExportBytes(src, manifest, block);
    await writeGeneratedExport('imagefolder', out, src, manifest);
    const disk = await onDisk(out, block);
    expect(disk.files).toBe(52);
    const ratio = bound / Math.max(disk.rounded, disk.allocated);
    console.log(`imagefolder bound ${kind} ${h}×${w}×${c}, 50 samples, block ${block}: bound ${bound} B, sizes in blocks ${disk.rounded} B, allocated ${disk.allocated} B: ${ratio.toFixed(3)}×`);
    expect(bound).toBeGreaterThanOrEqual(disk.rounded);
    expect(bound).toBeGreaterThanOrEqual(disk.allocated);
    // Measured on ext4 (4 KiB blocks): noise 1.17× (28×28 grey) and 1.05× (64×64 RGB); flat 1.17×
    // (28×28: any PNG of it is one block) and 3.76× (64×64 RGB: its PNG takes 1 block, the bound 4 —
    // the price of not knowing how well an image compresses).
    expect(ratio).toBeLessThanOrEqual(kind === 'noise' ? 3 : 4);
  });

  it('an export over the free space is refused before a single image is generated, nothing left', async () => {
    // A faked file system with 524 KB free (128 blocks of 4 KiB): 50 samples of 64×64 RGB may take
    // 889 KB (each PNG 4 blocks at most, the CSV, the manifest and 4 folders).
    const parent = path.join(tmp, 'nospace-imagefolder');
    await fsp.mkdir(parent);
    const real = fsp.statfs.bind(fsp);
    const spy = vi.spyOn(fsp, 'statfs').mockImplementation((async (p: string) => ({ ...(await real(p)), bsize: 4096, bavail: 128 })) as typeof fsp.statfs);
    try {
      let asked = 0;
      const src = source(50, 16, { h: 64, w: 64, c: 3, onChunk: () => void asked++ });
      const err = await writeGeneratedExport('imagefolder', path.join(parent, 'out'), src, manifest).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('IO');
      expect((err as Error).message).toMatch(
        /^not enough free space for this export in .*nospace-imagefolder: it may take up to 889 KB \(its PNGs uncompressed, each file in whole disk blocks; compressed they are usually smaller\) and 524 KB are free: free some space, export fewer samples or choose another folder$/,
      );
      expect(asked).toBe(0);
      expect(await fsp.readdir(parent)).toEqual([]);
      // With room for it (the same fake, 100 MB free), the same export is written.
      spy.mockImplementation((async (p: string) => ({ ...(await real(p)), bsize: 4096, bavail: 25_600 })) as typeof fsp.statfs);
      await writeGeneratedExport('imagefolder', path.join(parent, 'out'), source(50, 16, { h: 64, w: 64, c: 3 }), manifest);
      expect((await fsp.readdir(path.join(parent, 'out'))).sort()).toEqual(['manifest.json', 'metadata.csv', 'one', 'two', 'zero']);
    } finally {
      spy.mockRestore();
    }
    // Through the real file system: a billion 28×28 PNGs (a block each, 4 TB) never fit.
    const huge = path.join(tmp, 'nospace-imagefolder-huge');
    await fsp.mkdir(huge);
    let asked = 0;
    const src: GeneratedSource = { total: 1e9, height: 28, width: 28, latentDim: 2, labelNames: [], chunks: (async function* () { asked++; yield* []; })() };
    const err = await writeGeneratedExport('imagefolder', path.join(huge, 'out'), src, manifest).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^not enough free space for this export in .*nospace-imagefolder-huge: it may take up to \d+\.\d GB \(its PNGs uncompressed/);
    expect(asked).toBe(0);
    expect(await fsp.readdir(huge)).toEqual([]);
  });
});
