/**
 * CSV of pixels: one label column and H·W (or H·W·3) pixel columns per row, with or without a
 * header — the Kaggle MNIST layout (`label,pixel0,…,pixel783`) and `mnist_train.csv` (label
 * first, no header) among them. The label column is the header's `label` (or `class`, `target`,
 * `y`, `digit`). Without a header the label is the first or the last column, by evidence: the one
 * that holds a few distinct integers (class indices) while the other looks like a pixel; the report
 * says which ("label column: last (no header)") and warns when both or neither look like labels
 * (then the one holding 0..K−1, else fewer distinct values, else the first, as `mnist_train.csv`);
 * when a header-less file's data is then refused (too little data…), the refusal names the label
 * column taken and how to choose. Read as a stream (a 60,000-row file is 100+ MB), numbers
 * parsed from the bytes. A folder holding a `…train….csv` and a `…test….csv` gives the split.
 * Pixels 0–255 are kept as bytes; fractional values in 0–1 are quantised to round(255·v)
 * (arrays.ts `toImageArray`).
 */
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ImportOptions } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import { throwIfAborted } from '../fsutil';
import type { LoadOptions } from '../types';
import type { Imported } from './assemble';
import { importArrays, toImageArray, toLabels } from './arrays';
import { isRegularFileSync } from './fileKind';
import type { NdArray } from './numpy';

const utf8 = new TextDecoder();
const LABEL_NAMES = ['label', 'labels', 'class', 'target', 'y', 'digit', 'character'];

interface CsvTable {
  pixels: NdArray;
  labels: NdArray;
  /** Without a header: which column was taken as the label, and a warning when that is unsure. */
  labelNote?: string;
}

/** What one column of numbers says about being a label column. */
interface ColumnEvidence {
  /** Integers only, 2 to min(1000, rows/2) distinct values: class indices could look so. */
  labelLike: boolean;
  /** How much more it looks like labels: consecutive-ish values (0..K-1), no value holding ≥ 90 % of rows. */
  strength: number;
  distinct: number;
  /** The values are exactly 0..K−1 (K = distinct): class indices as most datasets write them. */
  indices: boolean;
}

/** The evidence of `n` values read by `at(i)`. */
function columnEvidence(n: number, at: (i: number) => number): ColumnEvidence {
  const counts = new Map<number, number>();
  let integer = true;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = at(i);
    if (!Number.isInteger(v)) {
      integer = false;
      break;
    }
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size > 1000) break;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const distinct = counts.size;
  const labelLike = integer && distinct >= 2 && distinct <= Math.min(1000, Math.floor(n / 2));
  if (!labelLike) return { labelLike, strength: 0, distinct, indices: false };
  const top = Math.max(...counts.values());
  return { labelLike, strength: (hi - lo + 1 <= 2 * distinct ? 1 : 0) + (top < 0.9 * n ? 1 : 0), distinct, indices: lo === 0 && hi === distinct - 1 };
}

/**
 * Without a header: the label column by evidence, first or last (`columnEvidence`): the one that
 * looks like class indices while the other looks like a pixel. When both look alike (noisy dark
 * pixels can hold a few integers too), the one whose values are exactly 0..K−1, else the one with
 * fewer distinct values, else the first (the mnist_train.csv layout) — with a warning either way.
 * Returns which, and the note for the report.
 */
function chooseLabelColumn(rows: number, first: (i: number) => number, last: (i: number) => number): { last: boolean; note: string } {
  const a = columnEvidence(rows, first);
  const b = columnEvidence(rows, last);
  const tieToLast = b.indices !== a.indices ? b.indices : b.distinct < a.distinct;
  const takeLast = b.labelLike && (!a.labelLike || b.strength > a.strength || (b.strength === a.strength && tieToLast));
  const which = takeLast ? 'last' : 'first';
  const other = takeLast ? 'first' : 'last';
  const hint = 'add a header naming the label column "label" to choose';
  if (!a.labelLike && !b.labelLike) {
    return { last: false, note: `label column: first (no header); neither the first nor the last column looks like class labels (a few distinct integers): ${hint}` };
  }
  if (a.labelLike && b.labelLike && a.strength === b.strength) {
    const e = takeLast ? a : b;
    return { last: takeLast, note: `label column: ${which} (no header); the ${other} column could be the label too (${e.distinct} distinct integers): ${hint}` };
  }
  return { last: takeLast, note: `label column: ${which} (no header)` };
}

const bad = (file: string, msg: string) => new LabError('BAD_DATASET', `${path.basename(file)}: ${msg}`);

