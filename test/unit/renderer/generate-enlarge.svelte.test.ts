/**
 * Generate tab, tester report 2026-12-02 finding 10: the 16 samples were 44-px tiles in a wide box
 * and a click did nothing. Tiles now share the panel's width (snapped to whole multiples of the
 * image's pixels), and a tile opens its sample enlarged with what it is in words — which of how
 * many, its label (CVAE) or "unconditional sample", what it was drawn from, its z — and marks that
 * z in the main scatter with the decoded click's cross. Esc / a click closes it (the component's
 * keys are exercised in the e2e generate-enlarge spec; here the state and words it shows).
 */
import { describe, expect, it } from 'vitest';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { snapToPixels, TILE_MAX, TILE_MIN, tileSize } from '../../../src-renderer/src/lib/tileSize';
import { sampleTitle, sampleWords } from '../../../src-renderer/src/lib/sampleWords';
import { engineWith, run } from './fake-api';

describe('tile size', () => {
  it('grows with the panel width: 16 MNIST samples in 4 columns take 84 px (3 × 28) in a 356-px box, not 44', () => {
    expect(tileSize({ width: 356, columns: 4, imagePx: 28 })).toBe(84);
    let last = 0;
    for (let width = 100; width <= 1200; width += 7) {
      const size = tileSize({ width, columns: 4, imagePx: 28 });
      expect(size).toBeGreaterThanOrEqual(last);
      // The row fits in the width (above the smallest tile).
      if (size > TILE_MIN) expect(4 * size + 3 * 4).toBeLessThanOrEqual(width);
      last = size;
    }
    expect(tileSize({ width: 500, columns: 4, imagePx: 28 })).toBeGreaterThan(tileSize({ width: 356, columns: 4, imagePx: 28 }));
    expect(last).toBe(TILE_MAX);
  });

  it('a whole multiple of the image pixels when that keeps ≥ 75 % of the room, else the room itself', () => {
    for (const width of [300, 356, 420, 480, 600]) {
      const size = tileSize({ width, columns: 4, imagePx: 28 });
      expect(size % 28).toBe(0);
    }
    // 47 px of room: 28 (1×) would lose 40 %, so 47 (pixelated, unevenly).
    expect(tileSize({ width: 200, columns: 4, imagePx: 28 })).toBe(47);
    expect(snapToPixels(88, 28)).toBe(84);
    expect(snapToPixels(88, 64)).toBe(88); // 64 would lose 27 %: the room, pixelated unevenly
    expect(snapToPixels(90, 0)).toBe(90);
  });

  it('before the panel is measured (width 0) it is the former 44 px', () => {
    expect(tileSize({ width: 0, columns: 4, imagePx: 28 })).toBe(TILE_MIN);
    expect(TILE_MIN).toBe(44);
  });
});

