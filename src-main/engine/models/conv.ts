/**
 * Convolutional AE / VAE / CVAE (arch `conv`) as standard tfjs LayersModels.
 *
 * Data stays flat (N × H·W·C, channels-last HWC order) everywhere outside the models: the encoder
 * takes the flat vector and reshapes it (`x_image`), the decoder flattens its last transposed
 * convolution (`logits`). So training, evaluation, encode/decode and every export treat conv and
 * dense models alike, and a saved model takes and returns flat vectors in any tfjs program.
 *
 * 28×28×C, the Keras VAE example (3×3 kernels):
 *   encoder: x → [28,28,C] → Conv2D 32, 64 (3×3, stride 2, same, act) → flatten [7·7·64]
 *            [⧺ onehot(y)] → Dense 16 (act) → z | z_mean, z_log_var
 *   decoder: z [⧺ onehot(y)] → Dense 7·7·64 (act) → [7,7,64] → Conv2DTranspose 64, 32 (3×3,
 *            stride 2, same, act) → Conv2DTranspose C (3×3, stride 1, same; logits) → flatten → x̂
 * 32×32×C and 64×64×C (4×4 kernels): Conv2D 32, 64, 128[, 256] (stride 2, same) down to 4×4 →
 *   flatten [⧺ y] → Dense 256 → heads; decoder Dense 4·4·F → [4,4,F] → Conv2DTranspose (4×4,
 *   stride 2, same) with the filters mirrored, the last to C channels (logits) → flatten → x̂.
 * `convFilters` and `hidden` (the encoder's dense layers) override the widths; the activation,
 * dropout (dense layers) and L2 (all kernels) settings apply as for dense models.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV_DEFAULTS, CONV_SIDES, LabError, type ModelConfig } from '../../../src-shared/types';
import { denseChainParams, denseLayer, hiddenStack, latentHeads, outputActivation, withLabel } from './dense';
import { isConditional, isVariational, type ModelSpec } from './spec';

/** Channels conv models take (grey, RGB). */
export const CONV_CHANNELS = [1, 3] as const;
// The sides and their default filters / dense layers live in the contract (the Train form shows them too).
export { CONV_DEFAULTS, CONV_SIDES };

/** One convolution of the plan; shapes are [H, W, C] per sample. */
export interface ConvStage {
  name: string;
  op: 'conv2d' | 'conv2dTranspose';
  filters: number;
  kernel: number;
  stride: number;
  in: [number, number, number];
  out: [number, number, number];
  /** false: no activation (the output logits). */
  activated: boolean;
}

/** Everything about a conv model's layers, from the spec alone (builder, counts, FLOPs). */
export interface ConvPlan {
  image: [number, number, number];
  filters: number[];
  /** The encoder's dense layers between the flattened features and the heads. */
  hidden: number[];
  encoder: ConvStage[];
  /** [s, s, F]: the last encoder stage's output, and the decoder's reshape target. */
  bottleneck: [number, number, number];
  decoder: ConvStage[];
}

/** What a refusal of conv on non-image data tells the user to do, in the form's words and the CLI's. */
export const USE_DENSE = "use a dense model (Dense in the form's Architecture, --arch dense in the CLI)";

/**
 * [H, W, C] of a conv model's input: `spec.imageShape`, or read off `inputDim`.
 * Throws LabError('UNSUPPORTED') when the samples are not 28/32/64-square images with 1 or 3 channels.
 */
export function imageShapeOf(spec: Pick<ModelSpec, 'inputDim' | 'imageShape'>): [number, number, number] {
  const ok = (h: number, w: number, c: number) =>
    h === w && (CONV_SIDES as readonly number[]).includes(h) && (CONV_CHANNELS as readonly number[]).includes(c) && h * w * c === spec.inputDim;
  if (spec.imageShape) {
    const [h, w, c] = spec.imageShape;
    if (ok(h, w, c)) return [h, w, c];
  } else {
    for (const s of CONV_SIDES) for (const c of CONV_CHANNELS) if (ok(s, s, c)) return [s, s, c];
  }
  const what = spec.imageShape ? `${spec.imageShape.join('×')} images` : `samples of ${spec.inputDim} values`;
  throw new LabError(
    'UNSUPPORTED',
    `conv models take square images of side ${CONV_SIDES.join(', ')} with 1 or 3 channels; this dataset has ${what}: ${USE_DENSE}`,
  );
}

