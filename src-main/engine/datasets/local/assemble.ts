/**
 * What every importer hands over (`Imported`: images as bytes, labels, classes, the given split
 * if any, what was skipped) → the checked, split dataset with its report. The checks run here,
 * once for every kind, before anything trains: too little data (counts and the minimum named),
 * (nearly) constant images. A single class is imported and said so (an AE, VAE or VAE-GAN trains
 * on it; a CVAE is refused when its training starts: jobs/training.ts).
 */
import path from 'node:path';
import type { DatasetKind, DatasetReport, ResolvedImport } from '../../../../src-shared/datasets';
import { LabError, type DatasetInfo } from '../../../../src-shared/types';
import { deriveSeed, mulberry32, shuffleInPlace } from '../random';
import type { LoadedDataset, Split } from '../types';
import { normaliseClassNames } from './classNames';

export const SPLIT_SEED = 42;
export const TEST_FRACTION = 0.2;
/**
 * Images a class needs when the split is made here to have one to train on and one to test
 * with; a class with fewer is trained on only (said so), unless every class has fewer (refused).
 */
export const MIN_PER_CLASS = 2;
/** Largest − smallest pixel value (of 255) at or below which an image counts as constant. */
export const FLAT_RANGE = 8;

export interface Imported {
  kind: DatasetKind;
  /** The real path that was read. */
  root: string;
  resolved: ResolvedImport;
  /**
   * `count × size·size·channels` bytes (HWC): one array whose first `count` rows are the images,
   * or blocks of whole rows that follow one another (an importer's parts, used where they are
   * rather than copied into one array). Read only; not kept after `assemble`.
   */
  pixels: Uint8Array | readonly Uint8Array[];
  /** Class index (into `classNames`) of each image. */
  labels: Int32Array;
  count: number;
  /** In their final order (natural order for numbers). */
  classNames: string[];
  /** The split the files give (1 = test), or null: a seeded stratified 80/20 split is made. */
  testMask: Uint8Array | null;
  skipped: Record<string, number>;
  /** A few skipped items with their reasons (e.g. `a/b.png: truncated or corrupt PNG`). */
  examples?: string[];
  warnings: string[];
  preprocessing: string;
  verified?: 'sha256' | 'structure';
  /** A title for lists (default: the folder or file name). */
  title?: string;
  /**
   * No image had a label (this app's export of an AE, VAE or VAE-GAN; a metadata.csv with empty
   * labels): they are one class, "unlabeled", which an AE, VAE or VAE-GAN trains on — the
   * two-class minimum does not apply, and the report says so, counted.
   */
  allUnlabeled?: boolean;
  /** With `allUnlabeled`: the images were directly in the folder (no class folders); the report says so. */
  flat?: boolean;
  /**
   * With `allUnlabeled`: no labels were found at all, and what was taken as the images (e.g.
   * `"x" taken as the images; no labels array beside it`); the report says so.
   */
  noLabels?: string;
  /**
   * Added in brackets to a BAD_DATASET refusal of this data (too little data, constant images):
   * what the importer guessed that may explain it, e.g. a header-less CSV's label column.
   */
  refusalNote?: string;
  /**
   * What the centre crop (fit "crop") cut away from non-square images, with the advice to pad
   * (imageFiles.ts `folderCropNote`): added to a refusal of (nearly) constant images, which a crop
   * that cut the content away gives.
   */
  cropNote?: string;
  /** For messages: the file of each image row (image folders), so a warning can name a few. */
  rowNames?: readonly string[];
}

const KIND_TEXT: Record<DatasetKind, string> = {
  builtin: 'Built-in dataset',
  toy: 'Toy 2-D set',
  imagefolder: 'Image folder (one sub-folder per class)',
  'split-root': 'Image folder with train/ and test/',
  'hf-imagefolder': 'Image folder with metadata.csv (Hugging Face imagefolder)',
  idx: 'IDX files',
  npz: 'NumPy .npz',
  npy: 'NumPy .npy files',
  csv: 'CSV of pixels',
};

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

function bad(msg: string): LabError {
  return new LabError('BAD_DATASET', msg);
}

