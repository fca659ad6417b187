/**
 * Compare: a CVAE's numbers that come through the label it is given are not marked better or
 * worse against a run that is not conditional (a fresh tester saw a VAE's k-NN accuracy "beat" a
 * CVAE's, and the CVAE's recognised reconstructions "beat" the VAE's), and the suggested pair
 * follows the open run, its dataset and runs that did not collapse.
 */
import { describe, expect, it } from 'vitest';
import type { Metrics, RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { METRIC_ROWS, incomparable, labelGivenRows, suggestPair, winner } from '../../../src-renderer/src/state/tabs/compareRules';
import { engineWith, run } from './fake-api';

/** `run` with a dataset id and metrics. */
function on(id: string, kind: 'ae' | 'vae' | 'cvae' | 'vaegan', dataset: RunSummary['config']['dataset']['id'], metrics: Partial<Metrics> | null = null): RunSummary {
  const r = run(id, { kind, dim: 3 });
  return { ...r, config: { ...r.config, dataset: { ...r.config.dataset, id: dataset } }, metrics: metrics as Metrics | null };
}

const healthy = { elbo: 150, recon: 140, kl: 10, activeUnits: 3 };
const collapsedM = { elbo: 200, recon: 200, kl: 0.034, activeUnits: 0 };

describe('Compare: a CVAE beside a VAE', () => {
  // The tester's "VAE z=3 · mnist" (A) and "CVAE z=3 β=5 · mnist" (B).
  const a = on('vae', 'vae', 'mnist');
  const b = on('cvae', 'cvae', 'mnist');
  const ma = { elbo: 153.6, recon: 140, kl: 13.6, activeUnits: 3, knnAccuracy: 0.696, frechet: 300, frechetFitted: 200, frechetSamples: 2000, reconAccuracy: 0.617 };
  const mb = { elbo: 156.0, recon: 150, kl: 6, activeUnits: 3, knnAccuracy: 0.333, frechet: 250, frechetFitted: 150, frechetSamples: 2000, reconAccuracy: 0.988 };
  const row = (key: string) => METRIC_ROWS.find((r) => r.key === key)!;

  it('marks only the Fréchet distances; the label-given rows say why they are not compared', () => {
    const winners = Object.fromEntries(METRIC_ROWS.map((r) => [r.key, winner(r, a, b, ma, mb, 2000)]));
    expect(winners).toMatchObject({ elbo: null, recon: null, knnAccuracy: null, reconAccuracy: null, frechet: 'b', frechetFitted: 'b' });
    expect(incomparable(row('reconAccuracy'), a, b)).toMatch(/given the label.*not comparable/);
    expect(incomparable(row('elbo'), b, a)).toMatch(/log p\(x \| label\)/);
    expect(incomparable(row('knnAccuracy'), a, b)).toMatch(/style/);
    expect(incomparable(row('frechet'), a, b)).toBeNull();
    expect(labelGivenRows(a, b).map((r) => r.key)).toEqual(['elbo', 'recon', 'knnAccuracy', 'reconAccuracy']);
  });

  it('two CVAEs, or a VAE beside a VAE-GAN, are still compared on every row', () => {
    const c = on('cvae2', 'cvae', 'mnist');
    expect(winner(row('knnAccuracy'), b, c, mb, { ...mb, knnAccuracy: 0.6 }, 2000)).toBe('b');
    expect(labelGivenRows(b, c)).toEqual([]);
    const g = on('gan', 'vaegan', 'mnist');
    expect(winner(row('reconAccuracy'), a, g, ma, { ...ma, reconAccuracy: 0.9 }, 2000)).toBe('b');
    expect(labelGivenRows(a, g)).toEqual([]);
  });
});

describe('Compare: the suggested pair', () => {
  it('does not pair runs on different data when a same-data pair exists (the tester’s toy-moons VAE and MNIST VAE-GAN)', () => {
    const runs = [on('moons', 'vae', 'toy-moons', healthy), on('gan', 'vaegan', 'mnist', healthy), on('v', 'vae', 'mnist', healthy)];
    expect(suggestPair(runs, null)).toEqual(['v', 'gan']);
  });

  it('prefers the open run and a partner that did not collapse', () => {
    const runs = [on('b40', 'vae', 'mnist', collapsedM), on('v16', 'vae', 'mnist', healthy), on('v8', 'vae', 'mnist', healthy), on('ae', 'ae', 'mnist', healthy)];
    // The open VAE z=16 is in the pair; the collapsed β=40 run is not.
    const [x, y] = suggestPair(runs, 'v16');
    expect([x, y]).toContain('v16');
    expect([x, y]).not.toContain('b40');
    expect([x, y]).toEqual(['ae', 'v16']);
  });

  it('keeps the run just trained in the pair even when it is flagged collapsed (a 1-epoch AE beside healthy older runs)', () => {
    const weak = { elbo: 0, recon: 220, kl: 0, activeUnits: 2, sampleSpread: 0.1 };
    const runs = [on('ae1', 'ae', 'mnist', weak), on('cvae', 'cvae', 'mnist', healthy), on('c2', 'cvae', 'mnist', healthy), on('c3', 'cvae', 'mnist', healthy)];
    expect(suggestPair(runs, 'ae1')).toEqual(['ae1', 'cvae']);
  });

  it('a VAE of one epoch (near-identical samples) still partners the VAE-GAN trained after it, not an older healthy VAE', () => {
    const young = { ...healthy, sampleSpread: 0.05 };
    const runs = [on('gan', 'vaegan', 'mnist', healthy), on('vae1', 'vae', 'mnist', young), on('old', 'vae', 'mnist', healthy)];
    expect(suggestPair(runs, 'gan')).toEqual(['vae1', 'gan']);
  });

  it('an open run alone on its data gives way to a same-data pair', () => {
    const runs = [on('moons', 'vae', 'toy-moons', healthy), on('a', 'ae', 'mnist', healthy), on('v', 'vae', 'mnist', healthy)];
    expect(suggestPair(runs, 'moons')).toEqual(['a', 'v']);
  });

  it('the Lab picks the pair around the opened run', async () => {
    const runs = [on('b40', 'vae', 'mnist', collapsedM), on('v16', 'vae', 'mnist', healthy), on('moons', 'vaegan', 'toy-moons', healthy), on('v3', 'vae', 'mnist', healthy)];
    const lab = new Lab(engineWith(runs), null);
    await lab.runs.refresh();
    lab.runs.activeId = 'v16';
    lab.compare.suggest();
    expect([lab.compare.runA, lab.compare.runB].sort()).toEqual(['v16', 'v3']);
  });
});

describe('Compare: a new pair before Compare is pressed', () => {
  it('says it is not compared yet (not a column of "—")', async () => {
    const m = { elbo: 100, recon: 90, kl: 10, activeUnits: 2 };
    const api = engineWith([run('a', { kind: 'ae' }), run('b'), run('c')]).handle('runs:metrics', () => m);
    const lab = new Lab(api, null);
    await lab.runs.refresh();
    lab.compare.runA = 'a';
    lab.compare.runB = 'b';
    expect(lab.compare.notCompared).toBe(true);
    await lab.compare.load(10);
    expect(lab.compare.notCompared).toBe(false);
    lab.compare.runB = 'c';
    expect(lab.compare.notCompared).toBe(true);
  });
});
