/**
 * The VAE-GAN in the renderer (issue #15): what the Train form sends for it (γ, pixel weight,
 * discriminator learning-rate scale only when set; nothing for other kinds), its checks in words,
 * a saved run brought back into the form, the engine's refusal on 2-D points; the training
 * view's discriminator / generator / feature curves and stability warnings; and Compare's
 * samples, reconstructions and reconstruction-accuracy row for a VAE beside a VAE-GAN.
 */
import { describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { EventPayload, RequestInput } from '../../../src-shared/contract';
import { TrainConfig, VAEGAN_DEFAULTS, type DatasetInfo, type RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { Settings, formFromConfig, trainDataErrors, trainFormErrors } from '../../../src-renderer/src/state/settings.svelte';
import { LossHistory, formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { METRIC_ROWS, winner } from '../../../src-renderer/src/state/tabs/compareRules';
import { lossSeries } from '../../../src-renderer/src/lib/lossChart';
import { MNIST, MemoryStorage, engineWith, labError, run, savedConfig } from './fake-api';

type Progress = EventPayload<'training:progress'>;
const form = () => new Settings(null).train;
const gan = () => ({ ...form(), kind: 'vaegan' as const });

describe('the Train form for a VAE-GAN', () => {
  it('sends γ, the pixel weight and the discriminator’s learning-rate scale only where the user set them', () => {
    const empty = formToConfig(gan()).model!;
    expect(empty).toMatchObject({ kind: 'vaegan' });
    for (const k of ['gamma', 'pixelWeight', 'discLrScale']) expect(empty).not.toHaveProperty(k);
    // Left out, the engine's parse fills in the contract's defaults (the placeholders shown).
    expect(TrainConfig.parse(formToConfig(gan())).model).toMatchObject(VAEGAN_DEFAULTS);
    const set = formToConfig({ ...gan(), gamma: 0.5, discLrScale: 2 }).model!;
    expect(set).toMatchObject({ gamma: 0.5, discLrScale: 2 });
    expect(set).not.toHaveProperty('pixelWeight');
    expect(TrainConfig.parse(formToConfig({ ...gan(), gamma: 0.5, discLrScale: 2 })).model).toMatchObject({ gamma: 0.5, discLrScale: 2, pixelWeight: VAEGAN_DEFAULTS.pixelWeight });
  });

  it('another kind sends none of them, even when they are filled in (the contract would refuse them)', () => {
    for (const kind of ['ae', 'vae', 'cvae'] as const) {
      const f = { ...form(), kind, gamma: 0.5, pixelWeight: 2, discLrScale: 3 };
      const model = formToConfig(f).model!;
      for (const k of ['gamma', 'pixelWeight', 'discLrScale']) expect(model).not.toHaveProperty(k);
      expect(() => TrainConfig.parse(formToConfig(f))).not.toThrow();
    }
  });

  it('sends the adversarial loss only when one is chosen: relativistic goes out, the default (null) is left out', () => {
    expect(gan().ganLoss).toBeNull();
    expect(formToConfig(gan()).model).not.toHaveProperty('ganLoss');
    expect(TrainConfig.parse(formToConfig(gan())).model.ganLoss).toBe(VAEGAN_DEFAULTS.ganLoss);
    const rel = formToConfig({ ...gan(), ganLoss: 'relativistic' });
    expect(rel.model).toMatchObject({ kind: 'vaegan', ganLoss: 'relativistic' });
    expect(TrainConfig.parse(rel).model.ganLoss).toBe('relativistic');
    // Another kind never sends it (the contract refuses it there).
    for (const kind of ['ae', 'vae', 'cvae'] as const) {
      const f = { ...form(), kind, ganLoss: 'relativistic' as const };
      expect(formToConfig(f).model).not.toHaveProperty('ganLoss');
      expect(() => TrainConfig.parse(formToConfig(f))).not.toThrow();
    }
  });

  it('the adversarial loss is kept with the other settings; an unknown stored one falls back to the default alone', () => {
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    s.setKind('vaegan');
    s.train.ganLoss = 'relativistic';
    s.train.gamma = 0.2;
    s.save();
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', ganLoss: 'relativistic', gamma: 0.2 });
    const stored = JSON.parse(storage.map.get('latent-lab.settings.v1')!);
    stored.train.ganLoss = 'wasserstein';
    storage.setItem('latent-lab.settings.v1', JSON.stringify(stored));
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', ganLoss: null, gamma: 0.2 });
    delete stored.train.ganLoss; // stored before the choice existed
    storage.setItem('latent-lab.settings.v1', JSON.stringify(stored));
    expect(new Settings(storage).train).toMatchObject({ ganLoss: null, gamma: 0.2 });
  });

  it('an opened VAE-GAN run brings its adversarial loss into the form; one saved before the choice is standard; a VAE keeps the form’s', () => {
    const current = { ...form(), ganLoss: 'relativistic' as const };
    const rel = TrainConfig.parse({ model: { kind: 'vaegan', latentDim: 8, ganLoss: 'relativistic' } });
    expect(formFromConfig(rel, { ...form(), ganLoss: null })).toMatchObject({ kind: 'vaegan', ganLoss: 'relativistic' });
    // Restored, the form sends it again: the same run trains the same way.
    expect(formToConfig(formFromConfig(rel, form())).model).toMatchObject({ ganLoss: 'relativistic' });
    // A run saved before the option existed, as the engine reads it.
    expect(formFromConfig(savedConfig({ model: { kind: 'vaegan', latentDim: 8 } }), current).ganLoss).toBe('standard');
    const vae = TrainConfig.parse({ model: { kind: 'vae', latentDim: 2 } });
    expect(formFromConfig(vae, current).ganLoss).toBe('relativistic');
  });

  it('checks the settings in words, naming each field as the form labels it; other kinds ignore them', () => {
    expect(trainFormErrors(gan())).toEqual({});
    expect(trainFormErrors({ ...gan(), gamma: -1 }).gamma).toMatch(/^γ must be a number from 0/);
    expect(trainFormErrors({ ...gan(), pixelWeight: 101 }).pixelWeight).toMatch(/^Pixel weight must be/);
    expect(trainFormErrors({ ...gan(), discLrScale: 0 }).discLrScale).toMatch(/^Discriminator learning-rate scale must be a number above 0/);
    expect(trainFormErrors({ ...gan(), gamma: Number.NaN }).gamma).toBeDefined();
    expect(trainFormErrors({ ...form(), kind: 'vae', gamma: -1, discLrScale: 0 })).toEqual({});
  });

  it('switching to a VAE-GAN keeps β at its default; stored settings keep the fields, a bad one falls back alone', () => {
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    s.setKind('vaegan');
    expect(s.train).toMatchObject({ kind: 'vaegan', beta: 1 });
    s.train.gamma = 0.3;
    s.train.discLrScale = 4;
    s.save();
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', gamma: 0.3, pixelWeight: null, discLrScale: 4 });
    const stored = JSON.parse(storage.map.get('latent-lab.settings.v1')!);
    stored.train.discLrScale = -2;
    delete stored.train.pixelWeight; // settings saved before the VAE-GAN existed
    storage.setItem('latent-lab.settings.v1', JSON.stringify(stored));
    expect(new Settings(storage).train).toMatchObject({ kind: 'vaegan', gamma: 0.3, pixelWeight: null, discLrScale: null });
  });

  it('an opened VAE-GAN run brings its settings into the form; a VAE run keeps what the form had', () => {
    const current = { ...form(), gamma: 0.7 };
    const cfg = TrainConfig.parse({ model: { kind: 'vaegan', latentDim: 8, gamma: 0.25, discLrScale: 0.5 } });
    expect(formFromConfig(cfg, current)).toMatchObject({ kind: 'vaegan', latentDim: 8, gamma: 0.25, discLrScale: 0.5, pixelWeight: VAEGAN_DEFAULTS.pixelWeight });
    const vae = TrainConfig.parse({ model: { kind: 'vae', latentDim: 2 } });
    expect(formFromConfig(vae, current)).toMatchObject({ kind: 'vae', gamma: 0.7, pixelWeight: null });
  });
});

const TOY: DatasetInfo = { ...MNIST, id: 'toy-moons', title: 'Two moons', shape: [2], labelNames: ['a', 'b'], isImage: false };

describe('the model card for a VAE-GAN', () => {
  it('on 2-D points the form refuses the VAE-GAN in its own words without asking the engine; an image dataset lifts it', async () => {
    const api = engineWith([])
      .handle('datasets:list', () => [MNIST, TOY])
      .handle('models:describe', () => ({ params: 1, flops: { forward: 1, backward: 2, trainStep: 3 }, layers: [], hidden: [256] }));
    const lab = new Lab(api, null);
    const stop = lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    lab.modelCard.debounceMs = 0;
    const stopFollow = $effect.root(() => lab.modelCard.follow());
    lab.settings.train.dataset = 'toy-moons';
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).not.toBeNull());
    const asked = api.callsOf('models:describe').length;
    lab.settings.setKind('vaegan');
    flushSync();
    // The form's own check says it (one sentence, the engine's refusal in the form's words), and nothing is sent to be described.
    expect(Object.values(trainDataErrors(lab.settings.train, lab.modelCard.formDataset))).toEqual([expect.stringMatching(/images only.*choose VAE, AE or CVAE/)]);
    expect(lab.modelCard.input).toBeNull();
    // Invalid GAN settings wait for the form too.
    lab.settings.train.gamma = -1;
    flushSync();
    expect(lab.modelCard.input).toBeNull();
    await new Promise((r) => setTimeout(r, 10));
    expect(api.callsOf('models:describe').length).toBe(asked);
    lab.settings.train.gamma = null;
    lab.settings.train.dataset = 'mnist';
    flushSync();
    await vi.waitFor(() => expect(lab.modelCard.card).not.toBeNull());
    expect(lab.modelCard).toMatchObject({ refused: false, error: null });
    expect(api.callsOf('models:describe').at(-1)!.model).toMatchObject({ kind: 'vaegan' });
    expect(api.callsOf('models:describe').at(-1)!.model).not.toHaveProperty('ganLoss');
    // The relativistic loss chosen: the card is asked again for that model.
    lab.settings.train.ganLoss = 'relativistic';
    flushSync();
    await vi.waitFor(() => expect(api.callsOf('models:describe').at(-1)!.model).toMatchObject({ kind: 'vaegan', ganLoss: 'relativistic' }));
    stopFollow();
    stop();
  });
});

function progress(epoch: number, batch: number, extra: Partial<Progress> = {}): Progress {
  return {
    runId: 'g',
    state: 'training',
    epoch,
    epochs: 2,
    batch,
    batches: 4,
    samplesPerSecond: 100,
    etaSeconds: 1,
    train: { loss: 150, recon: 140, kl: 10, gan: { disc: 2 - 0.1 * batch, gen: 1 + 0.1 * batch, feature: 30 } },
    beta: 1,
    ...extra,
  };
}

describe('the loss chart’s GAN curves', () => {
  it('the discriminator’s loss and the generator / feature terms become curves of their own; a VAE’s stay empty', () => {
    const h = new LossHistory();
    for (let b = 1; b <= 4; b++) h.add(progress(1, b));
    expect(h.disc).toHaveLength(4);
    expect(h.disc.every((v) => typeof v === 'number')).toBe(true);
    // The engine's running means come back as the recent batches' (smoothed): a falling discriminator loss falls.
    const disc = h.disc as number[];
    expect(disc.slice(1).every((v, i) => v < disc[i])).toBe(true);
    expect((h.gen as number[]).slice(1).every((v, i) => v > (h.gen as number[])[i])).toBe(true);
    expect(h.feature.every((v) => v !== null && Math.abs(v - 30) < 1e-9)).toBe(true);
    expect(h.ganPoints).toBe(4);
    const vae = new LossHistory();
    vae.add(progress(1, 1, { train: { loss: 150, recon: 140, kl: 10 } }));
    expect([vae.disc, vae.gen, vae.feature]).toEqual([[null], [null], [null]]);
    expect(vae.ganPoints).toBe(0);
  });

  it('a saved VAE-GAN run: one point per epoch, GAN terms included; clearing forgets them', () => {
    const h = new LossHistory();
    const val = { loss: 160, recon: 150, kl: 10 };
    h.setEpochs([
      { epoch: 1, train: { loss: 170, recon: 160, kl: 10, gan: { disc: 1.9, gen: 1.5, feature: 40 } }, val, seconds: 1, samplesPerSecond: 10, beta: 1 },
      { epoch: 2, train: { loss: 160, recon: 150, kl: 10, gan: { disc: 1.7, gen: 1.6, feature: 35 } }, val, seconds: 1, samplesPerSecond: 10, beta: 1 },
    ] as never);
    expect(h.disc).toEqual([1.9, 1.7]);
    expect(h.feature).toEqual([40, 35]);
    expect(h.ganPoints).toBe(2);
    h.clear();
    expect([h.disc.length, h.ganPoints]).toEqual([0, 0]);
  });

  it('the chart has one series per column; GAN series are shown for a VAE-GAN only, the three GAN terms in a panel of their own, the adversarial pair on one scale', () => {
    const columns = new LossHistory().columns().length;
    for (const dark of [false, true]) {
      const plain = lossSeries(dark, { kl: true, gan: false });
      const withGan = lossSeries(dark, { kl: true, gan: true });
      const ganPanel = lossSeries(dark, { kl: true, gan: true }, 'gan');
      expect(plain).toHaveLength(columns);
      expect(withGan).toHaveLength(columns);
      expect(ganPanel).toHaveLength(columns);
      const byLabel = (s: typeof plain, l: RegExp) => s.find((x) => l.test(String(x.label)))!;
      // The GAN panel: the discriminator's and generator's losses on one scale (nats, a few of them), the feature term on its own.
      expect(byLabel(ganPanel, /^discriminator/)).toMatchObject({ show: true, scale: 'adv' });
      expect(byLabel(ganPanel, /^generator/)).toMatchObject({ show: true, scale: 'adv' });
      expect(byLabel(ganPanel, /^feature/)).toMatchObject({ show: true, scale: 'feature' });
      expect(ganPanel.filter((x) => x.show !== false).map((x) => x.label)).toEqual(['epoch', 'discriminator', 'generator', 'feature recon →']);
      // The main panel keeps the losses (on their nats axis), without any GAN term.
      for (const l of [/^discriminator/, /^generator/, /^feature/]) expect(byLabel(withGan, l).show).toBe(false);
      for (const l of [/^discriminator/, /^generator/, /^feature/]) expect(byLabel(plain, l).show).toBe(false);
      // The order of the series is the order of the columns.
      expect(withGan.map((s) => s.label).slice(7)).toEqual(['discriminator', 'generator', 'feature recon →']);
    }
  });
});

/** A lab training VAE-GAN run `g` (started from the form). */
async function ganTraining() {
  const runs: RunSummary[] = [{ ...run('g', { kind: 'vaegan' }), state: 'training', epochsDone: 0 }];
  const api = engineWith(runs).handle('training:start', () => ({ runId: 'g', warnings: ['batch size 256 is larger than the 100 training images: using 100'] }));
  const lab = new Lab(api, null);
  const stop = lab.start();
  await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
  lab.settings.setKind('vaegan');
  await lab.startTraining();
  return { api, lab, runs, stop };
}

describe('stability warnings while a VAE-GAN trains', () => {
  it('the engine’s warnings join the start’s while training, and stay after the run ends', async () => {
    const { lab, stop } = await ganTraining();
    expect(lab.training.warnings).toEqual(['batch size 256 is larger than the 100 training images: using 100']);
    const winning = 'epoch 1: the discriminator wins (loss 0.01 nats); keeping the checkpoint of epoch 0';
    lab.training.onProgress(progress(1, 4, { warnings: [winning] }));
    expect(lab.training.warnings).toEqual(['batch size 256 is larger than the 100 training images: using 100', winning]);
    lab.training.onDone({ runId: 'g', state: 'done', metrics: null } as never);
    // Both stay readable once the run is over (a clamp and a short run's notice too).
    expect(lab.training.warnings).toEqual(['batch size 256 is larger than the 100 training images: using 100', winning]);
    expect(lab.training.shownWarnings(null)).toEqual(lab.training.warnings);
    stop();
  });
});

describe('Compare: a VAE beside a VAE-GAN', () => {
  const images = (count: number, value: number) => ({ images: new Float32Array(count * 4).fill(value), count, shape: [2, 2] });
  function compareLab(fail = false) {
    const api = engineWith([run('gan', { kind: 'vaegan' }), run('vae', { kind: 'vae' }), run('ae', { kind: 'ae' })])
      .handle('runs:metrics', ({ runId }) => ({ elbo: 100, recon: 90, kl: 10, activeUnits: 2, knnAccuracy: 0.9, ...(runId === 'gan' ? { reconAccuracy: 0.96 } : {}) }))
      .handle('model:generate', ({ runId, count }) => {
        if (fail) throw labError('BAD_FILE', 'the saved model cannot be loaded');
        return { ...images(count, runId === 'gan' ? 1 : 0.5), labels: new Int32Array(count), z: new Float32Array(count * 2) };
      })
      .handle('model:reconstruct', ({ runId, count }) => ({
        originals: new Float32Array(count * 4).fill(0.25),
        reconstructions: new Float32Array(count * 4).fill(runId === 'gan' ? 1 : 0.5),
        labels: new Int32Array(count),
        indices: Int32Array.from({ length: count }, (_, i) => i),
        errors: new Float32Array(count),
        count,
        shape: [2, 2],
      }));
    return { api, lab: new Lab(api, null) };
  }

  it('suggests the newest VAE against the newest VAE-GAN', async () => {
    const { lab } = compareLab();
    await lab.runs.refresh();
    lab.compare.suggest();
    expect([lab.compare.runA, lab.compare.runB]).toEqual(['vae', 'gan']);
  });

  it('fetches both runs’ samples (the same seed) and reconstructions of the same test images, beside their metrics', async () => {
    const { api, lab } = compareLab();
    await lab.runs.refresh();
    lab.compare.runA = 'vae';
    lab.compare.runB = 'gan';
    await lab.compare.load(20);
    const gens = api.callsOf('model:generate');
    expect(gens.map((g) => g.runId)).toEqual(['vae', 'gan']);
    expect(gens[0].seed).toBeDefined();
    expect(gens[0].seed).toBe(gens[1].seed);
    const recs = api.callsOf('model:reconstruct');
    expect(recs).toMatchObject([{ runId: 'vae', split: 'test', offset: 0 }, { runId: 'gan', split: 'test', offset: 0 }]);
    expect(recs[0].count).toBe(recs[1].count);
    expect(lab.compare.imagesA!.samples.images[0]).toBe(0.5);
    expect(lab.compare.imagesB!.samples.images[0]).toBe(1);
    expect(lab.compare.imagesB!.recons.reconstructions[0]).toBe(1);
    expect(lab.compare.imagesA!.recons.count).toBe(recs[0].count);
    expect([lab.compare.metricsA?.reconAccuracy, lab.compare.metricsB?.reconAccuracy]).toEqual([undefined, 0.96]);
    expect(lab.compare.loading).toBe(false);
  });

  it('images that cannot be fetched are said in words; the metrics still show', async () => {
    const { lab } = compareLab(true);
    await lab.runs.refresh();
    lab.compare.runA = 'vae';
    lab.compare.runB = 'gan';
    await lab.compare.load(20);
    expect(lab.compare.imagesError).toMatch(/saved model cannot be loaded/);
    expect([lab.compare.imagesA, lab.compare.imagesB]).toEqual([null, null]);
    expect(lab.compare.metricsB?.reconAccuracy).toBe(0.96);
  });

  it('has a reconstruction-accuracy row beside the Fréchet distance: higher wins, no winner where a run has none', () => {
    const row = METRIC_ROWS.find((r) => r.key === 'reconAccuracy')!;
    expect(row).toMatchObject({ better: 'high', variationalOnly: false });
    expect(METRIC_ROWS.some((r) => r.key === 'frechet')).toBe(true);
    const [a, b] = [run('vae', { kind: 'vae' }), run('gan', { kind: 'vaegan' })];
    const m = (reconAccuracy?: number) => ({ elbo: 1, recon: 1, kl: 1, activeUnits: 1, knnAccuracy: 1, ...(reconAccuracy === undefined ? {} : { reconAccuracy }) });
    expect(winner(row, a, b, m(0.9), m(0.97))).toBe('b');
    expect(winner(row, a, b, m(), m(0.97))).toBeNull();
  });
});
