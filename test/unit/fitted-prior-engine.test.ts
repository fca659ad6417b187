/**
 * The fitted prior through the engine: a run's end stores it in the run record, `model:generate`
 * and exports with `prior: 'fitted'` sample it (a CVAE the label's mixture), deterministically for
 * a seed, and a run saved before fitted priors gets one fitted from its data and saved.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { FittedPrior, type GaussianMixture } from '../../src-main/engine/fittedPrior';
import { priorSampler } from '../../src-main/engine/inference';

let ws: string;
let engine: Engine;
let vaeRun = '';
let cvaeRun = '';

const make = (workspace = ws) => Engine.create({ workspace, dataDir: path.join(ws, 'datasets'), emit: () => undefined });
const record = async (runId: string) => JSON.parse(await fs.readFile(path.join(ws, 'runs', runId, 'config.json'), 'utf8'));

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-fitted-'));
  engine = await make();
  for (const kind of ['vae', 'cvae'] as const) {
    const { runId } = await engine.call('training:start', { dataset: { id: 'mnist' }, model: { kind, latentDim: 3, hidden: [32] }, epochs: 1, snapshotSize: 0, seed: 4 });
    await engine.waitForTraining();
    if (kind === 'vae') vaeRun = runId;
    else cvaeRun = runId;
  }
}, 300_000);

afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
  rmSync(`${ws}-out`, { recursive: true, force: true });
});

/** Per-dimension mean and variance of count × d rows. */
function moments(z: Float32Array, d: number) {
  const n = z.length / d;
  const mean = new Array(d).fill(0);
  const variance = new Array(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += z[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) variance[j] += (z[i * d + j] - mean[j]) ** 2 / n;
  return { mean, variance };
}

/** The mixture's per-dimension mean and variance. */
function mixtureMoments(m: GaussianMixture) {
  const mean = new Array(m.dim).fill(0);
  const variance = new Array(m.dim).fill(0);
  for (const c of m.components) for (let j = 0; j < m.dim; j++) mean[j] += c.weight * c.mean[j];
  for (const c of m.components) {
    for (let j = 0; j < m.dim; j++) variance[j] += c.weight * (c.cholesky[j].reduce((s, v) => s + v * v, 0) + (c.mean[j] - mean[j]) ** 2);
  }
  return { mean, variance };
}

describe('the fitted prior of a run', () => {
  it("is saved with the run's end: one mixture for a VAE, one per label for a CVAE", async () => {
    const v = FittedPrior.parse((await record(vaeRun)).fittedPrior);
    expect(v.conditional).toBe(false);
    expect(v.mixtures).toHaveLength(1);
    expect(v.mixtures[0]!.dim).toBe(3);
    expect(v.mixtures[0]!.components.length).toBe(10);
    const c = FittedPrior.parse((await record(cvaeRun)).fittedPrior);
    expect(c.conditional).toBe(true);
    expect(c.mixtures).toHaveLength(10);
    for (const m of c.mixtures) expect(m!.components.length).toBe(3);
  });

  it('is fitted for a run on 2-D toy points too', async () => {
    const { runId } = await engine.call('training:start', { dataset: { id: 'toy-moons' }, model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0, seed: 1 });
    await engine.waitForTraining();
    const fp = FittedPrior.parse((await record(runId)).fittedPrior);
    expect(fp.mixtures[0]!.dim).toBe(2);
    const g = await engine.call('model:generate', { runId, count: 50, seed: 1, prior: 'fitted' });
    expect(g.z.length).toBe(100);
    expect(g.images.every(Number.isFinite)).toBe(true);
  });

  it("generates from it: latents spread as the mixture, not N(0, I), the same for a seed; 'standard' as before", async () => {
    const fp = FittedPrior.parse((await record(vaeRun)).fittedPrior);
    const g = await engine.call('model:generate', { runId: vaeRun, count: 1000, seed: 7, prior: 'fitted' });
    expect(g.images.length).toBe(1000 * 784);
    const got = moments(g.z, 3);
    const want = mixtureMoments(fp.mixtures[0]!);
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(got.mean[j] - want.mean[j])).toBeLessThan(0.1 * Math.sqrt(want.variance[j]) + 0.02);
      expect(got.variance[j] / want.variance[j]).toBeGreaterThan(0.8);
      expect(got.variance[j] / want.variance[j]).toBeLessThan(1.25);
    }
    // The posterior means of a VAE do not fill N(0, I): some dimension's spread is well off 1.
    expect(want.variance.some((v) => Math.abs(v - 1) > 0.2)).toBe(true);
    const again = await engine.call('model:generate', { runId: vaeRun, count: 1000, seed: 7, prior: 'fitted' });
    expect(Array.from(again.z)).toEqual(Array.from(g.z));
    const standard = await engine.call('model:generate', { runId: vaeRun, count: 1000, seed: 7 });
    const s = moments(standard.z, 3);
    for (let j = 0; j < 3; j++) expect(Math.abs(s.variance[j] - 1)).toBeLessThan(0.15);
    expect(Array.from(standard.z)).toEqual(Array.from(priorSampler(3, 1, 7, null)(1000)));
    // At temperature 0 every sample is one of the components' means.
    const cold = await engine.call('model:generate', { runId: vaeRun, count: 20, seed: 1, prior: 'fitted', temperature: 0 });
    const means = fp.mixtures[0]!.components.map((c) => c.mean.map(Math.fround).join());
    for (let i = 0; i < 20; i++) expect(means).toContain(Array.from(cold.z.subarray(i * 3, i * 3 + 3)).join());
  });

  it("draws a CVAE's samples for a label from that label's mixture", async () => {
    const fp = FittedPrior.parse((await record(cvaeRun)).fittedPrior);
    const g = await engine.call('model:generate', { runId: cvaeRun, count: 30, label: 4, seed: 2, prior: 'fitted', temperature: 0 });
    expect(Array.from(g.labels)).toEqual(new Array(30).fill(4));
    const means = fp.mixtures[4]!.components.map((c) => c.mean.map(Math.fround).join());
    for (let i = 0; i < 30; i++) expect(means).toContain(Array.from(g.z.subarray(i * 3, i * 3 + 3)).join());
  });

  it('exports from it and says so in the manifest', async () => {
    const out = path.join(`${ws}-out`, 'fitted');
    const r = await engine.call('export:start', { runId: cvaeRun, format: 'imagefolder', count: 2, seed: 5, prior: 'fitted', out });
    expect(r.total).toBe(20);
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.prior).toBe('fitted');
    const pngs = (await fs.readdir(out, { recursive: true })).filter((f) => String(f).endsWith('.png'));
    expect(pngs).toHaveLength(20);
  });

  it('is fitted from the data and saved for a run saved before fitted priors', async () => {
    const file = path.join(ws, 'runs', vaeRun, 'config.json');
    const rec = await record(vaeRun);
    const fitted = rec.fittedPrior;
    delete rec.fittedPrior;
    await fs.writeFile(file, JSON.stringify(rec));
    const e = await make();
    try {
      const g = await e.call('model:generate', { runId: vaeRun, count: 8, seed: 3, prior: 'fitted' });
      expect(g.z.every(Number.isFinite)).toBe(true);
      const saved = FittedPrior.parse((await record(vaeRun)).fittedPrior);
      // The same training points and seed as the run's end: the same mixture.
      expect(saved).toEqual(fitted);
    } finally {
      await e.dispose();
    }
  });
});

