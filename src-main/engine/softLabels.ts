/**
 * Labels as the CVAE's decoder sees them: a one-hot float row per vector (models/build.ts
 * `oneHot`), so a row may also be a mix of labels. Used by interpolation between points of two
 * labels, and to say how well each label fits an encoded image.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelForwardFor } from './kernels/dense/bundleForward';
import { isConditional, type ModelBundle } from './models/build';

/**
 * `steps` rows of `numClasses` floats blending one-hot(`from`) into one-hot(`to`) linearly: row i
 * is (1 − t)·onehot(from) + t·onehot(to) with t = i / (steps − 1). Each row sums to 1.
 */
export function blendLabels(from: number, to: number, steps: number, numClasses: number): Float32Array {
  const out = new Float32Array(steps * numClasses);
  for (let i = 0; i < steps; i++) {
    const t = steps > 1 ? i / (steps - 1) : 0;
    out[i * numClasses + from] += 1 - t;
    out[i * numClasses + to] += t;
  }
  return out;
}

/**
 * Decode `count` latent vectors (count × latentDim) of a conditional model under label rows
 * `labels` (count × numClasses floats: one-hot or mixed). Returns count × inputDim outputs
 * (probabilities for Bernoulli outputs), as `metrics.decodeArrays` (on the kernels when they take
 * the model: kernels/dense/bundleForward.ts).
 */
export function decodeWithLabelRows(bundle: ModelBundle, z: Float32Array, labels: Float32Array, count: number): Float32Array {
  const d = bundle.config.latentDim;
  const k = bundle.numClasses;
  if (z.length !== count * d || labels.length !== count * k) throw new Error(`expected ${count} × ${d} latents and ${count} × ${k} label rows`);
  const kernels = isConditional(bundle.config.kind) ? kernelForwardFor(bundle) : null;
  if (kernels) return kernels.decode(z, labels, count);
  const t = tf.tidy(() => bundle.decoder.apply([tf.tensor2d(z, [count, d]), tf.tensor2d(labels, [count, k])], { training: false }) as tf.Tensor);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * p(label | x) from each label's negative ELBO of x (nats): softmax of −negElbo, i.e. the ELBO
 * standing in for log p(x | label) with every label equally likely a priori. Sums to 1.
 */
export function labelPosterior(negElbo: ArrayLike<number>): Float32Array {
  const n = negElbo.length;
  let best = Infinity;
  for (let i = 0; i < n; i++) best = Math.min(best, negElbo[i]);
  const p = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[i] = Math.exp(-(negElbo[i] - best));
  for (let i = 0; i < n; i++) p[i] /= sum;
  return p;
}
