/**
 * Compare colours each run's classes by that run's own class names, not the open run's: a user who
 * opened an MNIST run and compared two runs trained on a colour set (red_square, green_disc,
 * blue_triangle) saw green_disc orange and red_square green in Compare's scatters and legends.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetInfo, RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { PALETTE, classColours, labelColor } from '../../../src-renderer/src/lib/palette';
import { MNIST, engineWith, run } from './fake-api';

/** The user's own folder of colour-named classes, as the engine prepares it for a run. */
const SHAPES: DatasetInfo = { ...MNIST, id: 'local', title: 'rgb32', labelNames: ['red_square', 'green_disc', 'blue_triangle'] };

function on(id: string, dataset: 'mnist' | 'local'): RunSummary {
  const r = run(id, { dim: 2 });
  return { ...r, config: { ...r.config, dataset: { ...r.config.dataset, id: dataset, ...(dataset === 'local' ? { path: '/data/rgb32' } : {}) } } };
}

describe('Compare: class colours', () => {
  it('runs on a colour-named set get their colours while an MNIST run is open; MNIST keeps the palette', async () => {
    const api = engineWith([on('digits', 'mnist'), on('s1', 'local'), on('s2', 'local')])
      .handle('datasets:prepare', () => SHAPES)
      .handle('runs:metrics', () => ({ elbo: 150, recon: 140, kl: 10, activeUnits: 2 }));
    const lab = new Lab(api, null);
    await lab.engine.refresh();
    await lab.runs.refresh();
    await lab.openRun('digits');
    expect(lab.labelNames).toEqual(MNIST.labelNames);
    lab.compare.runA = 's1';
    lab.compare.runB = 's2';
    await lab.compare.load();
    for (const side of ['a', 'b'] as const) {
      const names = lab.compare.dataset(side)?.labelNames ?? [];
      // What the side's scatter (LatentScatter → points, legend, tooltip) colours its labels with.
      expect([0, 1, 2].map((l) => labelColor(l, names))).toEqual(['#ff0000', '#008000', '#0000ff']);
      expect(classColours(names).rgb(1)).toEqual([0, 128 / 255, 0]);
    }
    // The open MNIST run's own scatter, drawn at the same time, keeps the palette.
    expect([0, 1, 2].map((l) => labelColor(l, lab.labelNames))).toEqual([PALETTE[0], PALETTE[1], PALETTE[2]]);
  });
});
