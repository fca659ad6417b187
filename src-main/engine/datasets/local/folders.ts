/**
 * Folder layouts of image files: class folders (`imagefolder`; a flat folder of images is one
 * unlabelled class), `train/` + `test/` (or `val/`)
 * roots each holding the same class folders (`split-root`), and these turned into one decoded
 * `Imported` (`importFileSet`). Inside a class folder images are searched recursively, symbolic
 * links followed (walk.ts); what is not an image is counted by kind.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { UNLABELED_CLASS, type DatasetKind, type ImportOptions } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import { IMAGE_EXTENSIONS, READ_FORMATS_TEXT, sniffFormat, UNREAD_IMAGE_EXTENSIONS, type ImageFormat } from '../../images/format';
import type { LoadOptions } from '../types';
import { addSkips, type Imported } from './assemble';
import { decodeImages, describePreprocessing, type ImageJob } from './imageFiles';
import { listFiles, listTop, MAX_SKIP_EXAMPLES, naturalCompare, type FoundFile, type SkippedEntry } from './walk';

/** Images one import may hold at most. */
export const MAX_IMAGES = 200_000;
export const SKIP_NOT_IMAGE = 'not an image file';
/**
 * An image file (by its first bytes) without any extension: images are taken by their extension,
 * so even a PNG named `scan1` is skipped. A file without extension that is not an image (`README`,
 * `notes`) is `SKIP_NOT_IMAGE`.
 */
export const SKIP_NO_EXTENSION = 'no image extension (.png, .jpg, …)';
export const SKIP_LOOSE = 'outside the class folders';
/** An image beside a split layout's two folders (`outside train/ and test/`: a `val/` when `test/` is the test split). */
export const skipOutsideSplits = (trainDir: string, testDir: string) => `outside ${trainDir}/ and ${testDir}/`;

/** Image files with their class and split, before decoding. */
export interface FileSet {
  kind: DatasetKind;
  root: string;
  jobs: ImageJob[];
  /** Class index of each job. */
  labels: number[];
  classNames: string[];
  /** 1 = test, per job; null when the files give no split. */
  testMask: number[] | null;
  skipped: Record<string, number>;
  warnings: string[];
  /** Files that are not images, counted by extension (for "found only …" messages). */
  others: Record<string, number>;
  /** The first few skipped files, named with why (`red/README.txt: not an image file`). */
  examples: string[];
  /** No file had a label: one class, "unlabeled" (see `Imported.allUnlabeled`). */
  allUnlabeled?: boolean;
  /** The images were directly in the folder, with no class folders (see `Imported.flat`). */
  flat?: boolean;
}

export { MAX_SKIP_EXAMPLES };

/** The reason of an example (`a/b.png: why` → `why`; reasons hold no ": "). */
const reasonOf = (example: string) => example.slice(example.lastIndexOf(': ') + 2);

/**
 * Names one skipped file in `examples` as `rel: why`, keeping at most MAX_SKIP_EXAMPLES: once
 * full, a reason not named yet takes the place of the last example of the reason named most
 * often, so every reason keeps an example while there is room (5 unlabeled rows do not hide 41
 * unlisted images). Reasons must not contain ": ".
 */
