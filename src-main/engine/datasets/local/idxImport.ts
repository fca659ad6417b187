/**
 * IDX files on disk: any image/label pair, or train and test pairs, raw or gzip, named as MNIST,
 * Fashion-MNIST, EMNIST and their copies are (`train-images-idx3-ubyte.gz`,
 * `t10k-labels.idx1-ubyte`, `emnist-letters-train-images-idx3-ubyte`, `images-idx3-ubyte.gz` …).
 * Four files that are the published MNIST or Fashion-MNIST `.gz` files (SHA-256) are named so,
 * with their class names; four whose headers are exactly the published sets' (magic, counts,
 * shapes) are marked as checked by structure. An EMNIST `…-mapping.txt` beside the files names the
 * classes. Images stored transposed (EMNIST) are turned upright with the `transpose` option.
 * This app's own IDX export has a `manifest.json` beside it naming the classes and the label of
 * unlabeled images (255): when no image has a label they import as one class, "unlabeled";
 * beside labeled ones they are skipped, counted and explained. Images with no labels file at all
 * (`train-images-idx3-ubyte` alone) import as one class, "unlabeled", as a flat image folder does.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ImportOptions } from '../../../../src-shared/datasets';
import { LabError } from '../../../../src-shared/types';
import { IDX_BYTE, IDX_DOUBLE, IDX_FLOAT, IDX_UBYTE, readIdx, type IdxArray } from '../idx';
import { IDX_SOURCES } from '../remote';
import type { LoadOptions } from '../types';
import type { Imported } from './assemble';
import { importArrays, SKIP_UNLABELED, toImageArray, toLabels, unlabeledClass, unlabeledNote, unlabeledRows } from './arrays';
import { isRegularFileSync } from './fileKind';
import { readExportManifest, type ExportManifestInfo } from './manifest';
import { TRANSPOSE_APP_ADVICE } from './importAdvice';
import type { NdArray } from './numpy';

/** The label this app's IDX export gives unlabeled images (export/index.ts `IDX_UNLABELED`). */
const IDX_UNLABELED = 255;

const IDX_NAME = /^(.*?)[-_.]?(images|labels)[-_.]idx(\d)[-_.]ubyte(\.gz)?$/i;

interface IdxFile {
  name: string;
  stem: string;
  split: 'train' | 'test';
  role: 'images' | 'labels';
}

/**
 * The report's note when every label is `marker` (255) and no manifest.json says what it means:
 * "every label is 255, the label this app's IDX export gives images without one (no manifest.json
 * beside the files says so): read as unlabelled".
 */
export function allMarkedNote(marker: number): string {
  return `every label is ${marker}, the label this app's IDX export gives images without one (no manifest.json beside the files says so): read as unlabelled`;
}

/** What an IDX file name says (null when it is not one). */
export function parseIdxName(name: string): IdxFile | null {
  const m = IDX_NAME.exec(name);
  if (!m) return null;
  const prefix = m[1];
  const sm = /(?:^|[-_.])(train|training|t10k|test|testing)$/i.exec(prefix);
  const split = sm && /^t(10k|est)/i.test(sm[1]) ? 'test' : 'train';
  const stem = sm ? prefix.slice(0, prefix.length - sm[0].length) : prefix;
  return { name, stem, split, role: m[2].toLowerCase() as 'images' | 'labels' };
}

/** True when a folder listing holds IDX files. */
export const hasIdxFiles = (names: string[]) => names.some((n) => parseIdxName(n) !== null);

function toNd(a: IdxArray): NdArray {
  const kind = a.type === IDX_FLOAT || a.type === IDX_DOUBLE ? 'f' : a.type === IDX_UBYTE ? 'u' : a.type === IDX_BYTE ? 'i' : 'i';
  return { shape: a.dims, kind, descr: `idx 0x${a.type.toString(16)}`, values: a.data };
}

