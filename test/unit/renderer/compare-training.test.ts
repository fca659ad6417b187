/**
 * Compare says how each run trained and when two runs did not train on equal terms: a fresh user
 * compared a VAE (batch 256, 3 epochs) with a VAE-GAN (batch 64 from its kind's default) and saw the
 * VAE-GAN better on every row with nothing saying it took about four times as many steps. Two runs
 * of the same name get column labels that tell them apart.
 */
import { describe, expect, it, vi } from 'vitest';
import type { DatasetInfo, RunSummary } from '../../../src-renderer/src/lib/contract';
import {
  NOT_A_GAN_SETTING,
  STEPS_UNKNOWN,
  STEP_RATIO_LIMIT,
  TRAINING_ROWS,
  columnLabels,
  defaultBatchReason,
  notLikeForLike,
  pickerLabel,
  settingDifferences,
  settingRows,
  runTraining,
  trainCountOf,
  trainingDifference,
} from '../../../src-renderer/src/state/tabs/compareTraining';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { compareEmptyText } from '../../../src-renderer/src/state/tabs/compare.svelte';
import { MNIST, engineWith, run, savedConfig } from './fake-api';
import { VAEGAN_DEFAULTS } from '../../../src-shared/vaegan';
import { LR_SCHEDULE_DESCRIPTIONS } from '../../../src-shared/training';
import { GAN_LOSS_NAMES } from '../../../src-renderer/src/lib/settingLabels';

function trained(id: string, kind: 'vae' | 'vaegan', batchSize: number, epochsDone = 3, learningRate = 1e-3): RunSummary {
  const r = run(id, { kind, dim: 8, epochsDone });
  return { ...r, config: { ...r.config, batchSize, learningRate } };
}

const cell = (key: string, t: ReturnType<typeof runTraining>) => TRAINING_ROWS.find((r) => r.key === key)!.cell(t);

