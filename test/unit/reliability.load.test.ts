/**
 * Reliability (issue #6), in-process engine under churn and load:
 * - cancel training, UMAP and export at seeded random moments (30 rounds; the 100-round soak is
 *   `npx tsx bench/soak.ts`): no tensor leak, RSS roughly flat, nothing stuck, nothing
 *   complete-looking left by a cancelled export;
 * - stop/cancel sent in the same tick as the start, and double starts, are not lost;
 * - 500 interleaved encode/generate/decode requests while a model trains all complete;
 * - a 500-image folder dataset imports with progress and the right counts.
 * No timing assertions: latencies are measured in bench/soak.ts.
 */
import { existsSync, promises as fs, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { inkPng } from '../fixtures/generate';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

let ws: string;
let engine: Engine;
let mainRun = '';
const events: Array<{ name: EventName; payload: unknown }> = [];
const of = <N extends EventName>(name: N) => events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<N>);
const TINY = { model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-rel-load-'));
  // The workspace is a sub-folder of ws: the exports below are outside it (inside is refused).
  engine = await Engine.create({ workspace: path.join(ws, 'lab'), emit: (name, payload) => void events.push({ name, payload }) });
  mainRun = (await engine.call('training:start', TINY)).runId;
  await engine.waitForTraining();
  await engine.call('runs:open', { runId: mainRun });
}, 120_000);

/** Lets Node report rejections left unhandled by what just ran (it does so once the microtasks drain). */
const settle = () => new Promise((r) => setImmediate(r));

// Promise hygiene, in any test order: no rejection goes unhandled during a test or after the last.
afterEach(async () => {
  await settle();
  expect(unhandled.splice(0).map(String), 'unhandled promise rejections during this test').toEqual([]);
});

afterAll(async () => {
  await engine?.dispose();
  await settle();
  process.off('unhandledRejection', onUnhandled);
  rmSync(ws, { recursive: true, force: true });
  expect(unhandled.map(String), 'unhandled promise rejections after the tests').toEqual([]);
});

/** Delete every run but the main one and make the main one active again. */
async function cleanupRuns(): Promise<void> {
  for (const r of await engine.call('runs:list', {})) if (r.id !== mainRun) await engine.call('runs:delete', { runId: r.id });
  await engine.call('runs:open', { runId: mainRun });
}

