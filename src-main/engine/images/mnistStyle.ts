/**
 * MNIST-style preprocessing, as MNIST was made: ink = 1 on a 0 background, the ink's bounding
 * box fitted into a 20×20 box (aspect kept, antialiased resampling) and placed in 28×28 so that
 * its centre of mass sits at the centre. Before that, the paper is found and removed — one level
 * for an evenly lit page, a smooth surface (background.ts) for a gradient or a shadow — so that
 * only ink is left.
 */
import { LabError } from '../../../src-shared/types';
import { estimateBackground } from './background';
import { borderMedian, centreOfMass, resizeGray } from './resample';

export interface GrayImage {
  width: number;
  height: number;
  /** 8-bit gray, row-major, 0 = black. */
  data: Uint8Array;
}

/** Minimum ink − background contrast, in 8-bit levels, for strokes to count as visible. */
const MIN_CONTRAST = 40;
/** Normalised intensity under which pixels are treated as background (paper texture, noise). */
const NOISE_FLOOR = 0.1;

/**
 * The BAD_IMAGE message of a readable image that is blank under MNIST-style processing (an
 * all-white page): not "unreadable", which is for files that do not decode.
 */
export const NO_STROKES = 'blank after MNIST-style processing: no strokes stand out from the background';

const noStrokes = () => new LabError('BAD_IMAGE', NO_STROKES);

/** The image turned so ink is bright, and its background level per pixel (or one level). */
interface Paper {
  f: Uint8Array;
  surface: Float32Array | null;
  flat: number;
}

/**
 * How the paper is found: `auto` = one level for an evenly lit page, a smooth surface otherwise;
 * `flat` = always one level (the border's median), as before uneven lighting was handled.
 */
export type BackgroundMode = 'auto' | 'flat';

/** Inverts a light page (border median above mid-grey) and estimates its background. */
function paper(img: GrayImage, mode: BackgroundMode = 'auto'): Paper {
  const { width, height, data } = img;
  const bgRaw = borderMedian(data, width, height, Math.max(1, Math.round(Math.min(width, height) * 0.02)));
  const invert = bgRaw > 127;
  const f = invert ? data.map((v) => 255 - v) : data;
  return { f, surface: mode === 'flat' ? null : estimateBackground(f, width, height), flat: invert ? 255 - bgRaw : bgRaw };
}

/**
 * Ink in [0, 1] per pixel: the image turned so ink is bright (inverted when the border is
 * light), the background removed (divided out: `(f − bg) / (255 − bg)`, i.e. 1 − reflectance for
 * a light page), normalised so the strongest ink is 1, and a noise floor applied.
 * Throws BAD_IMAGE NO_STROKES when nothing stands out from the paper.
 */
export function inkMap(img: GrayImage, mode: BackgroundMode = 'auto'): Float32Array {
  const { f, surface, flat } = paper(img, mode);
  const n = img.width * img.height;
  const t = new Float32Array(n);
  let top = 0;
  let contrast = 0;
  for (let i = 0; i < n; i++) {
    const bg = surface ? surface[i] : flat;
    const d = f[i] - bg;
    if (d > contrast) contrast = d;
    const v = d > 0 ? d / Math.max(1, 255 - bg) : 0;
    t[i] = v;
    if (v > top) top = v;
  }
  if (contrast < MIN_CONTRAST || top <= 0) throw noStrokes();
  for (let i = 0; i < n; i++) {
    const v = t[i] / top;
    t[i] = v <= NOISE_FLOOR ? 0 : Math.min(1, (v - NOISE_FLOOR) / (1 - NOISE_FLOOR));
  }
  dropSpecks(t, img.width, img.height);
  return t;
}

/** A speck: a connected patch of ink whose strongest pixel is below this (of 1). */
const SPECK_PEAK = 0.35;

/**
 * Clears faint specks: 8-connected patches of ink whose strongest pixel stays below SPECK_PEAK
 * (paper texture, what is left of a shadow's edge). Real strokes, dots included, reach near 1.
 */
function dropSpecks(t: Float32Array, w: number, h: number): void {
  const seen = new Uint8Array(w * h);
  const stack: number[] = [];
  const patch: number[] = [];
  for (let start = 0; start < t.length; start++) {
    if (seen[start] || t[start] <= 0) continue;
    stack.push(start);
    seen[start] = 1;
    patch.length = 0;
    let peak = 0;
    while (stack.length) {
      const i = stack.pop()!;
      patch.push(i);
      if (t[i] > peak) peak = t[i];
      const x = i % w;
      const y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const j = yy * w + xx;
          if (!seen[j] && t[j] > 0) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    if (peak < SPECK_PEAK) for (const i of patch) t[i] = 0;
  }
}

/**
 * MNIST-style preprocessing of a decoded grayscale image. Returns `size × size` floats in
 * [0, 1] (default 28), ink = 1, the ink fitted into `box × box` (default 20, or size·20/28);
 * `mode` as in `paper` (tests compare `flat`).
 * Throws BAD_IMAGE NO_STROKES for a blank image.
 */
export function mnistStyleFromGray(img: GrayImage, size = 28, box = Math.round((size * 20) / 28), mode: BackgroundMode = 'auto'): Float32Array {
  const { width, height } = img;
  const f = inkMap(img, mode);
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (f[y * width + x] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw noStrokes();
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
  // Place so that the centre of mass lands on pixel (size/2, size/2) in index coordinates, by an
  // integer shift — what the real MNIST digits show (their mean centre of mass is at 14.0, 14.0).
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
 * Heuristic: does this look like ink on paper (sparse strokes on a plain page, evenly lit or
 * not)? With the page's background removed (as for preprocessing): true when 90 % of the border
 * is within 48 levels of the background, between 0 and 35 % of the pixels stand out from it by
 * more than 64 levels, and at most 25 % are mid-tones (16–64 levels off: a drawing's are its
 * strokes' edges, ≤ 13 % on MNIST digits even photographed under uneven light; a photo's are
 * most of it).
 */
export function looksLikeInk(img: GrayImage): boolean {
  const { width, height } = img;
  const { f, surface, flat } = paper(img);
  let borderN = 0;
  let borderClose = 0;
  let far = 0;
  let mid = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const d = Math.abs(f[i] - (surface ? surface[i] : flat));
      if (d > 64) far++;
      else if (d > 16) mid++;
      if (y === 0 || y === height - 1 || x === 0 || x === width - 1) {
        borderN++;
        if (d <= 48) borderClose++;
      }
    }
  }
  const n = width * height;
  return borderClose / borderN >= 0.9 && far > 0 && far <= 0.35 * n && mid <= 0.25 * n;
}
