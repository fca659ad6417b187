/**
 * The Train form's weight average field (VAE-GAN, "Weight average (EMA decay)", testid
 * ema-decay-input): what the user types reaches the start request, empty sends none (the
 * contract's default), other kinds never send it, bad values are said in words, and an opened run
 * brings its own back (one saved before the option: 0, no average).
 */
import { describe, expect, it, vi } from 'vitest';
import { TrainConfig } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { Settings, formFromConfig, trainFormErrors } from '../../../src-renderer/src/state/settings.svelte';
import { formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { MemoryStorage, engineWith, savedConfig } from './fake-api';

describe('the Train form’s weight average', () => {
  it('the Train form: the field’s value reaches the start request; empty sends none (the default); other kinds never send it; an opened run brings its own back', async () => {
    const gan = () => ({ ...new Settings(null).train, kind: 'vaegan' as const });
    expect(gan().emaDecay).toBeNull();
    expect(formToConfig(gan()).model).not.toHaveProperty('emaDecay');
    expect(formToConfig({ ...gan(), emaDecay: 0 }).model).toMatchObject({ emaDecay: 0 });
    expect(formToConfig({ ...new Settings(null).train, kind: 'vae', emaDecay: 0.9 }).model).not.toHaveProperty('emaDecay');
    expect(trainFormErrors({ ...gan(), emaDecay: 1 }).emaDecay).toMatch(/Weight average decay must be a number from 0 \(off\) to 0\.99999/);
    expect(trainFormErrors({ ...gan(), emaDecay: 0.5 }).emaDecay).toBeUndefined();
    const saved = TrainConfig.parse({ model: { kind: 'vaegan', latentDim: 8, emaDecay: 0.99 } });
    expect(formFromConfig(saved, new Settings(null).train).emaDecay).toBe(0.99);
    // Saved before the option (no average), as the engine reads it.
    expect(formFromConfig(savedConfig({ model: { kind: 'vaegan', latentDim: 8 } }), new Settings(null).train).emaDecay).toBe(0);

    const api = engineWith([]).handle('training:start', () => ({ runId: 'live' }));
    const lab = new Lab(api, null);
    const stop = lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    lab.settings.setKind('vaegan');
    lab.settings.train.emaDecay = 0.995;
    lab.settings.train.epochs = 1;
    await lab.startTraining();
    expect(api.callsOf('training:start')[0].model).toMatchObject({ kind: 'vaegan', emaDecay: 0.995 });
    stop();
  });

  it('the stored form keeps it; a bad stored value falls back to the default alone; one stored before the field: empty', () => {
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    s.setKind('vaegan');
    s.train.emaDecay = 0.99;
    s.train.gamma = 0.2;
    s.save();
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', emaDecay: 0.99, gamma: 0.2 });
    const stored = JSON.parse(storage.map.get('latent-lab.settings.v1')!);
    stored.train.emaDecay = 1.5;
    storage.setItem('latent-lab.settings.v1', JSON.stringify(stored));
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', emaDecay: null, gamma: 0.2 });
    delete stored.train.emaDecay;
    storage.setItem('latent-lab.settings.v1', JSON.stringify(stored));
    expect(new Settings(storage).train).toMatchObject({ emaDecay: null, gamma: 0.2 });
  });
});
