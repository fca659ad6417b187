/**
 * Both trainers report the ETA clock's estimate (src-main/engine/eta.ts): none (null) for the
 * run's first batches, then a number; smaller at each epoch's end report than at the one before;
 * a pause is wired to the clock (TrainControl.onHold) for the run's length only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, TrainConfig } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel } from '../../src-main/engine/models/build';
import { TrainControl, trainModel, type ProgressInfo } from '../../src-main/engine/train';
import { activeTrainWorkers, trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import { ETA_MIN_TIMED_BATCHES, ETA_WARMUP_BATCHES } from '../../src-main/engine/eta';
import { synthetic } from './synthetic';

beforeAll(async () => {
  await initBackend();
});
afterAll(() => expect(activeTrainWorkers()).toBe(0));

const trainers = {
  'in-thread': trainModel,
  workers: (...a: Parameters<typeof trainModel>) => trainModelParallel(...a, { workers: 2 }),
};

describe('training progress ETA', () => {
  for (const [name, train] of Object.entries(trainers)) {
    it(`${name}: null for the first batches, then seconds; each epoch end's estimate below the last`, async () => {
      const config = ModelConfig.parse({ kind: 'vae', latentDim: 2, hidden: [16, 8] });
      const b = buildModel({ config, inputDim: 12, numClasses: 3, output: 'bernoulli' }, 3);
      // 10 batches an epoch, 3 epochs.
      const cfg = TrainConfig.parse({ model: config, epochs: 3, batchSize: 64, seed: 5 });
      const reports: ProgressInfo[] = [];
      const control = new TrainControl();
      let hookSet = false;
      const r = await train(b, cfg, { train: synthetic(640, 2), val: synthetic(64, 3) }, {
        control,
        progressIntervalMs: 0,
        onProgress: (p) => {
          reports.push(p);
          hookSet ||= control.onHold !== null;
        },
      });
      expect(r.state).toBe('done');
      const run = (p: ProgressInfo) => (p.epoch - 1) * p.batches + p.batch;
      const early = reports.filter((p) => run(p) < ETA_WARMUP_BATCHES + ETA_MIN_TIMED_BATCHES);
      for (const p of early) expect(p.etaSeconds).toBeNull();
      // In-thread every batch is timed: a number from the 5th batch on. The workers' batches are
      // seen when the engine looks (every 20 ms; these tiny ones run many between two looks):
      // once there is a number, it stays, and the last epoch has one throughout.
      const first = name === 'in-thread' ? early.length : reports.findIndex((p) => p.etaSeconds !== null);
      expect(first).toBeGreaterThanOrEqual(early.length);
      const later = reports.slice(first);
      expect(later.some((p) => p.epoch === 3)).toBe(true);
      expect(reports.filter((p) => p.epoch === 3).every((p) => p.etaSeconds !== null)).toBe(true);
      for (const p of later) {
        expect(p.etaSeconds).not.toBeNull();
        expect(p.etaSeconds!).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(p.etaSeconds)).toBe(true);
      }
      const ends = reports.filter((p) => p.val).map((p) => p.etaSeconds);
      expect(ends).toHaveLength(3);
      const known = ends.filter((e): e is number => e !== null);
      expect(known.length).toBeGreaterThanOrEqual(name === 'in-thread' ? 3 : 2);
      for (let i = 1; i < known.length; i++) expect(known[i]).toBeLessThan(known[i - 1]);
      expect(hookSet).toBe(true);
      expect(control.onHold).toBeNull();
    });
  }
});
