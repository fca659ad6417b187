/**
 * Loads the dense kernels' WebAssembly module, `dense.wasm` (built from ./dense.c by
 * `npm run build:kernels` and committed), checks it against the kernel table, and instantiates
 * it on a shared memory.
 *
 * Where the file is: next to this source file when the engine runs from source (tsx: the CLI,
 * vitest, the bench), and in `kernels/` beside the bundle when built (electron-vite copies it to
 * `out/main/kernels/dense.wasm`; the code runs from `out/main/*.js` or `out/main/chunks/*.js`).
 * Only the engine's thread reads it: the training workers get the compiled module in their
 * start message.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exportedFunctionTypes } from '../wasmSignatures';
import { DENSE_KERNELS, kernelSignatures, type DenseKernels } from './kernelTable';

/** The module's file name (source folder and `out/main/kernels/`). */
export const DENSE_WASM_FILE = 'dense.wasm';
/** The custom section scripts/build-kernels.cjs adds: JSON `{ source, sha256, compiler }`. */
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

/** What the module records about its build (scripts/build-kernels.cjs), or null when nothing. */
export function kernelBuildInfo(module: WebAssembly.Module): { source: string; sha256: string; compiler: string } | null {
  const [section] = WebAssembly.Module.customSections(module, BUILD_SECTION);
  return section ? JSON.parse(new TextDecoder().decode(section)) : null;
}

let compiled: WebAssembly.Module | null = null;
/**
 * The compiled kernels, checked against the table, one per process. Post it to the training
 * workers with the memory: V8 shares a module's code between threads, so a new run's workers
 * start on code an earlier run already optimised instead of re-tiering from the baseline compiler.
 */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    const bytes = readKernelFile();
    checkKernelExports(bytes);
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** One thread's instance of the kernels on `memory` (its stack pointer still to be set). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): DenseKernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as DenseKernels;
}
