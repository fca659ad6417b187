import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { assertKernels, chooseBackend, describeBackend, REQUIRED_KERNELS } from '../../src-main/engine/backend';

const tfjsNodeInstalled = existsSync(path.resolve(__dirname, '../../node_modules/@tensorflow/tfjs-node/package.json'));

describe('backend choice', () => {
  it('prefers tensorflow, then wasm, and says why it skipped the better ones', async () => {
    const info = await chooseBackend({});
    expect(info.forced).toBe(false);
    if (tfjsNodeInstalled) {
      expect(info.backend).toBe('tensorflow');
    } else {
      expect(info.backend).toBe('wasm');
      expect(info.skipped).toEqual([{ backend: 'tensorflow', reason: expect.stringMatching(/tfjs-node/) }]);
      expect(info.simd).toBe(true);
      expect(info.overrides.join(' ')).toMatch(/BatchMatMul/);
      // The engine's own thread keeps one thread (requests stay prompt); training gets the cores.
      const cores = Math.max(1, Math.min(4, os.availableParallelism()));
      expect(info.threads).toBe(1);
      expect(info.trainThreads).toBe(cores);
      expect(describeBackend(info)).toMatch(cores > 1 ? new RegExp(`^wasm \\(SIMD on, 1 thread; training on ${cores} threads\\) — skipped tensorflow: `) : /^wasm \(SIMD on, 1 thread\) — skipped/);
    }
    expect(tf.getBackend()).toBe(info.backend);
  });

  it('LATENT_LAB_BACKEND forces a backend', async () => {
    const info = await chooseBackend({ LATENT_LAB_BACKEND: 'cpu' });
    expect(info).toMatchObject({ backend: 'cpu', forced: true, skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('forcing a backend that cannot load is a clear error, not a fallback', async () => {
    if (tfjsNodeInstalled) return;
    await expect(chooseBackend({ LATENT_LAB_BACKEND: 'tensorflow' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/LATENT_LAB_BACKEND=tensorflow was asked for, but @tensorflow\/tfjs-node/),
    });
    await expect(chooseBackend({ LATENT_LAB_BACKEND: 'gpu' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/not one of tensorflow, wasm, cpu/),
    });
  });

  it('a model needing a kernel the backend lacks is refused up front, naming both', async () => {
    await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
    expect(() => assertKernels(REQUIRED_KERNELS.dense)).not.toThrow();
    // Conv2DBackpropFilter is added by kernels/conv2dBackpropFilter.ts (its refusal without it: conv-backprop-filter.test.ts).
    expect(() => assertKernels(REQUIRED_KERNELS.conv)).not.toThrow();
    expect(() => assertKernels(['NoSuchKernel'])).toThrow(/the wasm backend has no NoSuchKernel kernel/);
  });
});
