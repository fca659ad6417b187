/**
 * The kernels' plan of a model: its layers and trainable tensors (in the tfjs model's
 * `trainableVariables` order) and the byte layout of the one shared `WebAssembly.Memory` all
 * training threads work in (weights, Adam's moments, each thread's gradient share, activations,
 * a stack per thread). Plain data: posted to the training workers. ./denseNet.ts runs it.
 *
 * A model is an encoder (layers) → heads (z, or z_mean and z_log_var) → a decoder (layers; the
 * last one gives the logits). Dense models: dense layers only. Conv models (models/conv.ts):
 * Conv2D stages, then dense layers, in the encoder; a dense layer, then Conv2DTranspose stages,
 * in the decoder. Flatten and reshape cost nothing: an NHWC image of a row is its flat vector.
 * A classifier (`planClassifier`, task 'classifier'; ../../classifier/) is the same program cut
 * short: encoder layers (Conv2D stages, dense layers) → one head (the logits), softmax
 * cross-entropy against the labels, no decoder.
 */
import type { ModelSpec } from '../../models/build';
import { convPlan, type ConvStage } from '../../models/conv';
import type { Augment } from './augment';
import { gaussianSigma } from '../../models/likelihood';

/** The activation codes of dense.c's `act_f` / `act_d`. */
export const ACT: Record<string, number> = { linear: 0, relu: 1, elu: 2, tanh: 3, sigmoid: 4, selu: 5, leakyRelu: 6 };
/** Bytes of each thread's wasm stack (thread 0's at the bottom of the memory). */
export const STACK_BYTES = 64 * 1024;
export const PAGE = 65536;
/** wasm32 cannot address more; the plan says so instead of failing later. */
export const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;
/** Floats of gemm.c's pack buffer: NC·KC + MC·KC (512·384 + 64·384). */
export const GEMM_PACK_FLOATS = 512 * 384 + 64 * 384;

/** One trainable tensor, in `trainableVariables` order (kernel [in, out] row-major, then bias). */
export interface TensorSlot {
  name: string;
  shape: number[];
  /** Float index into the parameter arrays (W, Adam moments, gradients). */
  offset: number;
  size: number;
  /** Kernels get the L2 penalty; biases do not. */
  kernel: boolean;
}

interface LayerBase {
  /** Tensor indices of the kernel and the bias. */
  kernel: number;
  bias: number;
  /** Input and output values per sample (without a dense layer's one-hot rows). */
  inDim: number;
  out: number;
  act: number;
}

/** A dense layer: out = act(in·K[0:inDim] (+ K[inDim + label]) + b). */
export interface DenseLayerPlan extends LayerBase {
  kind: 'dense';
  /** Conditional layers: number of one-hot rows after the data rows (0 = none). */
  labelRows: number;
  /** Inverted dropout after the activation while training. */
  dropout: boolean;
}

/**
 * A 2-D convolution (`conv`, tfjs Conv2D: kernel [k, k, C, c]) or transposed convolution
 * (`deconv`, Conv2DTranspose: kernel [k, k, C, c]) with 'same' padding, NHWC. Both map between a
 * larger `image` side and a smaller `grid` side: a conv reads the image and writes the grid, a
 * transposed conv reads the grid and writes the image (conv.c's im2col / col2im geometry).
 */
export interface ConvLayerPlan extends LayerBase {
  kind: 'conv' | 'deconv';
  /** [H, W, C]: a conv's input, a transposed conv's output. */
  image: [number, number, number];
  /** [h, w, c]: a conv's output, a transposed conv's input. */
  grid: [number, number, number];
  /** Kernel side, stride, top and left padding. */
  k: number;
  s: number;
  pt: number;
  pl: number;
}

export type LayerPlan = DenseLayerPlan | ConvLayerPlan;

/** Byte offsets of one thread's buffers. */
export interface ThreadBuffers {
  stackTop: number;
  grads: number;
  x: number;
  /** Encoder input: `x`, or its noisy copy when the model trains with input noise. */
  xIn: number;
  labels: number;
  eps: number;
  mu: number;
  lv: number;
  z: number;
  dMu: number;
  dLv: number;
  dZ: number;
  /** Per layer: activations and their gradients, encoder then decoder (the decoder's last: the logits, and their gradient in place). */
  encH: number[];
  encD: number[];
  decH: number[];
  decD: number[];
  /** Per layer: the activations after dropout (the next layer's input; = H without dropout) and the masks (-1: none). */
  encOut: number[];
  encMask: number[];
  decOut: number[];
  decMask: number[];
  /** Per encoder layer: a conv's im2col matrix, kept from forward for the filter gradient (-1: none). */
  encCols: number[];
  /** im2col / col2im scratch (transposed convs, conv input gradients). */
  scratch: number;
  logits: number;
  pack: number;
}

