/**
 * `npm run bench [-- --quick] [-- --only train,peer,conv,quality,convquality,inference,umap,ui,import,vaegan] [-- --build] [-- --no-ui] [-- --cvae-epochs N] [-- --vaegan-budget S] [-- --vaegan-epochs V,G] [-- --vaegan-seed N] [-- --vaegan-latent Z] [-- --vaegan-gamma G] [-- --vaegan-gan-loss standard|relativistic] [-- --vaegan-ema-decay D] [-- --vaegan-lr-schedule V,G] [-- --vaegan-kinds vae,vaegan] [-- --vaegan-batch B] [-- --vaegan-quality-only] [-- --vaegan-conv] [-- --vaegan-arches dense,conv] [-- --bench-cache DIR] [-- --conv-cases mnist28,rgb32,rgb64]`
 *
 * Latent Lab performance benchmark. Prints ONE JSON object on stdout (progress on stderr), writes
 * it to bench/results/<ISO-date>.json and bench/results/latest.json, and prints a markdown
 * summary to stderr. Every figure is a median over repeated runs after a warm-up; every
 * comparison (ours/torch) is a ratio of figures taken in the same run. See docs/PERFORMANCE.md.
 *
 * Sections:
 *   train      samples/s of the engine's real training loop (trainModel) for dense AE/VAE/CVAE at
 *              defaults, per backend (wasm, cpu, tensorflow when tfjs-node loads)
 *   peer       the PyTorch peer (bench/peer/torch_peer.py) on the app's exact split, same models
 *   conv       conv VAE training samples/s (MNIST 28×28×1, 32×32×3, 64×64×3): the kernels (the
 *              Engine's default) and tfjs vs the peer's same architecture at 1 and 2 threads (bench/lib/conv.ts)
 *   quality    test −ELBO after 30 epochs (VAE z=3), ours via the Engine vs PyTorch; CVAE
 *              conditional accuracy judged by the in-app classifier CNN (trained first, timed:
 *              its test accuracy); the conv goals (bench/lib/convQuality.ts): conv VAE z=2 −ELBO
 *              vs PyTorch after 30 epochs, conv CVAE z=3 generation accuracy and Fréchet distance
 *   convquality  only the conv goals of `quality` (conv VAE z=2 vs PyTorch, conv CVAE z=3), with the
 *              in-app classifier read from (or trained once into) --bench-cache DIR
 *   inference  Engine requests: encode 2,000, decode 100, 30×30 manifold, CVAE 10×10 grid
 *   memory     peak RSS while training, tensor counts around training and inference
 *   umap       projection:compute 'umap', 16-D → 3-D
 *   ui         browser mode in Chromium (Playwright): drop-to-point, round trips and frame
 *              intervals while training
 *   vaegan     the VAE-GAN (issue #15; bench/lib/vaegan.ts): training samples/s through the Engine vs
 *              the PyTorch peer's VAE-GAN of the same architecture (dense and conv), and a VAE and a
 *              VAE-GAN trained for the same wall-clock budget (--vaegan-budget S: the dense pair's
 *              seconds each; --quick 45, full 180; the conv pair with --vaegan-conv, full runs): Fréchet distances
 *              and reconstruction accuracy judged by the in-app classifier (always on here; trained
 *              once and cached in --bench-cache DIR, default <tmpdir>/latentlab-bench-cache)
 *   import     importing your own data (bench/lib/imports.ts): 60,000 28×28 PNGs, 20,000 64×64
 *              colour JPEGs, IDX / NPZ / CSV of 60,000 digits; time and extra memory, each in a
 *              fresh process (--quick: a tenth, goals extrapolated)
 *   epochs     per-epoch wall and CPU seconds of whole Engine runs on MNIST, the default dense VAE
 *              against the conv VAE (bench/lib/epochTime.ts): which architecture image data gets
 *   convmem    peak RSS of an engine process training the 64×64×3 conv VAE on 20,000 generated
 *              colour images for 1 epoch (bench/lib/convMemory.ts; --quick: 8 batches)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../src-main/engine/backend';
import { Engine } from '../src-main/engine/engine';
import { loadDataset } from '../src-main/engine/datasets';
import { mulberry32, gaussian } from '../src-main/engine/datasets/random';
import { GAN_LOSSES, LR_SCHEDULES, TrainConfig, type LrSchedule, type BackendInfo, type GanLoss, type ModelKind, type RunSummary } from '../src-shared/types';
import { benchClassifier, runConvQuality, type ClassifierBenchResult, type ConvQualityResult } from './lib/convQuality';
import type { Classifier } from '../src-main/engine/classifier/classifier';
import { writeSplitNpz } from './lib/npz';
import { runPeerLogged, torchUnavailable, type PeerResult } from './lib/peer';
import { convMarkdown, runConvBench, type ConvCaseResult } from './lib/conv';
import { measureTraining, type ThroughputResult } from './lib/throughput';
import { runUiBench, type UiResult } from './lib/ui';
import { importMarkdown, runImportBench, type ImportCaseResult } from './lib/imports';
import { MEMORY_GOAL_MB, runConvMemoryBench, type ConvMemoryResult } from './lib/convMemory';
import { epochMarkdown, measureEpochTimes, type EpochTimes } from './lib/epochTime';
import { runVaeganBench, VAEGAN_CASES, vaeganMarkdown, type VaeganArch, type VaeganResult } from './lib/vaegan';
import { errMsg, loadAvg, log, mb, median, msStats, round, RssSampler, timeIt } from './lib/util';
import { rowsF32 } from '../src-main/engine/datasets/rows';

const argv = process.argv.slice(2);
const flag = (k: string) => argv.includes(`--${k}`);
const opt = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : d;
};
const QUICK = flag('quick');
const ALL = ['train', 'peer', 'conv', 'quality', 'convquality', 'inference', 'umap', 'ui', 'import', 'epochs', 'convmem', 'vaegan'];
// --quick skips quality parity (30-epoch runs); the models used for inference train 1 epoch.
const ONLY = new Set(opt('only', (QUICK ? ALL.filter((s) => s !== 'quality') : ALL).join(',')).split(',').filter(Boolean));
if (flag('no-ui')) ONLY.delete('ui');
const KINDS: ModelKind[] = ['ae', 'vae', 'cvae'];

/** Sizes of every section, full vs --quick. */
const P = QUICK
  ? {
      wasmSteps: 12, wasmRepeats: 3, cpuSteps: 1, cpuRepeats: 1, cpuKinds: ['vae'] as ModelKind[],
      peerEpochs: 3, peerSteps: 10, peerCombos: [[1, 1], [1, 2]] as const,
      qualityEpochs: 1, peerQualitySeeds: [1], cvaeEpochs: 1,
      inferenceReps: 15, umapPoints: 2000, uiWindowMs: 6000, uiEpochs: 6, drops: 4,
      vaeganBudget: { dense: 45, conv: 45 }, vaeganQualityArches: ['dense'] as VaeganArch[],
    }
  : {
      wasmSteps: 20, wasmRepeats: 5, cpuSteps: 4, cpuRepeats: 2, cpuKinds: KINDS,
      peerEpochs: 6, peerSteps: 20, peerCombos: [[1, 1], [1, 2]] as const, // torch 2 threads: ~900/s here (see docs)
      qualityEpochs: 30, peerQualitySeeds: [1, 2, 3], cvaeEpochs: TrainConfig.parse({}).epochs,
      inferenceReps: 30, umapPoints: 10_000, uiWindowMs: 15_000, uiEpochs: 30, drops: 8,
      vaeganBudget: { dense: 180, conv: 180 }, vaeganQualityArches: (flag('vaegan-conv') ? ['dense', 'conv'] : ['dense']) as VaeganArch[],
    };

