/**
 * Image files → model inputs: the import options decided from a sample (`resolveFromSample`),
 * then every file decoded and preprocessed into one byte buffer (`decodeFiles`), a few files in
 * flight at once (sharp decodes on libuv's threads; small PNGs are decoded in this thread).
 */
import { readFileSync, statSync } from 'node:fs';
import { IMAGE_SIZES, type ImportOptions, type ResolvedImport } from '../../../../src-shared/datasets';
import { LabError, MAX_IMAGE_BYTES } from '../../../../src-shared/types';
import { decodeRaw } from '../../images/decode';
import { looksLikeInk, NO_STROKES } from '../../images/mnistStyle';
import { hasColour, resolveAlpha, toGray, type RawImage } from '../../images/pixels';
import { borderMedian } from '../../images/resample';
import { decodeSide, preprocessPixels } from '../../images/preprocess';
import { mapLimit, throwIfAborted } from '../fsutil';
import type { LoadProgress } from '../types';
import { FIT_PAD_APP_ADVICE, KEEP_COLOUR_APP_ADVICE, SIZE_32_APP_ADVICE } from './importAdvice';
import { readExportManifest } from './manifest';

/** An image file to read. */
export interface ImageJob {
  abs: string;
  /** For messages: the path relative to the dataset root. */
  rel: string;
  /** Bytes, when the listing knows them (else the file is stat'ed before it is read). */
  size?: number;
}

/** Files decoded at once. */
const CONCURRENCY = 8;
/** Files looked at to decide `auto` options. */
const SAMPLE = 32;

export const SKIP_UNDECODABLE = 'could not be decoded';
export const SKIP_BLANK = 'blank after preprocessing (no visible strokes)';

/** What a sample of the images looks like. */
export interface SampleStats {
  decoded: number;
  /** Sampled images that look like ink drawings (grey, plain page, sparse strokes). */
  ink: number;
  /** Sampled images with colour. */
  colour: number;
  /** Median of the sampled images' shorter sides, in pixels (after a shrink to ≤ 560). */
  medianSide: number;
  /**
   * Sampled images already in MNIST form: ink drawings, square at an allowed size (28, 32, 64),
   * grey, light ink on a dark background (MNIST itself, or this app's exports).
   */
  mnistForm: number;
  /**
   * The channels this app's export recorded in its manifest.json beside the data (1 grey, 3 RGB;
   * manifest.ts): "auto" follows it, so a colour run's export re-imports in colour however faint
   * its colour is, and a grey one grey.
   */
  exportChannels?: 1 | 3;
  /**
   * Colour counted over every decoded image of a folder (`decodeImages`), when it says colour by
   * the auto rule where the sample did not: auto then keeps colour.
   */
  allColour?: { colour: number; decoded: number };
}

/** The allowed size nearest to `side`: 28 up to 30 px, 32 below 48 px, else 64. */
export function nearestSize(side: number): 28 | 32 | 64 {
  if (side <= 30) return 28;
  return side < 48 ? 32 : 64;
}

const pct = (share: number) => `${Math.round(100 * share)} %`;

/** True when the images counted in `s` are colour by the auto rule: at least 10 % have colour. */
export const mostlyColour = (s: Pick<SampleStats, 'colour' | 'decoded'>) => s.colour > 0 && s.colour * 10 >= s.decoded;

/**
 * `auto` options decided: ink drawings (most of the sample, under 10 % coloured) → MNIST-style,
 * grey, 28 — unless most are already in MNIST form, which get no MNIST-style processing (plain,
 * their size), or colour was chosen (MNIST-style would make every image grey: plain);
 * otherwise plain, colour when at least 10 % of the sample has colour, the allowed size nearest
 * to the median side (`nearestSize`). Auto colour follows an export's manifest.json when there is
 * one (`SampleStats.exportChannels`). Explicit options are kept.
 */
export function resolveImport(o: ImportOptions, s: SampleStats): ResolvedImport {
  const colour = mostlyColour(s) || (!!s.allColour && mostlyColour(s.allColour));
  const wanted = o.channels !== 'auto' ? o.channels : s.exportChannels ?? 'auto';
  const inky = s.decoded > 0 && !colour && wanted !== 3 && s.ink * 2 > s.decoded;
  const formed = inky && s.mnistForm * 2 > s.decoded;
  const preprocess = o.preprocess !== 'auto' ? o.preprocess : inky && !formed ? 'mnist-style' : 'plain';
  const channels = wanted !== 'auto' ? wanted : preprocess === 'mnist-style' ? 1 : colour ? 3 : 1;
  const size = o.size !== 'auto' ? o.size : preprocess === 'mnist-style' ? 28 : nearestSize(s.medianSide || 28);
  return { size, channels, fit: o.fit, preprocess, transpose: o.transpose };
}

