/**
 * The dense kernels' plan of a model: its layers and trainable tensors (in the tfjs model's
 * `trainableVariables` order) and the byte layout of the one shared `WebAssembly.Memory` all
 * training threads work in (weights, Adam's moments, each thread's gradient share, activations,
 * a stack per thread). Plain data: posted to the training workers. ./denseNet.ts runs it.
 */
import type { ModelSpec } from '../../models/build';

/** The activation codes of dense.c's `act_f` / `act_d`. */
export const ACT: Record<string, number> = { linear: 0, relu: 1, elu: 2, tanh: 3, sigmoid: 4, selu: 5, leakyRelu: 6 };
const STACK_BYTES = 64 * 1024;
const PAGE = 65536;
/** wasm32 cannot address more; the plan says so instead of failing later. */
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

/** One trainable tensor, in `trainableVariables` order (kernel [in, out] row-major, then bias). */
export interface TensorSlot {
  name: string;
  shape: number[];
  /** Float index into the parameter arrays (W, Adam moments, gradients). */
  offset: number;
  size: number;
  /** Dense kernels get the L2 penalty; biases do not. */
  kernel: boolean;
}

/** One dense layer: out = act(in·K[0:inDim] (+ K[inDim + label]) + b). */
export interface LayerPlan {
  kernel: number;
  bias: number;
  /** Input width without the one-hot rows. */
  inDim: number;
  out: number;
  act: number;
  /** Conditional layers: number of one-hot rows after the data rows (0 = none). */
  labelRows: number;
}

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
  /** Per hidden layer: activations and their gradients, encoder then decoder. */
  encH: number[];
  encD: number[];
  decH: number[];
  decD: number[];
  /** Per hidden layer: the activations after dropout (the next layer's input) and the masks; = encH / decH without dropout. */
  encOut: number[];
  encMask: number[];
  decOut: number[];
  decMask: number[];
  logits: number;
  pack: number;
}

