/**
 * The engine's exploration instruments on small runs trained here: the per-dimension KL recorded
 * with a run's test metrics, `model:dimStats` (KL bars, collapse, traversal order) and
 * `model:typicality` (how typical an input is among the test images).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import { outsideBand, percentileOf, TYPICAL_BAND } from '../../src-main/engine/instruments';

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
let cvae: Awaited<ReturnType<typeof trainRun>>;

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
  cvae = await trainRun({ kind: 'cvae' });
}, 300_000);

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 256×256 colour "photo" as PNG bytes: a sky gradient, a sun, a house-like block, noise. */
async function photoPng(): Promise<Uint8Array> {
  const r = rng(1);
  const b = Buffer.alloc(256 * 256 * 3);
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) {
      for (let k = 0; k < 3; k++) {
        let v = y < 150 ? [90 + y * 0.6, 140 + y * 0.4, 230 - y * 0.3][k] : [70 + (x % 40), 120 + y * 0.2, 50][k];
        if ((x - 190) ** 2 + (y - 50) ** 2 < 25 ** 2) v = [250, 220, 60][k];
        if (x > 40 && x < 120 && y > 100 && y < 190) v = [170, 60 + x * 0.3, 50][k];
        b[(y * 256 + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(v + (r() - 0.5) * 30)));
      }
    }
  }
  return new Uint8Array(await sharp(b, { raw: { width: 256, height: 256, channels: 3 } }).png().toBuffer());
}

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

  it('real test digits are typical: at most the tails tested (the score’s two, the rate’s two) are flagged, and a rate beyond the band is always listed', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    const n = 50;
    const sample = await engine.call('datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset: 100, count: n });
    let flagged = 0;
    let band = 0;
    for (let i = 0; i < n; i++) {
      const t = await engine.call('model:typicality', { input: sample.images.subarray(i * 784, (i + 1) * 784) });
      band = t.band;
      if (t.outside.length) flagged++;
      // A KL above the 99th percentile is listed (the verdict never calls it "in their range").
      const lo = (100 - t.band) / 2;
      const rateOut = t.ratePercentile !== null && (t.ratePercentile < lo || t.ratePercentile > 100 - lo);
      expect(t.outside.some((o) => o.statistic === 'rate')).toBe(rateOut);
    }
    // By definition at most (100 − band) / 2 % of the test images lie beyond each end tested: the
    // score's two and the rate's two, 4 % in all, 2 of 50 expected; 10 % leaves room for which 50
    // these are.
    expect(band).toBe(TYPICAL_BAND);
    const expected = (n * 4 * (100 - band)) / 200;
    expect(expected).toBeLessThanOrEqual(n / 20);
    expect(flagged).toBeLessThanOrEqual(n / 10);
  });

  it('a blank input is atypical: the encoder finds nothing to encode (rate below the test images’)', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    const t = await engine.call('model:typicality', { input: new Float32Array(784) });
    expect(t.rate).not.toBeNull();
    expect(t.rate!).toBeLessThan(t.rateQuantiles![1]);
    expect(t.outside.length).toBeGreaterThan(0);
    expect(t.outside.some((o) => o.tail === 'low')).toBe(true);
  });

  it('uniform noise is atypical: it scores worse than the test images', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    const r = rng(9);
    const t = await engine.call('model:typicality', { input: Float32Array.from({ length: 784 }, () => r()) });
    expect(t.outside[0]).toMatchObject({ statistic: 'score', tail: 'high' });
    expect(t.score).toBeGreaterThan(t.outside[0].bound);
    expect(t.percentile).toBeGreaterThan(99);
  });

  it('a colour photo dropped on an MNIST model is not called typical', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    const enc = await engine.call('model:encodeFile', { name: 'photo.png', bytes: await photoPng() });
    const t = await engine.call('model:typicality', { input: enc.input });
    // MNIST-style preprocessing leaves a faint smudge whose score lies among the digits' (what
    // called it typical before); the encoder finds almost nothing in it to encode.
    expect(t.outside).toContainEqual(expect.objectContaining({ statistic: 'rate', tail: 'low' }));
    expect(t.rate!).toBeLessThan(t.rateQuantiles![1]);
  });

  it('an AE is scored by its reconstruction error, without a rate', async () => {
    await engine.call('runs:open', { runId: ae.runId });
    const t = await engine.call('model:typicality', { input: new Float32Array(784).fill(1) });
    expect(t.measure).toBe('recon');
    expect(t.percentile).toBeGreaterThan(99);
    expect(t.rate).toBeNull();
    expect(t.rateQuantiles).toBeNull();
    expect(t.outside).toEqual([expect.objectContaining({ statistic: 'score', tail: 'high' })]);
  });

  it('a CVAE scores a test digit under its best-fitting label and flags a white square', async () => {
    await engine.call('runs:open', { runId: cvae.runId });
    const sample = await engine.call('datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset: 7, count: 1 });
    const t = await engine.call('model:typicality', { input: sample.images });
    expect(t.label).toBeGreaterThanOrEqual(0);
    expect(t.rate).toBeGreaterThan(0);
    expect(t.outside).toEqual([]);
    const given = await engine.call('model:typicality', { input: sample.images, label: (t.label + 1) % 10 });
    expect(given.label).toBe((t.label + 1) % 10);
    // The best-fitting label fits at least as well as another one.
    expect(given.score).toBeGreaterThanOrEqual(t.score);
    const white = await engine.call('model:typicality', { input: new Float32Array(784).fill(1) });
    expect(white.outside[0]).toMatchObject({ statistic: 'score', tail: 'high' });
  });

  it('an input of the wrong size is refused, naming the size', async () => {
    await engine.call('runs:open', { runId: vae.runId });
    await expect(engine.call('model:typicality', { input: new Float32Array(10) })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: expect.stringContaining('784'),
    });
  });

  it('outsideBand: of a set of values, at most (100 − band) % lie outside its own band, half in each tail', () => {
    const sorted = Float32Array.from({ length: 1000 }, (_, i) => i);
    const out = Array.from(sorted, (v) => outsideBand('score', sorted, v)).filter((o) => o !== null);
    expect(out.length).toBeLessThanOrEqual((1000 * (100 - TYPICAL_BAND)) / 100);
    expect(out.filter((o) => o.tail === 'low').length).toBeLessThanOrEqual((1000 * (100 - TYPICAL_BAND)) / 200);
    expect(outsideBand('rate', sorted, -1)).toMatchObject({ statistic: 'rate', tail: 'low', percentile: 0 });
    expect(outsideBand('score', sorted, 5000)).toMatchObject({ tail: 'high', percentile: 100 });
    expect(outsideBand('score', sorted, 500)).toBeNull();
    expect(outsideBand('score', new Float32Array(0), 1)).toBeNull();
    // The rate is tested at both ends (a KL above every test image's is atypical too); 'low' tests its low end only.
    expect(outsideBand('rate', sorted, 5000)).toMatchObject({ statistic: 'rate', tail: 'high', percentile: 100 });
    expect(outsideBand('rate', sorted, 5000, 'low')).toBeNull();
    expect(outsideBand('rate', sorted, -1, 'low')).toMatchObject({ tail: 'low' });
  });

  it('percentileOf counts ties as at or below', () => {
    const s = Float32Array.of(1, 2, 2, 3);
    expect(percentileOf(s, 0)).toBe(0);
    expect(percentileOf(s, 2)).toBe(75);
    expect(percentileOf(s, 9)).toBe(100);
  });
});
