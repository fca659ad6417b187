/**
 * The engine facade end to end in plain Node: train on the embedded MNIST, events, runs,
 * inference requests, typed errors for bad input, persistence across engine restarts.
 * `beforeAll` trains the two runs the tests share; every test opens the run it uses and makes
 * any other run or workspace it needs, so the tests pass in any order and alone.
 */
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import { makeFolderDataset } from '../fixtures/generate';

let ws: string;
let dataDir: string;
let engine: Engine;
const events: { name: EventName; payload: unknown }[] = [];
const of = <N extends EventName>(name: N) => events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<N>);

/** An engine on the shared workspace (or `workspace`), sharing the dataset cache and the event log. */
async function make(workspace = ws): Promise<Engine> {
  return Engine.create({ workspace, dataDir, emit: (name, payload) => void events.push({ name, payload }) });
}

/** Waits (polling every 5 ms, at most 60 s) until `ready()` is true. */
async function until(ready: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A small run trained on `e` (1 epoch, 16 hidden units, no snapshots). */
async function tinyRun(e: Engine, extra: Record<string, unknown> = {}): Promise<string> {
  const { runId } = await e.call('training:start', { model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0, ...extra });
  await e.waitForTraining();
  return runId;
}

let vaeRun = '';
let cvaeRun = '';

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-engine-'));
  dataDir = path.join(ws, 'datasets');
  engine = await make();
  const a = await engine.call('training:start', {
    dataset: { id: 'mnist' },
    model: { kind: 'vae', latentDim: 2, hidden: [64] },
    epochs: 2,
    snapshotSize: 300,
    seed: 3,
  });
  vaeRun = a.runId;
  await expect(engine.call('training:start', { epochs: 1 })).rejects.toMatchObject({ code: 'BUSY' });
  await engine.waitForTraining();
  const b = await engine.call('training:start', {
    dataset: { id: 'mnist' },
    model: { kind: 'cvae', latentDim: 2, hidden: [64] },
    epochs: 2,
    snapshotSize: 0,
    seed: 3,
  });
  cvaeRun = b.runId;
  await engine.waitForTraining();
}, 300_000);

afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
  rmSync(`${ws}-out`, { recursive: true, force: true });
});

/** Exports go outside the workspace (a destination inside it is refused); one folder per test. */
const exportsDir = (test: string) => path.join(`${ws}-out`, test);

describe('training through the engine', () => {
  it('emits progress, per-epoch latent snapshots and a done event with metrics', () => {
    const progress = of('training:progress').filter((p) => p.runId === vaeRun);
    expect(progress.length).toBeGreaterThan(2);
    const ends = progress.filter((p) => p.val);
    expect(ends.map((p) => p.epoch)).toEqual([1, 2]);
    expect(ends[1].val!.loss).toBeLessThan(ends[0].val!.loss);
    for (const p of progress) expect(p.samplesPerSecond).toBeGreaterThan(0);
    const snaps = of('training:latents').filter((s) => s.runId === vaeRun);
    expect(snaps.map((s) => s.epoch)).toEqual([0, 1, 2]);
    for (const s of snaps) {
      expect(s.count).toBe(300);
      expect(s.latents).toBeInstanceOf(Float32Array);
      expect(s.latents.length).toBe(600);
      expect(new Set(s.labels).size).toBe(10);
    }
    expect(Array.from(snaps[2].latents.slice(0, 4))).not.toEqual(Array.from(snaps[0].latents.slice(0, 4)));
    const done = of('training:done').find((d) => d.runId === vaeRun)!;
    expect(done.state).toBe('done');
    expect(done.metrics!.elbo).toBeGreaterThan(100);
    expect(done.metrics!.elbo).toBeLessThan(260);
    expect(done.metrics!.elbo).toBeCloseTo(done.metrics!.recon + done.metrics!.kl, 4);
    // Better than chance (0.1) after two short epochs.
    expect(done.metrics!.knnAccuracy).toBeGreaterThan(0.15);
    expect(done.metrics!.activeUnits).toBe(2);
    expect(done.metrics!.activeDims).toEqual([true, true]);
  });

  it('lists the runs with their state, epochs and metrics; writes metrics.jsonl', async () => {
    const runs = await engine.call('runs:list', {});
    // Newest first (other tests may add runs of their own).
    expect(runs.map((r) => r.id).filter((id) => id === vaeRun || id === cvaeRun)).toEqual([cvaeRun, vaeRun]);
    const v = runs.find((r) => r.id === vaeRun)!;
    expect(v.state).toBe('done');
    expect(v.epochsDone).toBe(2);
    expect(v.name).toContain('VAE');
    const lines = (await fs.readFile(path.join(ws, 'runs', vaeRun, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).epoch)).toEqual([1, 2]);
  });
});