describe('Compare: how each run trained', () => {
  const n = MNIST.trainCount;
  const vae = trained('vae', 'vae', 256);
  const gan = trained('gan', 'vaegan', 64);

  it('optimiser steps are epochs done × batches per epoch of the run’s training set', () => {
    const count = trainCountOf(vae, [MNIST]);
    expect(count).toBe(n);
    const a = runTraining(vae, count);
    const b = runTraining(gan, count);
    expect(a).toMatchObject({ batchSize: 256, epochs: 3, steps: 3 * Math.ceil(n / 256), learningRate: 1e-3 });
    expect(b.steps).toBe(3 * Math.ceil(n / 64));
    expect(b.steps! / a.steps!).toBeGreaterThan(3.5);
    expect(cell('steps', a)).toBe((3 * Math.ceil(n / 256)).toLocaleString('en-US'));
    expect(cell('batchSize', b)).toBe('64');
  });

  it('the note names each difference, A before B, and is absent for runs trained alike', () => {
    const a = runTraining(vae, n);
    const b = runTraining(gan, n);
    const note = trainingDifference(a, b)!;
    expect(note).toContain('batch 256 vs 64');
    expect(note).toContain(`${a.steps} vs ${b.steps} steps`);
    expect(note).not.toContain('epochs');
    // ~4× the steps: not like-for-like, and the note says the verdicts marked * may come from that.
    expect(note).toMatch(/^Not like-for-like \(.*\): a verdict marked \* may come from the training, not the model\.$/);
    expect(trainingDifference(a, runTraining(trained('v2', 'vae', 256), n))).toBeNull();
    // A VAE-GAN at the VAE's batch still trained on its kind's learning-rate schedule (linear decay), named as the form names it.
    expect(trainingDifference(a, runTraining(trained('g2', 'vaegan', 256), n))).toBe(
      'Not like-for-like (learning-rate schedule constant vs linear decay): a verdict marked * may come from the training, not the model.',
    );
    const longer = runTraining(trained('v3', 'vae', 256, 10), n);
    expect(trainingDifference(a, longer)).toContain('3 vs 10 epochs');
    // Alike in batch, schedule and steps (a learning rate apart): the milder note, verdicts kept.
    expect(trainingDifference(a, runTraining(trained('v4', 'vae', 256, 3, 0.01), n))).toBe(
      'These runs trained differently (learning rate 0.001 vs 0.01): part of a difference in the metrics can come from that.',
    );
  });

  it('a stopped run shows epochs done of planned; unknown training set size: no steps, and none compared', () => {
    const stopped = runTraining(trained('s', 'vae', 256, 2), n);
    expect(cell('epochs', stopped)).toBe('2 of 3');
    const own = { ...vae, config: { ...vae.config, dataset: { id: 'local' as const, path: '/data/mine' } } };
    const local: DatasetInfo = { ...MNIST, id: 'local', trainCount: 500 };
    expect(trainCountOf(own, [local])).toBeUndefined();
    expect(trainCountOf(own, [{ ...local, report: { kind: 'imagefolder', path: '/data/mine', split: 'random', classes: [], skipped: {}, warnings: [] } }])).toBe(500);
    const noSteps = runTraining(own, undefined);
    expect(noSteps.steps).toBeUndefined();
    expect(cell('steps', noSteps)).toBe('—');
    // Steps known on one side only: the note says nothing about steps.
    expect(trainingDifference(noSteps, runTraining(vae, n))).toBeNull();
  });

  it('given the runs, the note also names every setting that differs, as the settings rows give it', () => {
    const ganRun = (id: string, model: Record<string, unknown>, config: Record<string, unknown> = {}) => {
      const r = trained(id, 'vaegan', 64);
      return { ...r, config: { ...r.config, ...config, model: { ...r.config.model, ...model } } } as RunSummary;
    };
    const a = ganRun('a', {});
    const b = ganRun('b', { beta: 4, gamma: 0.1, pixelWeight: 2, discLrScale: 1, latentDim: 16, arch: 'conv', hidden: [] }, { dataset: { id: 'fashion' } });
    const [ta, tb] = [runTraining(a, n), runTraining(b, n)];
    // Trained alike in batch, epochs and learning rate: without the runs, no note.
    expect(trainingDifference(ta, tb)).toBeNull();
    const note = trainingDifference(ta, tb, [a, b])!;
    for (const part of ['data mnist vs fashion', 'latent size 8 vs 16', 'architecture dense vs conv', 'β 1 vs 4', 'γ 0.3 vs 0.1', `pixel weight ${VAEGAN_DEFAULTS.pixelWeight} vs 2`, 'discriminator LR × 0.5 vs 1'])
      expect(note).toContain(part);
    // Each setting the table lists as differing is in the note, under the same title and cells.
    for (const row of settingRows(a, b).filter((r) => r.cell(a) !== r.cell(b) && r.cell(a) !== '—' && r.cell(b) !== '—'))
      expect(note.toLowerCase()).toContain(`${row.title} ${row.cell(a)} vs ${row.cell(b)}`.toLowerCase());
    // Settings only one run's kind has (a VAE's γ: '—') are a different model, not a different training.
    // (This VAE on the VAE-GAN's learning-rate schedule, which is a training setting.)
    const vae = { ...trained('v', 'vae', 64), config: { ...trained('v', 'vae', 64).config, lrSchedule: 'linear-decay' as const } };
    expect(trainingDifference(runTraining(vae, n), runTraining(a, n), [vae, a])).toBeNull();
    expect(settingDifferences(vae, a)).toEqual([]);
  });
});

