/**
 * Loss math, per sample, in nats (the reconstruction likelihood: likelihood.ts):
 *   recon = Σ_values BCE(x, x̂)                        (Bernoulli; from logits: max(l,0) − l·x + log(1+e^−|l|))
 *         = ½·Σ ((x − x̂)/σ)² + D·log(σ·√(2π))         (Gaussian with fixed σ, constant included)
 *   kl    = −½·Σ_latent (1 + log s² − m² − s²)        (q(z|x[,y]) = N(m, s²) ‖ N(0, I))
 *   loss  = recon + β·kl                              (AE: recon only)
 * Batch values are means over the batch of these per-sample quantities. The kernels
 * (kernels/dense/denseNet.ts) compute the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { bceWithLogitsSum } from '../kernels/fusedLoss';
import { isConditional, isVariational, type ModelBundle, type OutputKind } from './build';
import { gaussianConstant, gaussianSigma } from './likelihood';

export interface LossTensors {
  /** Mean over the batch of the per-sample reconstruction loss. */
  recon: tf.Scalar;
  /** Mean over the batch of the per-sample KL (0 for AE). */
  kl: tf.Scalar;
  /** Per-sample reconstruction loss, [batch]. */
  reconPerSample: tf.Tensor1D;
}

/**
 * Per-sample reconstruction loss [batch] (nats) of `x` [batch, D] from the decoder's logits
 * (Bernoulli) or means (Gaussian, fixed `sigma`, default 1).
 */
export function reconPerSample(x: tf.Tensor2D, logits: tf.Tensor2D, output: OutputKind, sigma = 1): tf.Tensor1D {
  // BCE with logits summed over pixels, as one op with a hand-written gradient (kernels/fusedLoss).
  if (output === 'bernoulli') return bceWithLogitsSum(tf, logits, x) as tf.Tensor1D;
  const sse = tf.sum(tf.square(tf.sub(x, logits)), 1);
  return tf.add(tf.mul(0.5 / (sigma * sigma), sse), gaussianConstant(x.shape[1], sigma)) as tf.Tensor1D;
}

/** Per-sample KL(q ‖ N(0, I)) [batch]. */
export function klPerSample(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  const t = tf.sub(tf.add(1, logVar), tf.add(tf.square(mean), tf.exp(logVar)));
  return tf.mul(-0.5, tf.sum(t, 1)) as tf.Tensor1D;
}

export interface ForwardOptions {
  training: boolean;
  /** Seed for the reparameterisation noise (vary per step). */
  seed: number;
  /** Encoder input (may be noisy for a denoising AE); defaults to x. */
  xIn?: tf.Tensor2D;
}

/** Forward pass and loss parts. Call inside tf.tidy / optimizer.minimize. */
export function forwardLoss(
  bundle: ModelBundle,
  x: tf.Tensor2D,
  y: tf.Tensor2D | null,
  opts: ForwardOptions,
): LossTensors {
  const kind = bundle.config.kind;
  const cond = isConditional(kind);
  if (cond && !y) throw new Error('CVAE needs labels');
  const xIn = opts.xIn ?? x;
  const encIn = cond ? [xIn, y!] : xIn;
  const enc = bundle.encoder.apply(encIn, { training: opts.training }) as tf.Tensor2D | tf.Tensor2D[];
  let z: tf.Tensor2D;
  let kl: tf.Tensor1D;
  if (isVariational(kind)) {
    const [mean, logVar] = enc as tf.Tensor2D[];
    const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', opts.seed) as tf.Tensor2D;
    z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)) as tf.Tensor2D;
    kl = klPerSample(mean, logVar);
  } else {
    z = (Array.isArray(enc) ? enc[0] : enc) as tf.Tensor2D;
    kl = tf.zeros([x.shape[0]]) as tf.Tensor1D;
  }
  const logits = bundle.decoderLogits.apply(cond ? [z, y!] : z, { training: opts.training }) as tf.Tensor2D;
  const rps = reconPerSample(x, logits, bundle.output, gaussianSigma(bundle.config));
  return { recon: tf.mean(rps) as tf.Scalar, kl: tf.mean(kl) as tf.Scalar, reconPerSample: rps };
}
