/**
 * `Metrics.sampleSpreadFitted` for a run saved before it was recorded (runPrior.ts
 * `withFittedSpread`): its fitted prior fitted from its training data, its samples' spread
 * measured as the run's end would have (the same number), and the metrics saved; a run that has
 * it, a training run and a run without metrics are left as they are.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, TrainConfig, type Metrics } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { loadEmbeddedMnist } from '../../src-main/engine/datasets/mnist';
import type { RowValues } from '../../src-main/engine/datasets/rows';
import { runEndMetrics } from '../../src-main/engine/jobs/runEnd';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import type { LoadedRun } from '../../src-main/engine/runCache';
import { withFittedSpread } from '../../src-main/engine/runPrior';
import type { RunRecord } from '../../src-main/engine/runs';
import { sampleSpreads } from '../../src-main/engine/sampleSpread';
import { trainModel } from '../../src-main/engine/train';

beforeAll(async () => {
  await initBackend();
});

describe('sampleSpreadFitted for a run saved before it', () => {
  it("is measured from the run's own data as its end measures it, and kept in its record", async () => {
    const m = await loadEmbeddedMnist();
    const cut = (s: { x: RowValues; y: Int32Array }, n: number) => ({ x: s.x.slice(0, n * 784), y: s.y.slice(0, n), count: n });
    const data = { info: { labelNames: [] }, shape: [28, 28, 1], inputDim: 784, train: cut(m.train, 400), test: cut(m.test, 100) } as unknown as LoadedDataset;
    for (const kind of ['vae', 'cvae'] as const) {
      const config = ModelConfig.parse({ kind, latentDim: 3, hidden: [64] });
      const bundle = buildModel({ config, inputDim: 784, numClasses: 10, output: 'bernoulli' }, 5);
      const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: config, epochs: 3, batchSize: 32, learningRate: 2e-3, seed: 5 });
      await trainModel(bundle, cfg, { train: data.train, val: data.test });
      const end = await runEndMetrics(bundle, data, cfg);
      expect(end.metrics.sampleSpreadFitted).toBeGreaterThan(0);
      // As saved before the number (and before fitted priors): neither in the record.
      const { sampleSpreadFitted, ...older } = end.metrics;
      const rec = { id: `old-${kind}`, state: 'done', config: cfg, epochsDone: 3, metrics: older, latentStats: end.latentStats } as unknown as RunRecord;
      const lr: LoadedRun = { rec, bundle, data };
      const got = await withFittedSpread(lr);
      expect(got?.sampleSpreadFitted).toBe(sampleSpreadFitted);
      expect(lr.rec.metrics?.sampleSpreadFitted).toBe(sampleSpreadFitted);
      expect(lr.rec.fittedPrior).toEqual(end.fittedPrior);
      // The other numbers are kept.
      expect({ ...got, sampleSpreadFitted: undefined }).toEqual({ ...older, sampleSpreadFitted: undefined });
      // The fitted figure alone (no prior samples decoded) is the run end's number.
      expect((await sampleSpreads(bundle, data.train, cfg.seed, null, end.fittedPrior, { standard: false })).fitted).toBe(sampleSpreadFitted);

      // Left as they are: a run that has it, one still training, one without metrics.
      const has = { ...older, sampleSpreadFitted: 0.5 } as Metrics;
      expect(await withFittedSpread({ rec: { ...rec, metrics: has }, bundle, data })).toBe(has);
      const training = { ...rec, state: 'training', metrics: older, fittedPrior: undefined } as RunRecord;
      expect(await withFittedSpread({ rec: training, bundle, data })).toBe(older);
      expect(training.fittedPrior).toBeUndefined();
      expect(await withFittedSpread({ rec: { ...rec, metrics: null }, bundle, data })).toBeNull();
      disposeBundle(bundle);
    }
  }, 300_000);
});
