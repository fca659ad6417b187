/**
 * What a model is, independent of how it is built: the spec every builder, counter and trainer
 * takes, and the bundle of tfjs models a builder returns.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../src-shared/types';

export type OutputKind = 'bernoulli' | 'gaussian';

export interface ModelSpec {
  config: ModelConfig;
  /** Values per sample as the data arrives: flat, H·W·C in channels-last (HWC) order for images. */
  inputDim: number;
  /** Number of labels; the CVAE conditions on a one-hot vector of this size. */
  numClasses: number;
  /** bernoulli: images in [0,1] (sigmoid + BCE); gaussian: real-valued toy data (identity + ½·SSE). */
  output: OutputKind;
  /**
   * [H, W, C] of an image sample (conv models). Optional: when absent it is read off `inputDim`,
   * which is unambiguous for the supported shapes (28/32/64 square, 1 or 3 channels).
   */
  imageShape?: readonly [number, number, number];
}

export interface ModelBundle extends ModelSpec {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** Same layers as `decoder`, output before the final activation. */
  decoderLogits: tf.LayersModel;
  /** VAE-GAN only: the discriminator (models/discriminator.ts), x → probability that x is real. */
  discriminator?: tf.LayersModel;
}

export const isVariational = (kind: ModelConfig['kind']) => kind !== 'ae';
export const isConditional = (kind: ModelConfig['kind']) => kind === 'cvae';
/** A VAE-GAN: a VAE trained with a discriminator (models/vaegan.ts). */
export const isGan = (kind: ModelConfig['kind']) => kind === 'vaegan';
