/**
 * The in-app classifier training in the background as the user sees it: a run that ends with its
 * classifier metrics pending shows them as pending (not "computing…", nothing blocked), the
 * status bar's item says which dataset's classifier trains and at which epoch, with a Cancel that
 * asks the engine; `runs:metricsUpdated` fills the numbers in (or says why they will not come).
 */
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { classifierJudges, generationHint } from '../../../src-renderer/src/lib/metricHints';
import { engineWith, labError, run } from './fake-api';

const BASE = { elbo: 120, recon: 100, kl: 20, activeUnits: 2, knnAccuracy: 0.9 };

async function finishedRun() {
  const runs: RunSummary[] = [{ ...run('live', { dim: 2 }), state: 'training', epochsDone: 0 }];
  const api = engineWith(runs)
    .handle('training:start', () => ({ runId: 'live' }))
    .handle('runs:metrics', ({ runId }) => ({ ...(runs.find((r) => r.id === runId)!.metrics ?? BASE), pending: true }))
    .handle('classifier:cancel', () => ({ ok: true as const }));
  const lab = new Lab(api, null);
  lab.start();
  await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
  await lab.startTraining();
  runs[0] = { ...runs[0], state: 'done', epochsDone: 3, metrics: BASE };
  api.emit('training:done', { runId: 'live', state: 'done', metrics: BASE, pending: true });
  await vi.waitFor(() => expect(lab.runs.activeId).toBe('live'));
  return { api, lab, runs };
}

describe('classifier metrics pending', () => {
  it('a run that ends before its classifier is trained is done at once, its classifier metrics pending', async () => {
    const { api, lab } = await finishedRun();
    expect(lab.training.active).toBe(false);
    expect(lab.training.state).toBe('done');
    expect(lab.model).toMatchObject({ runId: 'live', live: false });
    expect(lab.runs.isPending('live')).toBe(true);
    // Opening it asks for its metrics (saved without the classifier's numbers): still pending.
    await vi.waitFor(() => expect(api.callsOf('runs:metrics')).toEqual([{ runId: 'live' }]));
    await vi.waitFor(() => expect(lab.runs.active?.metrics).toEqual(BASE));
    expect(lab.runs.isPending('live')).toBe(true);
    expect(lab.runs.active?.metrics).not.toHaveProperty('pending');
  });

  it('runs:metricsUpdated fills the numbers in and ends pending; a cancelled one says why', async () => {
    const { api, lab } = await finishedRun();
    await vi.waitFor(() => expect(api.callsOf('runs:metrics')).toHaveLength(1));
    api.emit('runs:metricsUpdated', { runId: 'live', metrics: { ...BASE, frechet: 12.5, classifierAccuracy: 0.98 }, pending: false });
    expect(lab.runs.isPending('live')).toBe(false);
    expect(lab.runs.active?.metrics?.frechet).toBe(12.5);
    expect(lab.training.metrics?.frechet).toBe(12.5);
    expect(lab.runs.metricsNotes.get('live')).toBeUndefined();

    // The Compare tab showing the run gets the numbers too.
    lab.compare.runA = 'live';
    lab.compare.metricsA = { ...BASE, pending: true };
    api.emit('runs:metricsUpdated', { runId: 'live', metrics: { ...BASE, frechet: 13 }, pending: false });
    expect(lab.compare.metricsA?.frechet).toBe(13);
    expect(lab.compare.metricsA?.pending).toBeUndefined();

    api.emit('runs:metricsUpdated', { runId: 'live', metrics: BASE, pending: false, message: 'the classifier’s training was cancelled' });
    expect(lab.runs.metricsNotes.get('live')).toMatch(/cancelled/);
  });
});

describe('the status bar item', () => {
  it('names the dataset and the epoch while the classifier trains, Cancel asks the engine, and it goes away at the end', async () => {
    const { api, lab } = await finishedRun();
    expect(lab.classifier.active).toBe(false);
    expect(lab.classifier.label).toBe('');
    api.emit('classifier:progress', { dataset: 'mnist', state: 'training' });
    expect(lab.classifier.active).toBe(true);
    expect(lab.classifier.label).toBe('training the judging classifier for mnist: starting');
    api.emit('classifier:progress', { dataset: 'mnist', state: 'training', epoch: 3, epochs: 30, batch: 10, batches: 50, etaSeconds: 100 });
    expect(lab.classifier.label).toBe('training the judging classifier for mnist: epoch 3/30');

    await lab.classifier.cancel();
    expect(api.callsOf('classifier:cancel')).toEqual([{}]);
    expect(lab.classifier.cancelling).toBe(true);
    await lab.classifier.cancel(); // a second click while it is cancelling sends nothing more
    expect(api.callsOf('classifier:cancel')).toHaveLength(1);
    api.emit('classifier:progress', { dataset: 'mnist', state: 'cancelled', message: 'cancelled' });
    expect(lab.classifier.active).toBe(false);
    expect(lab.classifier.cancelling).toBe(false);
    expect(lab.classifier.note).toBeNull();

    api.emit('classifier:progress', { dataset: 'mnist', state: 'training', epoch: 1, epochs: 30 });
    api.emit('classifier:progress', { dataset: 'mnist', state: 'error', message: 'workers unavailable' });
    expect(lab.classifier.active).toBe(false);
    expect(lab.classifier.note).toMatch(/workers unavailable/);
  });
});

