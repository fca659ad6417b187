/**
 * The Train form's learning-rate schedule ("Learning-rate schedule", testid lr-schedule-select):
 * until the user chooses one it shows the model kind's `DEFAULT_LR_SCHEDULE` and follows the kind
 * (a VAE constant, a VAE-GAN linear decay) and the start request carries none; a chosen schedule
 * reaches the request and stays across kind switches until it is the new kind's default (then it
 * follows the kind, as the batch size does); the hint under the select says a choice in force, or
 * why the VAE-GAN's default differs; an opened run brings its own back (one saved before the
 * option: constant); the stored form keeps it.
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_LR_SCHEDULE, TrainConfig, type RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { FORM_VERSION, SETTINGS_KEY, Settings, formFromConfig } from '../../../src-renderer/src/state/settings.svelte';
import { formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { MemoryStorage, engineWith, run, savedConfig } from './fake-api';

/** What the engine trains with for the form `s` (the contract fills what the request leaves out). */
const trainedWith = (s: Settings) => TrainConfig.parse(formToConfig(s.train)).lrSchedule;

describe('the Train form’s learning-rate schedule', () => {
  it('left alone it follows the kind (VAE constant, VAE-GAN linear decay, back to constant) and is not sent', () => {
    const s = new Settings(null);
    expect(s.train.lrSchedule).toBeNull();
    expect(s.lrSchedule).toBe('constant');
    expect(formToConfig(s.train)).not.toHaveProperty('lrSchedule');
    s.setKind('vaegan');
    expect(s.lrSchedule).toBe('linear-decay');
    expect(formToConfig(s.train)).not.toHaveProperty('lrSchedule');
    expect(trainedWith(s)).toBe('linear-decay');
    s.setKind('vae');
    expect(s.lrSchedule).toBe('constant');
    expect(trainedWith(s)).toBe('constant');
    for (const kind of ['ae', 'cvae'] as const) {
      s.setKind(kind);
      expect(s.lrSchedule, kind).toBe(DEFAULT_LR_SCHEDULE[kind]);
    }
  });

  it('a chosen schedule is sent and kept across kind switches while it is not the new kind’s default; choosing the kind’s default again sends none', () => {
    const s = new Settings(null);
    s.setLrSchedule('linear-decay');
    expect(s.train.lrSchedule).toBe('linear-decay');
    expect(formToConfig(s.train).lrSchedule).toBe('linear-decay');
    s.setKind('cvae'); // constant by default too: the choice stays
    expect(s.lrSchedule).toBe('linear-decay');
    expect(formToConfig(s.train).lrSchedule).toBe('linear-decay');
    s.setLrSchedule('constant'); // the CVAE's default: follows the kind again
    expect(s.train.lrSchedule).toBeNull();
    expect(formToConfig(s.train)).not.toHaveProperty('lrSchedule');
    s.setKind('vaegan');
    s.setLrSchedule('constant');
    expect(formToConfig(s.train).lrSchedule).toBe('constant');
    expect(trainedWith(s)).toBe('constant');
    // On a VAE constant is the default: no longer a choice, so back on the VAE-GAN it is linear decay again.
    s.setKind('vae');
    expect(s.lrSchedule).toBe('constant');
    expect(s.train.lrSchedule).toBeNull();
    s.setKind('vaegan');
    expect(s.lrSchedule).toBe('linear-decay');
    expect(formToConfig(s.train)).not.toHaveProperty('lrSchedule');
  });

  it('the new user’s case: linear decay chosen on a VAE, VAE-GAN, back to the VAE: constant again, as the batch size is 256 again', () => {
    const s = new Settings(null);
    s.setLrSchedule('linear-decay');
    s.train.batchSize = 64;
    s.setKind('vaegan');
    // The VAE-GAN's default: following the kind now, not a forgotten choice.
    expect(s.train.lrSchedule).toBeNull();
    expect(s.lrSchedule).toBe('linear-decay');
    expect(s.train.batchSize).toBe(64);
    s.setKind('vae');
    expect(s.lrSchedule).toBe('constant');
    expect(s.train.batchSize).toBe(256);
    expect(formToConfig(s.train)).not.toHaveProperty('lrSchedule');
  });

  it('the hint under the select: a choice in force names the kind’s default; a VAE-GAN following its default says why it differs', () => {
    const s = new Settings(null);
    expect(s.scheduleHint).toBeNull(); // a VAE on its default: nothing to say
    s.setLrSchedule('linear-decay');
    expect(s.scheduleHint).toBe("Linear decay: your choice; the VAE's default is constant");
    s.setKind('ae');
    expect(s.scheduleHint).toBe("Linear decay: your choice; the AE's default is constant");
    s.setKind('vaegan');
    expect(s.scheduleHint).toBe("Linear decay: the VAE-GAN's default; at a constant rate its samples get worse over the second half of training");
    s.setLrSchedule('constant');
    expect(s.scheduleHint).toBe("Constant: your choice; the VAE-GAN's default is linear decay");
    s.setLrSchedule('linear-decay');
    expect(s.scheduleHint).toMatch(/^Linear decay: the VAE-GAN's default; /);
    s.setKind('vae');
    expect(s.scheduleHint).toBeNull();
  });

  it('the start request carries the chosen schedule', async () => {
    const api = engineWith([]).handle('training:start', () => ({ runId: 'live' }));
    const lab = new Lab(api, null);
    const stop = lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    lab.settings.train.epochs = 1;
    lab.settings.setLrSchedule('linear-decay');
    await lab.startTraining();
    expect(api.callsOf('training:start')[0]).toMatchObject({ model: { kind: 'vae' }, lrSchedule: 'linear-decay' });
    stop();
  });

  it('an opened run brings its schedule back; its kind’s default comes back as following the kind; one saved before the option is constant', async () => {
    const current = new Settings(null).train;
    const gan = (lrSchedule?: 'constant' | 'linear-decay') => TrainConfig.parse({ model: { kind: 'vaegan', latentDim: 8 }, ...(lrSchedule ? { lrSchedule } : {}) });
    expect(formFromConfig(gan('constant'), current).lrSchedule).toBe('constant');
    expect(formFromConfig(gan(), current)).toMatchObject({ kind: 'vaegan', lrSchedule: null });
    const vaeDecay = TrainConfig.parse({ model: { kind: 'vae', latentDim: 2 }, lrSchedule: 'linear-decay' });
    expect(formFromConfig(vaeDecay, current).lrSchedule).toBe('linear-decay');
    // A form with a choice, opening a run on its kind's default: the run's (the default) wins.
    expect(formFromConfig(TrainConfig.parse({ model: { kind: 'vae', latentDim: 2 } }), { ...current, lrSchedule: 'linear-decay' }).lrSchedule).toBeNull();
    // Saved before the option, as the engine reads it: constant, which a VAE-GAN now has to say.
    const old = savedConfig({ model: { kind: 'vaegan', latentDim: 8 } });
    expect(old.lrSchedule).toBe('constant');
    expect(formFromConfig(old, current).lrSchedule).toBe('constant');
    // Each comes back as the same training: the form sends what the run trained with.
    for (const cfg of [gan('constant'), gan(), vaeDecay, old]) expect(TrainConfig.parse(formToConfig(formFromConfig(cfg, current))).lrSchedule).toBe(cfg.lrSchedule);

    // Through the app: opening a saved run sets the form.
    const saved: RunSummary = { ...run('old', { kind: 'vaegan', dim: 8 }), config: old };
    const lab = new Lab(engineWith([saved]), null);
    const stop = lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    await lab.openRun('old');
    expect(lab.settings.train).toMatchObject({ kind: 'vaegan', lrSchedule: 'constant' });
    expect(lab.settings.lrSchedule).toBe('constant');
    stop();
  });

  it('the stored form keeps a choice; a bad stored value, or none (stored before the field), follows the kind; no form version change', () => {
    expect(FORM_VERSION).toBe(4);
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    s.setKind('vaegan');
    s.setLrSchedule('constant');
    s.save();
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', lrSchedule: 'constant' });
    const stored = JSON.parse(storage.map.get(SETTINGS_KEY)!);
    stored.train.lrSchedule = 'cosine';
    storage.setItem(SETTINGS_KEY, JSON.stringify(stored));
    const bad = new Settings(storage);
    expect(bad.train).toMatchObject({ kind: 'vaegan', lrSchedule: null });
    expect(bad.lrSchedule).toBe('linear-decay');
    delete stored.train.lrSchedule;
    storage.setItem(SETTINGS_KEY, JSON.stringify(stored));
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', lrSchedule: null });
  });
});
