/**
 * Per-epoch time of whole Engine runs (the path the app takes: `training:start` → workers on the
 * kernels → validation, checkpoint and snapshot at every epoch end), dense against conv on the
 * embedded MNIST, to decide which architecture image data gets by default (issue #13).
 *
 * An epoch's time is the gap between two epoch-end reports (`training:progress` with `val`); the
 * first epoch (worker start, JIT tiers) is left out. Wall seconds and CPU seconds of the whole
 * process (every thread: the workers and the engine's) per epoch; CPU seconds hold under load,
 * wall seconds are what a user waits. Cases alternate round by round so load changes hit all.
 *
 *   npx tsx bench/lib/epochTime.ts [epochs=4] [rounds=2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import { chooseBackend } from '../../src-main/engine/backend';
import type { ModelConfigInput } from '../../src-shared/types';
import { log, median, round } from './util';

export interface EpochCase {
  key: string;
  what: string;
  model: ModelConfigInput;
  batchSize: number;
}

export const EPOCH_CASES: EpochCase[] = [
  { key: 'dense', what: 'dense VAE 784-256-3 (the default today), batch 256', model: { kind: 'vae', arch: 'dense', latentDim: 3 }, batchSize: 256 },
  { key: 'conv', what: 'conv VAE, Keras example (32/64, Dense 16), z=3, batch 256 (the defaults but arch)', model: { kind: 'vae', arch: 'conv', latentDim: 3 }, batchSize: 256 },
  { key: 'convKeras', what: 'conv VAE, Keras example, z=2, batch 128 (as the example trains)', model: { kind: 'vae', arch: 'conv', latentDim: 2 }, batchSize: 128 },
];

export interface EpochTimes {
  what: string;
  /** Median over the timed epochs of every round. */
  wallSeconds: number | null;
  cpuSeconds: number | null;
  /** Every timed epoch, in order. */
  wall: number[];
  cpu: number[];
  /** Median of the training steps' reported samples/s in the timed epochs (the epoch-end work left out). */
  samplesPerSecond: number | null;
  /** test −ELBO after the run's epochs (same for every round: same seed). */
  elbo: number | null;
  loadAverage: number[];
}

/** Runs every case `rounds` times for `epochs` epochs through an in-process Engine. */
export async function measureEpochTimes(opts: { epochs: number; rounds: number; tmp: string; dataDir?: string; cases?: EpochCase[] }): Promise<Record<string, EpochTimes>> {
  const cases = opts.cases ?? EPOCH_CASES;
  let marks: { t: number; cpu: number }[] = [];
  let rates: number[] = [];
  const engine = await Engine.create({
    workspace: path.join(opts.tmp, 'epoch-workspace'),
    dataDir: opts.dataDir,
    emit: (name, payload) => {
      if (name !== 'training:progress') return;
      const p = payload as { val?: unknown; samplesPerSecond?: number };
      if (p.val) {
        const u = process.cpuUsage();
        marks.push({ t: performance.now(), cpu: (u.user + u.system) / 1e6 });
      } else if (marks.length && p.samplesPerSecond) rates.push(p.samplesPerSecond);
    },
  });
  const allRates: Record<string, number[]> = {};
  const out: Record<string, EpochTimes> = Object.fromEntries(
    cases.map((c) => [c.key, { what: c.what, wallSeconds: null, cpuSeconds: null, wall: [], cpu: [], samplesPerSecond: null, elbo: null, loadAverage: [] }]),
  );
  try {
    for (let r = 0; r < opts.rounds; r++) {
      for (const c of cases) {
        marks = [];
        rates = allRates[c.key] ??= [];
        const o = out[c.key];
        o.loadAverage = os.loadavg().map((x) => round(x, 1) ?? 0);
        log(`epochs: ${c.key} round ${r + 1}/${opts.rounds}, ${opts.epochs} epochs (load ${o.loadAverage.join('/')})`);
        const { runId } = (await engine.call('training:start', { dataset: { id: 'mnist' }, model: c.model, epochs: opts.epochs, batchSize: c.batchSize, seed: 1, snapshotSize: 2000, name: `epoch ${c.key}` })) as { runId: string };
        await engine.waitForTraining();
        const runs = (await engine.call('runs:list', {})) as { id: string; metrics: { elbo: number } | null }[];
        o.elbo = round(runs.find((x) => x.id === runId)?.metrics?.elbo ?? NaN, 2);
        for (let i = 1; i < marks.length; i++) {
          o.wall.push(round((marks[i].t - marks[i - 1].t) / 1000, 2) ?? 0);
          o.cpu.push(round(marks[i].cpu - marks[i - 1].cpu, 2) ?? 0);
        }
        log(`  ${c.key}: epochs ${o.wall.slice(-(marks.length - 1)).join(', ')} s wall; ${o.cpu.slice(-(marks.length - 1)).join(', ')} CPU-s; −ELBO ${o.elbo}`);
      }
    }
  } finally {
    await engine.dispose();
  }
  for (const o of Object.values(out)) {
    o.wallSeconds = round(median(o.wall), 2);
    o.cpuSeconds = round(median(o.cpu), 2);
  }
  for (const [k, xs] of Object.entries(allRates)) out[k].samplesPerSecond = round(median(xs), 0);
  return out;
}

/** The bench summary's table: seconds per epoch (wall, CPU) and samples/s, each case against the first (dense). */
export function epochMarkdown(r: Record<string, EpochTimes> | null): string[] {
  if (!r) return [];
  const base = Object.values(r)[0]?.wallSeconds ?? null;
  const L = ['', '| per epoch, embedded MNIST (8,000) | wall s | CPU s | samples/s (steps) | wall / first row | test −ELBO |', '|---|---|---|---|---|---|'];
  for (const o of Object.values(r)) {
    const ratio = base && o.wallSeconds ? round(o.wallSeconds / base, 2) : '–';
    L.push(`| ${o.what} | ${o.wallSeconds ?? '–'} | ${o.cpuSeconds ?? '–'} | ${o.samplesPerSecond ?? '–'} | ${ratio} | ${o.elbo ?? '–'} |`);
  }
  return L;
}

if (require.main === module) {
  const [epochs = '4', rounds = '2', only] = process.argv.slice(2);
  void (async () => {
    // The in-app classifier's training after each run is not what is timed here.
    process.env.LATENT_LAB_CLASSIFIER ??= '0';
    await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-epochs-'));
    try {
      const cases = only ? EPOCH_CASES.filter((c) => only.split(',').includes(c.key)) : undefined;
      const r = await measureEpochTimes({ epochs: Number(epochs), rounds: Number(rounds), tmp, cases });
      console.log(JSON.stringify(r, null, 1));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  })();
}
