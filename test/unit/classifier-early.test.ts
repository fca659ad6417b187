/**
 * The judging classifier trains as soon as a labelled image dataset is chosen in the app, not
 * after its first run (tester finding 8: a newcomer waited about 8 minutes with Compare's most
 * interesting rows "pending"): on a first launch the app's `datasets:list` asks for the embedded
 * MNIST's, and data checked in the Train form (`datasets:inspect`) asks for its own, in the same
 * background queue as the runs' (classifier/queue.ts `choose`). The classifier's training is the
 * engine's test seam, a stand-in that holds until the test releases it or fails CANCELLED on its
 * abort signal (./classifierStub.ts): no timing, no sleep. "Not asked" is told by the queue going
 * idle without the stand-in being called.
 */
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import type { ClassifierQueue } from '../../src-main/engine/classifier/queue';
import { classFolders, colourPicture } from '../fixtures/datasets';
import { heldClassifierTraining } from './classifierStub';

/** One training the engine asked the stand-in for. */
interface Asked {
  labelNames: string[];
  signal: AbortSignal;
  release: () => void;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const TINY = { model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0 } as const;

let tmp: string;
/** Three class folders of glyphs: labelled images. */
let labelled: string;
/** A flat folder of pictures: one unlabelled class. */
let flat: string;
const engines: Engine[] = [];

beforeAll(async () => {
  process.env.LATENT_LAB_CLASSIFIER = '1';
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-clf-early-'));
  labelled = path.join(tmp, 'glyphs');
  await classFolders(labelled, ['bar', 'ring', 'cross'], 8);
  flat = path.join(tmp, 'photos');
  await fsp.mkdir(flat, { recursive: true });
  for (let i = 0; i < 10; i++) await fsp.writeFile(path.join(flat, `${i}.png`), await colourPicture(0, 36, i));
});

afterAll(async () => {
  for (const e of engines) await e.dispose();
  rmSync(tmp, { recursive: true, force: true });
  process.env.LATENT_LAB_CLASSIFIER = '0';
});

let n = 0;
const fresh = (what: string) => mkdtempSync(path.join(tmp, `${what}-${n++}-`));

/** An engine (fresh workspace and dataset folder unless given) whose classifier trainings are the stand-in's, recorded in `asked`. */
async function open(opts: { workspace?: string; dataDir?: string; cli?: boolean } = {}) {
  const asked: Asked[] = [];
  const events: { name: EventName; payload: unknown }[] = [];
  let wake: (() => void) | null = null;
  const engine = await Engine.create({
    workspace: opts.workspace ?? fresh('ws'),
    dataDir: opts.dataDir ?? fresh('data'),
    trainClassifier: async (data, o = {}) => {
      const signal = o.signal ?? new AbortController().signal;
      const { result, release } = heldClassifierTraining(data, signal);
      asked.push({ labelNames: [...data.labelNames], signal, release });
      wake?.();
      return result;
    },
    emit: (name, payload) => void events.push({ name, payload }),
    // The app's engine (engine-entry.ts) trains classifiers ahead; the CLI's does not.
    classifierAhead: !opts.cli,
  });
  engines.push(engine);
  const queue = (engine as unknown as { classifierQueue: ClassifierQueue }).classifierQueue;
  /** True once the stand-in was asked for its `count`-th training; false when the queue went idle before. */
  const askedFor = async (count: number): Promise<boolean> => {
    while (asked.length < count) {
      const more = new Promise<'more'>((r) => (wake = () => r('more')));
      const why = await Promise.race([more, queue.whenIdle().then(() => 'idle' as const)]);
      if (why === 'idle' && asked.length < count) return false;
    }
    return true;
  };
  const progress = () => events.filter((e) => e.name === 'classifier:progress').map((e) => e.payload as EventPayload<'classifier:progress'>);
  const of = <N extends EventName>(name: N) => events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<N>);
  return { engine, asked, askedFor, queue, progress, of };
}

const local = (p: string) => ({ dataset: { id: 'local', path: p }, perClass: 1 });