/**
 * Why `auto` picks what it picks (the same rule as `resolveImport`), in words a user follows:
 * "21 of 32 sample images are already in MNIST form (light strokes on black, square): no
 * MNIST-style processing needed". `r` is what was resolved; when it is not what `auto` would pick, the user chose it.
 */
function preprocessingReason(r: ResolvedImport, s: SampleStats): string {
  const of = (k: number) => `${k} of ${s.decoded} sample image${s.decoded === 1 ? '' : 's'}`;
  const autoOf = (channels: ImportOptions['channels']) => resolveImport({ size: 'auto', channels, fit: r.fit, preprocess: 'auto', transpose: r.transpose }, s);
  const auto = autoOf(r.channels);
  if (auto.preprocess !== r.preprocess) return `as chosen (from the ${s.decoded} sample images, auto would pick ${auto.preprocess})`;
  if (r.preprocess === 'mnist-style') return `${of(s.ink)} look like ink drawings on paper: turned into MNIST form`;
  if (s.exportChannels === r.channels && mostlyColour(s) !== (r.channels === 3)) {
    return `manifest.json (this app's export) records ${r.channels === 3 ? 'colour' : 'grey'} images: kept ${r.channels === 3 ? 'in colour' : 'grey'} (${of(s.colour)} ${s.colour === 1 ? 'has' : 'have'} visible colour), median side ${s.medianSide} px`;
  }
  if (r.channels === 3 && autoOf('auto').preprocess === 'mnist-style') {
    return `colour chosen: ${of(s.ink)} look like ink drawings, but MNIST-style processing would make them grey, so none is done, median side ${s.medianSide} px`;
  }
  if (s.decoded > 0 && s.mnistForm * 2 > s.decoded && s.ink * 2 > s.decoded) {
    return `${of(s.mnistForm)} are already in MNIST form (light strokes on black, square): no MNIST-style processing needed`;
  }
  if (mostlyColour(s)) {
    // Grey here is the user's choice (auto keeps colour; an export's grey manifest is said above).
    return `${of(s.colour)} ${s.colour === 1 ? 'has' : 'have'} colour: ${r.channels === 3 ? 'kept in colour' : 'turned grey as chosen'}, median side ${s.medianSide} px`;
  }
  if (s.allColour && mostlyColour(s.allColour) && r.channels === 3) {
    const a = s.allColour;
    return `${a.colour.toLocaleString('en-US')} of all ${a.decoded.toLocaleString('en-US')} images (${pct(a.colour / a.decoded)}) have colour, though only ${of(s.colour)} did: kept in colour, median side ${s.medianSide} px`;
  }
  return `${of(s.decoded - s.ink)} are not ink drawings: no MNIST-style processing, median side ${s.medianSide} px`;
}

/**
 * The report's warning when images of the sample are in colour and the import turns them grey:
 * "2 of the 32 sampled images are in colour: turned grey (set Colour to "colour" to keep colour)"
 * (`KEEP_COLOUR_APP_ADVICE`, the CLI's `--channels 3` in its place) — or "… turned grey as
 * chosen" when grey was chosen over auto's colour. Null when no
 * sampled image has colour or the import keeps colour.
 */
export function colourTurnedGrey(r: ResolvedImport, s: SampleStats, chosen: ImportOptions['channels']): string | null {
  if (r.channels !== 1 || s.colour === 0) return null;
  const which = `${s.colour} of the ${s.decoded} sampled image${s.decoded === 1 ? '' : 's'} ${s.colour === 1 ? 'is' : 'are'} in colour`;
  return chosen === 1 ? `${which}: turned grey as chosen` : `${which}: turned grey (${KEEP_COLOUR_APP_ADVICE})`;
}