describe('a sample in words', () => {
  it('a CVAE sample: which of how many, its label (conditioned), the prior, z rounded', () => {
    const w = sampleWords({ index: 4, count: 16, label: 7, labelNames: ['zero', 'one', '2', '3', '4', '5', '6', 'seven'], kind: 'cvae', prior: 'standard', temperature: 1, z: [0.123, -1.297] });
    expect(w.title).toBe('sample 5 of 16 · label seven (conditioned)');
    expect(w.drawn).toBe('drawn from the prior, N(0,\u00a0I) at T 1');
    expect(w.z).toBe('z = (0.12, −1.30)');
    expect(w.zFull).toBe('z = (0.123, −1.297)');
  });

  it('an unconditional sample never shows the engine label −1; the fitted prior and long z are said', () => {
    expect(sampleTitle(0, 16, -1, [])).toBe('sample 1 of 16 · unconditional sample');
    expect(sampleTitle(2, 3, undefined, [])).toBe('sample 3 of 3 · unconditional sample');
    const w = sampleWords({ index: 0, count: 1, label: -1, labelNames: [], kind: 'vaegan', prior: 'fitted', temperature: 0.5, z: [-0.001, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(w.title).not.toMatch(/-1|−1/);
    expect(w.drawn).toBe('drawn from where the data lies (fitted mixture) at T 0.5');
    expect(w.z).toBe('z = (0.00, 1.00, 2.00, 3.00, 4.00, 5.00, 6.00, 7.00, …)');
  });
});

/** A lab with a saved run of `kind` open (2-D latents unless `dim`), whose model:generate answers z = (i, −i/2, …) for sample i. */
async function generating(kind: 'vae' | 'cvae' | 'vaegan' = 'vae', dim = 2) {
  const api = engineWith([run('r', { kind, dim })])
    .handle('model:generate', ({ count, label }) => ({
      images: new Float32Array(count * 784),
      count,
      shape: [28, 28],
      labels: new Int32Array(count).fill(label ?? -1),
      z: Float32Array.from({ length: count * dim }, (_, j) => (j % dim === 0 ? 1 : -0.5) * Math.floor(j / dim) * 0.1),
    }))
    .handle('model:decode', ({ count }) => ({ images: new Float32Array(count * 784), count, shape: [28, 28] }))
    // Above 3-D the scatter shows a projection: here the first three coordinates.
    .handle('projection:compute', ({ method, latents, dim: d }) => ({
      points: Float32Array.from({ length: (latents.length / d) * 3 }, (_, j) => latents[Math.floor(j / 3) * d + (j % 3)]),
      method,
    }));
  const lab = new Lab(api, null);
  await lab.openRun('r');
  return { api, lab, g: lab.generate };
}

const cross = (lab: Lab) => lab.scatter.extra.find((m) => m.kind === 'decoded')?.pos ?? null;

describe('a generated sample enlarged', () => {
  it('a click on sample 5 of 16 shows its own z, marked where that z lies in the scatter; closing takes the mark off', async () => {
    const { lab, g } = await generating('cvae');
    lab.settings.generate.label = 7;
    lab.settings.generate.count = 16;
    await g.generate();
    g.enlarge(4);
    expect(g.enlarged).toBe(4);
    const z = g.sampleZ(4)!;
    expect(Array.from(z)).toEqual([expect.closeTo(0.4, 5), expect.closeTo(-0.2, 5)]);
    const w = sampleWords({ index: 4, count: 16, label: g.grid!.labels![4], labelNames: lab.labelNames, kind: 'cvae', prior: g.grid!.prior, temperature: g.grid!.temperature, z });
    expect(w.title).toBe('sample 5 of 16 · label 7 (conditioned)');
    expect(w.z).toBe('z = (0.40, −0.20)');
    // 2-D latents: the cross is exactly at its z.
    expect(g.markedAt).toBe('exact');
    expect(cross(lab)).toEqual(lab.scatter.placeLatent(z));
    // Another sample moves the cross.
    g.enlarge(9);
    expect(cross(lab)).toEqual(lab.scatter.placeLatent(g.sampleZ(9)!));
    g.closeEnlarged();
    expect(g.enlarged).toBeNull();
    expect(cross(lab)).toBeNull();
  });

  it('← / → step through the samples, wrapping; new draws close it, the same draws redrawn keep it', async () => {
    const { lab, g } = await generating('vae');
    lab.settings.generate.count = 4;
    await g.generate();
    g.enlarge(0);
    g.stepEnlarged(-1);
    expect(g.enlarged).toBe(3);
    g.stepEnlarged(1);
    expect(g.enlarged).toBe(0);
    // A temperature change redraws the same seed: the sample stays open, its mark follows.
    lab.settings.generate.temperature = 0.5;
    g.temperatureChanged();
    await expect.poll(() => g.grid?.temperature).toBe(0.5);
    expect(g.enlarged).toBe(0);
    expect(cross(lab)).not.toBeNull();
    await g.generate(); // Generate: other draws
    expect(g.enlarged).toBeNull();
    expect(cross(lab)).toBeNull();
  });

  it('one cross at a time: opening a sample closes a decoded click, a click in the scatter closes the sample', async () => {
    const { lab, g } = await generating('vae');
    await g.generate();
    await g.decodeAt(Float32Array.of(0.5, 0.5), [0.1, 0.1, 0], null, null);
    expect(g.decoded).not.toBeNull();
    g.enlarge(2);
    expect(g.decoded).toBeNull();
    expect(cross(lab)).toEqual(lab.scatter.placeLatent(g.sampleZ(2)!));
    // Esc's clearDecoded (a selection closed) leaves the sample's cross.
    g.clearDecoded();
    expect(cross(lab)).not.toBeNull();
    await g.decodeAt(Float32Array.of(0.5, 0.5), [0.2, 0.3, 0], null, null);
    expect(g.enlarged).toBeNull();
    expect(cross(lab)).toEqual([0.2, 0.3, 0]);
  });

  it('above 3-D the mark is near the shown points closest to its z (said so); opening another run closes it', async () => {
    const { lab, g } = await generating('vaegan', 3);
    await g.generate();
    g.enlarge(1);
    expect(g.markedAt).toBe('exact');
    const { lab: lab8, g: g8 } = await generating('vaegan', 8);
    expect(lab8.scatter.count).toBe(20);
    await g8.generate();
    g8.enlarge(1);
    expect(g8.enlarged).toBe(1);
    expect(g8.markedAt).toBe('near');
    expect(cross(lab8)).not.toBeNull();
    lab.generate.reset();
    expect(g.enlarged).toBeNull();
    expect(cross(lab)).toBeNull();
  });
});
