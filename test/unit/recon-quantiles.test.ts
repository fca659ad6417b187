/**
 * The Recon tab's numbers from the engine (`model:reconstruct`): the test split's error quantiles
 * (median, 95th percentile) come with a page when asked, from the split's errors computed once per
 * run; worst-first pages are that order, page after page, and show the rows they name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';

let tmp: string;
let engine: Engine;
let runId: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-recon-q-'));
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
  ({ runId } = await engine.call('training:start', { dataset: { id: 'mnist' }, model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0, seed: 2 }));
  await engine.waitForTraining();
  await engine.call('runs:open', { runId });
}, 120_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** Every test image's error, in order, read page by page without quantiles. */
async function inOrderErrors(): Promise<Float32Array> {
  const first = await engine.call('model:reconstruct', { split: 'test', offset: 0, count: 1000 });
  const out: number[] = [...first.errors];
  while (true) {
    const r = await engine.handle('model:reconstruct', { split: 'test', offset: out.length, count: 1000 });
    if (!r.ok) break;
    out.push(...(r.value as { errors: Float32Array }).errors);
  }
  return Float32Array.from(out);
}

describe('model:reconstruct: the split’s error quantiles', () => {
  it('a page asked with quantiles carries the test split’s median and 95th percentile; a plain page carries none', async () => {
    const all = await inOrderErrors();
    const n = all.length;
    const desc = [...all].sort((a, b) => b - a);
    const rank = (q: number) => Math.round((1 - q) * (n - 1));
    const page = await engine.call('model:reconstruct', { split: 'test', offset: 0, count: 24, quantiles: true });
    expect(page.count).toBe(24);
    expect(page.quantiles?.n).toBe(n);
    expect(page.quantiles!.p50).toBeCloseTo(desc[rank(0.5)], 3);
    expect(page.quantiles!.p95).toBeCloseTo(desc[rank(0.95)], 3);
    expect(page.quantiles!.p95).toBeGreaterThan(page.quantiles!.p50);
    // The page's own errors are the split's numbers for its rows.
    for (let k = 0; k < 24; k++) expect(page.errors[k]).toBeCloseTo(all[k], 3);
    const plain = await engine.call('model:reconstruct', { split: 'test', offset: 24, count: 24 });
    expect(plain.quantiles).toBeUndefined();
    // Asked again: the same numbers (kept with the run).
    const again = await engine.call('model:reconstruct', { split: 'test', offset: 48, count: 1, quantiles: true });
    expect(again.quantiles).toEqual(page.quantiles);
  });

  it('worst-first pages continue one order, show the rows they name, and carry the quantiles', async () => {
    const all = await inOrderErrors();
    const p1 = await engine.call('model:reconstruct', { split: 'test', offset: 0, count: 24, worstFirst: true });
    const p2 = await engine.call('model:reconstruct', { split: 'test', offset: 24, count: 24, worstFirst: true });
    expect(p1.quantiles?.n).toBe(all.length);
    const errors = [...p1.errors, ...p2.errors];
    for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeLessThanOrEqual(errors[k - 1]);
    expect(errors[0]).toBeCloseTo(Math.max(...all), 3);
    const indices = [...p1.indices, ...p2.indices];
    expect(new Set(indices).size).toBe(48);
    indices.forEach((i, k) => expect(errors[k]).toBeCloseTo(all[i], 3));
    // Each original and reconstruction is that row's: the same as its in-order page shows.
    const i = p2.indices[3];
    const single = await engine.call('model:reconstruct', { split: 'test', offset: i, count: 1 });
    expect(p2.labels[3]).toBe(single.labels[0]);
    const D = 784;
    expect(Array.from(p2.originals.subarray(3 * D, 4 * D))).toEqual(Array.from(single.originals));
    for (let p = 0; p < D; p += 37) expect(p2.reconstructions[3 * D + p]).toBeCloseTo(single.reconstructions[p], 4);
  });

  it('an offset past the split’s end is refused', async () => {
    const n = (await engine.call('model:reconstruct', { split: 'test', offset: 0, count: 1, quantiles: true })).quantiles!.n;
    await expect(engine.call('model:reconstruct', { split: 'test', offset: n, count: 4, worstFirst: true })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });
});