describe("runs:metrics of a run saved before its fitted samples' spread was measured", () => {
  it('measures it once (the same number its end measured) and saves it with the run', async () => {
    const file = path.join(ws, 'runs', cvaeRun, 'config.json');
    const rec = await record(cvaeRun);
    const measured = rec.metrics.sampleSpreadFitted;
    expect(measured).toBeGreaterThan(0);
    delete rec.metrics.sampleSpreadFitted;
    await fs.writeFile(file, JSON.stringify(rec));
    const e = await make();
    try {
      const m = await e.call('runs:metrics', { runId: cvaeRun });
      expect(m.sampleSpreadFitted).toBe(measured);
      expect((await record(cvaeRun)).metrics.sampleSpreadFitted).toBe(measured);
    } finally {
      await e.dispose();
    }
  });
});

describe('an export that fits the prior first', () => {
  it("says so in its progress before the first image, and not once the prior is saved", async () => {
    const file = path.join(ws, 'runs', cvaeRun, 'config.json');
    const rec = await record(cvaeRun);
    delete rec.fittedPrior;
    await fs.writeFile(file, JSON.stringify(rec));
    const events: { done: number; total: number; message?: string }[] = [];
    const e = await Engine.create({
      workspace: ws,
      dataDir: path.join(ws, 'datasets'),
      emit: (name, payload) => {
        if (name === 'export:progress') events.push(payload as (typeof events)[number]);
      },
    });
    try {
      await e.call('export:start', { runId: cvaeRun, format: 'npz', count: 2, seed: 5, prior: 'fitted', out: path.join(`${ws}-out`, 'first-fit') });
      expect(events[0].done).toBe(0);
      expect(events[0].message).toMatch(/^Fitting the run’s prior to its training data/);
      expect(events.at(-1)).toEqual({ done: 20, total: 20 });
      expect(FittedPrior.parse((await record(cvaeRun)).fittedPrior).conditional).toBe(true);
      events.length = 0;
      await e.call('export:start', { runId: cvaeRun, format: 'npz', count: 2, seed: 5, prior: 'fitted', out: path.join(`${ws}-out`, 'second') });
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((p) => p.message === undefined)).toBe(true);
    } finally {
      await e.dispose();
    }
  });
});
