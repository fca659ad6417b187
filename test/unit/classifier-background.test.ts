/**
 * A run's end never waits for the in-app classifier's training (a newcomer's first run used to
 * sit on "computing test metrics…" for 20+ minutes): `training:done` comes with the base metrics
 * and `pending`, `runs:metrics` answers at once with `pending`, the classifier trains in the
 * background and the run's record gets its numbers afterwards with `runs:metricsUpdated`; a new
 * training start stops that training (the queue resumes after the run), `classifier:cancel`
 * drops it. The classifier's training is a stand-in (the engine's test seam) that finishes only
 * when the test says so, or fails CANCELLED on its abort signal: no timing, no sleep.
 * Also: a completed run's saved ELBO equals a fresh evaluation on its final weights (the end
 * reuses the last epoch's validation instead of a second pass); a stop while the end's metrics
 * are computed ends them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import { Classifier, type ClassifierData } from '../../src-main/engine/classifier/classifier';
import { heldClassifierTraining } from './classifierStub';
import { evaluate } from '../../src-main/engine/metrics';
import type { RunCache } from '../../src-main/engine/runCache';

/** One pending stand-in training: `release()` finishes it with an untrained classifier. */
interface StubTraining {
  signal: AbortSignal;
  release: () => void;
  settled: Promise<unknown>;
}

const trainings: StubTraining[] = [];
/** Resolves the next time the stand-in is asked to train. */
let onTrain: (() => void) | null = null;

async function stubTrain(data: ClassifierData, opts: { signal?: AbortSignal } = {}): Promise<Classifier> {
  const signal = opts.signal ?? new AbortController().signal;
  const { result, release } = heldClassifierTraining(data, signal);
  trainings.push({ signal, release, settled: result.catch(() => undefined) });
  onTrain?.();
  return result;
}

let ws: string;
let engine: Engine;
const events: { name: EventName; payload: unknown }[] = [];
const of = <N extends EventName>(name: N) => events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<N>);
/** Resolves at the next event `name` for which `match` holds (checked as events arrive). */
const waiters: Array<{ name: EventName; match: (p: unknown) => boolean; done: (p: unknown) => void }> = [];
function next<N extends EventName>(name: N, match: (p: EventPayload<N>) => boolean = () => true): Promise<EventPayload<N>> {
  return new Promise((done) => waiters.push({ name, match: match as (p: unknown) => boolean, done: done as (p: unknown) => void }));
}
const trainingAsked = () => new Promise<void>((r) => (onTrain = r));

const TINY = { dataset: { id: 'mnist' }, model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0 } as const;

beforeAll(async () => {
  process.env.LATENT_LAB_CLASSIFIER = '1';
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-clf-bg-'));
  engine = await Engine.create({
    workspace: ws,
    trainClassifier: stubTrain,
    emit: (name, payload) => {
      events.push({ name, payload });
      for (const w of [...waiters]) {
        if (w.name === name && w.match(payload)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(payload);
        }
      }
    },
  });
});

afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
  process.env.LATENT_LAB_CLASSIFIER = '0';
});

describe('the classifier in the background', () => {
  let firstRun: string;

  it('training:done comes with the base metrics while the classifier has not finished training; runs:metrics answers at once', async () => {
    const asked = trainingAsked();
    const { runId } = await engine.call('training:start', TINY);
    firstRun = runId;
    // Resolves only if the run's end does not wait for the classifier (which never finishes by itself).
    await engine.waitForTraining();
    const done = of('training:done').find((d) => d.runId === runId)!;
    expect(done.state).toBe('done');
    expect(done.metrics?.elbo).toBeGreaterThan(0);
    expect(done.metrics?.frechet).toBeUndefined();
    expect(done.pending).toBe(true);
    await asked; // the classifier training started after the run's end
    expect(trainings).toHaveLength(1);
    expect(of('classifier:progress').at(-1)).toMatchObject({ state: 'training', dataset: 'mnist' });

    const m = await engine.call('runs:metrics', { runId });
    expect(m.pending).toBe(true);
    expect(m.frechet).toBeUndefined();
    expect(m.elbo).toBe(done.metrics!.elbo);
    expect(trainings).toHaveLength(1); // queued once, not a second training
  });

  it('the record gets the classifier numbers when its training ends, with runs:metricsUpdated', async () => {
    const updated = next('runs:metricsUpdated', (u) => u.runId === firstRun);
    trainings[0].release();
    const u = await updated;
    expect(u.pending).toBe(false);
    expect(u.metrics.frechet).toBeGreaterThan(0);
    expect(u.metrics.classifierAccuracy).toBeGreaterThanOrEqual(0);
    expect(u.metrics.elbo).toBe(of('training:done').find((d) => d.runId === firstRun)!.metrics!.elbo);
    const saved = (await engine.call('runs:list', {})).find((r) => r.id === firstRun)!;
    expect(saved.metrics?.frechet).toBe(u.metrics.frechet);
    const m = await engine.call('runs:metrics', { runId: firstRun });
    expect(m.pending).toBeUndefined();
    expect(m.frechet).toBe(u.metrics.frechet);
  });

  it('a completed run keeps the ELBO a fresh evaluation of its final weights gives', async () => {
    const lr = await (engine as unknown as { runs: RunCache }).runs.get(firstRun);
    const fresh = await evaluate(lr.bundle, lr.data.test, { seed: lr.rec.config.seed });
    expect(lr.rec.metrics!.elbo).toBe(fresh.recon + fresh.kl);
    expect(lr.rec.metrics!.recon).toBe(fresh.recon);
  });
});