/**
 * The report's note when auto's size upscales the images to 64×64: a median side of 48–63 px makes
 * 64 the nearest allowed size, or as near as 32 (ties go up, `nearestSize`). Said because it
 * costs: 64×64 has 4× the pixels of 32×32, and a model on it 4× (dense) to 5.6× (conv at its
 * default widths: 324 vs 57.5 MFLOP per training sample) the compute. "images are upscaled to
 * 64×64 from a median side of 48 px; Size 32 is as near (16 px below, as 64 is 16 px
 * above), with a quarter of the pixels, about 5× cheaper to train: set Size to 32 to train at 32×32"
 * (`SIZE_32_APP_ADVICE`, the CLI's `--size 32` in its place). Null when the size was chosen, the
 * images are MNIST-style (fitted into a box, not resized) or not upscaled to 64.
 */
export function upscaleNote(r: ResolvedImport, s: SampleStats, chosen: ImportOptions['size']): string | null {
  const m = s.medianSide;
  if (chosen !== 'auto' || r.preprocess !== 'plain' || r.size !== 64 || !(m > 0 && m < 64)) return null;
  const below = m - 32;
  const above = 64 - m;
  const where = below === above ? `as near (${below} px below, as 64 is ${above} px above)` : `${below} px below (64 is ${above} px above)`;
  return `images are upscaled to 64×64 from a median side of ${m} px; Size 32 is ${where}, with a quarter of the pixels, about 5× cheaper to train: ${SIZE_32_APP_ADVICE}`;
}

/** The preprocessing in words, for the report: what is done, then why (`preprocessingReason`). */
export function describePreprocessing(r: ResolvedImport, s?: SampleStats): string {
  const colour = r.channels === 3 ? 'RGB' : 'grey';
  const how =
    r.preprocess === 'mnist-style'
      ? `MNIST-style: paper removed (uneven lighting evened out), ink = 1, fitted into a ${Math.round((r.size * 20) / 28)}-pixel box and centred by mass in ${r.size}×${r.size}, ${colour}`
      : `plain: ${r.fit === 'crop' ? 'centre-cropped' : 'padded with the border colour'} to a square where not square, resized to ${r.size}×${r.size} where not that size, ${colour}`;
  if (!s || s.decoded === 0) return how;
  return `${how}. Why: ${preprocessingReason(r, s)}.`;
}

/**
 * Reads an image file whole. Synchronous on purpose: for small files one `readFileSync` costs a
 * few tens of µs of this thread, the promise API several times that (measured: 60,000 files).
 * The size is checked first, so nothing above MAX_IMAGE_BYTES is read.
 */
