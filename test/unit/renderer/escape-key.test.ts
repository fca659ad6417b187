/**
 * The Esc key (App.svelte → state/escapeKey.ts): it closes what is open — the help, the selected
 * scatter point's card and its "Nearest training images" strip — and never stops a training run.
 * A tester pressed Esc to dismiss a clicked point's card and the run stopped, saved as cancelled.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { pressEscape } from '../../../src-renderer/src/state/escapeKey';
import { engineWith, run } from './fake-api';

const neighbours = () => ({ indices: Int32Array.of(3), labels: Int32Array.of(1), distances: Float32Array.of(0.1), images: new Float32Array(784), shape: [28, 28] });

describe('Esc', () => {
  it('during training closes the selected point and never stops the run, however often it is pressed', async () => {
    const runs: RunSummary[] = [{ ...run('live', { dim: 2 }), state: 'training', epochsDone: 0 }];
    const api = engineWith(runs)
      .handle('training:start', () => ({ runId: 'live' }))
      .handle('training:stop', () => ({ state: 'cancelled' }));
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    await lab.startTraining();
    expect(lab.training.state).toBe('training');
    lab.scatter.selected = 4;

    expect(pressEscape(lab, { helpOpen: true, typing: false })).toBe('close-help');
    expect(lab.scatter.selected).toBe(4); // the help first, the card on the next press
    expect(pressEscape(lab, { helpOpen: false, typing: false })).toBe('close-selection');
    expect(lab.scatter.selected).toBeNull();
    expect(pressEscape(lab, { helpOpen: false, typing: false })).toBe('none');
    expect(pressEscape(lab, { helpOpen: false, typing: true })).toBe('none');
    expect(api.callsOf('training:stop')).toHaveLength(0);
    expect(lab.training.state).toBe('training');
  });

  it('closes a saved run’s point card (decoded inset) and its nearest-training-images strip together', async () => {
    const api = engineWith([run('r', { dim: 2 })])
      .handle('model:decode', () => ({ images: new Float32Array(784), count: 1, shape: [28, 28] }))
      .handle('model:neighbors', neighbours);
    const lab = new Lab(api, null);
    await lab.engine.refresh();
    await lab.openRun('r');
    lab.scatter.selected = 3;
    await lab.generate.decodeAt(lab.scatter.latentOf(3), lab.scatter.positionOf(3), 1, 3);
    await lab.instruments.neighbours.show(3);
    expect(lab.generate.decoded).not.toBeNull();
    expect(lab.instruments.neighbours.point).not.toBeNull();

    // Typing in a field: the field's own Esc, nothing closed here.
    expect(pressEscape(lab, { helpOpen: false, typing: true })).toBe('none');
    expect(lab.instruments.neighbours.point).not.toBeNull();

    expect(pressEscape(lab, { helpOpen: false, typing: false })).toBe('close-selection');
    expect(lab.scatter.selected).toBeNull();
    expect(lab.generate.decoded).toBeNull();
    expect(lab.instruments.neighbours.point).toBeNull();
    expect(lab.instruments.neighbours.result).toBeNull();
  });
});
