/**
 * Arrays of images (IDX, NumPy, CSV) → an `Imported`. The layout is read off the shape —
 * N×H×W, N×H×W×C (C = 1, 3, or 4 with alpha), N×C×H×W (C = 1 or 3, detected), N×D flat with D a
 * square (grey) or three times one (RGB; pixel-interleaved or channel-planar, whichever gives the
 * smoother pictures) — and the values checked: uint8 0–255 or floats 0–1 (bool and 0/1 integers
 * are black/white). What a reading drops or assumes is said in the report: flat rows of a width
 * that is not a usual image size (read as √D×√D), an alpha channel, a non-square crop. Labels are integers (one per image, or one-hot rows) or strings.
 */
import { IMAGE_SIZES, UNLABELED_CLASS, type ImportOptions, type ResolvedImport } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import { preprocessPixels } from '../../images/preprocess';
import type { RawImage } from '../../images/pixels';
import { throwIfAborted } from '../fsutil';
import type { LoadOptions } from '../types';
import type { Imported } from './assemble';
import { colourTurnedGrey, describePreprocessing, resolveImport, sampleStats, SKIP_BLANK, type SampleStats } from './imageFiles';
import { FIT_PAD_APP_ADVICE, KEEP_COLOUR_APP_ADVICE } from './importAdvice';
import type { NdArray } from './numpy';
import { naturalCompare } from './walk';

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

/** Class labels of one or more parts: indices into `names`, one array per part. */
export interface LabelColumns {
  indices: Int32Array[];
  names: string[];
}

/**
 * `a` as one label per image: an N×1 column (Keras' `cifar10.load_data()` layout, `y[:, None]`)
 * is the N labels it holds; anything else is returned as it is.
 */
export function labelColumn(a: NdArray): NdArray {
  return a.shape.length === 2 && a.shape[1] === 1 ? { ...a, shape: [a.shape[0]] } : a;
}

