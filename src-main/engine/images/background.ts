/**
 * Background (paper) estimation for photographed drawings: uneven lighting — a brightness
 * gradient, a shadowed corner — is a slowly varying background that must be removed before ink
 * is told from paper. A tile-grid surface as in document binarisation: the image (ink bright) is
 * cut into up to 8×8 tiles of at least 8 px; each tile's level is its median, a 3×3 median over
 * the grid replaces tiles that are mostly ink; then, twice, pixels well above the surface are
 * taken for ink and each tile's median is taken again over the rest. The grid is interpolated
 * bilinearly between tile centres (and extrapolated linearly to the edges).
 */

/** Tiles per side at most, and the smallest tile side in pixels. */
const MAX_TILES = 8;
const MIN_TILE = 8;
/** Levels above the surface from which a pixel counts as ink when the surface is refined. */
const INK_MARGIN = 16;
/** Refinements of the surface (tile medians over the pixels not taken for ink). */
const PASSES = 3;

/** A tile-grid background: `tiles[ty * nx + tx]` is the level at each tile's centre. */
interface TileGrid {
  nx: number;
  ny: number;
  tiles: Float32Array;
}

function median(hist: Uint32Array, n: number): number {
  const target = Math.max(1, Math.ceil(n / 2));
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc >= target) return v;
  }
  return 255;
}

/**
 * Each tile's median over its pixels that `ink` does not mark (all of them when `ink` is null);
 * a tile left with under a tenth of its pixels takes NaN (filled from its neighbours).
 */
function tileMedians(f: Uint8Array, w: number, h: number, nx: number, ny: number, ink: Uint8Array | null): Float32Array {
  const raw = new Float32Array(nx * ny);
  const hist = new Uint32Array(256);
  for (let ty = 0; ty < ny; ty++) {
    const y0 = Math.floor((ty * h) / ny);
    const y1 = Math.floor(((ty + 1) * h) / ny);
    for (let tx = 0; tx < nx; tx++) {
      const x0 = Math.floor((tx * w) / nx);
      const x1 = Math.floor(((tx + 1) * w) / nx);
      hist.fill(0);
      let n = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          if (ink && ink[y * w + x]) continue;
          hist[f[y * w + x]]++;
          n++;
        }
      }
      raw[ty * nx + tx] = n * 10 >= (y1 - y0) * (x1 - x0) ? median(hist, n) : NaN;
    }
  }
  return raw;
}

/**
 * 3×3 median over the grid (clipped at the edges, NaN tiles left out): a tile that is mostly ink
 * takes its neighbours' level. With `onlyGaps`, only NaN tiles are filled so.
 */
function smoothGrid(raw: Float32Array, nx: number, ny: number, onlyGaps = false): Float32Array {
  const tiles = new Float32Array(nx * ny);
  const win: number[] = [];
  for (let ty = 0; ty < ny; ty++) {
    for (let tx = 0; tx < nx; tx++) {
      if (onlyGaps && raw[ty * nx + tx] === raw[ty * nx + tx]) {
        tiles[ty * nx + tx] = raw[ty * nx + tx];
        continue;
      }
      win.length = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = tx + dx;
          const y = ty + dy;
          if (x >= 0 && x < nx && y >= 0 && y < ny && raw[y * nx + x] === raw[y * nx + x]) win.push(raw[y * nx + x]);
        }
      }
      if (!win.length) {
        tiles[ty * nx + tx] = NaN;
        continue;
      }
      win.sort((a, b) => a - b);
      const m = win.length >> 1;
      tiles[ty * nx + tx] = win.length % 2 ? win[m] : (win[m - 1] + win[m]) / 2;
    }
  }
  // Tiles with no paper at all around them take the grid's mean level.
  let sum = 0;
  let n = 0;
  for (const v of tiles) if (v === v) (sum += v), n++;
  for (let i = 0; i < tiles.length; i++) if (tiles[i] !== tiles[i]) tiles[i] = n ? sum / n : 0;
  return tiles;
}

/** Per-pixel surface from the tile grid (see estimateBackground). */
function surfaceOf(grid: TileGrid, w: number, h: number): Float32Array {
  const { nx, ny, tiles } = grid;
  const out = new Float32Array(w * h);
  // Bilinear interpolation between tile centres, extrapolated linearly from the outer two
  // beyond them (a gradient goes on to the edge), clamped to 0–255.
  const axis = (p: number, n: number, size: number) => {
    const g = ((p + 0.5) * n) / size - 0.5;
    if (n === 1) return { i0: 0, i1: 0, f: 0 };
    const i0 = Math.min(n - 2, Math.max(0, Math.floor(g)));
    return { i0, i1: i0 + 1, f: g - i0 };
  };
  for (let y = 0; y < h; y++) {
    const ay = axis(y, ny, h);
    for (let x = 0; x < w; x++) {
      const ax = axis(x, nx, w);
      const top = tiles[ay.i0 * nx + ax.i0] * (1 - ax.f) + tiles[ay.i0 * nx + ax.i1] * ax.f;
      const bottom = tiles[ay.i1 * nx + ax.i0] * (1 - ax.f) + tiles[ay.i1 * nx + ax.i1] * ax.f;
      const v = top * (1 - ay.f) + bottom * ay.f;
      out[y * w + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * The background of `f` (8-bit, ink bright, paper dark: invert a light-paper image first),
 * `w × h`, as a per-pixel level; null when it is uniform (its levels span less than `uniform`),
 * in which case one level for the whole image is the better estimate.
 */
export function estimateBackground(f: Uint8Array, w: number, h: number, uniform = 24): Float32Array | null {
  const nx = Math.max(1, Math.min(MAX_TILES, Math.floor(w / MIN_TILE)));
  const ny = Math.max(1, Math.min(MAX_TILES, Math.floor(h / MIN_TILE)));
  let grid: TileGrid = { nx, ny, tiles: smoothGrid(tileMedians(f, w, h, nx, ny, null), nx, ny) };
  let lo = 255;
  let hi = 0;
  for (const v of grid.tiles) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < uniform) return null;
  let surface = surfaceOf(grid, w, h);
  const ink = new Uint8Array(w * h);
  for (let pass = 1; pass < PASSES; pass++) {
    for (let i = 0; i < ink.length; i++) ink[i] = f[i] - surface[i] > INK_MARGIN ? 1 : 0;
    grid = { nx, ny, tiles: smoothGrid(tileMedians(f, w, h, nx, ny, ink), nx, ny, true) };
    surface = surfaceOf(grid, w, h);
  }
  return surface;
}
