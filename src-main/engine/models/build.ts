/**
 * AE / VAE / CVAE / VAE-GAN built with the tfjs Layers API, dense (`models/dense.ts`) or convolutional
 * (`models/conv.ts`), chosen by the config's `arch`.
 *
 * Each model is a pair of standard LayersModels, saved and loaded as such:
 *   encoder: x [, onehot(y)] → … → z  (AE) | z_mean, z_log_var (VAE / CVAE: two separate heads)
 *   decoder: z [, onehot(y)] → … → logits → x̂ (sigmoid for images, identity for toy 2-D)
 * Both archs take and return flat samples (N × inputDim; images in HWC order). Training reads
 * the decoder's `logits` layer so the Bernoulli loss is computed from logits (numerically
 * exact), while the saved decoder outputs probabilities. A VAE-GAN is a VAE plus a third
 * LayersModel, its discriminator (./discriminator.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../src-shared/types';
import { buildConvModels, convParams, resolveConvConfig } from './conv';
import { buildDenseModels, denseParams } from './dense';
import { buildDiscriminator, discriminatorParams } from './discriminator';
import { isGan, type ModelBundle, type ModelSpec } from './spec';

export { isConditional, isGan, isVariational, type ModelBundle, type ModelSpec, type OutputKind } from './spec';
export { flopsPerSample, type Flops } from './flops';

/**
 * Trainable parameters of encoder + decoder (+ a VAE-GAN's discriminator), computed from the spec
 * without building anything.
 * Conv: throws LabError UNSUPPORTED / INVALID_PAYLOAD for an input or filters it cannot take.
 */
export function countParams(spec: ModelSpec): number {
  const vae = spec.config.arch === 'conv' ? convParams(spec) : denseParams(spec);
  return vae + (isGan(spec.config.kind) ? discriminatorParams(spec) : 0);
}

/** Largest model the engine trains: weights plus Adam's two moments stay under ~1 GB. */
export const MAX_PARAMS = 80_000_000;

/**
 * The model config with every per-input default written in (conv: `convFilters` and `hidden`
 * for the image size), as the engine saves it in a run. Dense configs come back unchanged.
 * Throws as countParams.
 */
export function resolveModelConfig(config: ModelConfig, spec: Pick<ModelSpec, 'inputDim' | 'imageShape'>): ModelConfig {
  return resolveConvConfig(config, spec);
}

/** Builds encoder + decoder with weights seeded by `seed`. Throws as countParams. */
export function buildModel(spec: ModelSpec, seed: number): ModelBundle {
  const { encoder, decoder } = spec.config.arch === 'conv' ? buildConvModels(spec, seed) : buildDenseModels(spec, seed);
  const discriminator = isGan(spec.config.kind) ? buildDiscriminator(spec, seed) : undefined;
  return { ...spec, encoder, decoder, decoderLogits: logitsModel(decoder), ...(discriminator ? { discriminator } : {}) };
}

/** A model sharing the decoder's layers whose output is the `logits` layer. */
export function logitsModel(decoder: tf.LayersModel): tf.LayersModel {
  const logits = decoder.getLayer('logits').output as tf.SymbolicTensor;
  return tf.model({ inputs: decoder.inputs, outputs: logits, name: 'decoder_logits' });
}

/** Encoder's, decoder's (and a VAE-GAN's discriminator's) trainable variables: the order of the weights everywhere. */
export function trainableVariables(bundle: ModelBundle): tf.Variable[] {
  return [...bundle.encoder.trainableWeights, ...bundle.decoder.trainableWeights, ...(bundle.discriminator?.trainableWeights ?? [])].map(
    (w) => w.read() as tf.Variable,
  );
}

/** Layers whose kernel the L2 penalty covers. */
const PENALISED = new Set(['Dense', 'Conv2D', 'Conv2DTranspose']);

/**
 * L2 penalty of all dense and conv kernels of `models` (default: encoder and decoder; the Layers
 * regularisers are not applied in a custom loop).
 */
export function l2Penalty(bundle: ModelBundle, models: tf.LayersModel[] = [bundle.encoder, bundle.decoder]): tf.Scalar | null {
  const l2 = bundle.config.l2;
  if (l2 <= 0) return null;
  // Kernels found by layer (tfjs renames weights `kernel_1`… for later models in a process).
  const kernels = models
    .flatMap((m) => m.layers)
    .filter((l) => PENALISED.has(l.getClassName()))
    .map((l) => tf.sum(tf.square(l.trainableWeights[0].read())));
  return tf.mul(l2, tf.addN(kernels)) as tf.Scalar;
}

export function disposeBundle(bundle: ModelBundle): void {
  bundle.encoder.dispose();
  bundle.decoder.dispose();
  bundle.discriminator?.dispose();
}

/** One-hot labels as a tensor; labels outside [0, numClasses) are rejected by the caller. */
export function oneHot(labels: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D);
}
