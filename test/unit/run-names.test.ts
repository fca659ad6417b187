/**
 * A new run's default name says the model as the app names it and its arch: "Conv VAE z=4 ·
 * shapes" and "VAE z=4 · shapes" tell a conv run from a dense one without opening either, and a
 * VAE-GAN is "VAE-GAN", as in the forms, not "VAEGAN".
 */
import { describe, expect, it } from 'vitest';
import { TrainConfig, type TrainConfigInput } from '../../src-shared/types';
import { defaultRunName, distinctName, kindName } from '../../src-main/engine/runNames';
import { VAEGAN_DEFAULTS } from '../../src-shared/vaegan';
import { DEFAULT_BATCH_SIZE } from '../../src-shared/training';

// The kind's default batch size (not given): the name says no batch.
const cfg = (model: TrainConfigInput['model'], dataset: TrainConfigInput['dataset'] = { id: 'mnist' }, run: Partial<TrainConfigInput> = {}) =>
  TrainConfig.parse({ dataset, model, epochs: 1, ...run });

describe('default run names', () => {
  it('name every kind × arch with the model’s proper name, "Conv" only for the conv arch', () => {
    const kinds = ['ae', 'vae', 'cvae', 'vaegan'] as const;
    const proper = { ae: 'AE', vae: 'VAE', cvae: 'CVAE', vaegan: 'VAE-GAN' };
    for (const kind of kinds) {
      const dense = defaultRunName(cfg({ kind, latentDim: 8, beta: 1 }));
      const conv = defaultRunName(cfg({ kind, latentDim: 8, beta: 1, arch: 'conv' }));
      expect(dense).toBe(`${proper[kind]} z=8 · mnist`);
      expect(conv).toBe(`Conv ${proper[kind]} z=8 · mnist`);
      expect(kindName(kind)).toBe(proper[kind]);
    }
  });

  it('a conv and a dense run with the same settings differ by their names, not by a "(2)"', () => {
    const data = { id: 'local' as const, path: '/home/me/shapes/' };
    const dense = defaultRunName(cfg({ kind: 'vae', latentDim: 4 }, data));
    const conv = defaultRunName(cfg({ kind: 'vae', latentDim: 4, arch: 'conv' }, data));
    expect([dense, conv]).toEqual(['VAE z=4 · shapes', 'Conv VAE z=4 · shapes']);
    expect(distinctName(conv, [dense])).toBe(conv);
  });

  it('say β when it is not 1, except for an AE, which has none', () => {
    expect(defaultRunName(cfg({ kind: 'vae', latentDim: 2, beta: 4 }))).toBe('VAE z=2 β=4 · mnist');
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8, arch: 'conv', beta: 0.5 }))).toBe('Conv VAE-GAN z=8 β=0.5 · mnist');
    expect(defaultRunName(cfg({ kind: 'ae', latentDim: 2 }))).toBe('AE z=2 · mnist');
  });

  it('a VAE-GAN says γ, its pixel weight and its discriminator’s LR × when not the defaults, as β is', () => {
    // Two VAE-GANs that differ only in γ used to be "VAE-GAN z=8 · mnist" and "… (2)".
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8, gamma: 0.1 }))).toBe('VAE-GAN z=8 γ=0.1 · mnist');
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8, beta: 2, gamma: 0.001, pixelWeight: 0, discLrScale: 0.25 }))).toBe(
      'VAE-GAN z=8 β=2 γ=0.001 pixel=0 D-LR×0.25 · mnist',
    );
    // The defaults (γ 0.3, pixel weight 3, × 0.5), given or not, say nothing.
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8, gamma: 0.3, pixelWeight: 3, discLrScale: 0.5 }))).toBe('VAE-GAN z=8 · mnist');
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8 }))).toBe('VAE-GAN z=8 · mnist');
  });

  it('a VAE-GAN says its adversarial loss when not the default, so two runs that differ only in it are told apart', () => {
    const def = VAEGAN_DEFAULTS.ganLoss as 'standard' | 'relativistic';
    const other = def === 'relativistic' ? 'standard' : 'relativistic';
    const said = other === 'relativistic' ? 'relativistic' : 'standard loss';
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8, ganLoss: other }))).toBe(`VAE-GAN z=8 ${said} · mnist`);
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8, gamma: 0.1, ganLoss: other }))).toBe(`VAE-GAN z=8 γ=0.1 ${said} · mnist`);
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8, ganLoss: VAEGAN_DEFAULTS.ganLoss }))).toBe('VAE-GAN z=8 · mnist');
    // A new run left without it gets the default, and says nothing.
    expect(defaultRunName(cfg({ kind: 'vaegan', latentDim: 8 }))).toBe('VAE-GAN z=8 · mnist');
  });
});

