/**
 * Gaps a fresh tester found exploring: Generate says why it is disabled (the ranges), its caption
 * says what the grid was drawn with; the embeddings hint lists what this run's export writes; a
 * click far outside the prior is flagged; the Recon tab colours errors on the run's own scale;
 * 40+ classes get colours of their own in the legend and the scatter.
 */
import { describe, expect, it, vi } from 'vitest';
import { countOk, generateFieldErrors, gridCaptionNote, temperatureOk } from '../../../src-renderer/src/lib/generateText';
import { embeddingsHint } from '../../../src-renderer/src/lib/exportText';
import { latentDistance, latentDistanceText, radius99 } from '../../../src-renderer/src/lib/latentDistance';
import { DISTINCT_COLOURS, PALETTE, labelColor, labelRgb } from '../../../src-renderer/src/lib/palette';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { reconHeat } from '../../../src-renderer/src/state/tabs/recon.svelte';
import { axisLabelPositions } from '../../../src-renderer/src/lib/scatter/layers/axes';
import { engineWith, run } from './fake-api';

describe('Generate: invalid inputs are explained', () => {
  it('count 0, −5, 5000 and temperature −1, 50 each name the allowed range', () => {
    for (const c of [0, -5, 5000, 2.5]) {
      expect(countOk(c)).toBe(false);
      expect(generateFieldErrors(c, 1).count).toBe(`Count must be a whole number from 1 to 1,000 (${c} is not).`);
    }
    for (const t of [-1, 50]) {
      expect(temperatureOk(t)).toBe(false);
      expect(generateFieldErrors(24, t).temperature).toBe(`Temperature must be from 0 to 10 (${t} is not).`);
    }
    // An emptied field (bind:value gives null) says so rather than "null is not".
    expect(generateFieldErrors(null, null)).toEqual({
      count: 'Count must be a whole number from 1 to 1,000 (it is empty).',
      temperature: 'Temperature must be from 0 to 10 (it is empty).',
    });
    expect(generateFieldErrors(1000, 0)).toEqual({ count: null, temperature: null });
  });

  it('the caption says the grid is of the last valid settings, not that "the choice changed"', () => {
    const grid = { prior: 'prior', temperature: 1 };
    const out = ' — drawn with the last valid settings (the fields above are out of range)';
    expect(gridCaptionNote(grid, { prior: 'prior', temperature: 50, count: 24 })).toBe(out);
    expect(gridCaptionNote(grid, { prior: 'prior', temperature: 1, count: 5000 })).toBe(out);
    expect(gridCaptionNote(grid, { prior: 'prior', temperature: -1, count: 24 })).not.toMatch(/choice/);
    // While a redraw is on its way: which setting changed.
    expect(gridCaptionNote(grid, { prior: 'fitted', temperature: 1, count: 24 })).toBe(' (drawn before “Sample from” changed)');
    expect(gridCaptionNote(grid, { prior: 'prior', temperature: 0.5, count: 24 })).toBe(' (drawn before the temperature changed)');
    expect(gridCaptionNote(grid, { prior: 'prior', temperature: 1, count: 7 })).toBe('');
  });
});

