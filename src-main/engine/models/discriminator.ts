/**
 * The VAE-GAN's discriminator (Larsen et al. 2016, §2.2–2.3), a standard tfjs LayersModel saved
 * beside the encoder and decoder; its layers follow the encoder's:
 *
 *   conv models:  x → [H,W,C] → Conv2D stages with the encoder's filters, kernel and stride
 *                 (leaky ReLU 0.2) → flatten → Dense 1 (the logit) → sigmoid (`d_prob`)
 *   dense models: x → Dense layers of the encoder's sizes (leaky ReLU 0.2) → Dense 1 → sigmoid
 *
 * `Dis_l`, the layer whose features the reconstruction term compares (the paper's learned
 * similarity), is the last hidden stage: the last convolution's output (7·7·64 = 3,136 values for
 * the Keras-example MNIST model) or the last dense layer's. It is named `dis_l` in the tfjs
 * model. No batch normalisation (the kernels have none) and no dropout.
 */
import * as tf from '@tensorflow/tfjs';
import { convPlan, stageParams, type ConvStage } from './conv';
import { denseChainParams } from './dense';
import type { ModelSpec } from './spec';

/** Slope of the discriminator's leaky ReLUs (tf.layers.leakyReLU; the kernels' ACT_LEAKY). */
export const DIS_LEAKY_ALPHA = 0.2;
/** Name of the layer whose outputs are Dis_l. */
export const DIS_FEATURES_LAYER = 'dis_l';
/** Name of the logit layer (before the sigmoid). */
export const DIS_LOGIT_LAYER = 'd_logit';

/** The discriminator's layers, from the spec alone. */
export interface DiscriminatorPlan {
  /** Conv stages (conv models; empty for dense ones), named `dis_conv_i`. */
  convs: ConvStage[];
  /** Dense hidden layers (dense models; empty for conv ones), named `dis_dense_i`. */
  hidden: number[];
  /** Index in [...convs, ...hidden] of Dis_l (the last one). */
  featureIndex: number;
  /** Values per sample of Dis_l. */
  features: number;
  /** Values per sample into the logit layer (= `features`: Dis_l feeds the logit). */
  flat: number;
}

/** The discriminator of `spec`'s model. Throws as models/conv.ts's convPlan for a conv model. */
export function discriminatorPlan(spec: ModelSpec): DiscriminatorPlan {
  if (spec.config.arch === 'conv') {
    const cp = convPlan(spec);
    const convs = cp.encoder.map((s, i) => ({ ...s, name: `dis_conv_${i}`, activated: true }));
    const out = convs[convs.length - 1].out;
    const flat = out[0] * out[1] * out[2];
    return { convs, hidden: [], featureIndex: convs.length - 1, features: flat, flat };
  }
  const hidden = [...spec.config.hidden];
  const last = hidden[hidden.length - 1];
  return { convs: [], hidden, featureIndex: hidden.length - 1, features: last, flat: last };
}

/** Trainable parameters of the discriminator. Throws as discriminatorPlan. */
export function discriminatorParams(spec: ModelSpec): number {
  const p = discriminatorPlan(spec);
  const body = p.convs.length ? p.convs.reduce((s, c) => s + stageParams(c), 0) : denseChainParams([spec.inputDim, ...p.hidden]);
  return body + p.flat + 1;
}

/**
 * The discriminator as a tfjs LayersModel: flat rows in (N × inputDim, channels-last), the
 * probability that a row is real out (N × 1). Trainable weights in the kernels' order (each
 * layer's kernel, then its bias; the logit layer last). Glorot-uniform kernels seeded by `seed`.
 */
export function buildDiscriminator(spec: ModelSpec, seed: number): tf.LayersModel {
  const plan = discriminatorPlan(spec);
  const x = tf.input({ shape: [spec.inputDim], name: 'x' });
  let h: tf.SymbolicTensor = x;
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + 801 + i });
  const leaky = (t: tf.SymbolicTensor, i: number, name: string) =>
    tf.layers.leakyReLU({ alpha: DIS_LEAKY_ALPHA, name: i === plan.featureIndex ? DIS_FEATURES_LAYER : `${name}_lrelu` }).apply(t) as tf.SymbolicTensor;
  if (plan.convs.length) {
    const [H, W, C] = plan.convs[0].in;
    h = tf.layers.reshape({ targetShape: [H, W, C], name: 'dis_image' }).apply(h) as tf.SymbolicTensor;
    plan.convs.forEach((s, i) => {
      const conv = tf.layers.conv2d({
        name: s.name,
        filters: s.filters,
        kernelSize: s.kernel,
        strides: s.stride,
        padding: 'same',
        activation: 'linear',
        kernelInitializer: init(i),
        biasInitializer: 'zeros',
      });
      h = leaky(conv.apply(h) as tf.SymbolicTensor, i, s.name);
    });
    h = tf.layers.flatten({ name: 'dis_flatten' }).apply(h) as tf.SymbolicTensor;
  }
  plan.hidden.forEach((units, j) => {
    const name = `dis_dense_${j}`;
    const d = tf.layers.dense({ name, units, activation: 'linear', kernelInitializer: init(50 + j), biasInitializer: 'zeros' });
    h = leaky(d.apply(h) as tf.SymbolicTensor, plan.convs.length + j, name);
  });
  const logit = tf.layers
    .dense({ name: DIS_LOGIT_LAYER, units: 1, activation: 'linear', kernelInitializer: init(99), biasInitializer: 'zeros' })
    .apply(h) as tf.SymbolicTensor;
  const prob = tf.layers.activation({ activation: 'sigmoid', name: 'd_prob' }).apply(logit) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: prob, name: 'discriminator' });
}

const heads = new WeakMap<tf.LayersModel, tf.LayersModel>();

/**
 * A view of the discriminator with two outputs, Dis_l (N × features) and the logit (N × 1);
 * shares the weights. Built once per discriminator.
 */
export function featuresAndLogit(discriminator: tf.LayersModel): tf.LayersModel {
  let view = heads.get(discriminator);
  if (!view) {
    view = tf.model({
      inputs: discriminator.inputs,
      outputs: [discriminator.getLayer(DIS_FEATURES_LAYER).output as tf.SymbolicTensor, discriminator.getLayer(DIS_LOGIT_LAYER).output as tf.SymbolicTensor],
      name: 'discriminator_heads',
    });
    heads.set(discriminator, view);
  }
  return view;
}
