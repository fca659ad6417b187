/**
 * Compare's sample grids name the label a CVAE's samples were decoded as (the classes in turn, as
 * `model:generate` gives them for no label), in Generate's words ('decoded as “7”'); a model that is
 * not conditional gets no such words.
 */
import { describe, expect, it, vi } from 'vitest';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { decodedAs } from '../../../src-renderer/src/lib/decodedAs';
import { engineWith, run } from './fake-api';

describe('Compare: the label a CVAE sample was decoded as', () => {
  it('keeps each run’s sample labels as the engine gave them: a CVAE’s classes in turn, −1 for a VAE', async () => {
    const cvae = (n: number) => Int32Array.from({ length: n }, (_, i) => i % 10);
    const api = engineWith([run('c', { kind: 'cvae' }), run('v')])
      .handle('model:generate', ({ runId, count }) => ({
        images: new Float32Array(count * 4),
        count,
        shape: [2, 2],
        labels: runId === 'c' ? cvae(count) : new Int32Array(count).fill(-1),
        z: new Float32Array(count * 2),
      }))
      .handle('model:reconstruct', ({ count }) => ({
        originals: new Float32Array(count * 4),
        reconstructions: new Float32Array(count * 4),
        count,
        shape: [2, 2],
        indices: new Int32Array(count),
        labels: new Int32Array(count),
        errors: new Float32Array(count),
      }))
      .handle('runs:metrics', () => ({ elbo: 1, recon: 1, kl: 0, activeUnits: 2 }));
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    await lab.runs.refresh();
    const c = lab.compare;
    [c.runA, c.runB] = ['c', 'v'];
    await c.load();
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    expect(decodedAs(c.imagesA!.samples.labels, names)).toBe('decoded as “zero”, “one”, … “nine” in turn');
    expect(decodedAs(c.imagesA!.samples.labels.subarray(7, 8), names)).toBe('decoded as “seven”');
    expect(decodedAs(c.imagesB!.samples.labels, names)).toBe('');
  });

  it('words: one label; two or three named each; a label without a name by its number', () => {
    expect(decodedAs(Int32Array.of(7, 7), [])).toBe('decoded as “7”');
    expect(decodedAs(Int32Array.of(0, 1, 0), ['cat', 'dog'])).toBe('decoded as “cat”, “dog” in turn');
    expect(decodedAs(undefined, [])).toBe('');
  });
});
