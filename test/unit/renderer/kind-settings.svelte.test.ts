/**
 * One rule for the Train form's per-kind settings, the batch size and the learning-rate schedule
 * (`KIND_SETTINGS`, `withKind`; tester finding 6: a chosen batch was reset by a switch to the
 * VAE-GAN and back, a chosen schedule carried over silently): each kind keeps the user's choice,
 * another kind shows its own choice or its default, the kind's default relinks. The stored form
 * keeps the choices (FORM_VERSION 5); a form stored earlier keeps its batch and schedule for the
 * kind it was stored with. Opening a run keeps the other kinds' choices.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SIZE, TrainConfig } from '../../../src-shared/types';
import { FORM_VERSION, SETTINGS_KEY, Settings, followsKind, formFromConfig, withKind } from '../../../src-renderer/src/state/settings.svelte';
import { MemoryStorage } from './fake-api';

/** A Settings loaded from a stored form (`train` over the defaults) of `formVersion`. */
function loaded(train: Record<string, unknown>, formVersion: number): Settings {
  const storage = new MemoryStorage();
  const base: Record<string, unknown> = { ...new Settings(null).train };
  if (formVersion < 5) delete base.kindChoices; // that version had no such field
  storage.setItem(SETTINGS_KEY, JSON.stringify({ formVersion, train: { ...base, ...train } }));
  return new Settings(storage);
}

describe('the per-kind settings: one rule for the batch size and the schedule', () => {
  it('both settings switch alike: each kind its own choice or default, nothing carried over, nothing lost', () => {
    const s = new Settings(null);
    s.train.batchSize = 128;
    s.choose('lrSchedule', 'linear-decay');
    expect([followsKind(s.train, 'batchSize'), followsKind(s.train, 'lrSchedule')]).toEqual([false, false]);
    s.setKind('vaegan');
    expect([s.train.batchSize, s.lrSchedule]).toEqual([DEFAULT_BATCH_SIZE.vaegan, 'linear-decay']);
    expect([followsKind(s.train, 'batchSize'), followsKind(s.train, 'lrSchedule')]).toEqual([true, true]);
    s.train.batchSize = 32;
    s.choose('lrSchedule', 'constant');
    s.setKind('cvae');
    expect([s.train.batchSize, s.lrSchedule]).toEqual([DEFAULT_BATCH_SIZE.cvae, 'constant']);
    s.setKind('vae');
    expect([s.train.batchSize, s.lrSchedule]).toEqual([128, 'linear-decay']);
    s.setKind('vaegan');
    expect([s.train.batchSize, s.lrSchedule]).toEqual([32, 'constant']);
    // Choosing the default again relinks: the VAE-GAN follows its kind from now on.
    s.choose('batchSize', DEFAULT_BATCH_SIZE.vaegan);
    s.choose('lrSchedule', 'linear-decay');
    expect(s.train.lrSchedule).toBeNull();
    s.setKind('vae');
    expect(s.train.kindChoices).toEqual({ batchSize: {}, lrSchedule: {} });
    s.setKind('vaegan');
    expect([s.train.batchSize, s.lrSchedule]).toEqual([DEFAULT_BATCH_SIZE.vaegan, 'linear-decay']);
  });

  it('withKind leaves the form it is given alone and keeps only the kinds not shown', () => {
    const f = { ...new Settings(null).train, batchSize: 100 };
    const g = withKind(f, 'vaegan');
    expect(f).toMatchObject({ kind: 'vae', batchSize: 100, kindChoices: { batchSize: {} } });
    expect(g).toMatchObject({ kind: 'vaegan', batchSize: DEFAULT_BATCH_SIZE.vaegan, kindChoices: { batchSize: { vae: 100 } } });
    expect(withKind(g, 'vae')).toMatchObject({ kind: 'vae', batchSize: 100, kindChoices: { batchSize: {} } });
  });

  it('opening a run shows its settings and keeps the other kinds’ choices', () => {
    const s = new Settings(null);
    s.train.batchSize = 100; // the VAE's choice
    const gan = TrainConfig.parse({ model: { kind: 'vaegan', latentDim: 8 }, batchSize: 32 });
    s.setForm(formFromConfig(gan, s.train));
    expect(s.train).toMatchObject({ kind: 'vaegan', batchSize: 32, lrSchedule: null });
    s.setKind('vae');
    expect(s.train.batchSize).toBe(100);
    s.setKind('vaegan');
    expect(s.train.batchSize).toBe(32);
  });

  it('the stored form keeps every kind’s choice (FORM_VERSION 5); a bad entry is dropped', () => {
    expect(FORM_VERSION).toBe(5);
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    s.train.batchSize = 64;
    s.choose('lrSchedule', 'linear-decay');
    s.setKind('vaegan');
    s.choose('lrSchedule', 'constant');
    s.save();
    const again = new Settings(storage);
    expect(again.train).toMatchObject({ kind: 'vaegan', batchSize: DEFAULT_BATCH_SIZE.vaegan, lrSchedule: 'constant', kindChoices: { batchSize: { vae: 64 }, lrSchedule: { vae: 'linear-decay' } } });
    again.setKind('vae');
    expect([again.train.batchSize, again.lrSchedule]).toEqual([64, 'linear-decay']);
    const stored = JSON.parse(storage.map.get(SETTINGS_KEY)!);
    expect(stored.formVersion).toBe(5);
    stored.train.kindChoices.batchSize = { vae: -3 };
    storage.setItem(SETTINGS_KEY, JSON.stringify(stored));
    const bad = new Settings(storage);
    expect(bad.train.kindChoices).toEqual({ batchSize: {}, lrSchedule: { vae: 'linear-decay' } });
  });
});

