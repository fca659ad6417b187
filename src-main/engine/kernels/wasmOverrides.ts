/**
 * Faster replacements for slow kernels of the tfjs `wasm` backend (tfjs 4.22).
 *
 * The wasm `BatchMatMul` and `_FusedMatMul` kernels only hand the product to
 * XNNPACK when neither `transposeA` nor `transposeB` is set; with either flag
 * they fall back to a scalar loop that is ~8-20x slower. Every Dense layer's
 * backward pass multiplies with transposed operands (dX = dY·Wᵀ, dW = Xᵀ·dY),
 * so on the default training path most of the step time went there.
 *
 * The overrides materialise the transposed operand with the wasm `Transpose`
 * kernel (or, when one of the two last dims is 1, as a zero-copy reshape) and
 * call the original kernel without the flags. Results are the same products
 * computed by XNNPACK instead of the reference loop (they agree to float
 * rounding, ~1e-6 relative; see test/unit/kernels.test.ts).
 *
 * Usage (main process / engine worker):
 *   import * as tf from '@tensorflow/tfjs';
 *   import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
 *   setWasmPaths(wasmPaths());
 *   await tf.setBackend('wasm'); await tf.ready();
 *   const applied = installWasmOverrides(tf);   // e.g. ["BatchMatMul: transposes materialised", ...]
 */
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { registerConv2DBackpropFilter } from './conv2dBackpropFilter';

type Tf = typeof import('@tensorflow/tfjs');
type KernelConfig = ReturnType<Tf['getKernel']>;
type KernelFunc = KernelConfig['kernelFunc'];
type TensorInfo = { dataId: object; shape: number[]; dtype: string };

/** The bits of the wasm backend the overrides use (BackendWasm is not exported as a type from the umbrella). */
interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

const MARK = Symbol.for('latent-lab.wasm-kernel-override');

/** Kernels installWasmOverrides() may replace. */
export const OVERRIDDEN_KERNELS = ['BatchMatMul', '_FusedMatMul', 'Identity'] as const;

type MarkedFunc = KernelFunc & { [MARK]?: { original: KernelConfig; description: string } };

/**
 * Folder holding the tfjs wasm binaries (`node_modules/@tensorflow/tfjs-backend-wasm/dist/`),
 * with a trailing separator, for `setWasmPaths()`. A plain filesystem path: the emscripten
 * loader reads it with `fs` in Node/Electron main.
 */
export function wasmPaths(): string {
  const pkgJson = nodeRequire().resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkgJson), 'dist') + path.sep;
}

function nodeRequire(): NodeJS.Require {
  // CommonJS (tsx, electron-vite's CJS main bundle): the module's own `require`.
  if (typeof require === 'function' && typeof require.resolve === 'function') return require;
  // ESM (vitest runs sources as ESM): build one relative to this file.
  return createRequire(import.meta.url);
}

/** The stock wasm kernels the overrides call (captured before any is replaced). */
interface StockKernels {
  transpose: KernelFunc;
  add: KernelFunc;
  /** By `_FusedMatMul`'s activation name. */
  activations: Record<string, KernelFunc>;
}

function stockKernels(tf: Tf): StockKernels {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose == null) {
    throw new Error('installWasmOverrides: the wasm backend is not registered (import @tensorflow/tfjs-backend-wasm first)');
  }
  const kernel = (name: string): KernelFunc => tf.getKernel(name, 'wasm').kernelFunc;
  return {
    transpose: transpose.kernelFunc,
    add: kernel('Add'),
    activations: {
      relu: kernel('Relu'),
      relu6: kernel('Relu6'),
      elu: kernel('Elu'),
      sigmoid: kernel('Sigmoid'),
      leakyrelu: kernel('LeakyRelu'),
      prelu: kernel('Prelu'),
    },
  };
}

/** `x` with its last two dims swapped, as a new TensorInfo the caller must dispose. */
function transposeLast2(stock: StockKernels, x: TensorInfo, backend: WasmBackendLike): TensorInfo {
  const r = x.shape.length;
  const shape = x.shape.slice();
  [shape[r - 2], shape[r - 1]] = [shape[r - 1], shape[r - 2]];
  if (x.shape[r - 2] === 1 || x.shape[r - 1] === 1) {
    // Same memory layout: a reshape (shared data, one more reference).
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype: x.dtype };
  }
  const perm = Array.from({ length: r }, (_, i) => i);
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return stock.transpose({ inputs: { x } as never, backend: backend as never, attrs: { perm } as never }) as TensorInfo;
}

