/**
 * `train` prints the in-app classifier's numbers (Fréchet distance, reconstructions recognised):
 * with the dataset's judging classifier cached in the workspace it waits for them (they are
 * computed after the run's end) and prints them; without it, it says why they are missing and how
 * to get them, instead of starting a many-minute training; the wait is bounded. The cached
 * classifier is an untrained stand-in (./classifierStub.ts) saved by an in-process engine: the
 * numbers' values are not the point, their presence in the output and in the run's record (config.json) is.
 */
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import type { ClassifierData } from '../../src-main/engine/classifier/classifier';
import { JudgeWatch, judgeNote } from '../../src-main/cli/judge';
import type { Metrics } from '../../src-shared/types';
import { heldClassifierTraining } from './classifierStub';
import { runCli, stderrLines } from './cliOutput';

const TRAIN = ['train', '--model', 'vae', '--latent', '2', '--hidden', '16', '--epochs', '1', '--json'];
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-cli-judge-'));
  process.env.LATENT_LAB_CLASSIFIER = '1'; // the CLI children inherit it (the suite sets 0)
});
afterAll(() => {
  process.env.LATENT_LAB_CLASSIFIER = '0';
  rmSync(tmp, { recursive: true, force: true });
});

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

describe('train and the judging classifier', () => {
  it('a fresh workspace: the numbers are missing, a note says why and how to get them, no classifier is trained', async () => {
    const home = path.join(tmp, 'fresh');
    const r = await runCli(TRAIN, { home });
    expect(r.code).toBe(0);
    const out = lastJson(r.stdout);
    expect(out.state).toBe('done');
    expect(out.test.elbo).toBeGreaterThan(0);
    expect(out.test.frechet).toBeUndefined();
    const notes = stderrLines(r.stderr).filter((l) => l.startsWith('note:'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/no Fréchet distance or recognised share.*judging classifier of mnist is not trained.*npm start/);
    // No time promised (it depends on the load: 42 minutes on a tester's busy machine against "6–12"): its epochs and images.
    expect(notes[0]).toMatch(/it trains once per dataset, \d+ epochs over its [\d,]+ training images; the app shows the time left while it trains/);
    expect(notes[0]).not.toMatch(/minute/);
    // Its training was stopped, not left half-done in the cache as a classifier.
    const clfDir = path.join(home, 'datasets', 'classifiers');
    const saved = existsSync(clfDir) ? (await fs.readdir(clfDir)).filter((d) => existsSync(path.join(clfDir, d, 'classifier.json'))) : [];
    expect(saved).toEqual([]);
  });

  it('a cached classifier: train waits for the numbers and prints them; the run’s record has them too', async () => {
    const home = path.join(tmp, 'cached');
    // An in-process engine on the same workspace caches a stand-in classifier for MNIST.
    let done!: () => void;
    const judged = new Promise<void>((r) => (done = r));
    const engine = await Engine.create({
      workspace: home,
      trainClassifier: (data: ClassifierData, opts: { signal?: AbortSignal } = {}) => {
        const t = heldClassifierTraining(data, opts.signal ?? new AbortController().signal);
        t.release();
        return t.result;
      },
      emit: (name, payload) => {
        if (name === 'runs:metricsUpdated' && !(payload as { pending: boolean }).pending) done();
      },
    });
    try {
      await engine.call('training:start', { dataset: { id: 'mnist' }, model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1 });
      await engine.waitForTraining();
      await judged;
    } finally {
      await engine.dispose();
    }

    const out = path.join(tmp, 'cached-run');
    const r = await runCli([...TRAIN, '--out', out], { home });
    expect(stderrLines(r.stderr).filter((l) => l.startsWith('note:'))).toEqual([]);
    expect(r.code).toBe(0);
    const test = lastJson(r.stdout).test;
    expect(test.frechet).toBeGreaterThan(0);
    expect(test.reconAccuracy).toBeGreaterThanOrEqual(0);
    expect(test.reconAccuracy).toBeLessThanOrEqual(1);
    const rec = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(rec.metrics.frechet).toBe(test.frechet);
    expect(rec.metrics.reconAccuracy).toBe(test.reconAccuracy);
  });
});

describe('JudgeWatch: what became of a run’s classifier numbers', () => {
  const base: Metrics = { elbo: 100, recon: 90, kl: 10, activeUnits: 2, knnAccuracy: 0.5 };

  it('none when the run’s end did not queue them; done with the numbers; dropped with the engine’s reason', async () => {
    const w = new JudgeWatch();
    w.onEvent('training:done', { runId: 'a', state: 'done', metrics: base });
    expect(await w.wait('a', 60_000)).toEqual({ state: 'none' });

    w.onEvent('training:done', { runId: 'b', state: 'done', metrics: base, pending: true });
    const waiting = w.wait('b', 60_000);
    w.onEvent('runs:metricsUpdated', { runId: 'b', metrics: { ...base, frechet: 12, reconAccuracy: 0.9 }, pending: false });
    expect(await waiting).toEqual({ state: 'done', metrics: { ...base, frechet: 12, reconAccuracy: 0.9 } });

    w.onEvent('training:done', { runId: 'c', state: 'done', metrics: base, pending: true });
    w.onEvent('runs:metricsUpdated', { runId: 'c', metrics: base, pending: false, message: 'the classifier’s training was cancelled' });
    expect(await w.wait('c', 60_000)).toEqual({ state: 'dropped', message: 'the classifier’s training was cancelled' });
  });

  it('untrained as soon as the classifier starts training; timeout after the bound, never forever', async () => {
    const w = new JudgeWatch();
    w.onEvent('training:done', { runId: 'a', state: 'done', metrics: base, pending: true });
    const waiting = w.wait('a', 60_000);
    w.onEvent('classifier:progress', { dataset: 'mnist', state: 'training' });
    expect(await waiting).toEqual({ state: 'untrained', dataset: 'mnist' });

    const quiet = new JudgeWatch();
    quiet.onEvent('training:done', { runId: 'a', state: 'done', metrics: base, pending: true });
    const r = await quiet.wait('a', 50);
    expect(r.state).toBe('timeout');
  });

  it('the untrained note gives the dataset\'s epochs and images, no fixed time (none measured here), and nothing made up without the data', () => {
    const j = { state: 'untrained', dataset: 'local' } as const;
    const small = judgeNote(j, '/ws/datasets', { trainCount: 144, shape: [28, 28, 1] })!;
    expect(small).toMatch(/it trains once per dataset, \d+ epochs over its 144 training images; the app shows the time left/);
    const mnist = judgeNote(j, '/ws/datasets', { trainCount: 8000, shape: [28, 28, 1] })!;
    expect(mnist).toContain('30 epochs over its 8,000 training images');
    expect(mnist).not.toMatch(/\d+–\d+ minutes/);
    const unknown = judgeNote(j, '/ws/datasets')!;
    expect(unknown).toContain('it trains once per dataset; the app shows the time left while it trains');
  });

  it('Ctrl-C during the wait ends it at once (not after the 5-minute bound), and the note says so', async () => {
    const w = new JudgeWatch();
    w.onEvent('training:done', { runId: 'a', state: 'done', metrics: base, pending: true });
    const waiting = w.wait('a', 60 * 60_000);
    w.cancel();
    const r = await waiting;
    expect(r).toEqual({ state: 'cancelled' });
    expect(judgeNote(r, '/ws/datasets')).toMatch(/not waited for \(Ctrl-C\)/);
    // A later wait does not hang either.
    w.onEvent('training:done', { runId: 'b', state: 'done', metrics: base, pending: true });
    expect(await w.wait('b', 60 * 60_000)).toEqual({ state: 'cancelled' });
  });
});