function readImage(job: ImageJob): Uint8Array {
  const size = job.size ?? statSync(job.abs).size;
  if (size > MAX_IMAGE_BYTES) {
    throw new LabError('BAD_IMAGE', `file is ${(size / 1024 / 1024).toFixed(1)} MB, above the ${MAX_IMAGE_BYTES / 1024 / 1024} MB limit`);
  }
  const bytes = readFileSync(job.abs);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What the import sees in one decoded image: colour, an ink drawing, already in MNIST form. */
function judgeImage(raw: RawImage): { side: number; colour: boolean; ink: boolean; mnistForm: boolean } {
  const img = resolveAlpha(raw);
  const side = Math.min(img.width, img.height);
  if (hasColour(img)) return { side, colour: true, ink: false, mnistForm: false };
  const gray = toGray(img);
  if (!looksLikeInk(gray)) return { side, colour: false, ink: false, mnistForm: false };
  const square = img.width === img.height && (IMAGE_SIZES as readonly number[]).includes(img.width);
  return { side, colour: false, ink: true, mnistForm: square && borderMedian(gray.data, gray.width, gray.height) < 128 };
}

/**
 * Whether one decoded image is already in MNIST form, as the import counts it (`SampleStats.mnistForm`):
 * grey, an ink drawing, square at an allowed size (28, 32, 64), light ink on a dark border.
 * Such images need no MNIST-style processing (a folder of them is imported plain).
 */
export function inMnistForm(raw: RawImage): boolean {
  return judgeImage(raw).mnistForm;
}

/** Adds up what a sample of decoded images looks like. */
export function sampleStats(images: Iterable<RawImage>): SampleStats {
  const sides: number[] = [];
  let ink = 0;
  let colour = 0;
  let mnistForm = 0;
  for (const raw of images) {
    const j = judgeImage(raw);
    sides.push(j.side);
    if (j.colour) colour++;
    if (j.ink) ink++;
    if (j.mnistForm) mnistForm++;
  }
  sides.sort((a, b) => a - b);
  return { decoded: sides.length, ink, colour, medianSide: sides.length ? sides[sides.length >> 1] : 0, mnistForm };
}

/** Looks at up to 32 evenly spread images. */
export async function sampleImages(jobs: readonly ImageJob[], signal?: AbortSignal): Promise<SampleStats> {
  const k = Math.min(SAMPLE, jobs.length);
  const picks = Array.from({ length: k }, (_, i) => jobs[Math.floor((i * jobs.length) / k)]);
  const images: RawImage[] = [];
  await mapLimit(picks, CONCURRENCY, async (job) => {
    throwIfAborted(signal);
    try {
      images.push(await decodeRaw(readImage(job), { maxSide: 560 }));
    } catch {
      // unreadable: counted when everything is decoded
    }
  });
  return sampleStats(images);
}

export interface DecodedFiles {
  /** `jobs.length × size·size·channels` bytes; rows of failed files are zero. */
  pixels: Uint8Array;
  /** 1 where the file was decoded. */
  ok: Uint8Array;
  skipped: Record<string, number>;
  /** A few failures with their reasons, for the warnings. */
  examples: string[];
  /** Images decoded (`ok` set). */
  decoded: number;
  /**
   * Decoded images with colour (images/pixels.ts `hasColour`, as the sample counts them): every
   * image is looked at, not a sample — counted only when the import is grey (colour kept
   * otherwise), else 0. `colourFiles`: the first few of them (paths relative to the root).
   */
  colour: number;
  colourFiles: string[];
  /**
   * With the plain import's fit "crop": the decoded images that are not square (centre-cropped),
   * and the share of their pixels the crop cut away, mean and largest (0–1).
   */
  cropped: { count: number; meanShare: number; maxShare: number };
}

/** Files named in a warning at most. */
const NAMED = 3;

/**
 * Decodes and preprocesses every file. A file that cannot be read or decoded, or is blank under
 * MNIST-style preprocessing, is counted by reason (with a few examples), never fatal here.
 * @throws LabError CANCELLED when `signal` is aborted.
 */
export async function decodeFiles(
  jobs: readonly ImageJob[],
  r: ResolvedImport,
  opts: { signal?: AbortSignal; onProgress?: (p: LoadProgress) => void },
): Promise<DecodedFiles> {
  const D = r.size * r.size * r.channels;
  const pixels = new Uint8Array(jobs.length * D);
  const ok = new Uint8Array(jobs.length);
  const skipped: Record<string, number> = {};
  const examples: string[] = [];
  const colourRows: number[] = [];
  let decoded = 0;
  const crop = { count: 0, sum: 0, max: 0 };
  const cropping = r.preprocess === 'plain' && r.fit === 'crop';
  const total = jobs.length;
  const every = Math.max(1, Math.floor(total / 200));
  const side = decodeSide(r);
  let done = 0;
  opts.onProgress?.({ phase: 'decode', loaded: 0, total });
  await mapLimit(jobs, CONCURRENCY, async (job, i) => {
    throwIfAborted(opts.signal);
    try {
      const raw = await decodeRaw(readImage(job), { maxSide: side });
      pixels.set(preprocessPixels(raw, r), i * D);
      ok[i] = 1;
      decoded++;
      // Every image is judged, not a sample, so one colour image among grey ones is named. Measured
      // on 8,000 grey-valued RGB PNGs, the worst case (a grey PNG is not scanned; a shared 2-core
      // machine): 128–169 ms at 64×64 (11–12 % of the decode's 1.2–1.4 s), 63–75 ms at 28×28 (2–5 %).
      if (r.channels === 1 && hasColour(resolveAlpha(raw))) colourRows.push(i);
      if (cropping && raw.width !== raw.height) {
        const cut = 1 - Math.min(raw.width, raw.height) / Math.max(raw.width, raw.height);
        crop.count++;
        crop.sum += cut;
        crop.max = Math.max(crop.max, cut);
      }
    } catch (err) {
      const blank = err instanceof LabError && err.message === NO_STROKES;
      const why = blank ? SKIP_BLANK : SKIP_UNDECODABLE;
      skipped[why] = (skipped[why] ?? 0) + 1;
      if (examples.length < 3) examples.push(`${job.rel}: ${err instanceof LabError ? err.message : (err as Error).message}`);
    }
    done++;
    if (done % every === 0 || done === total) opts.onProgress?.({ phase: 'decode', loaded: done, total });
  });
  throwIfAborted(opts.signal);
  const cropped = { count: crop.count, meanShare: crop.count ? crop.sum / crop.count : 0, maxShare: crop.max };
  // The first few in the listing's order (files finish decoding in any order).
  const colourFiles = colourRows.sort((a, b) => a - b).slice(0, NAMED).map((i) => jobs[i].rel);
  return { pixels, ok, skipped, examples, decoded, colour: colourRows.length, colourFiles, cropped };
}

/**
 * The report's note on what the centre crop cut away from a folder's non-square images (as
 * arrays.ts `cropNote` says it for arrays): "12 of 40 images are not square: each is
 * centre-cropped, losing 25 % of its pixels (up to 33 %); set Fit to "pad" to keep them whole".
 * Null when none was cropped.
 */
export function folderCropNote(dec: Pick<DecodedFiles, 'cropped' | 'decoded'>): string | null {
  const c = dec.cropped;
  if (!c.count) return null;
  const lose = Math.abs(c.maxShare - c.meanShare) < 0.005 ? `losing ${pct(c.meanShare)} of its pixels` : `losing ${pct(c.meanShare)} of its pixels on average (up to ${pct(c.maxShare)})`;
  return `${c.count.toLocaleString('en-US')} of ${dec.decoded.toLocaleString('en-US')} images ${c.count === 1 ? 'is' : 'are'} not square: ${c.count === 1 ? 'it is' : 'each is'} centre-cropped, ${lose}; ${FIT_PAD_APP_ADVICE}`;
}

/**
 * The report's warning when images of a folder are in colour and the import turns them grey,
 * counted over every decoded image and the first few named: "1 of the 61 images is in colour
 * (odd/red.png): turned grey (set Colour to "colour" to keep colour)", or "… turned grey as
 * chosen". Null when none is.
 */
export function folderColourNote(dec: Pick<DecodedFiles, 'colour' | 'colourFiles' | 'decoded'>, chosen: ImportOptions['channels']): string | null {
  if (!dec.colour) return null;
  const named = `${dec.colourFiles.join(', ')}${dec.colour > dec.colourFiles.length ? ', …' : ''}`;
  const which = `${dec.colour.toLocaleString('en-US')} of the ${dec.decoded.toLocaleString('en-US')} images ${dec.colour === 1 ? 'is' : 'are'} in colour (${named})`;
  return chosen === 1 ? `${which}: turned grey as chosen` : `${which}: turned grey (${KEEP_COLOUR_APP_ADVICE})`;
}

/**
 * A folder's images (`jobs`, found under `root`) decoded with the options `auto` resolves to: from
 * a sample (`sampleImages`) and the channels a manifest.json of this app's export in `root`
 * records (manifest.ts), then —
 * when auto chose grey from the sample but at least 10 % of all decoded images have colour (the
 * sample missed them) — decoded again in colour, and `stats` says so (`allColour`). `notes`: the folder's warnings about colour
 * turned grey (every image counted, the first few named), the centre crop and an upscale to 64×64 (`upscaleNote`); `cropNote` also
 * goes to a refusal of (nearly) constant images as a possible cause.
 */
export async function decodeImages(
  root: string,
  jobs: readonly ImageJob[],
  options: ImportOptions,
  opts: { signal?: AbortSignal; onProgress?: (p: LoadProgress) => void },
): Promise<{ resolved: ResolvedImport; stats: SampleStats; dec: DecodedFiles; notes: string[]; cropNote: string | null }> {
  const exportChannels = (await readExportManifest(root)).channels;
  let stats: SampleStats = { ...(await sampleImages(jobs, opts.signal)), ...(exportChannels ? { exportChannels } : {}) };
  let resolved = resolveImport(options, stats);
  let dec = await decodeFiles(jobs, resolved, opts);
  const notes: string[] = [];
  const allColour = { colour: dec.colour, decoded: dec.decoded };
  const again = resolveImport(options, { ...stats, allColour });
  if (again.channels !== resolved.channels) {
    // The sample missed them: decoded again, in colour (`preprocessingReason` says why).
    stats = { ...stats, allColour };
    resolved = again;
    dec = await decodeFiles(jobs, resolved, opts);
  } else {
    const grey = folderColourNote(dec, options.channels);
    if (grey) notes.push(grey);
  }
  const cropNote = folderCropNote(dec);
  if (cropNote) notes.push(cropNote);
  const upscaled = upscaleNote(resolved, stats, options.size);
  if (upscaled) notes.push(upscaled);
  return { resolved, stats, dec, notes, cropNote };
}
