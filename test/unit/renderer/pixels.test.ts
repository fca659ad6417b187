/**
 * Model images to canvas pixels: grey [H, W] and [H, W, 1] repeat their channel, RGB [H, W, 3] is
 * copied channel by channel, at every size a dataset may have (28, 32, 64), the right image of a
 * batch, values clamped; shapes that are not images are refused.
 */
import { describe, expect, it } from 'vitest';
import { floatsPerImage, pixelShape, toRgba } from '../../../src-renderer/src/lib/pixels';

/** Pixel (x, y) of an RGBA buffer of width w. */
const at = (px: Uint8ClampedArray, w: number, x: number, y: number) => Array.from(px.subarray((y * w + x) * 4, (y * w + x) * 4 + 4));

describe('image pixels', () => {
  it('a grey image: each value becomes an opaque grey pixel, old [H, W] and new [H, W, 1] alike', () => {
    const data = Float32Array.from({ length: 28 * 28 }, (_, i) => (i % 28) / 27); // a left-to-right ramp
    for (const shape of [[28, 28], [28, 28, 1]]) {
      const px = toRgba(data, shape);
      expect(px.length).toBe(28 * 28 * 4);
      expect(at(px, 28, 0, 5)).toEqual([0, 0, 0, 255]);
      expect(at(px, 28, 27, 5)).toEqual([255, 255, 255, 255]);
      expect(at(px, 28, 9, 20)).toEqual([85, 85, 85, 255]); // 9/27 = 1/3
    }
  });

  it('an RGB image keeps its colours (channels-last), at 32 and 64 pixels', () => {
    for (const side of [32, 64]) {
      const data = new Float32Array(side * side * 3);
      // left half red, right half blue, one green pixel at (3, 7)
      for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) data[(y * side + x) * 3 + (x < side / 2 ? 0 : 2)] = 1;
      data.set([0, 1, 0], (7 * side + 3) * 3);
      const px = toRgba(data, [side, side, 3]);
      expect(px.length).toBe(side * side * 4);
      expect(at(px, side, 1, 1)).toEqual([255, 0, 0, 255]);
      expect(at(px, side, side - 1, side - 1)).toEqual([0, 0, 255, 255]);
      expect(at(px, side, 3, 7)).toEqual([0, 255, 0, 255]);
    }
  });

  it('draws the image asked for from a batch, into a given buffer', () => {
    const D = 32 * 32 * 3;
    const batch = new Float32Array(3 * D);
    batch.fill(0.5, D, 2 * D); // image 1: mid grey in every channel
    batch.fill(1, 2 * D); // image 2: white
    const out = new Uint8ClampedArray(32 * 32 * 4);
    expect(toRgba(batch, [32, 32, 3], 1, out)).toBe(out);
    expect(at(out, 32, 10, 10)).toEqual([128, 128, 128, 255]);
    expect(at(toRgba(batch, [32, 32, 3], 0), 32, 10, 10)).toEqual([0, 0, 0, 255]);
    expect(at(toRgba(batch, [32, 32, 3], 2), 32, 31, 31)).toEqual([255, 255, 255, 255]);
  });

  it('clamps out-of-range values and reads NaN and a short batch as black', () => {
    const px = toRgba(Float32Array.of(-0.5, 1.7, NaN), [2, 2]);
    expect(Array.from(px)).toEqual([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
  });

  it('knows image shapes from other shapes', () => {
    expect(pixelShape([64, 64, 3])).toEqual({ height: 64, width: 64, channels: 3 });
    expect(pixelShape([28, 28])).toEqual({ height: 28, width: 28, channels: 1 });
    expect(pixelShape([2])).toBeNull(); // 2-D toy points
    expect(pixelShape([28, 28, 4])).toBeNull();
    expect(floatsPerImage([32, 32, 3])).toBe(3072);
    expect(floatsPerImage([2])).toBe(0);
    expect(() => toRgba(new Float32Array(8), [2, 2, 2])).toThrow(/not an image shape/);
  });
});
