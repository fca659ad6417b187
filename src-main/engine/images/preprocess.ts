/**
 * The one preprocessing of an image into a model input, shared by every importer and by an image
 * dropped onto a model later (`preprocessForDataset`): what a dataset was trained on is what a
 * new image becomes.
 *
 * - `mnist-style`: grey; ink found on its paper (background removed, see mnistStyle.ts), fitted
 *   into a 20/28 box and centred by mass; ink = 1. With 3 channels the grey is repeated.
 * - `plain`: the picture as it is (grey or RGB), made square by a centre crop (`fit: 'crop'`) or
 *   by padding with its border colour (`fit: 'pad'`), then resized (antialiased).
 *
 * Transparency is coverage in both (pixels.ts `resolveAlpha`). Output is `size × size × channels`
 * bytes, HWC order, 255 = 1.0.
 */
import type { ResolvedImport } from '../../../src-shared/datasets';
import { decodeRaw } from './decode';
import { mnistStyleFromGray } from './mnistStyle';
import { resolveAlpha, toGray, toRgb, type OpaqueImage, type RawImage } from './pixels';
import { resizeChannels } from './resample';

/** Decode-time shrink: MNIST-style works on ≤ 560 px (20× the 28 px field), plain on 4 × size. */
export function decodeSide(r: ResolvedImport): number {
  return r.preprocess === 'mnist-style' ? 560 : 4 * r.size;
}

/** Per-channel median of the outer ring of pixels. */
function borderColour(img: OpaqueImage): number[] {
  const { width: w, height: h, channels: c, data } = img;
  const out: number[] = [];
  for (let k = 0; k < c; k++) {
    const hist = new Uint32Array(256);
    let n = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (y === 0 || y === h - 1 || x === 0 || x === w - 1) {
          hist[data[(y * w + x) * c + k]]++;
          n++;
        }
      }
    }
    let acc = 0;
    let v = 0;
    for (; v < 255; v++) if ((acc += hist[v]) * 2 >= n) break;
    out.push(v);
  }
  return out;
}

/** Centre crop or border-colour pad to a square (the image itself when already square). */
function square(img: OpaqueImage, fit: ResolvedImport['fit']): OpaqueImage {
  const { width: w, height: h, channels: c, data } = img;
  if (w === h) return img;
  if (fit === 'crop') {
    const s = Math.min(w, h);
    const x0 = (w - s) >> 1;
    const y0 = (h - s) >> 1;
    const out = new Uint8Array(s * s * c);
    for (let y = 0; y < s; y++) out.set(data.subarray(((y0 + y) * w + x0) * c, ((y0 + y) * w + x0 + s) * c), y * s * c);
    return { width: s, height: s, channels: c, data: out };
  }
  const s = Math.max(w, h);
  const fill = borderColour(img);
  const out = new Uint8Array(s * s * c);
  for (let i = 0; i < s * s; i++) for (let k = 0; k < c; k++) out[i * c + k] = fill[k];
  const x0 = (s - w) >> 1;
  const y0 = (s - h) >> 1;
  for (let y = 0; y < h; y++) out.set(data.subarray(y * w * c, (y + 1) * w * c), ((y0 + y) * s + x0) * c);
  return { width: s, height: s, channels: c, data: out };
}

const byte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/**
 * Decoded pixels → the model input as bytes: `size × size × channels`, HWC, per `r`.
 * Throws LabError BAD_IMAGE `NO_STROKES` ("blank after MNIST-style processing: …") for a blank image under mnist-style.
 */
export function preprocessPixels(img: RawImage, r: ResolvedImport): Uint8Array {
  const opaque = resolveAlpha(img);
  const n = r.size * r.size;
  if (r.preprocess === 'mnist-style') {
    const ink = mnistStyleFromGray(toGray(opaque), r.size);
    const out = new Uint8Array(n * r.channels);
    for (let i = 0; i < n; i++) for (let k = 0; k < r.channels; k++) out[i * r.channels + k] = byte(ink[i] * 255);
    return out;
  }
  const coloured = r.channels === 3 ? toRgb(opaque) : toGray(opaque);
  const sq = square(coloured, r.fit);
  if (sq.width === r.size) return sq.data === img.data ? sq.data.slice() : sq.data;
  const f = resizeChannels(sq.data, sq.width, sq.height, r.channels, r.size, r.size);
  const out = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = byte(f[i]);
  return out;
}

/**
 * An image file's bytes → the model input a dataset imported with `r` would give it:
 * `size × size × channels` floats in [0, 1], HWC order. What `model:encodeFile` uses for a dropped
 * image. Throws LabError BAD_IMAGE (unreadable, oversized, blank under mnist-style).
 */
export async function preprocessForDataset(bytes: Uint8Array, r: ResolvedImport): Promise<Float32Array> {
  const img = await decodeRaw(bytes, { maxSide: decodeSide(r) });
  const b = preprocessPixels(img, r);
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i] / 255;
  return out;
}