describe('default run names and the batch size', () => {
  it('say a batch size that is not the kind’s default, before the schedule: a VAE trained like a VAE-GAN is not named as the VAE', () => {
    const vae = { kind: 'vae', latentDim: 3 } as const;
    expect(defaultRunName(cfg(vae))).toBe('VAE z=3 · mnist');
    expect(defaultRunName(cfg(vae, undefined, { batchSize: DEFAULT_BATCH_SIZE.vae }))).toBe('VAE z=3 · mnist');
    expect(defaultRunName(cfg(vae, undefined, { batchSize: 64 }))).toBe('VAE z=3 batch 64 · mnist');
    // The tester's matched VAE: batch 64 and linear decay, as the VAE-GAN's defaults.
    expect(defaultRunName(cfg(vae, undefined, { batchSize: 64, lrSchedule: 'linear-decay' }))).toBe('VAE z=3 batch 64 LR decay · mnist');
    expect(defaultRunName(cfg(vae, undefined, { batchSize: 64, lrSchedule: 'linear-decay' }))).not.toBe(defaultRunName(cfg(vae)));
  });

  it('each kind against its own default: a VAE-GAN says batch 256, not its default 64', () => {
    const gan = { kind: 'vaegan', latentDim: 8 } as const;
    expect(defaultRunName(cfg(gan))).toBe('VAE-GAN z=8 · mnist');
    expect(defaultRunName(cfg(gan, undefined, { batchSize: DEFAULT_BATCH_SIZE.vaegan }))).toBe('VAE-GAN z=8 · mnist');
    expect(defaultRunName(cfg(gan, undefined, { batchSize: 256 }))).toBe('VAE-GAN z=8 batch 256 · mnist');
    expect(defaultRunName(cfg(gan, undefined, { batchSize: 256, lrSchedule: 'constant' }))).toBe('VAE-GAN z=8 batch 256 constant LR · mnist');
    expect(defaultRunName(cfg({ kind: 'ae', latentDim: 2 }, undefined, { batchSize: 1024 }))).toBe('AE z=2 batch 1024 · mnist');
    expect(defaultRunName(cfg({ kind: 'cvae', latentDim: 2 }, undefined, { batchSize: 32 }))).toBe('CVAE z=2 β=5 batch 32 · mnist');
    // A caller that knows only the model and the data (the run list's fallback) says no batch.
    expect(defaultRunName({ model: cfg(gan).model, dataset: { id: 'mnist' } })).toBe('VAE-GAN z=8 · mnist');
  });
});

describe('one name for a run’s model, in the run list, Compare and the default run name', () => {
  it('the renderer names a model with the engine’s rule: a conv run says "Conv" in Compare as in its name', async () => {
    const { modelName: rendererModelName, kindName: rendererKindName } = await import('../../src-renderer/src/lib/format');
    const conv = cfg({ kind: 'vae', latentDim: 4, arch: 'conv' }, { id: 'local', path: '/home/me/shapes' });
    const gan = cfg({ kind: 'vaegan', latentDim: 8, beta: 2 });
    expect(rendererModelName(conv.model)).toBe('Conv VAE z=4');
    expect(rendererModelName(gan.model)).toBe('VAE-GAN z=8 β=2');
    expect(rendererKindName('vaegan')).toBe('VAE-GAN');
    // The default name is the model's name and the dataset: the caption beside a default-named run repeats its start.
    expect(defaultRunName(conv).startsWith(`${rendererModelName(conv.model)} · `)).toBe(true);
    expect(defaultRunName(gan)).toBe(`${rendererModelName(gan.model)} · mnist`);
  });
});
