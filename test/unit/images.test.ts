import { describe, expect, it } from 'vitest';
import sharp, { type SharpOptions } from 'sharp';
import { decodeGray, encodePng, preprocessMnistStyle, sniffFormat } from '../../src-main/engine/images';
import { LabError, MAX_IMAGE_BYTES } from '../../src-shared/types';
import { encodeGray, grayCanvas, pngWithHeader, strokeRects } from '../fixtures/generate';
import { rowsF32 } from '../../src-main/engine/datasets/rows';

async function badImage(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  expect((err as LabError).code).toBe('BAD_IMAGE');
  expect((err as LabError).message).toMatch(re);
}

const W = 100;
const H = 100;
const strokePx = () => grayCanvas(W, H, strokeRects());

/** Stats of a 28×28 float image. */
function stats(img: Float32Array, size = 28) {
  let sum = 0;
  let sx = 0;
  let sy = 0;
  let x0 = size;
  let y0 = size;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = img[y * size + x];
      sum += v;
      sx += v * x; // index coordinates: MNIST's centre of mass sits at pixel (14, 14)
      sy += v * y;
      if (v > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { cx: sx / sum, cy: sy / sum, bw: x1 - x0 + 1, bh: y1 - y0 + 1, sum, corner: img[0] + img[27] + img[27 * 28] + img[783] };
}

describe('decodeGray: refusals', () => {
  it('empty file', async () => {
    await badImage(decodeGray(new Uint8Array(0)), /^empty file$/);
  });

  it('file above the byte limit', async () => {
    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await badImage(decodeGray(big), /above the 20 MB limit/);
  });

  it('text renamed .png', async () => {
    await badImage(decodeGray(new TextEncoder().encode('hello, this is a note\nnot a picture\n')), /not an image \(looks like text\)/);
  });

  it('PDF header', async () => {
    const pdf = new Uint8Array([...new TextEncoder().encode('%PDF-1.7\n'), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a, 0x00, 0x01]);
    await badImage(decodeGray(pdf), /not an image \(looks like PDF\)/);
  });

  it('PNG whose header claims 30000×30000 is refused from the header', async () => {
    const png = pngWithHeader(30000, 30000);
    expect(png.length).toBeLessThan(200);
    expect(sniffFormat(png)).toBe('png');
    const t = Date.now();
    await badImage(decodeGray(png), /image is 30000×30000, above the 50 MP limit/);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('a custom maxPixels', async () => {
    await badImage(decodeGray(await encodeGray(strokePx(), W, H, 'png'), { maxPixels: 5000 }), /100×100, above the 0\.005 MP limit|100×100, above/);
  });

  it('truncated PNG', async () => {
    // noisy content so the compressed data is long enough to cut in the middle of IDAT
    const noise = Uint8Array.from({ length: 200 * 200 }, (_, i) => (i * 2654435761) >>> 24);
    const png = await encodeGray(noise, 200, 200, 'png');
    await badImage(decodeGray(png.subarray(0, Math.floor(png.length * 0.6))), /truncated or corrupt PNG/);
  });

  it('truncated JPEG', async () => {
    const noise = Uint8Array.from({ length: 200 * 200 }, (_, i) => (i * 2654435761) >>> 24);
    const jpg = await encodeGray(noise, 200, 200, 'jpeg');
    await badImage(decodeGray(jpg.subarray(0, Math.floor(jpg.length * 0.7))), /truncated or corrupt JPEG/);
  });

  it('garbage after a PNG signature', async () => {
    const b = new Uint8Array(64);
    b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await badImage(decodeGray(b), /truncated or corrupt PNG/);
  });
});

describe('decodeGray: formats', () => {
  it('8-bit PNG', async () => {
    const img = await decodeGray(await encodeGray(strokePx(), W, H, 'png'));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(img.data[0]).toBe(255);
    expect(img.data[20 * W + 65]).toBe(0);
  });

  it('16-bit PNG → 8-bit', async () => {
    const buf = await sharp(Buffer.from(strokePx()), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    expect(buf[24]).toBe(16); // IHDR bit depth
    const img = await decodeGray(buf);
    expect(img.data.length).toBe(W * H);
    expect(img.data[0]).toBe(255);
    expect(img.data[20 * W + 65]).toBe(0);
  });

  it('transparent PNG: strokes survive (flattened onto white)', async () => {
    // ink only in the alpha channel: black strokes on a fully transparent (black) background
    const rgba = Buffer.alloc(W * H * 4);
    const px = strokePx();
    for (let i = 0; i < W * H; i++) rgba[i * 4 + 3] = px[i] === 0 ? 255 : 0;
    const png = await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
    const img = await decodeGray(png);
    expect(img.data[0]).toBe(255);
    expect(img.data[20 * W + 65]).toBe(0);
    const x = await preprocessMnistStyle(png);
    const s = stats(x);
    expect(s.sum).toBeGreaterThan(20);
    expect(s.corner).toBe(0);
  });

  it('CMYK JPEG', async () => {
    const jpg = await sharp(Buffer.from(strokePx()), { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    expect((await sharp(jpg).metadata()).space).toBe('cmyk');
    const img = await decodeGray(jpg);
    expect(img.data.length).toBe(W * H);
    expect(img.data[0]).toBeGreaterThan(230);
    expect(img.data[20 * W + 65]).toBeLessThan(60);
  });

  it('animated GIF: first frame', async () => {
    const first = strokePx();
    const second = new Uint8Array(W * H).fill(0); // black frame
    const gif = await sharp(Buffer.concat([first, second]), {
      raw: { width: W, height: H * 2, channels: 1, pageHeight: H },
    } as SharpOptions)
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await decodeGray(gif);
    expect([img.width, img.height]).toEqual([W, H]);
    expect(img.data[0]).toBeGreaterThan(240);
    expect(img.data[20 * W + 65]).toBeLessThan(20);
  });

  it('WebP', async () => {
    const img = await decodeGray(await encodeGray(strokePx(), W, H, 'webp'));
    expect(img.data[0]).toBeGreaterThan(240);
  });
});

describe('preprocessMnistStyle', () => {
  it('thick dark stroke on white → centred, ≤ 20 px box, background 0', async () => {
    const x = await preprocessMnistStyle(await encodeGray(strokePx(), W, H, 'png'));
    expect(x).toBeInstanceOf(Float32Array);
    expect(x.length).toBe(784);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(Math.max(...x)).toBeGreaterThan(0.9);
    const s = stats(x);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(1);
    expect(Math.max(s.bw, s.bh)).toBeLessThanOrEqual(20);
    expect(Math.max(s.bw, s.bh)).toBeGreaterThanOrEqual(18);
    expect(s.corner).toBe(0);
    // the background is ~0: most pixels are exactly zero
    expect(x.filter((v) => v === 0).length).toBeGreaterThan(600);
  });

  it('light stroke on dark is not inverted (same result as dark on light)', async () => {
    const inv = strokePx().map((v) => 255 - v);
    const a = await preprocessMnistStyle(await encodeGray(strokePx(), W, H, 'png'));
    const b = await preprocessMnistStyle(await encodeGray(inv, W, H, 'png'));
    let diff = 0;
    for (let i = 0; i < 784; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeLessThan(1e-6);
  });

  it('low-contrast pencil on grey paper is normalised', async () => {
    const px = grayCanvas(W, H, strokeRects(), 120, 190);
    const x = await preprocessMnistStyle(await encodeGray(px, W, H, 'jpeg'));
    expect(Math.max(...x)).toBeGreaterThan(0.9);
    expect(stats(x).corner).toBe(0);
  });

  it('pure white and pure black → blank after MNIST-style processing (a readable image, not "unreadable")', async () => {
    for (const v of [255, 0]) {
      const px = new Uint8Array(W * H).fill(v);
      await badImage(preprocessMnistStyle(await encodeGray(px, W, H, 'png')), /^blank after MNIST-style processing: no strokes stand out from the background$/);
    }
  });
});

describe('encodePng', () => {
  it('writes an 8-bit grayscale PNG that decodes back exactly', async () => {
    const px = Uint8Array.from({ length: 28 * 20 }, (_, i) => i % 256);
    const png = await encodePng(px, 28, 20);
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    expect(png[24]).toBe(8); // bit depth
    expect(png[25]).toBe(0); // colour type: grayscale
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([28, 20, 1]);
    expect(Buffer.compare(data, Buffer.from(px))).toBe(0);
  });
});

describe('preprocessMnistStyle reproduces MNIST', () => {
  it('a real digit, printed dark on white at 4×, comes back close to the original', async () => {
    const { loadDataset } = await import('../../src-main/engine/datasets');
    const { makeTemp, rmTemp } = await import('../fixtures/generate');
    const dir = await makeTemp();
    try {
      const m = await loadDataset({ id: 'mnist' }, { dataDir: dir });
      let corr = 0;
      const N = 20;
      for (let k = 0; k < N; k++) {
        const x = rowsF32(m.test.x, 784, k, 1);
        const paper = Buffer.from(Array.from(x, (v) => 255 - Math.round(v * 255)));
        const png = await sharp(paper, { raw: { width: 28, height: 28, channels: 1 } }).resize(112, 112, { kernel: 'cubic' }).png().toBuffer();
        const y = await preprocessMnistStyle(png);
        let sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
        for (let i = 0; i < 784; i++) {
          sx += x[i];
          sy += y[i];
          sxy += x[i] * y[i];
          sxx += x[i] * x[i];
          syy += y[i] * y[i];
        }
        corr += (sxy - (sx * sy) / 784) / Math.sqrt((sxx - (sx * sx) / 784) * (syy - (sy * sy) / 784));
      }
      expect(corr / N).toBeGreaterThan(0.9);
    } finally {
      await rmTemp(dir);
    }
  });
});
