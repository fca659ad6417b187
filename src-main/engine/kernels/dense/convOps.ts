/**
 * The kernel calls of one convolution layer (./densePlan.ts ConvLayerPlan), forward and
 * backward, on one thread's `rows` samples (conv.c's im2col / col2im around gemm.c's GEMM):
 *   conv    forward  cols = im2col(X); Y = cols·F                  (cols kept for the backward)
 *           backward dF = colsᵀ·dY; dX (+)= col2im(dY·Fᵀ)
 *   deconv  forward  Y = col2im(Z·Kᵀ)
 *           backward cols = im2col(dY); dK = colsᵀ·Z; dZ (+)= cols·K
 * then bias + activation and their gradients as for dense layers (an NHWC image is rows of
 * pixels × channels). Kernels are [k·k·C, c] matrices: tfjs's layout for both layer kinds.
 */
import type { ConvLayerPlan } from './densePlan';
import type { DenseKernels } from './kernelTable';

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
