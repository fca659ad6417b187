/**
 * Exactness and leak tests for the wasm kernel overrides (src-main/engine/kernels/).
 * Every overridden kernel is compared with the original wasm kernel (overrides uninstalled)
 * and with the cpu backend, for all transpose combinations and batched/unbatched shapes.
 * No timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  installWasmOverrides,
  uninstallWasmOverrides,
  wasmPaths,
  OVERRIDDEN_KERNELS,
} from '../../src-main/engine/kernels/wasmOverrides';
import { bceWithLogitsSum } from '../../src-main/engine/kernels/fusedLoss';
import { mulberry32 } from '../../src-main/engine/datasets/random';

// ---------- helpers ----------

const rnd = mulberry32(12345);
const randArray = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rnd());
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** max |a-b| / max |b| (norm-wise relative error); 0 when both are all zero. */
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

/** Runs `f` on `backend` with fresh tensors, returns its result as arrays, switches back to wasm. */
function onBackend<T extends tf.Tensor | tf.Tensor[]>(backend: string, f: () => T): { data: Float32Array[]; shapes: number[][] } {
  tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const r = f();
      const list = Array.isArray(r) ? r : [r];
      return { data: list.map((t) => t.dataSync() as Float32Array), shapes: list.map((t) => t.shape) };
    });
  } finally {
    tf.setBackend('wasm');
  }
}

/** Runs `f` on wasm with the original (non-overridden) kernels. */
function withOriginalKernels<R>(f: () => R): R {
  uninstallWasmOverrides(tf);
  try {
    return f();
  } finally {
    installWasmOverrides(tf);
  }
}

function wasmBackend() {
  return tf.findBackend('wasm') as unknown as {
    numDataIds(): number;
    wasm: { HEAPU8: Uint8Array };
  };
}

function memorySnapshot() {
  const b = wasmBackend();
  return { numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes, numDataIds: b.numDataIds(), heap: b.wasm.HEAPU8.byteLength };
}

let applied: string[] = [];

beforeAll(async () => {
  setWasmPaths(wasmPaths());
  await tf.setBackend('wasm');
  await tf.ready();
  applied = installWasmOverrides(tf);
});

afterAll(() => {
  uninstallWasmOverrides(tf);
});

// ---------- API ----------