describe('on a first launch the embedded MNIST’s classifier trains before any run', () => {
  it('datasets:list asks for it with no run at all, the status bar’s progress says so; listed again, it is not asked twice; once cached, another engine asks for nothing', async () => {
    const dataDir = fresh('data');
    const a = await open({ dataDir });
    const list = await a.engine.call('datasets:list', {});
    expect(list.find((d) => d.id === 'mnist')?.available).toBe(true);
    expect(await a.askedFor(1)).toBe(true);
    expect(a.asked[0].labelNames).toEqual(DIGITS);
    expect(await a.engine.call('runs:list', {})).toEqual([]);
    expect(a.progress().at(-1)).toMatchObject({ dataset: 'mnist', state: 'training' });

    // The renderer lists the registry again (a reload): the training goes on, no second one.
    await a.engine.call('datasets:list', {});
    expect(a.asked).toHaveLength(1);
    expect(a.asked[0].signal.aborted).toBe(false);

    a.asked[0].release();
    await a.queue.whenIdle();
    expect(a.progress().at(-1)).toMatchObject({ dataset: 'mnist', state: 'done' });

    // Another engine on the same dataset folder, a workspace without runs: MNIST's classifier is cached.
    const b = await open({ dataDir });
    await b.engine.call('datasets:list', {});
    expect(await b.askedFor(1)).toBe(false);
    expect(b.progress()).toEqual([]);
  });

  it('a training start stops it; it is asked for again after that run (a run on 2-D points, which has no classifier)', async () => {
    const e = await open();
    await e.engine.call('datasets:list', {});
    expect(await e.askedFor(1)).toBe(true);
    await e.engine.call('training:start', { ...TINY, dataset: { id: 'toy-moons' } });
    // Stopped before the run's first batch, not asked again while the run trains.
    expect(e.asked[0].signal.aborted).toBe(true);
    expect(e.asked).toHaveLength(1);
    await e.engine.waitForTraining();
    expect(e.of('training:done').at(-1)).toMatchObject({ state: 'done' });
    expect(await e.askedFor(2)).toBe(true);
    expect(e.asked[1].labelNames).toEqual(DIGITS);
    e.asked[1].release();
    await e.queue.whenIdle();
    expect(e.asked).toHaveLength(2);
  });

  it('a run on MNIST that ends while it trains: pending, then its numbers from that one classifier (runs:metricsUpdated)', async () => {
    const e = await open();
    await e.engine.call('datasets:list', {});
    expect(await e.askedFor(1)).toBe(true);
    const { runId } = await e.engine.call('training:start', { ...TINY, dataset: { id: 'mnist' } });
    expect(e.asked[0].signal.aborted).toBe(true);
    await e.engine.waitForTraining();
    const done = e.of('training:done').find((d) => d.runId === runId)!;
    expect(done.pending).toBe(true);
    expect(done.metrics?.frechet).toBeUndefined();
    expect(await e.askedFor(2)).toBe(true);
    e.asked[1].release();
    await e.queue.whenIdle();
    const updated = e.of('runs:metricsUpdated').find((u) => u.runId === runId)!;
    expect(updated.pending).toBe(false);
    expect(updated.metrics.frechet).toBeGreaterThan(0);
    // The chosen dataset's turn found the classifier the run's numbers trained: not trained again.
    expect(e.asked).toHaveLength(2);
  });

  it('the user’s Cancel stops it and it is not asked again; the status bar’s Start asks for it again', async () => {
    const e = await open();
    await e.engine.call('datasets:list', {});
    expect(await e.askedFor(1)).toBe(true);
    await e.engine.call('classifier:cancel', {});
    expect(e.asked[0].signal.aborted).toBe(true);
    await e.queue.whenIdle();
    expect(e.progress().at(-1)).toMatchObject({ dataset: 'mnist', state: 'cancelled' });
    expect(e.asked).toHaveLength(1);
    // No run needs it: none is queued, but the dataset chosen last trains again.
    expect(await e.engine.call('classifier:start', {})).toEqual({ queued: 0 });
    expect(await e.askedFor(2)).toBe(true);
    expect(e.asked[1].labelNames).toEqual(DIGITS);
    e.asked[1].release();
    await e.queue.whenIdle();
  });

  it('a workspace with runs is not a first launch: datasets:list asks for nothing', async () => {
    const workspace = fresh('ws');
    const a = await open({ workspace });
    await a.engine.call('training:start', { ...TINY, dataset: { id: 'toy-moons' } });
    await a.engine.waitForTraining();
    const b = await open({ workspace });
    await b.engine.call('datasets:list', {});
    expect(await b.askedFor(1)).toBe(false);
    expect(a.asked).toHaveLength(0);
  });
});

describe('data checked in the Train form', () => {
  it('labelled images: their classifier is asked for and MNIST’s gives way; unlabelled images and 2-D points ask for nothing', async () => {
    const e = await open();
    await e.engine.call('datasets:list', {});
    expect(await e.askedFor(1)).toBe(true);

    const photos = await e.engine.call('datasets:inspect', local(flat));
    expect(photos.info.labelNames).toEqual(['unlabeled']);
    await e.engine.call('datasets:inspect', { dataset: { id: 'toy-moons' }, perClass: 1 });
    expect(e.asked).toHaveLength(1);
    expect(e.asked[0].signal.aborted).toBe(false);

    const glyphs = await e.engine.call('datasets:inspect', local(labelled));
    expect(glyphs.info.labelNames).toEqual(['bar', 'cross', 'ring']);
    expect(e.asked[0].signal.aborted).toBe(true);
    expect(await e.askedFor(2)).toBe(true);
    expect(e.asked[1].labelNames).toEqual(['bar', 'cross', 'ring']);
    expect(e.progress().at(-1)).toMatchObject({ dataset: 'glyphs', state: 'training' });
    // Checked again: the same training goes on.
    await e.engine.call('datasets:inspect', local(labelled));
    expect(e.asked[1].signal.aborted).toBe(false);
    e.asked[1].release();
    await e.queue.whenIdle();
    // MNIST's, replaced by the newer choice, is not resumed by itself (a run on it would).
    expect(e.asked).toHaveLength(2);
  });

  it('from the CLI (its engine without classifierAhead) neither a list nor an inspect trains anything', async () => {
    const e = await open({ cli: true });
    await e.engine.call('datasets:list', {});
    await e.engine.call('datasets:inspect', local(labelled));
    expect(await e.askedFor(1)).toBe(false);
    expect(e.progress()).toEqual([]);
  });

  it('LATENT_LAB_CLASSIFIER=0: neither the first launch nor a check asks for a classifier', async () => {
    process.env.LATENT_LAB_CLASSIFIER = '0';
    try {
      const e = await open();
      expect(e.engine.info().classifier).toBe(false);
      await e.engine.call('datasets:list', {});
      await e.engine.call('datasets:inspect', local(labelled));
      expect(await e.askedFor(1)).toBe(false);
      expect(e.progress()).toEqual([]);
    } finally {
      process.env.LATENT_LAB_CLASSIFIER = '1';
    }
  });
});
