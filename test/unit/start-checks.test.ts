/**
 * The notices a training start gives before a run exists: a batch larger than the training set is
 * clamped, and a run of fewer than ~500 optimiser steps in all (the new user's 90 images, batch
 * clamped to 72, 20 epochs: 20 steps, grey blobs) says how many and what gives more.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEW_STEPS, fewStepsWarning, MIN_SUGGESTED_BATCH, startChecks } from '../../src-main/engine/jobs/startChecks';
import { Engine } from '../../src-main/engine/engine';
import { TrainConfig } from '../../src-shared/types';
import { classFolders } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

const cfg = (over: Partial<TrainConfig>) => TrainConfig.parse({ ...over });

describe('fewStepsWarning', () => {
  it('counts epochs × batches per epoch (the last one partial) and suggests a smaller batch or more epochs', () => {
    const [w] = startChecks(cfg({ epochs: 20, batchSize: 256 }), 72).warnings.slice(1);
    expect(w).toMatch(/^this run takes only 20 optimiser steps in all \(20 epochs × 1 batch of up to 72\): fewer than ~500/);
    // The suggestions really give ≥ 500 steps.
    const epochs = Number(/more epochs \(([\d,]+) at batch 72/.exec(w!)![1]!.replace(/,/g, ''));
    expect(epochs * 1).toBeGreaterThanOrEqual(FEW_STEPS);
    // A power of two, as people pick batches (MNIST's 8,000 × 3 epochs at 64: 32, not 47).
    const vaegan = fewStepsWarning(TrainConfig.parse({ epochs: 3, batchSize: 64, model: { kind: 'vaegan' } }), 8000)[0];
    const batch = Number(/a smaller batch \(e\.g\. (\d+): ([\d,]+) steps\)/.exec(vaegan!)![1]);
    expect(batch).toBe(32);
    expect(Math.ceil(8000 / batch) * 3).toBeGreaterThanOrEqual(FEW_STEPS);
    expect(fewStepsWarning(cfg({ epochs: 2, batchSize: 100 }), 250)[0]).toMatch(/only 6 optimiser steps in all \(2 epochs × 3 batches of up to 100\)/);
  });

  it('names what few steps leave for the kind: a VAE-GAN repeated shapes and speckle, the others blurry, grey samples', () => {
    const gan = fewStepsWarning(TrainConfig.parse({ epochs: 3, batchSize: 64, model: { kind: 'vaegan' } }), 8000)[0]!;
    expect(gan).toMatch(/fewer than ~500 usually leaves repeated, speckled shapes; use /);
    expect(gan).not.toMatch(/grey/);
    for (const kind of ['vae', 'ae', 'cvae'] as const) {
      const w = fewStepsWarning(TrainConfig.parse({ epochs: 3, batchSize: 256, model: { kind } }), 8000)[0]!;
      expect(w, kind).toMatch(/fewer than ~500 usually leaves blurry, grey samples; use /);
    }
  });

  it('offers no smaller batch that would still fall short (48 examples × 2 epochs: at most 96 steps even at batch 1)', () => {
    const [w] = fewStepsWarning(cfg({ epochs: 2, batchSize: 16 }), 48);
    expect(w).not.toMatch(/smaller batch/);
    const epochs = Number(/use more epochs \(([\d,]+) at batch 16[,)]/.exec(w!)![1]!.replace(/,/g, ''));
    expect(epochs * Math.ceil(48 / 16)).toBeGreaterThanOrEqual(FEW_STEPS);
  });

  it('never suggests a batch under 8: a small dataset (144 training images, 5 epochs at 16) is told more epochs, at 16 or at 8', () => {
    const [w] = fewStepsWarning(cfg({ epochs: 5, batchSize: 16 }), 144);
    expect(w).not.toMatch(/smaller batch/);
    const m = /use more epochs \(([\d,]+) at batch 16, or ([\d,]+) at batch (\d+)\)$/.exec(w!)!;
    expect(Number(m[3])).toBe(MIN_SUGGESTED_BATCH);
    expect(Number(m[1]) * Math.ceil(144 / 16)).toBeGreaterThanOrEqual(FEW_STEPS);
    expect(Number(m[2]) * Math.ceil(144 / MIN_SUGGESTED_BATCH)).toBeGreaterThanOrEqual(FEW_STEPS);
    // Across sizes, no suggested batch is under 8, and every suggestion reaches ~500 steps.
    for (const n of [10, 48, 144, 180, 1000, 8000]) {
      for (const batchSize of [8, 16, 64, 256]) {
        for (const epochs of [1, 5, 20]) {
          const [text] = fewStepsWarning(cfg({ epochs, batchSize }), n);
          if (!text) continue;
          for (const [, b, s] of text.matchAll(/a smaller batch \(e\.g\. (\d+): ([\d,]+) steps\)/g)) {
            expect(Number(b), text).toBeGreaterThanOrEqual(MIN_SUGGESTED_BATCH);
            expect(Number(s.replace(/,/g, '')), text).toBeGreaterThanOrEqual(FEW_STEPS);
          }
          for (const [, e, b] of text.matchAll(/([\d,]+) at batch ([\d,]+)/g)) {
            expect(Number(b.replace(/,/g, '')), text).toBeGreaterThanOrEqual(Math.min(MIN_SUGGESTED_BATCH, batchSize));
            expect(Number(e.replace(/,/g, '')) * Math.ceil(n / Number(b.replace(/,/g, ''))), text).toBeGreaterThanOrEqual(FEW_STEPS);
          }
        }
      }
    }
  });

  it('is silent from 500 steps on (MNIST\'s default run: 30 epochs × 32 batches)', () => {
    expect(fewStepsWarning(cfg({ epochs: 30, batchSize: 256 }), 8000)).toEqual([]);
    expect(fewStepsWarning(cfg({ epochs: 500, batchSize: 10 }), 10)).toEqual([]);
    expect(fewStepsWarning(cfg({ epochs: 499, batchSize: 10 }), 10)).toHaveLength(1);
  });

  it('is given for images only: 2-D toy points get no "blurry, grey samples" notice (a batch clamp still is)', () => {
    expect(startChecks(cfg({ epochs: 2, batchSize: 256 }), 1000).warnings).toEqual([expect.stringMatching(/blurry, grey samples/)]);
    expect(startChecks(cfg({ epochs: 2, batchSize: 256 }), 1000, false).warnings).toEqual([]);
    expect(startChecks(cfg({ epochs: 2, batchSize: 256 }), 100, false).warnings).toEqual([expect.stringMatching(/^batch size 256 is larger than the training set \(100 examples\): clamped/)]);
  });
});

describe('training:start on 90 images (the new user\'s run)', () => {
  let tmp: string;
  let engine: Engine;
  beforeAll(async () => {
    tmp = await makeTemp('ll-start-checks-');
    await classFolders(path.join(tmp, 'shapes'), ['circle', 'square', 'triangle'], 30);
    engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
  }, 60_000);
  afterAll(async () => {
    await engine.dispose();
    await rmTemp(tmp);
  });

  it('returns and keeps the clamp notice and the few-steps notice', async () => {
    const dataset = { id: 'local' as const, path: path.join(tmp, 'shapes') };
    const { trainCount } = await engine.call('datasets:prepare', { dataset });
    const r = await engine.call('training:start', { dataset, model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 20 });
    await engine.waitForTraining();
    const n = trainCount.toLocaleString('en-US');
    expect(r.warnings).toEqual([
      `batch size 256 is larger than the training set (${n} examples): clamped to ${n}, one batch per epoch`,
      expect.stringMatching(new RegExp(`^this run takes only 20 optimiser steps in all \\(20 epochs × 1 batch of up to ${n}\\).*use more epochs \\(500 at batch ${n}, or \\d+ at batch 8\\)$`)),
    ]);
    const saved = (await engine.call('runs:list', {})).find((x) => x.id === r.runId)!;
    expect(saved.warnings).toEqual(r.warnings);
  });
});
