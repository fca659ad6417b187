/**
 * The in-app classifier end to end on a small synthetic image dataset (three kinds of strokes):
 * trained on the kernels in the training workers with progress, cached in the dataset folder as
 * a standard tfjs LayersModel that reloads with the same outputs, cancelled on request (nothing
 * cached), retrained over a stale or broken cache; and the run metrics it judges (Fréchet
 * distance, CVAE generation accuracy, its own accuracy).
 */
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRef, LabError, Metrics, ModelConfig } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { lacksClassifierMetrics, withClassifierMetrics } from '../../src-main/engine/classifier/metrics';
import { ClassifierStore, type ClassifierEvent } from '../../src-main/engine/classifier/store';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import { loadLayersModel } from '../../src-main/engine/models/io';
import { rowsF32 } from '../../src-main/engine/datasets/rows';
import { strokes } from '../fixtures/generate';

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-classifier-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});


const labelNames = ['bar', 'column', 'square'];
const data = {
  info: { labelNames },
  shape: [28, 28, 1],
  inputDim: 784,
  train: strokes(300, 1),
  test: strokes(90, 2),
} as unknown as LoadedDataset;
const ref = DatasetRef.parse({ id: 'mnist' });
const quick = { training: { epochs: 4, batchSize: 32 } };
/** One epoch: where only the cache is under test. */
const oneEpoch = { training: { epochs: 1, batchSize: 32 } };
/** Trainings on a loaded 2-core machine take a while. */
const SLOW = 300_000;

describe('classifier store', () => {
  it('trains in the workers with progress, measures its test accuracy and caches a standard tfjs model that reloads the same', async () => {
    const events: ClassifierEvent[] = [];
    const store = new ClassifierStore(dir, (e) => events.push(e), quick);
    const clf = (await store.get(ref, data))!;
    expect(events.some((e) => e.state === 'training' && e.progress && e.progress.epochs === 4)).toBe(true);
    expect(events.at(-1)).toMatchObject({ state: 'done', dataset: 'mnist' });
    expect(clf.info.testAccuracy).toBeGreaterThan(0.9);
    expect(clf.info.workers).toBeGreaterThanOrEqual(1);
    // The same object for the next request; a fresh store reads the folder instead of training.
    expect(await store.get(ref, data)).toBe(clf);
    const folder = store.folderOf(clf.info.dataset);
    for (const f of ['model.json', 'weights.bin', 'classifier.json']) expect(existsSync(path.join(folder, f))).toBe(true);
    const plain = await loadLayersModel(folder);
    const input = tf.tensor2d(rowsF32(data.test.x, 784, 0, 5), [5, 784]);
    const probs = plain.predict(input) as tf.Tensor;
    expect(Array.from(probs.dataSync())).toEqual(Array.from((clf.model.predict(input) as tf.Tensor).dataSync()));
    tf.dispose([input, probs]);
    plain.dispose();
    const later: ClassifierEvent[] = [];
    const again = new ClassifierStore(dir, (e) => later.push(e), quick);
    const reloaded = (await again.get(ref, data))!;
    expect(later).toEqual([]);
    expect(reloaded.info.testAccuracy).toBe(clf.info.testAccuracy);
    const a = await clf.judge(data.test.x, 10);
    const b = await reloaded.judge(data.test.x, 10);
    expect(Array.from(b.features)).toEqual(Array.from(a.features));
    expect(b.features.length).toBe(10 * clf.featureDim);
    await store.dispose();
    await again.dispose();
  }, SLOW);

  it('a cancel stops the training (CANCELLED, nothing cached); a broken cache folder is trained again and replaced', async () => {
    const ws = await fsp.mkdtemp(path.join(dir, 'cancel-'));
    const store = new ClassifierStore(ws, (e) => {
      if (e.state === 'training' && e.progress) store.cancel();
    }, { training: { epochs: 30, batchSize: 32 } });
    const err = await store.get(ref, data).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('CANCELLED');
    const root = path.join(ws, 'classifiers');
    expect(existsSync(root) ? await fsp.readdir(root) : []).toEqual([]);

    const fresh = new ClassifierStore(ws, () => {}, oneEpoch);
    const folder = fresh.folderOf((await (async () => {
      const clf = (await fresh.get(ref, data))!;
      return clf.info.dataset;
    })()));
    await fresh.dispose();
    await fsp.writeFile(path.join(folder, 'classifier.json'), '{ broken');
    const events: ClassifierEvent[] = [];
    const retrain = new ClassifierStore(ws, (e) => events.push(e), oneEpoch);
    const clf = (await retrain.get(ref, data))!;
    expect(events.some((e) => e.state === 'training')).toBe(true);
    expect(JSON.parse(await fsp.readFile(path.join(folder, 'classifier.json'), 'utf8')).testAccuracy).toBe(clf.info.testAccuracy);
    expect((await fsp.readdir(path.dirname(folder))).filter((f) => f.includes('.tmp-'))).toEqual([]);
    await retrain.dispose();
  }, SLOW);

  it('toy points have no classifier', async () => {
    const store = new ClassifierStore(dir);
    expect(await store.get(DatasetRef.parse({ id: 'toy-moons' }), { ...data, shape: [2], inputDim: 2 } as LoadedDataset)).toBeNull();
  });
});

describe('classifier metrics of a run', () => {
  const base: Metrics = { elbo: 1, recon: 1, kl: 0, activeUnits: 2, knnAccuracy: 0.5 };

  it("adds the Fréchet distance and the classifier's accuracy for a VAE, and the generation accuracy for a CVAE only", async () => {
    const store = new ClassifierStore(dir, () => {}, quick);
    const clf = (await store.get(ref, data))!;
    for (const kind of ['vae', 'cvae'] as const) {
      const bundle = buildModel({ config: ModelConfig.parse({ kind, latentDim: 2, hidden: [16] }), inputDim: 784, numClasses: 3, output: 'bernoulli' }, 3);
      const m = await withClassifierMetrics(base, store, ref, data, bundle, { seed: 1, stats: null });
      expect(m.frechet).toBeGreaterThan(0);
      // The images it compared per side are recorded and survive the run record's schema (the
      // renderer's caveat for few of them): all 90 of the test split here.
      expect(Metrics.parse(m).frechetSamples).toBe(data.test.count);
      expect(m.classifierAccuracy).toBeCloseTo(clf.info.testAccuracy, 6);
      if (kind === 'cvae') expect(m.generationAccuracy).toBeGreaterThanOrEqual(0);
      else expect(m.generationAccuracy).toBeUndefined();
      expect(lacksClassifierMetrics(m, data)).toBe(false);
      // The same seed draws the same samples.
      expect((await withClassifierMetrics(base, store, ref, data, bundle, { seed: 1, stats: null })).frechet).toBe(m.frechet);
      disposeBundle(bundle);
    }
    expect(lacksClassifierMetrics(base, data)).toBe(true);
    expect(lacksClassifierMetrics(base, { ...data, shape: [2] } as LoadedDataset)).toBe(false);
    await store.dispose();
  }, SLOW);
});
