/**
 * Training started while the Compare tab is open shows the live run: Compare's two views cover the
 * centre, so a tester who pressed Train there saw the old pair and never the new run's cloud
 * forming. The tab switches (the centre then shows the main scatter, live) and a toast says where
 * the comparison is; from any other tab nothing changes.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../../src-shared/types';
import { LEFT_COMPARE_TEXT, LIVE_VIEW_TAB, Lab } from '../../../src-renderer/src/state/lab.svelte';
import { engineWith, run } from './fake-api';

async function labOn(tab: 'compare' | 'generate', startOk = true) {
  const runs: RunSummary[] = [run('a'), run('b', { kind: 'vaegan' })];
  const api = engineWith(runs).handle('training:start', () => {
    if (!startOk) throw Object.assign(new Error('busy'), { code: 'BUSY' });
    return { runId: 'live' };
  });
  const lab = new Lab(api, null);
  lab.start();
  await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
  lab.settings.tab = tab;
  return lab;
}

describe('Training started from the Compare tab', () => {
  it('switches away from Compare, so the centre shows the live scatter, and says where the comparison is', async () => {
    const lab = await labOn('compare');
    lab.compare.runA = 'a';
    lab.compare.runB = 'b';
    await lab.startTraining();
    expect(lab.training.active).toBe(true);
    expect(lab.settings.tab).toBe(LIVE_VIEW_TAB);
    expect(lab.settings.tab).not.toBe('compare');
    // The live run is the model on screen (MainScatter follows `lab.model`).
    expect(lab.model).toMatchObject({ runId: 'live', live: true });
    expect(lab.toasts.items.map((t) => t.text)).toContain(LEFT_COMPARE_TEXT);
    // The pair is kept for when the user goes back.
    expect([lab.compare.runA, lab.compare.runB]).toEqual(['a', 'b']);
  });

  it('from another tab, the tab stays and no toast is shown', async () => {
    const lab = await labOn('generate');
    await lab.startTraining();
    expect(lab.training.active).toBe(true);
    expect(lab.settings.tab).toBe('generate');
    expect(lab.toasts.items.map((t) => t.text)).not.toContain(LEFT_COMPARE_TEXT);
  });

  it('a start the engine refuses leaves Compare open', async () => {
    const lab = await labOn('compare', false);
    await lab.startTraining();
    expect(lab.training.active).toBe(false);
    expect(lab.settings.tab).toBe('compare');
  });
});