describe('training comes first', () => {
  it('training:start stops the background classifier training; it starts again after that run', async () => {
    // A new dataset identity needs a new classifier: clear the cached one by using another workspace's data dir.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'll-clf-bg-data-'));
    const local: { name: EventName; payload: unknown }[] = [];
    let askedAgain: (() => void) | null = null;
    const seen: StubTraining[] = [];
    const e = await Engine.create({
      workspace: mkdtempSync(path.join(os.tmpdir(), 'll-clf-bg2-')),
      dataDir,
      trainClassifier: async (d, o) => {
        const p = stubTrain(d, o);
        seen.push(trainings.at(-1)!);
        askedAgain?.();
        return p;
      },
      emit: (name, payload) => void local.push({ name, payload }),
    });
    try {
      const firstAsked = new Promise<void>((r) => (askedAgain = r));
      const { runId: a } = await e.call('training:start', TINY);
      await e.waitForTraining();
      await firstAsked;
      expect(seen).toHaveLength(1);
      expect(seen[0].signal.aborted).toBe(false);

      const secondAsked = new Promise<void>((r) => (askedAgain = r));
      const { runId: b } = await e.call('training:start', { ...TINY, seed: 2 });
      // The start stopped the classifier training before the new run's first batch.
      expect(seen[0].signal.aborted).toBe(true);
      const m = await e.call('runs:metrics', { runId: a });
      expect(m.pending).toBe(true); // still queued, not dropped
      await e.waitForTraining();
      expect(local.some((x) => x.name === 'runs:metricsUpdated')).toBe(false);
      await secondAsked; // resumed after run b's end
      expect(seen).toHaveLength(2);
      const done = local.filter((x) => x.name === 'training:done').map((x) => x.payload as EventPayload<'training:done'>);
      expect(done.find((d) => d.runId === b)?.pending).toBe(true);

      seen[1].release();
      await e.waitForTraining();
      // Both runs get their numbers from the one classifier.
      const updatedIds = async () => local.filter((x) => x.name === 'runs:metricsUpdated').map((x) => (x.payload as EventPayload<'runs:metricsUpdated'>).runId);
      await new Promise<void>((resolve) => {
        const check = async () => ((await updatedIds()).length >= 2 ? resolve() : setImmediate(() => void check()));
        void check();
      });
      expect((await updatedIds()).sort()).toEqual([a, b].sort());
      const runs = await e.call('runs:list', {});
      for (const id of [a, b]) expect(runs.find((r) => r.id === id)?.metrics?.frechet).toBeGreaterThan(0);
    } finally {
      await e.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('classifier:cancel drops the queue: the run says its numbers will not come, and is not queued again', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'll-clf-bg-data-'));
    const local: { name: EventName; payload: unknown }[] = [];
    let asked: (() => void) | null = null;
    const e = await Engine.create({
      workspace: mkdtempSync(path.join(os.tmpdir(), 'll-clf-bg3-')),
      dataDir,
      trainClassifier: async (d, o) => {
        const p = stubTrain(d, o);
        asked?.();
        return p;
      },
      emit: (name, payload) => void local.push({ name, payload }),
    });
    try {
      const firstAsked = new Promise<void>((r) => (asked = r));
      const { runId } = await e.call('training:start', TINY);
      await e.waitForTraining();
      await firstAsked;
      const stub = trainings.at(-1)!;
      await e.call('classifier:cancel', {});
      expect(stub.signal.aborted).toBe(true);
      await stub.settled;
      const updated = () => local.find((x) => x.name === 'runs:metricsUpdated')?.payload as EventPayload<'runs:metricsUpdated'> | undefined;
      await new Promise<void>((resolve) => {
        const check = () => (updated() ? resolve() : setImmediate(check));
        check();
      });
      expect(updated()).toMatchObject({ runId, pending: false });
      expect(updated()!.message).toMatch(/cancelled/);
      const m = await e.call('runs:metrics', { runId });
      expect(m.pending).toBeUndefined();
      expect(m.frechet).toBeUndefined();
    } finally {
      await e.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a stop during the end', () => {
  it('ends the metrics pass: the run is done without metrics at once, and runs:metrics computes them when asked', async () => {
    // The trainer's job (private): `ended` is set when its training loop is over.
    const trainer = (engine as unknown as { trainer: { job: { ended: boolean } | null } }).trainer;
    const { runId } = await engine.call('training:start', { ...TINY, seed: 5 });
    // The loop is over and the end's passes (many event-loop turns) have begun: stop now.
    await new Promise<void>((resolve) => {
      const check = () => (trainer.job?.ended ? resolve() : setImmediate(check));
      check();
    });
    const stopped = await engine.call('training:stop', {});
    expect(stopped.state).toBe('done');
    const done = of('training:done').find((d) => d.runId === runId)!;
    expect(done).toMatchObject({ state: 'done', metrics: null });
    expect(done.error).toBeUndefined();
    const m = await engine.call('runs:metrics', { runId });
    expect(m.elbo).toBeGreaterThan(0);
    expect((await engine.call('runs:list', {})).find((r) => r.id === runId)?.metrics?.elbo).toBe(m.elbo);
  });
});
