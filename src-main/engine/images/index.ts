/**
 * Image decoding and MNIST-style preprocessing with sharp (plain Node; no tf, no DOM).
 *
 * - `decodeGray` turns PNG/JPEG/WebP/GIF bytes into 8-bit grayscale: first frame only, EXIF
 *   orientation applied, transparency flattened onto white, 16-bit and CMYK inputs converted.
 *   Oversized images are refused from the header (MAX_IMAGE_PIXELS) before decoding.
 * - `preprocessMnistStyle` reproduces how MNIST was made: ink = 1 on a 0 background, the ink's
 *   bounding box fitted into 20×20 (aspect kept, antialiased resampling) and placed in 28×28 so
 *   that its centre of mass sits at the centre (14, 14).
 */
import sharp, { type Metadata } from 'sharp';
import { LabError, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../../../src-shared/types';
import { borderMedian, centreOfMass, resizeGray } from './resample';

export { resizeGray, borderMedian, centreOfMass } from './resample';

export interface GrayImage {
  width: number;
  height: number;
  /** 8-bit gray, row-major, 0 = black. */
  data: Uint8Array;
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this (from the header). Default MAX_IMAGE_PIXELS. */
  maxPixels?: number;
  /** Shrink (never enlarge) so that neither side exceeds this, while decoding. */
  maxSide?: number;
}

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

const FORMAT_NAMES: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG', gif: 'GIF', webp: 'WebP' };

/** Identify a supported image format from its magic bytes. */
export function sniffFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'gif';
  if (
    b.length >= 12 &&
    b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 &&
    b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50
  ) {
    return 'webp';
  }
  return null;
}

/** A human guess at what a non-image file is, for error messages. */
function describeNonImage(b: Uint8Array): string {
  const ascii = (s: string) => s.split('').every((c, i) => b[i] === c.charCodeAt(0));
  if (ascii('%PDF')) return 'not an image (looks like PDF)';
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'not an image (looks like a ZIP or Office document)';
  if (ascii('<svg') || ascii('<?xml')) return 'not a supported image (SVG/XML is not supported; use PNG, JPEG, WebP or GIF)';
  if (b[0] === 0x42 && b[1] === 0x4d) return 'not a supported image (BMP is not supported; use PNG, JPEG, WebP or GIF)';
  if (b.length >= 12 && ascii('\0\0\0') && b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) {
    return 'not a supported image (HEIC/AVIF is not supported; use PNG, JPEG, WebP or GIF)';
  }
  const head = b.subarray(0, Math.min(b.length, 512));
  let printable = 0;
  for (const c of head) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128) printable++;
  if (printable === head.length) return 'not an image (looks like text)';
  return 'not a supported image (expected PNG, JPEG, WebP or GIF)';
}

function formatMp(pixels: number): string {
  const mp = pixels / 1_000_000;
  return `${Number.isInteger(mp) ? mp : mp.toFixed(1)} MP`;
}

/**
 * Decode an image to 8-bit grayscale. Throws LabError('BAD_IMAGE') with a specific message for
 * empty, oversized, non-image, truncated or corrupt files.
 */
