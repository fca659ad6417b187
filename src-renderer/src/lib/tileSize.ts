/**
 * How big the Generate tab draws its samples: as many CSS pixels as `columns` tiles can take of the
 * panel's width, snapped down to a whole multiple of the image's own pixels when that costs little
 * (with `image-rendering: pixelated`, every image pixel then becomes the same square block:
 * 28 px MNIST images at 3× are 84 px, crisp, instead of 88 px with uneven rows).
 */

export interface TileSizeInput {
  /** Width the grid may use, CSS px (the box inside its padding); 0 or less while not measured. */
  width: number;
  /** Tiles per row. */
  columns: number;
  /** The image's own width in pixels (28 for MNIST); 0 when not known. */
  imagePx: number;
  /** Gap between tiles, CSS px. */
  gap?: number;
}

/** Tile size before the panel is measured (the former fixed size) and the smallest used. */
export const TILE_MIN = 44;
/** Largest tile: a sample bigger than this adds nothing to judging it, and the enlarged view does that. */
export const TILE_MAX = 168;
/** A whole multiple is taken when it keeps at least this share of the size the width allows. */
const SNAP_KEEP = 0.75;

/**
 * The tile size in CSS px (a whole number, TILE_MIN … TILE_MAX): `width` shared by `columns`
 * tiles and their gaps, then snapped down to `k · imagePx` (k ≥ 1) when that keeps at least 75 %
 * of it. It grows with `width` (never shrinks as the panel widens).
 */
export function tileSize({ width, columns, imagePx, gap = 4 }: TileSizeInput): number {
  if (!(width > 0) || !(columns >= 1)) return TILE_MIN;
  const fit = Math.floor((width - gap * (columns - 1)) / columns);
  const raw = Math.min(TILE_MAX, Math.max(TILE_MIN, fit));
  return snapToPixels(raw, imagePx);
}

/** `size` snapped down to a whole multiple of `imagePx` when that keeps ≥ 75 % of it, else `size`. */
export function snapToPixels(size: number, imagePx: number): number {
  if (!(imagePx > 0)) return size;
  const k = Math.floor(size / imagePx);
  return k >= 1 && k * imagePx >= SNAP_KEEP * size ? k * imagePx : size;
}
