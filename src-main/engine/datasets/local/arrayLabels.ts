/**
 * The labels of arrays of images (IDX, NumPy, CSV) → class indices on one class list: integers
 * (one per image, or one-hot rows) or strings (`toLabels`), and the "no label" marker (`markerRule`,
 * `unlabeledRows`: −1 in NPZ, 255 in this app's IDX export). Used by ./arrays.ts (which re-exports
 * it) and the importers.
 */
import { UNLABELED_CLASS } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import type { ImageArray } from './imageArray';
import type { NdArray } from './numpy';
import { naturalCompare } from './walk';

const bad = (msg: string) => new LabError('BAD_DATASET', msg);


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

/**
 * Unlabeled images among `parts`, marked by the label `marker` (-1 in this app's NPZ export, 255
 * in its IDX export), by `markerRule`: when no image of any part has a label, all are kept and
 * `allUnlabeled` is true (the caller imports them as one class, UNLABELED_CLASS); else, when
 * `dropMixed` (the export's manifest.json says the marker means "no label"), the unlabeled ones
 * are dropped and counted (`dropped`) — without it the marker is a class like any other.
 * String and one-hot labels have no marker: returned as given.
 */
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
