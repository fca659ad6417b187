/**
 * A judging classifier another process trains (the app, while a CLI `train` runs on the same
 * workspace) is not resumed from its checkpoint and cancelled by the second process: the training
 * holds a lock with its pid and epoch (classifier/trainLock.ts), and the second says who trains it
 * and how far it is (report-fresh1 #6).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRef, LabError } from '../../src-shared/types';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { ClassifierStore, type ClassifierEvent, type TrainClassifierFn } from '../../src-main/engine/classifier/store';
import { ClassifierTrainingElsewhere, trainLockFile } from '../../src-main/engine/classifier/trainLock';
import { writeCheckpoint } from '../../src-main/engine/classifier/checkpoint';
import { classifierLayers, classifierTraining, CLASSIFIER_VERSION } from '../../src-main/engine/classifier/model';
import { judgeNote } from '../../src-main/cli/judge';
import { strokes } from '../fixtures/generate';
import { heldClassifierTraining } from './classifierStub';
import { runCli, stderrLines } from './cliOutput';

let tmp: string;
/** A live process whose command line reads as the app's engine (`--type=utility`), started before any lock names it. */
let app: ChildProcess;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-clf-elsewhere-'));
  app = spawn('sh', ['-c', 'sleep 300; :', '--type=utility'], { stdio: 'ignore' });
  await new Promise((r) => app.once('spawn', r));
  process.env.LATENT_LAB_CLASSIFIER = '1'; // the CLI child inherits it (the suite sets 0)
});
afterAll(() => {
  process.env.LATENT_LAB_CLASSIFIER = '0';
  app.kill();
  rmSync(tmp, { recursive: true, force: true });
});

const labelNames = ['bar', 'column', 'square'];
const data = { info: { labelNames }, shape: [28, 28, 1], inputDim: 784, train: strokes(60, 1), test: strokes(30, 2) } as unknown as LoadedDataset;
const mnist = DatasetRef.parse({ id: 'mnist' });

/** MNIST's classifier folder in `dataDir`, with the app's lock (epoch 9 of 30, 25 minutes left) and a checkpoint beside it. */
async function appTrains(dataDir: string): Promise<{ folder: string; lock: string; checkpoint: string }> {
  await fsp.mkdir(dataDir, { recursive: true });
  const store = new ClassifierStore(dataDir);
  const folder = store.folderOf((await store.identityOf(mnist))!);
  await fsp.mkdir(folder, { recursive: true });
  const checkpoint = path.join(folder, 'training-checkpoint.bin');
  await fsp.writeFile(checkpoint, 'the app’s checkpoint after epoch 8');
  const lock = trainLockFile(folder);
  await fsp.writeFile(lock, JSON.stringify({ pid: app.pid, dataset: 'mnist', epoch: 9, epochs: 30, etaSeconds: 1500 }));
  return { folder, lock, checkpoint };
}

const APP_SAYS = /the app \(pid \d+\) is training the judging classifier of mnist \(epoch 9 of 30, about 25 minutes left\)/;