function skippedText(skipped: Record<string, number>, examples: string[] = []): string {
  const parts = Object.entries(skipped).map(([why, n]) => `${n} ${why}`);
  return parts.length ? ` (skipped: ${parts.join(', ')}${examples.length ? `; e.g. ${examples.join('; ')}` : ''})` : '';
}

/** Row `i` of the images (`D` bytes), wherever its block is. */
function rowReader(pixels: Imported['pixels'], D: number): (i: number) => Uint8Array {
  if (pixels instanceof Uint8Array) return (i) => pixels.subarray(i * D, (i + 1) * D);
  const starts: number[] = [];
  let rows = 0;
  for (const b of pixels) {
    starts.push(rows);
    rows += b.length / D;
  }
  return (i) => {
    let k = starts.length - 1;
    while (k > 0 && starts[k] > i) k--;
    const o = (i - starts[k]) * D;
    return pixels[k].subarray(o, o + D);
  };
}

/** Per class: [train, test] counts under the given split, or [total, 0]. */
function classCounts(imp: Imported): number[][] {
  const counts = imp.classNames.map(() => [0, 0]);
  for (let i = 0; i < imp.count; i++) counts[imp.labels[i]][imp.testMask?.[i] ? 1 : 0]++;
  return counts;
}

/** Too little data is an error that names the counts and the minimum. */
function checkAmounts(imp: Imported, counts: number[][]): void {
  if (imp.count === 0) throw bad(`${imp.root} has no usable images${skippedText(imp.skipped, imp.examples)}`);
  const used = counts.map((c, k) => ({ name: imp.classNames[k], train: c[0], test: c[1], n: c[0] + c[1] })).filter((c) => c.n > 0);
  if (used.length === 1 && !imp.allUnlabeled) {
    imp.warnings.push(`one class only ("${used[0].name}": ${plural(used[0].n, 'image')}): an AE, VAE or VAE-GAN trains on it; a CVAE needs at least 2 classes`);
  }
  if (!imp.testMask) {
    const few = used.filter((c) => c.n < MIN_PER_CLASS);
    // A class of one image is kept, for training only, and said so — as a given split's class
    // without test images is, and as a class without usable images is dropped with a warning,
    // never refusing the rest; only when no class has an image to test with is it refused.
    if (few.length && few.length < used.length) {
      const names = few.slice(0, 5).map((c) => `"${c.name}"`).join(', ') + (few.length > 5 ? ` and ${few.length - 5} more` : '');
      imp.warnings.push(
        `${names} ${few.length === 1 ? 'has' : 'have'} a single image: trained on, but with none to test (a class needs ${MIN_PER_CLASS} images for one to go to the test split); test metrics leave ${few.length === 1 ? 'it' : 'them'} out`,
      );
    } else if (few.length) {
      const list = few.slice(0, 5).map((c) => `"${c.name}" has ${plural(c.n, 'image')}`).join(', ');
      throw bad(
        `too little data: ${list}${few.length > 5 ? ` and ${few.length - 5} more classes are as small` : ''}; each class needs at least ${MIN_PER_CLASS} images (one to train on, one to test with)`,
      );
    }
    return;
  }
  const train = used.reduce((a, c) => a + c.train, 0);
  const test = used.reduce((a, c) => a + c.test, 0);
  if (train === 0 || test === 0) {
    throw bad(`too little data: the ${train === 0 ? 'training' : 'test'} split is empty (train: ${plural(train, 'image')}, test: ${plural(test, 'image')}); each split needs at least 1 image${skippedText(imp.skipped, imp.examples)}`);
  }
  const untrained = used.filter((c) => c.train === 0);
  if (untrained.length) {
    throw bad(`too little data: ${untrained.map((c) => `"${c.name}"`).join(', ')} ${untrained.length === 1 ? 'has' : 'have'} test images but no training images; each class needs at least 1 training image`);
  }
  const untested = used.filter((c) => c.test === 0);
  if (untested.length) imp.warnings.push(`${untested.map((c) => `"${c.name}"`).join(', ')} ${untested.length === 1 ? 'has' : 'have'} no test images: test metrics leave ${untested.length === 1 ? 'it' : 'them'} out`);
}

