/**
 * Words that follow the data on screen: "digit" only for digit datasets (the embedded MNIST and
 * friends, or any image set whose classes are exactly 0–9), else "image" (or "point" for 2-D toy
 * data); a CVAE's style hint in matching terms; how the Encode tab's drawing pad draws (light ink
 * on black for grey models, as their MNIST-style preprocessing expects; colour on white for colour
 * models, whose drops are used as they are: resized and cropped or padded like their dataset).
 */

/** What the wording reads of a dataset (`DatasetInfo`'s fields). */
export interface WordingDataset {
  id: string;
  isImage: boolean;
  /** [H, W, C] for images (C 1 grey, 3 colour), [2] for 2-D points. */
  shape: readonly number[];
  labelNames: readonly string[];
}

export interface DataWords {
  /** "digit", "image" or "point". */
  noun: 'digit' | 'image' | 'point';
  /** With its article: "a digit", "an image", "a point". */
  aNoun: string;
  /** A CVAE's z holds the style, not the class: the hint in this data's terms. */
  cvaeStyle: string;
  /** The drawing pad's ink: light ink on black (grey models) or colour on white (colour models). */
  pad: 'ink' | 'colour';
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Whether `d` holds handwritten-digit images: MNIST-like ids (not Fashion-MNIST) or classes exactly "0"…"9". */
export function isDigitDataset(d: WordingDataset | undefined | null): boolean {
  if (!d || !d.isImage) return false;
  if (d.labelNames.length === 10 && d.labelNames.every((n, i) => n.trim() === DIGITS[i])) return true;
  return d.labelNames.length === 0 && /(^|-)mnist$/.test(d.id) && d.id !== 'fashion-mnist';
}

/** Whether `d` holds colour images (3 channels). */
export function isColour(d: WordingDataset | undefined | null): boolean {
  return !!d && d.isImage && d.shape.length >= 3 && d.shape[2] === 3;
}

/** The words for the data on screen (`undefined` while unknown: "image"). */
export function dataWords(d: WordingDataset | undefined | null): DataWords {
  if (d && !d.isImage) {
    return { noun: 'point', aNoun: 'a point', cvaeStyle: "A CVAE's z holds what varies within a class, not the class: the label is given separately", pad: 'ink' };
  }
  if (isDigitDataset(d)) {
    return { noun: 'digit', aNoun: 'a digit', cvaeStyle: "A CVAE's z holds the style (slant, thickness, width), not the digit: the label is given separately", pad: 'ink' };
  }
  return {
    noun: 'image',
    aNoun: 'an image',
    cvaeStyle: "A CVAE's z holds the style (position, size, colour shade, background…: what varies within a class), not the class: the label is given separately",
    pad: isColour(d) ? 'colour' : 'ink',
  };
}

/**
 * The tooltip of tile `i` of an image grid: "label 7" (the label's name, else its index) for a tile
 * that has one; "#3" for one without (no labels given, or −1: an unconditional model's sample,
 * whose "label" is not a class).
 */
export function tileTitle(i: number, label: number | undefined, labelNames: readonly string[]): string {
  if (label === undefined || label < 0) return `#${i + 1}`;
  return `label ${labelNames[label] ?? label}`;
}