describe('a form stored before FORM_VERSION 5 (one batch and schedule for every kind)', () => {
  it('a VAE stored with batch 64 and linear decay keeps them as the VAE’s; the VAE-GAN shows its own defaults', () => {
    const s = loaded({ kind: 'vae', batchSize: 64, lrSchedule: 'linear-decay' }, 4);
    expect([s.train.batchSize, s.lrSchedule]).toEqual([64, 'linear-decay']);
    expect(s.train.kindChoices).toEqual({ batchSize: {}, lrSchedule: {} });
    s.setKind('vaegan');
    expect([s.train.batchSize, s.train.lrSchedule]).toEqual([DEFAULT_BATCH_SIZE.vaegan, null]);
    s.setKind('vae'); // the old rule reset these to 256 and constant
    expect([s.train.batchSize, s.lrSchedule]).toEqual([64, 'linear-decay']);
  });

  it('a VAE-GAN stored with batch 128 and a constant rate keeps them as the VAE-GAN’s; they no longer carry over to the VAE', () => {
    const s = loaded({ kind: 'vaegan', batchSize: 128, lrSchedule: 'constant' }, 4);
    s.setKind('vae');
    expect([s.train.batchSize, s.lrSchedule]).toEqual([DEFAULT_BATCH_SIZE.vae, 'constant']);
    expect(s.train.lrSchedule).toBeNull();
    s.setKind('vaegan');
    expect([s.train.batchSize, s.lrSchedule]).toEqual([128, 'constant']);
    // Saved again: the current version.
    expect(s.snapshot().formVersion).toBe(FORM_VERSION);
  });

  it('the older migrations still apply first (a VAE-GAN stored with the old default 256 gets 64)', () => {
    const s = loaded({ kind: 'vaegan', batchSize: 256 }, 3);
    expect(s.train.batchSize).toBe(DEFAULT_BATCH_SIZE.vaegan);
    // Stray choices in a form that says it is older are not trusted.
    expect(loaded({ kind: 'vae', kindChoices: { batchSize: { vaegan: 7 }, lrSchedule: {} } }, 4).train.kindChoices).toEqual({ batchSize: {}, lrSchedule: {} });
  });
});
