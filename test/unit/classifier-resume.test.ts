/**
 * The in-app classifier's training survives an interruption (a new run starts, the user cancels,
 * the app quits): it checkpoints at each epoch's end into its cache folder and goes on from the
 * next epoch, ending with exactly the weights an uninterrupted training gives; a corrupt or
 * foreign checkpoint is ignored (logged, removed) and the training starts at epoch 1; the
 * checkpoint is gone once the classifier is saved. Small synthetic images (three kinds of
 * strokes), a few epochs; the interruption happens at a known epoch end (no timing).
 */
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRef } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint, type CheckpointOwner } from '../../src-main/engine/classifier/checkpoint';
import { Classifier, flatWeights, trainClassifier, type ClassifierData } from '../../src-main/engine/classifier/classifier';
import { buildClassifierModel, classifierLayers, classifierTraining, CLASSIFIER_VERSION } from '../../src-main/engine/classifier/model';
import { ClassifierStore, type ClassifierEvent, type TrainClassifierFn } from '../../src-main/engine/classifier/store';
import { trainClassifierWeights, type ClassifierCheckpoint } from '../../src-main/engine/classifier/train';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import type { LoadedDataset } from '../../src-main/engine/datasets';

/** `n` 28×28 images: 0 a horizontal bar, 1 a vertical bar, 2 a square, at random places, with noise. */
function strokes(n: number, seed: number): { x: Float32Array; y: Int32Array; count: number } {
  const r = mulberry32(seed);
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    const a = 6 + Math.floor(r() * 14);
    for (let p = 0; p < 784; p++) {
      const row = Math.floor(p / 28);
      const col = p % 28;
      const on = c === 0 ? Math.abs(row - a) <= 1 : c === 1 ? Math.abs(col - a) <= 1 : Math.abs(row - a) <= 3 && Math.abs(col - 14) <= 3;
      x[i * 784 + p] = Math.min(1, (on ? 0.9 : 0) + 0.1 * r());
    }
  }
  return { x, y, count: n };
}

const data = {
  info: { labelNames: ['bar', 'column', 'square'] },
  shape: [28, 28, 1],
  inputDim: 784,
  train: strokes(64, 1),
  test: strokes(30, 2),
} as unknown as LoadedDataset;
const ref = DatasetRef.parse({ id: 'mnist' });
/** 3 epochs of 2 batches (2 workers). */
const training = { epochs: 3, batchSize: 32 };
const SLOW = 300_000;

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-clf-resume-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** The real training, with what the store passed it recorded and a hook after each checkpoint. */
function recording(afterCheckpoint: (cp: ClassifierCheckpoint) => void = () => {}) {
  const resumes: Array<ClassifierCheckpoint | undefined> = [];
  const train: TrainClassifierFn = (d, o = {}) => {
    resumes.push(o.resume);
    return trainClassifier(d, {
      ...o,
      onEpochEnd: async (cp) => {
        await o.onEpochEnd?.(cp);
        afterCheckpoint(cp);
      },
    });
  };
  return { train, resumes };
}

const weightsOf = (c: Classifier) => flatWeights(c.model);