/**
 * The conv settings for an image shape: `convFilters` and `hidden` as given, else the side's
 * defaults. Throws LabError('INVALID_PAYLOAD') when the side does not halve exactly once per stage.
 */
export function convSettings(cfg: ModelConfig, image: readonly [number, number, number]): { filters: number[]; hidden: number[] } {
  const side = image[0] as (typeof CONV_SIDES)[number];
  const defaults = CONV_DEFAULTS[side];
  const filters = cfg.convFilters?.length ? [...cfg.convFilters] : [...defaults.filters];
  const hidden = cfg.hidden.length ? [...cfg.hidden] : [...defaults.hidden];
  let maxStages = 0;
  while (side % 2 ** (maxStages + 1) === 0) maxStages++;
  if (filters.length > maxStages) {
    throw new LabError(
      'INVALID_PAYLOAD',
      `convFilters has ${filters.length} stages, but a ${side}×${side} image halves exactly only ${maxStages} times: give at most ${maxStages} filter counts (e.g. ${defaults.filters.join(',')})`,
    );
  }
  return { filters, hidden };
}

/** The layer plan of a conv model (see the file comment). Throws as imageShapeOf / convSettings. */
export function convPlan(spec: ModelSpec): ConvPlan {
  const image = imageShapeOf(spec);
  const { filters, hidden } = convSettings(spec.config, image);
  const [side, , channels] = image;
  const keras = side === 28;
  const kernel = keras ? 3 : 4;
  const encoder: ConvStage[] = [];
  let shape: [number, number, number] = image;
  filters.forEach((f, i) => {
    const out: [number, number, number] = [shape[0] / 2, shape[1] / 2, f];
    encoder.push({ name: `enc_conv_${i}`, op: 'conv2d', filters: f, kernel, stride: 2, in: shape, out, activated: true });
    shape = out;
  });
  const bottleneck = shape;
  // Keras example: transposed stages with every filter count reversed, then a stride-1 output
  // convolution to C. 32/64: the reversed counts after the bottleneck's, the last stage to C.
  const up = keras ? [...filters].reverse() : [...filters].reverse().slice(1);
  const decoder: ConvStage[] = [];
  up.forEach((f, i) => {
    const out: [number, number, number] = [shape[0] * 2, shape[1] * 2, f];
    decoder.push({ name: `dec_deconv_${i}`, op: 'conv2dTranspose', filters: f, kernel, stride: 2, in: shape, out, activated: true });
    shape = out;
  });
  const stride = keras ? 1 : 2;
  const out: [number, number, number] = [shape[0] * stride, shape[1] * stride, channels];
  decoder.push({ name: 'logits_image', op: 'conv2dTranspose', filters: channels, kernel, stride, in: shape, out, activated: false });
  return { image, filters, hidden, encoder, bottleneck, decoder };
}

/**
 * The model config with the conv defaults for the input written in (`convFilters`, `hidden`);
 * dense configs come back unchanged. Throws as imageShapeOf / convSettings.
 */
export function resolveConvConfig(cfg: ModelConfig, spec: Pick<ModelSpec, 'inputDim' | 'imageShape'>): ModelConfig {
  if (cfg.arch !== 'conv') return cfg;
  const { filters, hidden } = convSettings(cfg, imageShapeOf(spec));
  return { ...cfg, convFilters: filters, hidden };
}

function convLayer(stage: ConvStage, cfg: ModelConfig, seed: number): tf.layers.Layer {
  const args = {
    filters: stage.filters,
    kernelSize: stage.kernel,
    strides: stage.stride,
    padding: 'same' as const,
    activation: !stage.activated || cfg.activation === 'leakyRelu' ? ('linear' as const) : cfg.activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros' as const,
    kernelRegularizer: cfg.l2 > 0 ? tf.regularizers.l2({ l2: cfg.l2 }) : undefined,
    name: stage.name,
  };
  return stage.op === 'conv2d' ? tf.layers.conv2d(args) : tf.layers.conv2dTranspose(args);
}

