/**
 * Multi-threaded tfjs `wasm` backend in Node (and Electron's utility process).
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build (`tfjs-backend-wasm-threaded-simd.wasm`,
 * XNNPACK on a pthreadpool), but never uses it in Node: `WASM_HAS_MULTITHREAD_SUPPORT` is
 * hard-coded to false there (tensorflow/tfjs#3830). The build's emscripten glue does support
 * Node's worker_threads; three things stop it working as shipped:
 *
 * 1. the pthread worker script is published wrapped in `module.exports.wasmWorkerContents = …`,
 *    so a worker started from that file exits at once and the module never finishes loading;
 * 2. tfjs hands the workers Blob URLs, which Node's `Worker` cannot load;
 * 3. the C side sizes its thread pool as `min(requested, logical cores / 2)`, assuming two
 *    hyper-threads per core, so on a 2-core machine it always gets one thread.
 *
 * This module builds the backend itself: it writes the worker script (unwrapped) and the glue
 * into a private temporary folder, instantiates the `.wasm` through emscripten's
 * `instantiateWasm` hook (which also lets it report the core count the pool should use), and
 * registers the result as the `wasm` backend, so every wasm kernel (and our overrides) runs on
 * it unchanged. Any failure, or no answer within `INIT_TIMEOUT_MS`, leaves the stock
 * single-threaded backend in place and returns the reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { isProcessAlive } from '../pid';
import { envValue } from '../../env';

type Tf = typeof import('@tensorflow/tfjs');
type WasmPkg = typeof import('@tensorflow/tfjs-backend-wasm');

/** emscripten module object as far as this file uses it. */
interface EmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { terminateAllThreads(): void; pthreads?: Record<string, { unref?: () => void }> };
  tfjs?: Record<string, unknown>;
}
type EmFactory = (config: Record<string, unknown>) => Promise<EmModule>;

/** How long the threaded module may take to load (8 workers, each compiling its instance). */
export const INIT_TIMEOUT_MS = 20_000;
const DIR_PREFIX = 'latent-lab-wasm-';
const GLUE = 'tfjs-backend-wasm-threaded-simd.js';
const WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';
const BINARY = 'tfjs-backend-wasm-threaded-simd.wasm';

export interface ThreadedWasmResult {
  /** Threads XNNPACK's pool actually runs (the calling thread included). */
  threads: number;
  /** Where the worker script was written (removed once the module has loaded). */
  dir: string;
}

/** Load timeout for the threaded module: `LATENT_LAB_WASM_INIT_TIMEOUT_MS`, else INIT_TIMEOUT_MS. */
export function wasmInitTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(envValue('LATENT_LAB_WASM_INIT_TIMEOUT_MS', env)?.trim() || NaN);
  return Number.isFinite(n) && n > 0 ? n : INIT_TIMEOUT_MS;
}

/** Threads to ask for: `LATENT_LAB_WASM_THREADS` (1–8), else one per core, at most 4. */
export function wantedWasmThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = envValue('LATENT_LAB_WASM_THREADS', env)?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 8) {
      throw new Error(`LATENT_LAB_WASM_THREADS="${raw}" must be a whole number from 1 to 8`);
    }
    return n;
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores));
}

function wasmOutDir(): string {
  const req = typeof require === 'function' && typeof require.resolve === 'function' ? require : createRequire(import.meta.url);
  return path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/** Removes worker-script folders left by processes that no longer run (e.g. killed ones). */
export function sweepStaleDirs(tmp = os.tmpdir()): number {
  let removed = 0;
  let names: string[] = [];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name);
    if (!m || isProcessAlive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
      removed++;
    } catch {
      /* another user's folder, or already gone */
    }
  }
  return removed;
}

/**
 * Writes the pthread worker script and the glue it imports into a fresh private folder. The
 * glue starts a fixed pool of 8 pthread workers (each a V8 isolate with its own wasm instance,
 * ~30 MB); the copy starts `threads` of them instead, which is all XNNPACK's pool uses.
 */
