/**
 * Bytes of any supported image → 8-bit interleaved pixels with their alpha (see pixels.ts for
 * what is done with it). PNG, JPEG, WebP, GIF (first frame) and TIFF (first page) are decoded by
 * sharp (EXIF orientation applied, 16-bit and CMYK converted to 8-bit sRGB); small plain PNGs by
 * the fast path in png.ts; BMP by bmp-ts (sharp's prebuilt libvips has no BMP loader). Oversized
 * images are refused from the header before any pixel is decoded.
 */
import { decode as decodeBmpFile } from 'bmp-ts';
import sharp, { type Metadata } from 'sharp';
import { LabError, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../../../src-shared/types';
import { describeNonImage, FORMAT_NAMES, sniffFormat, type ImageFormat } from './format';
import type { RawImage } from './pixels';
import { decodePngFast } from './png';

export interface DecodeOptions {
  /** Refuse images with more pixels than this (from the header). Default MAX_IMAGE_PIXELS. */
  maxPixels?: number;
  /** Shrink (never enlarge) so that neither side exceeds this, while decoding. */
  maxSide?: number;
}

/** Images up to this many pixels take the in-thread PNG path (bigger ones go to sharp's threads). */
const FAST_PNG_PIXELS = 256 * 256;

function formatMp(pixels: number): string {
  const mp = pixels / 1_000_000;
  return `${Number.isInteger(mp) ? mp : mp.toFixed(1)} MP`;
}

const tooBig = (w: number, h: number, maxPixels: number) =>
  new LabError('BAD_IMAGE', `image is ${w}×${h}, above the ${formatMp(maxPixels)} limit`);

/**
 * Decode an image to 8-bit pixels, alpha kept (channels 1–4). Throws LabError('BAD_IMAGE') with
 * a specific message for empty, oversized, non-image, unsupported, truncated or corrupt files.
 */
export async function decodeRaw(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<RawImage> {
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  if (bytes.length === 0) throw new LabError('BAD_IMAGE', 'empty file');
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new LabError('BAD_IMAGE', `file is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, above the ${MAX_IMAGE_BYTES / 1024 / 1024} MB limit`);
  }
  const format = sniffFormat(bytes);
  if (!format) throw new LabError('BAD_IMAGE', describeNonImage(bytes));
  if (format === 'png') {
    const fast = decodePngFast(bytes, Math.min(maxPixels, FAST_PNG_PIXELS));
    if (fast && (!opts.maxSide || Math.max(fast.width, fast.height) <= opts.maxSide)) return fast;
  }
  if (format === 'bmp') return decodeBmp(bytes, maxPixels, opts.maxSide);
  return decodeWithSharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), format, maxPixels, opts.maxSide);
}

async function decodeWithSharp(input: Buffer, format: ImageFormat, maxPixels: number, maxSide?: number): Promise<RawImage> {
  try {
    // sharp checks limitInputPixels from the header, before decoding any pixel data.
    let pipe = sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated', pages: 1, page: 0 }).rotate();
    if (maxSide) pipe = pipe.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' });
    const { data, info } = await pipe.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels as RawImage['channels'], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    throw await explainFailure(input, FORMAT_NAMES[format], maxPixels, err);
  }
}

/** Turn a sharp failure into a specific BAD_IMAGE message (size from the header when readable). */
async function explainFailure(input: Buffer, name: string, maxPixels: number, err: unknown): Promise<LabError> {
  let meta: Metadata | null = null;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    // header unreadable
  }
  const w = meta?.width ?? 0;
  const h = meta?.pageHeight ?? meta?.height ?? 0;
  if (w > 0 && h > 0 && w * h > maxPixels) return tooBig(w, h, maxPixels);
  if (/pixel limit/i.test((err as Error)?.message ?? '')) {
    return new LabError('BAD_IMAGE', `image is above the ${formatMp(maxPixels)} limit`);
  }
  return new LabError('BAD_IMAGE', `truncated or corrupt ${name}`);
}

/** BMP width × height from its DIB header (OS/2 core headers use 16-bit sides). */
function bmpSize(b: Uint8Array): { w: number; h: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(14, true) === 12) return { w: v.getUint16(18, true), h: v.getUint16(20, true) };
  return { w: Math.abs(v.getInt32(18, true)), h: Math.abs(v.getInt32(22, true)) };
}

async function decodeBmp(bytes: Uint8Array, maxPixels: number, maxSide?: number): Promise<RawImage> {
  if (bytes.length < 26) throw new LabError('BAD_IMAGE', 'truncated or corrupt BMP');
  const { w, h } = bmpSize(bytes);
  if (w * h > maxPixels) throw tooBig(w, h, maxPixels);
  let d: ReturnType<typeof decodeBmpFile>;
  try {
    d = decodeBmpFile(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { toRGBA: true });
  } catch {
    throw new LabError('BAD_IMAGE', 'truncated or corrupt BMP');
  }
  const n = d.width * d.height;
  const rgba = d.data as Uint8Array;
  if (!d.width || !d.height || rgba.length < n * 4) throw new LabError('BAD_IMAGE', 'truncated or corrupt BMP');
  // Only 32-bit BMPs can carry alpha; most leave it all 0 ("unused") or all 255: alpha only when it varies.
  let alpha = false;
  if (d.bitPP === 32) for (let i = 1; i < n && !alpha; i++) alpha = rgba[4 * i + 3] !== rgba[3];
  const c = alpha ? 4 : 3;
  const out = new Uint8Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[i * c + k] = rgba[4 * i + k];
  const img: RawImage = { width: d.width, height: d.height, channels: c, data: out };
  if (!maxSide || Math.max(img.width, img.height) <= maxSide) return img;
  const { data, info } = await sharp(Buffer.from(out.buffer), { raw: { width: img.width, height: img.height, channels: c } })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: c, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
