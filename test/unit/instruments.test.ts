/**
 * The engine's exploration instruments on small runs trained here: the per-dimension KL recorded
 * with a run's test metrics, `model:dimStats` (KL bars, collapse, traversal order) and
 * `model:typicality` (how typical an input is among the test images).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import { percentileOf } from '../../src-main/engine/instruments';

let ws: string;
let engine: Engine;
const done: EventPayload<'training:done'>[] = [];

async function trainRun(model: Record<string, unknown>): Promise<{ runId: string; done: EventPayload<'training:done'> }> {
  const { runId } = await engine.call('training:start', { model: { latentDim: 3, hidden: [32], ...model }, epochs: 1, snapshotSize: 0, seed: 5 });
  await engine.waitForTraining();
  return { runId, done: done.find((d) => d.runId === runId)! };
}

let vae: Awaited<ReturnType<typeof trainRun>>;
let ae: Awaited<ReturnType<typeof trainRun>>;

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-instruments-'));
  engine = await Engine.create({
    workspace: ws,
    emit: (name, payload) => {
      if (name === 'training:done') done.push(payload as EventPayload<'training:done'>);
    },
  });
  vae = await trainRun({ kind: 'vae' });
  ae = await trainRun({ kind: 'ae' });
}, 300_000);

afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
});

describe('KL per dimension', () => {
  it('a VAE run records one mean KL per latent dimension, summing to its test KL', () => {
    const m = vae.done.metrics!;
    expect(m.klPerDim).toHaveLength(3);
    for (const v of m.klPerDim!) expect(v).toBeGreaterThanOrEqual(0);
    expect(m.klPerDim!.reduce((a, b) => a + b, 0)).toBeCloseTo(m.kl, 3);
  });

  it('an AE has no KL per dimension', () => {
    expect(ae.done.metrics!.klPerDim).toBeUndefined();
  });

  it('model:dimStats gives the same KL as the metrics, the posterior means’ spread and the active units', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    const s = await engine.call('model:dimStats', {});
    expect(s.dim).toBe(3);
    expect(s.count).toBe(2000);
    expect(s.klPerDim!.map((v) => Number(v.toFixed(4)))).toEqual(vae.done.metrics!.klPerDim!.map((v) => Number(v.toFixed(4))));
    expect(s.activeUnits).toBe(vae.done.metrics!.activeUnits);
    expect(s.variance.filter((v) => v > 0.01)).toHaveLength(s.activeUnits);

    await engine.call('runs:open', { runId: ae.runId });
    const a = await engine.call('model:dimStats', {});
    expect(a.klPerDim).toBeNull();
    expect(a.variance.every((v) => v > 0)).toBe(true);
  });

  it('a VAE pushed to collapse (β = 100) has almost no KL left', async () => {
    const c = await trainRun({ kind: 'vae', beta: 100 });
    await engine.call('runs:open', { runId: c.runId });
    const s = await engine.call('model:dimStats', {});
    expect(s.klPerDim!.reduce((a, b) => a + b, 0)).toBeLessThan(0.1);
    expect(c.done.metrics!.kl).toBeLessThan(0.1);
  });
});

describe('typicality', () => {
  it('a test digit is typical; a white square does not look like the training data', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    const sample = await engine.call('datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset: 7, count: 1 });
    const t = await engine.call('model:typicality', { input: sample.images });
    expect(t.measure).toBe('negElbo');
    expect(t.testCount).toBe(2000);
    expect(t.label).toBe(-1);
    expect(t.percentile).toBeGreaterThan(0);
    expect(t.percentile).toBeLessThan(99);
    // Its score lies within the test scores' range, which are sorted percentiles.
    expect(t.testQuantiles).toHaveLength(101);
    expect(t.score).toBeGreaterThanOrEqual(t.testQuantiles[0]);
    expect(t.score).toBeLessThanOrEqual(t.testQuantiles[100]);
    for (let p = 1; p <= 100; p++) expect(t.testQuantiles[p]).toBeGreaterThanOrEqual(t.testQuantiles[p - 1]);

    const white = await engine.call('model:typicality', { input: new Float32Array(784).fill(1) });
    expect(white.percentile).toBeGreaterThan(99);
    expect(white.score).toBeGreaterThan(t.testQuantiles[99]);
  });

  it('an AE is scored by its reconstruction error', async () => {
    await engine.call('runs:open', { runId: ae.runId });
    const t = await engine.call('model:typicality', { input: new Float32Array(784).fill(1) });
    expect(t.measure).toBe('recon');
    expect(t.percentile).toBeGreaterThan(99);
  });

  it('an input of the wrong size is refused, naming the size', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    await expect(engine.call('model:typicality', { input: new Float32Array(10) })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: expect.stringContaining('784'),
    });
  });

  it('percentileOf counts ties as at or below', () => {
    const s = Float32Array.of(1, 2, 2, 3);
    expect(percentileOf(s, 0)).toBe(0);
    expect(percentileOf(s, 2)).toBe(75);
    expect(percentileOf(s, 9)).toBe(100);
  });
});