describe('inference requests', () => {
  it('generates images for a CVAE label and from a VAE prior', async () => {
    await engine.call('runs:open', { runId: cvaeRun });
    const g = await engine.call('model:generate', { count: 16, label: 7, temperature: 1, seed: 1 });
    expect(g.count).toBe(16);
    expect(g.images.length).toBe(16 * 784);
    expect(Array.from(g.labels)).toEqual(new Array(16).fill(7));
    expect(Math.max(...g.images)).toBeLessThanOrEqual(1);
    const again = await engine.call('model:generate', { count: 16, label: 7, temperature: 1, seed: 1 });
    expect(Array.from(again.images.slice(0, 50))).toEqual(Array.from(g.images.slice(0, 50)));
    await expect(engine.call('model:generate', { count: 4, label: 12 })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    await engine.call('runs:open', { runId: vaeRun });
    const v = await engine.call('model:generate', { count: 4, temperature: 0.5, seed: 2 });
    expect(v.images.length).toBe(4 * 784);
    expect(v.z.length).toBe(8);
  });

  it('decodes, interpolates, draws a manifold grid and finds neighbours', async () => {
    await engine.call('runs:open', { runId: vaeRun });
    const d = await engine.call('model:decode', { z: new Float32Array([0, 0, 1, -1]), count: 2 });
    expect(d.images.length).toBe(2 * 784);
    await expect(engine.call('model:decode', { z: new Float32Array(3), count: 2 })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    const i = await engine.call('model:interpolate', { from: new Float32Array([-2, 0]), to: new Float32Array([2, 0]), steps: 5 });
    expect(i.count).toBe(5);
    expect(Array.from(i.z.slice(4, 6))).toEqual([0, 0]);
    const m = await engine.call('model:manifold', { dims: [0, 1], steps: 10, range: 2 });
    expect(m.count).toBe(100);
    expect(m.images.length).toBe(100 * 784);
    expect(m.z[0]).toBeCloseTo(-2);
    expect(m.z[1]).toBeCloseTo(2);
    const n = await engine.call('model:neighbors', { z: new Float32Array([0, 0]), k: 5 });
    expect(n.indices.length).toBe(5);
    for (let k = 1; k < 5; k++) expect(n.distances[k]).toBeGreaterThanOrEqual(n.distances[k - 1]);
  });

  it('reconstructs a page, worst first', async () => {
    await engine.call('runs:open', { runId: vaeRun });
    const r = await engine.call('model:reconstruct', { split: 'test', offset: 0, count: 8, worstFirst: true });
    expect(r.count).toBe(8);
    for (let k = 1; k < 8; k++) expect(r.errors[k]).toBeLessThanOrEqual(r.errors[k - 1]);
    const page = await engine.call('model:reconstruct', { split: 'test', offset: 10, count: 4 });
    expect(Array.from(page.indices)).toEqual([10, 11, 12, 13]);
  });

  it('encodes all test latents and projects them', async () => {
    await engine.call('runs:open', { runId: vaeRun });
    const l = await engine.call('model:latents', { split: 'test' });
    expect(l.count).toBe(2000);
    expect(l.latents.length).toBe(4000);
    const p = await engine.call('projection:compute', { method: 'pca', latents: l.latents, dim: 2 });
    expect(p.points.length).toBe(6000);
  });

  it('leaves no tensors behind after requests', async () => {
    await engine.call('runs:open', { runId: vaeRun });
    const before = tf.memory().numTensors;
    await engine.call('model:generate', { count: 10, seed: 1 });
    await engine.call('model:reconstruct', { split: 'test', offset: 0, count: 10, worstFirst: true });
    await engine.call('model:latents', { split: 'test', limit: 100 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad input gets a typed error and the engine keeps serving', () => {
  it('unknown requests, malformed payloads and unknown runs', async () => {
    await engine.call('runs:open', { runId: vaeRun });
    expect(await engine.handle('nope:nope', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    expect(await engine.handle('model:generate', { count: -1 })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await engine.handle('model:decode', { z: [1, 2], count: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await engine.handle('runs:open', { runId: '../etc' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await engine.handle('runs:open', { runId: 'no-such-run' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await engine.handle('model:encodeFile', { name: 'x.png', bytes: new Uint8Array(0) })).toMatchObject({
      ok: false,
      error: { code: 'BAD_IMAGE' },
    });
    expect(await engine.handle('export:start', { runId: vaeRun, format: 'npz', out: 'relative/dir' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    const huge = await engine.handle('training:start', { model: { hidden: [4096, 4096, 4096, 4096, 4096, 4096] } });
    expect(huge).toMatchObject({ ok: false, error: { code: 'TOO_LARGE', message: expect.stringMatching(/M parameters/) } });
    expect((await engine.handle('engine:info', {})).ok).toBe(true);
  });

  it('a corrupt run folder is listed with an error, not fatal', async () => {
    await fs.mkdir(path.join(ws, 'runs', 'broken-run'));
    await fs.writeFile(path.join(ws, 'runs', 'broken-run', 'config.json'), '{ not json');
    const runs = await engine.call('runs:list', {});
    const broken = runs.find((r) => r.id === 'broken-run')!;
    expect(broken.state).toBe('error');
    expect(broken.error).toMatch(/corrupt config\.json/);
    await expect(engine.call('runs:open', { runId: 'broken-run' })).rejects.toMatchObject({ code: 'BAD_FILE' });
    await engine.call('runs:delete', { runId: 'broken-run' });
  });
});

describe('export through the engine', () => {
  it('exports a CVAE imagefolder with every label, and cancel leaves nothing complete-looking', async () => {
    const out = path.join(exportsDir('imagefolder'), 'folder');
    const r = await engine.call('export:start', { runId: cvaeRun, format: 'imagefolder', count: 3, seed: 5, out });
    expect(r.total).toBe(30);
    expect(Object.keys(r.countPerLabel)).toHaveLength(10);
    const csv = (await fs.readFile(path.join(out, 'metadata.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('file_name,label,label_index,export_seed,z0,z1');
    expect(csv).toHaveLength(31);
    const sevens = await fs.readdir(path.join(out, '7'));
    expect(sevens.filter((f) => f.endsWith('.png'))).toHaveLength(3);
    const progress = of('export:progress');
    expect(progress.at(-1)).toEqual({ done: 30, total: 30 });
    await expect(engine.call('export:start', { runId: cvaeRun, format: 'npz', count: 3, out })).rejects.toMatchObject({ code: 'EXISTS' });

    const big = path.join(exportsDir('imagefolder'), 'cancelled');
    const pending = engine.call('export:start', { runId: cvaeRun, format: 'imagefolder', count: 2000, out: big });
    await until(() => of('export:progress').some((p) => p.total === 20_000 && p.done > 0), 'the big export to be under way');
    await engine.call('export:cancel', {});
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await fs.readdir(exportsDir('imagefolder'))).sort()).toEqual(['folder']);
  });

  it('a temp folder left by an export that was killed is removed on the next start', async () => {
    const parent = path.join(ws, 'killed');
    const out = path.join(parent, 'gen');
    const leftover = path.join(parent, '.gen.latentlab-tmp-999999-abcdef');
    await fs.mkdir(path.join(leftover, '7'), { recursive: true });
    await fs.writeFile(path.join(leftover, 'metadata.csv'), 'file_name,label\n');
    await fs.writeFile(path.join(ws, 'exports-in-progress.json'), JSON.stringify([out]));
    const e = await make();
    await e.dispose();
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(ws, 'exports-in-progress.json'))).toBe(false); // the legacy journal, settled and removed
  });

  it('exports projector embeddings of the test set', async () => {
    const out = path.join(exportsDir('embeddings'), 'emb');
    const r = await engine.call('export:start', { runId: vaeRun, format: 'embeddings', out });
    expect(r.total).toBe(2000);
    const vectors = (await fs.readFile(path.join(out, 'vectors.tsv'), 'utf8')).trim().split('\n');
    expect(vectors).toHaveLength(2000);
    expect(vectors[0].split('\t')).toHaveLength(2);
  });
});

describe('toy 2-D data', () => {
  it('trains a VAE on two moons with a Gaussian decoder', async () => {
    const e = await make(path.join(`${ws}-out`, 'toy-workspace'));
    try {
      const { runId } = await e.call('training:start', {
        dataset: { id: 'toy-moons' },
        model: { kind: 'vae', latentDim: 2, hidden: [32] },
        epochs: 8,
        batchSize: 64,
        learningRate: 5e-3,
        snapshotSize: 100,
      });
      await e.waitForTraining();
      const done = of('training:done').find((d) => d.runId === runId)!;
      expect(done.state).toBe('done');
      const ends = of('training:progress').filter((p) => p.runId === runId && p.val);
      expect(ends).toHaveLength(8);
      // The epoch's running training loss falls (validation plateaus within an epoch or two here).
      expect(ends.at(-1)!.train.loss).toBeLessThan(ends[0].train.loss);
      expect(ends.every((p) => Number.isFinite(p.val!.loss))).toBe(true);
      const g = await e.call('model:generate', { count: 5, seed: 1 });
      expect(g.images.length).toBe(10);
      expect(g.shape).toEqual([2]);
      await expect(e.call('model:encodeFile', { name: 'a.png', bytes: new Uint8Array(10) })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    } finally {
      await e.dispose();
    }
  });
});

describe('training workers that cannot start', () => {
  it('the run still trains, on the engine thread, and the backend info says why', async () => {
    const bad = path.join(ws, 'broken-worker.js');
    await fs.writeFile(bad, 'throw new Error("no threads in this build");');
    const saved = { w: process.env.LATENT_LAB_TRAIN_WORKERS, e: process.env.LATENT_LAB_TRAIN_WORKER_ENTRY };
    process.env.LATENT_LAB_TRAIN_WORKERS = '1';
    process.env.LATENT_LAB_TRAIN_WORKER_ENTRY = bad;
    const e = await make(path.join(`${ws}-out`, 'workers-workspace'));
    try {
      const { runId } = await e.call('training:start', {
        dataset: { id: 'mnist' },
        model: { kind: 'ae', latentDim: 2, hidden: [32] },
        epochs: 1,
        snapshotSize: 0,
      });
      await e.waitForTraining();
      const done = of('training:done').find((d) => d.runId === runId)!;
      expect(done.state).toBe('done');
      const info = await e.call('engine:info', {});
      expect(info.backend.trainThreads).toBe(1);
      expect(info.backend.threadsNote).toMatch(/training workers unavailable: .*no threads in this build.*; training on the engine's thread/);
    } finally {
      await e.dispose();
      if (saved.w === undefined) delete process.env.LATENT_LAB_TRAIN_WORKERS;
      else process.env.LATENT_LAB_TRAIN_WORKERS = saved.w;
      if (saved.e === undefined) delete process.env.LATENT_LAB_TRAIN_WORKER_ENTRY;
      else process.env.LATENT_LAB_TRAIN_WORKER_ENTRY = saved.e;
    }
  });
});

describe('persistence', () => {
  it('a new engine on the same workspace reopens runs with identical outputs', async () => {
    await engine.call('runs:open', { runId: cvaeRun });
    const z = new Float32Array([0.5, -0.5]);
    const a = await engine.call('model:decode', { z, count: 1, labels: Int32Array.of(3) });
    const other = await make();
    try {
      await other.call('runs:open', { runId: cvaeRun });
      const b = await other.call('model:decode', { z, count: 1, labels: Int32Array.of(3) });
      expect(Array.from(b.images)).toEqual(Array.from(a.images));
    } finally {
      await other.dispose();
    }
  });

  it('renames and deletes runs', async () => {
    const runId = await tinyRun(engine, { name: 'to be deleted' });
    const r = await engine.call('runs:rename', { runId, name: 'my favourite' });
    expect(r.name).toBe('my favourite');
    expect((await engine.call('runs:list', {})).find((x) => x.id === runId)!.name).toBe('my favourite');
    const dir = path.join(ws, 'runs', runId);
    expect(existsSync(path.join(dir, 'config.json'))).toBe(true);

    await engine.call('runs:open', { runId });
    expect(await engine.call('runs:delete', { runId })).toEqual({ ok: true });
    expect(existsSync(dir)).toBe(false);
    expect((await engine.call('runs:list', {})).map((x) => x.id)).not.toContain(runId);
    await expect(engine.call('runs:open', { runId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // It was the open run: nothing is open now, and the other runs are untouched.
    await expect(engine.call('model:generate', { count: 1 })).rejects.toMatchObject({ code: 'NO_MODEL' });
    expect((await engine.call('runs:list', {})).map((x) => x.id)).toEqual(expect.arrayContaining([vaeRun, cvaeRun]));
  });
});

describe('dataset samples of an open run', () => {
  it("come from the run's own data after its folder changed (hover images match the scatter)", async () => {
    const root = path.join(`${ws}-out`, 'folder-data');
    await makeFolderDataset(root, ['a', 'b'], 10);
    const e = await make(path.join(`${ws}-out`, 'folder-workspace'));
    try {
      const runId = await tinyRun(e, { dataset: { id: 'local', path: root } });
      await e.call('runs:open', { runId });
      const ref = { id: 'local', path: root };
      const before = await e.call('datasets:sample', { dataset: ref, split: 'test', offset: 0, count: 100 });
      const scatter = await e.call('model:latents', { runId, split: 'test' });
      expect(before.count).toBe(scatter.count);

      // The folder changes while the run is open: a third class, and other pictures in class a.
      await makeFolderDataset(root, ['b', 'a', 'c'], 12);
      expect((await e.call('datasets:prepare', { dataset: ref })).labelNames).toEqual(['a', 'b', 'c']);

      const after = await e.call('datasets:sample', { dataset: ref, split: 'test', offset: 0, count: 100 });
      expect(after.count).toBe(scatter.count);
      expect(Array.from(after.labels)).toEqual(Array.from(scatter.labels));
      expect(Array.from(after.images)).toEqual(Array.from(before.images));
    } finally {
      await e.dispose();
    }
  }, 120_000);
});
