/**
 * The one list of the kernels' exports: each row is the C prototype of an `EXPORT` in
 * ./dense.c or ./conv.c, written as in the C (return type, then the parameter list). From it come
 *  - the typed `DenseKernels` interface the TypeScript calls go through (arity and result type
 *    are checked by the compiler), and
 *  - the load-time check of the module (./kernelModule.ts): every row must be exported with
 *    exactly these wasm parameter and result types,
 * and test/unit/kernel-build.test.ts checks the rows against the C prototypes.
 *
 * Adding a kernel: write the C function with `EXPORT("name")` in dense.c or conv.c, `npm run build:kernels`,
 * paste its prototype here as a row. Pointers are byte offsets into the shared memory (i32).
 */

export const DENSE_KERNELS = {
  gemm: 'void (int M, int N, int K, const f32 *A, int rsa, int csa, const f32 *B, int rsb, int csb, f32 *C, int ldc, int acc, f32 *pack)',
  bias_act: 'void (int M, int N, f32 *H, const f32 *bias, int act)',
  act_grad: 'void (int M, int N, const f32 *H, f32 *dH, int act)',
  add_label_rows: 'void (int M, int N, f32 *H, const f32 *W, const int *labels, int row0)',
  label_rows_grad: 'void (int M, int N, const f32 *dZ, const int *labels, f32 *dW, int row0, int classes)',
  col_sum: 'void (int M, int N, const f32 *dZ, f32 *db)',
  dropout: 'void (int n, const f32 *H, f32 *D, f32 *mask, f32 rate, unsigned seed)',
  mul_in_place: 'void (int n, f32 *dD, const f32 *mask)',
  recon_bernoulli: 'double (int M, int D, f32 *L, const f32 *X, f32 scale)',
  recon_gaussian: 'double (int M, int D, f32 *L, const f32 *X, f32 scale)',
  softmax_xent: 'double (int M, int K, f32 *L, const int *labels, f32 scale)',
  reparam: 'double (int M, int Lz, const f32 *MU, const f32 *LV, const f32 *EPS, f32 *Z)',
  reparam_grad: 'void (int M, int Lz, const f32 *MU, const f32 *LV, const f32 *EPS, const f32 *dZ, f32 *dMU, f32 *dLV, f32 klScale)',
  adam: 'void (int n, f32 *W, const f32 *G, int nG, int gStride, f32 *Mo, f32 *Vo, f32 lr, f32 b1, f32 b2, f32 eps, f32 c1, f32 c2, f32 l2)',
  ema: 'void (int n, f32 *A, const f32 *W, f32 d)',
  // conv.c
  im2col: 'void (int N, int H, int W, int C, int k, int s, int pt, int pl, int Ho, int Wo, const f32 *X, f32 *cols)',
  col2im: 'void (int N, int H, int W, int C, int k, int s, int pt, int pl, int Ho, int Wo, const f32 *cols, f32 *X, int acc)',
  conv1_taps: 'void (int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *img, const f32 *Wt, f32 *G, int acc)',
  conv1_taps_grad: 'void (int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *img, const f32 *G, f32 *dW)',
  conv1_scatter: 'void (int N, int H, int W, int k, int s, int pt, int pl, int h, int w, int c, const f32 *G, const f32 *Wt, f32 *img, int acc)',
} as const;

export type KernelName = keyof typeof DENSE_KERNELS;

/** One `number` per parameter of a C parameter list `a, b, c` (type level). */
type NumbersFor<List extends string> = List extends `${string}, ${infer Rest}` ? [number, ...NumbersFor<Rest>] : List extends '' ? [] : [number];
type ParamsOf<P extends string> = P extends `${string}(${infer List})` ? NumbersFor<List> : never;
type ResultOf<P extends string> = P extends `void ${string}` ? void : number;
/** A kernel as JavaScript calls it: one number per C parameter; `void` or a number back. */
type KernelFunction<P extends string> = (...args: ParamsOf<P>) => ResultOf<P>;

/** The instantiated kernels (plus the stack pointer each thread sets to its own stack). */
export type DenseKernels = { [K in KernelName]: KernelFunction<(typeof DENSE_KERNELS)[K]> } & {
  __stack_pointer: WebAssembly.Global;
};

/** A C parameter or result type as WebAssembly sees it (wasm32: pointers and ints are i32). */
export type WasmType = 'i32' | 'f32' | 'f64';

export interface KernelSignature {
  name: string;
  /** Parameter names, as in the C (documentation and error messages). */
  names: string[];
  params: WasmType[];
  /** Empty for `void`. */
  results: WasmType[];
}

/** The wasm type of a C type as clang lowers it for wasm32 (no i64/struct parameters here). */
export function wasmTypeOfC(cType: string): WasmType {
  const t = cType.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
  if (t.endsWith('*')) return 'i32';
  if (t === 'int' || t === 'unsigned' || t === 'unsigned int') return 'i32';
  if (t === 'f32' || t === 'float') return 'f32';
  if (t === 'double') return 'f64';
  throw new Error(`kernel table: the C type "${cType}" has no wasm mapping here`);
}

/** Parses one row (`ret (type name, …)`) into its wasm signature; throws on a malformed row. */
export function parsePrototype(name: string, prototype: string): KernelSignature {
  const m = /^\s*([\w\s]+?)\s*\((.*)\)\s*$/.exec(prototype);
  if (!m) throw new Error(`kernel table: ${name}: "${prototype}" is not "ret (type name, …)"`);
  const results = m[1] === 'void' ? [] : [wasmTypeOfC(m[1])];
  const names: string[] = [];
  const params: WasmType[] = [];
  for (const p of m[2].split(',').map((s) => s.trim()).filter(Boolean)) {
    const pm = /^(.*?)(\w+)$/.exec(p);
    if (!pm || !pm[1].trim()) throw new Error(`kernel table: ${name}: parameter "${p}" is not "type name"`);
    names.push(pm[2]);
    params.push(wasmTypeOfC(pm[1]));
  }
  return { name, names, params, results };
}

/** Every row of the table, parsed. */
export function kernelSignatures(table: Record<string, string> = DENSE_KERNELS): KernelSignature[] {
  return Object.entries(table).map(([name, proto]) => parsePrototype(name, proto));
}