function listAll(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('stop and cancel are never lost', () => {
  it('training:stop in the same tick as training:start: the start ends cancelled, nothing keeps training', async () => {
    const started = engine.handle('training:start', { ...TINY, epochs: 200 });
    const stopped = await engine.call('training:stop', {});
    const s = await started;
    // Either the start was refused as cancelled, or it started and was stopped at once.
    expect(s.ok, JSON.stringify(s)).toBe(true);
    expect(stopped.state).toBe('cancelled');
    const rec = (await engine.call('runs:list', {})).find((r) => s.ok && r.id === (s.value as { runId: string }).runId)!;
    expect(rec).toMatchObject({ state: 'cancelled', epochsDone: 0 });
    expect((await engine.call('training:status', {}))?.state ?? 'idle').not.toMatch(/training|paused/);
    const next = await engine.handle('training:start', TINY);
    expect(next.ok, JSON.stringify(!next.ok && next.error)).toBe(true);
    await engine.waitForTraining();
    await cleanupRuns();
  });

  it('two training:start at once: one trains, the other is BUSY, and stop stops the one that trains', async () => {
    const [a, b] = await Promise.all([engine.handle('training:start', { ...TINY, epochs: 200 }), engine.handle('training:start', { ...TINY, epochs: 200 })]);
    const oks = [a, b].filter((r) => r.ok);
    expect(oks).toHaveLength(1);
    expect([a, b].find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    await engine.call('training:stop', {});
    const runs = await engine.call('runs:list', {});
    expect(runs.filter((r) => r.state === 'training')).toEqual([]);
    await cleanupRuns();
  });

  it('export:cancel in the same tick as export:start (run not yet loaded): CANCELLED, nothing written', async () => {
    // A fresh engine: the run has to be loaded from disk first, which is when a cancel could be lost.
    const fresh = await Engine.create({ workspace: path.join(ws, 'lab'), emit: () => {} });
    try {
      const out = path.join(ws, 'same-tick', 'gen');
      const started = fresh.handle('export:start', { runId: mainRun, format: 'imagefolder', count: 3000, out });
      await fresh.call('export:cancel', {});
      expect(await started).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      expect(listAll(path.join(ws, 'same-tick'))).toEqual([]);
      // and two exports at once: one is BUSY
      const [a, b] = await Promise.all([
        fresh.handle('export:start', { runId: mainRun, format: 'npz', count: 10, out: path.join(ws, 'twice', 'a') }),
        fresh.handle('export:start', { runId: mainRun, format: 'npz', count: 10, out: path.join(ws, 'twice', 'b') }),
      ]);
      expect([a, b].filter((r) => r.ok)).toHaveLength(1);
      expect([a, b].find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    } finally {
      await fresh.dispose();
    }
  });
});

describe('cancel at random moments (30 rounds)', () => {
  it('training, UMAP and export: no leak, no stuck state, nothing complete-looking left behind', async () => {
    const rand = mulberry32(20240601);
    const latents = (await engine.call('model:latents', { split: 'test', limit: 600 })).latents;
    const exportsDir = path.join(ws, 'cancel-exports');
    // warm-up round of each kind, so lazily created state does not count as a leak
    await engine.call('projection:compute', { method: 'umap', latents: latents.slice(0, 200), dim: 2, seed: 1 });
    await engine.call('export:start', { runId: mainRun, format: 'npz', count: 10, out: path.join(ws, 'warm') });
    const baseTensors = tf.memory().numTensors;
    const baseRss = process.memoryUsage().rss;
    const outcomes: Record<string, Record<string, number>> = { training: {}, umap: {}, export: {} };
    const count = (kind: string, what: string) => (outcomes[kind][what] = (outcomes[kind][what] ?? 0) + 1);

    for (let i = 0; i < 30; i++) {
      const kind = (['training', 'umap', 'export'] as const)[i % 3];
      const delay = Math.floor(rand() * 4) === 0 ? 0 : Math.floor(rand() * 80);
      const wait = () => (delay === 0 ? Promise.resolve() : sleep(delay));
      if (kind === 'training') {
        const start = engine.handle('training:start', { ...TINY, epochs: 50, batchSize: 128, seed: i + 1 });
        await wait();
        const stop = await engine.call('training:stop', {});
        const s = await start;
        count(kind, s.ok ? stop.state : s.error.code);
        expect(s.ok, JSON.stringify(s)).toBe(true);
        expect(['cancelled', 'done']).toContain(stop.state);
      } else if (kind === 'umap') {
        const p = engine.handle('projection:compute', { method: 'umap', latents, dim: 2, seed: i });
        await wait();
        await engine.call('projection:cancel', {});
        const r = await p;
        count(kind, r.ok ? 'finished' : r.error.code);
        if (!r.ok) expect(r.error.code).toBe('CANCELLED');
        else expect((r.value as { points: Float32Array }).points.every(Number.isFinite)).toBe(true);
      } else {
        const out = path.join(exportsDir, `e${i}`);
        const p = engine.handle('export:start', { runId: mainRun, format: i % 2 ? 'imagefolder' : 'idx', count: 1500, seed: i, out });
        await wait();
        await engine.call('export:cancel', {});
        const r = await p;
        count(kind, r.ok ? 'finished' : r.error.code);
        if (!r.ok) {
          expect(r.error.code).toBe('CANCELLED');
          expect(existsSync(out)).toBe(false);
        } else {
          expect(existsSync(path.join(out, 'manifest.json'))).toBe(true);
        }
        // never a temp folder left beside the target
        expect(listAll(exportsDir).filter((n) => n.startsWith('.'))).toEqual([]);
      }
      // the next request works
      expect((await engine.handle('training:status', {})).ok).toBe(true);
    }
    expect(await fs.readdir(path.join(ws, 'lab', 'exports-in-progress'))).toEqual([]); // the journal
    // Every kind was actually cancelled at least once.
    expect(outcomes.umap.CANCELLED ?? 0).toBeGreaterThan(0);
    expect(outcomes.export.CANCELLED ?? 0).toBeGreaterThan(0);
    expect(outcomes.training.cancelled ?? 0).toBeGreaterThan(0);

    await cleanupRuns();
    expect(tf.memory().numTensors).toBe(baseTensors);
    const growthMb = (process.memoryUsage().rss - baseRss) / 1024 / 1024;
    console.log(`[reliability] cancel loop outcomes ${JSON.stringify(outcomes)}; RSS growth ${growthMb.toFixed(0)} MB`);
    expect(growthMb).toBeLessThan(500);
    // and the engine trains, projects and exports normally afterwards
    await engine.call('training:start', TINY);
    await engine.waitForTraining();
    await engine.call('projection:compute', { method: 'umap', latents: latents.slice(0, 200), dim: 2, seed: 1 });
    await cleanupRuns();
  }, 120_000);
});

describe('load while training', () => {
  it('500 interleaved encode/generate/decode requests complete while a model trains; tensors back to baseline', async () => {
    const sample = await engine.call('datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset: 0, count: 16 });
    const baseTensors = tf.memory().numTensors;
    const { runId } = await engine.call('training:start', { ...TINY, epochs: 1000, batchSize: 64 });
    while (!of('training:progress').some((p) => p.runId === runId)) await sleep(10);
    const firstBatch = of('training:progress').filter((p) => p.runId === runId).length;
    let ok = 0;
    const failures: string[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const reqs = Array.from({ length: 50 }, (_, k) => {
        const n = wave * 50 + k;
        if (n % 3 === 0) return engine.handle('model:encode', { images: sample.images.slice(0, 4 * 784), count: 4 });
        if (n % 3 === 1) return engine.handle('model:generate', { count: 4, seed: n });
        return engine.handle('model:decode', { z: new Float32Array([n % 7, -1, 0.5, 2]), count: 2 });
      });
      for (const r of await Promise.all(reqs)) {
        if (r.ok) ok++;
        else failures.push(`${r.error.code}: ${r.error.message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(ok).toBe(500);
    const status = await engine.call('training:status', {});
    expect(status?.runId).toBe(runId);
    expect(status?.state).toBe('training'); // still training: the requests did not stall or break it
    // and it keeps going: another progress report arrives after the 500 answers
    while (of('training:progress').filter((p) => p.runId === runId).length <= firstBatch) await sleep(20);
    await engine.call('training:stop', {});
    await cleanupRuns();
    expect(tf.memory().numTensors).toBe(baseTensors);
  }, 120_000);
});

describe('folder dataset import', () => {
  it('500 generated images across 5 classes import with progress and the right counts', async () => {
    const root = path.join(ws, 'folder-500');
    const pngs = await Promise.all(Array.from({ length: 6 }, (_, k) => inkPng(32 + k * 4, k)));
    for (let c = 0; c < 5; c++) {
      const dir = path.join(root, `class ${c}`);
      await fs.mkdir(dir, { recursive: true });
      for (let i = 0; i < 100; i++) await fs.writeFile(path.join(dir, `img-${i}.png`), pngs[(c + i) % pngs.length]);
    }
    const from = events.length;
    const info = await engine.call('datasets:prepare', { dataset: { id: 'local', path: root } });
    const progress = events.slice(from).filter((e) => e.name === 'dataset:progress').map((e) => e.payload as EventPayload<'dataset:progress'>);
    const decode = progress.filter((p) => p.phase === 'decode');
    expect(decode.length).toBeGreaterThan(10);
    expect(decode.every((p) => p.total === 500 && p.dataset === 'local')).toBe(true);
    for (let i = 1; i < decode.length; i++) expect(decode[i].loaded).toBeGreaterThanOrEqual(decode[i - 1].loaded);
    expect(decode.at(-1)!.loaded).toBe(500);
    expect(progress.at(-1)!.phase).toBe('ready');
    expect(info.labelNames).toEqual(['class 0', 'class 1', 'class 2', 'class 3', 'class 4']);
    expect(info.trainCount).toBe(400);
    expect(info.testCount).toBe(100);
    expect(info.warnings ?? []).toEqual([]);
    const s = await engine.call('datasets:sample', { dataset: { id: 'local', path: root }, split: 'train', offset: 0, count: 400 });
    expect(new Set(s.labels).size).toBe(5);
    for (let c = 0; c < 5; c++) expect(s.labels.filter((l) => l === c).length).toBe(80);
  }, 60_000);
});
