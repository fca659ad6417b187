/**
 * Compare with one run picked on both sides (Run A = Run B) was enabled and read as a comparison
 * (two identical columns, nothing marked). Now nothing is measured and the tab says why.
 */
import { describe, expect, it } from 'vitest';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { SAME_RUN_TEXT, compareEmptyText } from '../../../src-renderer/src/state/tabs/compare.svelte';
import { engineWith, run } from './fake-api';

describe('Compare: the same run on both sides', () => {
  it('measures nothing, is not "not compared yet", and says it is the same run on both sides', async () => {
    const api = engineWith([run('x'), run('y')]).handle('runs:metrics', () => ({ elbo: 150, recon: 140, kl: 10, activeUnits: 2 }));
    const lab = new Lab(api, null);
    await lab.engine.refresh();
    await lab.runs.refresh();
    const c = lab.compare;
    c.runA = 'x';
    c.runB = 'x';
    expect(c.sameRun).toBe(true);
    expect(c.notCompared).toBe(false);
    c.autoLoad();
    await c.load();
    expect(api.callsOf('model:latents')).toHaveLength(0);
    expect(api.callsOf('runs:metrics')).toHaveLength(0);
    expect([c.metricsA, c.metricsB, c.loading]).toEqual([null, null, false]);
    expect(SAME_RUN_TEXT).toMatch(/same run on both sides/);
    expect(compareEmptyText(false, 2, c.sameRun)).toBe(SAME_RUN_TEXT);
    // Another run on one side: compared as before.
    c.runB = 'y';
    expect(c.sameRun).toBe(false);
    await c.load();
    expect(api.callsOf('model:latents').map((p) => p.runId)).toEqual(['x', 'y']);
    expect(c.metricsA && c.metricsB).toBeTruthy();
  });
});
