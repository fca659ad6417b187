/**
 * Loads the kernels' WebAssembly module (built from ./dense.c + ./conv.c by
 * `npm run build:kernels` and committed), checks it against the kernel table, and instantiates
 * it on a shared memory. Two builds of the same C: `dense-relaxed.wasm` (relaxed SIMD: fused
 * multiply-add in the GEMM), used where the runtime accepts it (`WebAssembly.validate`; Electron's
 * V8 does, Node 20's after `--experimental-wasm-relaxed-simd`, which `kernelModule` sets), and
 * `dense.wasm` (plain SIMD) everywhere else.
 *
 * Where the file is: next to this source file when the engine runs from source (tsx: the CLI,
 * vitest, the bench), and in `kernels/` beside the bundle when built (electron-vite copies it to
 * `out/main/kernels/dense.wasm`; the code runs from `out/main/*.js` or `out/main/chunks/*.js`).
 * Only the engine's thread reads it: the training workers get the compiled module in their
 * start message.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { customSection, exportedFunctionTypes } from '../wasmSignatures';
import { DENSE_KERNELS, kernelSignatures, type DenseKernels } from './kernelTable';

/** The plain-SIMD module's file name (source folder and `out/main/kernels/`). */
export const DENSE_WASM_FILE = 'dense.wasm';
/** The relaxed-SIMD build of the same sources. */
export const RELAXED_WASM_FILE = 'dense-relaxed.wasm';
/** Which build runs: relaxed SIMD (fused multiply-add) or plain SIMD. */
export type KernelVariant = 'relaxed-simd' | 'simd';
export const VARIANT_FILES: Record<KernelVariant, string> = { 'relaxed-simd': RELAXED_WASM_FILE, simd: DENSE_WASM_FILE };
/** The custom section scripts/build-kernels.cjs adds: JSON `{ variant, sources: {file: sha256}, compiler }`. */
export const BUILD_SECTION = 'latent-lab.build';

function here(): string {
  if (typeof __dirname === 'string' && __dirname) return __dirname;
  return path.dirname(new URL(import.meta.url).pathname);
}

/** Places a kernel module is looked for, in order. */
export function kernelFileCandidates(file: string = DENSE_WASM_FILE, dir: string = here()): string[] {
  return [path.join(dir, file), path.join(dir, 'kernels', file), path.join(dir, '..', 'kernels', file)];
}

/** The module's bytes; throws naming every place it looked when the file is missing. */
export function readKernelFile(file: string = DENSE_WASM_FILE, dir: string = here()): Uint8Array<ArrayBuffer> {
  const places = kernelFileCandidates(file, dir);
  for (const p of places) {
    try {
      return readFileSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error(`the dense kernels' module ${file} was not found (looked in ${places.join(', ')}); rebuild the app (npm run build)`);
}

/**
 * Throws unless the module exports every kernel of the table with exactly the table's wasm
 * parameter and result types (a row that drifted from dense.c, or a stale module).
 */
export function checkKernelExports(bytes: Uint8Array, table: Record<string, string> = DENSE_KERNELS): void {
  const exported = exportedFunctionTypes(bytes);
  const problems: string[] = [];
  for (const sig of kernelSignatures(table)) {
    const got = exported.get(sig.name);
    const want = `(${sig.params.join(', ')}) → (${sig.results.join(', ')})`;
    if (!got) problems.push(`${sig.name} is not exported`);
    else if (`(${got.params.join(', ')}) → (${got.results.join(', ')})` !== want) {
      problems.push(`${sig.name} is (${got.params.join(', ')}) → (${got.results.join(', ')}) in the module but ${want} in kernelTable.ts`);
    }
  }
  if (problems.length) throw new Error(`dense kernels: the module does not match the kernel table: ${problems.join('; ')}`);
}

/**
 * What a module (compiled, or its bytes: a relaxed build can be read where it cannot compile)
 * records about its build (scripts/build-kernels.cjs), or null when nothing.
 */
export function kernelBuildInfo(module: WebAssembly.Module | Uint8Array): { variant: KernelVariant; sources: Record<string, string>; compiler: string } | null {
  const section = module instanceof Uint8Array ? customSection(module, BUILD_SECTION) : WebAssembly.Module.customSections(module, BUILD_SECTION)[0];
  return section ? JSON.parse(new TextDecoder().decode(section)) : null;
}

/**
 * Node 20's V8 accepts relaxed SIMD only behind a flag (Electron's has it on): set it before the
 * first relaxed module is validated. Workers started afterwards inherit it; the modules compiled
 * before are unaffected.
 */
function allowRelaxedSimd(): void {
  if (!process.versions.electron) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/**
 * Whether this runtime runs the relaxed-SIMD build (`WebAssembly.validate` of its bytes); false
 * when its file is missing (a build without it trains on the plain one).
 */
export function relaxedSimdSupported(): boolean {
  allowRelaxedSimd();
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = readKernelFile(RELAXED_WASM_FILE);
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

const compiled = new Map<KernelVariant, WebAssembly.Module>();
/**
 * The compiled kernels, checked against the table, one per process and build: the
 * relaxed-SIMD build where the runtime supports it, else the plain-SIMD one (`variant` forces
 * one; forcing relaxed SIMD where it is unsupported throws). Post it to the training workers
 * with the memory: V8 shares a module's code between threads, so a new run's workers start on
 * code an earlier run already optimised instead of re-tiering from the baseline compiler.
 */
export function kernelModule(variant: KernelVariant = defaultVariant()): WebAssembly.Module {
  let m = compiled.get(variant);
  if (!m) {
    const bytes = readKernelFile(VARIANT_FILES[variant]);
    checkKernelExports(bytes);
    if (variant === 'relaxed-simd' && !relaxedSimdSupported()) throw new Error('this runtime does not support WebAssembly relaxed SIMD');
    m = new WebAssembly.Module(bytes);
    compiled.set(variant, m);
  }
  return m;
}

let chosen: KernelVariant | null = null;
/** The build `kernelModule()` loads here: relaxed SIMD when supported, else plain SIMD. */
export function defaultVariant(): KernelVariant {
  chosen ??= relaxedSimdSupported() ? 'relaxed-simd' : 'simd';
  return chosen;
}

/** The build a compiled kernels module is (its build record), for the backend info. */
export function variantOf(module: WebAssembly.Module): KernelVariant {
  return kernelBuildInfo(module)?.variant ?? 'simd';
}

/** One thread's instance of the kernels on `memory` (its stack pointer still to be set). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): DenseKernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as DenseKernels;
}

/**
 * Thread `plan.thread[tid]`'s instance of the kernels on a network's shared `memory`, its stack
 * pointer at that thread's own stack (the module's default one is thread 0's) — what DenseNet and
 * the VAE-GAN's GanWeights start from. Throws Error (naming `what`) when `memory` is smaller than
 * the plan's `bytes`.
 */
export function threadKernels<B extends { stackTop: number }>(
  what: string,
  plan: { bytes: number; thread: B[] },
  memory: WebAssembly.Memory,
  tid: number,
  module: WebAssembly.Module,
): { k: DenseKernels; buf: B; f32: Float32Array } {
  if (memory.buffer.byteLength < plan.bytes) throw new Error(`${what}: the memory is smaller than the plan`);
  const k = instantiateKernels(module, memory);
  const buf = plan.thread[tid];
  k.__stack_pointer.value = buf.stackTop;
  return { k, buf, f32: new Float32Array(memory.buffer) };
}
