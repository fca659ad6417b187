/**
 * `npx tsx bench/soak.ts [--iterations 100] [--requests 500] [--images 20000] [--only cancel,load,folder,server]`
 *
 * Reliability soak (issue #6), the long versions of test/unit/reliability.load.test.ts, against
 * an in-process Engine on a temp workspace. Prints ONE JSON object on stdout (progress on stderr).
 *
 *   cancel  training / UMAP / export cancelled at seeded random moments, N rounds: outcomes,
 *           tensor count before/after (must match), RSS before/after/peak, stuck requests.
 *   load    while a VAE trains, R interleaved encode/generate/decode requests (waves of 50, 10 ms
 *           apart so training batches run between them):
 *           median and p99 latency, failures, tensor count before/after.
 *   folder  a folder dataset of M generated PNGs (10 classes) imported with progress: time,
 *           progress events, counts, peak RSS and its growth over the start.
 *   server  browser-mode server memory under 100 MB frames (one, four at once), four 60 MB frames,
 *           and a client that reads nothing next to one that does (bench/lib/server-soak.ts).
 * Figures are recorded, not asserted; `ok` is false when a correctness check failed.
 */
import { promises as fs, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../src-main/engine/engine';
import { mulberry32 } from '../src-main/engine/datasets/random';
import type { EventName } from '../src-shared/contract';
import { inkPng } from '../test/fixtures/generate';
import { soakServer } from './lib/server-soak';

const argv = process.argv.slice(2);
const opt = (k: string, d: string): string => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : d;
};
const ITER = Number(opt('iterations', '100'));
const REQUESTS = Number(opt('requests', '500'));
const IMAGES = Number(opt('images', '20000'));
const ONLY = new Set(opt('only', 'cancel,load,folder,server').split(','));
const TINY = { model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0 } as const;

const log = (...a: unknown[]) => console.error('[soak]', ...a);
const mb = (b: number) => Math.round(b / 1024 / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(2) : NaN;
};

class RssPeak {
  peak = process.memoryUsage().rss;
  private t = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().rss)), 50);
  stop(): number {
    clearInterval(this.t);
    return Math.max(this.peak, process.memoryUsage().rss);
  }
}

