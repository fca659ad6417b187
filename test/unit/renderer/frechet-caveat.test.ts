/**
 * A Fréchet distance computed from few images is biased upward: the run summary and Compare say
 * so beside it ("from 120 samples: biased upward; compare only with runs of the same size"), only
 * when the engine recorded how many images it used and that was under FRECHET_MIN_SAMPLES (4 × the
 * classifier's 128 features); runs saved before the count was recorded get no caveat.
 */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src-shared/types';
import { FRECHET_MIN_SAMPLES, frechetCaveat } from '../../../src-renderer/src/lib/metricHints';

const base = { elbo: 100, recon: 90, kl: 10, activeUnits: 2, knnAccuracy: 0.9 };

describe('the caveat beside a Fréchet distance of few samples', () => {
  it('names the sample count for a tiny test set, and nothing from the embedded MNIST’s 2,000 test images', () => {
    expect(frechetCaveat(Metrics.parse({ ...base, frechet: 41.2, frechetSamples: 120 }))).toBe(
      'from 120 samples: biased upward; compare only with runs of the same size',
    );
    expect(frechetCaveat({ ...base, frechet: 12.5, frechetSamples: 2000 })).toBeNull();
    expect(frechetCaveat({ ...base, frechet: 12.5, frechetSamples: FRECHET_MIN_SAMPLES })).toBeNull();
    expect(frechetCaveat({ ...base, frechet: 12.5, frechetSamples: FRECHET_MIN_SAMPLES - 1 })).toMatch(/^from 511 samples/);
  });

  it('says nothing for a run saved before the count was recorded (it still loads), or without a Fréchet distance', () => {
    const old = Metrics.parse({ ...base, frechet: 12.5 });
    expect(old.frechetSamples).toBeUndefined();
    expect(frechetCaveat(old)).toBeNull();
    expect(frechetCaveat({ ...base, frechetSamples: 50 })).toBeNull();
    expect(frechetCaveat(null)).toBeNull();
  });
});
