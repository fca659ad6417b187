/**
 * The import row's Preprocess choice (auto / MNIST-style / plain, the CLI's `--preprocess`): a
 * teacher with grey photos that are not ink drawings can turn MNIST-style processing off in the
 * app. The choice goes to the engine in the contract's `ImportOptions.preprocess` (the check and
 * the training run), is stored with the settings, and comes back when a run is opened, as Fit does.
 */
import { describe, expect, it } from 'vitest';
import { TrainConfig } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { SETTINGS_KEY, Settings, formFromConfig } from '../../../src-renderer/src/state/settings.svelte';
import { formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { FakeApi, MemoryStorage } from './fake-api';

describe('the Preprocess choice of your own data', () => {
  it('is auto by default, also for settings stored before the form had it', () => {
    expect(new Settings(null).train.import.preprocess).toBe('auto');
    const old = new MemoryStorage();
    old.setItem(SETTINGS_KEY, JSON.stringify({ train: { dataset: 'local', folderPath: '/data/g', import: { size: 32, channels: 1, fit: 'pad', transpose: false } } }));
    expect(new Settings(old).train.import).toEqual({ size: 32, channels: 1, fit: 'pad', preprocess: 'auto', transpose: false });
  });

  it('plain reaches the engine: in the check and in the training run’s config', async () => {
    const s = new Settings(null);
    s.train.dataset = 'local';
    s.train.folderPath = '/data/grey-photos';
    s.train.import.preprocess = 'plain';
    expect(formToConfig(s.train).dataset).toEqual({ id: 'local', path: '/data/grey-photos', import: { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'plain', transpose: false } });
    const api = new FakeApi().handle('datasets:inspect', () => {
      throw new Error('not needed');
    });
    const lab = new Lab(api, null);
    await lab.datasetCheck.check('/data/grey-photos', s.train.import);
    expect(api.callsOf('datasets:inspect')[0].dataset.import).toMatchObject({ preprocess: 'plain' });
    // Another choice makes the shown check stale, as the other options do.
    expect(lab.datasetCheck.isFor('/data/grey-photos', { ...s.train.import, preprocess: 'mnist-style' })).toBe(false);
  });

  it('is stored with the settings and comes back when a run is opened', () => {
    const store = new MemoryStorage();
    const s = new Settings(store);
    s.train.import.preprocess = 'mnist-style';
    s.save();
    expect(new Settings(store).train.import.preprocess).toBe('mnist-style');
    const cfg = TrainConfig.parse({ dataset: { id: 'local', path: '/data/grey-photos', import: { preprocess: 'plain', fit: 'pad' } } });
    expect(formFromConfig(cfg, new Settings(null).train).import).toEqual({ size: 'auto', channels: 'auto', fit: 'pad', preprocess: 'plain', transpose: false });
  });
});
