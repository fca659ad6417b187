/**
 * Measures what the Recon tab's first page of a run costs through the engine: the page itself
 * (`model:reconstruct`, 24 images) and the run's colour scale (the test split's median and 95th
 * percentile errors). Before the engine returned the split's quantiles, the scale took two more
 * worst-first requests of one image each, each decoding and sorting the whole test split; now the
 * first page asks for them (`quantiles: true`) and the split's errors are computed once per run.
 * Trains a conv VAE (the default widths for 28×28) on the embedded MNIST for one epoch in
 * `WORKSPACE` (kept: run it again to time without training), then times each request (ms).
 * Run: `npx tsx scripts/measure-recon-scale.ts [WORKSPACE]`.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../src-main/engine/engine';

const workspace = process.argv[2] ?? mkdtempSync(path.join(os.tmpdir(), 'll-recon-scale-'));

async function main(): Promise<void> {
  const engine = await Engine.create({ workspace, emit: () => undefined });
  let runId = (await engine.call('runs:list', {})).find((r) => r.state === 'done' && r.config.model.arch === 'conv')?.id;
  if (!runId) {
    ({ runId } = await engine.call('training:start', { dataset: { id: 'mnist' }, model: { kind: 'vae', arch: 'conv', latentDim: 8 }, epochs: 1, seed: 1 }));
    await engine.waitForTraining();
  }
  const time = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    console.log(`${what}: ${(performance.now() - t0).toFixed(0)} ms`);
    return r;
  };
  const opened = await engine.call('runs:open', { runId: runId! });
  console.log(`run ${runId} (${opened.config.model.arch} ${opened.config.model.kind}, workspace ${workspace}${existsSync(workspace) ? '' : ' gone'})`);
  const n = (await engine.call('datasets:prepare', { dataset: opened.config.dataset })).testCount;
  // The quantiles flag is new: an engine without it refuses it (strict payload), so the old way is timed there.
  const probe = await engine.handle('model:reconstruct', { split: 'test', offset: 0, count: 1, quantiles: true });
  const withQuantiles = probe.ok;
  if (withQuantiles) {
    // A fresh run object in the cache: reopen after forgetting it (the probe computed its errors).
    await engine.dispose();
    const fresh = await Engine.create({ workspace, emit: () => undefined });
    await fresh.call('runs:open', { runId: runId! });
    const first = await time(`first page with the scale (n ${n})`, () => fresh.call('model:reconstruct', { split: 'test', offset: 0, count: 24, quantiles: true }));
    console.log(`  p50 ${first.quantiles?.p50.toFixed(2)} p95 ${first.quantiles?.p95.toFixed(2)} n ${first.quantiles?.n}`);
    await time('worst-first page 1', () => fresh.call('model:reconstruct', { split: 'test', offset: 0, count: 24, worstFirst: true }));
    await time('worst-first page 2', () => fresh.call('model:reconstruct', { split: 'test', offset: 24, count: 24, worstFirst: true }));
    await fresh.dispose();
  } else {
    await time('first page', () => engine.call('model:reconstruct', { split: 'test', offset: 0, count: 24 }));
    const at = (q: number) => Math.min(n - 1, Math.max(0, Math.round((1 - q) * (n - 1))));
    const p95 = await time('scale: p95 (worst-first, 1 image)', () => engine.call('model:reconstruct', { split: 'test', offset: at(0.95), count: 1, worstFirst: true }));
    const p50 = await time('scale: p50 (worst-first, 1 image)', () => engine.call('model:reconstruct', { split: 'test', offset: at(0.5), count: 1, worstFirst: true }));
    console.log(`  p50 ${p50.errors[0].toFixed(2)} p95 ${p95.errors[0].toFixed(2)} n ${n}`);
    await time('worst-first page 1', () => engine.call('model:reconstruct', { split: 'test', offset: 0, count: 24, worstFirst: true }));
    await time('worst-first page 2', () => engine.call('model:reconstruct', { split: 'test', offset: 24, count: 24, worstFirst: true }));
    await engine.dispose();
  }
}

void main();