/** (Nearly) constant images: an error when nearly all are, a warning naming how many otherwise. */
function checkConstant(imp: Imported): void {
  const D = imp.resolved.size * imp.resolved.size * imp.resolved.channels;
  const rowAt = rowReader(imp.pixels, D);
  let flat = 0;
  const named: string[] = [];
  for (let i = 0; i < imp.count; i++) {
    let lo = 255;
    let hi = 0;
    const row = rowAt(i);
    for (let k = 0; k < D; k++) {
      const v = row[k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi - lo <= FLAT_RANGE && ++flat <= 3 && imp.rowNames) named.push(imp.rowNames[i]);
  }
  if (flat === 0) return;
  if (flat * 10 >= imp.count * 9) {
    throw bad(
      `${plural(flat, 'image')} of ${imp.count.toLocaleString('en-US')} are (nearly) constant after preprocessing (${imp.preprocessing}): there is nothing to learn. ` +
        (imp.cropNote ? `The crop may have cut their content away: ${imp.cropNote}. ` : '') +
        'Look at the preview: drawings saved as strokes only in the alpha channel, images that are all one colour, or the wrong preprocessing give this.',
    );
  }
  const which = named.length ? ` (${named.join(', ')}${flat > named.length ? ', …' : ''})` : '';
  imp.warnings.push(`${plural(flat, 'image')}${which} ${flat === 1 ? 'is' : 'are'} (nearly) constant after preprocessing${imp.cropNote ? ' (the centre crop may have cut their content away: see the crop note)' : ''}`);
}

/** Seeded stratified split: per class round(20 %) (at least 1) to test, the rest to train. */
function randomSplit(imp: Imported): Uint8Array {
  const rng = mulberry32(deriveSeed(SPLIT_SEED, 'folder-split'));
  const byClass: number[][] = imp.classNames.map(() => []);
  for (let i = 0; i < imp.count; i++) byClass[imp.labels[i]].push(i);
  const mask = new Uint8Array(imp.count);
  for (const rows of byClass) {
    const order = shuffleInPlace(rows.slice(), rng);
    const nTest = order.length >= 2 ? Math.max(1, Math.round(order.length * TEST_FRACTION)) : 0;
    for (let k = 0; k < nTest; k++) mask[order[k]] = 1;
  }
  return mask;
}

/**
 * One split's rows as bytes (HWC, as imported; models read them as byte/255: ../rows.ts). Both
 * arrays live on a SharedArrayBuffer of exactly their size from the start, so the training
 * workers read them in place (`parallel/runSetup.ts`'s `shareArray` passes such arrays through):
 * a 20,000-image 64×64×3 set is 246 MB of bytes (it was 983 MB as floats), and a second copy
 * for the workers would not fit the memory goal (issue #13).
 */
function buildSplit(imp: Imported, rows: number[], D: number): Split {
  const x = new Uint8Array(new SharedArrayBuffer(rows.length * D));
  const y = new Int32Array(new SharedArrayBuffer(rows.length * Int32Array.BYTES_PER_ELEMENT));
  const rowAt = rowReader(imp.pixels, D);
  rows.forEach((i, r) => {
    x.set(rowAt(i), r * D);
    y[r] = imp.labels[i];
  });
  return { x, y, count: rows.length };
}

/** Runs a check of `imp`; a BAD_DATASET refusal gets `imp.refusalNote` added in brackets. */
function noted(imp: Imported, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (!imp.refusalNote || !(e instanceof LabError) || e.code !== 'BAD_DATASET') throw e;
    throw new LabError(e.code, `${e.message} (${imp.refusalNote})`);
  }
}

/**
 * The checked dataset. Class names are made Unicode NFC, names that then collide merged, said so
 * (`classNames.ts`). Classes with no image at all are dropped (and said so); labels are
 * renumbered densely in the given class order. A random split is seeded, stratified, 80/20, both
 * parts shuffled; a given split keeps the files' order.
 * @throws LabError BAD_DATASET for no usable image, too little data (naming counts and the
 *   minimum), or images that are (nearly) all constant. One class is imported with a warning.
 */