describe('Compare: verdicts of runs not trained alike', () => {
  const n = MNIST.trainCount;
  const t = (kind: 'vae' | 'vaegan', batch: number, epochs = 3) => runTraining(trained(`${kind}${batch}e${epochs}`, kind, batch, epochs), n);

  it('different batch, schedule, or more than 1.5× the steps: not like-for-like; within 1.5× at one batch and schedule: like-for-like', () => {
    expect(STEP_RATIO_LIMIT).toBe(1.5);
    // The tester's pair: VAE at its default 256, VAE-GAN at its 64 (96 vs 375 steps).
    expect(notLikeForLike(t('vae', 256), t('vaegan', 64))).toBe(true);
    // Their fair pair: the VAE at batch 64 with the VAE-GAN's linear decay, 375 steps each.
    const matched = { ...t('vae', 64), lrSchedule: 'linear-decay' as const };
    expect(notLikeForLike(matched, t('vaegan', 64))).toBe(false);
    // One batch and schedule: 3 vs 4 epochs (1.33×) is alike, 3 vs 5 (1.67×) is not.
    expect(notLikeForLike(t('vae', 256, 3), t('vae', 256, 4))).toBe(false);
    expect(notLikeForLike(t('vae', 256, 3), t('vae', 256, 5))).toBe(true);
    // Steps unknown (own data not readable): the epochs decide, at one batch.
    const noSteps = (epochs: number) => ({ ...t('vae', 256, epochs), steps: undefined });
    expect(notLikeForLike(noSteps(2), noSteps(3))).toBe(false);
    expect(notLikeForLike(noSteps(2), noSteps(4))).toBe(true);
  });

  it('a VAE and a VAE-GAN on their defaults: the note says why in one sentence and points at the same training time', () => {
    const vae = trained('vae', 'vae', 256);
    const gan = { ...trained('gan', 'vaegan', 64), config: { ...trained('gan', 'vaegan', 64).config, lrSchedule: 'linear-decay' as const } };
    const [a, b] = [runTraining(vae, n), runTraining(gan, n)];
    const why = defaultBatchReason(a, b, [vae, gan])!;
    expect(why).toMatch(/^Over the same epochs the VAE-GAN's default batch \(64; the VAE's 256\) takes ~4× the steps: compare the two at the same training time/);
    // Either order of the columns.
    expect(defaultBatchReason(b, a, [gan, vae])).toBe(why);
    const note = trainingDifference(a, b, [vae, gan])!;
    expect(note.startsWith('Not like-for-like (batch 256 vs 64, ')).toBe(true);
    expect(note).toContain('learning-rate schedule constant vs linear decay');
    expect(note.endsWith(why)).toBe(true);
    // Not the defaults (a VAE matched to batch 64), or two VAE-GANs: no such sentence.
    expect(defaultBatchReason(runTraining(trained('v64', 'vae', 64), n), b, [trained('v64', 'vae', 64), gan])).toBeNull();
    expect(defaultBatchReason(b, b, [gan, gan])).toBeNull();
    // Different epochs (maybe already an equal-time pair, which the runs do not record): no such advice.
    expect(defaultBatchReason(runTraining(trained('v12', 'vae', 256, 12), n), b, [trained('v12', 'vae', 256, 12), gan])).toBeNull();
  });
});

describe('Compare: settings in the form’s words', () => {
  it('the schedule and the adversarial loss read as the Train form names them, not as ids', () => {
    const gan = trained('g', 'vaegan', 64);
    const withLoss = (id: string, ganLoss: 'standard' | 'relativistic') => ({ ...gan, id, config: { ...gan.config, model: { ...gan.config.model, ganLoss } } }) as RunSummary;
    const [std, rel] = [withLoss('s', 'standard'), withLoss('r', 'relativistic')];
    const row = settingRows(std, rel).find((r) => r.key === 'ganLoss')!;
    expect([row.cell(std), row.cell(rel)]).toEqual(['Standard', 'Relativistic average']);
    expect(settingDifferences(std, rel)).toContain('adversarial loss Standard vs Relativistic average');
    const sched = (l: 'constant' | 'linear-decay') => cell('lrSchedule', { ...runTraining(gan, MNIST.trainCount), lrSchedule: l });
    expect([sched('constant'), sched('linear-decay')]).toEqual(['Constant', 'Linear decay']);
  });

  it('a VAE-GAN setting’s “—” on a VAE says in its tooltip that the VAE has no such setting', () => {
    const vae = trained('v', 'vae', 64);
    const gan = trained('g', 'vaegan', 64);
    const rows = settingRows(vae, gan);
    const gamma = rows.find((r) => r.key === 'gamma')!;
    expect(gamma.cell(vae)).toBe('—');
    expect(gamma.absent).toBe(NOT_A_GAN_SETTING);
    // A setting both kinds have gets no such tooltip.
    expect(settingRows({ ...vae, config: { ...vae.config, seed: 9 } }, gan).find((r) => r.key === 'seed')?.absent).toBeUndefined();
  });
});