// --vaegan-latent Z: the latent size of the vaegan section's VAE vs VAE-GAN pair (default 15: bench/lib/vaegan.ts QUALITY_LATENT_DIM).
// --conv-cases K,…: only these cases of the conv section (bench/lib/conv.ts CONV_CASES keys), e.g. rgb64 alone on a quiet moment.
const convCases = opt('conv-cases', '') ? opt('conv-cases', '').split(',') : undefined;
const vaeganLatent = opt('vaegan-latent', '') ? Number(opt('vaegan-latent', '')) : undefined;
if (vaeganLatent !== undefined && !(Number.isInteger(vaeganLatent) && vaeganLatent >= 1)) throw new Error(`--vaegan-latent wants an integer ≥ 1, got ${opt('vaegan-latent', '')}`);
// --vaegan-gamma G: the VAE-GAN's γ in that pair (default the app's); --vaegan-quality-only: skip the section's throughput part.
const vaeganGamma = opt('vaegan-gamma', '') ? Number(opt('vaegan-gamma', '')) : undefined;
if (vaeganGamma !== undefined && !(vaeganGamma > 0)) throw new Error(`--vaegan-gamma wants a number > 0, got ${opt('vaegan-gamma', '')}`);
// --vaegan-gan-loss standard|relativistic: the VAE-GAN's GAN loss in that pair (default the app's;
// the throughput part and its PyTorch peer stay standard: the peer has no other, and the result's note says so).
const vaeganGanLoss = opt('vaegan-gan-loss', '') || undefined;
if (vaeganGanLoss !== undefined && !(GAN_LOSSES as readonly string[]).includes(vaeganGanLoss)) throw new Error(`--vaegan-gan-loss wants one of ${GAN_LOSSES.join(', ')}, got ${vaeganGanLoss}`);
// --vaegan-ema-decay D: the VAE-GAN's weight average's decay in that pair (default the app's, VAEGAN_DEFAULTS.emaDecay; 0 = off).
const vaeganEmaDecay = opt('vaegan-ema-decay', '') ? Number(opt('vaegan-ema-decay', '')) : undefined;
if (vaeganEmaDecay !== undefined && !(vaeganEmaDecay >= 0 && vaeganEmaDecay <= 0.99999)) throw new Error(`--vaegan-ema-decay wants a number from 0 to 0.99999, got ${opt('vaegan-ema-decay', '')}`);
// --vaegan-lr-schedule V,G: the VAE's and the VAE-GAN's learning-rate schedules in that pair (default each kind's: constant, linear-decay).
let vaeganLrSchedule: { vae: LrSchedule; vaegan: LrSchedule } | undefined;
if (opt('vaegan-lr-schedule', '')) {
  const [v, g] = opt('vaegan-lr-schedule', '').split(',');
  const ok = (s: string | undefined): s is LrSchedule => (LR_SCHEDULES as readonly string[]).includes(s ?? '');
  if (!ok(v) || !ok(g)) throw new Error(`--vaegan-lr-schedule wants two of ${LR_SCHEDULES.join(', ')}, VAE,VAE-GAN (e.g. constant,linear-decay), got ${opt('vaegan-lr-schedule', '')}`);
  vaeganLrSchedule = { vae: v, vaegan: g };
}
// --vaegan-kinds vae|vaegan|vae,vaegan: which of that pair to train (default both; one alone for sweeps).
const vaeganKinds = opt('vaegan-kinds', '') ? opt('vaegan-kinds', '').split(',') : undefined;
if (vaeganKinds && !(vaeganKinds.length && vaeganKinds.every((k) => k === 'vae' || k === 'vaegan'))) throw new Error(`--vaegan-kinds wants vae, vaegan or vae,vaegan, got ${opt('vaegan-kinds', '')}`);
// --vaegan-batch B: the VAE-GAN's batch size in that pair (default the app's VAE-GAN default, 64).
const vaeganBatch = opt('vaegan-batch', '') ? Number(opt('vaegan-batch', '')) : undefined;
if (vaeganBatch !== undefined && !(Number.isInteger(vaeganBatch) && vaeganBatch >= 1)) throw new Error(`--vaegan-batch wants an integer ≥ 1, got ${opt('vaegan-batch', '')}`);
// --vaegan-budget S: seconds of training per model in the vaegan section's VAE vs VAE-GAN comparison (dense and conv).
if (opt('vaegan-budget', '')) {
  const s = Number(opt('vaegan-budget', ''));
  if (!(s > 0)) throw new Error(`--vaegan-budget wants a number of seconds > 0, got ${opt('vaegan-budget', '')}`);
  P.vaeganBudget = { dense: s, conv: s };
}

// --vaegan-epochs V,G: the quality pair trains the VAE for V and the VAE-GAN for G epochs instead of
// for --vaegan-budget seconds (the epochs a quiet machine reaches in the budget: load-independent).
let vaeganEpochs: { vae: number; vaegan: number } | undefined;
if (opt('vaegan-epochs', '')) {
  const [v, g] = opt('vaegan-epochs', '').split(',').map(Number);
  if (!(Number.isInteger(v) && v >= 1 && Number.isInteger(g) && g >= 1)) throw new Error(`--vaegan-epochs wants two integers ≥ 1, VAE,VAE-GAN (e.g. 547,196), got ${opt('vaegan-epochs', '')}`);
  vaeganEpochs = { vae: v, vaegan: g };
}

// --vaegan-seed N: the training seed of that pair (default 1).
const vaeganSeed = opt('vaegan-seed', '') ? Number(opt('vaegan-seed', '')) : undefined;
if (vaeganSeed !== undefined && !(Number.isInteger(vaeganSeed) && vaeganSeed >= 0)) throw new Error(`--vaegan-seed wants an integer ≥ 0, got ${opt('vaegan-seed', '')}`);

// --vaegan-arches A,…: the arches of the vaegan section's quality pair (dense, conv; default dense, or both with --vaegan-conv).
if (opt('vaegan-arches', '')) {
  const arches = opt('vaegan-arches', '').split(',');
  const bad = arches.filter((a) => !(a in VAEGAN_CASES));
  if (bad.length || !arches.length) throw new Error(`--vaegan-arches wants some of ${Object.keys(VAEGAN_CASES).join(', ')}, got ${opt('vaegan-arches', '')}`);
  P.vaeganQualityArches = arches as VaeganArch[];
}

// --cvae-epochs N: train the CVAE of the inference/accuracy sections for N epochs (default: the app's default).
if (opt('cvae-epochs', '')) P.cvaeEpochs = Number(opt('cvae-epochs', String(P.cvaeEpochs)));

interface Goal {
  name: string;
  target: string;
  value: number | null;
  met: boolean | null;
  /** How far off when missed (e.g. "needs 1.8× faster", "+0.7 pp"). */
  shortfall?: string;
  note?: string;
}

function goal(name: string, target: string, value: number | null, ok: (v: number) => boolean, short: (v: number) => string, note?: string): Goal {
  if (value === null || !Number.isFinite(value)) return { name, target, value: null, met: null, note: note ?? 'not measured' };
  const met = ok(value);
  return { name, target, value, met, ...(met ? {} : { shortfall: short(value) }), ...(note ? { note } : {}) };
}

