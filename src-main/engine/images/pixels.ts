/**
 * Decoded pixels and the per-pixel decisions every importer shares: transparency read as
 * coverage (where a drawing's ink is), colour detection and conversion to grey.
 */

/** 8-bit interleaved pixels: 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA; row-major. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** An image without alpha: 1 = grey, 3 = RGB. */
export interface OpaqueImage extends RawImage {
  channels: 1 | 3;
}

const lum = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

/**
 * Transparency as coverage: alpha says where the drawing is, so the image is composited onto a
 * background that contrasts with its own visible colour — black under light strokes (white ink
 * on a transparent background stays visible), white under dark ones. The visible colour is the
 * alpha-weighted mean luminance. A fully transparent image becomes white (and is then caught as
 * blank). Images without alpha are returned as they are.
 */
export function resolveAlpha(img: RawImage): OpaqueImage {
  if (img.channels === 1 || img.channels === 3) return img as OpaqueImage;
  const { width, height, data } = img;
  const n = width * height;
  const cin = img.channels;
  const colour = cin === 4;
  let sumA = 0;
  let sumL = 0;
  let opaque = true;
  for (let i = 0; i < n; i++) {
    const a = data[i * cin + cin - 1];
    if (a !== 255) opaque = false;
    const l = colour ? lum(data[i * 4], data[i * 4 + 1], data[i * 4 + 2]) : data[i * 2];
    sumA += a;
    sumL += a * l;
  }
  const cout = colour ? 3 : 1;
  const out = new Uint8Array(n * cout);
  if (opaque) {
    for (let i = 0; i < n; i++) for (let k = 0; k < cout; k++) out[i * cout + k] = data[i * cin + k];
    return { width, height, channels: cout, data: out };
  }
  const bg = sumA > 0 && sumL / sumA > 127.5 ? 0 : 255;
  for (let i = 0; i < n; i++) {
    const a = data[i * cin + cin - 1];
    for (let k = 0; k < cout; k++) out[i * cout + k] = Math.round((data[i * cin + k] * a + bg * (255 - a)) / 255);
  }
  return { width, height, channels: cout, data: out };
}

/** Chroma (max − min of R, G, B) above which a pixel counts as coloured (JPEG noise stays below). */
const CHROMA = 24;

/** True when more than 1 % of the pixels of an RGB image are clearly coloured. */
export function hasColour(img: OpaqueImage): boolean {
  if (img.channels === 1) return false;
  const { data } = img;
  const n = img.width * img.height;
  const limit = n * 0.01;
  let coloured = 0;
  for (let i = 0; i < n; i++) {
    const r = data[3 * i];
    const g = data[3 * i + 1];
    const b = data[3 * i + 2];
    // Stops as soon as the answer is known (the import judges every image of a folder).
    if (Math.max(r, g, b) - Math.min(r, g, b) > CHROMA && ++coloured > limit) return true;
  }
  return false;
}

/** Grey (Rec. 601 luma) of an opaque image; a grey image is returned as it is. */
export function toGray(img: OpaqueImage): OpaqueImage {
  if (img.channels === 1) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) out[i] = Math.round(lum(d[3 * i], d[3 * i + 1], d[3 * i + 2]));
  return { width: img.width, height: img.height, channels: 1, data: out };
}

/** Grey → RGB by repeating the value (an RGB image is returned as it is). */
export function toRgb(img: OpaqueImage): OpaqueImage {
  if (img.channels === 3) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = img.data[i];
  return { width: img.width, height: img.height, channels: 3, data: out };
}