/** Applies the stages in order (+ leaky ReLU layers where the activation is leaky ReLU). */
function applyStages(x: tf.SymbolicTensor, stages: ConvStage[], cfg: ModelConfig, seedBase: number): tf.SymbolicTensor {
  let h = x;
  stages.forEach((stage, i) => {
    h = convLayer(stage, cfg, seedBase + i).apply(h) as tf.SymbolicTensor;
    if (stage.activated && cfg.activation === 'leakyRelu') {
      h = tf.layers.leakyReLU({ alpha: 0.2, name: `${stage.name}_lrelu` }).apply(h) as tf.SymbolicTensor;
    }
  });
  return h;
}

/** Conv encoder and decoder for `spec` (arch `conv`). Throws as convPlan. */
export function buildConvModels(spec: ModelSpec, seed: number): { encoder: tf.LayersModel; decoder: tf.LayersModel } {
  const cfg = spec.config;
  const plan = convPlan(spec);
  const flat = plan.bottleneck[0] * plan.bottleneck[1] * plan.bottleneck[2];

  const x = tf.input({ shape: [spec.inputDim], name: 'x' });
  const img = tf.layers.reshape({ targetShape: plan.image, name: 'x_image' }).apply(x) as tf.SymbolicTensor;
  const features = applyStages(img, plan.encoder, cfg, seed * 1000 + 101);
  const flatFeatures = tf.layers.flatten({ name: 'enc_flatten' }).apply(features) as tf.SymbolicTensor;
  let encInputs: tf.SymbolicTensor[] = [x];
  let joined = flatFeatures;
  if (isConditional(cfg.kind)) {
    const y = tf.input({ shape: [spec.numClasses], name: 'y' });
    encInputs = [x, y];
    joined = tf.layers.concatenate({ name: 'enc_concat' }).apply([flatFeatures, y]) as tf.SymbolicTensor;
  }
  const h = hiddenStack(joined, plan.hidden, 'enc', cfg, seed * 1000 + 1);
  const encoder = tf.model({ inputs: encInputs, outputs: latentHeads(h, cfg, seed), name: 'encoder' });

  const z = tf.input({ shape: [cfg.latentDim], name: 'z_in' });
  const dec = withLabel(z, spec, 'y_dec', 'dec_concat');
  let d = denseLayer(flat, 'dec_dense', seed * 1000 + 501, cfg.activation, cfg.l2).apply(dec.joined) as tf.SymbolicTensor;
  if (cfg.activation === 'leakyRelu') d = tf.layers.leakyReLU({ alpha: 0.2, name: 'dec_lrelu' }).apply(d) as tf.SymbolicTensor;
  const grid = tf.layers.reshape({ targetShape: plan.bottleneck, name: 'dec_reshape' }).apply(d) as tf.SymbolicTensor;
  const logitsImage = applyStages(grid, plan.decoder, cfg, seed * 1000 + 601);
  const logits = tf.layers.flatten({ name: 'logits' }).apply(logitsImage) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: dec.inputs, outputs: outputActivation(logits, spec), name: 'decoder' });
  return { encoder, decoder };
}

/** Weights + biases of one convolution (the same for Conv2D and Conv2DTranspose). */
export function stageParams(s: ConvStage): number {
  return s.kernel * s.kernel * s.in[2] * s.out[2] + s.out[2];
}

/** Trainable parameters of the conv encoder + decoder, from the spec alone. Throws as convPlan. */
export function convParams(spec: ModelSpec): number {
  const cfg = spec.config;
  const plan = convPlan(spec);
  const cond = isConditional(cfg.kind) ? spec.numClasses : 0;
  const flat = plan.bottleneck[0] * plan.bottleneck[1] * plan.bottleneck[2];
  const heads = isVariational(cfg.kind) ? 2 : 1;
  const lastHidden = plan.hidden[plan.hidden.length - 1];
  const encoder =
    plan.encoder.reduce((s, st) => s + stageParams(st), 0) +
    denseChainParams([flat + cond, ...plan.hidden]) +
    heads * (lastHidden * cfg.latentDim + cfg.latentDim);
  const decoder = denseChainParams([cfg.latentDim + cond, flat]) + plan.decoder.reduce((s, st) => s + stageParams(st), 0);
  return encoder + decoder;
}
