/**
 * The Train form after a run is opened or trained (fresh-user report items 1 and 2): settings left
 * on their automatic default (likelihood, σ, a conv model's filters and dense units) stay automatic,
 * so the next dataset gets its own defaults; what the user chose is kept and checked against the
 * chosen dataset before Train; a refused start's error is not mixed with the last run's notices.
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SIGMA, TrainConfig, type DatasetInfo, type RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { FORM_VERSION, SETTINGS_KEY, Settings, formFromConfig, refusesModel, trainDataErrors, trainFormErrors, vaeganDataError } from '../../../src-renderer/src/state/settings.svelte';
import { formToModel } from '../../../src-renderer/src/state/training.svelte';
import { MNIST, MemoryStorage, engineWith, labError, run } from './fake-api';

const MOONS: DatasetInfo = { ...MNIST, id: 'toy-moons', title: 'Two moons', shape: [2], labelNames: ['a', 'b'], isImage: false };
const MNIST3: DatasetInfo = { ...MNIST, shape: [28, 28, 1] };

/** A saved run whose config the engine wrote out resolved (as it does: defaults filled in). */
function saved(id: string, config: unknown, warnings?: string[]): RunSummary {
  return { ...run(id), config: TrainConfig.parse(config), ...(warnings ? { warnings } : {}) };
}

async function labWith(runs: RunSummary[]) {
  const api = engineWith(runs).handle('datasets:list', () => [MNIST3, MOONS]);
  const lab = new Lab(api, null);
  lab.start();
  await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
  return { api, lab };
}

describe('the Train form after opening a run', () => {
  it('a conv MNIST run with the 28×28 defaults leaves filters and dense units automatic: own data then gets its own size’s model', async () => {
    const conv = saved('conv', { dataset: { id: 'mnist' }, model: { arch: 'conv', latentDim: 4, convFilters: [32, 64], hidden: [16], likelihood: 'bernoulli' } });
    const { lab } = await labWith([conv]);
    await lab.openRun('conv');
    expect(lab.settings.train).toMatchObject({ arch: 'conv', latentDim: 4, convFilters: '', convHidden: null, likelihood: 'auto' });
    lab.settings.train.dataset = 'local';
    lab.settings.train.folderPath = '/data/shapes40';
    const model = formToModel(lab.settings.train);
    expect(model).not.toHaveProperty('convFilters');
    expect(model).not.toHaveProperty('hidden');
    expect(model.likelihood).toBe('auto');
  });

  it('widths the user chose come back as typed, and a σ that is not the default is kept', () => {
    const current = new Settings(null).train;
    const cfg = TrainConfig.parse({ model: { arch: 'conv', convFilters: [16, 48], hidden: [24], likelihood: 'gaussian', sigma: 0.3 } });
    expect(formFromConfig(cfg, current, { isImage: true, side: 28 })).toMatchObject({ convFilters: '16, 48', convHidden: 24, likelihood: 'gaussian', sigma: 0.3 });
    // Custom filters with the automatic dense units: only the filters are the user's.
    const half = TrainConfig.parse({ model: { arch: 'conv', convFilters: [8, 16], hidden: [16] } });
    expect(formFromConfig(half, current, { isImage: true, side: 28 })).toMatchObject({ convFilters: '8, 16', convHidden: null });
  });

  it('your own data at 32×32 (side from its import size): the 32×32 defaults read as automatic', async () => {
    const own = saved('own', {
      dataset: { id: 'local', path: '/data/shapes', import: { size: 32 } },
      model: { arch: 'conv', convFilters: [32, 64, 128], hidden: [256] },
    });
    const { lab } = await labWith([own]);
    await lab.openRun('own');
    expect(lab.settings.train).toMatchObject({ dataset: 'local', arch: 'conv', convFilters: '', convHidden: null });
  });

  it('a Two moons run (Gaussian at the points\' default σ: its automatic choices) leaves Auto: the next image run trains Bernoulli', async () => {
    const moons = saved('moons', { dataset: { id: 'toy-moons' }, model: { latentDim: 2, likelihood: 'gaussian', sigma: DEFAULT_SIGMA.points } });
    const { lab } = await labWith([moons]);
    await lab.openRun('moons');
    expect(lab.settings.train).toMatchObject({ dataset: 'toy-moons', likelihood: 'auto', sigma: null });
    lab.settings.train.dataset = 'mnist';
    expect(formToModel(lab.settings.train)).toMatchObject({ likelihood: 'auto' });
    expect(formToModel(lab.settings.train)).not.toHaveProperty('sigma');
  });

  it('a Gaussian chosen on MNIST stays Gaussian (a choice, not the automatic one)', () => {
    const cfg = TrainConfig.parse({ model: { likelihood: 'gaussian', sigma: 0.1 } });
    expect(formFromConfig(cfg, new Settings(null).train, { isImage: true, side: 28 })).toMatchObject({ likelihood: 'gaussian', sigma: null });
  });
});