export interface DensePlan {
  /** 'autoencoder': the AE / VAE / CVAE program; 'classifier': encoder layers → logits, softmax cross-entropy. */
  task: 'autoencoder' | 'classifier';
  threads: number;
  /** Most rows one thread handles in a step. */
  rows: number;
  inputDim: number;
  latentDim: number;
  variational: boolean;
  conditional: boolean;
  /** Labels of a conditional model are in [0, classes). */
  classes: number;
  bernoulli: boolean;
  /** The Gaussian likelihood's fixed σ (1 for Bernoulli; models/likelihood.ts). */
  sigma: number;
  inputNoise: number;
  /** Dropout rate of the layers marked `dropout` (0 = none). */
  dropout: number;
  /** Classifier only: the random affine map each training image gets as it is loaded (./augment.ts); null = none. */
  augment: Augment | null;
  /** [H, W, C] of a row (classifier; null for the autoencoders, which do not need it). */
  image: [number, number, number] | null;
  tensors: TensorSlot[];
  /** Total trainable parameters. */
  P: number;
  enc: LayerPlan[];
  /** The first head: z (AE), z_mean (VAE / CVAE) or the logits (classifier). */
  mu: DenseLayerPlan;
  lv: DenseLayerPlan | null;
  /** Decoder layers; the last one's output is the logits. */
  dec: LayerPlan[];
  /** Byte offsets of the weights and Adam moments. */
  w: number;
  m: number;
  v: number;
  /** Floats between two threads' gradient buffers. */
  gradStride: number;
  thread: ThreadBuffers[];
  bytes: number;
  pages: number;
}

/** Why the kernels cannot train this model config, or null when they can (a config-level check). */
export function denseUnsupported(spec: Pick<ModelSpec, 'config'>): string | null {
  const cfg = spec.config;
  if (!(cfg.activation in ACT)) return `activation ${cfg.activation} is not implemented in the dense kernels`;
  return null;
}

/**
 * Memory layout for `threads` threads of at most `rows` rows each. Throws when the model does
 * not fit in a wasm32 memory (the caller trains on tfjs instead), or as models/conv.ts's
 * convPlan for a conv model's input it cannot take.
 */
export function planDense(spec: ModelSpec, rows: number, threads: number, maxBytes = MAX_BYTES): DensePlan {
  const why = denseUnsupported(spec);
  if (why) throw new Error(why);
  const cfg = spec.config;
  const layers = planLayers(spec);
  const dims = { inputDim: spec.inputDim, latentDim: cfg.latentDim, ownInput: cfg.inputNoise > 0, headOut: 0 };
  const memory = checkedLayout(dims, layers, rows, threads, maxBytes);
  return {
    task: 'autoencoder',
    augment: null,
    image: null,
    threads,
    rows,
    inputDim: spec.inputDim,
    latentDim: cfg.latentDim,
    variational: cfg.kind !== 'ae',
    conditional: cfg.kind === 'cvae',
    classes: spec.numClasses,
    bernoulli: spec.output === 'bernoulli',
    sigma: spec.output === 'gaussian' ? gaussianSigma(cfg) : 1,
    inputNoise: cfg.inputNoise,
    dropout: cfg.dropout,
    ...layers,
    ...memory,
    pages: Math.ceil(memory.bytes / PAGE),
  };
}

export type Layers = Pick<DensePlan, 'tensors' | 'P' | 'enc' | 'mu' | 'lv' | 'dec'>;

/** What the memory layout needs besides the layers. */
export interface LayoutDims {
  inputDim: number;
  /** 0 for a classifier (no sampling buffers). */
  latentDim: number;
  /** The encoder reads its own copy of the input (input noise, augmented images). */
  ownInput: boolean;
  /** Classifier: logits per row (the head writes them; their gradient replaces them). 0: the decoder's last layer's output are the logits. */
  headOut: number;
}

