/**
 * Model images (floats in [0, 1], channels-last) → canvas pixels. Image payloads carry `shape`
 * `[H, W]` (grey; runs saved before colour), `[H, W, 1]` (grey) or `[H, W, 3]` (RGB).
 */

/** Height, width and channels of one image. */
export interface PixelShape {
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * `[H, W]` or `[H, W, C]` (C = 1 or 3) → its parts; anything else (e.g. `[2]` for 2-D toy points)
 * → null: not an image.
 */
export function pixelShape(shape: readonly number[]): PixelShape | null {
  if (shape.length !== 2 && shape.length !== 3) return null;
  const [height, width] = shape;
  const c = shape.length === 3 ? shape[2] : 1;
  if (!(height > 0 && width > 0 && Number.isInteger(height) && Number.isInteger(width))) return null;
  if (c !== 1 && c !== 3) return null;
  return { height, width, channels: c };
}

/** Floats per image (H·W·C), or 0 when `shape` is not an image shape. */
export function floatsPerImage(shape: readonly number[]): number {
  const s = pixelShape(shape);
  return s ? s.height * s.width * s.channels : 0;
}

const byte = (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0); // NaN → 0

/**
 * Image `index` of a batch (`data` = count × H·W·C floats, channels-last) as RGBA bytes
 * (H·W·4, opaque): grey repeats its one channel into R, G and B; RGB is copied. Values are
 * clamped to [0, 1]; missing values (a short batch) and NaN read as 0.
 * @throws Error when `shape` is not `[H, W]` or `[H, W, 1|3]`.
 */
export function toRgba(data: ArrayLike<number>, shape: readonly number[], index = 0, out?: Uint8ClampedArray): Uint8ClampedArray {
  const s = pixelShape(shape);
  if (!s) throw new Error(`not an image shape: [${shape.join(', ')}]`);
  const { height, width, channels: c } = s;
  const n = height * width;
  const px = out ?? new Uint8ClampedArray(n * 4);
  if (px.length < n * 4) throw new Error(`the pixel buffer holds ${px.length} bytes, ${n * 4} needed`);
  const off = index * n * c;
  for (let i = 0; i < n; i++) {
    const j = off + i * c;
    if (c === 3) {
      px[i * 4] = byte(data[j] ?? 0);
      px[i * 4 + 1] = byte(data[j + 1] ?? 0);
      px[i * 4 + 2] = byte(data[j + 2] ?? 0);
    } else {
      const g = byte(data[j] ?? 0);
      px[i * 4] = px[i * 4 + 1] = px[i * 4 + 2] = g;
    }
    px[i * 4 + 3] = 255;
  }
  return px;
}
