/**
 * Compare's generation-accuracy rows (`Metrics.generationAccuracy`, and `generationAccuracyFitted`
 * of the fitted prior's samples): titled for where the samples came from, shown as percentages,
 * the higher winning beyond a proportion's noise, only for CVAEs; their tooltips.
 */
import { describe, expect, it } from 'vitest';
import { GENERATION_FITTED_TIP } from '../../../src-renderer/src/lib/metricHints';
import { METRIC_ROWS, winner } from '../../../src-renderer/src/state/tabs/compareRules';
import { run } from './fake-api';

describe('Compare: generation accuracy from each prior', () => {
  const row = METRIC_ROWS.find((r) => r.key === 'generationAccuracyFitted')!;
  const prior = METRIC_ROWS.find((r) => r.key === 'generationAccuracy')!;
  const [a, b] = [run('c1', { kind: 'cvae' }), run('c2', { kind: 'cvae' })];
  const base = { elbo: 100, recon: 90, kl: 10, activeUnits: 8, frechet: 80, frechetSamples: 2000 };

  it('has a row for each prior, the fitted one right after, as CVAE-only percentages from the classifier', () => {
    const keys = METRIC_ROWS.map((r) => r.key);
    expect(keys.indexOf('generationAccuracyFitted')).toBe(keys.indexOf('generationAccuracy') + 1);
    expect(prior.title).toBe('Generation, samples from the prior');
    expect(row.title).toBe('Generation, samples from the fitted prior');
    for (const r of [row, prior]) expect(r).toMatchObject({ better: 'high', percent: true, cvaeOnly: true, classifier: true, noise: 'proportion' });
    expect(row.tip).toBe(GENERATION_FITTED_TIP);
    expect(row.tip).toMatch(/label's Gaussian mixture fitted to the training images' latents/);
    // The other accuracies are percentages too; losses are not.
    expect(METRIC_ROWS.filter((r) => r.percent).map((r) => r.key)).toEqual(['knnAccuracy', 'reconAccuracy', 'generationAccuracy', 'generationAccuracyFitted']);
  });

  it('the higher share wins beyond the noise of 2,000 judged images; close shares and a missing one give none', () => {
    expect(winner(row, a, b, { ...base, generationAccuracyFitted: 0.93 }, { ...base, generationAccuracyFitted: 0.71 }, 2000)).toBe('a');
    expect(winner(row, a, b, { ...base, generationAccuracyFitted: 0.9 }, { ...base, generationAccuracyFitted: 0.905 }, 2000)).toBeNull();
    expect(winner(row, a, b, { ...base, generationAccuracyFitted: 0.9 }, base, 2000)).toBeNull();
  });
});
