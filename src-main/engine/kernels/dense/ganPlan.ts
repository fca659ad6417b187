/**
 * The kernels' plan of a VAE-GAN (models/vaegan.ts, Larsen et al. 2016): its three networks'
 * layers and trainable tensors (in `trainableVariables` order: encoder, decoder, discriminator)
 * and the byte layout of the shared `WebAssembly.Memory` its training threads work in. Plain
 * data, posted to the training workers; ./ganNet.ts runs it.
 *
 * The encoder and decoder are the VAE's (./densePlan.ts's layers); the discriminator
 * (models/discriminator.ts) is the encoder's conv stages or dense layers with leaky ReLUs, its
 * last one Dis_l, then a dense logit. Per thread of at most `rows` rows r, the buffers hold
 * stacked batches so one kernel call serves them all:
 *   decoder        2r rows: [z; z_p]                 (x̃'s and x_p's logits)
 *   discriminator  3r rows: [x; x̃; x_p]               (`disIn`; the encoder reads x from it)
 */
import { vaeganSettings } from '../../../../src-shared/types';
import { DIS_LEAKY_ALPHA, discriminatorPlan } from '../../models/discriminator';
import { gaussianSigma } from '../../models/likelihood';
import type { ModelSpec } from '../../models/spec';
import { ACT, colsFloats, GEMM_PACK_FLOATS, layerFactory, MAX_BYTES, PAGE, byteLayout, planDense, STACK_BYTES, type DenseLayerPlan, type LayerPlan, type TensorSlot } from './densePlan';

/** dense.c's LEAKY_ALPHA: the discriminator's slope must be the kernel's. */
const KERNEL_LEAKY_ALPHA = 0.2;

/** Byte offsets of one thread's buffers (rows r = the plan's `rows`). */
export interface GanThreadBuffers {
  stackTop: number;
  grads: number;
  /** 3r × inputDim: x, then x̃, then x_p (the discriminator's input; x is the encoder's). */
  disIn: number;
  eps: number;
  /** 2r × latentDim: z, then z_p (the decoder's input). */
  zz: number;
  mu: number;
  lv: number;
  dMu: number;
  dLv: number;
  dZ: number;
  /** Per layer: activations and their gradients (encoder r rows, decoder 2r, discriminator 3r). */
  encH: number[];
  encD: number[];
  decH: number[];
  decD: number[];
  disH: number[];
  disD: number[];
  /** Per conv layer: its im2col matrix kept from forward for the filter gradient (-1: none). */
  encCols: number[];
  disCols: number[];
  /** The logit: 3r values, and its gradient. */
  logit: number;
  dLogit: number;
  /** r × features: the feature term's gradient at Dis_l(x̃), (Dis_l(x̃) − Dis_l(x))/m. */
  featD: number;
  /** r × inputDim: the encoder's upstream gradient at x̃'s logits (llike only). */
  gEnc: number;
  scratch: number;
  pack: number;
}

export interface GanPlan {
  threads: number;
  rows: number;
  inputDim: number;
  latentDim: number;
  bernoulli: boolean;
  sigma: number;
  /** The output's activation code (sigmoid for Bernoulli, linear for Gaussian): logits → x̃, x_p. */
  outAct: number;
  /** The config's γ, pixel weight and discriminator learning-rate scale (defaults filled: src-shared/vaegan.ts vaeganSettings). */
  gamma: number;
  pixelWeight: number;
  discLrScale: number;
  /** The relativistic average GAN loss (config `ganLoss: 'relativistic'`; ./ganNet.ts relativisticLogits), else the standard one. */
  relativistic: boolean;
  /**
   * The decay of the encoder's and decoder's weight average θ̄ (config `emaDecay`, defaults
   * filled; 0: no average, `ema` = -1). Each step's decay is `emaDecayAt(emaDecay, t)` (./ganNet.ts average).
   */
  emaDecay: number;
  tensors: TensorSlot[];
  P: number;
  /** Tensor indices of each network (Adam runs them with their own learning rates). */
  nets: { encoder: number[]; decoder: number[]; discriminator: number[] };
  enc: LayerPlan[];
  mu: DenseLayerPlan;
  lv: DenseLayerPlan;
  /** Decoder layers; the last one's output is the logits. */
  dec: LayerPlan[];
  /** Discriminator body (leaky ReLU); the last one's output is Dis_l. */
  dis: LayerPlan[];
  /** Dis_l → the logit (dense, 1 unit, linear). */
  logit: DenseLayerPlan;
  /** Values per sample of Dis_l. */
  features: number;
  w: number;
  m: number;
  v: number;
  /**
   * Byte offset of θ̄, the average of the encoder's and decoder's weights: `emaFloats` floats laid
   * out as the first `emaFloats` of `w` (those networks' tensors come first); -1 when `emaDecay` is 0.
   */
  ema: number;
  /** Floats of the encoder's and decoder's tensors (the averaged part of `w`: its first ones; 0 without an average). */
  emaFloats: number;
  /** 2·rows × inputDim zeros (read only): the identity's bias (Gaussian), the all-zero targets that make recon_bernoulli a SIMD sigmoid (Bernoulli). */
  zeros: number;
  gradStride: number;
  thread: GanThreadBuffers[];
  bytes: number;
  pages: number;
}

