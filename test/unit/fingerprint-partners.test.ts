/**
 * A single-file dataset's fingerprint (datasets/cache.ts) depends on the file and the partners its
 * import reads beside it, not on every file of its folder: a note or a download beside an .npz in
 * ~/Downloads no longer throws away the dataset's memo and its cached judging classifier
 * (report-fresh1 #2). A classifier cached under the earlier rule's fingerprint is kept.
 */
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRef } from '../../src-shared/types';
import { dataFingerprint, legacyFileFingerprint, partnerNames } from '../../src-main/engine/datasets/cache';
import { ClassifierStore, type TrainClassifierFn } from '../../src-main/engine/classifier/store';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { strokes } from '../fixtures/generate';
import { heldClassifierTraining } from './classifierStub';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-fingerprint-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** A fresh folder holding `files` (name → text); the fingerprint reads names, sizes and mtimes only. */
async function folder(files: Record<string, string>): Promise<string> {
  const d = await fsp.mkdtemp(path.join(dir, 'data-'));
  for (const [name, text] of Object.entries(files)) await fsp.writeFile(path.join(d, name), text);
  return d;
}

/** Rewrites `file` with other bytes and a later mtime. */
async function change(file: string): Promise<void> {
  await fsp.appendFile(file, 'changed');
  const later = new Date(Date.now() + 5000);
  await fsp.utimes(file, later, later);
}

