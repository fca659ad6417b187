/**
 * Training as the Train panel shows it, driven by the engine's events: start, progress and the
 * loss curves, pause and resume, the end of a run (and opening it), failures and engine crashes,
 * and re-attaching to a run after a reload.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EventPayload } from '../../../src-shared/contract';
import type { RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { LossHistory, formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { batch, engineWith, labError, run } from './fake-api';

type Progress = EventPayload<'training:progress'>;

function progress(runId: string, epoch: number, batchNo: number, extra: Partial<Progress> = {}): Progress {
  return {
    runId,
    state: 'training',
    epoch,
    epochs: 4,
    batch: batchNo,
    batches: 10,
    samplesPerSecond: 1000,
    etaSeconds: 5,
    train: { loss: 200 - epoch * 10 - batchNo, recon: 180, kl: 20 - epoch },
    beta: 1,
    ...extra,
  };
}

/** A lab whose engine starts run `live` and lists it (training, then done) among saved runs. */
async function training() {
  const runs: RunSummary[] = [{ ...run('live', { dim: 2 }), state: 'training', epochsDone: 0 }];
  const api = engineWith(runs)
    .handle('training:start', () => ({ runId: 'live' }))
    .handle('training:pause', () => ({ state: 'paused' }))
    .handle('training:resume', () => ({ state: 'training' }))
    .handle('training:stop', () => ({ state: 'cancelled' }));
  const lab = new Lab(api, null);
  const stop = lab.start();
  await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
  lab.settings.train.kind = 'cvae';
  lab.settings.train.latentDim = 2;
  lab.settings.train.epochs = 4;
  await lab.startTraining();
  return { api, lab, runs, stop };
}