describe('installWasmOverrides / wasmPaths', () => {
  it('returns human-readable descriptions and is idempotent', () => {
    expect(applied).toContain('BatchMatMul: transposes materialised');
    expect(applied.some((d) => d.startsWith('_FusedMatMul: transposes materialised'))).toBe(true);
    expect(applied.some((d) => d.startsWith('Identity:'))).toBe(true);
    const before = OVERRIDDEN_KERNELS.map((k) => tf.getKernel(k, 'wasm').kernelFunc);
    expect(installWasmOverrides(tf)).toEqual(applied);
    const after = OVERRIDDEN_KERNELS.map((k) => tf.getKernel(k, 'wasm').kernelFunc);
    expect(after).toEqual(before); // not wrapped twice
  });

  it('uninstall restores the original kernels, reinstall wraps again', () => {
    const wrapped = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
    expect(uninstallWasmOverrides(tf).sort()).toEqual([...OVERRIDDEN_KERNELS].sort());
    const original = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
    expect(original).not.toBe(wrapped);
    expect(uninstallWasmOverrides(tf)).toEqual([]);
    installWasmOverrides(tf);
    expect(tf.getKernel('BatchMatMul', 'wasm').kernelFunc).not.toBe(original);
  });

  it('wasmPaths() points at the package dist/ folder holding the .wasm binaries', () => {
    const p = wasmPaths();
    expect(p.endsWith(path.sep)).toBe(true);
    expect(fs.existsSync(path.join(p, 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
    expect(fs.existsSync(path.join(p, 'tfjs-backend-wasm.wasm'))).toBe(true);
  });
});

// ---------- BatchMatMul ----------

type MMCase = { a: number[]; b: number[]; label: string };
/** Shapes given for transposeA = transposeB = false; transposed variants swap the last two dims. */
const mmCases: MMCase[] = [
  { label: '2D', a: [7, 13], b: [13, 5] },
  { label: '2D dense-layer-like', a: [64, 96], b: [96, 48] },
  { label: '2D m=1', a: [1, 17], b: [17, 9] },
  { label: '2D n=1', a: [11, 17], b: [17, 1] },
  { label: '2D k=1 (outer product)', a: [12, 1], b: [1, 10] },
  { label: '2D latent-sized', a: [33, 3], b: [3, 40] },
  { label: '3D batched', a: [4, 9, 14], b: [4, 14, 6] },
  { label: '3D batch broadcast a', a: [1, 9, 14], b: [3, 14, 6] },
  { label: '3D batch broadcast b', a: [3, 9, 14], b: [1, 14, 6] },
  { label: '4D batched', a: [2, 3, 5, 8], b: [2, 3, 8, 4] },
];
const swapLast2 = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
const transposeCombos: Array<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

describe('BatchMatMul override', () => {
  for (const c of mmCases) {
    for (const [tA, tB] of transposeCombos) {
      it(`${c.label} a=${c.a} b=${c.b} transposeA=${tA} transposeB=${tB}`, () => {
        const aShape = tA ? swapLast2(c.a) : c.a;
        const bShape = tB ? swapLast2(c.b) : c.b;
        const aData = randArray(size(aShape));
        const bData = randArray(size(bShape));
        const f = () => tf.matMul(tf.tensor(aData, aShape), tf.tensor(bData, bShape), tA, tB);

        const ours = onBackend('wasm', f);
        const original = withOriginalKernels(() => onBackend('wasm', f));
        const cpu = onBackend('cpu', f);
        expect(ours.shapes).toEqual(cpu.shapes);
        expect(relErr(ours.data[0], original.data[0])).toBeLessThan(1e-5);
        expect(relErr(ours.data[0], cpu.data[0])).toBeLessThan(1e-5);
      });
    }
  }

  it('goes through the overridden kernel (flags cleared before the original is called)', () => {
    const seen: Array<{ transposeA: boolean; transposeB: boolean }> = [];
    // Wrap the *original* under the override by reinstalling on top of a spy.
    uninstallWasmOverrides(tf);
    const orig = tf.getKernel('BatchMatMul', 'wasm');
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({
      ...orig,
      kernelFunc: (args) => {
        seen.push({ ...(args.attrs as { transposeA: boolean; transposeB: boolean }) });
        return orig.kernelFunc(args);
      },
    });
    installWasmOverrides(tf);
    try {
      tf.tidy(() => tf.matMul(tf.ones([3, 4]), tf.ones([5, 4]), false, true).dataSync());
      tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([4, 5]), true, false).dataSync());
      expect(seen).toEqual([
        { transposeA: false, transposeB: false },
        { transposeA: false, transposeB: false },
      ]);
    } finally {
      uninstallWasmOverrides(tf); // removes our override, leaving the spy
      tf.unregisterKernel('BatchMatMul', 'wasm');
      tf.registerKernel(orig);
      installWasmOverrides(tf);
    }
  });
});

// ---------- _FusedMatMul ----------

describe('_FusedMatMul override', () => {
  const fusedCases: MMCase[] = [
    { label: '2D', a: [7, 13], b: [13, 5] },
    { label: '2D dense-layer-like', a: [32, 64], b: [64, 40] },
    { label: '2D n=1', a: [9, 6], b: [6, 1] },
    { label: '3D batched', a: [3, 6, 10], b: [3, 10, 4] },
    { label: '3D shared b', a: [3, 6, 10], b: [1, 10, 4] },
    { label: '3D shared a', a: [1, 6, 10], b: [3, 10, 4] },
  ];
  const activations: Array<'linear' | 'relu' | 'elu' | 'sigmoid' | 'relu6' | 'leakyrelu' | 'prelu'> = [
    'linear',
    'relu',
    'elu',
    'sigmoid',
    'relu6',
    'leakyrelu',
    'prelu',
  ];
  for (const c of fusedCases) {
    for (const [tA, tB] of transposeCombos) {
      for (const activation of activations) {
        it(`${c.label} a=${c.a} b=${c.b} transposeA=${tA} transposeB=${tB} bias+${activation}`, () => {
          const aShape = tA ? swapLast2(c.a) : c.a;
          const bShape = tB ? swapLast2(c.b) : c.b;
          const n = c.b[c.b.length - 1];
          const aData = randArray(size(aShape));
          const bData = randArray(size(bShape));
          const biasData = randArray(n);
          const preluData = randArray(n, 0, 0.5);
          const f = () =>
            tf.fused.matMul({
              a: tf.tensor(aData, aShape),
              b: tf.tensor(bData, bShape),
              transposeA: tA,
              transposeB: tB,
              bias: tf.tensor1d(biasData),
              activation,
              preluActivationWeights: activation === 'prelu' ? tf.tensor1d(preluData) : undefined,
              leakyreluAlpha: 0.1,
            });
          const ours = onBackend('wasm', f);
          const original = withOriginalKernels(() => onBackend('wasm', f));
          const cpu = onBackend('cpu', f);
          expect(ours.shapes).toEqual(cpu.shapes);
          expect(relErr(ours.data[0], cpu.data[0])).toBeLessThan(1e-5);
          // The original wasm kernel adds a wrong bias in its fallback loop (any transpose, or
          // batch > 1) in tfjs 4.22; compare with it wherever it agrees with cpu.
          const originalIsRight = relErr(original.data[0], cpu.data[0]) < 1e-5;
          const fastPath = !tA && !tB && c.a.length === 2;
          if (fastPath) expect(originalIsRight).toBe(true);
          if (originalIsRight) expect(relErr(ours.data[0], original.data[0])).toBeLessThan(1e-5);
        });
      }
    }
    it(`${c.label} without bias, transposeA+transposeB`, () => {
      const aShape = swapLast2(c.a);
      const bShape = swapLast2(c.b);
      const aData = randArray(size(aShape));
      const bData = randArray(size(bShape));
      const f = () => tf.fused.matMul({ a: tf.tensor(aData, aShape), b: tf.tensor(bData, bShape), transposeA: true, transposeB: true });
      const ours = onBackend('wasm', f);
      const cpu = onBackend('cpu', f);
      expect(relErr(ours.data[0], cpu.data[0])).toBeLessThan(1e-5);
    });
  }
});

// ---------- Identity ----------

describe('Identity override', () => {
  it('clone has equal values and survives disposal of the source (and vice versa)', () => {
    const data = randArray(60);
    const x = tf.tensor(data, [6, 10]);
    const y = tf.clone(x);
    expect(y.shape).toEqual([6, 10]);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(Array.from(data));
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual(Array.from(data));
    z.dispose();
  });

  it('works for int32 and bool tensors', () => {
    const i = tf.tensor1d([1, -2, 3], 'int32');
    const b = tf.tensor1d([1, 0, 1], 'bool');
    const ic = tf.clone(i);
    const bc = tf.clone(b);
    expect(ic.dtype).toBe('int32');
    expect(bc.dtype).toBe('bool');
    expect(Array.from(ic.dataSync())).toEqual([1, -2, 3]);
    expect(Array.from(bc.dataSync())).toEqual([1, 0, 1]);
    tf.dispose([i, b, ic, bc]);
  });

  it('variables and assign are unaffected', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([4, 5, 6]));
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([4, 5, 6]);
    tf.dispose([v, snapshot]);
  });
});

