/**
 * The two references a VAE-GAN's reconstructions are placed between (./ganHealth.ts `reconShare`):
 * the pixel likelihood −log p(x | x̃), nats per test image, of the training split's per-pixel mean
 * image as every reconstruction (it knows nothing of the input) and of a perfect copy (x̃ = x),
 * under the run's likelihood (Bernoulli or Gaussian with fixed σ). Computed once per run.
 */
import type { SplitData } from '../metrics';
import { gaussianConstant } from '../models/likelihood';
import type { OutputKind } from '../models/spec';

/** The pixel likelihood (nats per image, mean over the test images) of the two references of `reconShare`. */
export interface PixelBaselines {
  /** Every reconstruction the training split's per-pixel mean image. */
  average: number;
  /** Every reconstruction its input (x̃ = x): the data's own entropy (Bernoulli), the constant (Gaussian). */
  perfect: number;
}

/** −x·log x − (1 − x)·log(1 − x), nats (0 at 0 and 1): the Bernoulli NLL of x under p = x. */
const binaryEntropy = (x: number) => (x > 0 && x < 1 ? -x * Math.log(x) - (1 - x) * Math.log(1 - x) : 0);

/** A split's per-column Σx and Σx² (`squares`: else left 0), and Σ over all its values of their binary entropy. */
function columnSums(split: SplitData, D: number, squares: boolean): { s1: Float64Array; s2: Float64Array; entropy: number } {
  const s1 = new Float64Array(D);
  const s2 = new Float64Array(D);
  const x = split.x;
  if (x instanceof Float32Array) {
    let entropy = 0;
    for (let i = 0; i < split.count * D; i++) {
      const v = x[i];
      s1[i % D] += v;
      if (squares) s2[i % D] += v * v;
      entropy += binaryEntropy(v);
    }
    return { s1, s2, entropy };
  }
  // Bytes k (value k/255): integer sums and a histogram, converted once.
  const k1 = new Float64Array(D);
  const k2 = new Float64Array(D);
  const hist = new Float64Array(256);
  for (let r = 0; r < split.count; r++) {
    const o = r * D;
    for (let d = 0; d < D; d++) {
      const k = x[o + d];
      k1[d] += k;
      if (squares) k2[d] += k * k;
      hist[k]++;
    }
  }
  for (let d = 0; d < D; d++) {
    s1[d] = k1[d] / 255;
    s2[d] = k2[d] / (255 * 255);
  }
  let entropy = 0;
  for (let k = 0; k < 256; k++) entropy += hist[k] * binaryEntropy(k / 255);
  return { s1, s2, entropy };
}

/**
 * The references of `reconShare` for `test`'s images (D values each, in [0, 1]) under the run's
 * likelihood, nats per image: the reconstruction that knows nothing of its input, the training
 * split's per-pixel mean image (Bernoulli: the mean smoothed as Krichevsky–Trofimov's
 * (Σx + ½) / (n + 1), so that a pixel never inked in training costs finite nats), and a perfect
 * copy (Bernoulli: the images' own binary entropy, 0 for black-and-white pixels). Gaussian
 * (fixed σ): ½·Σ ((x − mean)/σ)² + D·log(σ·√(2π)) and the constant alone. From column sums: one
 * pass over each split's bytes, logarithms per column, less work than one validation pass.
 * Empty splits give NaN (no verdict).
 */
export function pixelBaselines(train: SplitData, test: SplitData, D: number, output: OutputKind, sigma: number): PixelBaselines {
  const n = train.count;
  const t = test.count;
  const tr = columnSums(train, D, false).s1;
  const te = columnSums(test, D, output === 'gaussian');
  let average = 0;
  for (let d = 0; d < D; d++) {
    if (output === 'bernoulli') {
      const p = (tr[d] + 0.5) / (n + 1);
      average -= te.s1[d] * Math.log(p) + (t - te.s1[d]) * Math.log(1 - p);
    } else {
      const m = tr[d] / n;
      average += (te.s2[d] - 2 * m * te.s1[d] + t * m * m) / (2 * sigma * sigma);
    }
  }
  if (output === 'bernoulli') return { average: average / t, perfect: te.entropy / t };
  const constant = gaussianConstant(D, sigma);
  return { average: average / t + constant, perfect: constant };
}
