/**
 * The `conv` section of `npm run bench`: conv VAE training throughput, ours vs the PyTorch peer on
 * the same architecture (src-main/engine/models/conv.ts ↔ bench/peer/peer_models.py), batch 128.
 *
 * Cases (issue #13's goals, ours / PyTorch best of 1 and 2 threads):
 *   mnist28  Keras-example conv VAE, z = 2, on the embedded MNIST digits     ≥ 1.5×
 *   rgb32    32×32×3 conv VAE 32/64/128, z = 32                               ≥ 1.0×
 *   rgb64    64×64×3 conv VAE 32/64/128/256, z = 32 (full runs only)          ≥ 1.0×
 * The colour cases train on MNIST digits padded to 32×32 (upscaled to 64×64) and tinted per
 * label: throughput does not depend on the pictures, and both sides get the same bytes.
 *
 * Our rows: `kernels` = the engine's default for conv models: Latent Lab's WebAssembly kernels
 * (kernels/dense: im2col + packed GEMM, relaxed SIMD where the runtime has it) in one worker per
 * core (trainModelParallel); `tfjs-wasm` = the engine's tfjs loop (trainModel) on this thread,
 * conv weight gradients through kernels/conv2dBackpropFilter.ts; `tfjs-wasm-2workers` (full
 * runs) = two tfjs workers, gradients exchanged every step (`LATENT_LAB_DENSE=0`).
 * Samples/s exclude the first step (warm-up); the peer times its epochs after the first. Every
 * row also reports samples per CPU-second (all threads of the process; load-robust).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TrainConfig } from '../../src-shared/types';
import { chooseBackend } from '../../src-main/engine/backend';
import { buildModel, countParams, disposeBundle, flopsPerSample } from '../../src-main/engine/models/build';
import { trainModel } from '../../src-main/engine/train';
import type { SplitData } from '../../src-main/engine/metrics';
import { writeSplitNpz } from './npz';
import { runPeerLogged, type PeerResult } from './peer';
import { errMsg, log, round } from './util';
import { valuesF32 } from '../../src-main/engine/datasets/rows';

export interface ConvCase {
  key: 'mnist28' | 'rgb32' | 'rgb64';
  what: string;
  side: 28 | 32 | 64;
  channels: 1 | 3;
  latent: number;
  /** Goal: ours / PyTorch best. */
  goal: number;
}

export const CONV_CASES: ConvCase[] = [
  { key: 'mnist28', what: 'conv VAE 28×28×1 (Keras example: 32/64, Dense 16, z=2), MNIST', side: 28, channels: 1, latent: 2, goal: 1.5 },
  { key: 'rgb32', what: 'conv VAE 32×32×3 (32/64/128, Dense 256, z=32)', side: 32, channels: 3, latent: 32, goal: 1.0 },
  { key: 'rgb64', what: 'conv VAE 64×64×3 (32/64/128/256, Dense 256, z=32)', side: 64, channels: 3, latent: 32, goal: 1.0 },
];

const BATCH = 128;

/** MNIST digits (28×28×1) as side×side×3 colour images: padded to 32, ×2 nearest for 64, tinted per label. */
export function colourSplit(s: SplitData, side: 32 | 64, count = s.count): SplitData {
  const n = Math.min(count, s.count);
  const D = side * side * 3;
  const x = new Float32Array(n * D);
  const up = side / 32;
  const sx = valuesF32(s.x.subarray(0, n * 784));
  for (let i = 0; i < n; i++) {
    const hue = s.y[i] % 3;
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const sr = Math.floor(r / up) - 2;
        const sc = Math.floor(c / up) - 2;
        const v = sr >= 0 && sr < 28 && sc >= 0 && sc < 28 ? sx[i * 784 + sr * 28 + sc] : 0;
        const o = i * D + (r * side + c) * 3;
        x[o] = hue === 0 ? v : 0.5 * v;
        x[o + 1] = hue === 1 ? v : 0.25 + 0.5 * v;
        x[o + 2] = hue === 2 ? v : 1 - v;
      }
    }
  }
  return { x, y: s.y.slice(0, n), count: n };
}

export interface ConvRow {
  samplesPerSecond: number | null;
  samplesPerCpuSecond: number | null;
  stepsTimed: number;
}

