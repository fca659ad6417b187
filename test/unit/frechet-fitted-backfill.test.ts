/**
 * `Metrics.frechetFitted` through the engine's classifier queue: a run's end brings it with the
 * classifier's other numbers, and a run saved before fitted priors (no `fittedPrior`, metrics
 * without `frechetFitted`) gets both when its metrics are asked for: its prior fitted from its
 * data and saved, the number added. The classifier's training is the engine's test seam (an
 * untrained classifier, released at once): no CNN training.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import type { ClassifierData } from '../../src-main/engine/classifier/classifier';
import { FittedPrior } from '../../src-main/engine/fittedPrior';
import { heldClassifierTraining } from './classifierStub';

let ws: string;
const engines: Engine[] = [];
const waiters: Array<{ name: EventName; match: (p: unknown) => boolean; done: (p: unknown) => void }> = [];
function next<N extends EventName>(name: N, match: (p: EventPayload<N>) => boolean): Promise<EventPayload<N>> {
  return new Promise((done) => waiters.push({ name, match: match as (p: unknown) => boolean, done: done as (p: unknown) => void }));
}

async function make(): Promise<Engine> {
  const e = await Engine.create({
    workspace: ws,
    trainClassifier: (data: ClassifierData, opts: { signal?: AbortSignal } = {}) => {
      const { result, release } = heldClassifierTraining(data, opts.signal ?? new AbortController().signal);
      release();
      return result;
    },
    emit: (name, payload) => {
      for (const w of [...waiters]) {
        if (w.name === name && w.match(payload)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(payload);
        }
      }
    },
  });
  engines.push(e);
  return e;
}

const configFile = (runId: string) => path.join(ws, 'runs', runId, 'config.json');

beforeAll(() => {
  process.env.LATENT_LAB_CLASSIFIER = '1';
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-frechet-backfill-'));
});

afterAll(async () => {
  for (const e of engines) await e.dispose();
  rmSync(ws, { recursive: true, force: true });
  process.env.LATENT_LAB_CLASSIFIER = '0';
});

describe('frechetFitted in the classifier queue', () => {
  it("comes with a run's classifier numbers, and is backfilled (prior fitted and saved) for a run saved before it", async () => {
    const engine = await make();
    const { runId } = await engine.call('training:start', { dataset: { id: 'mnist' }, model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0 });
    const judged = next('runs:metricsUpdated', (u) => u.runId === runId && !u.pending);
    await engine.waitForTraining();
    const first = (await judged).metrics;
    expect(Number.isFinite(first.frechet)).toBe(true);
    expect(Number.isFinite(first.frechetFitted)).toBe(true);
    await engine.dispose();

    // As a run saved before fitted priors: no prior, no frechetFitted.
    const rec = JSON.parse(await fs.readFile(configFile(runId), 'utf8'));
    delete rec.fittedPrior;
    delete rec.metrics.frechetFitted;
    await fs.writeFile(configFile(runId), JSON.stringify(rec));

    const later = await make();
    const backfilled = next('runs:metricsUpdated', (u) => u.runId === runId && !u.pending);
    const asked = await later.call('runs:metrics', { runId });
    expect(asked.pending).toBe(true);
    const m = (await backfilled).metrics;
    // The same weights, seed and classifier: the same numbers as at the run's end.
    expect(m.frechetFitted).toBe(first.frechetFitted);
    expect(m.frechet).toBe(first.frechet);
    const saved = JSON.parse(await fs.readFile(configFile(runId), 'utf8'));
    expect(saved.metrics.frechetFitted).toBe(first.frechetFitted);
    expect(FittedPrior.parse(saved.fittedPrior).mixtures[0]!.dim).toBe(2);
    // Now complete: asking again queues nothing.
    expect((await later.call('runs:metrics', { runId })).pending).toBeUndefined();
  }, 300_000);
});
