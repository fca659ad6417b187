/**
 * Sprite atlases for drawing every scatter point as its own image: images are turned into small
 * byte tiles (downscaled by an integer box filter so that the longer side is at most
 * `MAX_TILE`), and tiles are packed row-major into as many atlas pages (textures of at most
 * `PAGE_SIDE`² texels) as the count needs — no single-texture limit. Grey images use one byte per
 * texel, colour images (C = 3) four (RGBA, A = 255).
 */

/** Longest tile side in texels. */
export const MAX_TILE = 32;
/** Longest atlas page side in texels (every WebGL2 device supports 2048² textures; 4096² is common). */
export const PAGE_SIDE = 2048;

/** Images as tiles, in the scatter's point order. */
export interface SpriteTiles {
  count: number;
  /** Tile size in texels. */
  width: number;
  height: number;
  /** 1 = grey, 3 = colour. */
  channels: 1 | 3;
  /** count × height × width × channels bytes, rows top first, channels last. */
  pixels: Uint8Array;
}

/** Image shape `[H, W]` or `[H, W, C]` (C = 1 or 3) → its parts, or null for anything else (toy 2-D points). */
export function imageDims(shape: readonly number[]): { h: number; w: number; c: 1 | 3 } | null {
  if (shape.length !== 2 && shape.length !== 3) return null;
  const [h, w] = shape;
  const c = shape.length === 3 ? shape[2] : 1;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0) || (c !== 1 && c !== 3)) return null;
  return { h, w, c };
}

/** The integer downscale factor and tile size for h × w images. */
export function tileSize(h: number, w: number): { factor: number; height: number; width: number } {
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / MAX_TILE));
  return { factor, height: Math.max(1, Math.floor(h / factor)), width: Math.max(1, Math.floor(w / factor)) };
}

/**
 * Images `from`…`from + n − 1` of a batch (floats in [0, 1], count × H·W·C, channels last) as tiles
 * written into `out` at tile `at` (each tile the box-filtered mean of factor × factor pixels, as
 * bytes). NaN reads as 0.
 */
export function writeTiles(
  images: Float32Array,
  shape: { h: number; w: number; c: 1 | 3 },
  from: number,
  n: number,
  out: Uint8Array,
  at: number,
): void {
  const { h, w, c } = shape;
  const { factor: f, height: th, width: tw } = tileSize(h, w);
  const tileBytes = th * tw * c;
  const norm = 255 / (f * f);
  for (let k = 0; k < n; k++) {
    const src = (from + k) * h * w * c;
    const dst = (at + k) * tileBytes;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let dy = 0; dy < f; dy++) {
            const row = src + ((y * f + dy) * w + x * f) * c + ch;
            for (let dx = 0; dx < f; dx++) {
              const v = images[row + dx * c];
              s += v > 0 ? (v < 1 ? v : 1) : 0;
            }
          }
          out[dst + (y * tw + x) * c + ch] = Math.round(s * norm);
        }
      }
    }
  }
}

/** How tiles are laid out on atlas pages. */
export interface AtlasLayout {
  /** Tiles per page row and rows per (full) page. */
  cols: number;
  rows: number;
  perPage: number;
  pages: number;
  /** Texture size of every page, in texels. */
  pageWidth: number;
  pageHeight: number;
}

/** The pages needed for `count` tiles of `tw` × `th` texels, each page at most `side`² texels. */
export function atlasLayout(count: number, tw: number, th: number, side = PAGE_SIDE): AtlasLayout {
  const cols = Math.max(1, Math.floor(side / tw));
  const maxRows = Math.max(1, Math.floor(side / th));
  const perPage = cols * maxRows;
  const pages = Math.max(1, Math.ceil(count / perPage));
  // A single page is only as tall as its tiles need.
  const rows = pages === 1 ? Math.max(1, Math.ceil(count / cols)) : maxRows;
  return { cols, rows, perPage, pages, pageWidth: cols * tw, pageHeight: rows * th };
}

/**
 * Texels of page `p`: pageWidth × pageHeight × (1 for grey, 4 for colour: RGBA with A = 255),
 * rows top first; tile t of the page sits at column t % cols, row ⌊t / cols⌋.
 */
export function pageTexels(tiles: SpriteTiles, layout: AtlasLayout, p: number): Uint8Array {
  const { width: tw, height: th, channels: c } = tiles;
  const bpp = c === 1 ? 1 : 4;
  const out = new Uint8Array(layout.pageWidth * layout.pageHeight * bpp);
  const first = p * layout.perPage;
  const n = Math.min(layout.perPage, tiles.count - first);
  const tileBytes = tw * th * c;
  for (let t = 0; t < n; t++) {
    const ox = (t % layout.cols) * tw;
    const oy = Math.floor(t / layout.cols) * th;
    const src = (first + t) * tileBytes;
    for (let y = 0; y < th; y++) {
      const row = ((oy + y) * layout.pageWidth + ox) * bpp;
      for (let x = 0; x < tw; x++) {
        const s = src + (y * tw + x) * c;
        if (c === 1) out[row + x] = tiles.pixels[s];
        else {
          const d = row + x * 4;
          out[d] = tiles.pixels[s];
          out[d + 1] = tiles.pixels[s + 1];
          out[d + 2] = tiles.pixels[s + 2];
          out[d + 3] = 255;
        }
      }
    }
  }
  return out;
}
