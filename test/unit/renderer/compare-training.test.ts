/**
 * Compare says how each run trained and when two runs did not train on equal terms: a fresh user
 * compared a VAE (batch 256, 3 epochs) with a VAE-GAN (batch 64 from its kind's default) and saw the
 * VAE-GAN better on every row with nothing saying it took about four times as many steps. Two runs
 * of the same name get column labels that tell them apart.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetInfo, RunSummary } from '../../../src-renderer/src/lib/contract';
import {
  TRAINING_ROWS,
  columnLabels,
  pickerLabel,
  runTraining,
  trainCountOf,
  trainingDifference,
} from '../../../src-renderer/src/state/tabs/compareTraining';
import { MNIST, run } from './fake-api';

function trained(id: string, kind: 'vae' | 'vaegan', batchSize: number, epochsDone = 3, learningRate = 1e-3): RunSummary {
  const r = run(id, { kind, dim: 8, epochsDone });
  return { ...r, config: { ...r.config, batchSize, learningRate } };
}

const cell = (key: string, t: ReturnType<typeof runTraining>) => TRAINING_ROWS.find((r) => r.key === key)!.cell(t);

describe('Compare: how each run trained', () => {
  const n = MNIST.trainCount;
  const vae = trained('vae', 'vae', 256);
  const gan = trained('gan', 'vaegan', 64);

  it('optimiser steps are epochs done × batches per epoch of the run’s training set', () => {
    const count = trainCountOf(vae, [MNIST]);
    expect(count).toBe(n);
    const a = runTraining(vae, count);
    const b = runTraining(gan, count);
    expect(a).toMatchObject({ batchSize: 256, epochs: 3, steps: 3 * Math.ceil(n / 256), learningRate: 1e-3 });
    expect(b.steps).toBe(3 * Math.ceil(n / 64));
    expect(b.steps! / a.steps!).toBeGreaterThan(3.5);
    expect(cell('steps', a)).toBe((3 * Math.ceil(n / 256)).toLocaleString('en-US'));
    expect(cell('batchSize', b)).toBe('64');
  });

  it('the note names each difference, A before B, and is absent for runs trained alike', () => {
    const a = runTraining(vae, n);
    const b = runTraining(gan, n);
    const note = trainingDifference(a, b)!;
    expect(note).toContain('batch 256 vs 64');
    expect(note).toContain(`${a.steps} vs ${b.steps} steps`);
    expect(note).not.toContain('epochs');
    expect(note).toMatch(/part of a difference in the metrics can come from that/);
    expect(trainingDifference(a, runTraining(trained('v2', 'vaegan', 256), n))).toBeNull();
    const longer = runTraining(trained('v3', 'vae', 256, 10), n);
    expect(trainingDifference(a, longer)).toContain('3 vs 10 epochs');
    expect(trainingDifference(a, runTraining(trained('v4', 'vae', 256, 3, 0.01), n))).toContain('learning rate 0.001 vs 0.01');
  });

  it('a stopped run shows epochs done of planned; unknown training set size: no steps, and none compared', () => {
    const stopped = runTraining(trained('s', 'vae', 256, 2), n);
    expect(cell('epochs', stopped)).toBe('2 of 3');
    const own = { ...vae, config: { ...vae.config, dataset: { id: 'local' as const, path: '/data/mine' } } };
    const local: DatasetInfo = { ...MNIST, id: 'local', trainCount: 500 };
    expect(trainCountOf(own, [local])).toBeUndefined();
    expect(trainCountOf(own, [{ ...local, report: { kind: 'imagefolder', path: '/data/mine', split: 'random', classes: [], skipped: {}, warnings: [] } }])).toBe(500);
    const noSteps = runTraining(own, undefined);
    expect(noSteps.steps).toBeUndefined();
    expect(cell('steps', noSteps)).toBe('—');
    // Steps known on one side only: the note says nothing about steps.
    expect(trainingDifference(noSteps, runTraining(vae, n))).toBeNull();
  });
});

describe('Compare: telling two runs apart', () => {
  it('columns of two runs with the same model get their creation time, or their id’s end', () => {
    const a = { ...run('20260101-aaaaaa', { kind: 'vae', dim: 8 }), created: '2026-01-01T10:00:00.000Z' };
    const b = { ...run('20260101-bbbbbb', { kind: 'vae', dim: 8 }), created: '2026-01-02T15:30:00.000Z' };
    const [la, lb] = columnLabels(a, b);
    expect(la).not.toBe(lb);
    expect(la.startsWith('A · VAE z=8 · ')).toBe(true);
    const same = columnLabels(a, { ...b, created: a.created });
    expect(same[0]).toMatch(/aaaaaa$/);
    expect(same[1]).toMatch(/bbbbbb$/);
    // Different models: the model names tell them apart.
    expect(columnLabels(a, run('g', { kind: 'vaegan', dim: 8 }))).toEqual(['A · VAE z=8', 'B · VAE-GAN z=8']);
  });

  it('the run pickers add the creation time only to names that repeat', () => {
    const a = run('a');
    const b = { ...run('b'), name: a.name, created: '2026-03-04T05:06:00.000Z' };
    const c = run('c');
    expect(pickerLabel(a, [a, b, c])).not.toBe(pickerLabel(b, [a, b, c]));
    expect(pickerLabel(c, [a, b, c])).toBe(c.name);
  });
});
