/**
 * Files for the import benchmark, written fast (no sharp round trip for PNGs): folders of 28×28
 * grey PNGs made from the embedded MNIST digits (shifted by up to a pixel for variety), 64×64
 * colour JPEGs, and IDX / NPZ / CSV files of the same digits.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { gzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { loadEmbeddedMnist } from '../../src-main/engine/datasets/mnist';
import { writeIdx } from '../../src-main/engine/datasets/idx';
import { npyHeader } from '../../src-main/engine/export/npy';
import { mapLimit } from '../../src-main/engine/pool';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const v of b) c = CRC_TABLE[(c ^ v) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit grey PNG (filter 0 rows, zlib level 6). */
export function grayPng(px: Uint8Array, w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  const rows = Buffer.alloc(h * (w + 1));
  for (let y = 0; y < h; y++) rows.set(px.subarray(y * w, (y + 1) * w), y * (w + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
}

/** `n` MNIST digits as bytes (light ink on black) with labels: the embedded 10,000, shifted copies after. */
export async function digits(n: number): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const m = await loadEmbeddedMnist();
  const all = [m.train, m.test];
  const base = m.train.count + m.test.count;
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % base;
    const s = k < m.train.count ? all[0] : all[1]; // bytes (datasets/rows.ts)
    const r = k < m.train.count ? k : k - m.train.count;
    const shift = Math.floor(i / base) % 3 - 1; // -1, 0, 1 pixels right
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      const sx = x - shift;
      images[i * 784 + y * 28 + x] = sx >= 0 && sx < 28 ? s.x[r * 784 + y * 28 + sx] : 0;
    }
    labels[i] = s.y[r];
  }
  return { images, labels };
}

/** A class-folder dataset of `n` 28×28 PNG digits under `root` (`<digit>/<i>.png`). */
export async function writePngFolder(root: string, n: number): Promise<void> {
  const { images, labels } = await digits(n);
  for (let d = 0; d < 10; d++) await fsp.mkdir(path.join(root, String(d)), { recursive: true });
  await mapLimit(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
    await fsp.writeFile(path.join(root, String(labels[i]), `${i}.png`), grayPng(images.subarray(i * 784, (i + 1) * 784), 28, 28));
  });
}

/** `n` 64×64 colour JPEGs in 3 classes (hue of a blurred blob on a textured background). */
export async function writeJpegFolder(root: string, n: number): Promise<void> {
  const names = ['red', 'green', 'blue'];
  for (const c of names) await fsp.mkdir(path.join(root, c), { recursive: true });
  await mapLimit(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
    const c = i % 3;
    const px = Buffer.alloc(64 * 64 * 3);
    const cx = 20 + ((i * 7) % 24);
    const cy = 20 + ((i * 13) % 24);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
      const inside = Math.hypot(x - cx, y - cy) < 14;
      for (let k = 0; k < 3; k++) px[(y * 64 + x) * 3 + k] = inside ? (k === c ? 220 : 50) : ((x * 3 + y * 5 + k * 40 + i) % 120) + 60;
    }
    await fsp.writeFile(path.join(root, names[c], `${i}.jpg`), await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
  });
}

/** IDX train quadruple (gzip) of `n` digits split 6:1 into train/t10k, in `dir`. */
export async function writeIdxFiles(dir: string, n: number): Promise<void> {
  const { images, labels } = await digits(n);
  const nTest = Math.floor(n / 7);
  const nTrain = n - nTest;
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(writeIdx([nTrain, 28, 28], images.subarray(0, nTrain * 784))));
  await fsp.writeFile(path.join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(writeIdx([nTrain], labels.subarray(0, nTrain))));
  await fsp.writeFile(path.join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(writeIdx([nTest, 28, 28], images.subarray(nTrain * 784))));
  await fsp.writeFile(path.join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(writeIdx([nTest], labels.subarray(nTrain))));
}

const npyOf = (descr: '|u1', shape: number[], data: Uint8Array) => Buffer.concat([npyHeader(descr, shape), data]);

/** A compressed .npz (x_train, y_train) of `n` digits. */
export async function writeNpzFile(file: string, n: number): Promise<void> {
  const { images, labels } = await digits(n);
  await fsp.writeFile(file, zipSync({ 'x_train.npy': npyOf('|u1', [n, 28, 28], images), 'y_train.npy': npyOf('|u1', [n], labels) }, { level: 6 }));
}

/** The Kaggle CSV layout (label,pixel0,…,pixel783) of `n` digits. */
export async function writeCsvFile(file: string, n: number): Promise<void> {
  const { images, labels } = await digits(n);
  const fh = await fsp.open(file, 'w');
  try {
    await fh.write(['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',') + '\n');
    for (let i = 0; i < n; i += 1000) {
      const lines: string[] = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) lines.push(`${labels[j]},${Array.from(images.subarray(j * 784, (j + 1) * 784)).join(',')}`);
      await fh.write(lines.join('\n') + '\n');
    }
  } finally {
    await fh.close();
  }
}
