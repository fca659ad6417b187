/**
 * Compare's "Train A again like B" (testid compare-train-like; tester finding 1): when two runs did
 * not train alike (`notLikeForLike`), a button under the note trains one again with the other's
 * batch size, learning-rate schedule and epochs (the same steps on the same data), its other
 * settings its own, and starts it as Compare's Train start does (the live scatter shown). Its
 * label has the real values; it is disabled, with the reason as title, while a run trains or when
 * the two runs are on different data; absent when the runs trained alike.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../../src-renderer/src/lib/contract';
import { DEFAULT_BATCH_SIZE, TrainConfig } from '../../../src-shared/types';
import { defaultRunName } from '../../../src-shared/runNames';
import { LIVE_VIEW_TAB, Lab } from '../../../src-renderer/src/state/lab.svelte';
import { Settings } from '../../../src-renderer/src/state/settings.svelte';
import { formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { runTraining, trainLikeBlock, trainLikeForm, trainLikeLabel, trainLikePlan, trainLikeTitle } from '../../../src-renderer/src/state/tabs/compareTraining';
import { MNIST, engineWith, run } from './fake-api';

/** A finished run of `kind` (z=8) with `config` over the kind's defaults and `epochsDone` epochs. */
function saved(id: string, kind: 'vae' | 'vaegan' | 'ae', config: Record<string, unknown> = {}, epochsDone = 3): RunSummary {
  const r = run(id, { kind, dim: 8, epochsDone });
  const model = { kind, latentDim: 8, ...((config.model as object) ?? {}) };
  return { ...r, config: TrainConfig.parse({ epochs: epochsDone, ...config, model }) };
}
const n = MNIST.trainCount;
/** The plan for A = `a`, B = `b` on `count` training examples (null: unknown). */
const plan = (a: RunSummary, b: RunSummary, count: number | null = n) => trainLikePlan([a, b], [runTraining(a, count ?? undefined), runTraining(b, count ?? undefined)]);

describe('Compare: which run is trained again, and the label', () => {
  it('a VAE and a VAE-GAN at their defaults: the VAE again like the VAE-GAN, "batch 64, linear decay, 375 steps", whichever side it is on', () => {
    const vae = saved('vae', 'vae');
    const gan = saved('gan', 'vaegan');
    const p = plan(vae, gan)!;
    expect(p).toMatchObject({ side: 'A', like: 'B', batchSize: DEFAULT_BATCH_SIZE.vaegan, lrSchedule: 'linear-decay', epochs: 3, steps: 375 });
    expect(trainLikeLabel(p)).toBe('Train A again like B: batch 64, linear decay, 375 steps');
    const q = plan(gan, vae)!;
    expect(q.run.id).toBe('vae');
    expect(trainLikeLabel(q)).toBe('Train B again like A: batch 64, linear decay, 375 steps');
    expect(trainLikeTitle(p)).toContain("B's batch size 64, linear decay learning rate and 3 epochs: the same 375 optimiser steps as B. A is kept");
  });

  it('two runs of one kind: the one with fewer steps again like the other (steps unknown: fewer epochs, said in epochs)', () => {
    const short = saved('short', 'vae', {}, 3);
    const long = saved('long', 'vae', {}, 10);
    expect(trainLikeLabel(plan(long, short)!)).toBe('Train B again like A: batch 256, constant, 320 steps');
    expect(trainLikeLabel(plan(short, long, null)!)).toBe('Train A again like B: batch 256, constant, 10 epochs');
    const decayed = saved('decayed', 'vae', { batchSize: 64, lrSchedule: 'linear-decay' }, 3);
    expect(trainLikeLabel(plan(decayed, short)!)).toBe('Train B again like A: batch 64, linear decay, 375 steps');
  });

  it('no offer when the runs trained alike (the same batch, schedule and steps within 1.5×)', () => {
    expect(plan(saved('a', 'vaegan'), saved('b', 'vaegan', { model: { gamma: 0.1 } }))).toBeNull();
    expect(plan(saved('a', 'vae', {}, 3), saved('b', 'ae', {}, 4))).toBeNull();
  });

  it('blocked while a run trains, before the engine is ready, or when the two are on different data', () => {
    const p = plan(saved('vae', 'vae'), saved('gan', 'vaegan'))!;
    expect(trainLikeBlock(p, { training: false, engineReady: true })).toBeNull();
    expect(trainLikeBlock(p, { training: true, engineReady: true })).toMatch(/^A run is training/);
    expect(trainLikeBlock(p, { training: false, engineReady: false })).toMatch(/not ready/);
    const other = plan(saved('vae', 'vae', { dataset: { id: 'fashion-mnist' } }), saved('gan', 'vaegan'))!;
    expect(trainLikeBlock(other, { training: false, engineReady: true })).toBe('A and B trained on different data: A trained again like B would still not be comparable with it.');
  });
});

