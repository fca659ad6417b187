/**
 * The Train form's learning-rate schedule ("Learning-rate schedule", testid lr-schedule-select):
 * until the user chooses one it shows the model kind's `DEFAULT_LR_SCHEDULE` and follows the kind
 * (a VAE constant, a VAE-GAN linear decay) and the start request carries none; a chosen schedule
 * reaches the request and is the choice of that kind only: remembered per kind, as the batch size
 * (`withKind`), never carried to another kind; the hint under the select says a choice in force, or
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

  it('a chosen schedule is sent and is that kind’s only: another kind shows its own, the kind comes back with it; choosing the kind’s default again sends none', () => {
    const s = new Settings(null);
    s.choose('lrSchedule', 'linear-decay');
    expect(s.train.lrSchedule).toBe('linear-decay');
    expect(formToConfig(s.train).lrSchedule).toBe('linear-decay');
    s.setKind('cvae'); // the VAE's choice is not the CVAE's
    expect(s.lrSchedule).toBe('constant');
    expect(formToConfig(s.train)).not.toHaveProperty('lrSchedule');
    s.setKind('vae'); // the VAE's comes back
    expect(s.lrSchedule).toBe('linear-decay');
    expect(formToConfig(s.train).lrSchedule).toBe('linear-decay');
    s.choose('lrSchedule', 'constant'); // the VAE's default: follows the kind again
    expect(s.train.lrSchedule).toBeNull();
    expect(formToConfig(s.train)).not.toHaveProperty('lrSchedule');
    s.setKind('vaegan');
    s.choose('lrSchedule', 'constant');
    expect(formToConfig(s.train).lrSchedule).toBe('constant');
    expect(trainedWith(s)).toBe('constant');
    // The VAE-GAN's constant rate stays the VAE-GAN's: the VAE shows its default, the VAE-GAN its choice again.
    s.setKind('vae');
    expect(s.lrSchedule).toBe('constant');
    expect(s.train.lrSchedule).toBeNull();
    s.setKind('vaegan');
    expect(s.lrSchedule).toBe('constant');
    expect(formToConfig(s.train).lrSchedule).toBe('constant');
  });

  it('the new user’s case: linear decay and batch 64 chosen on a VAE, VAE-GAN, back to the VAE: both kept; the VAE-GAN, untouched, shows its defaults', () => {
    const s = new Settings(null);
    s.choose('lrSchedule', 'linear-decay');
    s.train.batchSize = 64;
    s.setKind('vaegan');
    // The VAE-GAN's own defaults (which happen to be the same values): following its kind, not the VAE's choice.
    expect(s.train.lrSchedule).toBeNull();
    expect(s.lrSchedule).toBe('linear-decay');
    expect(s.train.batchSize).toBe(64);
    expect(s.kindHint('lrSchedule')).toMatch(/^Linear decay: the VAE-GAN's default; /);
    s.setKind('vae');
    expect(s.lrSchedule).toBe('linear-decay');
    expect(s.train.batchSize).toBe(64);
    expect(formToConfig(s.train)).toMatchObject({ lrSchedule: 'linear-decay', batchSize: 64 });
    expect(s.kindHint('lrSchedule')).toBe("Linear decay: your choice; the VAE's default is constant");
    expect(s.kindHint('batchSize')).toBe("64: your choice; the VAE's default is 256");
  });

  it('the hint under the select: a choice in force names the kind’s default; a VAE-GAN following its default says why it differs', () => {
    const s = new Settings(null);
    const hint = () => s.kindHint('lrSchedule');
    expect(hint()).toBeNull(); // a VAE on its default: nothing to say
    s.choose('lrSchedule', 'linear-decay');
    expect(hint()).toBe("Linear decay: your choice; the VAE's default is constant");
    s.setKind('ae'); // the VAE's choice stays the VAE's; AE and VAE share a default: nothing to say
    expect(hint()).toBeNull();
    s.choose('lrSchedule', 'linear-decay');
    expect(hint()).toBe("Linear decay: your choice; the AE's default is constant");
    s.setKind('vaegan');
    expect(hint()).toBe("Linear decay: the VAE-GAN's default; at a constant rate its samples get worse over the second half of training; the AE's is constant");
    s.choose('lrSchedule', 'constant');
    expect(hint()).toBe("Constant: your choice; the VAE-GAN's default is linear decay");
    s.choose('lrSchedule', 'linear-decay');
    expect(hint()).toMatch(/^Linear decay: the VAE-GAN's default; /);
    s.setKind('cvae');
    expect(hint()).toBe("Constant: the CVAE's default; the VAE-GAN's is linear decay");
    s.setKind('vae'); // from the CVAE, the same default: the VAE's choice, said as one
    expect(hint()).toBe("Linear decay: your choice; the VAE's default is constant");
  });

  it('the start request carries the chosen schedule', async () => {
    const api = engineWith([]).handle('training:start', () => ({ runId: 'live' }));
    const lab = new Lab(api, null);
    const stop = lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    lab.settings.train.epochs = 1;
    lab.settings.choose('lrSchedule', 'linear-decay');
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

  it('the stored form keeps a choice; a bad stored value, or none (stored before the field), follows the kind', () => {
    expect(FORM_VERSION).toBe(5);
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    s.setKind('vaegan');
    s.choose('lrSchedule', 'constant');
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