describe('classifier training checkpoints', () => {
  /** The resumed training's classifier (its store stays open until the end). */
  let resumed: Classifier;
  let resumedStore: ClassifierStore;
  /** The interrupted training's checkpoint, as read back. */
  let saved: ClassifierCheckpoint;
  /** What a checkpoint of this data and training in workspace `ws` belongs to. */
  const ownerIn = async (ws: string): Promise<CheckpointOwner> => ({
    version: CLASSIFIER_VERSION,
    dataset: (await new ClassifierStore(ws).identityOf(ref))!,
    layers: classifierLayers(data.shape, 3),
    training: { ...classifierTraining(data.train.count), ...training },
    trainCount: data.train.count,
  });

  it('an interrupted training goes on from the epoch after its checkpoint; the checkpoint is removed once saved', async () => {
    // Interrupted after epoch 1 (a new run started: the store's cancel, as the queue's yieldToTraining does).
    const ws = path.join(dir, 'interrupted');
    let store!: ClassifierStore;
    const first = recording((cp) => {
      if (cp.epoch === 1) store.cancel();
    });
    store = new ClassifierStore(ws, () => {}, { training, train: first.train, log: () => {} });
    await expect(store.get(ref, data)).rejects.toMatchObject({ code: 'CANCELLED' });
    const folder = store.folderOf((await store.identityOf(ref))!);
    const found = await readCheckpoint(folder, await ownerIn(ws));
    expect(found).toMatchObject({ state: 'ok', checkpoint: { epoch: 1, step: 2, workers: expect.any(Number) } });
    if (found.state === 'ok') saved = found.checkpoint;
    expect(existsSync(path.join(folder, 'classifier.json'))).toBe(false);

    // Asked again (the queue's resume, or a new session): epoch 2 onwards.
    const events: ClassifierEvent[] = [];
    const log: string[] = [];
    const second = recording();
    const again = new ClassifierStore(ws, (e) => events.push(e), { training, train: second.train, log: (l) => log.push(l) });
    resumedStore = again;
    const b = (await again.get(ref, data))!;
    expect(second.resumes[0]?.epoch).toBe(1);
    const epochs = events.flatMap((e) => (e.progress ? [e.progress.epoch] : []));
    expect(epochs.length).toBeGreaterThan(0);
    expect(Math.min(...epochs)).toBe(2);
    expect(log.join('\n')).toMatch(/resuming the training at epoch 2 of 3/);
    resumed = b;
    expect(existsSync(path.join(folder, 'classifier.json'))).toBe(true);
    expect(existsSync(path.join(folder, CHECKPOINT_FILE))).toBe(false);
    await store.dispose();
  }, SLOW);

  it('a corrupt checkpoint is ignored with a log line: the training starts at epoch 1, and this uninterrupted training ends with the resumed one’s weights', async () => {
    const ws = path.join(dir, 'corrupt');
    const log: string[] = [];
    const events: ClassifierEvent[] = [];
    const second = recording();
    const again = new ClassifierStore(ws, (e) => events.push(e), { training, train: second.train, log: (l) => log.push(l) });
    // The interrupted training's checkpoint, here, with one bit of Adam's second moment flipped.
    const folder = again.folderOf((await again.identityOf(ref))!);
    await writeCheckpoint(folder, await ownerIn(ws), saved);
    const file = path.join(folder, CHECKPOINT_FILE);
    const bytes = await fsp.readFile(file);
    bytes[bytes.length - 5] ^= 0x40;
    await fsp.writeFile(file, bytes);
    const clf = (await again.get(ref, data))!;
    expect(second.resumes).toEqual([undefined]);
    expect(log.join('\n')).toMatch(/ignoring the training checkpoint .*checksum.*training from epoch 1/);
    expect(events.find((e) => e.progress)?.progress?.epoch).toBe(1);
    // Bit for bit, and so the same test accuracy.
    expect(Array.from(weightsOf(resumed))).toEqual(Array.from(weightsOf(clf)));
    expect(resumed.info.testAccuracy).toBe(clf.info.testAccuracy);
    expect(existsSync(path.join(folder, CHECKPOINT_FILE))).toBe(false);
    await Promise.all([again.dispose(), resumedStore.dispose()]);
  }, SLOW);

  it('a checkpoint cut short, of another training setting, or not a checkpoint at all is refused with the reason', async () => {
    const folder = path.join(dir, 'refused');
    const layers = classifierLayers(data.shape, 3);
    const owner: CheckpointOwner = { version: CLASSIFIER_VERSION, dataset: { key: 'k', fingerprint: 'f' }, layers, training: { ...classifierTraining(64), ...training }, trainCount: 64 };
    const w = flatWeights(buildClassifierModel(layers, 1));
    const cp: ClassifierCheckpoint = { epoch: 1, step: 2, workers: 2, weights: w, m: w.map((x) => x / 2), v: w.map((x) => x * x) };
    await writeCheckpoint(folder, owner, cp);
    const ok = await readCheckpoint(folder, owner);
    expect(ok.state).toBe('ok');
    if (ok.state === 'ok') expect(Array.from(ok.checkpoint.m.subarray(0, 50))).toEqual(Array.from(cp.m.subarray(0, 50)));
    const other = await readCheckpoint(folder, { ...owner, training: { ...owner.training, epochs: 4 } });
    expect(other).toMatchObject({ state: 'refused', why: expect.stringMatching(/another classifier, dataset or training/) });
    const file = path.join(folder, CHECKPOINT_FILE);
    await fsp.truncate(file, (await fsp.stat(file)).size - 4);
    expect(await readCheckpoint(folder, owner)).toMatchObject({ state: 'refused', why: expect.stringMatching(/bytes of weights/) });
    await fsp.writeFile(file, '{"not": "a checkpoint"}');
    expect(await readCheckpoint(folder, owner)).toMatchObject({ state: 'refused', why: 'it is not a classifier checkpoint' });
    expect(await readCheckpoint(path.join(dir, 'nothing-here'), owner)).toEqual({ state: 'none' });
  });

  it('reports no progress once cancelled: a late "training" report would undo the status bar’s “Judging classifier off”', async () => {
    const layers = classifierLayers(data.shape, 3);
    const abort = new AbortController();
    let reports = 0;
    let afterCancel = 0;
    // 64 steps of 8 images in one epoch, a report at every look: the cancel lands mid-epoch.
    const run = trainClassifierWeights(layers, { ...classifierTraining(512), epochs: 1, batchSize: 8 }, flatWeights(buildClassifierModel(layers, 1)), strokes(512, 3), {
      signal: abort.signal,
      progressMs: 0,
      workers: 1,
      onProgress: () => {
        reports++;
        if (abort.signal.aborted) afterCancel++;
        abort.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(reports).toBe(1);
    expect(afterCancel).toBe(0);
  }, SLOW);

  it('no time left is said during the first epoch of a start (its pace is the warm-up\'s), then it is', async () => {
    const layers = classifierLayers(data.shape, 3);
    const reports: { epoch: number; eta?: number }[] = [];
    await trainClassifierWeights(layers, { ...classifierTraining(256), epochs: 2, batchSize: 8 }, flatWeights(buildClassifierModel(layers, 1)), strokes(256, 3), {
      progressMs: 0,
      workers: 1,
      onProgress: (p) => reports.push({ epoch: p.epoch, eta: p.etaSeconds }),
    });
    const first = reports.filter((r) => r.epoch === 1);
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((r) => r.eta === undefined)).toBe(true);
    expect(reports.some((r) => r.epoch === 2 && r.eta !== undefined && r.eta >= 0)).toBe(true);
  }, SLOW);

  it('a checkpoint that does not fit the model or the epochs is ignored by the training itself, with the reason', async () => {
    const d: ClassifierData = { shape: data.shape, labelNames: data.info.labelNames, train: data.train, test: data.test, identity: { key: 'k', fingerprint: 'f' } };
    const P = flatWeights(buildClassifierModel(classifierLayers(data.shape, 3), 1)).length;
    const full = new Float32Array(P);
    const small = new Float32Array(10);
    const why: string[] = [];
    // A cancelled signal: the training stops right after deciding what to start from.
    const signal = AbortSignal.abort();
    for (const resume of [
      { epoch: 1, step: 2, workers: 2, weights: small, m: small, v: small },
      { epoch: 3, step: 6, workers: 2, weights: full, m: full, v: full },
      { epoch: 1, step: 3, workers: 2, weights: full, m: full, v: full },
    ]) {
      await expect(trainClassifier(d, { training, resume, signal, onResumeIgnored: (w) => why.push(w) })).rejects.toMatchObject({ code: 'CANCELLED' });
    }
    expect(why).toEqual([`it holds 10/10/10 values for a model of ${P} weights`, 'it is at epoch 3 of 3', 'it counts 3 steps, not 2 (1 × 2 batches)']);
  });
});
