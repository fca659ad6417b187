/**
 * Hugging Face `imagefolder` layout: a `metadata.csv` with `file_name` (relative to the folder)
 * and `label` columns. This app's own imagefolder export is one (plus a `manifest.json`), and
 * re-imports with its class names and their order:
 *
 * - `label` = class name with a `label_index` column (exports from now on): classes ordered by
 *   `label_index`;
 * - `label` = class index without `label_index` (older exports): names from `manifest.json`'s
 *   `labelNames` when present, else the numbers themselves;
 * - anything else: the distinct labels in natural order.
 *
 * An empty label is unlabeled (this app's export of an AE, VAE or VAE-GAN has only such rows):
 * when no row has a label, the images are imported as one class, "unlabeled"; beside labeled rows
 * they are skipped (counted). A label of `-1` follows the importers' one rule (arrays.ts
 * `markerRule`): "no label" when every labelled row says -1 or the export says so (manifest.json,
 * or a `label_index` of -1), else a class.
 * A file listed on more than one row is imported once, with its first row's label; the later rows
 * are skipped and named, and a warning counts those whose label differs. Listed files that are missing, and files in the
 * folder that are not listed, are counted and named too: an image (by its extension or, without
 * one, by its first bytes) as `SKIP_UNLISTED`, anything else as `SKIP_BESIDE` (a README is normal).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UNLABELED_CLASS } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import type { FileSet } from './folders';
import { addExample, addNamedSkips, skipBesideSplits, skipFiles, sortClasses } from './folders';
import { markerRule, SKIP_UNLABELED } from './arrays';
import { addSkips } from './assemble';
import { parseCsv } from './csvText';
import { refuseSpecialFile } from './fileKind';
import { readExportManifest } from './manifest';
import { listFiles } from './walk';

export const METADATA_FILE = 'metadata.csv';
export const SKIP_MISSING = 'listed in metadata.csv but missing';
export const SKIP_UNLISTED = 'not listed in metadata.csv';
export { SKIP_UNLABELED };
export const SKIP_OUTSIDE = 'listed outside the folder';
/** A later row of a file already listed, with the same label (the file is imported once). */
export const SKIP_DUPLICATE = 'listed again in metadata.csv (imported once)';
/** A later row of a file already listed with another label (imported once, with the first row's label; a warning says so). */
export const SKIP_DUPLICATE_OTHER_LABEL = 'listed again in metadata.csv with another label (first label kept)';
/**
 * An unlisted file that is not an image (a README, notes, a data card): nothing that could be
 * trained on is lost, so the words do not alarm; an unlisted image (by its extension, or without
 * one by its first bytes: folders.ts `couldBeImage`) is `SKIP_UNLISTED`. Reasons hold no ": ".
 */
export const SKIP_BESIDE = 'not an image (fine beside the data)';


const isInt = (s: string) => /^-?\d+$/.test(s.trim());

/**
 * Reads `metadata.csv` (and `manifest.json`) of `root` into a file set (random split).
 * @throws LabError BAD_DATASET when the CSV lacks `file_name` or `label`, or cannot be read.
 */