/** The one dataset (stem) among the IDX files of `dir`: the one of `file` when given. */
function chooseStem(files: IdxFile[], dir: string, file?: string): string {
  if (file) {
    const f = parseIdxName(path.basename(file));
    if (!f) throw new LabError('BAD_DATASET', `${file} is not named as an IDX file (…-images-idx3-ubyte[.gz], …-labels-idx1-ubyte[.gz])`);
    return f.stem;
  }
  const stems = [...new Set(files.map((f) => f.stem))];
  if (stems.length > 1) {
    throw new LabError('BAD_DATASET', `${dir} holds the IDX files of ${stems.length} datasets (${stems.map((s) => s || '(no prefix)').join(', ')}): give one of their files as the path`);
  }
  return stems[0];
}

/** Class names from an EMNIST mapping file (`<label> <character code>` per line), if there is one. */
async function mappingNames(dir: string, stem: string): Promise<string[] | undefined> {
  const mapping = path.join(dir, `${stem}-mapping.txt`);
  const text = isRegularFileSync(mapping) ? await fsp.readFile(mapping, 'utf8').catch(() => null) : null;
  if (!text) return undefined;
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) names[Number(m[1])] = String.fromCodePoint(Number(m[2]));
  }
  return names.every((n) => n !== undefined) && names.length ? names : undefined;
}

/** Whether the four files are a published set: by the .gz files' SHA-256, or by their headers. */
function publishedCheck(
  files: Map<string, { name: string; bytes: Uint8Array; arr: IdxArray }>,
): { verified: 'sha256' | 'structure'; title?: string; names?: string[] } | null {
  for (const src of Object.values(IDX_SOURCES)) {
    const all = src.files.every((f) => {
      const got = files.get(`${f.split}:${f.kind}`);
      return got && got.name === f.name && createHash('sha256').update(got.bytes).digest('hex') === f.sha256;
    });
    if (all) return { verified: 'sha256', title: src.title, names: src.labelNames };
  }
  const dims = (k: string) => files.get(k)?.arr.dims.join('×');
  const ubyte = [...files.values()].every((f) => f.arr.type === IDX_UBYTE);
  if (files.size === 4 && ubyte && dims('train:images') === '60000×28×28' && dims('test:images') === '10000×28×28' && dims('train:labels') === '60000' && dims('test:labels') === '10000') {
    return { verified: 'structure' };
  }
  return null;
}

/**
 * Imports the IDX files of `target` (a folder, or one of its IDX files).
 * @throws LabError BAD_DATASET for a missing partner file, several datasets in one folder, or
 *   what the IDX reader refuses (naming the file).
 */
