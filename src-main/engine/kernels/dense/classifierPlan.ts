/**
 * The kernels' plan of an image classifier (the in-app CNN of ../../classifier/): Conv2D stages
 * ('same' padding, ReLU) → flatten → dense layers (ReLU, inverted dropout) → logits, trained
 * with softmax cross-entropy (dense.c's `softmax_xent`). It is the autoencoders' layer program
 * (./densePlan.ts, run by ./denseNet.ts) cut short: the encoder's layers, one head (the logits,
 * in the plan's `mu` slot), no sampling and no decoder. Tensors are in the tfjs model's
 * `trainableVariables` order (each layer's kernel, then its bias), so the weights travel as one
 * flat array between the kernels and the saved tfjs LayersModel.
 */
import type { Augment } from './augment';
import { ACT, checkedLayout, layerFactory, MAX_BYTES, PAGE, type DensePlan, type LayerPlan } from './densePlan';

/** The layers of a classifier, as the kernels and the tfjs model both build them. */
export interface ClassifierLayers {
  /** [H, W, C] of a row (NHWC, flat in the data). */
  image: [number, number, number];
  classes: number;
  /** Conv2D stages in order: filters, kernel side, stride ('same' padding, ReLU). */
  convs: { filters: number; kernel: number; stride: number }[];
  /** Dense layers between the flattened features and the logits (ReLU; the last one's outputs are the features). */
  hidden: number[];
  /** Inverted-dropout rate after each dense hidden layer while training (0 = none). */
  dropout: number;
  /** The random affine map each training image gets (./augment.ts); null = none. */
  augment: Augment | null;
}

/** The output side of a 'same' convolution of stride `s` over `n` pixels. */
export const sameOut = (n: number, s: number): number => Math.ceil(n / s);

/**
 * Plan (layers, tensors, memory layout) of `layers` for `threads` threads of at most `rows`
 * rows each. Throws when a size is not a positive integer, or when the memory would exceed
 * `maxBytes` (the caller then trains elsewhere).
 */
export function planClassifier(layers: ClassifierLayers, rows: number, threads: number, maxBytes = MAX_BYTES): DensePlan {
  const [H, W, C] = layers.image;
  const sizes = [H, W, C, layers.classes, rows, threads, ...layers.hidden, ...layers.convs.flatMap((c) => [c.filters, c.kernel, c.stride])];
  if (!sizes.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`classifier plan: sizes must be positive integers (${sizes.join(', ')})`);
  const { dense, conv, tensors } = layerFactory(ACT.relu);
  const enc: LayerPlan[] = [];
  let shape: [number, number, number] = [H, W, C];
  layers.convs.forEach((c, i) => {
    const out: [number, number, number] = [sameOut(shape[0], c.stride), sameOut(shape[1], c.stride), c.filters];
    enc.push(conv({ name: `conv_${i}`, op: 'conv2d', filters: c.filters, kernel: c.kernel, stride: c.stride, in: shape, out, activated: true }));
    shape = out;
  });
  let inDim = shape[0] * shape[1] * shape[2];
  layers.hidden.forEach((h, i) => {
    enc.push(dense(`dense_${i}`, inDim, h, ACT.relu, 0, layers.dropout > 0));
    inDim = h;
  });
  const logits = dense('logits', inDim, layers.classes, ACT.linear, 0, false);
  const planned = { ...tensors(), enc, mu: logits, lv: null, dec: [] };
  const inputDim = H * W * C;
  const dims = { inputDim, latentDim: 0, ownInput: layers.augment !== null, headOut: layers.classes };
  const memory = checkedLayout(dims, planned, rows, threads, maxBytes);
  return {
    task: 'classifier',
    threads,
    rows,
    inputDim,
    latentDim: 0,
    variational: false,
    conditional: false,
    classes: layers.classes,
    bernoulli: false,
    sigma: 1,
    inputNoise: 0,
    dropout: layers.dropout,
    augment: layers.augment,
    image: [H, W, C],
    ...planned,
    ...memory,
    pages: Math.ceil(memory.bytes / PAGE),
  };
}
