/**
 * A VAE-GAN whose last epochs are unhealthy ends on its last healthy checkpoint (jobs/ganHealth.ts):
 * its run then says the saved model's epochs, not the epochs it trained — the run list and
 * config.json (`epochsDone`, so Compare's epochs and optimiser steps), the progress it ends on
 * (that epoch's losses beside that model's metrics) — while its loss history keeps every epoch
 * trained and the run records how many (`epochsTrained`).
 *
 * The verdicts are forced (the real check, given validation figures that place epoch 1 halfway
 * to perfect copies and later epochs worse than the average training image), so that a test on a
 * few hundred digits can make the healthy-then-ruined sequence the tester saw on MNIST.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { LossParts, TrainProgress } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { Engine } from '../../src-main/engine/engine';
import { GanHealth } from '../../src-main/engine/jobs/ganHealth';
import { writeDigits } from '../fixtures/digits';

let tmp: string;
let digits: string;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-vaegan-rollback-'));
  digits = await writeDigits(path.join(tmp, 'digits'), 200, 100);
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(tmp, { recursive: true, force: true });
});

it('a run rolled back to its last healthy epoch says that epoch everywhere (run list, config.json, the progress it ends on) and keeps every epoch in its loss history', async () => {
  const check = GanHealth.prototype.check;
  vi.spyOn(GanHealth.prototype, 'check').mockImplementation(function (this: GanHealth, bundle, epoch, train, val) {
    const { average, perfect } = this.baselines;
    const forced: LossParts = { ...val, recon: epoch === 1 ? (average + perfect) / 2 : average + 20 };
    const h = check.call(this, bundle, epoch, { ...train, gan: { disc: 1.2, gen: 1, feature: 1 } }, forced);
    if (epoch === 1) h.collapsed = false; // a barely trained decoder's alike samples: not what this test is about
    return h;
  });
  const progress: TrainProgress[] = [];
  const engine = await Engine.create({
    workspace: path.join(tmp, 'ws'),
    emit: (name, p) => {
      if (name === 'training:progress') progress.push(p as TrainProgress);
    },
  });
  try {
    const { runId } = await engine.call('training:start', {
      dataset: { id: 'local', path: digits },
      model: { kind: 'vaegan', latentDim: 2, hidden: [16] },
      epochs: 3,
      batchSize: 50,
      seed: 1,
    });
    await engine.waitForTraining();
    const run = (await engine.call('runs:list', {})).find((r) => r.id === runId)!;
    expect(run.state).toBe('done');
    expect(run.epochsDone).toBe(1);
    expect(run.epochsTrained).toBe(3);
    expect(run.warnings!.join('\n')).toMatch(/the saved model is from epoch 1, the last healthy one \(epoch 3 was not saved\)/);
    const onDisk = JSON.parse(await fs.readFile(path.join(tmp, 'ws', 'runs', runId, 'config.json'), 'utf8')) as { epochsDone: number; epochsTrained: number };
    expect(onDisk.epochsDone).toBe(1);
    expect(onDisk.epochsTrained).toBe(3);

    // The progress the run ends on is epoch 1's, with the warnings; no epoch's validation is reported twice.
    const mine = progress.filter((p) => p.runId === runId);
    const last = mine.at(-1)!;
    expect(last.epoch).toBe(1);
    expect(last.warnings!.join('\n')).toMatch(/saved model is from epoch 1/);
    expect(mine.filter((p) => p.val).map((p) => p.epoch)).toEqual([1, 2, 3]);
    const status = await engine.call('training:status', {});
    expect(status?.epoch).toBe(1);
    expect(status?.state).toBe('done');

    // The loss history keeps every epoch trained.
    const history = await engine.call('runs:history', { runId });
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  } finally {
    await engine.dispose();
  }
}, 300_000);