export interface DensePlan {
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
  inputNoise: number;
  /** Dropout rate after every hidden layer (0 = none). */
  dropout: number;
  tensors: TensorSlot[];
  /** Total trainable parameters. */
  P: number;
  enc: LayerPlan[];
  mu: LayerPlan;
  lv: LayerPlan | null;
  dec: LayerPlan[];
  out: LayerPlan;
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

/** Why the fast path cannot train this model, or null when it can. */
export function denseUnsupported(spec: ModelSpec): string | null {
  const cfg = spec.config;
  if (!(cfg.activation in ACT)) return `activation ${cfg.activation} is not implemented in the dense kernels`;
  return null;
}

/**
 * Memory layout for `threads` threads of at most `rows` rows each. Throws when the model does
 * not fit in a wasm32 memory (the caller trains on tfjs instead).
 */
export function planDense(spec: ModelSpec, rows: number, threads: number, maxBytes = MAX_BYTES): DensePlan {
  const why = denseUnsupported(spec);
  if (why) throw new Error(why);
  const cfg = spec.config;
  const layers = planLayers(spec);
  const memory = layoutMemory(spec, layers, rows, threads);
  if (memory.bytes > maxBytes) {
    throw new Error(`the model needs ${(memory.bytes / 2 ** 30).toFixed(2)} GiB of kernel memory (at most ${(maxBytes / 2 ** 30).toFixed(2)} GiB)`);
  }
  return {
    threads,
    rows,
    inputDim: spec.inputDim,
    latentDim: cfg.latentDim,
    variational: cfg.kind !== 'ae',
    conditional: cfg.kind === 'cvae',
    classes: spec.numClasses,
    bernoulli: spec.output === 'bernoulli',
    inputNoise: cfg.inputNoise,
    dropout: cfg.dropout,
    ...layers,
    ...memory,
    pages: Math.ceil(memory.bytes / PAGE),
  };
}

type Layers = Pick<DensePlan, 'tensors' | 'P' | 'enc' | 'mu' | 'lv' | 'dec' | 'out'>;

/** The layers and their trainable tensors, in the tfjs model's `trainableVariables` order. */
function planLayers(spec: ModelSpec): Layers {
  const cfg = spec.config;
  const variational = cfg.kind !== 'ae';
  const C = cfg.kind === 'cvae' ? spec.numClasses : 0;
  const act = ACT[cfg.activation];
  const tensors: TensorSlot[] = [];
  let P = 0;
  const layer = (name: string, inDim: number, out: number, a: number, labelRows: number): LayerPlan => {
    const kernel = tensors.length;
    tensors.push({ name: `${name}/kernel`, shape: [inDim + labelRows, out], offset: P, size: (inDim + labelRows) * out, kernel: true });
    P += (inDim + labelRows) * out;
    tensors.push({ name: `${name}/bias`, shape: [out], offset: P, size: out, kernel: false });
    P += out;
    return { kernel, bias: kernel + 1, inDim, out, act: a, labelRows };
  };
  const enc: LayerPlan[] = [];
  let inDim = spec.inputDim;
  cfg.hidden.forEach((h, i) => {
    enc.push(layer(`enc_dense_${i}`, inDim, h, act, i === 0 ? C : 0));
    inDim = h;
  });
  const L = cfg.latentDim;
  const mu = layer(variational ? 'z_mean' : 'z', inDim, L, ACT.linear, 0);
  const lv = variational ? layer('z_log_var', inDim, L, ACT.linear, 0) : null;
  const dec: LayerPlan[] = [];
  inDim = L;
  [...cfg.hidden].reverse().forEach((h, i) => {
    dec.push(layer(`dec_dense_${i}`, inDim, h, act, i === 0 ? C : 0));
    inDim = h;
  });
  const out = layer('logits', inDim, spec.inputDim, ACT.linear, 0);
  return { tensors, P, enc, mu, lv, dec, out };
}

/**
 * Byte offsets of everything in the shared memory:
 * [stack of thread 0 | W | M | V | gradient shares | per thread: stack, activations…].
 */
function layoutMemory(spec: ModelSpec, layers: Layers, rows: number, threads: number): Pick<DensePlan, 'w' | 'm' | 'v' | 'gradStride' | 'thread' | 'bytes'> {
  const cfg = spec.config;
  const { P, enc, dec } = layers;
  const C = cfg.kind === 'cvae' ? spec.numClasses : 0;
  const L = cfg.latentDim;
  let top = STACK_BYTES;
  const take = (floats: number) => {
    const at = top;
    top += Math.ceil((floats * 4) / 64) * 64;
    return at;
  };
  const w = take(P);
  const m = take(P);
  const v = take(P);
  // The threads' gradient shares, back to back (Adam sums them with one stride).
  const gradStride = Math.ceil(P / 16) * 16;
  const grads = take(threads * gradStride);
  const maxK = Math.max(spec.inputDim + C, rows, L + C, ...cfg.hidden);
  const thread: ThreadBuffers[] = [];
  for (let t = 0; t < threads; t++) {
    const stackTop = t === 0 ? STACK_BYTES : take(STACK_BYTES / 4) + STACK_BYTES;
    const x = take(rows * spec.inputDim);
    const drop = cfg.dropout > 0;
    const encH = enc.map((l) => take(rows * l.out));
    const decH = dec.map((l) => take(rows * l.out));
    thread.push({
      stackTop,
      grads: grads + t * gradStride * 4,
      x,
      xIn: cfg.inputNoise > 0 ? take(rows * spec.inputDim) : x,
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
      decD: dec.map((l) => take(rows * l.out)),
      encOut: drop ? enc.map((l) => take(rows * l.out)) : encH,
      encMask: drop ? enc.map((l) => take(rows * l.out)) : [],
      decOut: drop ? dec.map((l) => take(rows * l.out)) : decH,
      decMask: drop ? dec.map((l) => take(rows * l.out)) : [],
      logits: take(rows * spec.inputDim),
      pack: take(maxK * 8),
    });
  }
  return { w, m, v, gradStride, thread, bytes: top };
}

/** The shared memory a plan runs in (every thread instantiates the kernels on it). */
export function createDenseMemory(plan: DensePlan): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
}

