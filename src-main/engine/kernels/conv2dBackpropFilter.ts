/**
 * A `Conv2DBackpropFilter` kernel for the tfjs `wasm` backend, which has none in tfjs 4.22 (so a
 * Conv2D or Conv2DTranspose layer could not train there). Composed from wasm kernels it does have:
 *
 *   dW[a, b, ci, co] = Σ_{n,i,j} x[n, i·s + a − padTop, j·s + b − padLeft, ci] · dy[n, i, j, co]
 *
 * is one Conv2D with stride 1 and dilation s, in which the input channels of x act as the batch,
 * the batch acts as the input channels, and dy is the filter:
 *   x' = transpose(x, [3, 1, 2, 0])       [Cin, H, W, N]
 *   f' = transpose(dy, [1, 2, 0, 3])      [oH, oW, N, Cout]
 *   g  = conv2d(x', f', strides 1, dilations s, explicit pad [padTop, padBottom'], [padLeft, padRight'])
 *                                          [Cin, fH, fW, Cout]
 *   dW = transpose(g, [1, 2, 0, 3])       [fH, fW, Cin, Cout]
 * with padBottom' chosen so the output is fH tall (rows of x no output reads are cut off first,
 * so it is never negative). Agrees with the cpu backend's kernel to float rounding
 * (test/unit/conv-backprop-filter.test.ts). NHWC only (the wasm backend's convolutions are NHWC
 * only); the gradient of a dilated convolution is not defined in tfjs either.
 *
 * It is a stop-gap that lets conv models train on tfjs wasm; the C kernels in kernels/ replace it
 * for speed. Register with `registerConv2DBackpropFilter(tf)` after the wasm backend is ready.
 */
type Tf = typeof import('@tensorflow/tfjs');
type KernelConfig = ReturnType<Tf['getKernel']>;
type KernelFunc = KernelConfig['kernelFunc'];
type TensorInfo = { dataId: object; shape: number[]; dtype: string };

interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

const MARK = Symbol.for('latent-lab.conv2d-backprop-filter');
export const CONV2D_BACKPROP_FILTER_DESCRIPTION = 'Conv2DBackpropFilter: added (one dilated Conv2D; the wasm backend has none)';

/** The kernel function, built over the wasm Transpose, Slice and Conv2D kernels of `tf`. */
export function conv2dBackpropFilterKernel(tf: Tf): KernelFunc {
  // Looked up per call, so a kernel replaced later (a faster Conv2D) is the one used.
  const kernel = (name: string): KernelFunc => {
    const k = tf.getKernel(name, 'wasm');
    if (k == null) throw new Error(`Conv2DBackpropFilter: the wasm backend has no ${name} kernel`);
    return k.kernelFunc;
  };

  return ((args: Parameters<KernelFunc>[0]) => {
    const transposeK = kernel('Transpose');
    const sliceK = kernel('Slice');
    const conv2dK = kernel('Conv2D');
    const { x, dy } = args.inputs as unknown as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as BackpropFilterAttrs;
    const backend = args.backend as unknown as WasmBackendLike;
    if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): only NHWC data is supported');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const [N, H, W, Cin] = x.shape;
    const [fH, fW, , Cout] = attrs.filterShape;
    const { outHeight: oH, outWidth: oW, strideHeight: sH, strideWidth: sW } = info;
    if (dy.shape[0] !== N || dy.shape[1] !== oH || dy.shape[2] !== oW || dy.shape[3] !== Cout) {
      throw new Error(`Conv2DBackpropFilter (wasm): dy has shape ${dy.shape}, expected ${[N, oH, oW, Cout]}`);
    }
    const { top, left } = info.padInfo;
    // Rows/columns of x some output reads: (o − 1)·s + f − pad at most.
    const usedH = Math.min(H, (oH - 1) * sH + fH - top);
    const usedW = Math.min(W, (oW - 1) * sW + fW - left);
    const bottom = fH + (oH - 1) * sH - usedH - top;
    const right = fW + (oW - 1) * sW - usedW - left;
    const temps: TensorInfo[] = [];
    const run = (f: KernelFunc, inputs: Record<string, TensorInfo>, a: object): TensorInfo => {
      const out = f({ inputs: inputs as never, backend: args.backend, attrs: a as never }) as unknown as TensorInfo;
      temps.push(out);
      return out;
    };
    try {
      let xs = x;
      if (usedH < H || usedW < W) xs = run(sliceK, { x }, { begin: [0, 0, 0, 0], size: [N, usedH, usedW, Cin] });
      const xt = run(transposeK, { x: xs }, { perm: [3, 1, 2, 0] });
      const ft = run(transposeK, { x: dy }, { perm: [1, 2, 0, 3] });
      const g = run(conv2dK, { x: xt, filter: ft }, {
        strides: [1, 1],
        dilations: [sH, sW],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
      });
      if (g.shape[1] !== fH || g.shape[2] !== fW) {
        throw new Error(`Conv2DBackpropFilter (wasm): internal shape ${g.shape}, expected [${Cin}, ${fH}, ${fW}, ${Cout}]`);
      }
      const out = transposeK({ inputs: { x: g } as never, backend: args.backend, attrs: { perm: [1, 2, 0, 3] } as never });
      return out;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  }) as KernelFunc;
}

/**
 * Registers the kernel on the `wasm` backend unless it already has one. Idempotent. Returns the
 * description (for BackendInfo.overrides) when ours is registered, else [] (e.g. a tfjs version
 * with its own kernel). Call after `await tf.setBackend('wasm'); await tf.ready()`.
 */
export function registerConv2DBackpropFilter(tf: Tf): string[] {
  const current = tf.getKernel('Conv2DBackpropFilter', 'wasm') as (KernelConfig & { [MARK]?: true }) | undefined;
  if (current != null) return current[MARK] ? [CONV2D_BACKPROP_FILTER_DESCRIPTION] : [];
  const config = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterKernel(tf), [MARK]: true as const };
  tf.registerKernel(config);
  return [CONV2D_BACKPROP_FILTER_DESCRIPTION];
}

/** Removes our kernel again (tests). Returns true when it was registered. */
export function unregisterConv2DBackpropFilter(tf: Tf): boolean {
  const current = tf.getKernel('Conv2DBackpropFilter', 'wasm') as (KernelConfig & { [MARK]?: true }) | undefined;
  if (!current?.[MARK]) return false;
  tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  return true;
}
