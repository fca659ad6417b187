/**
 * When the threaded wasm build cannot load in time, the engine still starts: on the stock
 * single-threaded wasm backend, with the reason in the backend info (shown in the UI and logs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { chooseBackend, describeBackend } from '../../src-main/engine/backend';

describe('threaded wasm fallback', () => {
  it('falls back to one thread, says why, and leaves no worker folder behind', async () => {
    const info = await chooseBackend({ LATENT_LAB_BACKEND: 'wasm', LATENT_LAB_WASM_THREADS: '2', LATENT_LAB_WASM_INIT_TIMEOUT_MS: '1' }, { threadsHere: 2 });
    expect(info).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(info.threadsNote).toMatch(/threaded wasm build did not load \(the threaded module did not load within 1 ms\); using 1 thread/);
    expect(describeBackend(info)).toMatch(/using 1 thread$/);
    expect(wasmPkg.getThreadsCount()).toBe(1);
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`latent-lab-wasm-${process.pid}-`))).toEqual([]);
    // and the stock backend computes
    const y = tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([3, 2])).dataSync());
    expect(Array.from(y)).toEqual(Array(8).fill(3));
  });
});
