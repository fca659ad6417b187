/**
 * The wasm Conv2DBackpropFilter kernel (src-main/engine/kernels/conv2dBackpropFilter.ts) against
 * the cpu backend's: the kernel itself over strides, paddings and odd sizes, and whole-model
 * gradients of conv VAEs (Conv2D and Conv2DTranspose layers) through tfjs autodiff. No timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmOverrides, uninstallWasmOverrides, wasmPaths } from '../../src-main/engine/kernels/wasmOverrides';
import {
  CONV2D_BACKPROP_FILTER_DESCRIPTION,
  registerConv2DBackpropFilter,
  unregisterConv2DBackpropFilter,
} from '../../src-main/engine/kernels/conv2dBackpropFilter';
import { assertKernels, REQUIRED_KERNELS } from '../../src-main/engine/backend';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { buildModel, trainableVariables } from '../../src-main/engine/models/build';
import { forwardLoss } from '../../src-main/engine/models/loss';
import { ModelConfig } from '../../src-shared/types';

const rnd = mulberry32(777);
const randArray = (n: number) => Float32Array.from({ length: n }, () => rnd() * 2 - 1);
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** max |a − b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

function on<T>(backend: string, f: () => T): T {
  tf.setBackend(backend);
  try {
    return f();
  } finally {
    tf.setBackend('wasm');
  }
}

let applied: string[] = [];
beforeAll(async () => {
  setWasmPaths(wasmPaths());
  await tf.setBackend('wasm');
  await tf.ready();
  applied = installWasmOverrides(tf);
});
afterAll(() => uninstallWasmOverrides(tf));

describe('registration', () => {
  it('installWasmOverrides adds the kernel the wasm backend lacks, once, and says so', () => {
    expect(applied).toContain(CONV2D_BACKPROP_FILTER_DESCRIPTION);
    const k = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(k).toBeDefined();
    expect(registerConv2DBackpropFilter(tf)).toEqual([CONV2D_BACKPROP_FILTER_DESCRIPTION]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(k);
    expect(() => assertKernels(REQUIRED_KERNELS.conv)).not.toThrow();
  });

  it('without it a conv model is refused up front; a kernel already there (not ours) is left alone', () => {
    expect(unregisterConv2DBackpropFilter(tf)).toBe(true);
    try {
      expect(() => assertKernels(REQUIRED_KERNELS.conv)).toThrow(/the wasm backend has no Conv2DBackpropFilter kernel/);
      const foreign = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: () => ({}) as never };
      tf.registerKernel(foreign);
      expect(registerConv2DBackpropFilter(tf)).toEqual([]);
      expect(unregisterConv2DBackpropFilter(tf)).toBe(false);
      tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    } finally {
      registerConv2DBackpropFilter(tf);
    }
  });
});

type Case = { x: number[]; filter: [number, number, number, number]; strides: number | [number, number]; pad: 'same' | 'valid' };
const cases: Case[] = [
  { x: [3, 28, 28, 1], filter: [3, 3, 1, 4], strides: 2, pad: 'same' }, // Keras example, first layer
  { x: [2, 14, 14, 5], filter: [3, 3, 5, 6], strides: 2, pad: 'same' }, // 14 → 7
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' }, // odd: 7 → 4, padding 1/1
  { x: [2, 32, 32, 3], filter: [4, 4, 3, 8], strides: 2, pad: 'same' }, // 4×4 stages
  { x: [2, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 10, 10, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' }, // the last row is never read
  { x: [2, 10, 11, 2], filter: [4, 3, 2, 3], strides: [3, 2], pad: 'same' }, // rectangular, uneven strides
  { x: [1, 7, 7, 2], filter: [3, 3, 2, 3], strides: 1, pad: 'same' },
  { x: [4, 6, 5, 2], filter: [2, 5, 2, 3], strides: 1, pad: 'valid' },
  { x: [2, 5, 5, 3], filter: [5, 5, 3, 2], strides: 1, pad: 'valid' }, // output 1×1
];

describe('Conv2DBackpropFilter equals the cpu kernel', () => {
  for (const c of cases) {
    it(`x ${c.x} filter ${c.filter} strides ${c.strides} ${c.pad}`, () => {
      const xData = randArray(size(c.x));
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xData, c.x as [number, number, number, number]);
          const outShape = tf.conv2d(x, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape;
          const dy = tf.tensor4d(Float32Array.from({ length: size(outShape) }, (_, i) => Math.sin(1 + i * 0.7)), outShape);
          const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as never) as tf.Tensor;
          return { shape: dw.shape, data: dw.dataSync().slice() };
        });
      const before = { tensors: tf.memory().numTensors, ids: (tf.backend() as unknown as { numDataIds(): number }).numDataIds() };
      const wasm = run();
      expect(tf.memory().numTensors).toBe(before.tensors);
      expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(before.ids);
      const cpu = on('cpu', run);
      expect(wasm.shape).toEqual(c.filter);
      expect(relErr(wasm.data, cpu.data)).toBeLessThan(2e-5);
    });
  }
});

describe('whole conv models: gradients of every weight equal the cpu backend\'s', () => {
  for (const [side, channels, filters] of [
    [28, 1, [4, 6]],
    [32, 3, [3, 4, 5]],
  ] as const) {
    for (const kind of ['vae', 'cvae'] as const) {
      it(`${kind} ${side}×${side}×${channels}`, () => {
        const D = side * side * channels;
        const config = ModelConfig.parse({ kind, arch: 'conv', latentDim: 2, hidden: [8], convFilters: [...filters] });
        const spec = { config, inputDim: D, numClasses: 3, output: 'bernoulli' as const };
        const xData = Float32Array.from({ length: 6 * D }, () => rnd());
        const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
        const grads = (backend: string) =>
          on(backend, () => {
            const b = buildModel(spec, 7); // same seed: same weights on both backends
            try {
              return tf.tidy(() => {
                const x = tf.tensor2d(xData, [6, D]);
                const y = kind === 'cvae' ? tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D : null;
                const { grads: g } = tf.variableGrads(() => {
                  const p = forwardLoss(b, x, y, { training: true, seed: 3 });
                  return tf.add(p.recon, p.kl) as tf.Scalar;
                }, trainableVariables(b));
                return trainableVariables(b).map((v) => g[v.name].dataSync().slice());
              });
            } finally {
              b.encoder.dispose();
              b.decoder.dispose();
            }
          });
        const wasm = grads('wasm');
        const cpu = grads('cpu');
        expect(wasm.length).toBe(cpu.length);
        wasm.forEach((g, i) => expect(relErr(g, cpu[i])).toBeLessThan(1e-4));
      });
    }
  }
});
