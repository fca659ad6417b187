/**
 * Our wasm SIMD GEMM (kernels/gemm.ts) on the threaded backend's shared heap: every layout the
 * dense layers' forward and backward passes use, edge sizes, bias and ReLU, against tfjs's cpu
 * backend; and the helper thread really takes its half.
 */
import * as tf from '@tensorflow/tfjs';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { installGemmOverrides, WasmGemm } from '../../src-main/engine/kernels/gemm';
import { installWasmOverrides, wasmPaths } from '../../src-main/engine/kernels/wasmOverrides';
import { registerThreadedWasm } from '../../src-main/engine/kernels/wasmThreads';
import { mulberry32 } from '../../src-main/engine/datasets/random';

let gemm: WasmGemm;
beforeAll(async () => {
  wasmPkg.setWasmPaths(wasmPaths());
  const { heap } = await registerThreadedWasm(tf, wasmPkg, 1);
  installWasmOverrides(tf);
  gemm = await WasmGemm.create(heap, { helper: true });
  expect(installGemmOverrides(tf, gemm).join(' ')).toMatch(/BatchMatMul: own wasm SIMD GEMM on 2 threads.*|_FusedMatMul/);
});

function data(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

interface Case {
  M: number;
  K: number;
  N: number;
  tA: boolean;
  tB: boolean;
  bias: boolean;
  relu: boolean;
  rank3: boolean;
}

function product(c: Case, seed: number): Float32Array {
  return tf.tidy(() => {
    const sa = c.tA ? [c.K, c.M] : [c.M, c.K];
    const sb = c.tB ? [c.N, c.K] : [c.K, c.N];
    let a: tf.Tensor = tf.tensor(data(c.M * c.K, seed), sa);
    let b: tf.Tensor = tf.tensor(data(c.K * c.N, seed + 1), sb);
    if (c.rank3) {
      a = a.reshape([1, ...sa]);
      b = b.reshape([1, ...sb]);
    }
    const bias = c.bias ? tf.tensor1d(data(c.N, seed + 2)) : undefined;
    const out =
      c.bias || c.relu
        ? tf.fused.matMul({ a, b, transposeA: c.tA, transposeB: c.tB, bias, activation: c.relu ? 'relu' : 'linear' })
        : tf.matMul(a, b, c.tA, c.tB);
    expect(out.shape).toEqual(c.rank3 ? [1, c.M, c.N] : [c.M, c.N]);
    return out.dataSync() as Float32Array;
  });
}

describe('own GEMM on the threaded wasm heap', () => {
  it('matches the cpu backend for the dense layers’ shapes, edge sizes, bias and ReLU', async () => {
    const r = mulberry32(7);
    const cases: Case[] = [
      // a VAE step's products (784-256-3): forward, dX = dY·Wᵀ, dW = Xᵀ·dY
      { M: 64, K: 784, N: 256, tA: false, tB: false, bias: true, relu: true, rank3: false },
      { M: 64, K: 256, N: 784, tA: false, tB: true, bias: false, relu: false, rank3: false },
      { M: 784, K: 64, N: 256, tA: true, tB: false, bias: false, relu: false, rank3: false },
      { M: 64, K: 256, N: 3, tA: false, tB: false, bias: true, relu: false, rank3: true },
      { M: 3, K: 64, N: 256, tA: true, tB: false, bias: false, relu: false, rank3: true },
      { M: 64, K: 3, N: 256, tA: false, tB: false, bias: true, relu: true, rank3: false },
    ];
    for (let i = 0; i < 40; i++) {
      const pick = (n: number) => 1 + Math.floor(r() * n);
      cases.push({ M: pick(19), K: pick(23), N: pick(29), tA: r() < 0.5, tB: r() < 0.5, bias: r() < 0.3, relu: r() < 0.3, rank3: r() < 0.2 });
    }
    const ours = cases.map((c, i) => product(c, 10 * i));
    const missesBefore = gemm.misses;
    await tf.setBackend('cpu');
    const want = cases.map((c, i) => product(c, 10 * i));
    await tf.setBackend('wasm');
    for (let i = 0; i < cases.length; i++) {
      expect(ours[i].length).toBe(want[i].length);
      let worst = 0;
      for (let q = 0; q < want[i].length; q++) worst = Math.max(worst, Math.abs(ours[i][q] - want[i][q]) / (1 + Math.abs(want[i][q])));
      expect(worst, JSON.stringify(cases[i])).toBeLessThan(1e-4);
    }
    expect(gemm.misses).toBe(missesBefore);
  });

  it('the helper thread takes its half of large products', () => {
    const before = gemm.misses;
    const y = tf.tidy(() => tf.sum(tf.matMul(tf.ones([200, 300]), tf.ones([300, 160]))).dataSync()[0]);
    expect(y).toBe(200 * 300 * 160);
    expect(gemm.threads).toBe(2);
    // A job the helper did not take within 20 ms is done by the caller and counted; on an idle
    // machine the helper takes every one.
    expect(gemm.misses - before).toBeLessThanOrEqual(1);
  });

  it('leaves batched products to the previous kernels', () => {
    const batched = tf.tidy(() => Array.from(tf.matMul(tf.ones([2, 2, 3]), tf.ones([2, 3, 2])).dataSync()));
    expect(batched).toEqual(Array(8).fill(3));
  });
});
