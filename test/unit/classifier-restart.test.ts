/**
 * The background classifier's lifecycle through the engine: a training start interrupts the
 * classifier's training, which then goes on from its last epoch's checkpoint (not epoch 1); after
 * the user's Cancel, `classifier:start` brings it back — every saved run lacking the numbers is
 * queued again (`runs:metricsUpdated` pending true), the training goes on from the checkpoint,
 * and those runs get their numbers. `classifier:start` refuses a payload and says when the
 * classifier is off. The classifier's training is a stand-in (the engine's test seam) that writes
 * one checkpoint through the store, then finishes only when the test says so or fails CANCELLED
 * on its abort signal: no timing, no sleep. (The real training's resume: classifier-resume.test.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import { heldClassifierTraining } from './classifierStub';
import type { TrainClassifierFn } from '../../src-main/engine/classifier/store';
import type { ClassifierCheckpoint } from '../../src-main/engine/classifier/train';

interface StubTraining {
  /** The checkpoint the store handed over (undefined: from epoch 1). */
  resume: ClassifierCheckpoint | undefined;
  signal: AbortSignal;
  release: () => void;
  settled: Promise<unknown>;
}

const trainings: StubTraining[] = [];
let onTrain: (() => void) | null = null;
/** Resolves when the stand-in is next asked to train (and has written its checkpoint). */
const trainingAsked = () => new Promise<void>((r) => (onTrain = r));

/** Writes the checkpoint of "epoch 1" through the store's hook, then waits for `release` or the abort. */
const stubTrain: TrainClassifierFn = async (data, opts = {}) => {
  const signal = opts.signal ?? new AbortController().signal;
  const w = new Float32Array(8).fill(0.5);
  await opts.onEpochEnd?.({ epoch: 1, step: 125, workers: 1, weights: w, m: w, v: w });
  const { result, release } = heldClassifierTraining(data, signal);
  trainings.push({ resume: opts.resume, signal, release, settled: result.catch(() => undefined) });
  onTrain?.();
  return result;
};

/** IDX files (MNIST layout) of 28×28 bars, class 0 vertical, class 1 horizontal: 2·`train` + 2·`test` images (small: the classifier's numbers are quick). */
function idxFolder(root: string, train: number, test: number): void {
  const images = (n: number) => {
    const head = Buffer.alloc(16);
    head.writeUInt32BE(0x00000803, 0);
    head.writeUInt32BE(2 * n, 4);
    head.writeUInt32BE(28, 8);
    head.writeUInt32BE(28, 12);
    const body = Buffer.alloc(2 * n * 784);
    for (let k = 0; k < 2 * n; k++) {
      const at = 8 + (k % 12);
      for (let a = 4; a < 24; a++) for (let b = at; b < at + 3; b++) body[k * 784 + (k % 2 === 0 ? a * 28 + b : b * 28 + a)] = 255;
    }
    return Buffer.concat([head, body]);
  };
  const labels = (n: number) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(0x00000801, 0);
    head.writeUInt32BE(2 * n, 4);
    return Buffer.concat([head, Buffer.from(Array.from({ length: 2 * n }, (_, k) => k % 2))]);
  };
  writeFileSync(path.join(root, 'train-images-idx3-ubyte'), images(train));
  writeFileSync(path.join(root, 'train-labels-idx1-ubyte'), labels(train));
  writeFileSync(path.join(root, 't10k-images-idx3-ubyte'), images(test));
  writeFileSync(path.join(root, 't10k-labels-idx1-ubyte'), labels(test));
}

const bars = mkdtempSync(path.join(os.tmpdir(), 'll-clf-restart-bars-'));
idxFolder(bars, 40, 10);
const TINY = { dataset: { id: 'local', path: bars }, model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, batchSize: 16, snapshotSize: 0 } as const;

