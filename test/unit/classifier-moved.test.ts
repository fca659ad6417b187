/**
 * A workspace copied or moved with its classifier cache (a backup, another disk) keeps its judging
 * classifiers: their key spells a path inside the workspace from the workspace
 * (classifier/placeKey.ts), so the copy does not train them again (minutes to tens of minutes);
 * changed data still does. Classifiers cached under the earlier rule (absolute paths) are moved
 * to the new key, in place or in a moved workspace.
 */
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRef } from '../../src-shared/types';
import { identify } from '../../src-main/engine/datasets/cache';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { ClassifierStore, type TrainClassifierFn } from '../../src-main/engine/classifier/store';
import { placeKey, sameDataMoved } from '../../src-main/engine/classifier/placeKey';
import { strokes } from '../fixtures/generate';
import { heldClassifierTraining } from './classifierStub';

let dir: string;
beforeAll(async () => {
  dir = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), 'll-clf-moved-')));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const labelNames = ['bar', 'column', 'square'];
const data = { info: { labelNames }, shape: [28, 28, 1], inputDim: 784, train: strokes(60, 1), test: strokes(30, 2) } as unknown as LoadedDataset;
const mnist = DatasetRef.parse({ id: 'mnist' });
/** Own data inside the workspace, as the workspace `ws` spells it. */
const own = (ws: string) => DatasetRef.parse({ id: 'local', path: path.join(ws, 'datasets', 'own', 'small.npz') });

/** The stand-in training, released at once; counts its calls (a call is a training the user waits minutes for). */
function counting() {
  const calls = { n: 0 };
  const train: TrainClassifierFn = async (d, o) => {
    calls.n++;
    const held = heldClassifierTraining(d, o?.signal ?? new AbortController().signal);
    held.release();
    return held.result;
  };
  return { calls, train };
}

/** A workspace with own data in it (`datasets/own/small.npz` and a manifest) whose MNIST and own-data classifiers are trained. */
async function trainedWorkspace(name: string, train: TrainClassifierFn): Promise<string> {
  const ws = path.join(dir, name);
  await fsp.mkdir(path.join(ws, 'datasets', 'own'), { recursive: true });
  await fsp.writeFile(path.join(ws, 'datasets', 'own', 'small.npz'), 'npz bytes');
  await fsp.writeFile(path.join(ws, 'datasets', 'own', 'manifest.json'), '{}');
  // Whole-second mtimes: node's fs.cp keeps them to the millisecond only (cp -a, rsync -a, the file managers keep them whole).
  const when = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  for (const f of ['small.npz', 'manifest.json']) await fsp.utimes(path.join(ws, 'datasets', 'own', f), when, when);
  const store = new ClassifierStore(path.join(ws, 'datasets'), () => {}, { train });
  expect(await store.get(mnist, data)).not.toBeNull();
  expect(await store.get(own(ws), data)).not.toBeNull();
  await store.dispose();
  return ws;
}

/** Copies `from` to `to` keeping mtimes (as `cp -a`, `rsync -a`, the file managers). */
const copyWorkspace = (from: string, to: string) => fsp.cp(from, path.join(dir, to), { recursive: true, preserveTimestamps: true }).then(() => path.join(dir, to));

describe('a workspace copied to another path', () => {
  it('reuses its cached classifiers (MNIST and own data inside it): nothing is trained again', async () => {
    const { calls, train } = counting();
    const ws = await trainedWorkspace('original', train);
    expect(calls.n).toBe(2);
    const copy = await copyWorkspace(ws, 'backup-copy');
    const store = new ClassifierStore(path.join(copy, 'datasets'), () => {}, { train });
    expect(await store.get(mnist, data)).not.toBeNull();
    expect(await store.get(own(copy), data)).not.toBeNull();
    expect(calls.n).toBe(2);
    await store.dispose();
  });

  it('trains again when the data file in the copy has changed', async () => {
    const { calls, train } = counting();
    const ws = await trainedWorkspace('changes', train);
    const copy = await copyWorkspace(ws, 'changes-copy');
    const file = path.join(copy, 'datasets', 'own', 'small.npz');
    await fsp.appendFile(file, ' and more');
    const later = new Date(Date.now() + 5000);
    await fsp.utimes(file, later, later);
    const store = new ClassifierStore(path.join(copy, 'datasets'), () => {}, { train });
    expect(await store.get(own(copy), data)).not.toBeNull();
    expect(calls.n).toBe(3);
    expect(await store.get(mnist, data)).not.toBeNull();
    expect(calls.n).toBe(3);
    await store.dispose();
  });
});