describe('Compare: telling two runs apart', () => {
  it('columns of two runs with the same model get their creation time, or their id’s end', () => {
    const a = { ...run('20260101-100000-vae-z8', { kind: 'vae', dim: 8 }), created: '2026-01-01T10:00:00.000Z' };
    const b = { ...run('20260101-100012-vae-z8', { kind: 'vae', dim: 8 }), created: '2026-01-02T15:30:00.000Z' };
    const [la, lb] = columnLabels(a, b);
    expect(la).not.toBe(lb);
    expect(la.startsWith('A · VAE z=8 · ')).toBe(true);
    // Created within the same minute: their ids, which end alike.
    const same = columnLabels(a, { ...b, created: '2026-01-01T10:00:12.000Z' });
    expect(same[0]).not.toBe(same[1]);
    expect(same[0]).toContain(a.id);
    expect(same[1]).toContain(b.id);
    // Different models: the model names tell them apart.
    expect(columnLabels(a, run('g', { kind: 'vaegan', dim: 8 }))).toEqual(['A · VAE z=8', 'B · VAE-GAN z=8']);
  });

  it('after "Train A again like B" the header tells the two VAEs apart by what their names add to the model', () => {
    const named = (id: string, name: string, kind: 'vae' | 'vaegan', created = '2026-01-01T10:00:00.000Z') => ({ ...run(id, { kind, dim: 3 }), name, created });
    const old = named('old', 'VAE z=3 · mnist', 'vae');
    const again = named('again', 'VAE z=3 batch 64 LR decay · mnist', 'vae', '2026-01-01T11:00:00.000Z');
    const gan = named('gan', 'VAE-GAN z=3 · mnist', 'vaegan');
    const runs = [old, gan, again];
    expect(columnLabels(again, gan, runs)).toEqual(['A · VAE z=3 batch 64 LR decay', 'B · VAE-GAN z=3']);
    expect(columnLabels(old, gan, runs)).toEqual(['A · VAE z=3', 'B · VAE-GAN z=3']);
    // Without a twin among the runs: the model's name alone, as before.
    expect(columnLabels(again, gan, [again, gan])).toEqual(['A · VAE z=3', 'B · VAE-GAN z=3']);
    // The same name twice: the creation time; a renamed run: its name.
    const twin = named('twin', 'VAE z=3 · mnist', 'vae', '2026-01-03T09:00:00.000Z');
    const [x, y] = columnLabels(old, twin, [old, twin]);
    expect(x).not.toBe(y);
    expect(x.startsWith('A · VAE z=3 · ')).toBe(true);
    expect(columnLabels(named('mine', 'my best', 'vae'), gan, [old, gan])[0]).toBe('A · VAE z=3 · my best');
  });

  it('the run pickers add the creation time only to names that repeat', () => {
    const a = run('a');
    const b = { ...run('b'), name: a.name, created: '2026-03-04T05:06:00.000Z' };
    const c = run('c');
    expect(pickerLabel(a, [a, b, c])).not.toBe(pickerLabel(b, [a, b, c]));
    expect(pickerLabel(c, [a, b, c])).toBe(c.name);
    const twin = { ...b, created: a.created };
    expect(pickerLabel(a, [a, twin])).toContain(a.id);
    expect(pickerLabel(twin, [a, twin])).toContain(twin.id);
  });
});

