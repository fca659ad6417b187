/**
 * Background (paper) estimation for photographed drawings: uneven lighting — a brightness
 * gradient, a shadowed corner — is a slowly varying background that must be removed before ink
 * is told from paper. The estimate is the classic tile-percentile surface used in document
 * binarisation: the image is cut into a grid of tiles, each tile's paper level is a low
 * percentile of its "ink is bright" values (ink is sparse, so most of a tile is paper), a 3×3
 * median over the tile grid replaces tiles that are mostly ink, and the grid is interpolated
 * bilinearly between tile centres.
 */

/** Share of a tile's pixels below its paper level (ink may cover up to 1 − this of a tile). */
const PAPER_PERCENTILE = 0.25;
/** Tiles per side at most, and the smallest tile side in pixels. */
const MAX_TILES = 8;
const MIN_TILE = 8;

/** A tile-grid background: `tiles[ty * nx + tx]` is the level at each tile's centre. */
interface TileGrid {
  nx: number;
  ny: number;
  tiles: Float32Array;
}

function percentile(hist: Uint32Array, n: number, p: number): number {
  const target = Math.max(1, Math.ceil(n * p));
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc >= target) return v;
  }
  return 255;
}

function tileLevels(f: Uint8Array, w: number, h: number): TileGrid {
  const nx = Math.max(1, Math.min(MAX_TILES, Math.floor(w / MIN_TILE)));
  const ny = Math.max(1, Math.min(MAX_TILES, Math.floor(h / MIN_TILE)));
  const raw = new Float32Array(nx * ny);
  const hist = new Uint32Array(256);
  for (let ty = 0; ty < ny; ty++) {
    const y0 = Math.floor((ty * h) / ny);
    const y1 = Math.floor(((ty + 1) * h) / ny);
    for (let tx = 0; tx < nx; tx++) {
      const x0 = Math.floor((tx * w) / nx);
      const x1 = Math.floor(((tx + 1) * w) / nx);
      hist.fill(0);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[f[y * w + x]]++;
      raw[ty * nx + tx] = percentile(hist, (y1 - y0) * (x1 - x0), PAPER_PERCENTILE);
    }
  }
  // 3×3 median over the grid (clipped at the edges): a tile that is mostly ink takes its
  // neighbours' paper level.
  const tiles = new Float32Array(nx * ny);
  const win: number[] = [];
  for (let ty = 0; ty < ny; ty++) {
    for (let tx = 0; tx < nx; tx++) {
      win.length = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = tx + dx;
          const y = ty + dy;
          if (x >= 0 && x < nx && y >= 0 && y < ny) win.push(raw[y * nx + x]);
        }
      }
      win.sort((a, b) => a - b);
      const m = win.length >> 1;
      tiles[ty * nx + tx] = win.length % 2 ? win[m] : (win[m - 1] + win[m]) / 2;
    }
  }
  return { nx, ny, tiles };
}

/**
 * The background of `f` (8-bit, ink bright, paper dark: invert a light-paper image first),
 * `w × h`, as a per-pixel level; null when it is uniform (its levels span less than `uniform`),
 * in which case one level for the whole image is the better estimate.
 */
export function estimateBackground(f: Uint8Array, w: number, h: number, uniform = 24): Float32Array | null {
  const { nx, ny, tiles } = tileLevels(f, w, h);
  let lo = 255;
  let hi = 0;
  for (const v of tiles) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < uniform) return null;
  const out = new Float32Array(w * h);
  // Bilinear interpolation between tile centres, held flat beyond the outer centres.
  for (let y = 0; y < h; y++) {
    const gy = Math.min(ny - 1, Math.max(0, ((y + 0.5) * ny) / h - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(ny - 1, y0 + 1);
    const fy = gy - y0;
    for (let x = 0; x < w; x++) {
      const gx = Math.min(nx - 1, Math.max(0, ((x + 0.5) * nx) / w - 0.5));
      const x0 = Math.floor(gx);
      const x1 = Math.min(nx - 1, x0 + 1);
      const fx = gx - x0;
      const top = tiles[y0 * nx + x0] * (1 - fx) + tiles[y0 * nx + x1] * fx;
      const bottom = tiles[y1 * nx + x0] * (1 - fx) + tiles[y1 * nx + x1] * fx;
      out[y * w + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
