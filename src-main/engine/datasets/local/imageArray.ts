/**
 * An array of images (IDX, NumPy, CSV; `NdArray`, N first) → bytes in HWC order (`ImageArray`).
 * The layout is read off the shape — N×H×W, N×H×W×C (C = 1, 3, or 4 with alpha), N×C×H×W (C = 1
 * or 3, detected), N×D flat with D a square (grey) or three times one (RGB; pixel-interleaved or
 * channel-planar, whichever gives the smoother pictures) — and the values checked: uint8 0–255 or
 * floats 0–1 (bool and 0/1 integers are black/white). What a reading drops or assumes is said in
 * the notes: flat rows of a width that is not a usual image size (read as √D×√D), an alpha
 * channel. Used by ./arrays.ts (which re-exports it).
 */
import { IMAGE_SIZES } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import type { NdArray } from './numpy';

/** Images as bytes: `count × height × width × channels`, HWC. */
export interface ImageArray {
  count: number;
  height: number;
  width: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

const bad = (msg: string) => new LabError('BAD_DATASET', msg);

/** Mean absolute difference of horizontal neighbours in channel 0 of a few images laid out as HWC or CHW. */
function roughness(v: ArrayLike<number>, count: number, s: number, planar: boolean): number {
  let sum = 0;
  let n = 0;
  const per = 3 * s * s;
  for (let i = 0; i < Math.min(count, 16); i++) {
    for (let y = 0; y < s; y++) {
      for (let x = 0; x + 1 < s; x++) {
        const a = planar ? i * per + y * s + x : i * per + (y * s + x) * 3;
        const b = planar ? a + 1 : a + 3;
        sum += Math.abs(Number(v[a]) - Number(v[b]));
        n++;
      }
    }
  }
  return n ? sum / n : 0;
}

/** How the values of `a` map to bytes, with a note when it is not the obvious one. */
function byteScale(a: NdArray, name: string, notes: string[]): number {
  const v = a.values as ArrayLike<number>;
  if (a.kind === 'b') return 255;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    if (x !== x) throw bad(`${name}: holds NaN values, which are not pixels`);
  }
  if (v.length === 0) return 1;
  const range = `values from ${+lo.toPrecision(4)} to ${+hi.toPrecision(4)}`;
  if (lo < 0 || hi > 255) throw bad(`${name}: ${range} are not pixel values; save uint8 0–255 or floats 0–1 (standardised data must be mapped back first)`);
  if (a.kind === 'f') {
    if (hi <= 1 + 1e-6) return 255;
    notes.push(`${name}: float values up to ${+hi.toPrecision(4)} were read as 0–255`);
    return 1;
  }
  if (hi <= 1) {
    notes.push(`${name}: integer values 0/1 were read as black/white`);
    return 255;
  }
  return 1;
}

/**
 * The report's note on the 4th channel (alpha) of `pixels` RGBA pixels: it is not kept — opaque
 * pixels keep their colour, others are composited onto black or white (whichever contrasts with
 * the picture, images/pixels.ts `resolveAlpha`) — with the share of pixels that were not opaque.
 */
function alphaNote(data: Uint8Array, pixels: number, name: string, notes: string[]): void {
  let see = 0;
  for (let i = 0; i < pixels; i++) if (data[i * 4 + 3] !== 255) see++;
  const pct = pixels ? (100 * see) / pixels : 0;
  const share = see === 0 ? '0' : pct < 1 ? '< 1' : String(Math.round(pct));
  notes.push(
    see === 0
      ? `${name}: alpha channel (the 4th of 4) dropped: every pixel is opaque, so nothing is lost`
      : `${name}: alpha channel (the 4th of 4) dropped: ${share} % of pixels are not opaque, composited onto black or white (whichever contrasts with the picture); transparency is not kept`,
  );
}

/**
 * Images of `a` (N first) as bytes in HWC order: the bytes a dataset keeps (../rows.ts). uint8
 * data is used as it is; floats in 0–1 are quantised to round(255·v) (values k/255 come back as
 * exactly k, and the model reads them as the same float32 k/255), 0/1 integers and bools to 0/255.
 * @throws LabError BAD_DATASET for a shape that is not images, or values that are not pixels.
 */
export function toImageArray(a: NdArray, name: string, notes: string[]): ImageArray {
  if (a.kind === 'U') throw bad(`${name}: holds strings, not pixel values`);
  const [count, ...rest] = a.shape;
  const v = a.values as ArrayLike<number>;
  let h: number;
  let w: number;
  let c: number;
  let planar = false;
  const shapeText = `(${a.shape.join(', ')})`;
  if (rest.length === 1) {
    const D = rest[0];
    const s1 = Math.round(Math.sqrt(D));
    const s3 = Math.round(Math.sqrt(D / 3));
    if (s1 * s1 === D) {
      [h, w, c] = [s1, s1, 1];
      // 784, 1024, 4096 are the usual flat images; any other square width may be features, not pixels.
      if (!(IMAGE_SIZES as readonly number[]).includes(s1)) {
        notes.push(`${name}: rows of ${D} values read as ${s1}×${s1} grey images (√${D} = ${s1}); if they are features rather than pixels, they are not pictures and a model of them shows nothing useful`);
      }
    } else if (3 * s3 * s3 === D) {
      [h, w, c] = [s3, s3, 3];
      planar = roughness(v, count, s3, true) < roughness(v, count, s3, false);
      notes.push(`${name}: flat rows of ${D} values read as ${s3}×${s3} RGB, ${planar ? 'channel-planar (all R, then G, then B)' : 'pixel-interleaved (RGB RGB …)'}`);
    } else throw bad(`${name}: shape ${shapeText}: ${D} values per row is not a square image (D = side² or 3·side²)`);
  } else if (rest.length === 2) [h, w, c] = [rest[0], rest[1], 1];
  else if (rest.length === 3 && [1, 3, 4].includes(rest[2])) [h, w, c] = rest;
  else if (rest.length === 3 && [1, 3].includes(rest[0])) {
    [c, h, w] = rest;
    planar = true;
    notes.push(`${name}: shape ${shapeText} read as N×C×H×W (channels first)`);
  } else throw bad(`${name}: shape ${shapeText} is not images (expected N×H×W, N×H×W×C, N×C×H×W or N×D)`);
  const n = count * h * w * c;
  // uint8 in C order is already what is wanted: no scan, no copy.
  if (!planar && v instanceof Uint8Array && a.kind === 'u' && v.length === n) {
    if (c === 4) alphaNote(v, count * h * w, name, notes);
    return { count, height: h, width: w, channels: c as ImageArray['channels'], data: v };
  }
  const scale = byteScale(a, name, notes);
  const data = new Uint8Array(n);
  if (!planar) {
    for (let i = 0; i < n; i++) data[i] = Math.round(v[i] * scale);
  } else {
    const hw = h * w;
    for (let i = 0; i < count; i++) {
      const base = i * hw * c;
      for (let k = 0; k < c; k++) for (let p = 0; p < hw; p++) data[base + p * c + k] = Math.round(v[base + k * hw + p] * scale);
    }
  }
  if (c === 4) alphaNote(data, count * h * w, name, notes);
  return { count, height: h, width: w, channels: c as ImageArray['channels'], data };
}