describe('starting the classifier again', () => {
  it('after Cancel the status bar says it is off and Start asks the engine to queue the runs lacking its numbers; the runs show pending again', async () => {
    const { api, lab } = await finishedRun();
    api.handle('classifier:start', () => {
      // The engine queues the run and says so (classifier/queue.ts `start`).
      api.emit('runs:metricsUpdated', { runId: 'live', metrics: BASE, pending: true });
      return { queued: 1 };
    });
    api.emit('classifier:progress', { dataset: 'mnist', state: 'training', epoch: 2, epochs: 30 });
    await lab.classifier.cancel();
    api.emit('classifier:progress', { dataset: 'mnist', state: 'cancelled' });
    api.emit('runs:metricsUpdated', { runId: 'live', metrics: BASE, pending: false, message: 'the classifier’s training was cancelled' });
    expect(lab.classifier.stopped).toBe(true);
    expect(lab.runs.isPending('live')).toBe(false);
    lab.compare.runA = 'live';
    lab.compare.metricsA = { ...BASE };

    await lab.classifier.start();
    expect(lab.compare.metricsA?.pending).toBe(true);
    expect(api.callsOf('classifier:start')).toEqual([{}]);
    expect(lab.classifier.stopped).toBe(false);
    expect(lab.classifier.note).toBeNull();
    expect(lab.runs.isPending('live')).toBe(true);
    expect(lab.runs.metricsNotes.get('live')).toBeUndefined();
    // Its training reports again (from the checkpoint's next epoch).
    api.emit('classifier:progress', { dataset: 'mnist', state: 'training', epoch: 3, epochs: 30 });
    expect(lab.classifier.label).toBe('training the judging classifier for mnist: epoch 3/30');
  });

  it('a start with nothing to judge says so; one the engine refuses (classifier off) shows the reason', async () => {
    const { api, lab } = await finishedRun();
    api.handle('classifier:start', () => ({ queued: 0 }));
    await lab.classifier.start();
    expect(lab.classifier.note).toMatch(/No run needs the judging classifier/);
    api.handle('classifier:start', () => {
      throw labError('UNSUPPORTED', 'the in-app classifier is off (LATENT_LAB_CLASSIFIER=0)');
    });
    await lab.classifier.start();
    expect(lab.classifier.note).toMatch(/LATENT_LAB_CLASSIFIER=0/);
    expect(lab.classifier.starting).toBe(false);
  });

  it('a failed training can be started again', async () => {
    const { api, lab } = await finishedRun();
    api.emit('classifier:progress', { dataset: 'mnist', state: 'error', message: 'workers unavailable' });
    expect(lab.classifier.failed).toBe(true);
    api.handle('classifier:start', () => ({ queued: 1 }));
    await lab.classifier.start();
    expect(lab.classifier.failed).toBe(false);
  });
});

describe('the summary hints', () => {
  it('the classifier judges square 28/32/64 px images with labels only', () => {
    expect(classifierJudges([28, 28, 1], 10)).toBe(true);
    expect(classifierJudges([32, 32, 3], 2)).toBe(true);
    expect(classifierJudges([2], 2)).toBe(false);
    expect(classifierJudges([28, 28, 1], 1)).toBe(false);
    expect(classifierJudges([48, 48, 1], 10)).toBe(false);
    expect(classifierJudges(undefined, 10)).toBe(false);
  });

  it('a CVAE below 80 % generation accuracy gets the hint, only when the number exists', () => {
    expect(generationHint('cvae', 0.62)).toBe('Only 62 % of generated images show the label they were asked for: more epochs or a larger latent usually helps.');
    expect(generationHint('cvae', 0.8)).toBeNull();
    expect(generationHint('cvae', undefined)).toBeNull();
    expect(generationHint('vae', 0.1)).toBeNull();
  });
});
