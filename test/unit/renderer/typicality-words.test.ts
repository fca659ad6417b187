/**
 * "How typical is it?" in words (src-shared/typicality.ts, the Encode tab's and the CLI's one
 * source): a tester's image with its KL above every test image's (rate percentile 100) was told
 * "its KL is in their range: within what the model saw". The text is now typical only inside the
 * test images' 1st–99th percentiles of both the −ELBO and the KL.
 */
import { describe, expect, it } from 'vitest';
import type { RequestOutput } from '../../../src-shared/contract';
import { typicalityVerdict } from '../../../src-shared/typicality';

type Answer = RequestOutput<'model:typicality'>;

/** An answer as the engine gives it: test −ELBOs 100…300 nats, test KLs 2…20 nats. */
const answer = (over: Partial<Answer> = {}): Answer => ({
  score: 172.7,
  measure: 'negElbo',
  percentile: 62.5,
  rate: 6,
  ratePercentile: 45,
  band: 98,
  outside: [],
  label: 1,
  testCount: 2000,
  testQuantiles: Float32Array.from({ length: 101 }, (_, p) => 100 + 2 * p),
  rateQuantiles: Float32Array.from({ length: 101 }, (_, p) => 2 + 0.18 * p),
  ...over,
});

describe('typicality verdict on the KL', () => {
  it('a KL above every test image’s is flagged, not "in their range" (the engine lists it)', () => {
    const v = typicalityVerdict(answer({ rate: 31.2, ratePercentile: 100, outside: [{ statistic: 'rate', tail: 'high', value: 31.2, percentile: 100, bound: 19.8 }] }));
    expect(v.flagged).toBe(true);
    expect(v.code).toBe('rate-high');
    expect(v.text).not.toMatch(/its KL is in their range|within what the model saw/);
    expect(v.text).toContain('Its KL, 31.2 nats, is higher than every test image’s (above the test images’ 99th percentile, 19.8 nats)');
    expect(v.text).toContain('posterior for it lies farther from the prior');
    expect(v.text).toContain('−ELBO, within their range');
  });

  it('an answer that lists nothing outside but has its KL at the 100th percentile (the old engine) is not called typical', () => {
    const v = typicalityVerdict(answer({ rate: 31.2, ratePercentile: 100 }));
    expect(v.flagged).toBe(true);
    expect(v.code).toBe('rate-high');
    expect(v.text).toContain('above the test images’ 99th percentile, 19.8 nats');
    expect(v.text).not.toContain('its KL is in their range');
  });

  it('typical: the KL’s own percentile and the band it lies in, in numbers', () => {
    const v = typicalityVerdict(answer());
    expect(v).toMatchObject({ code: 'typical', flagged: false });
    expect(v.text).toBe('It scores worse than 62.5 % of the 2,000 test images, and its KL is higher than 45.0 % of theirs, between their 1st and 99th percentiles: within what the model saw.');
    // At the band's edges still typical; just past them, not.
    expect(typicalityVerdict(answer({ ratePercentile: 99 })).flagged).toBe(false);
    expect(typicalityVerdict(answer({ ratePercentile: 99.5 })).code).toBe('rate-high');
    expect(typicalityVerdict(answer({ ratePercentile: 0.5 })).code).toBe('rate-low');
  });
});