export async function decodeGray(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<GrayImage> {
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  if (bytes.length === 0) throw new LabError('BAD_IMAGE', 'empty file');
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new LabError(
      'BAD_IMAGE',
      `file is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, above the ${MAX_IMAGE_BYTES / 1024 / 1024} MB limit`,
    );
  }
  const format = sniffFormat(bytes);
  if (!format) throw new LabError('BAD_IMAGE', describeNonImage(bytes));
  const name = FORMAT_NAMES[format];
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // sharp checks limitInputPixels from the header, before decoding any pixel data.
  try {
    let pipe = sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated', pages: 1, page: 0 })
      .rotate()
      .flatten({ background: '#ffffff' })
      .grayscale();
    if (opts.maxSide) {
      pipe = pipe.resize({
        width: opts.maxSide,
        height: opts.maxSide,
        fit: 'inside',
        withoutEnlargement: true,
        kernel: 'lanczos3',
      });
    }
    const { data, info } = await pipe.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const n = info.width * info.height;
    let gray: Uint8Array;
    if (info.channels === 1) {
      gray = new Uint8Array(data.buffer, data.byteOffset, n);
    } else {
      gray = new Uint8Array(n);
      for (let i = 0; i < n; i++) gray[i] = data[i * info.channels];
    }
    return { width: info.width, height: info.height, data: gray };
  } catch (err) {
    throw await explainFailure(input, name, maxPixels, err);
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
  if (w > 0 && h > 0 && w * h > maxPixels) {
    return new LabError('BAD_IMAGE', `image is ${w}×${h}, above the ${formatMp(maxPixels)} limit`);
  }
  if (/pixel limit/i.test((err as Error)?.message ?? '')) {
    return new LabError('BAD_IMAGE', `image is above the ${formatMp(maxPixels)} limit`);
  }
  return new LabError('BAD_IMAGE', `truncated or corrupt ${name}`);
}

/** Minimum (max − background) contrast, in 8-bit levels, for strokes to count as visible. */
const MIN_CONTRAST = 40;
/** Normalised intensity under which pixels are treated as background (paper texture, noise). */
const NOISE_FLOOR = 0.1;

/**
 * MNIST-style preprocessing of an already-decoded grayscale image (see `preprocessMnistStyle`).
 * Returns `size × size` floats (default 28), ink = 1.
 */
export function mnistStyleFromGray(img: GrayImage, size = 28, box = 20): Float32Array {
  const { width, height, data } = img;
  const n = width * height;
  const bgRaw = borderMedian(data, width, height, Math.max(1, Math.round(Math.min(width, height) * 0.02)));
  const invert = bgRaw > 127;
  const bg = invert ? 255 - bgRaw : bgRaw;
  const f = new Float32Array(n);
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = invert ? 255 - data[i] : data[i];
    f[i] = v;
    if (v > hi) hi = v;
  }
  if (hi - bg < MIN_CONTRAST) throw new LabError('BAD_IMAGE', 'the image has no visible strokes');
  // Contrast normalisation with a noise floor: background → 0, strongest ink → 1.
  const range = hi - bg;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const t = (f[i] - bg) / range;
      const v = t <= NOISE_FLOOR ? 0 : Math.min(1, (t - NOISE_FLOOR) / (1 - NOISE_FLOOR));
      f[i] = v;
      if (v > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw new LabError('BAD_IMAGE', 'the image has no visible strokes');
  // Crop to the ink's bounding box.
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(f.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + cw), y * cw);
  // Fit the longer side into box × box, keeping the aspect ratio.
  const scale = box / Math.max(cw, ch);
  const rw = Math.max(1, Math.min(box, Math.round(cw * scale)));
  const rh = Math.max(1, Math.min(box, Math.round(ch * scale)));
  const small = resizeGray(crop, cw, ch, rw, rh);
  // Place so that the centre of mass lands on pixel (14, 14) in index coordinates, by an integer
  // shift — what the real MNIST digits show (their mean centre of mass is at index 14.0, 14.0).
  const com = centreOfMass(small, rw, rh) ?? { x: rw / 2, y: rh / 2 };
  const ox = Math.max(0, Math.min(size - rw, Math.round(size / 2 - (com.x - 0.5))));
  const oy = Math.max(0, Math.min(size - rh, Math.round(size / 2 - (com.y - 0.5))));
  const out = new Float32Array(size * size);
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const v = small[y * rw + x];
      out[(oy + y) * size + ox + x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

/**
 * Decode an image file and preprocess it as MNIST was made: grayscale; inverted when the
 * background (median of the border pixels) is light; contrast normalised; cropped to the ink's
 * bounding box; fitted into 20×20; centred by centre of mass in 28×28. 784 floats in [0,1].
 * A blank image gives LabError('BAD_IMAGE', 'the image has no visible strokes').
 */
export async function preprocessMnistStyle(bytes: Uint8Array): Promise<Float32Array> {
  // Shrinking huge photos to ≤ 560 px first keeps this fast; 20× oversampling of the 28 px field
  // is far more than the final resampling needs.
  const img = await decodeGray(bytes, { maxSide: 560 });
  return mnistStyleFromGray(img);
}

/**
 * Fit an image into `size × size` keeping the aspect ratio, padding with the border colour
 * (no inversion, no cropping). Floats in [0,1], 1 = white.
 */
export function fitGray(img: GrayImage, size = 28): Float32Array {
  const { width, height, data } = img;
  const pad = borderMedian(data, width, height) / 255;
  const src = new Float32Array(width * height);
  for (let i = 0; i < src.length; i++) src[i] = data[i] / 255;
  const scale = size / Math.max(width, height);
  const rw = Math.max(1, Math.min(size, Math.round(width * scale)));
  const rh = Math.max(1, Math.min(size, Math.round(height * scale)));
  const small = resizeGray(src, width, height, rw, rh);
  const out = new Float32Array(size * size).fill(pad);
  const ox = Math.floor((size - rw) / 2);
  const oy = Math.floor((size - rh) / 2);
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const v = small[y * rw + x];
      out[(oy + y) * size + ox + x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

/**
 * Heuristic: does this look like ink on paper (a near-uniform background with sparse strokes)?
 * True when the border is uniform and at most 35 % of the pixels differ clearly from it.
 */
export function looksLikeInk(img: GrayImage): boolean {
  const { width, height, data } = img;
  const bg = borderMedian(data, width, height);
  // Border uniformity: share of border pixels within 48 levels of the border median.
  let borderN = 0;
  let borderClose = 0;
  let far = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      const d = Math.abs(v - bg);
      if (d > 64) far++;
      if (y === 0 || y === height - 1 || x === 0 || x === width - 1) {
        borderN++;
        if (d <= 48) borderClose++;
      }
    }
  }
  const inkFraction = far / (width * height);
  return borderClose / borderN >= 0.9 && inkFraction > 0 && inkFraction <= 0.35;
}

/** Encode 8-bit gray pixels as an 8-bit grayscale PNG (colour type 0). */
export async function encodePng(gray: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (gray.length !== width * height) {
    throw new LabError('INTERNAL', `encodePng: ${gray.length} pixels for ${width}×${height}`);
  }
  const buf = await sharp(Buffer.from(gray.buffer, gray.byteOffset, gray.byteLength), {
    raw: { width, height, channels: 1 },
  })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Float pixels in [0,1] → bytes: Math.round(clamp(v,0,1) * 255) (NaN → 0). */
export function toBytes(src: Float32Array, out = new Uint8Array(src.length)): Uint8Array {
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    out[i] = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
  }
  return out;
}