let ws: string;
let engine: Engine;
const events: { name: EventName; payload: unknown }[] = [];
const of = <N extends EventName>(name: N) => events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<N>);
/** Resolves once `count` events `name` matching `match` have arrived (checked as events arrive). */
function seen<N extends EventName>(name: N, match: (p: EventPayload<N>) => boolean, count = 1): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (of(name).filter(match).length >= count ? resolve() : setImmediate(check));
    check();
  });
}

beforeAll(async () => {
  process.env.LATENT_LAB_CLASSIFIER = '1';
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-clf-restart-'));
  engine = await Engine.create({ workspace: ws, trainClassifier: stubTrain, emit: (name, payload) => void events.push({ name, payload }) });
});

afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
  rmSync(bars, { recursive: true, force: true });
  process.env.LATENT_LAB_CLASSIFIER = '0';
});

describe('the background classifier after an interruption and a cancel', () => {
  const runIds: string[] = [];

  it('a run started during its training interrupts it; after that run it goes on from the checkpoint, not epoch 1', async () => {
    const first = trainingAsked();
    runIds.push((await engine.call('training:start', TINY)).runId);
    await engine.waitForTraining();
    await first;
    expect(trainings[0].resume).toBeUndefined();

    const second = trainingAsked();
    runIds.push((await engine.call('training:start', { ...TINY, seed: 2 })).runId);
    expect(trainings[0].signal.aborted).toBe(true);
    await engine.waitForTraining();
    await second;
    expect(trainings[1].resume).toMatchObject({ epoch: 1, step: 125 });
    expect(Array.from(trainings[1].resume!.weights)).toEqual(new Array(8).fill(0.5));
  });

  it('after Cancel a new run is not judged; classifier:start queues every run lacking the numbers, goes on from the checkpoint and fills them in', async () => {
    await engine.call('classifier:cancel', {});
    await trainings[1].settled;
    await seen('runs:metricsUpdated', (u) => runIds.includes(u.runId) && !u.pending && /cancelled/.test(u.message ?? ''), 2);

    // The session's later runs: no training of the classifier, no pending numbers.
    const { runId: later } = await engine.call('training:start', { ...TINY, seed: 3 });
    runIds.push(later);
    await engine.waitForTraining();
    expect(of('training:done').find((d) => d.runId === later)?.pending).toBeFalsy();
    expect(trainings).toHaveLength(2);

    const third = trainingAsked();
    const { queued } = await engine.call('classifier:start', {});
    expect(queued).toBe(3);
    for (const id of runIds) expect(of('runs:metricsUpdated').some((u) => u.runId === id && u.pending)).toBe(true);
    expect((await engine.call('runs:metrics', { runId: later })).pending).toBe(true);
    await third;
    expect(trainings[2].resume).toMatchObject({ epoch: 1 });

    trainings[2].release();
    await seen('runs:metricsUpdated', (u) => runIds.includes(u.runId) && !u.pending && u.metrics.frechet !== undefined, 3);
    const runs = await engine.call('runs:list', {});
    for (const id of runIds) expect(runs.find((r) => r.id === id)?.metrics?.frechet).toBeGreaterThan(0);
    // Nothing left to judge: a second start queues nothing.
    expect(await engine.call('classifier:start', {})).toEqual({ queued: 0 });
  });

  it('refuses a payload with fields, and says when the classifier is off', async () => {
    await expect(engine.call('classifier:start', { dataset: 'local' })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    process.env.LATENT_LAB_CLASSIFIER = '0';
    const off = await Engine.create({ workspace: mkdtempSync(path.join(os.tmpdir(), 'll-clf-off-')), emit: () => undefined });
    try {
      expect(off.info().classifier).toBe(false);
      await expect(off.call('classifier:start', {})).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/LATENT_LAB_CLASSIFIER=0/) });
    } finally {
      await off.dispose();
      process.env.LATENT_LAB_CLASSIFIER = '1';
    }
    expect(engine.info().classifier).toBe(true);
  });
});