describe('Compare: the form it fills', () => {
  it('A’s own settings (kind, arch, latent, β, learning rate, seed, data, hidden) with B’s batch, schedule and epochs', () => {
    const vae = saved('vae', 'vae', { model: { beta: 2, hidden: [128] }, learningRate: 0.002, seed: 7 }, 30);
    const gan = saved('gan', 'vaegan', { model: { beta: 1, gamma: 0.1 }, learningRate: 0.0005, seed: 1 }, 5);
    const current = { ...new Settings(null).train, kind: 'vaegan' as const, latentDim: 2, epochs: 99, batchSize: 32 };
    const form = trainLikeForm(plan(vae, gan)!, current);
    expect(form).toMatchObject({ dataset: 'mnist', kind: 'vae', arch: 'dense', latentDim: 8, hidden: 128, beta: 2, learningRate: 0.002, seed: 7 });
    expect(form).toMatchObject({ batchSize: 64, lrSchedule: 'linear-decay', epochs: 5 });
    const cfg = TrainConfig.parse(formToConfig(form));
    expect(cfg).toMatchObject({ batchSize: 64, lrSchedule: 'linear-decay', epochs: 5, learningRate: 0.002, seed: 7, model: { kind: 'vae', latentDim: 8, beta: 2 } });
    // The new run's default name says its batch and schedule: not A's name.
    expect(defaultRunName(cfg)).toBe('VAE z=8 β=2 batch 64 LR decay · mnist');
    expect(defaultRunName(cfg)).not.toBe(defaultRunName(vae.config));
    // The form's VAE-GAN batch chosen before (32) stays the VAE-GAN's.
    expect(form.kindChoices.batchSize).toEqual({ vaegan: 32 });
  });

  it('a value that is the kind’s default follows the kind (two VAE-GANs: the schedule is not sent)', () => {
    const old = saved('old', 'vaegan', { batchSize: 256, lrSchedule: 'constant' }, 3);
    const now = saved('now', 'vaegan', {}, 3);
    const form = trainLikeForm(plan(old, now)!, new Settings(null).train);
    expect(form).toMatchObject({ kind: 'vaegan', batchSize: 64, lrSchedule: null });
  });
});

