/**
 * Samples/s of a training run on the kernels (trainModelParallel, dense: true), wall and per
 * CPU-second of the whole process (the workers' threads included), first step excluded.
 * For A/B measurements on a loaded machine (per CPU-second moves far less than wall time):
 *   npx tsx bench/lib/kernelStep.ts conv28|conv32|conv64|dense [steps] [workers] [simd|relaxed-simd]
 */
import { TrainConfig, type ModelConfigInput } from '../../src-shared/types';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import type { SplitData } from '../../src-main/engine/metrics';
import { trainModelParallel } from '../../src-main/engine/parallel/trainParallel';

export interface StepRate {
  samplesPerSecond: number;
  samplesPerCpuSecond: number;
  steps: number;
}

export const KERNEL_CASES: Record<string, { inputDim: number; batch: number; model: ModelConfigInput }> = {
  conv28: { inputDim: 784, batch: 128, model: { kind: 'vae', arch: 'conv', latentDim: 2 } },
  conv32: { inputDim: 32 * 32 * 3, batch: 128, model: { kind: 'vae', arch: 'conv', latentDim: 32 } },
  conv64: { inputDim: 64 * 64 * 3, batch: 128, model: { kind: 'vae', arch: 'conv', latentDim: 32 } },
  dense: { inputDim: 784, batch: 256, model: { kind: 'vae', latentDim: 3, hidden: [256] } },
};

/** Trains `steps` + 1 steps of `key`'s model on random data and times all but the first. */
export async function measureKernelSteps(key: string, steps: number, workers?: number, train?: SplitData): Promise<StepRate> {
  const c = KERNEL_CASES[key];
  const n = (steps + 1) * c.batch;
  const data: SplitData = train ?? { x: Float32Array.from({ length: n * c.inputDim }, (_, i) => ((i * 2654435761) % 1000) / 1000), y: new Int32Array(n), count: n };
  const cfg = TrainConfig.parse({ model: c.model, epochs: 1, batchSize: c.batch, seed: 1 });
  const bundle = buildModel({ config: cfg.model, inputDim: c.inputDim, numClasses: 10, output: 'bernoulli' }, 1);
  const marks: { b: number; t: number; c: number }[] = [];
  const val: SplitData = { x: data.x.subarray(0, 4 * c.inputDim), y: data.y.subarray(0, 4), count: 4 };
  try {
    await trainModelParallel(bundle, cfg, { train: data, val }, {
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.val) return;
        const u = process.cpuUsage();
        marks.push({ b: p.batch, t: performance.now(), c: (u.user + u.system) / 1e6 });
      },
    }, { dense: true, workers });
  } finally {
    disposeBundle(bundle);
  }
  const first = marks.find((m) => m.b >= 1)!;
  const last = marks[marks.length - 1];
  const samples = (last.b - first.b) * c.batch;
  return { samplesPerSecond: samples / ((last.t - first.t) / 1000), samplesPerCpuSecond: samples / Math.max(last.c - first.c, 1e-6), steps: last.b - first.b };
}

if (require.main === module) {
  const [key = 'conv28', steps = '20', workers] = process.argv.slice(2);
  void (async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const r = await measureKernelSteps(key, Number(steps), workers ? Number(workers) : undefined);
    console.log(`${key}: ${r.samplesPerSecond.toFixed(1)} samples/s, ${r.samplesPerCpuSecond.toFixed(1)} per CPU-s (${r.steps} steps)`);
  })();
}