describe('a single-file dataset is fingerprinted by what its import reads', () => {
  it('.npz: a note touched or added beside it leaves the fingerprint; the .npz or its manifest.json changing changes it', async () => {
    const d = await folder({ 'small.npz': 'npz bytes', 'unrelated-note.txt': 'hello' });
    const npz = path.join(d, 'small.npz');
    const before = await dataFingerprint(npz);
    await change(path.join(d, 'unrelated-note.txt'));
    await fsp.writeFile(path.join(d, 'other-download.zip'), 'zip');
    await fsp.writeFile(path.join(d, 'other.npz'), 'another dataset');
    expect(await dataFingerprint(npz)).toBe(before);
    await change(npz);
    const afterNpz = await dataFingerprint(npz);
    expect(afterNpz).not.toBe(before);
    await fsp.writeFile(path.join(d, 'manifest.json'), '{}');
    expect(await dataFingerprint(npz)).not.toBe(afterNpz);
  });

  it('IDX: its labels file and mapping count, another dataset\'s IDX files and notes do not', async () => {
    const d = await folder({
      'train-images-idx3-ubyte': 'x',
      'train-labels-idx1-ubyte': 'y',
      'emnist-letters-train-images-idx3-ubyte': 'other x',
      'README.md': 'notes',
    });
    const images = path.join(d, 'train-images-idx3-ubyte');
    expect(partnerNames(images, await fsp.readdir(d)).sort()).toEqual(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
    const before = await dataFingerprint(images);
    await change(path.join(d, 'README.md'));
    await change(path.join(d, 'emnist-letters-train-images-idx3-ubyte'));
    expect(await dataFingerprint(images)).toBe(before);
    await change(path.join(d, 'train-labels-idx1-ubyte'));
    expect(await dataFingerprint(images)).not.toBe(before);
    const letters = path.join(d, 'emnist-letters-train-images-idx3-ubyte');
    const lettersBefore = await dataFingerprint(letters);
    await fsp.writeFile(path.join(d, 'emnist-letters-mapping.txt'), '0 65');
    expect(await dataFingerprint(letters)).not.toBe(lettersBefore);
  });

  it('.npy: every .npy of the folder counts (x.npy reads y.npy); a CSV file counts alone', async () => {
    const d = await folder({ 'x.npy': 'x', 'y.npy': 'y', 'notes.txt': 'n', 'digits.csv': 'label,p0', 'other.csv': 'a' });
    const x = path.join(d, 'x.npy');
    const csv = path.join(d, 'digits.csv');
    const [xBefore, csvBefore] = [await dataFingerprint(x), await dataFingerprint(csv)];
    await change(path.join(d, 'notes.txt'));
    await change(path.join(d, 'other.csv'));
    expect(await dataFingerprint(x)).toBe(xBefore);
    expect(await dataFingerprint(csv)).toBe(csvBefore);
    await change(path.join(d, 'y.npy'));
    expect(await dataFingerprint(x)).not.toBe(xBefore);
    expect(await dataFingerprint(csv)).toBe(csvBefore);
  });

  it('a folder dataset still counts every file under it', async () => {
    const d = await folder({ 'a.png': 'a', 'note.txt': 'n' });
    const before = await dataFingerprint(d);
    await change(path.join(d, 'note.txt'));
    expect(await dataFingerprint(d)).not.toBe(before);
  });
});

describe('the judging classifier of a single-file dataset', () => {
  const labelNames = ['bar', 'column', 'square'];
  const data = { info: { labelNames }, shape: [28, 28, 1], inputDim: 784, train: strokes(60, 1), test: strokes(30, 2) } as unknown as LoadedDataset;
  /** The stand-in training, released at once; counts its calls. */
  const counting = () => {
    const calls = { n: 0 };
    const train: TrainClassifierFn = async (d, o) => {
      calls.n++;
      const held = heldClassifierTraining(d, o?.signal ?? new AbortController().signal);
      held.release();
      return held.result;
    };
    return { calls, train };
  };

  it('is not trained again when a file unrelated to the .npz appears beside it', async () => {
    const ws = await fsp.mkdtemp(path.join(dir, 'ws-'));
    const d = await folder({ 'small.npz': 'npz bytes' });
    const ref = DatasetRef.parse({ id: 'local', path: path.join(d, 'small.npz') });
    const { calls, train } = counting();
    const store = new ClassifierStore(ws, () => {}, { train });
    await store.get(ref, data);
    await store.dispose();
    await fsp.writeFile(path.join(d, 'unrelated-note.txt'), 'hello');
    const again = new ClassifierStore(ws, () => {}, { train });
    expect(await again.get(ref, data)).not.toBeNull();
    expect(calls.n).toBe(1);
    await again.dispose();
  });

  it('cached under the earlier rule (every file beside it) is kept and moved to the new fingerprint, not trained again', async () => {
    const ws = await fsp.mkdtemp(path.join(dir, 'ws-'));
    const d = await folder({ 'small.npz': 'npz bytes', 'unrelated-note.txt': 'hello' });
    const ref = DatasetRef.parse({ id: 'local', path: path.join(d, 'small.npz') });
    const { calls, train } = counting();
    const store = new ClassifierStore(ws, () => {}, { train });
    const trained = (await store.get(ref, data))!;
    await store.dispose();
    // Made into a cache of the earlier version: the folder and info keyed by the old fingerprint.
    const id = (await store.identityOf(ref))!;
    const legacy = (await legacyFileFingerprint(id.root!))!;
    expect(legacy).not.toBe(id.fingerprint);
    const now = store.folderOf({ key: id.key, fingerprint: id.fingerprint });
    const old = store.folderOf({ key: id.key, fingerprint: legacy });
    const info = JSON.parse(await fsp.readFile(path.join(now, 'classifier.json'), 'utf8'));
    await fsp.writeFile(path.join(now, 'classifier.json'), JSON.stringify({ ...info, dataset: { key: id.key, fingerprint: legacy } }));
    await fsp.rename(now, old);

    const upgraded = new ClassifierStore(ws, () => {}, { train });
    const clf = (await upgraded.get(ref, data))!;
    expect(calls.n).toBe(1);
    expect(clf.info.trainedAt).toBe(trained.info.trainedAt);
    expect(clf.info.dataset.fingerprint).toBe(id.fingerprint);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(path.join(now, 'model.json'))).toBe(true);
    await upgraded.dispose();
  });
});