async function main(): Promise<void> {
  const server = ONLY.has('server') ? await soakServer(log) : undefined;
  if (![...ONLY].some((k) => k !== 'server')) {
    console.log(JSON.stringify({ date: new Date().toISOString(), node: process.versions.node, cpus: os.cpus().length, server }, null, 2));
    return;
  }
  const ws = mkdtempSync(path.join(os.tmpdir(), 'll-soak-'));
  const events: Array<{ name: EventName; payload: any }> = [];
  const unhandled: string[] = [];
  process.on('unhandledRejection', (r) => void unhandled.push(String(r)));
  // The workspace is a sub-folder of ws: the exports below are outside it (inside is refused).
  const engine = await Engine.create({ workspace: path.join(ws, 'lab'), emit: (name, payload) => void events.push({ name, payload }) });
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    backend: engine.info().backend.backend,
    node: process.versions.node,
    cpus: os.cpus().length,
    ...(server ? { server } : {}),
  };
  const checks: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || checks.push(what));
  try {
    const main = (await engine.call('training:start', TINY)).runId;
    await engine.waitForTraining();
    await engine.call('runs:open', { runId: main });
    const cleanup = async () => {
      for (const r of await engine.call('runs:list', {})) if (r.id !== main) await engine.call('runs:delete', { runId: r.id });
      await engine.call('runs:open', { runId: main });
      events.length = 0;
    };

    if (ONLY.has('cancel')) {
      log(`cancel loop: ${ITER} rounds`);
      const rand = mulberry32(7);
      const latents = (await engine.call('model:latents', { split: 'test', limit: 600 })).latents;
      await engine.call('projection:compute', { method: 'umap', latents: latents.slice(0, 200), dim: 2, seed: 1 });
      await engine.call('export:start', { runId: main, format: 'npz', count: 10, out: path.join(ws, 'warm') });
      const tensors0 = tf.memory().numTensors;
      const rss0 = process.memoryUsage().rss;
      const peak = new RssPeak();
      const outcomes: Record<string, Record<string, number>> = { training: {}, umap: {}, export: {} };
      let leftovers = 0;
      let stuck = 0;
      const t0 = performance.now();
      for (let i = 0; i < ITER; i++) {
        const kind = (['training', 'umap', 'export'] as const)[Math.floor(rand() * 3)];
        const delay = Math.floor(rand() * 5) === 0 ? 0 : Math.floor(rand() * 150);
        const wait = () => (delay ? sleep(delay) : Promise.resolve());
        let what: string;
        if (kind === 'training') {
          const start = engine.handle('training:start', { ...TINY, epochs: 50, batchSize: 128, seed: i + 1 });
          await wait();
          const stop = await engine.call('training:stop', {});
          const s = await start;
          what = s.ok ? stop.state : s.error.code;
        } else if (kind === 'umap') {
          const p = engine.handle('projection:compute', { method: 'umap', latents, dim: 2, seed: i });
          await wait();
          await engine.call('projection:cancel', {});
          const r = await p;
          what = r.ok ? 'finished' : r.error.code;
        } else {
          const dir = path.join(ws, 'cancel-exports');
          const out = path.join(dir, `e${i}`);
          const p = engine.handle('export:start', { runId: main, format: (['imagefolder', 'idx', 'npz'] as const)[i % 3], count: 1500, seed: i, out });
          await wait();
          await engine.call('export:cancel', {});
          const r = await p;
          what = r.ok ? 'finished' : r.error.code;
          if (!r.ok && existsSync(out)) leftovers++;
          if (existsSync(dir)) leftovers += readdirSync(dir).filter((n) => n.startsWith('.')).length;
        }
        outcomes[kind][what] = (outcomes[kind][what] ?? 0) + 1;
        const status = await Promise.race([engine.handle('training:status', {}), sleep(10_000).then(() => null)]);
        if (!status?.ok) stuck++;
        if ((i + 1) % 25 === 0) log(`  ${i + 1}/${ITER}  rss ${mb(process.memoryUsage().rss)} MB  tensors ${tf.memory().numTensors}`);
      }
      const seconds = (performance.now() - t0) / 1000;
      await cleanup();
      const tensors1 = tf.memory().numTensors;
      const rss1 = process.memoryUsage().rss;
      const journal = await fs.readdir(path.join(ws, 'lab', 'exports-in-progress'));
      check(tensors1 === tensors0, `cancel: tensors ${tensors0} → ${tensors1}`);
      check(leftovers === 0, `cancel: ${leftovers} leftover export folders`);
      check(stuck === 0, `cancel: ${stuck} stuck rounds`);
      check(journal.length === 0, 'cancel: export journal not empty');
      result.cancel = {
        rounds: ITER,
        seconds: +seconds.toFixed(1),
        outcomes,
        tensorsBefore: tensors0,
        tensorsAfter: tensors1,
        rssBeforeMb: mb(rss0),
        rssAfterMb: mb(rss1),
        rssPeakMb: mb(peak.stop()),
        leftoverExportFolders: leftovers,
        stuckRounds: stuck,
      };
    }

    if (ONLY.has('load')) {
      log(`load: ${REQUESTS} requests while training`);
      const sample = await engine.call('datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset: 0, count: 16 });
      const tensors0 = tf.memory().numTensors;
      const { runId } = await engine.call('training:start', { ...TINY, epochs: 1000, batchSize: 64 });
      while (!events.some((e) => e.name === 'training:progress' && e.payload.runId === runId)) await sleep(10);
      const lat: Record<string, number[]> = { encode: [], generate: [], decode: [] };
      let failures = 0;
      const batch0 = (await engine.call('training:status', {}))!;
      const t0 = performance.now();
      for (let wave = 0; wave * 50 < REQUESTS; wave++) {
        await Promise.all(
          Array.from({ length: Math.min(50, REQUESTS - wave * 50) }, async (_, k) => {
            const n = wave * 50 + k;
            const kind = (['encode', 'generate', 'decode'] as const)[n % 3];
            const s = performance.now();
            const r =
              kind === 'encode'
                ? await engine.handle('model:encode', { images: sample.images.slice(0, 4 * 784), count: 4 })
                : kind === 'generate'
                  ? await engine.handle('model:generate', { count: 4, seed: n })
                  : await engine.handle('model:decode', { z: new Float32Array([n % 7, -1, 0.5, 2]), count: 2 });
            lat[kind].push(performance.now() - s);
            if (!r.ok) failures++;
          }),
        );
        await sleep(10); // let the training loop take its turns between waves
      }
      const seconds = (performance.now() - t0) / 1000;
      const batch1 = (await engine.call('training:status', {}))!;
      await engine.call('training:stop', {});
      await cleanup();
      const tensors1 = tf.memory().numTensors;
      const all = Object.values(lat).flat();
      check(failures === 0, `load: ${failures} failed requests`);
      check(tensors1 === tensors0, `load: tensors ${tensors0} → ${tensors1}`);
      result.load = {
        requests: all.length,
        failures,
        seconds: +seconds.toFixed(2),
        latencyMs: {
          median: pct(all, 50),
          p99: pct(all, 99),
          max: pct(all, 100),
          ...Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, { median: pct(v, 50), p99: pct(v, 99) }])),
        },
        trainingAdvanced: { from: `${batch0.epoch}:${batch0.batch}`, to: `${batch1.epoch}:${batch1.batch}` },
        tensorsBefore: tensors0,
        tensorsAfter: tensors1,
      };
    }

    if (ONLY.has('folder')) {
      log(`folder: generating ${IMAGES} images`);
      const root = path.join(ws, 'folder-big');
      const pngs = await Promise.all(Array.from({ length: 12 }, (_, k) => inkPng(28 + (k % 4) * 8, k)));
      const per = Math.ceil(IMAGES / 10);
      let written = 0;
      for (let c = 0; c < 10; c++) {
        const dir = path.join(root, `class-${c}`);
        await fs.mkdir(dir, { recursive: true });
        for (let i = 0; i < per && written < IMAGES; i++, written++) await fs.writeFile(path.join(dir, `${i}.png`), pngs[(c + i) % pngs.length]);
      }
      log('folder: importing');
      const rss0 = process.memoryUsage().rss;
      const peak = new RssPeak();
      const from = events.length;
      const t0 = performance.now();
      const info = await engine.call('datasets:prepare', { dataset: { id: 'local', path: root } });
      const seconds = (performance.now() - t0) / 1000;
      const peakRss = peak.stop();
      const progress = events.slice(from).filter((e) => e.name === 'dataset:progress').map((e) => e.payload);
      const decode = progress.filter((p) => p.phase === 'decode');
      check(info.trainCount + info.testCount === IMAGES, `folder: ${info.trainCount + info.testCount} of ${IMAGES} images`);
      check(decode.at(-1)?.loaded === IMAGES, 'folder: last progress is not complete');
      result.folder = {
        images: IMAGES,
        classes: info.labelNames.length,
        trainCount: info.trainCount,
        testCount: info.testCount,
        warnings: info.warnings ?? [],
        seconds: +seconds.toFixed(1),
        imagesPerSecond: Math.round(IMAGES / seconds),
        progressEvents: progress.length,
        rssBeforeMb: mb(rss0),
        rssPeakMb: mb(peakRss),
        rssGrowthMb: mb(peakRss - rss0),
        datasetFloatsMb: mb(IMAGES * 784 * 4),
      };
    }
  } finally {
    await engine.dispose();
    rmSync(ws, { recursive: true, force: true });
  }
  check(unhandled.length === 0, `unhandled rejections: ${unhandled.join('; ')}`);
  result.ok = checks.length === 0;
  result.failedChecks = checks;
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = checks.length ? 1 : 0;
}

main().catch((err) => {
  console.error('[soak] error:', err instanceof Error ? err.stack : err);
  process.exit(1);
});
