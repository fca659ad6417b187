/**
 * Dense AE / VAE / CVAE built with the tfjs Layers API.
 *
 * Each model is a pair of standard LayersModels, saved and loaded as such:
 *   encoder: x [, onehot(y)] → hidden… → z            (AE)
 *                                    → z_mean, z_log_var (VAE / CVAE: two separate heads)
 *   decoder: z [, onehot(y)] → hidden (mirrored)… → logits → x̂ (sigmoid for images, identity for toy 2-D)
 * Training reads the decoder's `logits` layer so the Bernoulli loss is computed from logits
 * (numerically exact), while the saved decoder outputs probabilities.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../src-shared/types';

export type OutputKind = 'bernoulli' | 'gaussian';

export interface ModelSpec {
  config: ModelConfig;
  inputDim: number;
  /** Number of labels; the CVAE conditions on a one-hot vector of this size. */
  numClasses: number;
  /** bernoulli: images in [0,1] (sigmoid + BCE); gaussian: real-valued toy data (identity + ½·SSE). */
  output: OutputKind;
}

export interface ModelBundle extends ModelSpec {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** Same layers as `decoder`, output before the final activation. */
  decoderLogits: tf.LayersModel;
}

export const isVariational = (kind: ModelConfig['kind']) => kind !== 'ae';
export const isConditional = (kind: ModelConfig['kind']) => kind === 'cvae';

function dense(
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

/** Hidden block: dense (+ leaky ReLU) (+ dropout). */
function hiddenStack(
  x: tf.SymbolicTensor,
  sizes: number[],
  prefix: string,
  cfg: ModelConfig,
  seedBase: number,
): tf.SymbolicTensor {
  let h = x;
  sizes.forEach((units, i) => {
    h = dense(units, `${prefix}_dense_${i}`, seedBase + i, cfg.activation, cfg.l2).apply(h) as tf.SymbolicTensor;
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

/** Trainable parameters of encoder + decoder, computed from the spec without building anything. */
export function countParams(spec: ModelSpec): number {
  const { config: cfg, inputDim, numClasses } = spec;
  const cond = isConditional(cfg.kind) ? numClasses : 0;
  const dense = (sizes: number[]) => sizes.slice(1).reduce((s, n, i) => s + sizes[i] * n + n, 0);
  const heads = isVariational(cfg.kind) ? 2 : 1;
  const lastHidden = cfg.hidden[cfg.hidden.length - 1];
  const encoder = dense([inputDim + cond, ...cfg.hidden]) + heads * (lastHidden * cfg.latentDim + cfg.latentDim);
  const decoder = dense([cfg.latentDim + cond, ...[...cfg.hidden].reverse(), inputDim]);
  return encoder + decoder;
}

/** Largest model the engine trains: weights plus Adam's two moments stay under ~1 GB. */
export const MAX_PARAMS = 80_000_000;

export function buildModel(spec: ModelSpec, seed: number): ModelBundle {
  const { config: cfg, inputDim, numClasses } = spec;
  const conditional = isConditional(cfg.kind);

  // Encoder
  const x = tf.input({ shape: [inputDim], name: 'x' });
  const encInputs: tf.SymbolicTensor[] = [x];
  let encIn: tf.SymbolicTensor = x;
  if (conditional) {
    const y = tf.input({ shape: [numClasses], name: 'y' });
    encInputs.push(y);
    encIn = tf.layers.concatenate({ name: 'enc_concat' }).apply([x, y]) as tf.SymbolicTensor;
  }
  const h = hiddenStack(encIn, cfg.hidden, 'enc', cfg, seed * 1000 + 1);
  const encOutputs: tf.SymbolicTensor[] = [];
  if (isVariational(cfg.kind)) {
    encOutputs.push(dense(cfg.latentDim, 'z_mean', seed * 1000 + 50, 'linear', cfg.l2).apply(h) as tf.SymbolicTensor);
    encOutputs.push(dense(cfg.latentDim, 'z_log_var', seed * 1000 + 51, 'linear', cfg.l2).apply(h) as tf.SymbolicTensor);
  } else {
    encOutputs.push(dense(cfg.latentDim, 'z', seed * 1000 + 50, 'linear', cfg.l2).apply(h) as tf.SymbolicTensor);
  }
  const encoder = tf.model({ inputs: encInputs, outputs: encOutputs, name: 'encoder' });

  // Decoder (mirrored hidden sizes)
  const z = tf.input({ shape: [cfg.latentDim], name: 'z_in' });
  const decInputs: tf.SymbolicTensor[] = [z];
  let decIn: tf.SymbolicTensor = z;
  if (conditional) {
    const y = tf.input({ shape: [numClasses], name: 'y_dec' });
    decInputs.push(y);
    decIn = tf.layers.concatenate({ name: 'dec_concat' }).apply([z, y]) as tf.SymbolicTensor;
  }
  const dh = hiddenStack(decIn, [...cfg.hidden].reverse(), 'dec', cfg, seed * 1000 + 501);
  const logits = dense(inputDim, 'logits', seed * 1000 + 599, 'linear', cfg.l2).apply(dh) as tf.SymbolicTensor;
  const out = tf.layers
    .activation({ activation: spec.output === 'bernoulli' ? 'sigmoid' : 'linear', name: 'x_hat' })
    .apply(logits) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: decInputs, outputs: out, name: 'decoder' });
  return { ...spec, encoder, decoder, decoderLogits: logitsModel(decoder) };
}

/** A model sharing the decoder's layers whose output is the `logits` layer. */
export function logitsModel(decoder: tf.LayersModel): tf.LayersModel {
  const logits = decoder.getLayer('logits').output as tf.SymbolicTensor;
  return tf.model({ inputs: decoder.inputs, outputs: logits, name: 'decoder_logits' });
}

export function trainableVariables(bundle: ModelBundle): tf.Variable[] {
  return [...bundle.encoder.trainableWeights, ...bundle.decoder.trainableWeights].map(
    (w) => w.read() as tf.Variable,
  );
}

/** L2 penalty of all dense kernels (the Layers regularisers are not applied in a custom loop). */
export function l2Penalty(bundle: ModelBundle): tf.Scalar | null {
  const l2 = bundle.config.l2;
  if (l2 <= 0) return null;
  // Dense kernels, found by layer (tfjs renames weights `kernel_1`… for later models in a process).
  const kernels = [...bundle.encoder.layers, ...bundle.decoder.layers]
    .filter((l) => l.getClassName() === 'Dense')
    .map((l) => tf.sum(tf.square(l.trainableWeights[0].read())));
  return tf.mul(l2, tf.addN(kernels)) as tf.Scalar;
}

export function disposeBundle(bundle: ModelBundle): void {
  bundle.encoder.dispose();
  bundle.decoder.dispose();
}

/** One-hot labels as a tensor; labels outside [0, numClasses) are rejected by the caller. */
export function oneHot(labels: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D);
}