/** `layoutMemory`, refused when it exceeds `maxBytes`. */
export function checkedLayout(dims: LayoutDims, layers: Layers, rows: number, threads: number, maxBytes: number): ReturnType<typeof layoutMemory> {
  const memory = layoutMemory(dims, layers, rows, threads);
  if (memory.bytes > maxBytes) {
    throw new Error(`the model needs ${(memory.bytes / 2 ** 30).toFixed(2)} GiB of kernel memory (at most ${(maxBytes / 2 ** 30).toFixed(2)} GiB)`);
  }
  return memory;
}

/** tfjs's 'same' padding before the data (top or left) for a conv from `big` to `small` pixels. */
function samePadding(big: number, small: number, k: number, s: number): number {
  return Math.floor(Math.max(0, (small - 1) * s + k - big) / 2);
}

/**
 * Lays out layers' trainable tensors one after another (`trainableVariables` order: each
 * layer's kernel, then its bias) and builds their plans; `act` is the activation code of the
 * activated layers. Shared by `planLayers` and ./classifierPlan.ts.
 */
export function layerFactory(act: number) {
  const tensors: TensorSlot[] = [];
  let P = 0;
  const tensor = (name: string, shape: number[], kernel: boolean) => {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, shape, offset: P, size, kernel });
    P += size;
    return tensors.length - 1;
  };
  const dense = (name: string, inDim: number, out: number, a: number, labelRows: number, dropout: boolean): DenseLayerPlan => {
    const kernel = tensor(`${name}/kernel`, [inDim + labelRows, out], true);
    return { kind: 'dense', kernel, bias: tensor(`${name}/bias`, [out], false), inDim, out, act: a, labelRows, dropout };
  };
  const conv = (st: ConvStage): ConvLayerPlan => {
    const [image, grid] = st.op === 'conv2d' ? [st.in, st.out] : [st.out, st.in];
    const kernel = tensor(`${st.name}/kernel`, [st.kernel, st.kernel, image[2], grid[2]], true);
    const size = (s: number[]) => s[0] * s[1] * s[2];
    return {
      kind: st.op === 'conv2d' ? 'conv' : 'deconv',
      kernel,
      bias: tensor(`${st.name}/bias`, [st.out[2]], false),
      inDim: size(st.in),
      out: size(st.out),
      act: st.activated ? act : ACT.linear,
      image: [...image],
      grid: [...grid],
      k: st.kernel,
      s: st.stride,
      pt: samePadding(image[0], grid[0], st.kernel, st.stride),
      pl: samePadding(image[1], grid[1], st.kernel, st.stride),
    };
  };
  return { dense, conv, tensors: () => ({ tensors, P }) };
}

/** The layers and their trainable tensors, in the tfjs model's `trainableVariables` order. */
function planLayers(spec: ModelSpec): Layers {
  const cfg = spec.config;
  const variational = cfg.kind !== 'ae';
  const C = cfg.kind === 'cvae' ? spec.numClasses : 0;
  const act = ACT[cfg.activation];
  const drop = cfg.dropout > 0;
  const { dense, conv, tensors } = layerFactory(act);
  const L = cfg.latentDim;
  const enc: LayerPlan[] = [];
  const dec: LayerPlan[] = [];
  let inDim = spec.inputDim;
  let hidden = cfg.hidden;
  const cp = cfg.arch === 'conv' ? convPlan(spec) : null;
  if (cp) {
    for (const st of cp.encoder) enc.push(conv(st));
    inDim = cp.bottleneck[0] * cp.bottleneck[1] * cp.bottleneck[2];
    hidden = cp.hidden;
  }
  hidden.forEach((h, i) => {
    enc.push(dense(`enc_dense_${i}`, inDim, h, act, i === 0 ? C : 0, drop));
    inDim = h;
  });
  const mu = dense(variational ? 'z_mean' : 'z', inDim, L, ACT.linear, 0, false);
  const lv = variational ? dense('z_log_var', inDim, L, ACT.linear, 0, false) : null;
  if (cp) {
    dec.push(dense('dec_dense', L, cp.bottleneck[0] * cp.bottleneck[1] * cp.bottleneck[2], act, C, false));
    for (const st of cp.decoder) dec.push(conv(st));
  } else {
    inDim = L;
    [...hidden].reverse().forEach((h, i) => {
      dec.push(dense(`dec_dense_${i}`, inDim, h, act, i === 0 ? C : 0, drop));
      inDim = h;
    });
    dec.push(dense('logits', inDim, spec.inputDim, ACT.linear, 0, false));
  }
  return { ...tensors(), enc, mu, lv, dec };
}