describe('Compare: what shows before and after a comparison', () => {
  const metrics = (elbo: number) => ({ elbo, recon: elbo, kl: 0, activeUnits: 2, knnAccuracy: 0.5 });
  function labOf() {
    const api = engineWith([run('a', { kind: 'ae' }), run('b'), run('c')]).handle('runs:metrics', ({ runId }) => metrics(runId === 'a' ? 110 : 100));
    return { api, lab: new Lab(api, null) };
  }

  it('the picked pair is compared on its own once (as after a reload); later picks wait for Compare', async () => {
    const { api, lab } = labOf();
    await lab.runs.refresh();
    lab.compare.suggest();
    lab.compare.autoLoad();
    await vi.waitFor(() => expect(lab.compare.metricsB).not.toBeNull());
    expect(lab.compare.metricsA?.elbo).toBe(110);
    expect(api.callsOf('runs:metrics')).toHaveLength(2);
    lab.compare.runB = 'c';
    lab.compare.autoLoad();
    expect(lab.compare.loading).toBe(false);
    expect(api.callsOf('runs:metrics')).toHaveLength(2);
  });

  it('a new pick drops the old pair’s numbers and points, also from a comparison still loading', async () => {
    const { lab } = labOf();
    lab.compare.runA = 'a';
    lab.compare.runB = 'b';
    await lab.compare.load(20);
    expect(lab.compare.b.count).toBe(20);
    lab.compare.runB = 'c';
    expect([lab.compare.metricsA, lab.compare.metricsB, lab.compare.b.count]).toEqual([null, null, 0]);
    const inFlight = lab.compare.load(20);
    lab.compare.runA = 'b';
    await inFlight;
    expect([lab.compare.metricsA, lab.compare.metricsB, lab.compare.a.count, lab.compare.loading]).toEqual([null, null, 0, false]);
  });

  it('the centre pane’s empty text says what to do in this tab', () => {
    expect(compareEmptyText(false, 1)).toMatch(/^Train two runs/);
    const pick = compareEmptyText(false, 3);
    expect(pick).toContain('press Compare');
    expect(pick).not.toContain('Compare tab');
    expect(compareEmptyText(true, 3)).toBe('Loading…');
  });
});

describe('Compare: runs on your own data', () => {
  // Two runs on folders that are not the one checked in the Train form: the engine's list knows neither's classes or size.
  const own = (id: string, path: string): RunSummary => {
    const r = run(id, { kind: 'vae', dim: 2, epochsDone: 4 });
    return { ...r, config: { ...r.config, batchSize: 16, dataset: { id: 'local', path } } };
  };
  const shapes: DatasetInfo = { ...MNIST, id: 'local', title: 'shapes', labelNames: ['circle', 'square', 'triangle'], trainCount: 150, testCount: 36 };

  async function compared() {
    const api = engineWith([own('a', '/data/shapes'), own('b', '/data/gone')])
      .handle('datasets:list', () => [MNIST, { ...MNIST, id: 'local', title: 'Your own data', labelNames: [], trainCount: 0, testCount: 0 }])
      .handle('runs:metrics', () => ({ elbo: 100, recon: 99, kl: 1, activeUnits: 2 }))
      .handle('datasets:prepare', ({ dataset }) => {
        if (dataset.path === '/data/gone') throw new Error('ENOENT: no such folder');
        return { ...shapes, report: { kind: 'imagefolder', path: dataset.path!, split: 'random', classes: [], skipped: {}, warnings: [] } };
      });
    const lab = new Lab(api, null);
    await lab.engine.refresh();
    await lab.runs.refresh();
    lab.compare.runA = 'a';
    lab.compare.runB = 'b';
    await lab.compare.load(20);
    return { api, lab };
  }

  it('the scatter legend gets the run’s class names, not 0, 1, 2', async () => {
    const { api, lab } = await compared();
    expect(api.callsOf('datasets:prepare').map((r) => r.dataset.path)).toEqual(['/data/shapes', '/data/gone']);
    expect(lab.compare.dataset('a')?.labelNames).toEqual(['circle', 'square', 'triangle']);
    // The unreadable folder: no names (the legend falls back to numbers), and the comparison itself still shows.
    expect(lab.compare.dataset('b')).toBeUndefined();
    expect(lab.compare.error).toBeNull();
    expect(lab.compare.b.count).toBe(20);
  });

  it('optimiser steps come from the run’s own training set; where it cannot be read, the cell says why', async () => {
    const { lab } = await compared();
    const [ra, rb] = lab.runs.list;
    const a = runTraining(ra, trainCountOf(ra, lab.engine.datasets, lab.compare.dataA));
    expect(a.steps).toBe(4 * Math.ceil(150 / 16));
    expect(cell('steps', a)).toBe(String(4 * Math.ceil(150 / 16)));
    const b = runTraining(rb, trainCountOf(rb, lab.engine.datasets, lab.compare.dataB));
    expect(cell('steps', b)).toBe('—');
    const tip = TRAINING_ROWS.find((r) => r.key === 'steps')!.tip!;
    expect(tip(b)).toBe(STEPS_UNKNOWN);
    expect(tip(b)).toContain("the dataset's size is not recorded for this run");
    expect(tip(a)).not.toBe(STEPS_UNKNOWN);
    // Picking another run forgets the old pair's data.
    lab.compare.runA = 'b';
    expect(lab.compare.dataA).toBeNull();
  });
});