describe('the Train form after training a run from it', () => {
  it('keeps Auto and empty widths although the engine saved the resolved values', async () => {
    const runs: RunSummary[] = [];
    const { api, lab } = await labWith(runs);
    api.handle('training:start', () => ({ runId: 'fresh' }));
    lab.settings.train.arch = 'conv';
    lab.settings.train.epochs = 1;
    await lab.startTraining();
    expect(api.callsOf('training:start')[0].model).toMatchObject({ arch: 'conv', likelihood: 'auto' });
    runs.push(saved('fresh', { model: { arch: 'conv', convFilters: [32, 64], hidden: [16], likelihood: 'bernoulli' }, epochs: 1 }));
    api.emit('training:done', { runId: 'fresh', state: 'done', metrics: null });
    await vi.waitFor(() => expect(lab.runs.activeId).toBe('fresh'));
    expect(lab.settings.train).toMatchObject({ arch: 'conv', likelihood: 'auto', convFilters: '', convHidden: null });
  });
});

describe('choices that do not fit the chosen dataset, before Train', () => {
  it('Bernoulli on Two moons is named with a way out; Auto and Gaussian are fine, and Bernoulli on images too', () => {
    const f = { ...new Settings(null).train, dataset: 'toy-moons' as const, likelihood: 'bernoulli' as const };
    expect(trainDataErrors(f, MOONS).likelihood).toMatch(/Bernoulli.*Two moons.*Auto \(Gaussian\)/);
    expect(trainDataErrors({ ...f, likelihood: 'auto' }, MOONS)).toEqual({});
    expect(trainDataErrors({ ...f, likelihood: 'gaussian' }, MOONS)).toEqual({});
    expect(trainDataErrors(f, MNIST)).toEqual({});
  });

  it('Conv on Two moons says to choose Dense, in the form’s words (no CLI flag); Conv on images is fine', () => {
    const f = { ...new Settings(null).train, dataset: 'toy-moons' as const, arch: 'conv' as const, likelihood: 'auto' as const };
    const arch = trainDataErrors(f, MOONS).arch!;
    expect(arch).toMatch(/Conv.*Two moons.*choose Dense/);
    expect(arch).not.toContain('--');
    expect(trainDataErrors({ ...f, arch: 'dense' }, MOONS)).toEqual({});
    expect(trainDataErrors(f, MNIST3)).toEqual({});
  });
});

describe('a VAE-GAN on 2-D points, before Train (the new user saw the engine’s words twice)', () => {
  it('is named once, in the form’s words, with a way out; the same sentence is the disabled option’s title', () => {
    const f = { ...new Settings(null).train, dataset: 'toy-moons' as const, kind: 'vaegan' as const, likelihood: 'auto' as const };
    const e = trainDataErrors(f, MOONS);
    expect(Object.keys(e)).toEqual(['kind']);
    expect(e.kind).toBe('A VAE-GAN trains on images only (its discriminator judges decoded images); Two moons is 2-D points: choose VAE, AE or CVAE.');
    expect(vaeganDataError(MOONS)).toBe(e.kind);
    // It refuses the model: no card is asked for, so the engine's refusal is not shown beside it.
    expect(refusesModel(e)).toBe(true);
    expect(vaeganDataError(MNIST3)).toBeNull();
    expect(trainDataErrors({ ...f, dataset: 'mnist' }, MNIST3)).toEqual({});
    expect(trainDataErrors({ ...f, kind: 'vae' }, MOONS)).toEqual({});
  });
});

describe('which form errors keep the model from being described (refusesModel)', () => {
  it('a model setting the form refuses (weight average 1, γ −1, latent 1) does; the run’s settings (epochs, batch, seed, learning rate) do not', () => {
    const gan = { ...new Settings(null).train, kind: 'vaegan' as const };
    const ema = trainFormErrors({ ...gan, emaDecay: 1 });
    expect(ema.emaDecay).toMatch(/^Weight average decay must be a number from 0 \(off\) to 0\.99999/);
    expect(refusesModel(ema)).toBe(true);
    expect(refusesModel(trainFormErrors({ ...gan, gamma: -1 }))).toBe(true);
    expect(refusesModel(trainFormErrors({ ...gan, latentDim: 1 }))).toBe(true);
    expect(refusesModel(trainFormErrors({ ...gan, beta: 200 }))).toBe(true);
    const run = trainFormErrors({ ...gan, epochs: 0, batchSize: 0, seed: -1, learningRate: 0 });
    expect(Object.keys(run).sort()).toEqual(['batchSize', 'epochs', 'learningRate', 'seed']);
    expect(refusesModel(run)).toBe(false);
    expect(refusesModel({})).toBe(false);
  });
});

