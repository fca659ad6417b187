/**
 * NumPy imports: a `.npz` archive, or `.npy` files side by side (a folder, or one of its files),
 * their arrays found by name. Images: `images`, `x`, `x_train`, `X`, … with labels `labels`,
 * `y`, `y_train`, …; an optional test pair `x_test`/`y_test` (or `test_images`/`test_labels`)
 * gives the split. Images without any labels array (`x` alone, `images` + `z`, a lone `x.npy`)
 * import as one class, "unlabeled", as a flat image folder does, the report saying which array was
 * taken as the images. A label of -1 marks an unlabeled image when every label is -1 (this app's
 * NPZ export of an AE, VAE or VAE-GAN: one class, "unlabeled"), or when the export's
 * manifest.json says so (those are skipped, counted and explained); otherwise -1 is a class like
 * any other ("-1", as in labels {-1, +1}). Class names come from a `manifest.json` beside the
 * file (this app's exports) when it names them, else from a `label_names` (or `class_names`)
 * array of strings in the file, so that a file stands on its own. Arrays not used are named in the report (the
 * latent codes `z` of this app's export as such, others as ignored). uint8 images are kept as they are; float images
 * in 0–1 are quantised to bytes, round(255·v) (arrays.ts `toImageArray`): what every image
 * dataset keeps (../rows.ts).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { DatasetKind, ImportOptions } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import type { LoadOptions } from '../types';
import type { Imported } from './assemble';
import { importArrays, SKIP_UNLABELED, toImageArray, toLabels, unlabeledClass, unlabeledNote, unlabeledRows } from './arrays';
import { isRegularFileSync } from './fileKind';
import { readExportManifest } from './manifest';
import { parseNpy, readNpz, type NdArray } from './numpy';

const TRAIN_X = ['images', 'x', 'x_train', 'X', 'X_train', 'train_images', 'images_train', 'train_x', 'data'];
const TRAIN_Y = ['labels', 'y', 'y_train', 'Y', 'Y_train', 'train_labels', 'labels_train', 'train_y', 'targets', 'target'];
const TEST_X = ['x_test', 'X_test', 'test_images', 'images_test', 'test_x'];
const TEST_Y = ['y_test', 'Y_test', 'test_labels', 'labels_test', 'test_y'];

/**
 * Arrays this app's NPZ export writes beside `images` and `labels` (export/index.ts), not used
 * for training: the report names them as what they are rather than as unknown arrays.
 */
const EXPORT_ARRAYS: Record<string, string> = { z: 'the latent codes a Latent Lab export stores' };

/** An array of class names in label-index order (strings), read when no manifest.json names the classes. */
const LABEL_NAMES = ['label_names', 'class_names'];

/** The largest .npz / .npy file read (a .npy is read whole; an .npz's entries are). */
export const MAX_ARRAY_FILE_BYTES = 2 * 1024 ** 3;

interface ArraySource {
  keys: string[];
  get: (key: string) => NdArray;
}

async function checkSize(file: string): Promise<void> {
  const st = await fsp.stat(file);
  if (st.size > MAX_ARRAY_FILE_BYTES) throw new LabError('TOO_LARGE', `${file} is ${(st.size / 1024 ** 3).toFixed(1)} GB; the limit is ${MAX_ARRAY_FILE_BYTES / 1024 ** 3} GB`);
}