/** BatchMatMul: materialises transposed operands, calls the original without the flags. */
function materialiseTransposes(stock: StockKernels, original: KernelFunc): KernelFunc {
  return ((args: Parameters<KernelFunc>[0]) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean } | undefined;
    const inputs = args.inputs as unknown as { a: TensorInfo; b: TensorInfo } & Record<string, TensorInfo>;
    if (attrs == null || (!attrs.transposeA && !attrs.transposeB) || inputs.a.dtype !== 'float32' || inputs.b.dtype !== 'float32') {
      return original(args);
    }
    const backend = args.backend as unknown as WasmBackendLike;
    const temps: TensorInfo[] = [];
    try {
      let { a, b } = inputs;
      if (attrs.transposeA) temps.push((a = transposeLast2(stock, a, backend)));
      if (attrs.transposeB) temps.push((b = transposeLast2(stock, b, backend)));
      return original({
        ...args,
        inputs: { ...inputs, a, b } as never,
        attrs: { ...attrs, transposeA: false, transposeB: false } as never,
      });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  }) as KernelFunc;
}

type FusedAttrs = { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
type FusedInputs = { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };

/**
 * _FusedMatMul (rank-3 a, b). Only the 2-D XNNPACK path of the original kernel (batch 1, no
 * transposes) is fast - and it is also the only path that adds the bias correctly: in tfjs 4.22
 * the fallback loop (any transpose flag, or batch > 1) adds a wrong bias element to every output
 * row after the first. So: materialise transposes; fold a's batch into its rows when b is shared
 * (batch 1); otherwise (b batched) run the plain product and apply bias + activation with the
 * wasm Add/activation kernels.
 */
function fixFusedMatMul(stock: StockKernels, original: KernelFunc): KernelFunc {
  return ((args: Parameters<KernelFunc>[0]) => {
    const attrs = args.attrs as unknown as FusedAttrs;
    const inputs = args.inputs as unknown as FusedInputs;
    const { a: a0, b: b0 } = inputs;
    const batchA = a0.shape.length === 3 ? a0.shape[0] : 1;
    const batchB = b0.shape.length === 3 ? b0.shape[0] : 1;
    const needsFix = attrs.transposeA || attrs.transposeB || batchA > 1 || batchB > 1;
    if (!needsFix || a0.dtype !== 'float32' || b0.dtype !== 'float32' || a0.shape.length !== 3 || b0.shape.length !== 3) {
      return original(args);
    }
    const backend = args.backend as unknown as WasmBackendLike;
    const temps: TensorInfo[] = [];
    try {
      let a = a0;
      let b = b0;
      if (attrs.transposeA) temps.push((a = transposeLast2(stock, a, backend)));
      if (attrs.transposeB) temps.push((b = transposeLast2(stock, b, backend)));
      const plain = { ...attrs, transposeA: false, transposeB: false };
      if (batchB === 1) {
        // [B, M, K] x [1, K, N] == ([1, B*M, K] x [1, K, N]) reshaped: one 2-D product.
        const [, m, k] = a.shape;
        backend.incRef(a.dataId);
        const aFolded: TensorInfo = { dataId: a.dataId, shape: [1, batchA * m, k], dtype: a.dtype };
        temps.push(aFolded);
        const out = original({ ...args, inputs: { ...inputs, a: aFolded, b } as never, attrs: plain as never }) as TensorInfo;
        out.shape = [batchA, m, b.shape[2]];
        return out as never;
      }
      if (inputs.bias == null && inputs.preluActivationWeights == null) {
        return original({ ...args, inputs: { ...inputs, a, b } as never, attrs: plain as never });
      }
      // b batched: product, then bias and activation as separate kernels.
      const y = original({ ...args, inputs: { a, b } as never, attrs: { ...plain, activation: 'linear' } as never }) as TensorInfo;
      return biasAndActivation(stock, y, inputs, attrs, args.backend, temps) as never;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  }) as KernelFunc;
}

/** `act(y + bias)` with the stock wasm kernels; intermediate results go to `temps` (disposed by the caller). */
function biasAndActivation(
  stock: StockKernels,
  y: TensorInfo,
  inputs: FusedInputs,
  attrs: FusedAttrs,
  backend: Parameters<KernelFunc>[0]['backend'],
  temps: TensorInfo[],
): TensorInfo {
  if (inputs.bias != null) {
    temps.push(y);
    y = stock.add({ inputs: { a: y, b: inputs.bias } as never, backend, attrs: {} as never }) as TensorInfo;
  }
  const act = attrs.activation ?? 'linear';
  if (act === 'linear') return y;
  const f = stock.activations[act];
  if (f == null) throw new Error(`_FusedMatMul: unsupported activation ${act}`);
  temps.push(y);
  return f({
    inputs: (act === 'prelu' ? { x: y, alpha: inputs.preluActivationWeights } : { x: y }) as never,
    backend,
    attrs: (act === 'leakyrelu' ? { alpha: attrs.leakyreluAlpha ?? 0.2 } : {}) as never,
  }) as TensorInfo;
}

/**
 * Identity. The wasm kernel copies its input into a new buffer; the engine runs it for every
 * tensor it saves for the backward pass (`clone` in saveTensorsForBackwardMode) and for each
 * `tf.clone`. Data is immutable, so sharing it with one more reference is equivalent - that is
 * what the cpu and webgl backends (and wasm's own Reshape) do.
 */
function shareIdentity(_stock: StockKernels, original: KernelFunc): KernelFunc {
  return ((args: Parameters<KernelFunc>[0]) => {
    const x = (args.inputs as unknown as { x: TensorInfo }).x;
    if (x.dtype === 'string') return original(args);
    (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype } as never;
  }) as KernelFunc;
}

/** Every override: the kernel, what the info line says, and the wrapper of the original. */
const OVERRIDES: Array<{ name: (typeof OVERRIDDEN_KERNELS)[number]; description: string; wrap: (stock: StockKernels, f: KernelFunc) => KernelFunc }> = [
  { name: 'BatchMatMul', description: 'BatchMatMul: transposes materialised', wrap: materialiseTransposes },
  {
    name: '_FusedMatMul',
    description: '_FusedMatMul: transposes materialised; batched inputs folded/split (fixes wrong bias in tfjs 4.22 fallback path)',
    wrap: fixFusedMatMul,
  },
  { name: 'Identity', description: 'Identity: shares data (refcount) instead of copying', wrap: shareIdentity },
];

/**
 * Re-registers slow wasm kernels with faster, numerically equivalent versions.
 * Call after `await tf.setBackend('wasm'); await tf.ready()`. Idempotent: a second call
 * changes nothing and returns the same descriptions. Returns one human-readable line per
 * kernel replaced. `options.kernels` limits the overrides to those kernel names (for A/B runs).
 * Throws when the wasm backend is not registered.
 */
export function installWasmOverrides(tf: Tf, options: { kernels?: readonly string[] } = {}): string[] {
  const stock = stockKernels(tf);
  const applied: string[] = [];
  for (const o of OVERRIDES) {
    if (options.kernels && !options.kernels.includes(o.name)) continue;
    const current = tf.getKernel(o.name, 'wasm');
    if (current == null) continue;
    if ((current.kernelFunc as MarkedFunc)[MARK] == null) {
      const wrapped = o.wrap(stock, current.kernelFunc) as MarkedFunc;
      wrapped[MARK] = { original: current, description: o.description };
      tf.unregisterKernel(o.name, 'wasm');
      // Keep setupFunc/disposeFunc: they bind the wasm exports the original kernelFunc calls
      // and must run again if the backend is ever re-initialised.
      tf.registerKernel({ ...current, kernelFunc: wrapped });
    }
    applied.push(o.description); // (already installed: the same line)
  }
  applied.push(...registerConv2DBackpropFilter(tf)); // a kernel the wasm backend lacks (conv training)
  return applied;
}

/** Restores the original kernels (for tests and A/B benchmarks). Returns the names restored. */
export function uninstallWasmOverrides(tf: Tf): string[] {
  const restored: string[] = [];
  for (const name of OVERRIDDEN_KERNELS) {
    const current = tf.getKernel(name, 'wasm');
    const mark = current && (current.kernelFunc as MarkedFunc)[MARK];
    if (!mark) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(mark.original);
    restored.push(name);
  }
  return restored;
}