export async function scanHfImageFolder(root: string, signal?: AbortSignal): Promise<FileSet> {
  let text: string;
  try {
    await refuseSpecialFile(path.join(root, METADATA_FILE));
    text = await fsp.readFile(path.join(root, METADATA_FILE), 'utf8');
  } catch (err) {
    if (err instanceof LabError) throw err;
    throw new LabError('BAD_DATASET', `cannot read ${path.join(root, METADATA_FILE)}: ${(err as Error).message}`);
  }
  const rows = parseCsv(text);
  const header = (rows.shift() ?? []).map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const fileCol = col('file_name');
  const labelCol = col('label') >= 0 ? col('label') : col('labels');
  const indexCol = col('label_index');
  if (fileCol < 0 || labelCol < 0) {
    throw new LabError('BAD_DATASET', `${METADATA_FILE} in ${root} needs "file_name" and "label" columns; its header is: ${header.slice(0, 8).join(', ') || '(empty)'}`);
  }
  const set: FileSet = { kind: 'hf-imagefolder', root, jobs: [], labels: [], classNames: [], testMask: null, skipped: {}, warnings: [], others: {}, examples: [] };
  const skip = (why: string, rel: string) => {
    set.skipped[why] = (set.skipped[why] ?? 0) + 1;
    addExample(set.examples, rel, why);
  };
  const manifest = await readExportManifest(root);
  const names = manifest.labelNames ?? null;
  const byIndex = indexCol < 0 && names !== null && rows.every((r) => r.length <= labelCol || isInt(r[labelCol]));
  const classOf = new Map<string, number>();
  const order = new Map<number, number>(); // class → its label_index
  const listed = new Map<string, string>(); // listed file → its first row's label
  const candidates: Array<{ rel: string; k: number }> = [];
  const unlabeled: Array<{ rel: string; k: number }> = [];
  const entries: Array<{ rel: string; label: string; index: string }> = [];
  let conflicts = 0;
  for (const r of rows) {
    if (r.length === 1 && r[0] === '') continue;
    const rel = (r[fileCol] ?? '').trim().split(path.sep).join('/');
    const label = (r[labelCol] ?? '').trim();
    if (!rel) continue;
    const abs = path.resolve(root, rel);
    if (path.isAbsolute(rel) || path.relative(root, abs).startsWith('..')) {
      skip(SKIP_OUTSIDE, rel);
      continue;
    }
    const key = path.relative(root, abs).split(path.sep).join('/');
    const first = listed.get(key);
    if (first !== undefined) {
      // The same file on a second row: imported once, under its first row's label.
      if (first !== label) conflicts++;
      skip(first === label ? SKIP_DUPLICATE : SKIP_DUPLICATE_OTHER_LABEL, rel);
      continue;
    }
    listed.set(key, label);
    entries.push({ rel, label, index: r[indexCol] ?? '' });
  }
  if (conflicts) {
    set.warnings.push(`${conflicts} file${conflicts === 1 ? ' is' : 's are'} listed in ${METADATA_FILE} again with another label: each is imported once, with its first row's label (check which label is right)`);
  }
  // -1 is "no label" by the importers' one rule (arrays.ts markerRule): when every labelled row
  // says -1, or this app's export says so (its manifest; byIndex: its label names do not include
  // -1; a label_index of -1).
  const minusOne = entries.filter((e) => e.label === '-1').length;
  const minusOneNoLabel = byIndex || markerRule(minusOne, entries.filter((e) => e.label !== '').length, manifest.unlabeledLabel === -1) !== 'class';
  for (const { rel, label: given, index } of entries) {
    let label = given;
    // label_index -1 is this app's export saying "no label" in its own column.
    if (label === '' || (label === '-1' && (minusOneNoLabel || index.trim() === '-1'))) {
      unlabeled.push({ rel, k: 0 });
      continue;
    }
    if (byIndex) {
      const i = Number(label);
      if (i < 0 || i >= names!.length) {
        skip(SKIP_UNLABELED, rel);
        continue;
      }
      label = names![i];
    }
    let k = classOf.get(label);
    if (k === undefined) {
      k = classOf.size;
      classOf.set(label, k);
      if (indexCol >= 0 && isInt(index)) order.set(k, Number(index));
      else if (byIndex) order.set(k, names!.indexOf(label));
    }
    candidates.push({ rel, k });
  }
  set.classNames = [...classOf.keys()];
  if (candidates.length === 0 && unlabeled.length > 0) {
    // No row has a label (this app's export of an AE, VAE or VAE-GAN): one class (assemble.ts says so).
    set.classNames = [UNLABELED_CLASS];
    set.allUnlabeled = true;
    candidates.push(...unlabeled);
  } else for (const u of unlabeled) skip(SKIP_UNLABELED, u.rel);
  const listing = await listFiles(root, signal);
  addSkips(set.skipped, listing.skipped);
  addNamedSkips(set, listing.named, '');
  const present = new Set(listing.files.map((f) => f.rel));
  for (const c of candidates) {
    if (!present.has(c.rel)) {
      skip(SKIP_MISSING, c.rel);
      continue;
    }
    set.jobs.push({ abs: path.join(root, c.rel), rel: c.rel });
    set.labels.push(c.k);
  }
  const unlisted = listing.files.filter((f) => !listed.has(f.rel) && f.rel !== METADATA_FILE && f.rel !== 'manifest.json');
  skipFiles(set, unlisted, SKIP_UNLISTED, SKIP_BESIDE);
  if (set.allUnlabeled) return set;
  if (order.size === set.classNames.length) {
    const sorted = set.classNames.map((n, k) => ({ n, k, i: order.get(k)! })).sort((a, b) => a.i - b.i);
    const map = new Int32Array(sorted.length);
    sorted.forEach((s, j) => (map[s.k] = j));
    set.classNames = sorted.map((s) => s.n);
    set.labels = set.labels.map((k) => map[k]);
  } else sortClasses(set);
  return set;
}

/**
 * `train/` and `test/` (or `val/`) folders each with its own `metadata.csv`: one file set with the
 * split they give, classes merged (a class of one split only is kept; assemble.ts judges it);
 * what lies beside the two folders is counted and named (folders.ts `skipBesideSplits`).
 */
export async function scanHfSplits(root: string, trainDir: string, testDir: string, signal?: AbortSignal): Promise<FileSet> {
  const parts = [await scanHfImageFolder(path.join(root, trainDir), signal), await scanHfImageFolder(path.join(root, testDir), signal)];
  const unlabeledOnly = parts.map((p) => p.allUnlabeled === true);
  if (unlabeledOnly[0] !== unlabeledOnly[1]) {
    // One split without any label beside one with labels: its images are unlabeled rows, skipped.
    const p = parts[unlabeledOnly[0] ? 0 : 1];
    p.skipped[SKIP_UNLABELED] = (p.skipped[SKIP_UNLABELED] ?? 0) + p.jobs.length;
    for (const j of p.jobs) addExample(p.examples, j.rel, SKIP_UNLABELED);
    Object.assign(p, { jobs: [], labels: [], classNames: [] });
  }
  const set: FileSet = { kind: 'hf-imagefolder', root, jobs: [], labels: [], classNames: [...parts[0].classNames], testMask: [], skipped: {}, warnings: [], others: {}, examples: [] };
  if (unlabeledOnly[0] && unlabeledOnly[1]) set.allUnlabeled = true;
  parts.forEach((p, split) => {
    const map = p.classNames.map((n) => {
      const k = set.classNames.indexOf(n);
      return k >= 0 ? k : set.classNames.push(n) - 1;
    });
    const prefix = split ? testDir : trainDir;
    p.jobs.forEach((j, i) => {
      set.jobs.push({ ...j, rel: `${prefix}/${j.rel}` });
      set.labels.push(map[p.labels[i]]);
      set.testMask!.push(split);
    });
    for (const [k, v] of Object.entries(p.skipped)) set.skipped[k] = (set.skipped[k] ?? 0) + v;
    set.warnings.push(...p.warnings.map((w) => `${prefix}/: ${w}`));
    for (const e of p.examples) {
      const at = e.lastIndexOf(': ');
      addExample(set.examples, `${prefix}/${e.slice(0, at)}`, e.slice(at + 2));
    }
  });
  await skipBesideSplits(set, root, trainDir, testDir, SKIP_BESIDE, signal);
  return set;
}