/** True when every row of the N×K `v` is one-hot: one value 1, the others 0. */
function oneHotRows(v: ArrayLike<number>, n: number, k: number): boolean {
  for (let i = 0; i < n; i++) {
    let ones = 0;
    for (let j = 0; j < k; j++) {
      const x = v[i * k + j];
      if (x === 1) ones++;
      else if (x !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}

function labelValues(raw: NdArray, name: string, notes: string[]): Array<number | string> {
  const a = labelColumn(raw);
  if (a.shape.length === 2 && a.kind !== 'U') {
    const [n, k] = a.shape;
    const v = a.values as ArrayLike<number>;
    if (!oneHotRows(v, n, k)) {
      throw bad(`${name}: labels of shape (${a.shape.join(', ')}) are not one per image: rows of ${k} values are read only when they are one-hot (a single 1, the rest 0), and these are not; save one integer label per image (shape N)`);
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (v[i * k + j] > v[i * k + best]) best = j;
      out.push(best);
    }
    notes.push(`${name}: one-hot rows of ${k} read as class indices`);
    return out;
  }
  if (a.shape.length !== 1) throw bad(`${name}: labels must be one per image (shape N, N×1, or N×K one-hot), found (${a.shape.join(', ')})`);
  const values = Array.from(a.values as ArrayLike<number | string>);
  if (a.kind !== 'U') {
    // Negative integers are classes too (labels in {-1, +1}); "no label" is decided before (unlabeledRows).
    const badLabel = values.find((x) => !Number.isInteger(x));
    if (badLabel !== undefined) throw bad(`${name}: label ${badLabel} is not a class (an integer)`);
  }
  return values;
}

/**
 * Labels of every part on one class list: integers in numeric order (named `names[v]` when
 * given and every value indexes it; negative integers such as -1 are classes like any other),
 * one-hot rows (argmax), or strings in natural order.
 * @throws LabError BAD_DATASET for fractional labels and unexpected shapes.
 */
export function toLabels(parts: Array<{ a: NdArray; name: string }>, notes: string[], names?: readonly string[]): LabelColumns {
  const values = parts.map((p) => labelValues(p.a, p.name, notes));
  const strings = parts.some((p) => p.a.kind === 'U');
  const distinct = [...new Set(values.flat().map((x) => (strings ? String(x) : x)))];
  const useNames = !!names && !strings && distinct.every((x) => (x as number) >= 0 && (x as number) < names.length);
  distinct.sort((x, y) => (typeof x === 'number' && typeof y === 'number' ? x - y : naturalCompare(String(x), String(y))));
  const index = new Map<number | string, number>(distinct.map((x, k) => [x, k]));
  return {
    indices: values.map((vs) => Int32Array.from(vs, (x) => index.get(strings ? String(x) : x)!)),
    names: distinct.map((x) => (useNames ? names![x as number] : String(x))),
  };
}

/** The skip reason of unlabeled images dropped beside labeled ones. */
export const SKIP_UNLABELED = 'unlabeled';

/** A part's images and raw labels (N, or N×K one-hot) before they become class indices. */
export interface RawPart {
  images: ImageArray;
  labels: NdArray;
}

/** The rows of `p` at `keep`. */
function pick<P extends RawPart>(p: P, keep: number[]): P {
  const D = p.images.height * p.images.width * p.images.channels;
  const data = new Uint8Array(keep.length * D);
  keep.forEach((i, r) => data.set(p.images.data.subarray(i * D, (i + 1) * D), r * D));
  const v = p.labels.values as ArrayLike<number>;
  return { ...p, images: { ...p.images, count: keep.length, data }, labels: { ...p.labels, shape: [keep.length], values: Float64Array.from(keep, (i) => v[i]) } };
}

/**
 * Unlabeled images among `parts`, marked by the label `marker` (-1 in this app's NPZ export, 255
 * in its IDX export), by `markerRule`: when no image of any part has a label, all are kept and
 * `allUnlabeled` is true (the caller imports them as one class, UNLABELED_CLASS); else, when
 * `dropMixed` (the export's manifest.json says the marker means "no label"), the unlabeled ones
 * are dropped and counted (`dropped`) — without it the marker is a class like any other.
 * String and one-hot labels have no marker: returned as given.
 */
/**
 * The one rule of a "no label" marker (−1 in NPZ and in a metadata.csv's `label`, 255 in this
 * app's IDX export), for every importer: given how many images carry the marker (`marked`) of
 * `total`, and whether the export's manifest.json says the marker means "no label"
 * (`manifestSays`) —
 * - `'all-unlabeled'`: every image carries it: they are one class, UNLABELED_CLASS;
 * - `'skip'`: some do and the manifest says so: those are skipped, counted and explained;
 * - `'class'`: otherwise the marker is a class like any other (labels in {−1, +1} are two classes).
 */
export function markerRule(marked: number, total: number, manifestSays: boolean): 'all-unlabeled' | 'skip' | 'class' {
  if (total > 0 && marked === total) return 'all-unlabeled';
  return marked > 0 && manifestSays ? 'skip' : 'class';
}

export function unlabeledRows<P extends RawPart>(parts: P[], marker: number, dropMixed = true): { parts: P[]; dropped: number; allUnlabeled: boolean } {
  parts = parts.map((p) => ({ ...p, labels: labelColumn(p.labels) }));
  const plain = parts.every((p) => p.labels.kind !== 'U' && p.labels.shape.length === 1);
  if (!plain) return { parts, dropped: 0, allUnlabeled: false };
  const keeps = parts.map((p) => {
    const v = p.labels.values as ArrayLike<number>;
    const keep: number[] = [];
    for (let i = 0; i < v.length; i++) if (v[i] !== marker) keep.push(i);
    return keep;
  });
  const labeled = keeps.reduce((a, k) => a + k.length, 0);
  const total = parts.reduce((a, p) => a + p.images.count, 0);
  const rule = markerRule(total - labeled, total, dropMixed);
  if (rule === 'all-unlabeled') return { parts, dropped: 0, allUnlabeled: true };
  if (rule === 'class') return { parts, dropped: 0, allUnlabeled: false };
  return { parts: parts.map((p, j) => (keeps[j].length === p.images.count ? p : pick(p, keeps[j]))), dropped: total - labeled, allUnlabeled: false };
}

/**
 * The report's note on images skipped by `unlabeledRows`, in words: "3 images with label -1
 * skipped as unlabelled: manifest.json (this app's export) says -1 marks an image without a label".
 */
export function unlabeledNote(dropped: number, marker: number): string {
  return `${dropped} image${dropped === 1 ? '' : 's'} with label ${marker} skipped as unlabelled: manifest.json (this app's export) says ${marker} marks an image without a label`;
}

/** Every image of `parts` in the one class UNLABELED_CLASS (index 0). */
export function unlabeledClass(parts: Array<{ images: ImageArray }>): LabelColumns {
  return { names: [UNLABELED_CLASS], indices: parts.map((p) => new Int32Array(p.images.count)) };
}

/**
 * The report's note when the plain import centre-crops `a`'s non-square images (fit "crop"): how
 * much of each is dropped — "images are 20×30 (height×width, not square): each is centre-cropped
 * to 20×20, 10 of 30 columns (33 %) dropped, then resized to 28×28; set Fit to "pad" to keep them
 * whole" (`FIT_PAD_APP_ADVICE`, the CLI's `--fit pad` in its place). Null when nothing is cropped.
 */
export function cropNote(a: Pick<ImageArray, 'height' | 'width'>, r: ResolvedImport): string | null {
  if (r.preprocess !== 'plain' || r.fit !== 'crop' || a.width === a.height) return null;
  const [H, W] = r.transpose ? [a.width, a.height] : [a.height, a.width];
  const s = Math.min(H, W);
  const long = Math.max(H, W);
  const what = W > H ? 'columns' : 'rows';
  const resized = s === r.size ? '' : `, then resized to ${r.size}×${r.size}`;
  return `images are ${H}×${W} (height×width, not square): each is centre-cropped to ${s}×${s}, ${long - s} of ${long} ${what} (${Math.round((100 * (long - s)) / long)} %) dropped${resized}; ${FIT_PAD_APP_ADVICE}`;
}

/** One image of an array as a decoded picture (transposed when asked). */
function imageAt(a: ImageArray, i: number, transpose: boolean): RawImage {
  const D = a.height * a.width * a.channels;
  const src = a.data.subarray(i * D, (i + 1) * D);
  if (!transpose) return { width: a.width, height: a.height, channels: a.channels, data: src };
  const c = a.channels;
  const out = new Uint8Array(D);
  for (let y = 0; y < a.height; y++) for (let x = 0; x < a.width; x++) for (let k = 0; k < c; k++) out[(x * a.height + y) * c + k] = src[(y * a.width + x) * c + k];
  return { width: a.height, height: a.width, channels: c, data: out };
}

export interface ArrayPart {
  images: ImageArray;
  labels: Int32Array;
  test: boolean;
}

/**
 * The report's note when an array of 3 colour channels (or RGBA) is imported grey by auto although
 * no sampled image shows colour (`colourTurnedGrey` has nothing to say then): e.g. "the array has 3
 * colour channels, read as grey: none of the 30 sampled images shows visible colour (set Colour to
 * "colour" to keep colour)" (`KEEP_COLOUR_APP_ADVICE`, the CLI's `--channels 3` in its place). Null
 * for grey arrays, a chosen Colour, colour kept, or grey recorded by this app's export manifest.
 */
export function channelsReadGrey(a: Pick<ImageArray, 'channels'>, r: ResolvedImport, s: SampleStats, chosen: ImportOptions['channels']): string | null {
  if (a.channels < 3 || r.channels !== 1 || chosen !== 'auto' || s.exportChannels === 1) return null;
  const which = a.channels === 4 ? '3 colour channels and alpha' : '3 colour channels';
  const seen = s.colour === 0 ? `none of the ${s.decoded} sampled image${s.decoded === 1 ? '' : 's'} shows visible colour` : `${s.colour} of the ${s.decoded} sampled images show${s.colour === 1 ? 's' : ''} visible colour`;
  return `the array has ${which}, read as grey: ${seen} (${KEEP_COLOUR_APP_ADVICE})`;
}

/**
 * Parts (a train part, optionally a test part; labels already class indices into `classNames`)
 * → an `Imported`: options resolved from a sample, each image transposed if asked and
 * preprocessed. A part whose images already have the resolved size and colour (and need no
 * transpose or MNIST-style preprocessing) is handed over as it is, not copied: its bytes become
 * one block of the `Imported`'s pixels (for 20,000 64×64×3 images that saves a 245 MB copy).
 * Yields to the event loop every 2,000 images (progress, cancel). `exportChannels`: the channels
 * this app's export's manifest.json records (manifest.ts), which auto colour follows.
 */
export async function importArrays(
  base: Pick<Imported, 'kind' | 'root' | 'classNames' | 'skipped' | 'warnings'> & Partial<Pick<Imported, 'verified' | 'title' | 'allUnlabeled' | 'noLabels'>>,
  parts: ArrayPart[],
  options: ImportOptions,
  opts: Pick<LoadOptions, 'signal' | 'onProgress'>,
  exportChannels?: 1 | 3,
): Promise<Imported> {
  const first = parts[0].images;
  const k = Math.min(32, first.count);
  const sample = sampleStats(Array.from({ length: k }, (_, j) => imageAt(first, Math.floor((j * first.count) / k), options.transpose)));
  // Auto colour follows this app's export's manifest.json (`exportChannels`) when there is one.
  const stats = exportChannels ? { ...sample, exportChannels } : sample;
  const r = resolveImport(options, stats);
  const D = r.size * r.size * r.channels;
  const total = parts.reduce((s, p) => s + p.images.count, 0);
  const blocks: Uint8Array[] = [];
  const labels = new Int32Array(total);
  const mask = parts.length > 1 ? new Uint8Array(total) : null;
  let n = 0;
  let done = 0;
  let blank = 0;
  opts.onProgress?.({ phase: 'decode', loaded: 0, total });
  for (const part of parts) {
    const a = part.images;
    const same = r.preprocess === 'plain' && !options.transpose && a.width === r.size && a.height === r.size && a.channels === r.channels;
    const block = same ? a.data.subarray(0, a.count * D) : new Uint8Array(a.count * D);
    let kept = 0;
    for (let i = 0; i < a.count; i++) {
      if (++done % 2000 === 0) {
        opts.onProgress?.({ phase: 'decode', loaded: done, total });
        await new Promise<void>((res) => setImmediate(res));
        throwIfAborted(opts.signal);
      }
      if (!same) {
        try {
          block.set(preprocessPixels(imageAt(a, i, options.transpose), r), kept * D);
        } catch (err) {
          if (!(err instanceof LabError && err.code === 'BAD_IMAGE')) throw err;
          blank++;
          continue;
        }
      }
      kept++;
      labels[n] = part.labels[i];
      if (mask) mask[n] = part.test ? 1 : 0;
      n++;
    }
    blocks.push(block.subarray(0, kept * D));
  }
  opts.onProgress?.({ phase: 'decode', loaded: total, total });
  const skipped = { ...base.skipped };
  if (blank) skipped[SKIP_BLANK] = (skipped[SKIP_BLANK] ?? 0) + blank;
  return {
    ...base,
    resolved: r,
    pixels: blocks,
    labels,
    count: n,
    testMask: mask,
    skipped,
    warnings: [...base.warnings, ...new Set(parts.map((p) => cropNote(p.images, r))), colourTurnedGrey(r, stats, options.channels) ?? channelsReadGrey(first, r, stats, options.channels)].filter((w) => w !== null),
    preprocessing: describePreprocessing(r, stats),
  };
}