/** Our throughput on `c` with `trainer` (default trainModel): `steps` timed steps of BATCH after one warm-up. */
async function measureOurs(c: ConvCase, train: SplitData, val: SplitData, steps: number, trainer: typeof trainModel = trainModel): Promise<ConvRow> {
  const n = (steps + 1) * BATCH;
  const D = c.side * c.side * c.channels;
  const sub: SplitData = { x: train.x.subarray(0, n * D), y: train.y.subarray(0, n), count: n };
  const tinyVal: SplitData = { x: val.x.subarray(0, 10 * D), y: val.y.subarray(0, 10), count: 10 };
  const cfg = TrainConfig.parse({ model: { kind: 'vae', arch: 'conv', latentDim: c.latent }, epochs: 1, batchSize: BATCH, seed: 1 });
  const bundle = buildModel({ config: cfg.model, inputDim: D, numClasses: 10, output: 'bernoulli' }, 1);
  const marks: { b: number; t: number; c: number }[] = [];
  try {
    await trainer(bundle, cfg, { train: sub, val: tinyVal }, {
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.val) return;
        const u = process.cpuUsage();
        marks.push({ b: p.batch, t: performance.now(), c: (u.user + u.system) / 1e6 });
      },
    });
  } finally {
    disposeBundle(bundle);
  }
  const first = marks.find((m) => m.b === 1);
  const last = marks[marks.length - 1];
  if (!first || !last || last.b <= first.b) return { samplesPerSecond: null, samplesPerCpuSecond: null, stepsTimed: 0 };
  const samples = (last.b - first.b) * BATCH;
  return {
    samplesPerSecond: round(samples / ((last.t - first.t) / 1000), 1),
    samplesPerCpuSecond: round(samples / Math.max(last.c - first.c, 1e-6), 1),
    stepsTimed: last.b - first.b,
  };
}

export interface ConvBenchOptions {
  quick: boolean;
  train: SplitData;
  test: SplitData;
  tmp: string;
  /** Why the peer cannot run (null: it can). */
  torchWhyNot: string | null;
  /** Only these CONV_CASES keys (default: all, or all but rgb64 with `quick`); an unknown key throws. */
  cases?: string[];
}

export interface ConvCaseResult {
  what: string;
  shape: [number, number, number];
  params: number;
  mflopPerSampleStep: number;
  ours: Record<string, ConvRow | { error: string }>;
  torch: { best: { samplesPerSecond: number; torchThreads: number } | null; runs: Array<{ torchThreads: number; samplesPerSecond: number; samplesPerCpuSecond: number; params?: number }> } | null;
  /** The engine's default row (`kernels`) over torch's best. */
  oursOverTorch: number | null;
  /** The same per CPU-second (ours: all the process's threads; torch: its best run's). */
  oursOverTorchPerCpuSecond: number | null;
  goal: number;
}

/**
 * Runs the conv section. --quick: MNIST and 32×32×3 only, one timed step of ours, two timed peer
 * steps per thread count; full: every case, 3 timed steps (2 for 64×64×3) in-process and with
 * two tfjs workers, 6 timed peer steps (3 for 64×64×3).
 */