describe('Compare: the learning-rate schedule', () => {
  const withSchedule = (r: RunSummary, lrSchedule: RunSummary['config']['lrSchedule']) => ({ ...r, config: { ...r.config, lrSchedule } });
  const schedule = TRAINING_ROWS.find((r) => r.key === 'lrSchedule')!;

  it('a row under the learning rate for both runs, each run’s own schedule (its kind’s default when none was chosen), what it does as the tooltip', () => {
    expect(TRAINING_ROWS.map((r) => r.key).slice(-2)).toEqual(['learningRate', 'lrSchedule']);
    expect(schedule.title).toBe('Learning-rate schedule');
    const vae = runTraining(run('v', { kind: 'vae', dim: 8 }));
    const gan = runTraining(run('g', { kind: 'vaegan', dim: 8 }));
    expect([schedule.cell(vae), schedule.cell(gan)]).toEqual(['Constant', 'Linear decay']);
    expect(schedule.tip!(gan)).toBe(LR_SCHEDULE_DESCRIPTIONS['linear-decay']);
    expect(schedule.cell(runTraining(withSchedule(run('d', { kind: 'vae', dim: 8 }), 'linear-decay')))).toBe('Linear decay');
  });

  it('the note names a schedule that differs; a VAE-GAN saved before the option reads constant', () => {
    const a = run('a', { kind: 'vae', dim: 8 });
    const b = withSchedule(run('b', { kind: 'vae', dim: 8 }), 'linear-decay');
    expect(trainingDifference(runTraining(a), runTraining(b), [a, b])).toContain('learning-rate schedule constant vs linear decay');
    expect(trainingDifference(runTraining(a), runTraining(a), [a, a])).toBeNull();
    const old = { ...run('o', { kind: 'vaegan', dim: 8 }), config: savedConfig({ model: { kind: 'vaegan', latentDim: 8 } }) };
    expect(schedule.cell(runTraining(old))).toBe('Constant');
    expect(trainingDifference(runTraining(old), runTraining(run('g', { kind: 'vaegan', dim: 8 })))).toContain('learning-rate schedule constant vs linear decay');
  });
});

