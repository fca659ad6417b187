/**
 * Arrays of images (IDX, NumPy, CSV) → an `Imported`: their images as bytes (./imageArray.ts
 * `toImageArray`: the layout read off the shape, the values checked) and their labels as classes
 * (./arrayLabels.ts `toLabels`, the "no label" marker's `markerRule`), both re-exported here for
 * the importers, then resolved, preprocessed and put together here (`importArrays`). What a
 * reading drops or assumes is said in the report: flat rows of a width that is not a usual image
 * size (read as √D×√D), an alpha channel, a non-square crop, colour read as grey.
 */
import { type ImportOptions, type ResolvedImport } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import { preprocessPixels } from '../../images/preprocess';
import type { RawImage } from '../../images/pixels';
import { throwIfAborted } from '../fsutil';
import type { LoadOptions } from '../types';
import type { Imported } from './assemble';
import { colourTurnedGrey, describePreprocessing, resolveImport, sampleStats, SKIP_BLANK, upscaleNote, type SampleStats } from './imageFiles';
import { FIT_PAD_APP_ADVICE, KEEP_COLOUR_APP_ADVICE } from './importAdvice';
import type { ImageArray } from './imageArray';

// The array's images (./imageArray.ts) and labels (./arrayLabels.ts), for the importers.
export { toImageArray, type ImageArray } from './imageArray';
export { labelColumn, markerRule, SKIP_UNLABELED, toLabels, unlabeledClass, unlabeledNote, unlabeledRows, type LabelColumns, type RawPart } from './arrayLabels';

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
    warnings: [...base.warnings, ...new Set(parts.map((p) => cropNote(p.images, r))), colourTurnedGrey(r, stats, options.channels) ?? channelsReadGrey(first, r, stats, options.channels), upscaleNote(r, stats, options.size)].filter((w) => w !== null),
    preprocessing: describePreprocessing(r, stats),
  };
}