async function main() {
  const t0 = performance.now();
  const started = new Date();
  const loadStart = loadAvg();
  log(`Latent Lab bench ${QUICK ? '(quick) ' : ''}sections: ${[...ONLY].join(', ')}; load average ${loadStart.join(' ')}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-bench-'));
  const dataDir = path.join(tmp, 'datasets');
  const rss = new RssSampler();
  const result: Record<string, unknown> = {};
  // The in-app classifier (Fréchet distance, generation accuracy in run metrics) only where the
  // quality section measures it; elsewhere the Engine's runs end without it (their timings stay comparable).
  if (!ONLY.has('quality')) process.env.LATENT_LAB_CLASSIFIER ??= '0';

  // ---------------------------------------------------------------------------------------------
  // data
  const data = await loadDataset({ id: 'mnist' }, { dataDir });
  const numClasses = data.info.labelNames.length;
  log(`mnist: ${data.train.count} train / ${data.test.count} test`);

  // ---------------------------------------------------------------------------------------------
  // training throughput per backend
  const backends: Record<string, BackendInfo | null> = {};
  const throughput: Record<string, Record<string, ThroughputResult> | null> = {};
  const backendNotes: Record<string, string> = {};
  /** The throughput row the Engine's default path corresponds to (set by the train section). */
  let engineDefault = 'wasm';
  if (ONLY.has('train')) {
    for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
      let info: BackendInfo;
      try {
        info = await chooseBackend({ LATENT_LAB_BACKEND: name });
      } catch (err) {
        backends[name] = null;
        throughput[name] = null;
        backendNotes[name] = errMsg(err);
        log(`backend ${name}: unavailable (${errMsg(err)})`);
        continue;
      }
      backends[name] = info;
      const steps = name === 'cpu' ? P.cpuSteps : P.wasmSteps;
      const repeats = name === 'cpu' ? P.cpuRepeats : P.wasmRepeats;
      const kinds = name === 'cpu' ? P.cpuKinds : KINDS;
      if (name !== 'cpu') {
        // Untimed warm-up of the backend (wasm compilation tiers, JIT) before the first model.
        await measureTraining(data.train, data.test, numClasses, { kind: 'vae', steps: 3, repeats: 1 });
      }
      // Rounds interleave the models so a change in machine load hits them alike.
      const parts: Record<string, ThroughputResult[]> = Object.fromEntries(kinds.map((k) => [k, []]));
      rss.start();
      for (let r = 0; r < repeats; r++) {
        for (const kind of kinds) {
          log(`train ${name} ${kind}: round ${r + 1}/${repeats}, 1 + ${steps} steps`);
          parts[kind].push(await measureTraining(data.train, data.test, numClasses, { kind, steps, repeats: 1, rss }));
        }
      }
      rss.stop();
      const per: Record<string, ThroughputResult> = {};
      for (const kind of kinds) {
        const ps = parts[kind];
        per[kind] = {
          samplesPerSecond: round(median(ps.flatMap((x) => x.runs)), 0),
          samplesPerCpuSecond: round(median(ps.map((x) => x.samplesPerCpuSecond ?? NaN)), 0),
          runs: ps.flatMap((x) => x.runs),
          stepsPerRun: steps,
          repeats,
          tensorsBefore: ps[0].tensorsBefore,
          tensorsAfter: ps[ps.length - 1].tensorsAfter,
        };
        log(`  ${name} ${kind} → ${per[kind].samplesPerSecond} samples/s (per CPU-second ${per[kind].samplesPerCpuSecond})`);
      }
      throughput[name] = per;
    }
    // The Engine trains in worker threads (src-main/engine/parallel/trainParallel.ts): by default
    // on its own dense kernels, one worker per core (`dense`). The tfjs worker paths it used
    // before, kept for `LATENT_LAB_DENSE=0`, are
    // measured for comparison: one worker on the multi-threaded wasm build (`wasm-worker`) and
    // two single-threaded workers with a per-step gradient exchange (`wasm-parallel`). Progress
    // comes from the workers' shared ring, polled by the main thread, so these rows time more
    // steps than the in-process one.
    try {
      const par = (await import('../src-main/engine/parallel/trainParallel')) as typeof import('../src-main/engine/parallel/trainParallel');
      const { wantedWasmThreads } = await import('../src-main/engine/kernels/wasmThreads');
      const info = await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
      const T = info.trainThreads ?? wantedWasmThreads();
      const probeCfg = TrainConfig.parse({ model: { kind: 'vae' } });
      const cores = os.availableParallelism();
      const engineWorkers = par.parallelWorkerCount('wasm', probeCfg, data.train.count, process.env, cores, data.inputDim, T);
      const dense = par.denseOff(probeCfg.model) === null;
      engineDefault = engineWorkers === 0 ? 'wasm' : dense ? 'dense' : engineWorkers === 1 ? 'wasm-worker' : 'wasm-parallel';
      const rows: Array<[string, { workers?: number; wasmThreads?: number; dense: boolean }, string]> = [
        ['dense', { dense: true }, `trainModelParallel on Latent Lab's dense wasm SIMD kernels, ${par.parallelWorkerCount('wasm', probeCfg, data.train.count, {}, cores, data.inputDim)} worker(s), one per core`],
        ['wasm-worker', { workers: 1, wasmThreads: T, dense: false }, `trainModelParallel, tfjs in 1 worker on the threaded wasm build (${T} threads)`],
        ['wasm-parallel', { workers: 2, wasmThreads: 1, dense: false }, 'trainModelParallel, tfjs in 2 workers × 1 wasm thread, gradients exchanged every step'],
      ];
      for (const [row, opts, what] of rows) {
        backendNotes[row] = `${what}; the Engine ${engineDefault === row ? 'uses' : 'does NOT use'} it for these defaults here`;
        const trainer: typeof par.trainModelParallel = (b, c, d, h) => par.trainModelParallel(b, c, d, h, opts);
        const per: Record<string, ThroughputResult> = {};
        for (const kind of QUICK && row !== 'dense' ? (['vae'] as ModelKind[]) : KINDS) {
          log(`train ${row} ${kind}: ${P.wasmRepeats} × (1 + ${3 * P.wasmSteps}) steps`);
          per[kind] = await measureTraining(data.train, data.test, numClasses, { kind, steps: 3 * P.wasmSteps, repeats: P.wasmRepeats, rss, trainer });
          log(`  ${row} ${kind} → ${per[kind].samplesPerSecond} samples/s (per CPU-second ${per[kind].samplesPerCpuSecond})`);
        }
        throughput[row] = per;
      }
    } catch (err) {
      for (const row of ['dense', 'wasm-worker', 'wasm-parallel']) {
        throughput[row] ??= null;
        backendNotes[row] ??= `not measured: ${errMsg(err)}`;
      }
      log(`wasm workers: ${errMsg(err)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // PyTorch peer on the app's exact split
  const npzFile = path.join(tmp, 'mnist_app_split.npz');
  writeSplitNpz(npzFile, data.train, data.test, data.inputDim);
  const torchWhyNot = ONLY.has('peer') || ONLY.has('quality') || ONLY.has('convquality') || ONLY.has('conv') || ONLY.has('vaegan') ? torchUnavailable() : 'section not run';
  let peer: Record<string, unknown> | null = null;
  let peerBlas: unknown = null;
  let peerTorch = 'unknown';
  if (ONLY.has('peer')) {
    if (torchWhyNot) {
      peer = null;
      backendNotes.torch = torchWhyNot;
    } else {
      const per: Record<string, unknown> = {};
      for (const kind of KINDS) {
        const runs: PeerResult[] = [];
        for (const [tt, ob] of P.peerCombos) {
          try {
            runs.push(await runPeerLogged({ data: npzFile, model: kind, epochs: P.peerEpochs, measureSteps: P.peerSteps, torchThreads: tt, openblasThreads: ob, noEval: true }));
          } catch (err) {
            log(`  torch peer failed: ${errMsg(err)}`);
          }
        }
        if (!runs.length) continue;
        peerBlas = runs[0].blasDetail;
        peerTorch = runs[0].torch;
        const best = runs.reduce((a, b) => (b.samplesPerSecond > a.samplesPerSecond ? b : a));
        per[kind] = {
          best: { samplesPerSecond: best.samplesPerSecond, torchThreads: best.threads, openblasThreads: Number(best.openblasThreads) },
          combos: runs.map((r) => ({ torchThreads: r.threads, openblasThreads: Number(r.openblasThreads), samplesPerSecond: r.samplesPerSecond, samplesPerCpuSecond: r.samplesPerCpuSecond })),
        };
        log(`  torch ${kind} best ${best.samplesPerSecond}/s (torch ${best.threads}, openblas ${best.openblasThreads})`);
      }
      peer = { torch: peerTorch, blas: runsBlasName(peerBlas), epochsTimed: P.peerEpochs - 1, stepsPerEpoch: P.peerSteps, models: per };
    }
  }

  // conv VAEs: tfjs vs the peer on the same architecture
  let conv: Record<string, ConvCaseResult> | null = null;
  if (ONLY.has('conv')) {
    try {
      conv = await runConvBench({ quick: QUICK, train: data.train, test: data.test, tmp, torchWhyNot, cases: convCases });
    } catch (err) {
      log(`conv: ${errMsg(err)}`);
    }
  }

  // ratios ours/torch
  const ratios: Record<string, Record<string, number | null>> = {};
  if (peer && (peer as { models: Record<string, { best: { samplesPerSecond: number } }> }).models) {
    const models = (peer as { models: Record<string, { best: { samplesPerSecond: number } }> }).models;
    for (const [b, per] of Object.entries(throughput)) {
      if (!per) continue;
      ratios[b] = {};
      for (const kind of KINDS) {
        const ours = per[kind]?.samplesPerSecond;
        const theirs = models[kind]?.best.samplesPerSecond;
        ratios[b][kind] = ours && theirs ? round(ours / theirs, 3) : null;
      }
    }
  }

  // Per second of process CPU time, single-threaded on both sides (ours: 1 wasm thread; torch:
  // torch 1 thread + OpenBLAS 1 thread): robust when other jobs compete for the 2 cores.
  const cpuTimeRatios: Record<string, number | null> = {};
  if (peer) {
    const models = (peer as { models: Record<string, { combos: { torchThreads: number; openblasThreads: number; samplesPerCpuSecond: number }[] }> }).models;
    for (const kind of KINDS) {
      const ours = throughput.wasm?.[kind]?.samplesPerCpuSecond;
      const t11 = models[kind]?.combos.find((c) => c.torchThreads === 1 && c.openblasThreads === 1)?.samplesPerCpuSecond;
      cpuTimeRatios[kind] = ours && t11 ? round(ours / t11, 3) : null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Engine sections (wasm, as the app picks here)
  const needEngine = ONLY.has('quality') || ONLY.has('inference') || ONLY.has('umap');
  let quality: Record<string, unknown> | null = null;
  let inference: Record<string, unknown> | null = null;
  let memory: Record<string, unknown> | null = null;
  let umap: Record<string, unknown> | null = null;
  let engineInfo: unknown = null;
  let engineRuns: Record<string, unknown> | null = null;
  let classifierTensors: Record<string, number> | null = null;
  let classifierResult: ClassifierBenchResult | null = null;
  let convQuality: ConvQualityResult | null = null;
  let inAppClassifier: Classifier | null = null;
  if (needEngine) {
    await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
    if (ONLY.has('quality')) {
      // Trained here, timed, in the dataset folder the Engine below uses: its runs find it cached.
      log('in-app classifier: training on the embedded MNIST');
      const judged = await benchClassifier(dataDir, data);
      classifierResult = judged.result;
      inAppClassifier = judged.clf;
      log(`  → ${classifierResult.trainSeconds} s, test accuracy ${classifierResult.testAccuracy} (${classifierResult.arch})`);
    }
    const workspace = path.join(tmp, 'workspace');
    let lastRate = 0;
    let evlog: { name: string; t: number; p: Record<string, unknown> }[] = [];
    const engine = await Engine.create({
      workspace,
      dataDir,
      emit: (name, payload) => {
        if (name === 'training:progress') lastRate = (payload as { samplesPerSecond: number }).samplesPerSecond;
        if (name.startsWith('training:')) evlog.push({ name, t: performance.now(), p: payload as Record<string, unknown> });
      },
    });
    /**
     * Where an Engine training run's wall time goes, from the events' timestamps: the batches, the
     * per-epoch validation (evaluate), the per-epoch onEpochEnd (save checkpoint + run record +
     * latent snapshot), and the final metrics after the last epoch.
     */
    const phases = (tStart: number) => {
      let batches = 0;
      let validate = 0;
      let epochEnd = 0;
      let prev = tStart;
      let firstBatchAt: number | null = null;
      let lastEpochEndAt = tStart;
      for (const e of evlog) {
        if (e.name === 'training:progress' && !e.p.val) {
          if (firstBatchAt === null) firstBatchAt = e.t;
          if (e.p.batch === e.p.batches) {
            batches += e.t - prev;
            prev = e.t;
          }
        } else if (e.name === 'training:progress' && e.p.val) {
          validate += e.t - prev;
          prev = e.t;
        } else if (e.name === 'training:latents' && (e.p.epoch as number) > 0) {
          epochEnd += e.t - prev;
          prev = e.t;
          lastEpochEndAt = e.t;
        } else if (e.name === 'training:latents') {
          prev = e.t; // the epoch-0 snapshot, before the first batch
        }
      }
      const done = evlog.find((e) => e.name === 'training:done');
      const r = (ms: number) => round(ms / 1000, 2);
      return {
        batchesSeconds: r(batches),
        validationSeconds: r(validate),
        checkpointAndSnapshotSeconds: r(epochEnd),
        finalMetricsSeconds: done ? r(done.t - lastEpochEndAt) : null,
        startToFirstBatchSeconds: firstBatchAt !== null ? r(firstBatchAt - tStart) : null,
      };
    };
    engineInfo = engine.info();
    log(`engine backend: ${engine.info().backend.backend} (overrides: ${engine.info().backend.overrides.join('; ')})`);

    const trainRun = async (cfg: Record<string, unknown>) => {
      const tensorsBefore = tf.memory().numTensors;
      const sampler = new RssSampler().start(25);
      const eld = monitorEventLoopDelay({ resolution: 5 });
      evlog = [];
      const t = performance.now();
      eld.enable();
      const { runId } = await engine.call('training:start', cfg);
      await engine.waitForTraining();
      eld.disable();
      const seconds = (performance.now() - t) / 1000;
      const peak = sampler.stop();
      const eventLoopDelay = {
        note: 'perf_hooks.monitorEventLoopDelay over the whole run: how long a request arriving at a random moment waits before the engine (in-process) can start on it',
        p50Ms: round(eld.percentile(50) / 1e6, 1),
        p99Ms: round(eld.percentile(99) / 1e6, 1),
        maxMs: round(eld.max / 1e6, 1),
      };
      const runs = (await engine.call('runs:list', {})) as RunSummary[];
      const run = runs.find((r) => r.id === runId)!;
      if (run.state !== 'done') throw new Error(`run ${runId} ended ${run.state}`);
      return { runId, run, seconds, peakRss: peak, tensorsBefore, tensorsAfter: tf.memory().numTensors, lastEpochRate: lastRate, phases: phases(t), eventLoopDelay };
    };

    // VAE z=3 for quality parity (30 epochs; reduced under --quick)
    const vaeEpochs = ONLY.has('quality') ? P.qualityEpochs : Math.min(P.qualityEpochs, 2);
    log(`engine: training VAE z=3 for ${vaeEpochs} epochs`);
    const rssBefore = process.memoryUsage().rss;
    const vae = await trainRun({ model: { kind: 'vae', latentDim: 3 }, epochs: vaeEpochs, seed: 1, name: 'bench VAE' });
    log(`  → ${vae.seconds.toFixed(1)} s, test −ELBO ${vae.run.metrics?.elbo.toFixed(2)}, end-to-end ${Math.round(vae.lastEpochRate)} samples/s`);

    if (ONLY.has('quality')) {
      let torchQ: PeerResult[] = [];
      if (!torchWhyNot) {
        for (const seed of P.peerQualitySeeds) {
          try {
            torchQ.push(await runPeerLogged({ data: npzFile, model: 'vae', latent: 3, epochs: vaeEpochs, seed, torchThreads: 1, openblasThreads: 1 }));
          } catch (err) {
            log(`  torch quality run failed: ${errMsg(err)}`);
          }
        }
      }
      torchQ = torchQ.filter((r) => r.test);
      const torchElbo = torchQ.length ? median(torchQ.map((r) => r.test!.elbo)) : null;
      const ours = vae.run.metrics?.elbo ?? null;
      quality = {
        epochs: vaeEpochs,
        reduced: QUICK,
        model: 'vae z=3, 784-256-3-256-784, batch 256, Adam 1e-3',
        ours: { elbo: round(ours, 2), recon: round(vae.run.metrics?.recon, 2), kl: round(vae.run.metrics?.kl, 2), seed: 1, seconds: round(vae.seconds, 1), endToEndSamplesPerSecond: round(vae.lastEpochRate, 0) },
        torch: torchQ.length
          ? { elboMedian: round(torchElbo, 2), perSeed: torchQ.map((r, i) => ({ seed: P.peerQualitySeeds[i], elbo: round(r.test!.elbo, 2), recon: round(r.test!.recon, 2), kl: round(r.test!.kl, 2) })) }
          : null,
        torchNote: torchWhyNot ?? undefined,
        relativeGap: ours !== null && torchElbo !== null ? round((ours - torchElbo) / torchElbo, 4) : null,
      };
      log(`  quality: ours ${ours?.toFixed(2)} vs torch ${torchElbo?.toFixed(2)}`);
    }

    // Inference on the VAE
    const tensorsAfterTraining = tf.memory().numTensors;
    if (ONLY.has('inference')) {
      const R = P.inferenceReps;
      const latents = await timeIt(() => engine.call('model:latents', { split: 'test' }), R);
      const rand = mulberry32(7);
      const z100 = Float32Array.from({ length: 300 }, () => gaussian(rand));
      const decode = await timeIt(() => engine.call('model:decode', { z: z100, count: 100 }), R);
      const manifold = await timeIt(() => engine.call('model:manifold', { dims: [0, 1], steps: 30, range: 3 }), R);
      inference = { vae: { encodeTest2000: msStats(latents), decode100: msStats(decode), manifold30x30: msStats(manifold) } };
      log(`inference VAE: encode 2000 ${median(latents).toFixed(1)} ms, decode 100 ${median(decode).toFixed(2)} ms, manifold 30×30 ${median(manifold).toFixed(1)} ms`);
    }
    const tensorsAfterVaeInference = tf.memory().numTensors;

    // CVAE at defaults (+ engine event-loop latency while it trains)
    let cvaeRes: Awaited<ReturnType<typeof trainRun>> | null = null;
    if (ONLY.has('quality') || ONLY.has('inference')) {
      log(`engine: training CVAE (defaults) for ${P.cvaeEpochs} epochs`);
      cvaeRes = await trainRun({ model: { kind: 'cvae' }, epochs: P.cvaeEpochs, seed: 1, name: 'bench CVAE' });
      log(`  → ${cvaeRes.seconds.toFixed(1)} s, −ELBO ${cvaeRes.run.metrics?.elbo.toFixed(2)}`);

    }

    if (cvaeRes && ONLY.has('inference')) {
      const R = P.inferenceReps;
      const rand = mulberry32(11);
      const z = Float32Array.from({ length: 300 }, () => gaussian(rand));
      const labels = Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 10));
      const grid = await timeIt(() => engine.call('model:decode', { z, count: 100, labels }), R);
      (inference as Record<string, unknown>).cvae = { labelGrid10x10: msStats(grid) };
      log(`inference CVAE: 10×10 label grid ${median(grid).toFixed(2)} ms`);
    }

    if (cvaeRes && ONLY.has('quality') && inAppClassifier) {
      const inApp = inAppClassifier;
      const tensorsBeforeJudging = tf.memory().numTensors;
      const clf = { predict: async (x: Float32Array, n: number) => (await inApp.judge(x, n)).labels };
      const perLabel: number[] = [];
      for (let label = 0; label < 10; label++) {
        const g = await engine.call('model:generate', { count: 100, label, seed: 1000 + label, temperature: 1 });
        const pred = await clf.predict(g.images, g.count);
        let ok = 0;
        for (const p of pred) if (p === label) ok++;
        perLabel.push(ok / g.count);
      }
      // Diagnostics: the classifier on CVAE reconstructions of test digits (encode + decode with
      // the true label: how well it reads the CVAE's blurry outputs at all), and prior samples at
      // temperature 0.5 (closer to the latent mode).
      const nR = 1000;
      const ry = data.test.y.slice(0, nR);
      const enc = await engine.call('model:encode', { images: rowsF32(data.test.x, 784, 0, nR, new Float32Array(nR * 784)), count: nR, labels: ry });
      const rec = await engine.call('model:decode', { z: enc.mean, count: nR, labels: ry });
      const rp = await clf.predict(rec.images, nR);
      let rok = 0;
      for (let i = 0; i < nR; i++) if (rp[i] === ry[i]) rok++;
      let halfOk = 0;
      for (let label = 0; label < 10; label++) {
        const g = await engine.call('model:generate', { count: 100, label, seed: 2000 + label, temperature: 0.5 });
        for (const p of await clf.predict(g.images, g.count)) if (p === label) halfOk++;
      }
      classifierTensors = { beforeJudging: tensorsBeforeJudging, afterJudging: tf.memory().numTensors };
      const acc = perLabel.reduce((a, b) => a + b, 0) / perLabel.length;
      quality = {
        ...(quality ?? {}),
        cvae: {
          epochs: P.cvaeEpochs,
          elbo: round(cvaeRes.run.metrics?.elbo, 2),
          conditionalAccuracy: round(acc, 4),
          perLabel: perLabel.map((v) => round(v, 2)),
          samplesPerLabel: 100,
          temperature: 1,
          accuracyOnTestReconstructions: round(rok / nR, 4),
          conditionalAccuracyTemperature05: round(halfOk / 1000, 4),
          classifier: classifierResult,
          runMetrics: { generationAccuracy: round(cvaeRes.run.metrics?.generationAccuracy, 4), frechet: round(cvaeRes.run.metrics?.frechet, 2) },
        },
      };
      log(`  CVAE conditional accuracy ${(100 * acc).toFixed(1)} % (classifier test accuracy ${classifierResult?.testAccuracy})`);
    }

    if (ONLY.has('quality') && !QUICK) convQuality = await runConvQuality(engine, npzFile, { epochs: P.qualityEpochs, torchWhyNot });

    engineRuns = Object.fromEntries(
      ([['vae', vae], ['cvae', cvaeRes]] as const)
        .filter(([, r]) => r)
        .map(([k, r]) => [k, { epochs: r!.run.config.epochs, wallSeconds: round(r!.seconds, 1), reportedSamplesPerSecond: round(r!.lastEpochRate, 0), phases: r!.phases, eventLoopDelay: r!.eventLoopDelay }]),
    );
    memory = {
      note: 'RSS of the bench process (engine in-process, wasm backend). The wasm heap never shrinks: RSS stays at its peak.',
      rssBeforeEngineTrainingMB: mb(rssBefore),
      peakRssVaeTrainingMB: mb(vae.peakRss),
      peakRssCvaeTrainingMB: cvaeRes ? mb(cvaeRes.peakRss) : null,
      peakRssThroughputSectionMB: rss.peak ? mb(rss.peak) : null,
      tensors: {
        beforeVaeTraining: vae.tensorsBefore,
        afterVaeTraining: vae.tensorsAfter,
        afterVaeInference: tensorsAfterVaeInference,
        beforeCvaeTraining: cvaeRes?.tensorsBefore ?? null,
        afterCvaeTraining: cvaeRes?.tensorsAfter ?? null,
        afterAllInference: tf.memory().numTensors,
        classifier: classifierTensors,
      },
      tensorsLeakedByVaeInference: tensorsAfterVaeInference - tensorsAfterTraining,
      wasmHeapBytes: (tf.memory() as { numBytesInGPU?: number; numBytes: number }).numBytes,
    };

    if (ONLY.has('umap')) {
      const n = P.umapPoints;
      const dim = 16;
      const rand = mulberry32(3);
      const centers = Array.from({ length: 10 }, () => Array.from({ length: dim }, () => 4 * gaussian(rand)));
      const pts = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) pts[i * dim + j] = centers[i % 10][j] + gaussian(rand);
      log(`umap: ${n} points 16-D → 3-D`);
      const t = performance.now();
      const c0 = process.cpuUsage();
      await engine.call('projection:compute', { method: 'umap', latents: pts, dim, seed: 1 });
      const c = process.cpuUsage(c0);
      umap = { points: n, dim, data: 'synthetic: 10 Gaussian clusters in 16-D', seconds: round((performance.now() - t) / 1000, 1), cpuSeconds: round((c.user + c.system) / 1e6, 1) };
      log(`  → ${umap.seconds} s`);
    }
    await engine.dispose();
  }

  // ---------------------------------------------------------------------------------------------
  // VAE-GAN: throughput vs the peer, and VAE vs VAE-GAN at the same time budget (own Engine, classifier on)
  let vaegan: VaeganResult | null = null;
  if (ONLY.has('vaegan')) {
    try {
      await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
      // The classifier is cached in a folder that outlives the run unless the quality section trained it now.
      const vDataDir = inAppClassifier ? dataDir : path.resolve(opt('bench-cache', path.join(os.tmpdir(), 'latentlab-bench-cache')));
      vaegan = await runVaeganBench({
        quick: QUICK, tmp, dataDir: vDataDir, data, npzFile, torchWhyNot, classifier: inAppClassifier,
        budgetSeconds: P.vaeganBudget, throughputArches: flag('vaegan-quality-only') ? [] : ['dense', 'conv'], qualityArches: P.vaeganQualityArches, qualityLatentDim: vaeganLatent, qualityGamma: vaeganGamma, qualityGanLoss: vaeganGanLoss as GanLoss | undefined, qualityEmaDecay: vaeganEmaDecay, qualityGanBatch: vaeganBatch, qualityLrSchedule: vaeganLrSchedule, qualityKinds: vaeganKinds as ('vae' | 'vaegan')[] | undefined, qualityEpochs: vaeganEpochs, qualitySeed: vaeganSeed,
      });
    } catch (err) {
      vaegan = { classifier: null, throughput: {}, quality: {}, note: `vaegan section failed: ${errMsg(err)}` };
      log(`vaegan: ${errMsg(err)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // UI in browser mode
  let ui: UiResult | null = null;
  if (ONLY.has('ui')) {
    try {
      ui = await runUiBench({ quick: QUICK, windowMs: P.uiWindowMs, epochs: P.uiEpochs, drops: P.drops, build: flag('build'), test: data.test, tmp });
    } catch (err) {
      ui = { available: false, reason: `UI bench failed: ${errMsg(err)}`, todo: 'see the error; re-run with --only ui' } as UiResult;
      log(`ui: ${errMsg(err)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // importing your own data
  let imports: Record<string, ImportCaseResult> | null = null;
  if (ONLY.has('import')) imports = await runImportBench({ quick: QUICK, dir: path.join(tmp, 'import') });
  const importGoals = Object.values(imports ?? {}).flatMap((c) => [
    ...(c.goalSeconds === null ? [] : [goal(`import: ${c.what} (full size)`, `< ${c.goalSeconds} s`, c.fullSeconds, (v) => v < c.goalSeconds!, (v) => `${(v - c.goalSeconds!).toFixed(1)} s over`,
      `${QUICK ? `extrapolated from ${c.images} images; ` : ''}load average ${c.loadAverage?.join('/') ?? '–'}`)]),
    ...(c.goalMB === null ? [] : [goal(`import: ${c.what}, extra memory`, `< ${c.goalMB} MB`, c.extraMB, (v) => v < c.goalMB!, (v) => `${(v - c.goalMB!).toFixed(0)} MB over`, QUICK ? `${c.images} images (--quick)` : undefined)]),
  ]);

  // ---------------------------------------------------------------------------------------------
  // per-epoch time, dense vs conv (the default architecture for image data), and a conv run's peak memory
  let epochTimes: Record<string, EpochTimes> | null = null;
  if (ONLY.has('epochs')) {
    await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
    epochTimes = await measureEpochTimes({ epochs: QUICK ? 3 : 4, rounds: QUICK ? 1 : 2, tmp, dataDir });
  }
  // the conv goals alone (quality runs them after the dense ones), the classifier read from --bench-cache
  if (ONLY.has('convquality') && !ONLY.has('quality')) {
    await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
    const cacheDir = path.resolve(opt('bench-cache', path.join(os.tmpdir(), 'latentlab-bench-cache')));
    log(`conv quality: the in-app classifier from ${cacheDir} (trained there first if missing)`);
    const judged = await benchClassifier(cacheDir, data);
    classifierResult = judged.result;
    const engine = await Engine.create({ workspace: path.join(tmp, 'workspace-convquality'), dataDir: cacheDir, emit: () => {} });
    try {
      convQuality = await runConvQuality(engine, npzFile, { epochs: P.qualityEpochs, torchWhyNot });
    } finally {
      await engine.dispose();
    }
  }
  let convMemory: ConvMemoryResult | null = null;
  if (ONLY.has('convmem')) {
    const dir = path.join(tmp, 'convmem');
    fs.mkdirSync(dir, { recursive: true });
    convMemory = await runConvMemoryBench({ quick: QUICK, dir });
  }

  // ---------------------------------------------------------------------------------------------
  // goals
  const inf = inference as null | { vae?: Record<string, { medianMs: number }>; cvae?: { labelGrid10x10: { medianMs: number } } };
  // The figure that counts is the path the Engine takes by default (worker threads or the
  // multi-threaded backend in-process); the other is reported alongside.
  const vaeRatio = ratios[engineDefault]?.vae ?? ratios.wasm?.vae ?? null;
  const gap = (quality as { relativeGap?: number } | null)?.relativeGap ?? null;
  const cacc = (quality as { cvae?: { conditionalAccuracy: number } } | null)?.cvae?.conditionalAccuracy ?? null;
  const uiR = ui && ui.available ? ui : null;
  const slider = uiR?.sliderDecode && 'roundTrip' in uiR.sliderDecode ? uiR.sliderDecode : null;
  const convGoals = Object.values(conv ?? {}).map((c) =>
    goal(`${c.what}: training samples/s vs PyTorch best (1 or 2 threads)`, `≥ ${c.goal}×`, c.oursOverTorch, (v) => v >= c.goal, (v) => `${(c.goal / v).toFixed(1)}× faster needed`,
      `the Engine's default: the kernels in one worker per core; per CPU-second ${c.oursOverTorchPerCpuSecond ?? '–'}×`),
  );
  const vaeganGoals = Object.entries(vaegan?.quality ?? {}).flatMap(([arch, q]) => {
    const gan = 'error' in q.vaegan ? null : q.vaegan;
    const vae = 'error' in q.vae ? null : q.vae;
    const errs = [q.vae, q.vaegan].flatMap((r) => ('error' in r ? [r.error] : [])).join('; ');
    const ctx = `${q.epochs ? `fixed epochs ${q.epochs.vae} / ${q.epochs.vaegan}` : `${q.budgetSeconds} s each`}; epochs VAE ${vae?.epochsDone ?? '–'} / VAE-GAN ${gan?.epochsDone ?? '–'}; load average ${q.loadAverage.join('/')}${errs ? `; ${errs}` : ''}`;
    return [
      goal(`VAE-GAN ${arch}: Fréchet distance vs the VAE's (same architecture and training time)`, '≤ 0.7×', q.frechetRatio, (v) => v <= 0.7, (v) => `${(v / 0.7).toFixed(2)}× too high: needs ${gan?.frechet ?? '?'} → ≤ ${vae?.frechet != null ? (0.7 * vae.frechet).toFixed(1) : '?'}`,
        `Fréchet VAE ${vae?.frechet ?? '–'}, VAE-GAN ${gan?.frechet ?? '–'}; ${ctx}`),
      goal(`VAE-GAN ${arch}: reconstructions the in-app classifier labels as the original`, '≥ 95 %', gan?.reconAccuracy ?? null, (v) => v >= 0.95, (v) => `${(100 * (0.95 - v)).toFixed(1)} pp short`,
        `${gan?.reconAccuracySource === 'bench' ? 'computed by the bench (model:encode/decode + classifier); ' : ''}VAE ${vae?.reconAccuracy ?? '–'}; ${ctx}`),
    ];
  });
  const goals: Goal[] = [
    goal(`wasm VAE training throughput vs PyTorch best (the Engine's default path: ${engineDefault})`, '≥ 0.35×', vaeRatio, (v) => v >= 0.35, (v) => `${(0.35 / v).toFixed(2)}× faster needed`,
      cpuTimeRatios.vae != null ? `per CPU-second (load-robust): ${cpuTimeRatios.vae}×; load average ${loadStart.join('/')} at start` : undefined),
    goal('test −ELBO gap (ours vs PyTorch, VAE z=3, 30 epochs)', '≤ +2 %', gap, (v) => v <= 0.02, (v) => `${(100 * (v - 0.02)).toFixed(2)} pp over`, QUICK ? `reduced to ${P.qualityEpochs} epochs (--quick): indicative only` : undefined),
    goal('CVAE conditional accuracy', '≥ 95 %', cacc, (v) => v >= 0.95, (v) => `${(100 * (0.95 - v)).toFixed(1)} pp short`, QUICK ? `CVAE trained ${P.cvaeEpochs} epochs (--quick)` : undefined),
    goal('in-app classifier CNN: test accuracy (embedded MNIST, 2,000 digits)', '≥ 98.5 %', classifierResult?.testAccuracy ?? null, (v) => v >= 0.985, (v) => `${(100 * (0.985 - v)).toFixed(2)} pp short`,
      classifierResult ? `trained in ${classifierResult.trainSeconds} s on ${classifierResult.workers} workers; load average ${loadAvg().join('/')}` : undefined),
    goal('conv VAE z=2, 30 epochs: test −ELBO gap vs PyTorch (same split and architecture)', '≤ +1 %', convQuality?.vae.relativeGap ?? null, (v) => v <= 0.01, (v) => `${(100 * (v - 0.01)).toFixed(2)} pp over`, convQuality?.vae.torchNote),
    goal('conv CVAE z=3 (default training): samples classified as the requested label (in-app CNN)', '≥ 99 %', convQuality?.cvae.generationAccuracy ?? null, (v) => v >= 0.99, (v) => `${(100 * (0.99 - v)).toFixed(1)} pp short`),
    goal('drop-to-point latency (browser mode)', '< 150 ms', uiR?.dropToPoint?.medianMs ?? null, (v) => v < 150, (v) => `${(v - 150).toFixed(0)} ms over`, ui && !ui.available ? ui.reason : undefined),
    goal('latent slider decode at 28×28 (round trip, browser mode)', '< 16 ms', slider?.roundTrip.medianMs ?? null, (v) => v < 16, (v) => `${(v - 16).toFixed(1)} ms over`,
      slider ? `input → image in the page ${slider.inputToImage.medianMs} ms (waits for the next animation frame)` : ui && !ui.available ? ui.reason : undefined),
    goal('CVAE 10×10 label grid (engine)', '< 50 ms', inf?.cvae?.labelGrid10x10.medianMs ?? null, (v) => v < 50, (v) => `${(v - 50).toFixed(1)} ms over`),
    goal('30×30 manifold (engine)', '< 500 ms', inf?.vae?.manifold30x30.medianMs ?? null, (v) => v < 500, (v) => `${(v - 500).toFixed(0)} ms over`),
    goal('p99 request round trip while training (browser mode)', '< 100 ms', uiR?.roundTripWhileTraining?.p99Ms ?? null, (v) => v < 100, (v) => `${(v - 100).toFixed(0)} ms over`, ui && !ui.available ? ui.reason : undefined),
    goal('p99 request round trip while a conv VAE trains (browser mode, Keras example on MNIST)', '< 100 ms', uiR?.roundTripWhileTrainingConv?.p99Ms ?? null, (v) => v < 100, (v) => `${(v - 100).toFixed(0)} ms over`,
      uiR?.roundTripWhileTrainingConv ? `median ${uiR.roundTripWhileTrainingConv.medianMs} ms, ${uiR.roundTripWhileTrainingConv.n} requests; outside epoch ends p99 ${uiR.roundTripWhileTrainingConv.excludingEpochEnds?.p99Ms} ms${uiR.roundTripWhileTrainingConv.epochEnded ? '' : '; no epoch end in the window'}` : ui && !ui.available ? ui.reason : undefined),
    goal(`peak RSS while training the 64×64×3 conv VAE on 20,000 images (engine process)`, `< ${MEMORY_GOAL_MB} MB`, convMemory?.trainPeakMB ?? null, (v) => v < MEMORY_GOAL_MB, (v) => `${(v - MEMORY_GOAL_MB).toFixed(0)} MB over`,
      convMemory ? (convMemory.error ?? `import peak ${convMemory.importPeakMB} MB; float data alone ${convMemory.dataMB} MB${convMemory.stoppedEarly ? `; stopped after ${convMemory.batches} batches (--quick)` : ''}`) : undefined),
    goal('renderer frame interval p95 while training', '< 50 ms', uiR?.framesWhileTraining?.p95Ms ?? null, (v) => v < 50, (v) => `${(v - 50).toFixed(1)} ms over (rAF deltas come in 16.7 ms steps)`, ui && !ui.available ? ui.reason : undefined),
    ...convGoals,
    ...vaeganGoals,
    ...importGoals,
  ];

  // ---------------------------------------------------------------------------------------------
  const cpus = os.cpus();
  Object.assign(result, {
    bench: 'latent-lab',
    version: 1,
    date: started.toISOString(),
    quick: QUICK,
    sections: [...ONLY],
    durationSeconds: round((performance.now() - t0) / 1000, 1),
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpuCount: cpus.length,
      totalMemGiB: round(os.totalmem() / 2 ** 30, 1),
      platform: `${process.platform}-${process.arch}`,
      kernel: os.release(),
      node: process.versions.node,
      tfjs: tf.version.tfjs,
      loadAverageStart: loadStart,
      loadAverageEnd: loadAvg(),
      backends,
      backendNotes,
      engine: engineInfo,
      peerBlas: peerBlas,
    },
    training: {
      config: 'dense 784-256-3-256-784, batch 256, Adam 1e-3, embedded MNIST 8,000 train; engine trainModel; first step excluded',
      samplesPerSecond: Object.fromEntries(Object.entries(throughput).map(([b, per]) => [b, per ? Object.fromEntries(KINDS.map((k) => [k, per[k]?.samplesPerSecond ?? null])) : null])),
      detail: throughput,
    },
    peer: peer ?? (torchWhyNot && ONLY.has('peer') ? { available: false, reason: torchWhyNot } : null),
    oursOverTorch: ratios,
    conv,
    oursOverTorchCpuTime: { note: 'wasm samples per CPU-second / torch (1 thread, OpenBLAS 1) samples per CPU-second', ...cpuTimeRatios },
    quality,
    classifier: classifierResult,
    convQuality,
    engineTrainingRuns: engineRuns,
    inference,
    memory,
    umap,
    ui,
    imports,
    epochTimes,
    convMemory,
    vaegan,
    goals,
  });

  const json = JSON.stringify(result, null, 2);
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = path.join(dir, `${stamp}${QUICK ? '-quick' : ''}.json`);
  fs.writeFileSync(file, json + '\n');
  fs.writeFileSync(path.join(dir, 'latest.json'), json + '\n');
  process.stdout.write(json + '\n');
  process.stderr.write('\n' + markdown(result as never) + '\n');
  log(`wrote ${path.relative(process.cwd(), file)} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

function runsBlasName(detail: unknown): string | null {
  return (detail as { name?: string } | null)?.name ?? null;
}

/** Short markdown summary (also used for docs/PERFORMANCE.md). */
export function markdown(r: {
  machine: { cpuModel: string; cpuCount: number; totalMemGiB: number; node: string; tfjs: string; loadAverageStart: number[]; loadAverageEnd: number[] };
  training: { samplesPerSecond: Record<string, Record<string, number | null> | null> };
  peer: { models?: Record<string, { best: { samplesPerSecond: number; torchThreads: number; openblasThreads: number } }>; blas?: string } | null;
  oursOverTorch: Record<string, Record<string, number | null>>;
  oursOverTorchCpuTime?: Record<string, number | string | null>;
  conv?: Record<string, ConvCaseResult> | null;
  imports?: Record<string, ImportCaseResult> | null;
  epochTimes?: Record<string, EpochTimes> | null;
  vaegan?: VaeganResult | null;
  goals: Goal[];
  quick: boolean;
}): string {
  const L: string[] = [];
  const m = r.machine;
  L.push(`Machine: ${m.cpuModel} × ${m.cpuCount}, ${m.totalMemGiB} GiB, Node ${m.node}, tfjs ${m.tfjs}; load avg ${m.loadAverageStart.join('/')} → ${m.loadAverageEnd.join('/')}${r.quick ? ' (--quick)' : ''}`);
  L.push('');
  L.push('| training samples/s | AE | VAE | CVAE |');
  L.push('|---|---|---|---|');
  for (const [b, per] of Object.entries(r.training.samplesPerSecond)) {
    L.push(`| tfjs ${b} | ${per ? `${per.ae ?? '–'} | ${per.vae ?? '–'} | ${per.cvae ?? '–'}` : 'n/a | n/a | n/a'} |`);
  }
  if (r.peer?.models) {
    const pm = r.peer.models;
    const cell = (k: string) => (pm[k] ? `${Math.round(pm[k].best.samplesPerSecond)} (t${pm[k].best.torchThreads}/ob${pm[k].best.openblasThreads})` : '–');
    L.push(`| PyTorch best (${r.peer.blas ?? '?'}) | ${cell('ae')} | ${cell('vae')} | ${cell('cvae')} |`);
  }
  for (const [b, rr] of Object.entries(r.oursOverTorch)) L.push(`| ${b} / torch | ${rr.ae ?? '–'} | ${rr.vae ?? '–'} | ${rr.cvae ?? '–'} |`);
  const ct = r.oursOverTorchCpuTime;
  if (ct && (ct.ae ?? ct.vae ?? ct.cvae) != null) L.push(`| wasm / torch per CPU-second (1 thread each) | ${ct.ae ?? '–'} | ${ct.vae ?? '–'} | ${ct.cvae ?? '–'} |`);
  L.push(...convMarkdown(r.conv ?? null));
  L.push(...importMarkdown(r.imports ?? null));
  L.push(...epochMarkdown(r.epochTimes ?? null));
  L.push(...vaeganMarkdown(r.vaegan ?? null));
  L.push('');
  L.push('| goal | target | value | met |');
  L.push('|---|---|---|---|');
  for (const g of r.goals) {
    L.push(`| ${g.name} | ${g.target} | ${g.value ?? 'n/a'} | ${g.met === null ? 'n/a' : g.met ? 'yes' : `no (${g.shortfall})`} |`);
  }
  return L.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
