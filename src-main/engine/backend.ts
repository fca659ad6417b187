/**
 * Chooses the tfjs backend at start: `tensorflow` (tfjs-node, or tfjs-node-gpu) → `wasm` → `cpu`.
 * `LATENT_LAB_BACKEND=tensorflow|wasm|cpu` forces one; a forced backend that cannot load is an
 * error, never a silent fallback. The result records why each better backend was skipped.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { BackendName, BACKENDS, LabError, type BackendInfo } from '../../src-shared/types';
import { installWasmOverrides, wasmPaths } from './kernels/wasmOverrides';
import { wantedWasmThreads } from './kernels/wasmThreads';
import { envValue } from '../env';

const nodeRequire = createRequire(__filename);

let chosen: BackendInfo | null = null;

/** Kernels each model family needs for training; checked up front so nothing fails mid-epoch. */
export const REQUIRED_KERNELS = {
  dense: ['BatchMatMul', 'Sigmoid', 'Exp', 'Log1p', 'Relu', 'Sum', 'Mean'],
  conv: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
} as const;

/** Throws UNSUPPORTED naming the kernel and the backend when one is missing. */
export function assertKernels(names: readonly string[]): void {
  const backend = tf.getBackend();
  for (const name of names) {
    if (!tf.getKernel(name, backend)) {
      throw new LabError(
        'UNSUPPORTED',
        `the ${backend} backend has no ${name} kernel, which this model needs for training; ` +
          `use a dense model or install @tensorflow/tfjs-node`,
      );
    }
  }
}

async function tryTensorflow(): Promise<string | null> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      nodeRequire(pkg);
    } catch (err) {
      if (pkg.endsWith('-gpu')) continue;
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return /Cannot find module/.test(msg)
        ? '@tensorflow/tfjs-node is not installed (its native library could not be downloaded)'
        : `@tensorflow/tfjs-node failed to load: ${msg}`;
    }
    if (await tf.setBackend('tensorflow')) return null;
    return `${pkg} loaded but the tensorflow backend did not initialise`;
  }
  return '@tensorflow/tfjs-node is not installed';
}

/**
 * The stock (single-threaded) wasm build. The engine's thread keeps one thread, so it always
 * answers requests promptly; training runs in workers (parallel/trainParallel.ts), where tfjs
 * workers may load the threaded build (kernels/wasmThreads.ts, parallel/tfStepper.ts).
 */
async function tryWasm(): Promise<string | null> {
  try {
    const wasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmPaths());
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not initialise';
    await tf.ready();
    return null;
  } catch (err) {
    return `the wasm backend failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function tryCpu(): Promise<string | null> {
  return (await tf.setBackend('cpu')) ? null : 'the cpu backend did not initialise';
}

const loaders: Record<BackendName, () => Promise<string | null>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

/** Picks and initialises the backend once per process; later calls return the same answer. */
export async function initBackend(env: NodeJS.ProcessEnv = process.env): Promise<BackendInfo> {
  if (!chosen) chosen = await chooseBackend(env);
  return chosen;
}

/** Tries the backends in preference order (or only the forced one) and switches tfjs to the first that loads. */
export async function chooseBackend(env: NodeJS.ProcessEnv = process.env): Promise<BackendInfo> {
  const forcedRaw = envValue('LATENT_LAB_BACKEND', env)?.trim();
  let order: BackendName[] = [...BACKENDS];
  let forced = false;
  if (forcedRaw) {
    const parsed = BackendName.safeParse(forcedRaw);
    if (!parsed.success) {
      throw new LabError('UNSUPPORTED', `LATENT_LAB_BACKEND="${forcedRaw}" is not one of ${BACKENDS.join(', ')}`);
    }
    order = [parsed.data];
    forced = true;
  }
  let trainThreads: number;
  try {
    trainThreads = wantedWasmThreads(env);
  } catch (err) {
    throw new LabError('UNSUPPORTED', (err as Error).message);
  }
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const reason = await loaders[name]();
    if (reason === null) {
      await tf.ready();
      const overrides = name === 'wasm' ? installWasmOverrides(tf) : [];
      const info: BackendInfo = { backend: name, skipped, forced, overrides };
      if (name === 'wasm') {
        info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        // What XNNPACK runs on here: 1 (the threaded build loads only in tfjs training workers).
        info.threads = (nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm')).getThreadsCount();
        info.trainThreads = typeof SharedArrayBuffer === 'function' ? trainThreads : 1;
      }
      return info;
    }
    if (forced) throw new LabError('UNSUPPORTED', `LATENT_LAB_BACKEND=${name} was asked for, but ${reason}`);
    skipped.push({ backend: name, reason });
  }
  throw new LabError('UNSUPPORTED', `no tfjs backend could be loaded: ${skipped.map((s) => s.reason).join('; ')}`);
}

export function backendInfo(): BackendInfo | null {
  return chosen;
}

/**
 * A training worker could not load the threaded build: record it on the backend info (which
 * the engine reports), so the UI and logs say training runs on one thread, and why.
 */
export function noteTrainThreads(threads: number, note?: string): void {
  if (!chosen || chosen.backend !== 'wasm') return;
  chosen.trainThreads = threads;
  if (note) chosen.threadsNote = note;
}

/** A run started training: on the dense kernels (of the `simd` build) or tfjs, in this many threads. */
export function noteTrainPath(kernels: 'dense' | 'tfjs', threads: number, note?: string, simd?: 'relaxed' | 'plain'): void {
  if (chosen) chosen.training = { kernels, threads, ...(note ? { note } : {}), ...(simd ? { simd } : {}) };
}

export function describeBackend(info: BackendInfo): string {
  const threads = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
  const t = info.training;
  const train = t
    ? `; training on ${threads(t.threads)}${t.kernels === 'dense' ? ` with the dense kernels${t.simd === 'relaxed' ? ' (relaxed SIMD)' : ''}` : ''}${t.note ? ` (${t.note})` : ''}`
    : info.trainThreads && info.trainThreads !== (info.threads ?? 1)
      ? `; training on ${threads(info.trainThreads)}`
      : '';
  const extra = info.backend === 'wasm' ? ` (SIMD ${info.simd ? 'on' : 'off'}, ${threads(info.threads ?? 1)}${train})` : '';
  const why = info.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  const note = info.threadsNote ? ` — ${info.threadsNote}` : '';
  return `${info.backend}${extra}${info.forced ? ' [forced by LATENT_LAB_BACKEND]' : ''}${why ? ` — skipped ${why}` : ''}${note}`;
}