describe('Compare: the button through the app', () => {
  async function labWith(runs: RunSummary[]) {
    const api = engineWith(runs).handle('training:start', () => ({ runId: 'live' }));
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    await lab.runs.refresh();
    lab.settings.tab = 'compare';
    return { lab, api };
  }

  it('starts the VAE again like the VAE-GAN, shows the live run, and is then disabled while it trains', async () => {
    const { lab, api } = await labWith([saved('vae', 'vae', { seed: 3 }), saved('gan', 'vaegan')]);
    const c = lab.compare;
    [c.runA, c.runB] = ['vae', 'gan'];
    expect(c.trainLike && trainLikeLabel(c.trainLike)).toBe('Train A again like B: batch 64, linear decay, 375 steps');
    expect(c.trainLikeBlocked).toBeNull();
    await c.trainAgainLike();
    expect(api.callsOf('training:start')).toHaveLength(1);
    expect(api.callsOf('training:start')[0]).toMatchObject({ model: { kind: 'vae', latentDim: 8 }, batchSize: 64, lrSchedule: 'linear-decay', epochs: 3, seed: 3 });
    // As Compare's Train start: the live scatter is shown.
    expect(lab.settings.tab).toBe(LIVE_VIEW_TAB);
    expect(lab.training.active).toBe(true);
    expect(lab.settings.train).toMatchObject({ kind: 'vae', batchSize: 64, lrSchedule: 'linear-decay', epochs: 3 });
    expect(c.trainLikeBlocked).toMatch(/^A run is training/);
    await c.trainAgainLike();
    expect(api.callsOf('training:start')).toHaveLength(1);
  });

  /** The VAE trained again like the VAE-GAN, as the engine lists it once `state` (its other settings A's: seed 3). */
  const again = (state: 'training' | 'done' | 'cancelled', epochsDone = 3): RunSummary => ({
    ...saved('live', 'vae', { seed: 3, batchSize: 64, lrSchedule: 'linear-decay' }, epochsDone),
    name: 'VAE z=8 batch 64 LR decay · mnist',
    created: '2026-01-02T10:00:00.000Z',
    state,
  });
  /** A finished VAE-GAN and the VAE trained at its default batch, "Train A again like B" pressed. */
  async function pressed() {
    const runs = [{ ...saved('vae', 'vae', { seed: 3 }), name: 'VAE z=8 · mnist' }, { ...saved('gan', 'vaegan'), name: 'VAE-GAN z=8 · mnist' }];
    const { lab, api } = await labWith(runs);
    api.handle('runs:metrics', () => ({ elbo: 100, recon: 90, kl: 10, activeUnits: 8 }) as never);
    const c = lab.compare;
    [c.runA, c.runB] = ['vae', 'gan'];
    await c.trainAgainLike();
    runs.push(again('training'));
    await lab.runs.refresh();
    return { lab, api, runs, c };
  }

  it('once done, the new run is A beside the same B, compared, and the offer is gone (the two trained alike)', async () => {
    const { lab, api, runs, c } = await pressed();
    expect(c.trainedLikePending).toBe('live');
    // While it trains the pair stays.
    expect(c.applyTrainedLike()).toBe(false);
    expect([c.runA, c.runB]).toEqual(['vae', 'gan']);
    runs[2] = again('done');
    api.emit('training:done', { runId: 'live', state: 'done', metrics: null });
    await lab.runs.refresh();
    lab.settings.tab = 'compare';
    expect(c.applyTrainedLike()).toBe(true);
    expect([c.runA, c.runB]).toEqual(['live', 'gan']);
    expect(c.trainedLikePending).toBeNull();
    expect(c.trainLike).toBeNull();
    await vi.waitFor(() => expect(c.metricsA && c.metricsB).toBeTruthy());
    expect(api.callsOf('model:latents').map((x) => x.runId)).toContain('live');
    // Applied once: picking the old VAE again is left alone.
    c.runA = 'vae';
    expect(c.applyTrainedLike()).toBe(false);
    expect(c.runA).toBe('vae');
  });

  it('not applied when the pair was changed meanwhile, or the new run was stopped', async () => {
    const changed = await pressed();
    changed.c.runB = 'vae';
    changed.c.runA = 'gan';
    changed.runs[2] = again('done');
    await changed.lab.runs.refresh();
    expect(changed.c.applyTrainedLike()).toBe(false);
    expect([changed.c.runA, changed.c.runB]).toEqual(['gan', 'vae']);
    expect(changed.c.trainedLikePending).toBeNull();

    const stopped = await pressed();
    stopped.runs[2] = again('cancelled', 1);
    stopped.api.emit('training:done', { runId: 'live', state: 'cancelled', metrics: null });
    await stopped.lab.runs.refresh();
    expect(stopped.c.applyTrainedLike()).toBe(false);
    expect([stopped.c.runA, stopped.c.runB]).toEqual(['vae', 'gan']);
    expect(stopped.c.trainedLikePending).toBeNull();
  });

  it('absent for runs trained alike; disabled for runs on different data, and then starts nothing', async () => {
    const { lab, api } = await labWith([saved('g1', 'vaegan'), saved('g2', 'vaegan', { model: { gamma: 0.1 } }), saved('f', 'vae', { dataset: { id: 'fashion-mnist' } })]);
    const c = lab.compare;
    [c.runA, c.runB] = ['g1', 'g2'];
    expect(c.trainLike).toBeNull();
    [c.runA, c.runB] = ['f', 'g1'];
    expect(c.trainLike).not.toBeNull();
    expect(c.trainLikeBlocked).toMatch(/different data/);
    await c.trainAgainLike();
    expect(api.callsOf('training:start')).toHaveLength(0);
    expect(lab.settings.tab).toBe('compare');
  });
});
