/**
 * `frechetFitted` (classifier/metrics.ts): the Fréchet distance of samples drawn from a run's
 * fitted prior, beside `frechet` (N(0, I)), on a small synthetic image dataset with the in-app
 * classifier trained briefly; a run whose metrics lack it is due for the classifier's numbers.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRef, Metrics, ModelConfig, TrainConfig } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { classifierMetrics, lacksClassifierMetrics, withClassifierMetrics } from '../../src-main/engine/classifier/metrics';
import { ClassifierStore } from '../../src-main/engine/classifier/store';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { sampleFittedPrior } from '../../src-main/engine/fittedPrior';
import { runEndMetrics } from '../../src-main/engine/jobs/runEnd';
import { decodeArrays } from '../../src-main/engine/metrics';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import { trainModel } from '../../src-main/engine/train';
import { strokes } from '../fixtures/generate';

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-frechet-fitted-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});


const data = {
  info: { labelNames: ['bar', 'column', 'square'] },
  shape: [28, 28, 1],
  inputDim: 784,
  train: strokes(300, 1),
  test: strokes(90, 2),
} as unknown as LoadedDataset;
const ref = DatasetRef.parse({ id: 'mnist' });

describe('frechetFitted', () => {
  it("is computed beside frechet for a run with a fitted prior (VAE, CVAE), and missing it makes a run's metrics due", async () => {
    const store = new ClassifierStore(dir, () => {}, { training: { epochs: 4, batchSize: 32 } });
    for (const kind of ['vae', 'cvae'] as const) {
      const config = ModelConfig.parse({ kind, latentDim: 4, hidden: [32] });
      const bundle = buildModel({ config, inputDim: 784, numClasses: 3, output: 'bernoulli' }, 3);
      const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: config, epochs: 4, batchSize: 32, seed: 3 });
      await trainModel(bundle, cfg, { train: data.train, val: data.test });
      const end = await runEndMetrics(bundle, data, cfg);
      const opts = { seed: 3, stats: null, fittedPrior: end.fittedPrior };
      const m = await withClassifierMetrics(end.metrics, store, ref, data, bundle, opts);
      expect(Number.isFinite(m.frechetFitted)).toBe(true);
      expect(m.frechetFitted).toBeGreaterThan(0);
      // Samples from where the encoder puts the data are nearer the data (measured 17.6 → 10.2 for the VAE, 16.6 → 10.8 for the CVAE).
      expect(m.frechetFitted).toBeLessThan(m.frechet!);
      // The run record's schema keeps it.
      expect(Metrics.parse(m).frechetFitted).toBe(m.frechetFitted);
      // The same seed: the same samples, the same numbers; N(0, I)'s frechet is unchanged by it.
      const again = await withClassifierMetrics(end.metrics, store, ref, data, bundle, opts);
      expect(again.frechetFitted).toBe(m.frechetFitted);
      const without = await withClassifierMetrics(end.metrics, store, ref, data, bundle, { seed: 3, stats: null });
      expect(without.frechet).toBe(m.frechet);
      expect(without.frechetFitted).toBeUndefined();
      // A run saved before frechetFitted existed is due for the classifier's numbers once it can have it.
      expect(lacksClassifierMetrics(without, data, true)).toBe(true);
      expect(lacksClassifierMetrics(without, data)).toBe(false);
      expect(lacksClassifierMetrics(m, data, true)).toBe(false);
      if (kind === 'cvae') {
        // The generation accuracy of the fitted prior's samples: a share, kept by the record's schema.
        expect(m.generationAccuracyFitted).toBeGreaterThanOrEqual(0);
        expect(m.generationAccuracyFitted).toBeLessThanOrEqual(1);
        expect(Metrics.parse(m).generationAccuracyFitted).toBe(m.generationAccuracyFitted);
        expect(without.generationAccuracyFitted).toBeUndefined();
        // A CVAE run saved with frechetFitted but before generationAccuracyFitted existed is due too.
        expect(lacksClassifierMetrics({ ...m, generationAccuracyFitted: undefined }, data, true)).toBe(true);
        // By hand: the fitted prior's samples for labels 0, 1, 2, 0, … (the classifier metrics' seed), decoded
        // and judged: the share given the label asked for.
        const clf = (await store.get(ref, data))!;
        const n = 60;
        const own = await classifierMetrics(bundle, data.test, clf, { ...opts, count: n });
        const asked = Int32Array.from({ length: n }, (_, i) => i % 3);
        const z = sampleFittedPrior(mulberry32(opts.seed), end.fittedPrior, asked, n, 1);
        const { labels } = await clf.judge(decodeArrays(bundle, z, asked, n), n);
        const hits = asked.filter((l, i) => labels[i] === l).length;
        expect(own.generationAccuracyFitted).toBe(hits / n);
        // The N(0, I) samples' share is a different count (their own samples).
        expect(own.generationAccuracy).toBeDefined();
      } else {
        expect(m.generationAccuracyFitted).toBeUndefined();
      }
      disposeBundle(bundle);
    }
    await store.dispose();
  }, 300_000);
});