describe('Export: the embeddings hint lists what this run writes', () => {
  it('a toy (2-D points) run: no sprite, said so', () => {
    const hint = embeddingsHint({ isImage: false, labelNames: ['a', 'b'], testCount: 400, shape: [2] });
    expect(hint).toBe(
      'Latent means of the 400 test points: vectors.tsv, metadata.tsv (labels), projector config and manifest.json — no sprite.png: the points are not images.',
    );
    expect(hint).not.toMatch(/sprite\.png \(|sprite\.png,/);
  });

  it('an image run: the sprite, unless the test split is too big for TensorBoard', () => {
    expect(embeddingsHint({ isImage: true, labelNames: ['0', '1'], testCount: 2000, shape: [28, 28] })).toMatch(/vectors\.tsv, metadata\.tsv \(labels\), sprite\.png \(thumbnails\)/);
    // 100,000 thumbnails of 28 px: 317 columns × 28 = 8,876 px > 8,192 — the engine skips it.
    expect(embeddingsHint({ isImage: true, labelNames: ['0'], testCount: 100_000, shape: [28, 28] })).toMatch(/no sprite\.png: 100,000 thumbnails of 28×28 exceed/);
  });
});

describe('a click far outside the prior is flagged', () => {
  it('the 99 % radius of N(0, I): 2.58, 3.03, 3.37 for 1–3 dimensions; about √d above', () => {
    expect([1, 2, 3].map(radius99).map((r) => r.toFixed(2))).toEqual(['2.58', '3.03', '3.37']);
    expect(radius99(16)).toBeGreaterThan(Math.sqrt(16));
    expect(radius99(16)).toBeLessThan(6);
    expect(() => radius99(0)).toThrow(RangeError);
  });

  it('z = (−2.31, −4.60, 3.89), the tester’s click: 6.5 σ from the prior, outside where samples come from', () => {
    const d = latentDistance([-2.31, -4.6, 3.89], null)!;
    expect(d.sigma).toBeCloseTo(6.45, 2);
    expect(d.outside).toBe(true);
    expect(latentDistanceText(d, false)).toBe('6.5 σ from the centre of the prior N(0, I) — outside where samples come from (99 % lie within 3.4 σ)');
    const near = latentDistance([0.5, -0.2, 0.1], null)!;
    expect(near.outside).toBe(false);
    expect(latentDistanceText(near, false)).toBe('0.5 σ from the centre of the prior N(0, I)');
  });

  it('an autoencoder: measured against its encoded points’ mean and spread', () => {
    // Points spread ±10 around (50, 50): (55, 50) is inside, (50, 120) far outside.
    const pts: number[] = [];
    for (let i = 0; i < 200; i++) pts.push(50 + 10 * Math.cos(i), 50 + 10 * Math.sin(i * 1.3));
    const values = Float32Array.from(pts);
    expect(latentDistance([55, 50], { values, count: 200 })!.outside).toBe(false);
    const far = latentDistance([50, 120], { values, count: 200 })!;
    expect(far.outside).toBe(true);
    expect(latentDistanceText(far, true)).toMatch(/from the centre of the encoded points’ spread — outside where the encoder puts images/);
  });
});

describe('Recon: errors coloured on the run’s own scale', () => {
  it('plain at or below the median, full at the 95th percentile', () => {
    const scale = { p50: 80, p95: 140 };
    expect(reconHeat(60, scale)).toBe(0);
    expect(reconHeat(110, scale)).toBeCloseTo(0.5);
    expect(reconHeat(400, scale)).toBe(1);
  });

  it('the scale is the test set’s median and 95th percentile, asked once per run beside the first page; none for the next pages', async () => {
    // 2,000 test images with errors 0…1999 nats; the engine sums the split up when asked (`quantiles`).
    const api = engineWith([run('r', { dim: 2 })]).handle('model:reconstruct', ({ offset, count, worstFirst, quantiles }) => {
      const errors = Float32Array.from({ length: count }, (_, i) => (worstFirst ? 1999 - (offset + i) : offset + i));
      const page = { originals: new Float32Array(count * 784), reconstructions: new Float32Array(count * 784), labels: new Int32Array(count), indices: new Int32Array(count), errors, count, shape: [28, 28] };
      return quantiles || worstFirst ? { ...page, quantiles: { p50: 1000, p95: 1899, n: 2000 } } : page;
    });
    const lab = new Lab(api, null);
    await lab.engine.refresh();
    await lab.openRun('r');
    await lab.recon.load();
    await vi.waitFor(() => expect(lab.recon.scale).toEqual({ runId: 'r', p50: 1000, p95: 1899, n: 2000 }));
    // Before: two one-image worst-first requests, each decoding and sorting the whole split.
    expect(api.callsOf('model:reconstruct')).toEqual(
      expect.arrayContaining([
        { split: 'test', offset: 0, count: 24, worstFirst: false },
        { split: 'test', offset: 0, count: 1, worstFirst: false, quantiles: true },
      ]),
    );
    expect(api.callsOf('model:reconstruct')).toHaveLength(2);
    // A low error of this run is not red, as every error was with the fixed 250-nat scale.
    expect(reconHeat(300, lab.recon.scale!)).toBe(0);
    // The next page of the same run does not ask for the split's numbers again.
    lab.recon.page = 1;
    await lab.recon.load();
    expect(api.callsOf('model:reconstruct')[2]).toEqual({ split: 'test', offset: 24, count: 24, worstFirst: false });
    expect(lab.recon.scale).toMatchObject({ runId: 'r', p50: 1000 });
  });

  it('the first page shows before the split’s pass is done (seconds for a conv model): uncoloured, then coloured', async () => {
    let release!: () => void;
    const passDone = new Promise<void>((r) => (release = r));
    const api = engineWith([run('r', { dim: 2 })]).handle('model:reconstruct', async ({ count, quantiles }) => {
      const page = { originals: new Float32Array(count * 784), reconstructions: new Float32Array(count * 784), labels: new Int32Array(count), indices: new Int32Array(count), errors: new Float32Array(count), count, shape: [28, 28] };
      if (!quantiles) return page;
      await passDone;
      return { ...page, quantiles: { p50: 10, p95: 20, n: 2000 } };
    });
    const lab = new Lab(api, null);
    await lab.engine.refresh();
    await lab.openRun('r');
    await lab.recon.load();
    expect(lab.recon.result?.count).toBe(24);
    expect(lab.recon.scale).toBeNull();
    release();
    await vi.waitFor(() => expect(lab.recon.scale).toMatchObject({ p50: 10, p95: 20 }));
  });
});

describe('many classes: colours of their own', () => {
  it('47 classes (EMNIST balanced): 47 different colours, the legend’s swatch the points’ colour', () => {
    const names = Array.from({ length: 47 }, (_, i) => `class number ${i}`);
    const colours = Array.from({ length: 47 }, (_, l) => labelColor(l, names));
    expect(new Set(colours).size).toBe(47);
    expect(DISTINCT_COLOURS).toBeGreaterThanOrEqual(47);
    expect(labelColor(0, names)).toBe(PALETTE[0]);
    for (const l of [3, 15, 40]) {
      const n = parseInt(labelColor(l, names).slice(1), 16);
      expect(labelRgb(l, names)).toEqual([((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255]);
    }
  });
});

describe('the sliders’ reticle and the axis names', () => {
  it('a name the reticle comes within 0.2 of moves across its axis, to the reticle’s other side; the others stay', () => {
    const home = axisLabelPositions(null);
    expect(home).toEqual([[1.02, 0.06, 0], [0.08, 1.02, 0], [0, 0.06, 1.02]]);
    // The reticle on "z0" (display x ≈ 1, just above the line): z0's name goes below it, at the same x.
    const moved = axisLabelPositions([1.0, 0.05, 0]);
    expect(moved[0][0]).toBe(1.02);
    expect(moved[0][1]).toBeCloseTo(-0.09);
    expect(moved.slice(1)).toEqual(home.slice(1));
    // On "z1" (the y axis): its name goes to the reticle's left or right side.
    expect(axisLabelPositions([0.1, 1.0, 0])[1][0]).toBeCloseTo(-0.04);
    expect(axisLabelPositions([-0.05, 1.0, 0])[1][0]).toBeCloseTo(0.09);
    // Far from every name: nothing moves.
    expect(axisLabelPositions([0.2, -0.3, 0.1])).toEqual(home);
  });
});