describe('Compare: the settings of the two runs', () => {
  const gan = (id: string, model: Record<string, unknown>) => {
    const r = run(id, { kind: 'vaegan', dim: 8 });
    return { ...r, config: { ...r.config, model: { ...r.config.model, ...model } } } as RunSummary;
  };
  const rows = (a: RunSummary, b: RunSummary) => settingRows(a, b).map((r) => [r.title, r.cell(a), r.cell(b)]);

  it('two VAE-GANs: γ, pixel weight, Discriminator LR ×, adversarial loss, weight average and β, even when equal', () => {
    const a = gan('a', {});
    const b = gan('b', { gamma: 0.1 });
    expect(rows(a, b)).toEqual([
      ['β', '1', '1'],
      ['γ', '0.3', '0.1'],
      ['Pixel weight', String(VAEGAN_DEFAULTS.pixelWeight), String(VAEGAN_DEFAULTS.pixelWeight)],
      ['Discriminator LR ×', '0.5', '0.5'],
      ['Adversarial loss', GAN_LOSS_NAMES[VAEGAN_DEFAULTS.ganLoss], GAN_LOSS_NAMES[VAEGAN_DEFAULTS.ganLoss]],
      ['Weight average (EMA)', String(VAEGAN_DEFAULTS.emaDecay), String(VAEGAN_DEFAULTS.emaDecay)],
    ]);
    expect(settingRows(a, a).map((r) => r.key)).toEqual(['beta', 'gamma', 'pixelWeight', 'discLrScale', 'ganLoss', 'emaDecay']);
  });

  it('two VAE-GANs with and without the weight average: the row says "off" for 0 (and for a run saved before it), the note names it', () => {
    const off = gan('o', { emaDecay: 0 });
    const on = gan('e', { emaDecay: 0.99 });
    expect(rows(off, on).find((r) => r[0] === 'Weight average (EMA)')).toEqual(['Weight average (EMA)', 'off', '0.99']);
    expect(settingDifferences(off, on)).toEqual(['weight average (EMA) off vs 0.99']);
    const old = { ...gan('s', {}), config: savedConfig({ model: { kind: 'vaegan', latentDim: 8 } }) }; // saved before the option existed
    expect(rows(old, on).find((r) => r[0] === 'Weight average (EMA)')![1]).toBe('off');
    const vae = run('v', { kind: 'vae', dim: 8 });
    expect(rows(vae, on).find((r) => r[0] === 'Weight average (EMA)')).toEqual(['Weight average (EMA)', '—', '0.99']);
  });

  it('two VAE-GANs trained with different adversarial losses: the row and the note say which; a run saved before the choice is standard', () => {
    const rel = gan('r', { ganLoss: 'relativistic' });
    // Saved before the option existed (with the weight average, to name only the loss here).
    const old = { ...gan('o', {}), config: savedConfig({ model: { kind: 'vaegan', latentDim: 8, emaDecay: VAEGAN_DEFAULTS.emaDecay } }) };
    expect(rows(old, rel).find((r) => r[0] === 'Adversarial loss')).toEqual(['Adversarial loss', 'Standard', 'Relativistic average']);
    expect(settingDifferences(old, rel)).toEqual(['adversarial loss Standard vs Relativistic average']);
    const t = runTraining(rel, MNIST.trainCount);
    expect(trainingDifference(runTraining(old, MNIST.trainCount), t, [old, rel])).toContain('adversarial loss Standard vs Relativistic average');
    // A VAE has no adversarial loss: '—', and no difference in training named for it.
    const vae = run('v', { kind: 'vae', dim: 8 });
    expect(rows(vae, rel).find((r) => r[0] === 'Adversarial loss')).toEqual(['Adversarial loss', '—', 'Relativistic average']);
    expect(settingDifferences(vae, rel)).toEqual([]);
  });

  it('any other pair: only the settings that differ, a kind without the setting saying so', () => {
    const vae = run('v', { kind: 'vae', dim: 8 });
    expect(settingRows(vae, vae)).toEqual([]);
    const warm = { ...vae, id: 'w', config: { ...vae.config, seed: 7, model: { ...vae.config.model, beta: 4, klWarmupEpochs: 10 } } } as RunSummary;
    expect(rows(vae, warm)).toEqual([
      ['β', '1', '4'],
      ['KL warm-up (epochs)', '0', '10'],
      ['Seed', '1', '7'],
    ]);
    // A VAE beside a VAE-GAN: the GAN's settings, the VAE's cell saying it has none.
    const g = gan('g', {});
    expect(rows(vae, g)).toEqual([
      ['γ', '—', '0.3'],
      ['Pixel weight', '—', String(VAEGAN_DEFAULTS.pixelWeight)],
      ['Discriminator LR ×', '—', '0.5'],
      ['Adversarial loss', '—', GAN_LOSS_NAMES[VAEGAN_DEFAULTS.ganLoss]],
      ['Weight average (EMA)', '—', String(VAEGAN_DEFAULTS.emaDecay)],
    ]);
  });
});