export function addExample(examples: string[], rel: string, why: string): void {
  const entry = `${rel}: ${why}`;
  if (examples.length < MAX_SKIP_EXAMPLES) {
    examples.push(entry);
    return;
  }
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(reasonOf(e), (counts.get(reasonOf(e)) ?? 0) + 1);
  if (counts.has(why)) return;
  const [most, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
  if (n < 2) return;
  const last = examples.map(reasonOf).lastIndexOf(most);
  examples.splice(last, 1);
  examples.push(entry);
}

/** Adds a listing's named skips to `set.examples`, their paths under `prefix` (`''`: none). */
export function addNamedSkips(set: Pick<FileSet, 'examples'>, named: SkippedEntry[], prefix: string): void {
  for (const e of named) addExample(set.examples, [prefix, e.rel].filter((s) => s !== '').join('/') || '.', e.why);
}

export const extOf = (name: string) => path.extname(name).toLowerCase();

/**
 * The image format of the file at `abs` by its first 32 bytes (its name aside; images/format.ts
 * `sniffFormat`); null when it is none of the formats read, or cannot be read.
 */
export function sniffFile(abs: string): ImageFormat | null {
  let fd: number | undefined;
  try {
    fd = openSync(abs, 'r');
    const head = Buffer.alloc(32);
    return sniffFormat(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether a file could be an image: an image extension, read or not (a HEIC too), or else an
 * image's first bytes (`scan1`, `photo.dat`).
 */
export function couldBeImage(f: Pick<FoundFile, 'abs' | 'rel'>): boolean {
  const ext = extOf(f.rel);
  return IMAGE_EXTENSIONS.has(ext) || !!UNREAD_IMAGE_EXTENSIONS[ext] || sniffFile(f.abs) !== null;
}

/**
 * Counts and names `files` skipped with `image` when they could be images (`couldBeImage`), else
 * with `other`: the images first, so that a README does not take their place among the examples.
 */
export function skipFiles(set: Pick<FileSet, 'skipped' | 'examples'>, files: Array<Pick<FoundFile, 'abs' | 'rel'>>, image: string, other: string): void {
  const reasons = files.map((f) => ({ rel: f.rel, why: couldBeImage(f) ? image : other }));
  for (const r of [...reasons.filter((r) => r.why === image), ...reasons.filter((r) => r.why !== image)]) {
    set.skipped[r.why] = (set.skipped[r.why] ?? 0) + 1;
    addExample(set.examples, r.rel, r.why);
  }
}

/**
 * What lies in `root` beside a split layout's `train/` and `test/` folders — its files, and the
 * files of its other folders (a `val/` when `test/` is the test split) — counted and named:
 * images as `skipOutsideSplits`, anything else as `other`. Nothing there is imported.
 */
export async function skipBesideSplits(set: Pick<FileSet, 'skipped' | 'examples'>, root: string, trainDir: string, testDir: string, other: string, signal?: AbortSignal): Promise<void> {
  const top = listTop(root);
  addSkips(set.skipped, top.skipped);
  addNamedSkips(set, top.named, '');
  const files: Array<Pick<FoundFile, 'abs' | 'rel'>> = top.files.map((n) => ({ abs: path.join(root, n), rel: n }));
  for (const dir of top.dirs.filter((d) => d !== trainDir && d !== testDir)) {
    const listing = await listFiles(path.join(root, dir), signal, [root]);
    addSkips(set.skipped, listing.skipped);
    addNamedSkips(set, listing.named, dir);
    for (const f of listing.files) files.push({ abs: f.abs, rel: `${dir}/${f.rel}` });
  }
  skipFiles(set, files, skipOutsideSplits(trainDir, testDir), other);
}

/**
 * Sorts found files into image jobs (by extension) and counts the rest by reason and by
 * extension; a file without extension is read for its first bytes, to tell an image that lacks
 * its extension (`SKIP_NO_EXTENSION`) from a `README` (`SKIP_NOT_IMAGE`).
 */
export function partition(found: FoundFile[], relPrefix: string, set: Pick<FileSet, 'skipped' | 'others'> & { examples?: string[] }): ImageJob[] {
  const jobs: ImageJob[] = [];
  for (const f of found) {
    const ext = extOf(f.rel);
    if (IMAGE_EXTENSIONS.has(ext)) {
      jobs.push({ abs: f.abs, rel: relPrefix ? `${relPrefix}/${f.rel}` : f.rel, size: f.size });
      continue;
    }
    const unread = UNREAD_IMAGE_EXTENSIONS[ext];
    const why = unread ? `${unread} image (not read)` : !ext && sniffFile(f.abs) ? SKIP_NO_EXTENSION : SKIP_NOT_IMAGE;
    set.skipped[why] = (set.skipped[why] ?? 0) + 1;
    if (set.examples) addExample(set.examples, relPrefix ? `${relPrefix}/${f.rel}` : f.rel, why);
    const key = ext || '(no extension)';
    set.others[key] = (set.others[key] ?? 0) + 1;
  }
  return jobs;
}

/** "12 .heic files, 3 .txt files" */
export function othersText(others: Record<string, number>): string {
  const parts = Object.entries(others)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([ext, n]) => `${n} ${ext} file${n === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no files';
}

/** The class folders of `root` with their image files (recursive), into `set` under split `test`. */
async function addClassFolders(set: FileSet, root: string, classDirs: string[], test: 0 | 1 | null, signal?: AbortSignal): Promise<void> {
  const prefix = path.relative(set.root, root).split(path.sep).join('/');
  for (const name of classDirs) {
    let k = set.classNames.indexOf(name);
    if (k < 0) k = set.classNames.push(name) - 1;
    const listing = await listFiles(path.join(root, name), signal, [set.root]);
    addSkips(set.skipped, listing.skipped);
    addNamedSkips(set, listing.named, prefix ? `${prefix}/${name}` : name);
    for (const job of partition(listing.files, prefix ? `${prefix}/${name}` : name, set)) {
      set.jobs.push(job);
      set.labels.push(k);
      if (test !== null) set.testMask!.push(test);
    }
  }
}

/** Counts images found beside the class folders (`SKIP_LOOSE`) and names the first few in `examples`. */
function skipLoose(set: FileSet, loose: ImageJob[]): void {
  if (!loose.length) return;
  set.skipped[SKIP_LOOSE] = (set.skipped[SKIP_LOOSE] ?? 0) + loose.length;
  for (const job of loose) addExample(set.examples, job.rel, SKIP_LOOSE);
}

function emptySet(kind: DatasetKind, root: string, given: boolean): FileSet {
  return { kind, root, jobs: [], labels: [], classNames: [], testMask: given ? [] : null, skipped: {}, warnings: [], others: {}, examples: [] };
}

/**
 * One sub-folder per class; images directly in `root` beside them are counted as skipped
 * (`SKIP_LOOSE`). When no sub-folder holds an image but `root` does (a flat folder of images),
 * those are the dataset: one class, UNLABELED_CLASS (`allUnlabeled`, `flat`), as a metadata.csv
 * with empty labels gives — an AE, VAE or VAE-GAN trains on it, a CVAE is refused at its start.
 */
export async function scanImageFolder(root: string, signal?: AbortSignal): Promise<FileSet> {
  const top = listTop(root);
  const set = emptySet('imagefolder', root, false);
  addSkips(set.skipped, top.skipped);
  addNamedSkips(set, top.named, '');
  const loose = partition(top.files.map((n) => ({ abs: path.join(root, n), rel: n, size: 0, mtimeMs: 0 })), '', set);
  await addClassFolders(set, root, top.dirs, null, signal);
  if (set.jobs.length === 0 && loose.length) {
    set.classNames = [UNLABELED_CLASS];
    set.jobs = loose;
    set.labels = loose.map(() => 0);
    set.allUnlabeled = true;
    set.flat = true;
  } else skipLoose(set, loose);
  return set;
}

export const TEST_DIR_NAMES = ['test', 'val', 'valid', 'validation'];

/**
 * `train/` and the first of `test/`, `val/`, `valid/`, `validation/`, each with class folders;
 * what lies beside them is counted and named (`skipBesideSplits`).
 */
export async function scanSplitRoot(root: string, trainDir: string, testDir: string, signal?: AbortSignal): Promise<FileSet> {
  const set = emptySet('split-root', root, true);
  const trainTop = listTop(path.join(root, trainDir));
  const testTop = listTop(path.join(root, testDir));
  const train = trainTop.dirs;
  const test = testTop.dirs;
  for (const [dir, top] of [[trainDir, trainTop], [testDir, testTop]] as const) {
    addSkips(set.skipped, top.skipped);
    addNamedSkips(set, top.named, dir);
    skipLoose(set, partition(top.files.map((n) => ({ abs: path.join(root, dir, n), rel: `${dir}/${n}`, size: 0, mtimeMs: 0 })), '', set));
  }
  await addClassFolders(set, path.join(root, trainDir), train, 0, signal);
  await addClassFolders(set, path.join(root, testDir), test, 1, signal);
  await skipBesideSplits(set, root, trainDir, testDir, SKIP_NOT_IMAGE, signal);
  const onlyTrain = train.filter((c) => !test.includes(c));
  const onlyTest = test.filter((c) => !train.includes(c));
  if (onlyTrain.length) set.warnings.push(`class folder${onlyTrain.length > 1 ? 's' : ''} only in ${trainDir}/: ${onlyTrain.join(', ')}`);
  if (onlyTest.length) set.warnings.push(`class folder${onlyTest.length > 1 ? 's' : ''} only in ${testDir}/: ${onlyTest.join(', ')}`);
  sortClasses(set);
  return set;
}

/** Class names in natural order (`1, 2, …, 10`), labels renumbered to match. */
export function sortClasses(set: Pick<FileSet, 'classNames' | 'labels'>): void {
  const order = set.classNames.map((n, k) => ({ n, k })).sort((a, b) => naturalCompare(a.n, b.n));
  const map = new Int32Array(order.length);
  order.forEach((o, j) => (map[o.k] = j));
  set.classNames = order.map((o) => o.n);
  set.labels = set.labels.map((k) => map[k]);
}

/**
 * Decodes a file set into an `Imported`: options resolved from a sample, every image decoded and
 * preprocessed, failures counted. Throws BAD_DATASET when there is no image at all (saying what
 * was found and which formats are read), TOO_LARGE above MAX_IMAGES, CANCELLED.
 */
export async function importFileSet(set: FileSet, options: ImportOptions, opts: Pick<LoadOptions, 'signal' | 'onProgress'>): Promise<Imported> {
  if (set.jobs.length === 0) throw new LabError('BAD_DATASET', noImagesText(set));
  if (set.jobs.length > MAX_IMAGES) throw new LabError('TOO_LARGE', `${set.root} has ${set.jobs.length.toLocaleString('en-US')} images; the limit is ${MAX_IMAGES.toLocaleString('en-US')}`);
  const { resolved, stats, dec, notes, cropNote } = await decodeImages(set.root, set.jobs, options, opts);
  const D = resolved.size * resolved.size * resolved.channels;
  const labels = new Int32Array(set.jobs.length);
  const mask = set.testMask ? new Uint8Array(set.jobs.length) : null;
  const rowNames: string[] = [];
  let n = 0;
  for (let i = 0; i < set.jobs.length; i++) {
    if (!dec.ok[i]) continue;
    if (n !== i) dec.pixels.copyWithin(n * D, i * D, (i + 1) * D);
    rowNames.push(set.jobs[i].rel);
    labels[n] = set.labels[i];
    if (mask) mask[n] = set.testMask![i];
    n++;
  }
  return {
    kind: set.kind,
    root: set.root,
    resolved,
    pixels: dec.pixels,
    labels,
    count: n,
    classNames: set.classNames,
    testMask: mask,
    skipped: addSkips({ ...set.skipped }, dec.skipped),
    examples: [...set.examples, ...dec.examples].slice(0, MAX_SKIP_EXAMPLES),
    warnings: [...set.warnings, ...notes],
    preprocessing: describePreprocessing(resolved, stats),
    ...(cropNote ? { cropNote } : {}),
    rowNames,
    ...(set.allUnlabeled ? { allUnlabeled: true } : {}),
    ...(set.flat ? { flat: true } : {}),
  };
}

/**
 * Why a file set has no image to decode, in words: the files that are not images, counted by
 * extension (`found no images in /x (6 .heic files, 2 .txt files)`); else what was skipped,
 * counted by reason, a few files named (`found no usable images in /x: skipped 5 items (5 listed
 * in metadata.csv but missing; e.g. a/1.png: …)`); "no files" only when there was nothing.
 */
export function noImagesText(set: Pick<FileSet, 'root' | 'skipped' | 'others' | 'examples'>): string {
  const total = Object.values(set.skipped).reduce((a, b) => a + b, 0);
  const formats = `images are read from ${READ_FORMATS_TEXT} files`;
  if (!total || Object.keys(set.others).length) return `found no images in ${set.root} (${othersText(set.others)}); ${formats}`;
  const why = Object.entries(set.skipped)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n.toLocaleString('en-US')} ${k}`)
    .join(', ');
  const eg = set.examples.length ? `; e.g. ${set.examples.join('; ')}` : '';
  return `found no usable images in ${set.root}: skipped ${total.toLocaleString('en-US')} item${total === 1 ? '' : 's'} (${why}${eg}); ${formats}`;
}
