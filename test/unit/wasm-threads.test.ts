/**
 * The multi-threaded wasm backend (kernels/wasmThreads.ts), as a tfjs training worker loads it
 * (parallel/tfStepper.ts, LATENT_LAB_DENSE=0): it loads in Node, really runs on the threads
 * asked for, computes what the single-threaded backends compute, and cleans up.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src-main/engine/backend';
import { initWorkerBackend } from '../../src-main/engine/parallel/tfStepper';
import { sweepStaleDirs, wantedWasmThreads, wasmInitTimeout } from '../../src-main/engine/kernels/wasmThreads';
import { mulberry32 } from '../../src-main/engine/datasets/random';

function randn(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** A dense layer's forward and both backward products, as one training step makes them. */
function denseProducts(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor2d(randn(96 * 300, 1), [96, 300]);
    const w = tf.tensor2d(randn(300 * 70, 2), [300, 70]);
    const b = tf.tensor1d(randn(70, 3));
    const dy = tf.tensor2d(randn(96 * 70, 4), [96, 70]);
    const outs = [
      tf.relu(tf.add(tf.matMul(x, w), b)),
      tf.matMul(dy, w, false, true), // dX = dY·Wᵀ
      tf.matMul(x, dy, true, false), // dW = Xᵀ·dY
      tf.sum(tf.mul(x, x), 0),
    ];
    return outs.map((t) => t.dataSync() as Float32Array);
  });
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

describe('multi-threaded wasm backend', () => {
  it('loads in Node with the threads asked for, says so, and matches the cpu backend', async () => {
    const notes = await initWorkerBackend('wasm', 2);
    expect(notes).toContain('wasm: 2 threads');
    expect(notes.join(' ')).toMatch(/BatchMatMul/); // the kernel overrides, as on the engine's thread
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmPkg.getThreadsCount()).toBe(2);
    // The worker scripts were written to a private folder, which is gone once the module loaded.
    const dirs = () => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`latent-lab-wasm-${process.pid}-`));
    expect(dirs()).toEqual([]);

    const threaded = denseProducts();
    await tf.setBackend('cpu');
    const reference = denseProducts();
    for (let i = 0; i < reference.length; i++) {
      expect(threaded[i].length).toBe(reference[i].length);
      expect(maxRelDiff(threaded[i], reference[i])).toBeLessThan(1e-4);
    }

    // Asking again reuses the loaded module instead of starting eight more workers.
    expect(await initWorkerBackend('wasm', 2)).toContain('wasm: 2 threads');
    expect(wasmPkg.getThreadsCount()).toBe(2);
    expect(dirs()).toEqual([]);
    // and a big product on the threads still computes after the scripts are gone
    const big = tf.tidy(() => tf.sum(tf.matMul(tf.ones([300, 200]), tf.ones([200, 100]))).dataSync()[0]);
    expect(big).toBe(300 * 200 * 100);
  });

  it('LATENT_LAB_WASM_THREADS is validated; the default is one thread per core, at most 4', () => {
    expect(wantedWasmThreads({ LATENT_LAB_WASM_THREADS: '3' })).toBe(3);
    const cores = os.availableParallelism();
    expect(wantedWasmThreads({})).toBe(Math.max(1, Math.min(4, cores)));
    for (const bad of ['0', '9', '1.5', 'two']) {
      expect(() => wantedWasmThreads({ LATENT_LAB_WASM_THREADS: bad })).toThrow(/LATENT_LAB_WASM_THREADS="[^"]+" must be a whole number from 1 to 8/);
    }
    expect(wasmInitTimeout({})).toBe(20_000);
    expect(wasmInitTimeout({ LATENT_LAB_WASM_INIT_TIMEOUT_MS: '50' })).toBe(50);
    expect(wasmInitTimeout({ LATENT_LAB_WASM_INIT_TIMEOUT_MS: 'soon' })).toBe(20_000);
  });

  it('a bad LATENT_LAB_WASM_THREADS is a clear UNSUPPORTED error at start', async () => {
    await expect(chooseBackend({ LATENT_LAB_WASM_THREADS: 'lots' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/LATENT_LAB_WASM_THREADS="lots"/),
    });
  });

  it('sweeps worker-script folders left by processes that are gone, and only those', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-sweep-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    const dead = path.join(tmp, `latent-lab-wasm-${deadPid}-abc`);
    const live = path.join(tmp, `latent-lab-wasm-${process.pid}-def`);
    const other = path.join(tmp, 'latent-lab-wasm-notapid');
    for (const d of [dead, live, other]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'x.js'), '//');
    }
    expect(sweepStaleDirs(tmp)).toBe(1);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.existsSync(other)).toBe(true);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