/** Why the kernels cannot train this VAE-GAN config, or null when they can. */
export function ganUnsupported(spec: Pick<ModelSpec, 'config'>): string | null {
  const cfg = spec.config;
  if (cfg.kind !== 'vaegan') return `the VAE-GAN kernels got a ${cfg.kind} model`;
  if (!(cfg.activation in ACT)) return `activation ${cfg.activation} is not implemented in the kernels`;
  if (cfg.dropout > 0) return 'the VAE-GAN kernels have no dropout';
  if (cfg.inputNoise > 0) return 'the VAE-GAN kernels have no input noise';
  return null;
}

/** The discriminator's layers, their tensors after the VAE's `base` ones. */
function discriminatorLayers(spec: ModelSpec, base: { tensors: number; P: number }) {
  if (DIS_LEAKY_ALPHA !== KERNEL_LEAKY_ALPHA) throw new Error('the discriminator\'s leaky ReLU slope is not the kernels\'');
  const dp = discriminatorPlan(spec);
  const { dense, conv, tensors } = layerFactory(ACT.leakyRelu);
  const dis: LayerPlan[] = dp.convs.map((st) => conv(st));
  let inDim = spec.inputDim;
  dp.hidden.forEach((h, j) => {
    dis.push(dense(`dis_dense_${j}`, inDim, h, ACT.leakyRelu, 0, false));
    inDim = h;
  });
  const logit = dense('d_logit', dp.flat, 1, ACT.linear, 0, false);
  const own = tensors();
  const shift = <L extends LayerPlan>(l: L): L => ({ ...l, kernel: l.kernel + base.tensors, bias: l.bias + base.tensors });
  return {
    dis: dis.map(shift),
    logit: shift(logit),
    tensors: own.tensors.map((t) => ({ ...t, offset: t.offset + base.P })),
    P: own.P,
    features: dp.features,
  };
}

/**
 * The plan of a VAE-GAN for `threads` threads of at most `rows` rows each. Throws when
 * `ganUnsupported` objects, when the memory would exceed `maxBytes` (the caller trains on tfjs
 * instead), or as models/conv.ts's convPlan for a conv model's input it cannot take.
 */
export function planGan(spec: ModelSpec, rows: number, threads: number, maxBytes = MAX_BYTES): GanPlan {
  const why = ganUnsupported(spec);
  if (why) throw new Error(why);
  // The VAE's layers and tensors (its memory layout, for one row, is not used).
  const vae = planDense(spec, 1, 1);
  // The logits' gradient replaces them in place (./ganNet.ts): the last layer must be linear.
  if (vae.dec[vae.dec.length - 1].act !== ACT.linear) throw new Error('the decoder\'s last layer is not linear');
  // The encoder's tensors come first, up to the decoder's first kernel.
  const nEncTensors = vae.dec[0].kernel;
  const d = discriminatorLayers(spec, { tensors: vae.tensors.length, P: vae.P });
  const tensors = [...vae.tensors, ...d.tensors];
  const idx = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);
  const layers = { enc: vae.enc, mu: vae.mu, lv: vae.lv!, dec: vae.dec, dis: d.dis, logit: d.logit };
  const dims = { inputDim: spec.inputDim, latentDim: spec.config.latentDim, features: d.features, P: vae.P + d.P };
  const settings = vaeganSettings(spec.config);
  // The encoder's and decoder's floats: the VAE's tensors, first in `w`.
  const emaFloats = settings.emaDecay > 0 ? vae.P : 0;
  const memory = layoutGan({ ...dims, emaFloats }, layers, rows, threads);
  if (memory.bytes > maxBytes) {
    throw new Error(`the model needs ${(memory.bytes / 2 ** 30).toFixed(2)} GiB of kernel memory (at most ${(maxBytes / 2 ** 30).toFixed(2)} GiB)`);
  }
  return {
    threads,
    rows,
    inputDim: spec.inputDim,
    latentDim: spec.config.latentDim,
    bernoulli: spec.output === 'bernoulli',
    sigma: spec.output === 'gaussian' ? gaussianSigma(spec.config) : 1,
    outAct: spec.output === 'bernoulli' ? ACT.sigmoid : ACT.linear,
    gamma: settings.gamma,
    pixelWeight: settings.pixelWeight,
    discLrScale: settings.discLrScale,
    relativistic: settings.ganLoss === 'relativistic',
    emaDecay: settings.emaDecay,
    emaFloats,
    tensors,
    P: dims.P,
    nets: { encoder: idx(0, nEncTensors), decoder: idx(nEncTensors, vae.tensors.length), discriminator: idx(vae.tensors.length, tensors.length) },
    ...layers,
    features: d.features,
    ...memory,
    pages: Math.ceil(memory.bytes / PAGE),
  };
}

