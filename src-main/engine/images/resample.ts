/**
 * Pure typed-array image helpers: antialiased triangle-filter resampling (area-like when
 * shrinking, bilinear when enlarging, as Pillow's BILINEAR), histogram median, centre of mass.
 */

interface Taps {
  start: Int32Array;
  len: Int32Array;
  weights: Float32Array;
  maxLen: number;
}

function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const fs = Math.max(scale, 1);
  const support = fs; // triangle filter, support 1 × scale
  const maxLen = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const len = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxLen);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    let total = 0;
    let n = 0;
    for (let j = lo; j < hi && n < maxLen; j++, n++) {
      const t = Math.abs((j - center + 0.5) / fs);
      const w = t < 1 ? 1 - t : 0;
      weights[o * maxLen + n] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < n; k++) weights[o * maxLen + k] /= total;
    start[o] = lo;
    len[o] = n;
  }
  return { start, len, weights, maxLen };
}

/** Resize a single-channel float image (row-major) to dw × dh. */
export function resizeGray(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  if (sw === dw && sh === dh) return src.slice();
  const tx = taps(sw, dw);
  const ty = taps(sh, dh);
  // Horizontal pass: sh × dw.
  const tmp = new Float32Array(sh * dw);
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
    for (let x = 0; x < dw; x++) {
      let acc = 0;
      const s = tx.start[x];
      const base = x * tx.maxLen;
      for (let k = 0; k < tx.len[x]; k++) acc += src[row + s + k] * tx.weights[base + k];
      tmp[y * dw + x] = acc;
    }
  }
  // Vertical pass: dh × dw.
  const out = new Float32Array(dh * dw);
  for (let y = 0; y < dh; y++) {
    const s = ty.start[y];
    const base = y * ty.maxLen;
    for (let x = 0; x < dw; x++) {
      let acc = 0;
      for (let k = 0; k < ty.len[y]; k++) acc += tmp[(s + k) * dw + x] * ty.weights[base + k];
      out[y * dw + x] = acc;
    }
  }
  return out;
}

/** Median of the 8-bit pixels on the outer frame (`band` pixels wide) of an image. */
export function borderMedian(data: Uint8Array, width: number, height: number, band = 1): number {
  const hist = new Uint32Array(256);
  let n = 0;
  const b = Math.max(1, Math.min(band, Math.floor(Math.min(width, height) / 2)));
  for (let y = 0; y < height; y++) {
    const edgeRow = y < b || y >= height - b;
    for (let x = 0; x < width; x++) {
      if (edgeRow || x < b || x >= width - b) {
        hist[data[y * width + x]]++;
        n++;
      }
    }
  }
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc * 2 >= n) return v;
  }
  return 255;
}

/** Centre of mass (pixel centres at i + 0.5) of a non-negative float image; null when empty. */
export function centreOfMass(img: Float32Array, width: number, height: number): { x: number; y: number } | null {
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x];
      sum += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return sum > 0 ? { x: sx / sum, y: sy / sum } : null;
}

/**
 * Resize interleaved 8-bit pixels (`channels` per pixel) to dw × dh with the same triangle
 * filter as `resizeGray`; floats in the input's 0–255 scale.
 */
export function resizeChannels(src: Uint8Array, sw: number, sh: number, channels: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh * channels);
  const plane = new Float32Array(sw * sh);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < sw * sh; i++) plane[i] = src[i * channels + c];
    const r = resizeGray(plane, sw, sh, dw, dh);
    for (let i = 0; i < dw * dh; i++) out[i * channels + c] = r[i];
  }
  return out;
}