describe('classifiers cached under the earlier rule (absolute paths in the key)', () => {
  /** Makes `ws`'s classifier of `ref` into one of the earlier rule: keyed by the dataset memo's key, folder and info. */
  async function makeEarlier(ws: string, ref: DatasetRef): Promise<string> {
    const dataDir = path.join(ws, 'datasets');
    const store = new ClassifierStore(dataDir);
    const now = (await store.identityOf(ref))!;
    const memo = (await identify(ref, dataDir))!;
    expect(memo.key).not.toBe(now.key);
    const old = store.folderOf({ key: memo.key, fingerprint: memo.fingerprint });
    const folder = store.folderOf(now);
    const info = JSON.parse(await fsp.readFile(path.join(folder, 'classifier.json'), 'utf8'));
    await fsp.writeFile(path.join(folder, 'classifier.json'), JSON.stringify({ ...info, dataset: { key: memo.key, fingerprint: memo.fingerprint } }));
    await fsp.rename(folder, old);
    return path.basename(old);
  }

  it('are moved to the new key, not trained again: in place, and in a copy of the workspace', async () => {
    const { calls, train } = counting();
    const ws = await trainedWorkspace('earlier', train);
    const oldMnist = await makeEarlier(ws, mnist);
    const oldOwn = await makeEarlier(ws, own(ws));
    const copy = await copyWorkspace(ws, 'earlier-copy');

    for (const [w, ref] of [[ws, own(ws)], [copy, own(copy)]] as const) {
      const store = new ClassifierStore(path.join(w, 'datasets'), () => {}, { train });
      const clf = (await store.get(mnist, data))!;
      expect(clf.info.dataset.key).toBe((await store.identityOf(mnist))!.key);
      expect(await store.get(ref, data)).not.toBeNull();
      expect(calls.n).toBe(2);
      for (const old of [oldMnist, oldOwn]) expect(existsSync(path.join(w, 'datasets', 'classifiers', old))).toBe(false);
      expect(existsSync(path.join(store.folderOf((await store.identityOf(ref))!), 'model.json'))).toBe(true);
      await store.dispose();
    }
  });
});

describe('placeKey', () => {
  const ws = path.join(path.sep, 'home', 'ada', 'Latent Lab');
  it('spells a path inside the workspace from it and leaves one outside as it is', () => {
    expect(placeKey(JSON.stringify(['mnist', path.join(ws, 'datasets')]), ws)).toBe('["mnist","<workspace>/datasets"]');
    const outside = JSON.stringify(['local', path.join(path.sep, 'data', 'x.npz'), { fit: 'pad' }]);
    expect(placeKey(outside, ws)).toBe(outside);
    expect(placeKey(JSON.stringify(['local', path.join(`${ws}2`, 'x.npz')]), ws)).toBe(JSON.stringify(['local', path.join(`${ws}2`, 'x.npz')]));
  });

  it('spells a folder whose name starts with two dots inside the workspace from it (not taken for a way out)', () => {
    const own = JSON.stringify(['local', path.join(ws, '..data', 'x.npz')]);
    expect(placeKey(own, ws)).toBe('["local","<workspace>/..data/x.npz"]');
    // ...and the workspace's parent is still outside it.
    const above = JSON.stringify(['local', path.join(ws, '..', 'x.npz')]);
    expect(placeKey(above, ws)).toBe(above);
    // A classifier cached under the earlier absolute-path key is still adopted after a move.
    expect(sameDataMoved(JSON.stringify(['local', '/old/place/..data/x.npz']), '["local","<workspace>/..data/x.npz"]')).toBe(true);
  });

  it('recognises the same data of a moved workspace only with the same id, options and path below the workspace', () => {
    const now = '["local","<workspace>/datasets/own/small.npz",{"fit":"pad"}]';
    expect(sameDataMoved('["local","/old/place/datasets/own/small.npz",{"fit":"pad"}]', now)).toBe(true);
    expect(sameDataMoved('["local","/old/place/datasets/own/small.npz",{"fit":"crop"}]', now)).toBe(false);
    expect(sameDataMoved('["local","/old/place/datasets/other/small.npz",{"fit":"pad"}]', now)).toBe(false);
    expect(sameDataMoved('["mnist","/old/place/datasets"]', '["mnist","<workspace>/datasets"]')).toBe(true);
    expect(sameDataMoved('["mnist","/old/place/datasets"]#run-classes:["a"]', '["mnist","<workspace>/datasets"]')).toBe(false);
  });
});
