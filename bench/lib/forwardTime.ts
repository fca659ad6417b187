/**
 * Forward passes outside training on the kernels (src-main/engine/kernels/dense/kernelForward.ts)
 * against tfjs's wasm backend, in one process, CPU seconds (process.cpuUsage: holds under load):
 *   evaluate   `evaluate` on the 2,000 embedded-MNIST test digits (the epoch-end validation)
 *   decode1    decoding 1 latent vector (a slider move), median of repeats, ms
 *   decode400  decoding 400 vectors (a generation grid), ms
 *   encode     `encodeArrays` of the 2,000 test digits (the latent scatter)
 * for the Keras-example conv VAE and the default dense VAE (784-256-3), untrained (the cost does
 * not depend on the weights), and the forward pass per row of a 64×64×3 conv VAE (16 generated
 * images; decode16 instead of decode400). The evaluation's loss parts are printed both ways: they must agree to float rounding.
 *
 * `classifier`: the in-app classifier's `judge` (features and labels) of the 2,000 test digits,
 * untrained, on the kernels and on tfjs.
 *
 *   npx tsx bench/lib/forwardTime.ts [cases=convKeras,dense,conv64,classifier]
 */
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src-main/engine/backend';
import { loadDataset } from '../../src-main/engine/datasets';
import { setKernelForward } from '../../src-main/engine/kernels/dense/bundleForward';
import { decodeArrays, encodeArrays, evaluate, passRows, EVAL_BATCH, type SplitData } from '../../src-main/engine/metrics';
import { buildModel, disposeBundle, flopsPerSample, type ModelBundle } from '../../src-main/engine/models/build';
import { ModelConfig, type ModelConfigInput } from '../../src-shared/types';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { Classifier, type ClassifierInfo } from '../../src-main/engine/classifier/classifier';
import { buildClassifierModel, classifierLayers } from '../../src-main/engine/classifier/model';
import { ClassifierForward, forwardFlops } from '../../src-main/engine/kernels/dense/kernelForward';
import { log, median, round } from './util';

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU seconds of `fn` (once after a warm-up call when `warm`). */
async function cpuOf(fn: () => unknown, warm = true): Promise<number> {
  if (warm) await fn();
  const t = cpu();
  await fn();
  return cpu() - t;
}

const CASES: Record<string, { model: ModelConfigInput; side: number; channels: number }> = {
  convKeras: { model: { kind: 'vae', arch: 'conv', latentDim: 2 }, side: 28, channels: 1 },
  dense: { model: { kind: 'vae', latentDim: 3, hidden: [256] }, side: 28, channels: 1 },
  conv64: { model: { kind: 'vae', arch: 'conv', latentDim: 32 }, side: 64, channels: 3 },
};

function generated(n: number, D: number): SplitData {
  const rnd = mulberry32(3);
  return { x: Float32Array.from({ length: n * D }, () => rnd()), y: new Int32Array(n), count: n };
}

async function measure(key: string, test: SplitData): Promise<Record<string, unknown>> {
  const c = CASES[key];
  const D = c.side * c.side * c.channels;
  const bundle: ModelBundle = buildModel({ config: ModelConfig.parse(c.model), inputDim: D, numClasses: 10, output: 'bernoulli' }, 1);
  const L = bundle.config.latentDim;
  const z = (n: number) => Float32Array.from({ length: n * L }, (_, i) => Math.sin(i));
  const big = key === 'conv64';
  const split = big ? generated(16, D) : test;
  const out: Record<string, unknown> = { case: key, forwardMflopPerRow: round(flopsPerSample(bundle).forward / 1e6, 2) };
  try {
    for (const on of [true, false]) {
      setKernelForward(on);
      const side = on ? 'kernels' : 'tfjs';
      out[`${side}.passRows`] = passRows(bundle, EVAL_BATCH);
      let parts: unknown;
      out[`${side}.evaluateCpuS`] = round(await cpuOf(async () => (parts = await evaluate(bundle, split, { seed: 1 })), key === 'dense' || on), 3);
      out[`${side}.parts`] = parts;
      out[`${side}.encodeCpuS`] = round(await cpuOf(() => encodeArrays(bundle, split.x, null, split.count)), 3);
      const one = z(1);
      const reps: number[] = [];
      for (let i = 0; i < 15; i++) reps.push(await cpuOf(() => decodeArrays(bundle, one, null, 1), false));
      out[`${side}.decode1Ms`] = round(median(reps.slice(3)) * 1000, 2);
      // 400 rows of 64×64×3 on tfjs would take about a minute: 16 there.
      const grid = big ? 16 : 400;
      out[`${side}.decode${grid}Ms`] = round((await cpuOf(() => decodeArrays(bundle, z(grid), null, grid), !big || on)) * 1000, 1);
      const perRow = (out[`${side}.evaluateCpuS`] as number) / split.count;
      out[`${side}.gflops`] = round((flopsPerSample(bundle).forward * split.count) / 1e9 / (out[`${side}.evaluateCpuS`] as number), 2);
      out[`${side}.msPerRow`] = round(perRow * 1000, 3);
    }
  } finally {
    setKernelForward(true);
    disposeBundle(bundle);
  }
  return out;
}

/** The in-app classifier's `judge` (features + labels) of the 2,000 test digits: tfjs `predict` in 500-row slices against the kernels. */
async function measureClassifier(test: SplitData): Promise<Record<string, unknown>> {
  const layers = classifierLayers([28, 28, 1], 10);
  const model = buildClassifierModel(layers, 1);
  const out: Record<string, unknown> = { case: 'classifier', forwardMflopPerRow: round(forwardFlops(new ClassifierForward(layers, 1).plan) / 1e6, 2) };
  try {
    const onKernels = new Classifier(model, { layers } as ClassifierInfo);
    out['kernels.judgeCpuS'] = round(await cpuOf(() => onKernels.judge(test.x, test.count)), 3);
    // The same model with its kernel forward set to null (as when the kernels refuse it): tfjs predict.
    const onTfjs = new Classifier(model, { layers } as ClassifierInfo);
    (onTfjs as unknown as { kernels: null }).kernels = null;
    out['tfjs.judgeCpuS'] = round(await cpuOf(() => onTfjs.judge(test.x, test.count)), 3);
    const [a, b] = [await onKernels.judge(test.x, test.count), await onTfjs.judge(test.x, test.count)];
    out.sameLabels = a.labels.every((v, i) => v === b.labels[i]);
  } finally {
    model.dispose();
  }
  return out;
}

async function main(): Promise<void> {
  await initBackend();
  const keys = (process.argv[2] ?? 'convKeras,dense,conv64,classifier').split(',');
  const data = await loadDataset({ id: 'mnist' }, { dataDir: path.join(os.tmpdir(), 'latentlab-bench-forward') });
  const test: SplitData = { x: data.test.x.subarray(0, 2000 * 784), y: data.test.y.subarray(0, 2000), count: Math.min(2000, data.test.count) };
  log(`forward passes, CPU time; load ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  for (const k of keys) console.log(JSON.stringify(k === 'classifier' ? await measureClassifier(test) : await measure(k, test)));
}

void main();
