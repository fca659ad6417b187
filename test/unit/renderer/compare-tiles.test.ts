/**
 * Compare's sample and reconstruction tiles (tester finding 4: 36-px samples, 28-px originals, too
 * small to tell a VAE's blur from a VAE-GAN's speckle): as large as the panel allows, by Generate's
 * rule (`tileSize`: a whole multiple of the image's pixels), and still in the 1280-px window's panel
 * without spilling sideways: A's samples beside B's, 3 a row each; the originals with each run's
 * reconstructions in one row of `COMPARE_RECONS` under them.
 */
import { describe, expect, it } from 'vitest';
import { COMPARE_COLUMN_GAP, COMPARE_RECONS, COMPARE_SAMPLE_COLUMNS, COMPARE_SAMPLES, compareTileSizes } from '../../../src-renderer/src/state/tabs/compare.svelte';
import { TILE_MIN } from '../../../src-renderer/src/lib/tileSize';

/** The Compare panel's content width in a window `w` px wide: the right column (clamp(360px, 31vw, 460px)) less 12 px padding each side and an 8-px scrollbar. */
const panel = (w: number) => Math.min(460, Math.max(360, 0.31 * w)) - 24 - 8;
/** Tiles of `size` px in `columns` columns with ImageGrid's 4-px gaps. */
const row = (size: number, columns: number) => columns * size + 4 * (columns - 1);

describe('Compare: tile sizes', () => {
  it('at 1280 px, 56-px samples and reconstructions (2x an MNIST digit), where they were 36 and 28 px', () => {
    expect(compareTileSizes(panel(1280), 28)).toEqual({ sample: 56, recon: 56 });
  });

  it("fit the panel from 1024 to 2560 px: each run's samples in half of it, the reconstructions across it; never smaller than Generate's smallest", () => {
    for (let w = 1024; w <= 2560; w += 16) {
      const width = panel(w);
      const { sample, recon } = compareTileSizes(width, 28);
      expect(sample).toBeGreaterThanOrEqual(TILE_MIN);
      expect(recon).toBeGreaterThanOrEqual(TILE_MIN);
      expect(row(sample, COMPARE_SAMPLE_COLUMNS)).toBeLessThanOrEqual((width - COMPARE_COLUMN_GAP) / 2);
      expect(row(recon, COMPARE_RECONS)).toBeLessThanOrEqual(width);
    }
  });

  it("the samples' rows stay few: 16 in 3 a row are 6 rows, under 400 px at 1280 px", () => {
    const { sample } = compareTileSizes(panel(1280), 28);
    const rows = Math.ceil(COMPARE_SAMPLES / COMPARE_SAMPLE_COLUMNS);
    expect(rows * sample + (rows - 1) * 4).toBeLessThan(400);
  });

  it("before the section is measured, Generate's smallest tile", () => {
    expect(compareTileSizes(0, 28)).toEqual({ sample: TILE_MIN, recon: TILE_MIN });
  });
});