type GanLayers = Pick<GanPlan, 'enc' | 'mu' | 'lv' | 'dec' | 'dis' | 'logit'>;

/**
 * Byte offsets of everything: [stack of thread 0 | W | M | V | θ̄ (when averaged) | zeros | gradient shares | per
 * thread: stack, buffers…] (as ./densePlan.ts's layout, with the stacked batches).
 */
function layoutGan(
  dims: { inputDim: number; latentDim: number; features: number; P: number; emaFloats: number },
  layers: GanLayers,
  rows: number,
  threads: number,
): Pick<GanPlan, 'w' | 'm' | 'v' | 'ema' | 'zeros' | 'gradStride' | 'thread' | 'bytes'> {
  const { enc, dec, dis } = layers;
  const { inputDim: D, latentDim: L, P } = dims;
  const r = rows;
  const { take, end } = byteLayout();
  const w = take(P);
  const m = take(P);
  const v = take(P);
  const ema = dims.emaFloats > 0 ? take(dims.emaFloats) : -1;
  const zeros = take(2 * r * D);
  const gradStride = Math.ceil(P / 16) * 16;
  const grads = take(threads * gradStride);
  const conv = (l: LayerPlan, n: number) => (l.kind === 'dense' ? 0 : colsFloats(l, n));
  const scratchFloats = Math.max(0, ...enc.slice(1).map((l) => conv(l, r)), ...dec.map((l) => conv(l, 2 * r)), ...dis.map((l) => conv(l, 3 * r)));
  const thread: GanThreadBuffers[] = [];
  for (let t = 0; t < threads; t++) {
    const stackTop = t === 0 ? STACK_BYTES : take(STACK_BYTES / 4) + STACK_BYTES;
    thread.push({
      stackTop,
      grads: grads + t * gradStride * 4,
      disIn: take(3 * r * D),
      eps: take(r * L),
      zz: take(2 * r * L),
      mu: take(r * L),
      lv: take(r * L),
      dMu: take(r * L),
      dLv: take(r * L),
      dZ: take(r * L),
      encH: enc.map((l) => take(r * l.out)),
      encD: enc.map((l) => take(r * l.out)),
      decH: dec.map((l) => take(2 * r * l.out)),
      decD: dec.map((l) => take(2 * r * l.out)),
      disH: dis.map((l) => take(3 * r * l.out)),
      disD: dis.map((l) => take(3 * r * l.out)),
      encCols: enc.map((l) => (l.kind === 'conv' ? take(colsFloats(l, r)) : -1)),
      disCols: dis.map((l) => (l.kind === 'conv' ? take(colsFloats(l, 3 * r)) : -1)),
      logit: take(3 * r),
      dLogit: take(3 * r),
      featD: take(r * dims.features),
      gEnc: take(r * D),
      scratch: scratchFloats ? take(scratchFloats) : -1,
      pack: take(GEMM_PACK_FLOATS),
    });
  }
  return { w, m, v, ema, zeros, gradStride, thread, bytes: end() };
}

/** The shared memory a GAN plan runs in (zero-filled: `zeros` holds zeros from the start). */
export function createGanMemory(plan: GanPlan): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
}

/**
 * Starts the average where the run starts: θ̄ = the encoder's and decoder's part of the weights
 * now in `memory` (θ₀; call after writing them, before the first step). Nothing without an average.
 */
export function startGanAverage(plan: GanPlan, memory: WebAssembly.Memory): void {
  if (plan.ema < 0) return;
  const f32 = new Float32Array(memory.buffer);
  f32.copyWithin(plan.ema / 4, plan.w / 4, plan.w / 4 + plan.emaFloats);
}