/** Floats of a conv layer's im2col matrix for `rows` samples. */
export function colsFloats(l: ConvLayerPlan, rows: number): number {
  return rows * l.grid[0] * l.grid[1] * l.k * l.k * l.image[2];
}

/**
 * A bump allocator of a kernel memory's layout: `take(floats)` gives the byte offset of the next
 * block of `floats` float32s (each block 64-byte aligned, the first after thread 0's stack of
 * STACK_BYTES); `end()` the bytes taken so far. Used by every plan (dense, VAE-GAN, forward-only).
 */
export function byteLayout(): { take: (floats: number) => number; end: () => number } {
  let top = STACK_BYTES;
  return {
    take: (floats) => {
      const at = top;
      top += Math.ceil((floats * 4) / 64) * 64;
      return at;
    },
    end: () => top,
  };
}

/**
 * Byte offsets of everything in the shared memory:
 * [stack of thread 0 | W | M | V | gradient shares | per thread: stack, activations…].
 */
function layoutMemory(dims: LayoutDims, layers: Layers, rows: number, threads: number): Pick<DensePlan, 'w' | 'm' | 'v' | 'gradStride' | 'thread' | 'bytes'> {
  const { P, enc, dec } = layers;
  const L = dims.latentDim;
  const { take, end } = byteLayout();
  const w = take(P);
  const m = take(P);
  const v = take(P);
  // The threads' gradient shares, back to back (Adam sums them with one stride).
  const gradStride = Math.ceil(P / 16) * 16;
  const grads = take(threads * gradStride);
  // Scratch: a transposed conv's columns (both passes), a conv's input gradient columns.
  const scratchFloats = Math.max(0, ...[...enc.slice(1), ...dec].map((l) => (l.kind === 'dense' ? 0 : colsFloats(l, rows))));
  const dropped = (l: LayerPlan) => l.kind === 'dense' && l.dropout;
  const thread: ThreadBuffers[] = [];
  for (let t = 0; t < threads; t++) {
    const stackTop = t === 0 ? STACK_BYTES : take(STACK_BYTES / 4) + STACK_BYTES;
    const x = take(rows * dims.inputDim);
    const encH = enc.map((l) => take(rows * l.out));
    const decH = dec.map((l) => take(rows * l.out));
    const logits = dims.headOut ? take(rows * dims.headOut) : decH[decH.length - 1];
    thread.push({
      stackTop,
      grads: grads + t * gradStride * 4,
      x,
      xIn: dims.ownInput ? take(rows * dims.inputDim) : x,
      labels: take(rows),
      eps: take(rows * L),
      mu: take(rows * L),
      lv: take(rows * L),
      z: take(rows * L),
      dMu: take(rows * L),
      dLv: take(rows * L),
      dZ: take(rows * L),
      encH,
      encD: enc.map((l) => take(rows * l.out)),
      decH,
      // The logits' gradient replaces them in place (recon_bernoulli / recon_gaussian).
      decD: dec.map((l, i) => (i === dec.length - 1 ? logits : take(rows * l.out))),
      encOut: enc.map((l, i) => (dropped(l) ? take(rows * l.out) : encH[i])),
      encMask: enc.map((l) => (dropped(l) ? take(rows * l.out) : -1)),
      decOut: dec.map((l, i) => (dropped(l) ? take(rows * l.out) : decH[i])),
      decMask: dec.map((l) => (dropped(l) ? take(rows * l.out) : -1)),
      encCols: enc.map((l) => (l.kind === 'conv' ? take(colsFloats(l, rows)) : -1)),
      scratch: scratchFloats ? take(scratchFloats) : -1,
      logits,
      pack: take(GEMM_PACK_FLOATS),
    });
  }
  return { w, m, v, gradStride, thread, bytes: end() };
}

/** The shared memory a plan runs in (every thread instantiates the kernels on it). */
export function createDenseMemory(plan: DensePlan): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
}