function writeScripts(outDir: string, threads: number): { dir: string; worker: string; glue: string } {
  const req = createRequire(path.join(outDir, 'x.js'));
  const wrapped = req(path.join(outDir, WORKER)) as { wasmWorkerContents?: unknown };
  if (typeof wrapped.wasmWorkerContents !== 'string') throw new Error(`${WORKER} has no wasmWorkerContents`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  const worker = path.join(dir, WORKER);
  const glue = path.join(dir, GLUE);
  // As tfjs does before making its Blob: the template literal turned "\n" escapes into newlines.
  fs.writeFileSync(worker, wrapped.wasmWorkerContents.replace(/\n/g, '\\n'), { mode: 0o600 });
  const source = fs.readFileSync(path.join(outDir, GLUE), 'utf8');
  const pool = /pthreadPoolSize=8;/g;
  fs.writeFileSync(glue, (source.match(pool)?.length === 1 ? source.replace(pool, `pthreadPoolSize=${Math.max(1, threads)};`) : source), { mode: 0o600 });
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', cleanup);
  return { dir, worker, glue };
}

/** The threaded backend this process installed, so a second call reuses it instead of loading another. */
let installed: { threads: number; result: ThreadedWasmResult; factory: unknown } | null = null;

/**
 * Replaces the registered `wasm` backend with the threaded build. Must run before the wasm
 * backend is first initialised. Resolves with the thread count, or rejects with a reason (the
 * original backend factory is then registered again, so the caller can fall back).
 */
export async function registerThreadedWasm(
  tf: Tf,
  wasmPkg: WasmPkg,
  threads: number,
  timeoutMs = INIT_TIMEOUT_MS,
): Promise<ThreadedWasmResult> {
  if (typeof SharedArrayBuffer !== 'function') throw new Error('SharedArrayBuffer is not available');
  if (installed && installed.threads === threads && tf.findBackendFactory('wasm') === installed.factory) {
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend did not initialise');
    return installed.result;
  }
  const original = tf.findBackendFactory('wasm');
  if (!original) throw new Error('the wasm backend is not registered');
  const outDir = wasmOutDir();
  sweepStaleDirs();
  const { dir, worker, glue } = writeScripts(outDir, threads);
  const factory = createRequire(glue)(glue) as EmFactory;
  const binary = fs.readFileSync(path.join(outDir, BINARY));

  const config: Record<string, unknown> = {
    locateFile: (p: string) => (p.endsWith('.worker.js') ? worker : path.join(outDir, p)),
    mainScriptUrlOrBlob: glue,
    instantiateWasm: (
      info: { env: Record<string, unknown> },
      receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) => {
      // The pool is capped at (reported cores / 2): report enough for the threads asked for.
      info.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(binary, info as WebAssembly.Imports).then(
        (r) => receive(r.instance, r.module),
        (err) => fail(err),
      );
      return {};
    },
  };
  let fail: (err: unknown) => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  try {
    const mod = await new Promise<EmModule>((resolve, reject) => {
      fail = reject;
      config.onAbort = (what: unknown) => reject(new Error(`the threaded module aborted: ${String(what)}`));
      timer = setTimeout(() => reject(new Error(`the threaded module did not load within ${timeoutMs} ms`)), timeoutMs);
      factory(config).then(resolve, reject);
    });
    mod.tfjs = {
      init: mod.cwrap('init', null, []),
      initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
      registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: mod.cwrap('dispose_data', null, ['number']),
      dispose: mod.cwrap('dispose', null, []),
    };
    wasmPkg.setThreadsCount(threads);
    tf.removeBackend('wasm');
    const backendFactory = () => new wasmPkg.BackendWasm(mod as never);
    tf.registerBackend('wasm', backendFactory, 2);
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend did not initialise');
    // XNNPACK's pool threads wait for work forever; emscripten keeps their workers ref'd, which
    // would stop the process from ever exiting on its own (a CLI command, a test runner).
    for (const w of Object.values(mod.PThread?.pthreads ?? {})) w.unref?.();
    // Every pool worker has read its scripts by now (the pool is as large as XNNPACK's thread
    // count and is fully started before the module resolves): nothing is left to read from disk.
    fs.rmSync(dir, { recursive: true, force: true });
    const result = { threads: wasmPkg.getThreadsCount(), dir };
    installed = { threads, result, factory: backendFactory };
    return result;
  } catch (err) {
    (config.PThread as EmModule['PThread'])?.terminateAllThreads();
    if (tf.findBackendFactory('wasm') !== original) {
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', original, 2);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
