/**
 * The Export tab's job: what is asked of the engine, progress while it runs, the result, and each
 * way it can end (cancelled, refused, engine gone). The overwrite box's persistence is tested with
 * the settings.
 */
import { describe, expect, it } from 'vitest';
import type { ExportResult } from '../../../src-shared/types';
import type { RequestInput } from '../../../src-shared/contract';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { embeddingsHint } from '../../../src-renderer/src/lib/exportText';
import { engineWith, labError, run } from './fake-api';

const RESULT: ExportResult = { out: '/tmp/x', format: 'imagefolder', total: 20, countPerLabel: { '0': 2, '1': 2 }, files: ['manifest.json'] };

/** A lab with run `r` open and an export handler the test resolves by hand. */
async function exporting(kind: 'vae' | 'cvae' = 'vae') {
  let finish!: (r: ExportResult | Error) => void;
  const api = engineWith([run('r', { kind })]).handle(
    'export:start',
    () => new Promise<ExportResult>((resolve, reject) => (finish = (r) => (r instanceof Error ? reject(r) : resolve(r)))),
  );
  api.handle('export:cancel', () => {
    finish(labError('CANCELLED', 'cancelled'));
    return { ok: true };
  });
  const lab = new Lab(api, null);
  lab.start();
  await lab.openRun('r');
  lab.settings.export.out = '/tmp/x';
  return { api, lab, finish: (r: ExportResult | Error) => finish(r) };
}

describe('export', () => {
  it('nothing to export without a saved model: the engine is not asked', async () => {
    const api = engineWith([]);
    const lab = new Lab(api, null);
    await lab.exporter.start();
    expect(lab.exporter.state).toBe('idle');
    expect(api.callsOf('export:start')).toEqual([]);
  });

  it('asks for the settings of the tab, shows progress, then the result', async () => {
    const { api, lab, finish } = await exporting();
    Object.assign(lab.settings.export, { format: 'npz', count: 20, temperature: 0.5, seed: 7 });
    const job = lab.exporter.start();
    expect(lab.exporter.state).toBe('running');
    expect(api.callsOf('export:start')).toEqual<RequestInput<'export:start'>[]>([
      { runId: 'r', format: 'npz', count: 20, label: undefined, temperature: 0.5, prior: 'standard', seed: 7, out: '/tmp/x', overwrite: false },
    ]);
    // A run's prior fitted on first use: the engine says so before the first image.
    const fitting = "Fitting the run's prior to its training data (once; saved with the run)…";
    api.emit('export:progress', { done: 0, total: 20, message: fitting });
    expect(lab.exporter.progress?.message).toBe(fitting);
    api.emit('export:progress', { done: 5, total: 20 });
    expect(lab.exporter.progress).toEqual({ done: 5, total: 20 });
    finish(RESULT);
    await job;
    expect(lab.exporter.state).toBe('done');
    expect(lab.exporter.result).toEqual(RESULT);
    expect(lab.exporter.error).toBeNull();
  });

  it('one export at a time: a second start while running is ignored', async () => {
    const { api, lab, finish } = await exporting();
    const job = lab.exporter.start();
    await lab.exporter.start();
    expect(api.callsOf('export:start')).toHaveLength(1);
    finish(RESULT);
    await job;
  });

  it('the label filter is sent for a CVAE only', async () => {
    for (const kind of ['vae', 'cvae'] as const) {
      const { api, lab, finish } = await exporting(kind);
      lab.exporter.label = 3;
      const job = lab.exporter.start();
      finish(RESULT);
      await job;
      expect(api.callsOf('export:start')[0].label).toBe(kind === 'cvae' ? 3 : undefined);
    }
  });

  it('embeddings: the chosen split (test by default) is sent; image formats send none', async () => {
    const { api, lab, finish } = await exporting();
    lab.settings.export.format = 'embeddings';
    expect(lab.exporter.split).toBe('test');
    let job = lab.exporter.start();
    finish(RESULT);
    await job;
    lab.exporter.split = 'train';
    job = lab.exporter.start();
    finish(RESULT);
    await job;
    lab.settings.export.format = 'npz';
    job = lab.exporter.start();
    finish(RESULT);
    await job;
    expect(api.callsOf('export:start').map((r) => [r.format, r.split])).toEqual([
      ['embeddings', 'test'],
      ['embeddings', 'train'],
      ['npz', undefined],
    ]);
  });

  it('the embeddings hint counts the images of the chosen split', () => {
    const data = { isImage: true, labelNames: ['0', '1'], testCount: 2000, trainCount: 8000, shape: [28, 28] };
    expect(embeddingsHint(data)).toMatch(/^Latent means of the 2,000 test images:/);
    expect(embeddingsHint(data, 'train')).toMatch(/^Latent means of the 8,000 training images:/);
    expect(embeddingsHint(data, 'all')).toMatch(/^Latent means of the 10,000 training and test images:/);
  });

  it('cancel: the job ends in error with a message that nothing was left behind', async () => {
    const { api, lab } = await exporting();
    const job = lab.exporter.start();
    await lab.exporter.cancel();
    await job;
    expect(api.callsOf('export:cancel')).toHaveLength(1);
    expect(lab.exporter.state).toBe('error');
    expect(lab.exporter.error).toBe('Export cancelled; nothing was left behind.');
  });

  it('an engine error is shown as the engine said it', async () => {
    const { lab, finish } = await exporting();
    const job = lab.exporter.start();
    finish(labError('IO', 'EACCES: /tmp/x is not writable'));
    await job;
    expect(lab.exporter.state).toBe('error');
    expect(lab.exporter.error).toBe('EACCES: /tmp/x is not writable');
  });

  it('the engine crashing mid-export ends the job in error', async () => {
    const { api, lab } = await exporting();
    void lab.exporter.start();
    api.emit('engine:state', { state: 'crashed' });
    expect(lab.exporter.state).toBe('error');
    expect(lab.exporter.error).toBe('The engine stopped during the export.');
  });

  it('opening another run clears a finished export’s result but never a running one', async () => {
    const { lab, finish } = await exporting();
    const job = lab.exporter.start();
    await lab.openRun('r');
    expect(lab.exporter.state).toBe('running');
    finish(RESULT);
    await job;
    await lab.openRun('r');
    expect(lab.exporter.state).toBe('idle');
    expect(lab.exporter.result).toBeNull();
  });
});
