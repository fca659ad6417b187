/**
 * Encoding one input with q(z|x). A CVAE's encoder also needs the label: without one, every
 * label is tried and the one with the best single-point ELBO (reconstruction of the posterior
 * mean + KL to the prior, `models/loss.ts`) is kept.
 */
import * as tf from '@tensorflow/tfjs';
import { decodeArrays, encodeArrays, reconErrors } from './metrics';
import { isConditional } from './models/build';
import { klPerSample } from './models/loss';
import type { LoadedRun } from './runCache';

/**
 * Latent mean and log-variance (null for an AE) of one input `x` (inputDim floats), and the label
 * it was encoded under (-1 for unconditional models; `label` when given, else the best one); for a
 * CVAE also each tried label's negative ELBO (`negElbo`, nats: one value when `label` was given).
 */
export function encodeImage(
  lr: LoadedRun,
  x: Float32Array,
  label: number | undefined,
): { mean: Float32Array; logVar: Float32Array | null; label: number; negElbo?: Float32Array } {
  if (!isConditional(lr.rec.config.model.kind)) return { ...encodeArrays(lr.bundle, x, null, 1), label: -1 };
  const candidates = label !== undefined ? [label] : Array.from({ length: lr.rec.numClasses }, (_, i) => i);
  const n = candidates.length;
  const xs = new Float32Array(n * x.length);
  for (let i = 0; i < n; i++) xs.set(x, i * x.length);
  const ys = Int32Array.from(candidates);
  const enc = encodeArrays(lr.bundle, xs, ys, n);
  const d = lr.rec.config.model.latentDim;
  const recon = reconErrors(lr.bundle, xs, decodeArrays(lr.bundle, enc.mean, ys, n), n);
  const kl = tf.tidy(() => klPerSample(tf.tensor2d(enc.mean, [n, d]), tf.tensor2d(enc.logVar!, [n, d])).dataSync());
  let best = 0;
  for (let i = 1; i < n; i++) if (recon[i] + kl[i] < recon[best] + kl[best]) best = i;
  return {
    mean: enc.mean.slice(best * d, best * d + d),
    logVar: enc.logVar!.slice(best * d, best * d + d),
    label: candidates[best],
    // Each candidate's single-point negative ELBO (nats), in candidate order.
    negElbo: Float32Array.from({ length: n }, (_, i) => recon[i] + kl[i]),
  };
}