export async function runConvBench(o: ConvBenchOptions): Promise<Record<string, ConvCaseResult>> {
  const unknown = (o.cases ?? []).filter((k) => !CONV_CASES.some((c) => c.key === k));
  if (unknown.length) throw new Error(`--conv-cases: unknown case ${unknown.join(', ')} (known: ${CONV_CASES.map((c) => c.key).join(', ')})`);
  const cases = o.cases ? CONV_CASES.filter((c) => o.cases!.includes(c.key)) : o.quick ? CONV_CASES.filter((c) => c.key !== 'rgb64') : CONV_CASES;
  await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
  const out: Record<string, ConvCaseResult> = {};
  const par = await import('../../src-main/engine/parallel/trainParallel');
  for (const c of cases) {
    const shape: [number, number, number] = [c.side, c.side, c.channels];
    const D = c.side * c.side * c.channels;
    const ourSteps = o.quick ? 1 : c.side === 64 ? 2 : 3;
    const need = (Math.max(ourSteps, 16) + 1) * BATCH * 2;
    const train = c.channels === 1 ? o.train : colourSplit(o.train, c.side as 32 | 64, need);
    const test = c.channels === 1 ? o.test : colourSplit(o.test, c.side as 32 | 64, 200);
    const spec = { config: TrainConfig.parse({ model: { kind: 'vae', arch: 'conv', latentDim: c.latent } }).model, inputDim: D, numClasses: 10, output: 'bernoulli' as const };
    const ours: ConvCaseResult['ours'] = {};
    const rows: Array<[string, typeof trainModel | undefined, number]> = [
      // The kernels run 1 + 10 (quick) or 1 + 16 steps: ~20–60 s of tfjs's work each.
      ['kernels', (b, cfg, d, h) => par.trainModelParallel(b, cfg, d, h, { dense: true }), o.quick ? 10 : 16],
      ['tfjs-wasm', undefined, ourSteps],
    ];
    if (!o.quick) rows.push(['tfjs-wasm-2workers', (b, cfg, d, h) => par.trainModelParallel(b, cfg, d, h, { workers: 2, wasmThreads: 1, dense: false }), ourSteps]);
    for (const [row, trainer, steps] of rows) {
      log(`conv ${c.key} ${row}: 1 + ${steps} steps of ${BATCH}`);
      try {
        ours[row] = await measureOurs(c, train, test, steps, trainer);
        log(`  → ${(ours[row] as ConvRow).samplesPerSecond} samples/s`);
      } catch (err) {
        ours[row] = { error: errMsg(err) };
        log(`  failed: ${errMsg(err)}`);
      }
    }
    let torch: ConvCaseResult['torch'] = null;
    if (!o.torchWhyNot) {
      const npz = path.join(o.tmp, `conv_${c.key}.npz`);
      writeSplitNpz(npz, train, test, D);
      const runs: PeerResult[] = [];
      for (const threads of [1, 2]) {
        try {
          runs.push(await runPeerLogged({
            data: npz, model: 'vae', arch: 'conv', shape, latent: c.latent, batch: BATCH,
            // Two epochs, the first a warm-up. Few steps: torch on 2 threads runs at a tenth of
            // its 1-thread speed on this loaded 2-core machine (64×64×3: ~9 samples/s).
            epochs: 2, measureSteps: o.quick ? 2 : c.side === 64 ? 3 : 6, torchThreads: threads, openblasThreads: 1, noEval: true,
          }));
        } catch (err) {
          log(`  torch conv peer failed: ${errMsg(err)}`);
        }
      }
      const best = runs.length ? runs.reduce((a, b) => (b.samplesPerSecond > a.samplesPerSecond ? b : a)) : null;
      torch = {
        best: best ? { samplesPerSecond: best.samplesPerSecond, torchThreads: best.threads } : null,
        runs: runs.map((r) => ({ torchThreads: r.threads, samplesPerSecond: r.samplesPerSecond, samplesPerCpuSecond: r.samplesPerCpuSecond, params: r.params })),
      };
      log(`  torch ${c.key}: ${runs.map((r) => `${r.threads} thread(s) ${r.samplesPerSecond}/s`).join(', ')}`);
    }
    const engineRow = ours.kernels as ConvRow | { error: string };
    const mine = 'samplesPerSecond' in engineRow ? engineRow.samplesPerSecond : null;
    const theirs = torch?.best?.samplesPerSecond ?? null;
    const mineCpu = 'samplesPerCpuSecond' in engineRow ? engineRow.samplesPerCpuSecond : null;
    const theirsCpu = torch?.runs.length ? Math.max(...torch.runs.map((r) => r.samplesPerCpuSecond)) : null;
    out[c.key] = {
      what: c.what,
      shape,
      params: countParams(spec),
      mflopPerSampleStep: round(flopsPerSample(spec).trainStep / 1e6, 1)!,
      ours,
      torch,
      oursOverTorch: mine && theirs ? round(mine / theirs, 3) : null,
      oursOverTorchPerCpuSecond: mineCpu && theirsCpu ? round(mineCpu / theirsCpu, 3) : null,
      goal: c.goal,
    };
  }
  log(`conv: tensors after the section ${tf.memory().numTensors}`);
  return out;
}

/** Markdown rows for the summary: one line per case. */
export function convMarkdown(conv: Record<string, ConvCaseResult> | null): string[] {
  if (!conv) return [];
  const L = ['', '| conv training samples/s (batch 128) | params | MFLOP/sample | **kernels** (per CPU-s) | tfjs-wasm | tfjs-wasm-2workers | PyTorch 1 / 2 threads | ours / torch (per CPU-s) | goal |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of Object.values(conv)) {
    const v = (row: string) => {
      const x = r.ours[row];
      return x === undefined ? '–' : 'error' in x ? 'error' : String(x.samplesPerSecond ?? '–');
    };
    const t = (n: number) => r.torch?.runs.find((x) => x.torchThreads === n)?.samplesPerSecond ?? '–';
    const k = r.ours.kernels;
    const kc = k && !('error' in k) ? ` (${k.samplesPerCpuSecond ?? '–'})` : '';
    L.push(`| ${r.what} | ${r.params} | ${r.mflopPerSampleStep} | **${v('kernels')}**${kc} | ${v('tfjs-wasm')} | ${v('tfjs-wasm-2workers')} | ${t(1)} / ${t(2)} | ${r.oursOverTorch ?? '–'} (${r.oursOverTorchPerCpuSecond ?? '–'}) | ≥ ${r.goal}× |`);
  }
  return L;
}