// ---------- gradients of a small Dense model ----------

type Params = { shapes: number[][]; values: Float32Array[] };

function denseVaeParams(dims: { inp: number; hid: number; lat: number }): Params {
  const { inp, hid, lat } = dims;
  const shapes = [
    [inp, hid], [hid], // encoder
    [hid, lat], [lat], // z_mean
    [hid, lat], [lat], // z_log_var
    [lat, hid], [hid], // decoder hidden
    [hid, inp], [inp], // decoder out
  ];
  return { shapes, values: shapes.map((s) => randArray(size(s), -0.3, 0.3)) };
}

/** Loss and gradients of a Dense VAE built from tf.layers (fused matmuls + Dense backward). */
function denseVaeGrads(params: Params, xData: Float32Array, epsData: Float32Array, batch: number, dims: { inp: number; hid: number; lat: number }, lossKind: 'probs' | 'fused') {
  const { inp, hid, lat } = dims;
  const enc = tf.layers.dense({ units: hid, activation: 'relu', inputShape: [inp] });
  const mu = tf.layers.dense({ units: lat });
  const lv = tf.layers.dense({ units: lat });
  const dh = tf.layers.dense({ units: hid, activation: 'relu', inputShape: [lat] });
  const out = tf.layers.dense({ units: inp, activation: lossKind === 'probs' ? 'sigmoid' : 'linear' });
  const layers = [enc, mu, lv, dh, out];
  const inShapes = [[null, inp], [null, hid], [null, hid], [null, lat], [null, hid]];
  layers.forEach((l, i) => l.build(inShapes[i]));
  layers.forEach((l, i) => l.setWeights([tf.tensor(params.values[2 * i], params.shapes[2 * i]), tf.tensor(params.values[2 * i + 1], params.shapes[2 * i + 1])]));
  const x = tf.tensor2d(xData, [batch, inp]);
  const eps = tf.tensor2d(epsData, [batch, lat]);
  const vars = layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  const { value, grads } = tf.variableGrads(() => {
    const h = enc.apply(x) as tf.Tensor;
    const m = mu.apply(h) as tf.Tensor;
    const v = lv.apply(h) as tf.Tensor;
    const z = tf.add(m, tf.mul(tf.exp(tf.mul(0.5, v)), eps));
    const o = out.apply(dh.apply(z)) as tf.Tensor;
    let recon: tf.Tensor;
    if (lossKind === 'probs') {
      const p = tf.clipByValue(o, 1e-7, 1 - 1e-7);
      recon = tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))), -1));
    } else {
      recon = bceWithLogitsSum(tf, o, x);
    }
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, v), tf.add(tf.square(m), tf.exp(v))), -1));
    return tf.mean(tf.add(recon, kl)) as tf.Scalar;
  }, vars);
  const result = [value, ...vars.map((vv) => grads[vv.name])];
  for (const l of layers) for (const w of l.weights) w.dispose();
  return result;
}

