/**
 * The KL bars agree with the engine's active units and are drawn on an absolute scale: the
 * tester's collapsed "VAE z=3 β=40" (total KL 0.034 nats, 0/3 active) showed three full-height
 * blue bars beside "0/3 active".
 */
import { describe, expect, it } from 'vitest';
import { activeDims, activeUnits } from '../../../src-main/engine/latentMetrics';
import { KL_SCALE_FLOOR, activeFlags, klScale } from '../../../src-renderer/src/lib/klBars';

describe('the engine’s active flag per dimension', () => {
  it('flags the dimensions whose posterior-mean variance exceeds 0.01; activeUnits counts them', () => {
    // 4 points in 3-D: z0 varies (variance 1.25), z1 barely (0.0002), z2 not at all.
    const mean = Float32Array.from([-1.5, 0.01, 0.3, -0.5, -0.01, 0.3, 0.5, 0.02, 0.3, 1.5, -0.02, 0.3]);
    expect(activeDims(mean, 4, 3)).toEqual([true, false, false]);
    expect(activeUnits(mean, 4, 3)).toBe(1);
  });
});

describe('KL bars', () => {
  const collapsed = [0.011, 0.012, 0.011];

  it('a collapsed run’s bars are about 1 % of full height, all grey, as its "0/3 active" says', () => {
    const scale = klScale(collapsed);
    expect(scale).toBe(KL_SCALE_FLOOR);
    for (const v of collapsed) expect(v / scale).toBeLessThan(0.02);
    // A run saved before the engine sent the flags: its count decides.
    expect(activeFlags(collapsed, 0)).toEqual([false, false, false]);
  });

  it('uses the engine’s flags when sent, else gives its count to the dimensions of largest KL', () => {
    expect(activeFlags([2.5, 0.3, 1.1], 1, [false, true, false])).toEqual([false, true, false]);
    expect(activeFlags([2.5, 0.3, 1.1], 2)).toEqual([true, false, true]);
    // Flags of another length (not this run's) are not used.
    expect(activeFlags([2.5, 0.3, 1.1], 3, [true])).toEqual([true, true, true]);
  });

  it('a healthy run’s largest KL fills its bar; the floor applies only below it', () => {
    expect(klScale([4.2, 3.1, 0.01])).toBeCloseTo(4.2);
    expect(klScale([0.4, 0.2])).toBe(KL_SCALE_FLOOR);
    expect(klScale([])).toBe(KL_SCALE_FLOOR);
  });
});