export function assemble(imp: Imported): LoadedDataset {
  normaliseClassNames(imp);
  let counts = classCounts(imp);
  const empty = imp.classNames.filter((_, k) => counts[k][0] + counts[k][1] === 0);
  noted(imp, () => checkAmounts(imp, counts));
  if (empty.length) {
    imp.warnings.push(`ignored ${empty.length} class${empty.length > 1 ? 'es' : ''} without usable images: ${empty.slice(0, 10).join(', ')}${empty.length > 10 ? ', …' : ''}`);
    const keep = imp.classNames.map((_, k) => counts[k][0] + counts[k][1] > 0);
    const map = new Int32Array(keep.length).fill(-1);
    let j = 0;
    keep.forEach((kk, k) => kk && (map[k] = j++));
    for (let i = 0; i < imp.count; i++) imp.labels[i] = map[imp.labels[i]];
    imp.classNames = imp.classNames.filter((_, k) => keep[k]);
    counts = classCounts(imp);
  }
  noted(imp, () => checkConstant(imp));
  if (imp.allUnlabeled) {
    imp.warnings.unshift(
      imp.noLabels
        ? `no labels found (${imp.noLabels}): ${plural(imp.count, 'image')} imported as one class, "${imp.classNames[0]}", which an AE, VAE or VAE-GAN trains on; a CVAE needs labels`
        : imp.flat
        ? `no class folders: imported as unlabelled; a CVAE needs labels (${plural(imp.count, 'image')} as one class, "${imp.classNames[0]}", which an AE, VAE or VAE-GAN trains on)`
        : `${plural(imp.count, 'image')} without a label (as in this app's export of an AE, VAE or VAE-GAN): imported as one class, "${imp.classNames[0]}"; an AE, VAE or VAE-GAN trains on them, a CVAE needs labelled classes`,
    );
  }
  const skippedTotal = Object.values(imp.skipped).reduce((a, b) => a + b, 0);
  if (skippedTotal) {
    const why = Object.entries(imp.skipped).map(([k, n]) => `${n.toLocaleString('en-US')} ${k}`).join(', ');
    imp.warnings.unshift(`skipped ${plural(skippedTotal, 'item')}: ${why}${imp.examples?.length ? ` (e.g. ${imp.examples.join('; ')})` : ''}`);
  }
  const mask = imp.testMask ?? randomSplit(imp);
  const trainRows: number[] = [];
  const testRows: number[] = [];
  for (let i = 0; i < imp.count; i++) (mask[i] ? testRows : trainRows).push(i);
  if (!imp.testMask) {
    const rng = mulberry32(deriveSeed(SPLIT_SEED, 'folder-order'));
    shuffleInPlace(trainRows, rng);
    shuffleInPlace(testRows, rng);
  }
  const { size, channels } = imp.resolved;
  const D = size * size * channels;
  const train = buildSplit(imp, trainRows, D);
  const test = buildSplit(imp, testRows, D);
  const classes = imp.classNames.map((name) => ({ name, train: 0, test: 0 }));
  for (let i = 0; i < imp.count; i++) classes[imp.labels[i]][mask[i] ? 'test' : 'train']++;
  const report: DatasetReport = {
    kind: imp.kind,
    path: imp.root,
    split: imp.testMask ? 'given' : 'random',
    classes,
    skipped: imp.skipped,
    ...(imp.examples?.length ? { skippedExamples: imp.examples } : {}),
    preprocessing: imp.preprocessing,
    resolved: imp.resolved,
    ...(imp.verified ? { verified: imp.verified } : {}),
    warnings: imp.warnings,
  };
  const shape = [size, size, channels];
  const info: DatasetInfo = {
    id: 'local',
    title: imp.title ?? path.basename(imp.root),
    description: `${imp.flat ? 'Image folder (no class folders: unlabelled)' : KIND_TEXT[imp.kind]}: ${imp.root}, ${size}×${size} ${channels === 3 ? 'RGB' : 'grey'}, ${imp.testMask ? 'split as given' : 'split 80 / 20'}.`,
    shape,
    labelNames: imp.classNames,
    trainCount: train.count,
    testCount: test.count,
    available: true,
    isImage: true,
    ...(imp.warnings.length ? { warnings: imp.warnings } : {}),
    report,
  };
  return { info, shape, inputDim: D, train, test, ...(imp.warnings.length ? { warnings: imp.warnings } : {}), report, resolved: imp.resolved };
}

/** The skip counts of several listings added up. */
export function addSkips(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}