/** A `.npy` file's bytes (its uint8 data is used in place: no copy is made of it later). */
async function readWhole(file: string): Promise<Uint8Array> {
  await checkSize(file);
  const b = await fsp.readFile(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** `.npy` files of a folder, by stem, read when asked. */
async function npyFolder(dir: string): Promise<ArraySource & { bytes: Map<string, Uint8Array> }> {
  const names = (await fsp.readdir(dir)).filter((n) => n.toLowerCase().endsWith('.npy') && !n.startsWith('.') && isRegularFileSync(path.join(dir, n)));
  const bytes = new Map<string, Uint8Array>();
  for (const n of names) bytes.set(n.slice(0, -4), await readWhole(path.join(dir, n)));
  return { keys: [...bytes.keys()], get: (k) => parseNpy(bytes.get(k)!, `${k}.npy`), bytes };
}

/** The label of unlabeled images in this app's NPZ export. */
const UNLABELED_LABEL = -1;

const pick = (keys: string[], wanted: string[]) => wanted.find((k) => keys.includes(k));

/** The class names an NPZ's `label_names` array holds (1-D strings); undefined, with a note, when it is not such. */
function arrayNames(a: NdArray, key: string, notes: string[]): string[] | undefined {
  if (a.kind === 'U' && a.shape.length === 1) return a.values as string[];
  notes.push(`${key}: not used as class names: expected a 1-D array of strings, found ${a.descr} (${a.shape.join(', ')})`);
  return undefined;
}

/**
 * Imports a `.npz` file, or the `.npy` files of a folder (`file` may be one of them).
 * @throws LabError BAD_DATASET naming the keys found when images or labels are missing, a count
 *   mismatch, or what numpy.ts / arrays.ts refuse.
 */
export async function importNumpy(
  file: string,
  kind: Extract<DatasetKind, 'npz' | 'npy'>,
  options: ImportOptions,
  opts: Pick<LoadOptions, 'signal' | 'onProgress'>,
): Promise<Imported> {
  const dir = kind === 'npz' ? path.dirname(file) : (await fsp.stat(file)).isDirectory() ? file : path.dirname(file);
  if (kind === 'npz') await checkSize(file);
  const src: ArraySource = kind === 'npz' ? await readNpz(file, path.basename(file), opts.signal) : await npyFolder(dir);
  const where = kind === 'npz' ? file : dir;
  // A lone array with a name not listed (a `digits.npy`, an .npz of one array) is taken as the images.
  const xKey = pick(src.keys, TRAIN_X) ?? (src.keys.length === 1 && !pick(src.keys, [...TRAIN_Y, ...TEST_X, ...TEST_Y]) ? src.keys[0] : undefined);
  const yKey = pick(src.keys, TRAIN_Y);
  if (!xKey) {
    throw new LabError(
      'BAD_DATASET',
      `${where}: found arrays ${src.keys.length ? src.keys.map((k) => `"${k}"`).join(', ') : '(none)'}; expected images as ${TRAIN_X.slice(0, 4).join('/')} and labels as ${TRAIN_Y.slice(0, 4).join('/')} (optionally x_test and y_test)`,
    );
  }
  const txKey = pick(src.keys, TEST_X);
  const tyKey = pick(src.keys, TEST_Y);
  const notes: string[] = [];
  // No labels at all (images only, as a flat image folder): one class, "unlabeled".
  const noLabels = !yKey && !tyKey;
  if (!noLabels && !yKey) throw new LabError('BAD_DATASET', `${where}: "${xKey}" has no labels to go with it (found "${tyKey}" for the test images only)`);
  if (!noLabels && !!txKey !== !!tyKey) throw new LabError('BAD_DATASET', `${where}: "${txKey ?? tyKey}" has no ${txKey ? 'labels' : 'images'} to go with it`);
  if (noLabels && !txKey && tyKey) throw new LabError('BAD_DATASET', `${where}: "${tyKey}" has no images to go with it`);
  const pairs = [{ x: xKey, y: yKey, test: false }, ...(txKey ? [{ x: txKey, y: tyKey, test: true }] : [])];
  const manifest = await readExportManifest(dir);
  const namesKey = noLabels ? undefined : pick(src.keys, LABEL_NAMES);
  const used = new Set([...pairs.flatMap((p) => [p.x, ...(p.y ? [p.y] : [])]), ...(namesKey ? [namesKey] : [])]);
  const ignored = src.keys.filter((k) => !used.has(k));
  const ours = ignored.filter((k) => k in EXPORT_ARRAYS);
  const unknown = ignored.filter((k) => !(k in EXPORT_ARRAYS));
  const unusedNotes = [
    ...(ours.length ? [`not used: ${ours.map((k) => `${k} (${EXPORT_ARRAYS[k]})`).join(', ')}`] : []),
    ...(unknown.length ? [`ignored arrays: ${unknown.join(', ')}`] : []),
  ];
  if (noLabels) {
    const parts = pairs.map((p) => ({ images: toImageArray(src.get(p.x), p.x, notes), test: p.test }));
    const classes = unlabeledClass(parts);
    const taken = pairs.map((p) => `"${p.x}"`).join(' and ');
    return importArrays(
      {
        kind,
        root: where,
        classNames: classes.names,
        skipped: {},
        warnings: [...notes, ...unusedNotes],
        allUnlabeled: true,
        noLabels: `${taken} taken as the images; no ${TRAIN_Y.slice(0, 4).join('/')} array beside ${pairs.length > 1 ? 'them' : 'it'}`,
      },
      parts.map((p, i) => ({ images: p.images, labels: classes.indices[i], test: p.test })),
      options,
      opts,
      manifest.channels,
    );
  }
  const raw = pairs.map((p) => {
    const images = toImageArray(src.get(p.x), p.x, notes);
    const labels = src.get(p.y!);
    if (labels.shape[0] !== images.count) throw new LabError('BAD_DATASET', `${where}: "${p.x}" has ${images.count} images but "${p.y}" has ${labels.shape[0]} labels`);
    return { ...p, y: p.y!, images, labels };
  });
  // -1 is "no label" when every label is -1, or when the export's manifest.json says so; else a class.
  const marker = manifest.unlabeledLabel ?? UNLABELED_LABEL;
  const { parts: loaded, dropped, allUnlabeled } = unlabeledRows(raw, marker, manifest.unlabeledLabel !== undefined);
  const skipped: Record<string, number> = dropped ? { [SKIP_UNLABELED]: dropped } : {};
  if (dropped) notes.push(unlabeledNote(dropped, marker));
  notes.push(...unusedNotes);
  // Class names: the export's manifest.json, else a label_names array in the file itself.
  const fileNames = !manifest.labelNames && namesKey && !allUnlabeled ? arrayNames(src.get(namesKey), namesKey, notes) : undefined;
  const classes = allUnlabeled ? unlabeledClass(loaded) : toLabels(loaded.map((l) => ({ a: l.labels, name: l.y })), notes, manifest.labelNames ?? fileNames);
  if (fileNames && !classes.names.every((n) => fileNames.includes(n))) notes.push(`${namesKey}: not used as class names: the labels are not all indices into its ${fileNames.length} names`);
  return importArrays(
    { kind, root: where, classNames: classes.names, skipped, warnings: notes, ...(allUnlabeled ? { allUnlabeled } : {}) },
    loaded.map((l, i) => ({ images: l.images, labels: classes.indices[i], test: l.test })),
    options,
    opts,
    manifest.channels,
  );
}
