/**
 * Dense AE / VAE / CVAE (arch `dense`), and the dense-layer helpers the conv models share.
 *
 *   encoder: x [, onehot(y)] → hidden… → z            (AE)
 *                                    → z_mean, z_log_var (VAE / CVAE: two separate heads)
 *   decoder: z [, onehot(y)] → hidden (mirrored)… → logits → x̂ (sigmoid for images, identity for toy 2-D)
 *
 * The layer order and names are what the dense kernels (kernels/dense/denseNet.ts) map their
 * weights onto: change them only together.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../src-shared/types';
import { isConditional, isVariational, type ModelSpec } from './spec';

/** A Dense layer with a seeded Glorot-uniform kernel (leaky ReLU is added as its own layer). */
export function denseLayer(
  units: number,
  name: string,
  seed: number,
  activation: ModelConfig['activation'] | 'linear',
  l2: number,
): tf.layers.Layer {
  return tf.layers.dense({
    units,
    name,
    activation: activation === 'leakyRelu' ? 'linear' : activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
    kernelRegularizer: l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined,
  });
}

/** Hidden block: dense (+ leaky ReLU) (+ dropout), one per entry of `sizes`. */
export function hiddenStack(
  x: tf.SymbolicTensor,
  sizes: number[],
  prefix: string,
  cfg: ModelConfig,
  seedBase: number,
): tf.SymbolicTensor {
  let h = x;
  sizes.forEach((units, i) => {
    h = denseLayer(units, `${prefix}_dense_${i}`, seedBase + i, cfg.activation, cfg.l2).apply(h) as tf.SymbolicTensor;
    if (cfg.activation === 'leakyRelu') {
      h = tf.layers.leakyReLU({ alpha: 0.2, name: `${prefix}_lrelu_${i}` }).apply(h) as tf.SymbolicTensor;
    }
    if (cfg.dropout > 0) {
      // No seed: tfjs reuses a layer's seed on every call, which would freeze the dropout mask.
      // So runs with dropout are not bit-reproducible.
      h = tf.layers.dropout({ rate: cfg.dropout, name: `${prefix}_dropout_${i}` }).apply(h) as tf.SymbolicTensor;
    }
  });
  return h;
}

/** `z` (AE) or `z_mean`, `z_log_var` (VAE / CVAE) from the last hidden features `h`. */
export function latentHeads(h: tf.SymbolicTensor, cfg: ModelConfig, seed: number): tf.SymbolicTensor[] {
  if (!isVariational(cfg.kind)) {
    return [denseLayer(cfg.latentDim, 'z', seed * 1000 + 50, 'linear', cfg.l2).apply(h) as tf.SymbolicTensor];
  }
  return [
    denseLayer(cfg.latentDim, 'z_mean', seed * 1000 + 50, 'linear', cfg.l2).apply(h) as tf.SymbolicTensor,
    denseLayer(cfg.latentDim, 'z_log_var', seed * 1000 + 51, 'linear', cfg.l2).apply(h) as tf.SymbolicTensor,
  ];
}

/**
 * `input` alone, or `input` ⧺ a one-hot label input of `numClasses` (CVAE). Returns the model
 * inputs ([input] or [input, y]) and the tensor to feed the next layer.
 */
export function withLabel(
  input: tf.SymbolicTensor,
  spec: ModelSpec,
  labelName: string,
  concatName: string,
): { inputs: tf.SymbolicTensor[]; joined: tf.SymbolicTensor; label: tf.SymbolicTensor | null } {
  if (!isConditional(spec.config.kind)) return { inputs: [input], joined: input, label: null };
  const y = tf.input({ shape: [spec.numClasses], name: labelName });
  return { inputs: [input, y], joined: tf.layers.concatenate({ name: concatName }).apply([input, y]) as tf.SymbolicTensor, label: y };
}

/** The final activation layer `x_hat`: sigmoid (Bernoulli) or identity (Gaussian). */
export function outputActivation(logits: tf.SymbolicTensor, spec: ModelSpec): tf.SymbolicTensor {
  return tf.layers
    .activation({ activation: spec.output === 'bernoulli' ? 'sigmoid' : 'linear', name: 'x_hat' })
    .apply(logits) as tf.SymbolicTensor;
}

/** Dense encoder and decoder for `spec` (arch `dense`). */
export function buildDenseModels(spec: ModelSpec, seed: number): { encoder: tf.LayersModel; decoder: tf.LayersModel } {
  const cfg = spec.config;
  const x = tf.input({ shape: [spec.inputDim], name: 'x' });
  const enc = withLabel(x, spec, 'y', 'enc_concat');
  const h = hiddenStack(enc.joined, cfg.hidden, 'enc', cfg, seed * 1000 + 1);
  const encoder = tf.model({ inputs: enc.inputs, outputs: latentHeads(h, cfg, seed), name: 'encoder' });

  const z = tf.input({ shape: [cfg.latentDim], name: 'z_in' });
  const dec = withLabel(z, spec, 'y_dec', 'dec_concat');
  const dh = hiddenStack(dec.joined, [...cfg.hidden].reverse(), 'dec', cfg, seed * 1000 + 501);
  const logits = denseLayer(spec.inputDim, 'logits', seed * 1000 + 599, 'linear', cfg.l2).apply(dh) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: dec.inputs, outputs: outputActivation(logits, spec), name: 'decoder' });
  return { encoder, decoder };
}

/** Weights + biases of a chain of dense layers `sizes[0] → sizes[1] → …`. */
export function denseChainParams(sizes: number[]): number {
  return sizes.slice(1).reduce((s, n, i) => s + sizes[i] * n + n, 0);
}

/** Trainable parameters of the dense encoder + decoder, from the spec alone. */
export function denseParams(spec: ModelSpec): number {
  const { config: cfg, inputDim, numClasses } = spec;
  const cond = isConditional(cfg.kind) ? numClasses : 0;
  const heads = isVariational(cfg.kind) ? 2 : 1;
  const lastHidden = cfg.hidden[cfg.hidden.length - 1];
  const encoder = denseChainParams([inputDim + cond, ...cfg.hidden]) + heads * (lastHidden * cfg.latentDim + cfg.latentDim);
  const decoder = denseChainParams([cfg.latentDim + cond, ...[...cfg.hidden].reverse(), inputDim]);
  return encoder + decoder;
}
