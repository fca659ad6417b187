/**
 * When the threaded wasm build cannot load in time, a tfjs training worker still starts: on the
 * stock single-threaded wasm backend, with the reason in its notes (the trainer puts it in the
 * backend info, shown in the UI and logs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initWorkerBackend } from '../../src-main/engine/parallel/tfStepper';

describe('threaded wasm fallback', () => {
  it('falls back to one thread, says why, and leaves no worker folder behind', async () => {
    const notes = await initWorkerBackend('wasm', 2, 1);
    expect(notes).toContainEqual(expect.stringMatching(/^wasm: 1 thread \(the threaded build did not load: the threaded module did not load within 1 ms\)$/));
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmPkg.getThreadsCount()).toBe(1);
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`latent-lab-wasm-${process.pid}-`))).toEqual([]);
    // and the stock backend computes
    const y = tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([3, 2])).dataSync());
    expect(Array.from(y)).toEqual(Array(8).fill(3));
  });
});
