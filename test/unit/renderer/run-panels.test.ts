/**
 * What the panels beside an opened run offer (fresh-user report items 9, 10, 12): a 2-D points run
 * exports embeddings (the image formats do not apply to it, and the user's image-format choice is
 * kept for image runs); the traversal draws one row per latent dimension up to 10; the run summary
 * names a generation accuracy only for a CVAE.
 */
import { describe, expect, it, vi } from 'vitest';
import { TrainConfig, type DatasetInfo, type RunSummary } from '../../../src-shared/types';
import { classifierMetricNames } from '../../../src-renderer/src/lib/metricHints';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { MNIST, engineWith, run } from './fake-api';

const MOONS: DatasetInfo = { ...MNIST, id: 'toy-moons', title: 'Two moons', shape: [2], labelNames: ['a', 'b'], isImage: false };

function on(id: string, dataset: string, latentDim: number): RunSummary {
  return { ...run(id), config: TrainConfig.parse({ dataset: { id: dataset }, model: { latentDim } }) };
}

async function labWith(runs: RunSummary[]) {
  const api = engineWith(runs)
    .handle('datasets:list', () => [MNIST, MOONS])
    .handle('export:start', (req) => ({ out: req.out, format: req.format, total: 1, countPerLabel: {}, files: [] }));
  const lab = new Lab(api, null);
  lab.start();
  await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
  return { api, lab };
}

describe('the export format of an opened run', () => {
  it('a Two moons run exports embeddings although the Image folder is chosen; an image run then gets the Image folder again', async () => {
    const { api, lab } = await labWith([on('moons', 'toy-moons', 2), on('digits', 'mnist', 3)]);
    expect(lab.settings.export.format).toBe('imagefolder');
    await lab.openRun('moons');
    expect(lab.exporter.imageFormats).toBe(false);
    expect(lab.exporter.format).toBe('embeddings');
    lab.settings.export.out = '/tmp/out-moons';
    await lab.exporter.start();
    expect(lab.exporter.state).toBe('done');
    expect(api.callsOf('export:start')[0].format).toBe('embeddings');
    await lab.openRun('digits');
    expect(lab.exporter.imageFormats).toBe(true);
    expect(lab.exporter.format).toBe('imagefolder');
  });
});

describe('the traversal rows', () => {
  it('default to the latent size up to 10; a number the user typed stays', async () => {
    const { lab } = await labWith([on('z3', 'mnist', 3), on('z16', 'mnist', 16)]);
    const tr = lab.instruments.traversal;
    await lab.openRun('z3');
    expect(tr.maxRows).toBe(3);
    await lab.openRun('z16');
    expect(tr.maxRows).toBe(10);
    tr.maxRows = 12;
    await lab.openRun('z3');
    expect(tr.maxRows).toBe(12);
  });
});

describe('the run summary’s classifier line', () => {
  it('names a generation accuracy for a CVAE only', () => {
    expect(classifierMetricNames('cvae')).toMatch(/generation/);
    for (const kind of ['vae', 'ae', 'vaegan']) expect(classifierMetricNames(kind)).not.toMatch(/generation/);
  });
});