/** Parses a number from `b[s, e)`; NaN when it is not one. */
function parseNum(b: Uint8Array, s: number, e: number): number {
  while (s < e && (b[s] === 32 || b[s] === 34)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 34)) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  if (b[i] === 45 || b[i] === 43) neg = b[i++] === 45;
  let v = 0;
  let digits = 0;
  while (i < e && b[i] >= 48 && b[i] <= 57) {
    v = v * 10 + (b[i++] - 48);
    digits++;
  }
  if (i < e && b[i] === 46) {
    i++;
    let f = 0.1;
    while (i < e && b[i] >= 48 && b[i] <= 57) {
      v += (b[i++] - 48) * f;
      f /= 10;
      digits++;
    }
  }
  if (!digits) return NaN;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    const ex = Number(utf8.decode(b.subarray(i + 1, e)));
    if (!Number.isInteger(ex)) return NaN;
    v *= 10 ** ex;
    i = e;
  }
  return i === e ? (neg ? -v : v) : NaN;
}

/**
 * With a header: which column was taken as the label, said when it is not plainly "label" —
 * 'label column: "digit" (header)', or 'label column: first ("category"; no column is named
 * label, class, target, y, digit or character): add a header naming the label column "label" to
 * choose'. Undefined for a column named "label" or "labels".
 * @param k the index of the column with a label name, or -1 when none has one (the first is taken).
 */
function headerLabelNote(fields: string[], k: number): string | undefined {
  if (k >= 0) return ['label', 'labels'].includes(fields[k].toLowerCase()) ? undefined : `label column: "${fields[k]}" (header)`;
  const names = LABEL_NAMES.filter((n) => n !== 'labels');
  return `label column: first ("${fields[0]}"; no column is named ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}): add a header naming the label column "label" to choose`;
}

/** Streams one CSV into a pixel table and a label column. */
async function readCsv(file: string, signal?: AbortSignal): Promise<CsvTable> {
  const size = (await fsp.stat(file)).size;
  let cols = -1;
  let labelCol = 0;
  let headered = false;
  let headerNote: string | undefined;
  let rows = 0;
  let line = 0;
  let fractional = false;
  let cap = 0;
  let px = new Float32Array(0);
  const labels: string[] = [];
  let numericLabels = true;
  let rest: Uint8Array = new Uint8Array(0);
  const starts: number[] = [];
  const onLine = (b: Uint8Array, s: number, e: number) => {
    line++;
    if (e > s && b[e - 1] === 13) e--;
    if (e === s) return;
    starts.length = 0;
    starts.push(s);
    for (let i = s; i < e; i++) if (b[i] === 44) starts.push(i + 1);
    const n = starts.length;
    const end = (k: number) => (k + 1 < n ? starts[k + 1] - 1 : e);
    if (cols < 0) {
      cols = n;
      if (n < 2) throw bad(file, 'needs a label column and pixel columns separated by commas');
      const fields = starts.map((st, k) => utf8.decode(b.subarray(st, end(k))).trim().replace(/^"|"$/g, ''));
      if (fields.some((f) => Number.isNaN(Number(f)) || f === '')) {
        const k = fields.findIndex((f) => LABEL_NAMES.includes(f.toLowerCase()));
        if (k < 0 && Number.isInteger(Math.sqrt(n)) && n > 1) throw bad(file, `has no label column (a header of ${n} columns, none named ${LABEL_NAMES.slice(0, 4).join('/')})`);
        labelCol = Math.max(0, k);
        headered = true;
        headerNote = headerLabelNote(fields, k);
        return;
      }
      const est = Math.ceil((size / Math.max(1, e - s + 1)) * 1.05) + 16;
      cap = est;
      px = new Float32Array(cap * (cols - 1));
    }
    if (n !== cols) throw bad(file, `line ${line} has ${n} values, expected ${cols}`);
    if (rows === cap) {
      cap = Math.ceil(cap * 1.5) + 16;
      const grown = new Float32Array(cap * (cols - 1));
      grown.set(px);
      px = grown;
    }
    let o = rows * (cols - 1);
    for (let k = 0; k < n; k++) {
      if (k === labelCol) {
        const text = utf8.decode(b.subarray(starts[k], end(k))).trim().replace(/^"|"$/g, '');
        if (numericLabels && !/^-?\d+(\.0*)?$/.test(text)) numericLabels = false;
        labels.push(text);
        continue;
      }
      const v = parseNum(b, starts[k], end(k));
      if (v !== v) throw bad(file, `line ${line}, column ${k + 1}: "${utf8.decode(b.subarray(starts[k], end(k)))}" is not a number`);
      if (!fractional && v !== Math.floor(v)) fractional = true;
      px[o++] = v;
    }
    rows++;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    throwIfAborted(signal);
    const c = chunk as Buffer;
    const b = rest.length ? Buffer.concat([rest, c]) : c;
    let s = 0;
    for (let i = b.indexOf(10, s); i >= 0; i = b.indexOf(10, s)) {
      onLine(b, s, i);
      s = i + 1;
    }
    rest = b.subarray(s);
  }
  if (rest.length) onLine(rest, 0, rest.length);
  if (rows === 0) throw bad(file, 'has no data rows');
  const P = cols - 1;
  let labelNote: string | undefined = headerNote;
  if (!headered && numericLabels) {
    // No header: column 0 was read as the label; the last column may be it instead (pixels then label).
    const firstCol = Float64Array.from(labels, Number);
    const choice = chooseLabelColumn(rows, (i) => firstCol[i], (i) => px[i * P + P - 1]);
    labelNote = choice.note;
    if (choice.last) {
      for (let r = 0; r < rows; r++) {
        const o = r * P;
        const label = px[o + P - 1];
        px.copyWithin(o + 1, o, o + P - 1);
        px[o] = firstCol[r];
        if (!fractional && firstCol[r] !== Math.floor(firstCol[r])) fractional = true;
        labels[r] = String(label);
      }
    }
  }
  return {
    ...(labelNote ? { labelNote } : {}),
    pixels: { shape: [rows, P], kind: fractional ? 'f' : 'u', descr: 'csv', values: px.subarray(0, rows * P) },
    labels: numericLabels
      ? { shape: [rows], kind: 'i', descr: 'csv', values: Float64Array.from(labels, Number) }
      : { shape: [rows], kind: 'U', descr: 'csv', values: labels },
  };
}