describe('gradients of a small Dense model match the cpu backend', () => {
  const dims = { inp: 20, hid: 12, lat: 3 };
  const batch = 8;
  for (const lossKind of ['probs', 'fused'] as const) {
    it(`Dense VAE ${dims.inp}-${dims.hid}-${dims.lat}, loss=${lossKind}`, () => {
      const params = denseVaeParams(dims);
      const xData = randArray(batch * dims.inp, 0, 1);
      const epsData = randArray(batch * dims.lat, -2, 2);
      const f = () => denseVaeGrads(params, xData, epsData, batch, dims, lossKind);
      const wasm = onBackend('wasm', f);
      const cpu = onBackend('cpu', f);
      const original = withOriginalKernels(() => onBackend('wasm', f));
      expect(wasm.shapes).toEqual(cpu.shapes);
      expect(wasm.data.length).toBe(11); // loss + 10 gradients
      for (let i = 0; i < wasm.data.length; i++) {
        expect(relErr(wasm.data[i], cpu.data[i]), `tensor ${i}`).toBeLessThan(1e-4);
        expect(relErr(wasm.data[i], original.data[i]), `tensor ${i}`).toBeLessThan(1e-4);
      }
    });
  }
});

// ---------- fused BCE loss ----------

describe('bceWithLogitsSum', () => {
  it('equals the clipped-probability BCE value and its gradient on cpu and wasm', () => {
    const n = 6;
    const d = 30;
    const lData = randArray(n * d, -8, 8);
    const xData = randArray(n * d, 0, 1);
    const reference = () => {
      const l = tf.tensor2d(lData, [n, d]);
      const x = tf.tensor2d(xData, [n, d]);
      const g = tf.valueAndGrads((ll: tf.Tensor) => {
        const p = tf.sigmoid(ll);
        return tf.sum(tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))), -1)));
      })([l]);
      return [g.value, g.grads[0]];
    };
    const fused = () => {
      const l = tf.tensor2d(lData, [n, d]);
      const x = tf.tensor2d(xData, [n, d]);
      const g = tf.valueAndGrads((ll: tf.Tensor) => tf.sum(bceWithLogitsSum(tf, ll, x)))([l]);
      return [g.value, g.grads[0]];
    };
    for (const backend of ['cpu', 'wasm']) {
      const r = onBackend(backend, reference);
      const ff = onBackend(backend, fused);
      expect(relErr(ff.data[0], r.data[0])).toBeLessThan(1e-5);
      expect(relErr(ff.data[1], r.data[1])).toBeLessThan(1e-5);
    }
  });

  it('is finite for large logits', () => {
    const v = onBackend('wasm', () => bceWithLogitsSum(tf, tf.tensor2d([[200, -200, 90, -90]]), tf.tensor2d([[0, 1, 0.5, 0.5]])));
    expect(Number.isFinite(v.data[0][0])).toBe(true);
    expect(v.data[0][0]).toBeCloseTo(200 + 200 + 45 + 45, 2);
  });
});

