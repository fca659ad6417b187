/**
 * The Train form's architecture settings and its model card (issue #13's UI): what a conv, dense
 * or Gaussian model sends to the engine, how the filter widths are checked in words, how an
 * opened conv run fills the form, and the card asked (debounced, newest answer wins) for the
 * form's model on the chosen dataset's shape.
 */
import { describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { ModelCard, RequestInput } from '../../../src-shared/contract';
import { TrainConfig } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { Settings, formFromConfig, parseFilters, trainFormErrors } from '../../../src-renderer/src/state/settings.svelte';
import { formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { MemoryStorage, engineWith, labError } from './fake-api';

const form = () => new Settings(null).train;

describe('what the form sends', () => {
  it('a conv model leaves the dense size to the engine unless the user set it (28×28 gets Dense 16, not 256)', () => {
    const f = { ...form(), arch: 'conv' as const };
    const model = formToConfig(f).model!;
    expect(model).toMatchObject({ arch: 'conv', kind: 'vae' });
    expect(model).not.toHaveProperty('hidden');
    expect(model).not.toHaveProperty('convFilters');
    // The engine's parse then leaves hidden empty: the image size's default is used.
    expect(TrainConfig.parse(formToConfig(f)).model.hidden).toEqual([]);
    expect(formToConfig({ ...f, convHidden: 32, convFilters: '16, 32' }).model).toMatchObject({ hidden: [32], convFilters: [16, 32] });
  });

  it('a dense model sends its hidden units; the dense size typed for conv does not leak into it', () => {
    expect(formToConfig({ ...form(), hidden: 128, convHidden: 32 }).model).toMatchObject({ arch: 'dense', hidden: [128] });
    expect(formToConfig({ ...form(), hidden: 128, convFilters: '8' }).model).not.toHaveProperty('convFilters');
  });

  it('the likelihood goes with the model; σ only for a Gaussian the user gave one', () => {
    expect(formToConfig(form()).model).toMatchObject({ likelihood: 'auto' });
    expect(formToConfig(form()).model).not.toHaveProperty('sigma');
    expect(formToConfig({ ...form(), likelihood: 'gaussian', sigma: 0.2 }).model).toMatchObject({ likelihood: 'gaussian', sigma: 0.2 });
    expect(formToConfig({ ...form(), likelihood: 'bernoulli', sigma: 0.2 }).model).not.toHaveProperty('sigma');
    expect(() => TrainConfig.parse(formToConfig({ ...form(), likelihood: 'bernoulli', sigma: 0.2 }))).not.toThrow();
  });
});

describe('the form’s conv settings', () => {
  it('filter widths are read from commas or spaces; anything else is said in words', () => {
    expect(parseFilters('32, 64')).toEqual([32, 64]);
    expect(parseFilters(' 16 32,64 ')).toEqual([16, 32, 64]);
    expect(parseFilters('')).toEqual([]);
    expect(parseFilters('32, x')).toBeNull();
    expect(parseFilters('3.5')).toBeNull();
    const conv = { ...form(), arch: 'conv' as const };
    expect(trainFormErrors({ ...conv, convFilters: '32, 64' })).toEqual({});
    expect(trainFormErrors({ ...conv, convFilters: 'wide' }).convFilters).toMatch(/whole numbers from 1 to 1,024.*e\.g\. 32, 64/);
    expect(trainFormErrors({ ...conv, convFilters: '0, 64' }).convFilters).toBeDefined();
    expect(trainFormErrors({ ...conv, convFilters: '8 8 8 8 8 8 8' }).convFilters).toMatch(/up to 6/);
    expect(trainFormErrors({ ...conv, convHidden: 0 }).convHidden).toMatch(/Dense units/);
    // A dense model ignores what is typed in the conv fields, and a conv model the dense units.
    expect(trainFormErrors({ ...form(), convFilters: 'wide' })).toEqual({});
    expect(trainFormErrors({ ...conv, hidden: 0 })).toEqual({});
    expect(trainFormErrors({ ...form(), likelihood: 'gaussian', sigma: 0 }).sigma).toMatch(/σ/);
  });

  it('stored settings keep the new fields, and a bad one falls back alone', () => {
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    s.train.arch = 'conv';
    s.train.convFilters = '16, 32';
    s.train.convHidden = 24;
    s.train.likelihood = 'gaussian';
    s.train.sigma = 0.05;
    s.save();
    expect(new Settings(storage).train).toMatchObject({ arch: 'conv', convFilters: '16, 32', convHidden: 24, likelihood: 'gaussian', sigma: 0.05 });
    const stored = JSON.parse(storage.map.get('latent-lab.settings.v1')!);
    stored.train.arch = 'capsule';
    stored.train.sigma = -1;
    storage.setItem('latent-lab.settings.v1', JSON.stringify(stored));
    expect(new Settings(storage).train).toMatchObject({ arch: 'dense', sigma: null, convFilters: '16, 32', latentDim: 3 });
  });

  it('an opened conv run brings its architecture and chosen widths into the form, and keeps the dense units', () => {
    const current = { ...form(), hidden: 200 };
    const cfg = TrainConfig.parse({ model: { kind: 'vae', arch: 'conv', latentDim: 2, convFilters: [16, 48], hidden: [24], likelihood: 'gaussian', sigma: 0.3 } });
    expect(formFromConfig(cfg, current)).toMatchObject({ arch: 'conv', convFilters: '16, 48', convHidden: 24, hidden: 200, likelihood: 'gaussian', sigma: 0.3 });
    const dense = TrainConfig.parse({ model: { kind: 'vae', latentDim: 2, hidden: [64] } });
    expect(formFromConfig(dense, { ...current, convFilters: '8', convHidden: 4 })).toMatchObject({ arch: 'dense', hidden: 64, convFilters: '8', convHidden: 4 });
  });
});

const CARD: ModelCard = {
  params: 134_165,
  flops: { forward: 14e6, backward: 26e6, trainStep: 40e6 },
  layers: [{ name: 'enc_conv_0', type: 'Conv2D', output: [14, 14, 32], params: 320, flops: 1e6 }],
  hidden: [16],
  convFilters: [32, 64],
};

/** A lab on a fake engine whose `models:describe` answers with `answer` (recorded), the card following the form. */
async function cardLab(answer: (p: RequestInput<'models:describe'>) => ModelCard | Promise<ModelCard> = () => CARD) {
  const api = engineWith([]).handle('models:describe', answer);
  const lab = new Lab(api, null);
  const stop = lab.start();
  await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
  lab.modelCard.debounceMs = 0;
  const stopFollow = $effect.root(() => lab.modelCard.follow());
  flushSync();
  return {
    api,
    lab,
    stop: () => {
      stopFollow();
      stop();
    },
  };
}

describe('the model card', () => {
  it('describes the form’s model on the dataset’s shape and classes', async () => {
    const { api, lab, stop } = await cardLab();
    lab.settings.train.arch = 'conv';
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).toEqual(CARD));
    const asked = api.callsOf('models:describe').at(-1)!;
    expect(asked).toMatchObject({ shape: [28, 28], numClasses: 10, model: { arch: 'conv', kind: 'vae', latentDim: 3 } });
    expect(asked.model).not.toHaveProperty('hidden');
    expect(lab.modelCard.pending).toBe(false);
    stop();
  });

  it('asks once after a burst of changes (debounced), and not again for the same model', async () => {
    const { api, lab, stop } = await cardLab();
    await vi.waitFor(() => expect(lab.modelCard.card).not.toBeNull());
    lab.modelCard.debounceMs = 30;
    const before = api.callsOf('models:describe').length;
    for (const d of [4, 5, 6, 7]) {
      lab.settings.train.latentDim = d;
      flushSync();
    }
    expect(lab.modelCard.pending).toBe(true);
    await vi.waitFor(() => expect(api.callsOf('models:describe').length).toBe(before + 1));
    expect(api.callsOf('models:describe').at(-1)!.model).toMatchObject({ latentDim: 7 });
    // Epochs are not part of the model: no new question.
    lab.settings.train.epochs = 3;
    flushSync();
    await new Promise((r) => setTimeout(r, 60));
    expect(api.callsOf('models:describe').length).toBe(before + 1);
    stop();
  });

  it('an older answer never replaces a newer one', async () => {
    const gates: Array<(c: ModelCard) => void> = [];
    const { lab, stop } = await cardLab(() => new Promise<ModelCard>((r) => gates.push(r)));
    await vi.waitFor(() => expect(gates.length).toBe(1));
    lab.settings.train.latentDim = 9;
    flushSync();
    await vi.waitFor(() => expect(gates.length).toBe(2));
    gates[1]({ ...CARD, params: 9 });
    await vi.waitFor(() => expect(lab.modelCard.card?.params).toBe(9));
    gates[0]({ ...CARD, params: 1 });
    await new Promise((r) => setTimeout(r, 10));
    expect(lab.modelCard.card?.params).toBe(9);
    stop();
  });

  it('a model the engine cannot build is refused in its words, and blocks nothing once fixed', async () => {
    const { lab, stop } = await cardLab((p) => {
      if (p.model.convFilters?.length === 3) throw labError('INVALID_PAYLOAD', 'convFilters has 3 stages, but a 28×28 image halves exactly only 2 times');
      return CARD;
    });
    lab.settings.train.arch = 'conv';
    lab.settings.train.convFilters = '8, 16, 32';
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.refused).toBe(true));
    expect(lab.modelCard.error).toMatch(/halves exactly only 2 times/);
    expect(lab.modelCard.card).toBeNull();
    lab.settings.train.convFilters = '8, 16';
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).toEqual(CARD));
    expect(lab.modelCard).toMatchObject({ refused: false, error: null });
    stop();
  });

  it('a transport failure is not a refusal, and the same model is asked again later', async () => {
    let down = true;
    const { api, lab, stop } = await cardLab(() => {
      if (down) throw labError('ENGINE_DOWN', 'engine exited');
      return CARD;
    });
    await vi.waitFor(() => expect(lab.modelCard.error).toMatch(/engine is not running/));
    expect(lab.modelCard.refused).toBe(false);
    down = false;
    lab.modelCard.request(lab.modelCard.input);
    await vi.waitFor(() => expect(lab.modelCard.card).toEqual(CARD));
    expect(api.callsOf('models:describe').length).toBe(2);
    stop();
  });

  it('your own data: no card until the data is checked with the form’s options, then its shape and classes', async () => {
    const { api, lab, stop } = await cardLab();
    lab.settings.train.dataset = 'local';
    lab.settings.train.folderPath = '/data/pets';
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).toBeNull());
    expect(lab.modelCard.waiting).toMatch(/Check your data/);
    const before = api.callsOf('models:describe').length;
    api.handle('datasets:inspect', () => ({
      info: { id: 'local', title: 'pets', description: '', shape: [64, 64, 3], labelNames: ['cat', 'dog', 'fox'], trainCount: 8, testCount: 2, available: true, isImage: true },
      report: undefined as never,
      preview: { images: new Float32Array(0), labels: new Int32Array(0), count: 0, shape: [64, 64, 3] } as never,
    }));
    await lab.datasetCheck.check('/data/pets', lab.settings.train.import);
    flushSync();
    await vi.waitFor(() => expect(api.callsOf('models:describe').length).toBe(before + 1));
    expect(api.callsOf('models:describe').at(-1)).toMatchObject({ shape: [64, 64, 3], numClasses: 3 });
    // Other import options than the checked ones: the shape is unknown again.
    lab.settings.train.import = { ...lab.settings.train.import, size: 32 };
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).toBeNull());
    stop();
  });

  it('a form with errors asks nothing and says why', async () => {
    const { lab, stop } = await cardLab();
    await vi.waitFor(() => expect(lab.modelCard.card).not.toBeNull());
    lab.settings.train.latentDim = 1;
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).toBeNull());
    expect(lab.modelCard.waiting).toMatch(/Fix the form/);
    stop();
  });

  it('any model setting the form refuses keeps the model from being described (a VAE-GAN weight average of 1, β < 0), not just the sizes', async () => {
    const { api, lab, stop } = await cardLab();
    await vi.waitFor(() => expect(lab.modelCard.card).not.toBeNull());
    lab.settings.setKind('vaegan');
    flushSync();
    await vi.waitFor(() => expect(api.callsOf('models:describe').at(-1)!.model).toMatchObject({ kind: 'vaegan' }));
    const asked = api.callsOf('models:describe').length;
    lab.settings.train.emaDecay = 1;
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).toBeNull());
    expect(lab.modelCard.input).toBeNull();
    lab.settings.train.emaDecay = null;
    lab.settings.train.beta = -1;
    flushSync();
    expect(lab.modelCard.input).toBeNull();
    await new Promise((r) => setTimeout(r, 30));
    expect(api.callsOf('models:describe').length).toBe(asked);
    // Epochs are a run setting, not the model's: a bad one does not hide the card.
    lab.settings.train.beta = 1;
    lab.settings.train.epochs = 0;
    flushSync();
    expect(lab.modelCard.input).not.toBeNull();
    stop();
  });
});