/** The CSV files of a path: the file itself, or a folder's train/test pair (or its only CSV). */
async function csvFiles(target: string, isFile: boolean): Promise<Array<{ file: string; test: boolean }>> {
  if (isFile) return [{ file: target, test: false }];
  const names = (await fsp.readdir(target)).filter((n) => n.toLowerCase().endsWith('.csv') && !n.startsWith('.') && isRegularFileSync(path.join(target, n)));
  const train = names.find((n) => /train/i.test(n));
  const test = names.find((n) => /test|val/i.test(n));
  if (train && test) return [{ file: path.join(target, train), test: false }, { file: path.join(target, test), test: true }];
  if (names.length === 1) return [{ file: path.join(target, names[0]), test: false }];
  throw new LabError('BAD_DATASET', `${target} holds ${names.length} CSV files (${names.slice(0, 5).join(', ')}): give one file as the path, or name them …train….csv and …test….csv`);
}

/**
 * Imports a CSV file (random split) or a folder's train/test CSV pair (given split).
 * @throws LabError BAD_DATASET naming the file and line for ragged rows, non-numbers, a missing
 *   label column, or pixel counts that are not a square image.
 */
export async function importCsv(target: string, isFile: boolean, options: ImportOptions, opts: Pick<LoadOptions, 'signal' | 'onProgress'>): Promise<Imported> {
  const files = await csvFiles(target, isFile);
  const notes: string[] = [];
  const tables: Array<CsvTable & { file: string; test: boolean }> = [];
  for (const f of files) {
    opts.onProgress?.({ phase: 'decode', loaded: tables.length, total: files.length + 1 });
    tables.push({ ...(await readCsv(f.file, opts.signal)), ...f });
  }
  for (const t of tables) if (t.labelNote) notes.push(tables.length > 1 ? `${path.basename(t.file)}: ${t.labelNote}` : t.labelNote);
  const refusalNote = labelColumnNote(tables);
  try {
    const images = tables.map((t) => toImageArray(t.pixels, path.basename(t.file), notes));
    const classes = toLabels(tables.map((t) => ({ a: t.labels, name: path.basename(t.file) })), notes);
    const imported = await importArrays(
      { kind: 'csv', root: target, classNames: classes.names, skipped: {}, warnings: notes },
      tables.map((t, i) => ({ images: images[i], labels: classes.indices[i], test: t.test })),
      options,
      opts,
    );
    return refusalNote ? { ...imported, refusalNote } : imported;
  } catch (e) {
    if (!refusalNote || !(e instanceof LabError) || e.code !== 'BAD_DATASET') throw e;
    throw new LabError(e.code, `${e.message} (${refusalNote})`);
  }
}

/**
 * For a refusal of a header-less CSV's data (too little data, odd pixel counts…), which may come
 * from the label column guessed wrong: which column was taken and how to choose — 'label column:
 * first (no header): add a header naming the label column "label" to choose' (each file named
 * when there are two); a header without a label name ('label column: first ("category"; …)') too.
 * Undefined when every file's label column was named by its header.
 */
function labelColumnNote(tables: ReadonlyArray<CsvTable & { file: string }>): string | undefined {
  const hint = 'add a header naming the label column "label" to choose';
  const says = tables
    // A header's named column ('label column: "digit" (header)') was chosen, not guessed.
    .filter((t) => t.labelNote && !t.labelNote.endsWith('(header)'))
    .map((t) => {
      const note = t.labelNote!.includes('add a header') ? t.labelNote! : `${t.labelNote}: ${hint}`;
      return tables.length > 1 ? `${path.basename(t.file)}: ${note}` : note;
    });
  return says.length ? says.join('; ') : undefined;
}