// ---------- no leaks ----------

describe('no leaks across 100 calls', () => {
  const cases: Array<{ label: string; run: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor }> = [
    { label: 'BatchMatMul tA', run: (a, b) => tf.matMul(a, b, true, false) },
    { label: 'BatchMatMul tB', run: (a) => tf.matMul(a, a, false, true) },
    { label: 'BatchMatMul tA+tB', run: (a, b) => tf.matMul(a, b, true, true) },
    { label: 'BatchMatMul k=1 reshape path', run: (a) => tf.matMul(tf.slice(a, [0, 0], [1, -1]), tf.slice(a, [0, 0], [1, -1]), true, false) },
    { label: '_FusedMatMul tA+tB bias relu', run: (a, b) => tf.fused.matMul({ a, b, transposeA: true, transposeB: true, bias: tf.ones([256]), activation: 'relu' }) },
    { label: '_FusedMatMul batched bias (split path)', run: (a, b) => tf.fused.matMul({ a: tf.stack([a, a]), b: tf.stack([b.slice([0, 0], [192, 256]), b.slice([0, 0], [192, 256])]), bias: tf.ones([256]), activation: 'elu' }) },
    { label: '_FusedMatMul batched a, shared b (fold path)', run: (a, b) => tf.fused.matMul({ a: tf.stack([a, a]), b: tf.slice(b, [0, 0], [192, 256]), bias: tf.ones([256]), activation: 'relu' }) },
    { label: 'Identity (clone)', run: (a) => tf.clone(a) },
  ];
  for (const c of cases) {
    it(c.label, () => {
      // a: [256, 192] (64k floats): a leaked transpose per call would add ~25 MB over 100 calls.
      const a = tf.tensor2d(randArray(256 * 192), [256, 192]);
      const b = tf.tensor2d(randArray(256 * 256), [256, 256]);
      for (let i = 0; i < 3; i++) tf.tidy(() => c.run(a, b).dataSync()); // warm-up (xnn caches, heap)
      const before = memorySnapshot();
      for (let i = 0; i < 100; i++) tf.tidy(() => c.run(a, b).dataSync());
      const after = memorySnapshot();
      tf.dispose([a, b]);
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      expect(after.numDataIds).toBe(before.numDataIds);
      expect(after.heap).toBe(before.heap);
    });
  }

  it('a full training step (optimizer.minimize) does not leak', () => {
    const dims = { inp: 784, hid: 64, lat: 3 };
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: dims.hid, activation: 'relu', inputShape: [dims.inp] }),
        tf.layers.dense({ units: dims.lat }),
        tf.layers.dense({ units: dims.hid, activation: 'relu' }),
        tf.layers.dense({ units: dims.inp, activation: 'sigmoid' }),
      ],
    });
    const opt = tf.train.adam(1e-3);
    const x = tf.tensor2d(randArray(64 * dims.inp, 0, 1), [64, dims.inp]);
    const step = () => {
      const l = opt.minimize(() => tf.losses.sigmoidCrossEntropy(x, model.apply(x) as tf.Tensor) as tf.Scalar, true);
      l!.dataSync();
      l!.dispose();
    };
    for (let i = 0; i < 3; i++) step();
    const before = memorySnapshot();
    for (let i = 0; i < 100; i++) step();
    const after = memorySnapshot();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataIds).toBe(before.numDataIds);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.heap).toBe(before.heap);
    tf.dispose([x]);
    model.dispose();
    opt.dispose();
  });
});
