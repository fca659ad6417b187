/**
 * Images (plain Node; no tf, no DOM): decoding any supported file (decode.ts: PNG, JPEG, WebP,
 * GIF, TIFF, BMP), transparency as coverage and colour (pixels.ts), MNIST-style preprocessing
 * with background removal (mnistStyle.ts, background.ts), the one preprocessing of a dataset's
 * images and of an image dropped later (preprocess.ts: `preprocessForDataset`), and PNG output.
 */
import sharp from 'sharp';
import { LabError } from '../../../src-shared/types';
import { decodeRaw, type DecodeOptions } from './decode';
import { mnistStyleFromGray, type GrayImage } from './mnistStyle';
import { resolveAlpha, toGray } from './pixels';
import { borderMedian, resizeGray } from './resample';

export { resizeGray, resizeChannels, borderMedian, centreOfMass } from './resample';
export { decodeRaw, type DecodeOptions } from './decode';
export { sniffFormat, describeNonImage, IMAGE_EXTENSIONS, READ_FORMATS_TEXT, type ImageFormat } from './format';
export { mnistStyleFromGray, looksLikeInk, inkMap, type GrayImage } from './mnistStyle';
export { resolveAlpha, hasColour, toGray, toRgb, type RawImage, type OpaqueImage } from './pixels';
export { preprocessForDataset, preprocessPixels, decodeSide } from './preprocess';
export { estimateBackground } from './background';

/**
 * Decode an image to 8-bit grayscale: first frame only, EXIF orientation applied, transparency
 * read as coverage (strokes drawn only in the alpha channel stay visible), 16-bit and CMYK
 * converted. Throws LabError('BAD_IMAGE') with a specific message for empty, oversized,
 * non-image, truncated or corrupt files.
 */
export async function decodeGray(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<GrayImage> {
  const g = toGray(resolveAlpha(await decodeRaw(bytes, opts)));
  return { width: g.width, height: g.height, data: g.data };
}

/**
 * Decode an image file and preprocess it as MNIST was made (see mnistStyle.ts): 784 floats in
 * [0,1], ink = 1. A blank image gives LabError BAD_IMAGE `NO_STROKES` ("blank after MNIST-style processing: …").
 */
export async function preprocessMnistStyle(bytes: Uint8Array): Promise<Float32Array> {
  // Shrinking huge photos to ≤ 560 px first keeps this fast; 20× oversampling of the 28 px field
  // is far more than the final resampling needs.
  return mnistStyleFromGray(await decodeGray(bytes, { maxSide: 560 }));
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
 * Encode 8-bit pixels as a PNG: `channels` 1 → 8-bit grayscale (colour type 0), 3 → 8-bit RGB
 * (colour type 2). `pixels` is `height × width × channels`, HWC.
 */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 1): Promise<Uint8Array> {
  if (pixels.length !== width * height * channels) {
    throw new LabError('INTERNAL', `encodePng: ${pixels.length} values for ${width}×${height}×${channels}`);
  }
  let img = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  const buf = await img.png({ compressionLevel: 6 }).toBuffer();
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
