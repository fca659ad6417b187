/**
 * Training throughput with the engine's real loop (`trainModel` from src-main/engine/train.ts):
 * a fixed number of full batches per run, per-batch timestamps from `onProgress` (reported every
 * batch), the first batch excluded as warm-up. Wall-clock and process-CPU rates are both kept
 * (the CPU rate is robust when other jobs share the 2 cores; training uses one thread).
 */
import * as tf from '@tensorflow/tfjs';
import { TrainConfig, type ModelKind } from '../../src-shared/types';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import { trainModel } from '../../src-main/engine/train';
import type { SplitData } from '../../src-main/engine/metrics';
import { median, round, type RssSampler } from './util';

export interface ThroughputOpts {
  kind: ModelKind;
  steps: number; // timed steps per run (+1 warm-up step)
  repeats: number;
  batch?: number;
  rss?: RssSampler;
  /** Training function with trainModel's signature (default trainModel; e.g. trainModelParallel). */
  trainer?: typeof trainModel;
}

export interface ThroughputResult {
  samplesPerSecond: number | null;
  samplesPerCpuSecond: number | null;
  runs: number[];
  stepsPerRun: number;
  repeats: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

export async function measureTraining(
  train: SplitData,
  val: SplitData,
  numClasses: number,
  o: ThroughputOpts,
): Promise<ThroughputResult> {
  const batch = o.batch ?? 256;
  const n = (o.steps + 1) * batch;
  const D = train.x.length / train.count;
  const sub: SplitData = { x: train.x.subarray(0, n * D), y: train.y.subarray(0, n), count: n };
  const tinyVal: SplitData = { x: val.x.subarray(0, 10 * D), y: val.y.subarray(0, 10), count: 10 };
  const cfg = TrainConfig.parse({ model: { kind: o.kind, latentDim: 3, hidden: [256] }, epochs: 1, batchSize: batch, learningRate: 1e-3, seed: 1 });
  const tensorsBefore = tf.memory().numTensors;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    const bundle = buildModel({ config: cfg.model, inputDim: D, numClasses, output: 'bernoulli' }, 1 + r);
    const marks: { b: number; t: number; c: number }[] = [];
    await (o.trainer ?? trainModel)(bundle, cfg, { train: sub, val: tinyVal }, {
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.val) return;
        const c = process.cpuUsage();
        marks.push({ b: p.batch, t: performance.now(), c: (c.user + c.system) / 1e6 });
        o.rss?.sample();
      },
    });
    disposeBundle(bundle);
    const first = marks.find((m) => m.b === 1);
    const last = marks[marks.length - 1];
    if (first && last && last.b > 1) {
      const samples = (last.b - first.b) * batch;
      wall.push(samples / ((last.t - first.t) / 1000));
      cpu.push(samples / Math.max(last.c - first.c, 1e-6));
    }
  }
  return {
    samplesPerSecond: round(median(wall), 0),
    samplesPerCpuSecond: round(median(cpu), 0),
    runs: wall.map((x) => Math.round(x)),
    stepsPerRun: o.steps,
    repeats: o.repeats,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
  };
}
