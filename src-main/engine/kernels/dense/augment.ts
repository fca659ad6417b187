/**
 * Training-time augmentation of a classifier's images (./denseNet.ts `load`, classifier plans
 * only): each image is moved by a random affine map — a shift of up to ± `shift` pixels on each
 * axis, a rotation of up to ± `rotate` degrees and a zoom of up to ± `scale` (a fraction) about
 * the centre — sampled bilinearly, zeros outside. Plain JS on the rows a thread loads.
 */

export interface Augment {
  /** Most pixels an image moves on each axis (uniform in [−shift, shift]). */
  shift: number;
  /** Most degrees it turns (uniform in [−rotate, rotate]). */
  rotate: number;
  /** Most relative zoom (factor uniform in [1 − scale, 1 + scale]). */
  scale: number;
}

/**
 * Writes each of `rows` NHWC images (`image` = [H, W, C]) of `src` into `dst` under its own
 * random affine map drawn from `rng` (4 draws per image: dy, dx, angle, zoom). A whole-pixel
 * shift with no rotation or zoom moves pixels exactly.
 */
export function augmentImages(src: Float32Array, dst: Float32Array, rows: number, image: readonly number[], aug: Augment, rng: () => number): void {
  const [H, W, C] = image;
  const D = H * W * C;
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  const u = () => rng() * 2 - 1;
  for (let r = 0; r < rows; r++) {
    const ty = u() * aug.shift;
    const tx = u() * aug.shift;
    const a = (u() * aug.rotate * Math.PI) / 180;
    const z = 1 + u() * aug.scale;
    // Source of output pixel p: c + R(−a)·(p − c − t) / z.
    const cos = Math.cos(a) / z;
    const sin = Math.sin(a) / z;
    const s0 = r * D;
    for (let y = 0; y < H; y++) {
      const py = y - cy - ty;
      for (let x = 0; x < W; x++) {
        const px = x - cx - tx;
        const sy = cy + cos * py - sin * px;
        const sx = cx + sin * py + cos * px;
        const o = s0 + (y * W + x) * C;
        sample(src, s0, H, W, C, sy, sx, dst, o);
      }
    }
  }
}

/** Bilinear sample of all channels at (sy, sx) of the image at `base` into dst[o…]; zeros outside. */
function sample(src: Float32Array, base: number, H: number, W: number, C: number, sy: number, sx: number, dst: Float32Array, o: number): void {
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const fy = sy - y0;
  const fx = sx - x0;
  for (let c = 0; c < C; c++) dst[o + c] = 0;
  if (y0 < -1 || y0 >= H || x0 < -1 || x0 >= W) return;
  for (let dy = 0; dy <= 1; dy++) {
    const yy = y0 + dy;
    const wy = dy ? fy : 1 - fy;
    if (yy < 0 || yy >= H || wy === 0) continue;
    for (let dx = 0; dx <= 1; dx++) {
      const xx = x0 + dx;
      const w = wy * (dx ? fx : 1 - fx);
      if (xx < 0 || xx >= W || w === 0) continue;
      const i = base + (yy * W + xx) * C;
      for (let c = 0; c < C; c++) dst[o + c] += w * src[i + c];
    }
  }
}