describe('a training run', () => {
  it('Train sends the form as a config and the panel goes live', async () => {
    const { api, lab } = await training();
    expect(api.callsOf('training:start')).toEqual([formToConfig(lab.settings.train)]);
    expect(api.callsOf('training:start')[0]).toMatchObject({ model: { kind: 'cvae', latentDim: 2, beta: 1 }, epochs: 4 });
    expect(lab.training.state).toBe('training');
    expect(lab.training.runId).toBe('live');
    expect(lab.training.percent).toBe(0);
    expect(lab.model).toMatchObject({ runId: 'live', kind: 'cvae', live: true });
  });

  it('what the engine adjusted at the start (a clamped batch) is kept for the panel, and cleared by the next start', async () => {
    const { api, lab } = await training();
    expect(lab.training.startWarnings).toEqual([]);
    api.handle('training:start', () => ({ runId: 'live', warnings: ['batch size 256 is larger than the 40 training images: using 40'] }));
    lab.training.state = 'done';
    await lab.startTraining();
    expect(lab.training.startWarnings).toEqual(['batch size 256 is larger than the 40 training images: using 40']);
  });

  it('the start notices stay shown after the run ends (a 20-step run is over in seconds); an opened saved run shows its own', async () => {
    const { api, lab } = await training();
    const notices = ['batch size 256 is larger than the training set (72 examples): clamped to 72, one batch per epoch', 'this run takes only 20 optimiser steps in all'];
    api.handle('training:start', () => ({ runId: 'live', warnings: notices }));
    lab.training.state = 'done'; // the helper's first run has ended
    await lab.startTraining();
    expect(lab.training.shownWarnings(null)).toEqual(notices);
    api.emit('training:done', { runId: 'live', state: 'done', metrics: null });
    expect(lab.training.state).toBe('done');
    expect(lab.training.shownWarnings(null)).toEqual(notices);
    expect(lab.training.shownWarnings({ ...run('old'), warnings: ['an older notice'] })).toEqual(['an older notice']);
    expect(lab.training.shownWarnings(run('old'))).toEqual([]);
    // A start the engine refuses shows its error, not the last run's notices.
    api.handle('training:start', () => {
      throw labError('BAD_DATASET', 'no images');
    });
    await lab.startTraining();
    expect(lab.training.state).toBe('error');
    expect(lab.training.shownWarnings(null)).toEqual([]);
  });

  it('progress events move the bar and the loss curves; another run’s events are ignored', async () => {
    const { api, lab } = await training();
    api.emit('training:progress', progress('live', 1, 5));
    expect(lab.training.percent).toBeCloseTo(12.5);
    api.emit('training:progress', progress('live', 2, 10, { val: { loss: 150, recon: 140, kl: 10 } }));
    expect(lab.training.percent).toBeCloseTo(50);
    expect(lab.training.history.x).toEqual([0.5, 2]);
    expect(lab.training.history.valLoss).toEqual([null, 150]);
    api.emit('training:progress', progress('someone-else', 4, 10));
    expect(lab.training.percent).toBeCloseTo(50);
    expect(lab.training.history.x).toHaveLength(2);
  });

  it('live latent snapshots reach the scatter; another run’s do not', async () => {
    const { api, lab } = await training();
    api.emit('training:latents', { ...batch(12, 2), runId: 'live', epoch: 1 });
    await vi.waitFor(() => expect(lab.scatter.count).toBe(12));
    expect(lab.scatter.source).toMatchObject({ runId: 'live', live: true, epoch: 1 });
    api.emit('training:latents', { ...batch(30, 2), runId: 'other', epoch: 2 });
    expect(lab.scatter.count).toBe(12);
  });

  it('pause and resume follow the engine’s answer', async () => {
    const { api, lab } = await training();
    await lab.training.pause();
    expect(lab.training.state).toBe('paused');
    expect(lab.training.active).toBe(true);
    await lab.training.resume();
    expect(lab.training.state).toBe('training');
    expect(api.callsOf('training:pause')).toHaveLength(1);
  });

  it('the end of the run: done at 100 %, metrics kept, and the finished run is opened', async () => {
    const { api, lab, runs } = await training();
    api.emit('training:progress', progress('live', 4, 10));
    runs[0] = { ...runs[0], state: 'done', epochsDone: 4 };
    const metrics = { elbo: 120, recon: 100, kl: 20, activeUnits: 2, knnAccuracy: 0.9 };
    api.emit('training:done', { runId: 'live', state: 'done', metrics });
    expect(lab.training.state).toBe('done');
    expect(lab.training.uiState).toBe('done');
    expect(lab.training.percent).toBe(100);
    expect(lab.training.metrics).toEqual(metrics);
    await vi.waitFor(() => expect(lab.runs.activeId).toBe('live'));
    expect(lab.model).toMatchObject({ runId: 'live', live: false });
    expect(lab.settings.lastRunId).toBe('live');
  });

  it('a stop shows as done (“Stopped”), not as an error', async () => {
    const { api, lab } = await training();
    await lab.training.stop();
    api.emit('training:done', { runId: 'live', state: 'cancelled', metrics: null });
    expect(lab.training.state).toBe('cancelled');
    expect(lab.training.uiState).toBe('done');
    expect(lab.training.active).toBe(false);
  });

  it('training:done landing while a pause is answered does not bring the run back to life', async () => {
    const { api, lab } = await training();
    let answer!: (v: { state: 'paused' }) => void;
    api.handle('training:pause', () => new Promise((r) => (answer = r)));
    const pausing = lab.training.pause();
    api.emit('training:done', { runId: 'live', state: 'done', metrics: null });
    answer({ state: 'paused' });
    await pausing;
    expect(lab.training.state).toBe('done');
  });

  it('a run that fails: error state, its message, and a toast', async () => {
    const { api, lab } = await training();
    api.emit('training:done', { runId: 'live', state: 'error', metrics: null, error: { code: 'DIVERGED', message: 'loss became NaN at epoch 2' } });
    expect(lab.training.uiState).toBe('error');
    expect(lab.training.error).toBe('loss became NaN at epoch 2');
    expect(lab.toasts.items.at(-1)).toMatchObject({ kind: 'error', text: 'Training failed: loss became NaN at epoch 2' });
  });

  it('the engine crashing mid-run ends the run in error, and the status bar shows it', async () => {
    const { api, lab } = await training();
    api.emit('engine:state', { state: 'crashed', message: 'engine exited with code 9' });
    expect(lab.engine.state).toBe('crashed');
    expect(lab.engine.message).toBe('engine exited with code 9');
    expect(lab.training.state).toBe('error');
    expect(lab.training.error).toBe('The engine stopped while training.');
  });

  it('a refused start: error state and a toast; nothing else changes', async () => {
    const api = engineWith([]).handle('training:start', () => {
      throw labError('BAD_DATASET', 'the folder has no images');
    });
    const lab = new Lab(api, null);
    await lab.startTraining();
    expect(lab.training.state).toBe('error');
    expect(lab.training.runId).toBeNull();
    expect(lab.toasts.items.at(-1)?.text).toBe('the folder has no images');
  });

  it('a refused start after a finished run drops that run\'s live loss numbers (the panel shows it as a saved run)', async () => {
    const { api, lab } = await training();
    api.emit('training:progress', progress('live', 4, 10));
    api.emit('training:done', { runId: 'live', state: 'done', metrics: null });
    expect(lab.training.progress).not.toBeNull();
    api.handle('training:start', () => {
      throw labError('BAD_DATASET', 'found no images in /data/noimages');
    });
    await lab.startTraining();
    expect(lab.training.state).toBe('error');
    expect(lab.training.error).toBe('found no images in /data/noimages');
    expect(lab.training.progress).toBeNull();
    expect(lab.training.runId).toBeNull();
    expect(lab.training.metrics).toBeNull();
  });

  it('after a reload, a run still training is picked up from training:status', async () => {
    const api = engineWith([run('bg')]).handle('training:status', () => progress('bg', 3, 2, { state: 'paused' }));
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.training.runId).toBe('bg'));
    expect(lab.training.state).toBe('paused');
    expect(lab.training.active).toBe(true);
  });

  it('the Stop menu command stops a running training', async () => {
    const { api, lab } = await training();
    api.menu({ command: 'stopTraining' });
    await vi.waitFor(() => expect(lab.training.state).toBe('cancelled'));
  });
});

describe('loss history', () => {
  it('drops stale events, adds the validation of a repeated position (the epoch end) to its point', () => {
    const h = new LossHistory();
    h.add(progress('r', 1, 5));
    h.add(progress('r', 1, 10));
    const last = h.loss.at(-1);
    h.add(progress('r', 1, 2)); // stale: earlier than the last point
    h.add(progress('r', 1, 10, { val: { loss: 2, recon: 2, kl: 0 } }));
    expect(h.x).toEqual([0.5, 1]);
    expect(h.loss).toEqual([185, last]); // the first point is the first 5 batches' mean
    expect(h.valLoss).toEqual([null, 2]);
    h.add(progress('r', 2, 1, { train: { loss: Number.NaN, recon: 1, kl: 0 } }));
    expect(h.loss.at(-1)).toBeNull();
  });
});