export async function importIdx(target: string, isFile: boolean, options: ImportOptions, opts: Pick<LoadOptions, 'signal' | 'onProgress'>): Promise<Imported> {
  const dir = isFile ? path.dirname(target) : target;
  const all = (await fsp.readdir(dir)).filter((n) => isRegularFileSync(path.join(dir, n))).map(parseIdxName).filter((f): f is IdxFile => f !== null);
  const stem = chooseStem(all, dir, isFile ? target : undefined);
  const group = all.filter((f) => f.stem === stem);
  const found = new Map<string, { name: string; bytes: Uint8Array; arr: IdxArray }>();
  for (const f of group) {
    const key = `${f.split}:${f.role}`;
    if (found.has(key)) throw new LabError('BAD_DATASET', `${dir} holds two ${f.split} ${f.role} files for ${stem || 'one dataset'} (e.g. ${f.name}): keep one`);
    const b = await fsp.readFile(path.join(dir, f.name));
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a view: raw IDX data is used in place
    found.set(key, { name: f.name, bytes, arr: readIdx(bytes, { name: f.name }) });
  }
  const splits = (['train', 'test'] as const).filter((s) => found.has(`${s}:images`));
  // Images without any labels file (as a flat image folder): one class, "unlabeled".
  const noLabels = splits.length > 0 && ![...found.keys()].some((k) => k.endsWith(':labels'));
  for (const split of ['train', 'test'] as const) {
    const img = found.get(`${split}:images`);
    const lbl = found.get(`${split}:labels`);
    if (!!img !== !!lbl && !noLabels) throw new LabError('BAD_DATASET', `${dir}: ${(img ?? lbl)!.name} has no ${img ? 'labels' : 'images'} file beside it`);
  }
  if (!splits.length) throw new LabError('BAD_DATASET', `${dir}: no IDX images file found`);
  const notes: string[] = [];
  if (noLabels) {
    const parts = splits.map((s) => ({ images: toImageArray(toNd(found.get(`${s}:images`)!.arr), found.get(`${s}:images`)!.name, notes), test: s === 'test' }));
    const classes = unlabeledClass(parts);
    const names = splits.map((s) => found.get(`${s}:images`)!.name);
    const partners = names.map((n) => n.replace(/images([-_.])idx\d/i, 'labels$1idx1'));
    return importArrays(
      {
        kind: 'idx',
        root: isFile ? target : dir,
        classNames: classes.names,
        skipped: {},
        warnings: notes,
        allUnlabeled: true,
        noLabels: `${names.join(' and ')} taken as the images; no ${partners.join(' or ')} beside ${splits.length > 1 ? 'them' : 'it'}`,
      },
      parts.map((p, i) => ({ images: p.images, labels: classes.indices[i], test: p.test })),
      options,
      opts,
    );
  }
  const check = publishedCheck(found);
  const raw = splits.map((s) => {
    const images = toImageArray(toNd(found.get(`${s}:images`)!.arr), found.get(`${s}:images`)!.name, notes);
    const labels = toNd(found.get(`${s}:labels`)!.arr);
    if (labels.shape[0] !== images.count) {
      throw new LabError('BAD_DATASET', `${dir}: ${found.get(`${s}:images`)!.name} has ${images.count} images but ${found.get(`${s}:labels`)!.name} has ${labels.shape[0]} labels (the files do not belong together)`);
    }
    return { images, labels, name: found.get(`${s}:labels`)!.name, test: s === 'test' };
  });
  if (/emnist/i.test(stem) && !options.transpose) notes.push(`EMNIST files store each image transposed: ${TRANSPOSE_APP_ADVICE}`);
  // This app's IDX export says in its manifest which label marks an unlabeled image (255). Without
  // the manifest, labels that are all 255 are still read so (an AE/VAE/VAE-GAN export copied
  // without it), as every label -1 is in an NPZ; a 255 beside other labels is then a class.
  const manifest: ExportManifestInfo = check ? {} : await readExportManifest(dir);
  const marker = manifest.unlabeledLabel ?? (check ? undefined : IDX_UNLABELED);
  const un = marker !== undefined ? unlabeledRows(raw, marker, manifest.unlabeledLabel !== undefined) : { parts: raw, dropped: 0, allUnlabeled: false };
  if (un.allUnlabeled && manifest.unlabeledLabel === undefined) notes.push(allMarkedNote(marker!));
  const parts = un.parts;
  const names = check?.names ?? (await mappingNames(dir, stem)) ?? manifest.labelNames;
  const classes = un.allUnlabeled ? unlabeledClass(parts) : toLabels(parts.map((p) => ({ a: p.labels, name: p.name })), notes, names);
  const skipped: Record<string, number> = un.dropped ? { [SKIP_UNLABELED]: un.dropped } : {};
  if (un.dropped) notes.push(unlabeledNote(un.dropped, manifest.unlabeledLabel!));
  return importArrays(
    { kind: 'idx', root: isFile ? target : dir, classNames: classes.names, skipped, warnings: notes, ...(un.allUnlabeled ? { allUnlabeled: true } : {}), ...(check ? { verified: check.verified } : {}), ...(check?.title ? { title: check.title } : {}) },
    parts.map((p, i) => ({ images: p.images, labels: classes.indices[i], test: p.test })),
    options,
    opts,
    manifest.channels,
  );
}