describe('a classifier another process trains', () => {
  it('is not trained here: BUSY naming the app, its epoch and time left; no event, its checkpoint and lock untouched', async () => {
    const dataDir = path.join(tmp, 'store', 'datasets');
    const { lock, checkpoint } = await appTrains(dataDir);
    const [lockBefore, cpBefore] = [await fsp.readFile(lock, 'utf8'), await fsp.stat(checkpoint)];
    const events: ClassifierEvent[] = [];
    let trained = 0;
    const train: TrainClassifierFn = async () => {
      trained++;
      throw new Error('not to be called');
    };
    const store = new ClassifierStore(dataDir, (e) => events.push(e), { train });
    const err = await store.get(mnist, data).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ClassifierTrainingElsewhere);
    expect((err as LabError).code).toBe('BUSY');
    expect((err as Error).message).toMatch(APP_SAYS);
    expect(trained).toBe(0);
    expect(events).toEqual([]);
    expect(await fsp.readFile(lock, 'utf8')).toBe(lockBefore);
    expect((await fsp.stat(checkpoint)).mtimeMs).toBe(cpBefore.mtimeMs);
    await store.dispose();
  });

  it('a lock left by a process that is gone is taken over; a training holds its own lock, removed at its end', async () => {
    const dataDir = path.join(tmp, 'stale', 'datasets');
    const { lock } = await appTrains(dataDir);
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    await fsp.writeFile(lock, JSON.stringify({ pid: gone.pid, dataset: 'mnist', epoch: 3, epochs: 30 }));
    let held!: { release: () => void };
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const train: TrainClassifierFn = async (d, o) => {
      const h = heldClassifierTraining(d, o?.signal ?? new AbortController().signal);
      held = h;
      started();
      return h.result;
    };
    const store = new ClassifierStore(dataDir, () => {}, { train });
    const got = store.get(mnist, data);
    await running;
    const during = JSON.parse(await fsp.readFile(lock, 'utf8'));
    expect(during).toMatchObject({ pid: process.pid, dataset: 'mnist', epoch: 1 });
    held.release();
    expect(await got).not.toBeNull();
    expect(existsSync(lock)).toBe(false);
    await store.dispose();
  });

  it('a resumed training stopped before any progress (the CLI stops its own at once) does not say it resumed; one that goes on does', async () => {
    const dataDir = path.join(tmp, 'resume', 'datasets');
    await fsp.mkdir(dataDir, { recursive: true });
    const id = (await new ClassifierStore(dataDir).identityOf(mnist))!;
    const training = { epochs: 5 };
    const folder = new ClassifierStore(dataDir).folderOf(id);
    const owner = {
      version: CLASSIFIER_VERSION,
      dataset: { key: id.key, fingerprint: id.fingerprint },
      layers: classifierLayers(data.shape, labelNames.length),
      training: { ...classifierTraining(data.train.count), ...training },
      trainCount: data.train.count,
    };
    const four = () => new Float32Array([0.1, 0.2, 0.3, 0.4]);
    await writeCheckpoint(folder, owner, { epoch: 2, step: 10, workers: 1, weights: four(), m: four(), v: four() });
    const log: string[] = [];
    const resumes: number[] = [];
    const stopped: TrainClassifierFn = async (_d, o) => {
      resumes.push(o?.resume?.epoch ?? 0);
      throw new LabError('CANCELLED', 'classifier training cancelled');
    };
    const first = new ClassifierStore(dataDir, () => {}, { training, train: stopped, log: (l) => log.push(l) });
    await expect(first.get(mnist, data)).rejects.toThrow(/cancelled/);
    expect(resumes).toEqual([2]);
    expect(log.filter((l) => /resuming/.test(l))).toEqual([]);
    const goesOn: TrainClassifierFn = async (d, o) => {
      o?.onProgress?.({ epoch: 3, epochs: 5, batch: 1, batches: 1, loss: 1, samplesPerSecond: 100, etaSeconds: 3 });
      const h = heldClassifierTraining(d, o?.signal ?? new AbortController().signal);
      h.release();
      return h.result;
    };
    const second = new ClassifierStore(dataDir, () => {}, { training, train: goesOn, log: (l) => log.push(l) });
    await second.get(mnist, data);
    expect(log.filter((l) => /resuming/.test(l))).toEqual([expect.stringMatching(/mnist: resuming the training at epoch 3 of 5/)]);
    await first.dispose();
    await second.dispose();
  });

  it('the CLI note: replaces the app’s advice with when this run’s numbers come', () => {
    const message = new ClassifierTrainingElsewhere({ pid: 1, dataset: 'mnist', epoch: 9, epochs: 30 }).message;
    const note = judgeNote({ state: 'dropped', message }, '/ws/datasets')!;
    expect(note).toMatch(/is training the judging classifier of mnist \(epoch 9 of 30\); this run's Fréchet distance will be computed when you open it in the app \(npm start\)/);
    expect(note).not.toMatch(/Train it/);
  });

  it('CLI train while the app trains MNIST’s classifier: one note saying so, no resume of the app’s checkpoint, its lock left', async () => {
    const home = path.join(tmp, 'cli');
    const { lock, checkpoint } = await appTrains(path.join(home, 'datasets'));
    const [lockBefore, cpBefore] = [await fsp.readFile(lock, 'utf8'), await fsp.stat(checkpoint)];
    const r = await runCli(['train', '--model', 'vae', '--latent', '2', '--hidden', '16', '--epochs', '1', '--json'], { home });
    expect(r.code).toBe(0);
    const lines = stderrLines(r.stderr);
    expect(lines.filter((l) => /resuming/.test(l))).toEqual([]);
    const notes = lines.filter((l) => l.startsWith('note:'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(APP_SAYS);
    expect(notes[0]).toMatch(/this run's Fréchet distance will be computed when you open it in the app/);
    expect(notes[0]).not.toMatch(/not trained|minutes here/);
    expect(await fsp.readFile(lock, 'utf8')).toBe(lockBefore);
    expect((await fsp.stat(checkpoint)).mtimeMs).toBe(cpBefore.mtimeMs);
  }, 240_000);
});
