/**
 * The kernel calls of one convolution layer (./densePlan.ts ConvLayerPlan), forward and
 * backward, on one thread's `rows` samples (conv.c's im2col / col2im around gemm.c's GEMM):
 *   conv    forward  cols = im2col(X); Y = cols·F                  (cols kept for the backward)
 *           backward dF = colsᵀ·dY; dX (+)= col2im(dY·Fᵀ)
 *   deconv  forward  Y = col2im(Z·Kᵀ)
 *           backward cols = im2col(dY); dK = colsᵀ·Z; dZ (+)= cols·K
 * then bias + activation and their gradients as for dense layers (an NHWC image is rows of
 * pixels × channels). Kernels are [k·k·C, c] matrices: tfjs's layout for both layer kinds.
 * When the image side has one channel (C = 1: a first conv on grey images, a last transposed
 * conv to grey logits) the same maps run as conv.c's direct kernels instead (conv1_taps,
 * conv1_taps_grad, conv1_scatter: no im2col matrix, no GEMM with N or K = k·k).
 */
import type { ConvLayerPlan } from './densePlan';
import type { DenseKernels } from './kernelTable';

/** conv.c's MAX_TAPS: the direct one-channel kernels take filters of at most this many taps. */
const MAX_TAPS = 25;

/** True when the layer runs on the direct one-channel kernels. */
export function directOneChannel(l: ConvLayerPlan): boolean {
  return l.image[2] === 1 && l.k * l.k <= MAX_TAPS;
}

/** Byte offsets a layer call works on. */
export interface ConvBuffers {
  /** The kernel and bias (weights), their gradients (this thread's share). */
  W: number;
  b: number;
  gW: number;
  gb: number;
  /** This layer's im2col matrix (conv: written forward, read backward). */
  cols: number;
  /** Scratch of at least colsFloats(l, rows) floats. */
  scratch: number;
  pack: number;
}

/** out = act(conv(input) + b) for `rows` samples. */
export function convForward(k: DenseKernels, l: ConvLayerPlan, rows: number, input: number, out: number, o: ConvBuffers): void {
  const [H, W, C] = l.image;
  const [h, w, c] = l.grid;
  const kkC = l.k * l.k * C;
  const M = rows * h * w;
  if (directOneChannel(l)) {
    if (l.kind === 'conv') {
      k.conv1_taps(rows, H, W, l.k, l.s, l.pt, l.pl, h, w, c, input, o.W, out, 0);
      k.bias_act(M, c, out, o.b, l.act);
    } else {
      k.conv1_scatter(rows, H, W, l.k, l.s, l.pt, l.pl, h, w, c, input, o.W, out, 0);
      k.bias_act(rows * H * W, 1, out, o.b, l.act);
    }
    return;
  }
  if (l.kind === 'conv') {
    k.im2col(rows, H, W, C, l.k, l.s, l.pt, l.pl, h, w, input, o.cols);
    k.gemm(M, c, kkC, o.cols, kkC, 1, o.W, c, 1, out, c, 0, o.pack);
    k.bias_act(M, c, out, o.b, l.act);
  } else {
    k.gemm(M, kkC, c, input, c, 1, o.W, 1, c, o.scratch, kkC, 0, o.pack);
    k.col2im(rows, H, W, C, l.k, l.s, l.pt, l.pl, h, w, o.scratch, out, 0);
    k.bias_act(rows * H * W, C, out, o.b, l.act);
  }
}

/**
 * `dOut` holds the gradient at the layer's pre-activation: writes the kernel and bias gradients
 * and, when `dInput` is given, the gradient at the layer's input (added when `acc`).
 */
export function convBackward(
  k: DenseKernels,
  l: ConvLayerPlan,
  rows: number,
  input: number,
  dOut: number,
  dInput: number | null,
  acc: boolean,
  o: ConvBuffers,
): void {
  const [H, W, C] = l.image;
  const [h, w, c] = l.grid;
  const kkC = l.k * l.k * C;
  const M = rows * h * w;
  if (directOneChannel(l)) {
    // conv: taps of the input X, grid gradient dOut; transposed conv: taps of dOut, grid input Z.
    const [img, grid] = l.kind === 'conv' ? [input, dOut] : [dOut, input];
    k.conv1_taps_grad(rows, H, W, l.k, l.s, l.pt, l.pl, h, w, c, img, grid, o.gW);
    if (l.kind === 'conv') k.col_sum(M, c, dOut, o.gb);
    else k.col_sum(rows * H * W, 1, dOut, o.gb);
    if (dInput === null) return;
    if (l.kind === 'conv') k.conv1_scatter(rows, H, W, l.k, l.s, l.pt, l.pl, h, w, c, dOut, o.W, dInput, acc ? 1 : 0);
    else k.conv1_taps(rows, H, W, l.k, l.s, l.pt, l.pl, h, w, c, dOut, o.W, dInput, acc ? 1 : 0);
    return;
  }
  if (l.kind === 'conv') {
    k.gemm(kkC, c, M, o.cols, 1, kkC, dOut, c, 1, o.gW, c, 0, o.pack);
    k.col_sum(M, c, dOut, o.gb);
    if (dInput !== null) {
      k.gemm(M, kkC, c, dOut, c, 1, o.W, 1, c, o.scratch, kkC, 0, o.pack);
      k.col2im(rows, H, W, C, l.k, l.s, l.pt, l.pl, h, w, o.scratch, dInput, acc ? 1 : 0);
    }
  } else {
    k.im2col(rows, H, W, C, l.k, l.s, l.pt, l.pl, h, w, dOut, o.scratch);
    k.gemm(kkC, c, M, o.scratch, 1, kkC, input, c, 1, o.gW, c, 0, o.pack);
    k.col_sum(rows * H * W, C, dOut, o.gb);
    if (dInput !== null) k.gemm(M, c, kkC, o.scratch, kkC, 1, o.W, c, 1, dInput, c, acc ? 1 : 0, o.pack);
  }
}