describe('settings stored by the version that copied a run’s conv widths into the form', () => {
  /** A Lab started on `train` as stored (`formVersion`: absent = the older version), once it has settled them. */
  async function launched(train: Record<string, unknown>, formVersion?: number) {
    const storage = new MemoryStorage();
    storage.setItem(SETTINGS_KEY, JSON.stringify({ ...(formVersion ? { formVersion } : {}), train: { ...new Settings(null).train, arch: 'conv', ...train } }));
    const lab = new Lab(engineWith([]).handle('datasets:list', () => [MNIST3, MOONS]), storage);
    lab.start();
    // Settled once the engine's dataset list is in: the settings then say the current version.
    await vi.waitFor(() => expect(lab.settings.snapshot().formVersion).toBe(FORM_VERSION));
    return lab;
  }

  it('the 28×28 defaults copied from an MNIST run become Auto again: your own 32×32 data then gets its own widths', async () => {
    const lab = await launched({ dataset: 'mnist', convFilters: '32, 64', convHidden: 16 });
    expect(lab.settings.train).toMatchObject({ convFilters: '', convHidden: null });
    lab.settings.train = { ...lab.settings.train, dataset: 'local', folderPath: '/data/pets', import: { ...lab.settings.train.import, size: 32 } };
    expect(formToModel(lab.settings.train)).not.toHaveProperty('convFilters');
  });

  it('widths that are not the stored dataset’s defaults were chosen: kept (each width on its own)', async () => {
    const lab = await launched({ dataset: 'mnist', convFilters: '8, 16', convHidden: 16 });
    expect(lab.settings.train).toMatchObject({ convFilters: '8, 16', convHidden: null });
    // Your own data at a fixed 32 px: 32×32's defaults are Auto; the same list on 28×28 data would not be.
    const own = await launched({ dataset: 'local', folderPath: '/data/pets', import: { size: 32, channels: 'auto', fit: 'crop', transpose: false }, convFilters: '32, 64, 128', convHidden: 16 });
    expect(own.settings.train).toMatchObject({ convFilters: '', convHidden: 16 });
  });

  it('cannot tell, so leaves them: your own data at the automatic size (its images decide the side), and settings of this version', async () => {
    const auto = await launched({ dataset: 'local', folderPath: '/data/pets', convFilters: '32, 64', convHidden: 16 });
    expect(auto.settings.train).toMatchObject({ convFilters: '32, 64', convHidden: 16 });
    const typed = await launched({ dataset: 'mnist', convFilters: '32, 64', convHidden: 16 }, FORM_VERSION);
    expect(typed.settings.train).toMatchObject({ convFilters: '32, 64', convHidden: 16 });
  });
});

describe('a CVAE on data of one class, before Train', () => {
  const info = (labelNames: string[]): DatasetInfo => ({ ...MNIST3, id: 'local', title: 'exported', labelNames });
  const inspect = (labelNames: string[]) => () => ({
    info: info(labelNames),
    report: undefined as never,
    preview: { images: new Float32Array(0), labels: new Int32Array(0), count: 0, shape: [28, 28, 1] } as never,
  });

  it('an unlabeled export opened again (one class, "unlabeled") is named with a way out once checked; a VAE on it is fine', async () => {
    const { api, lab } = await labWith([]);
    api.handle('datasets:inspect', inspect(['unlabeled']));
    Object.assign(lab.settings.train, { dataset: 'local', folderPath: '/data/exported', kind: 'cvae' });
    // Not checked yet: its classes are unknown, so nothing is claimed (the engine still refuses at Train).
    expect(trainDataErrors(lab.settings.train, lab.modelCard.formDataset)).toEqual({});
    await lab.datasetCheck.check('/data/exported', lab.settings.train.import);
    expect(trainDataErrors(lab.settings.train, lab.modelCard.formDataset).kind).toMatch(/CVAE.*at least 2 classes.*exported has one \("unlabeled"\).*VAE/);
    lab.settings.train.kind = 'vae';
    expect(trainDataErrors(lab.settings.train, lab.modelCard.formDataset)).toEqual({});
  });

  it('a CVAE on MNIST (ten classes) or on two checked classes of your own is fine', async () => {
    const { api, lab } = await labWith([]);
    lab.settings.train.kind = 'cvae';
    expect(lab.modelCard.formDataset?.id).toBe('mnist');
    expect(trainDataErrors(lab.settings.train, lab.modelCard.formDataset)).toEqual({});
    api.handle('datasets:inspect', inspect(['cat', 'dog']));
    Object.assign(lab.settings.train, { dataset: 'local', folderPath: '/data/pets' });
    await lab.datasetCheck.check('/data/pets', lab.settings.train.import);
    expect(lab.modelCard.formDataset?.labelNames).toEqual(['cat', 'dog']);
    expect(trainDataErrors(lab.settings.train, lab.modelCard.formDataset)).toEqual({});
  });
});

describe('a refused start after a run (item 2)', () => {
  it('shows its own error without the run’s step notice; opening a run moves on from it', async () => {
    const old = saved('old', { model: { latentDim: 2 } }, ['this run takes only 180 optimiser steps in all']);
    const { api, lab } = await labWith([old]);
    await lab.openRun('old');
    expect(lab.training.shownWarnings(old)).toEqual(old.warnings);
    api.handle('training:start', () => {
      throw labError('INVALID_PAYLOAD', 'a Bernoulli likelihood needs images');
    });
    await lab.startTraining();
    expect(lab.training.error).toContain('Bernoulli');
    expect(lab.training.shownWarnings(old)).toEqual([]);
    await lab.openRun('old');
    expect(lab.training.error).toBeNull();
    expect(lab.training.shownWarnings(old)).toEqual(old.warnings);
  });
});
