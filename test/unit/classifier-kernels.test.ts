/**
 * The classifier on the training kernels (kernels/dense/classifierPlan.ts + DenseNet's
 * classifier program + dense.c's softmax_xent): the softmax cross-entropy and its gradient equal
 * tfjs's; a whole classifier step's gradient equals tfjs's autodiff through the saved tfjs model
 * (classifier/model.ts), for grey 28×28 and colour 32×32; the threads' shares add up to the
 * whole batch's; the kernels' forward pass gives the tfjs model's logits; the shift augmentation
 * (affine, bilinear) moves images by whole pixels exactly, turns and zooms about the centre.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildClassifierModel, classifierLayers, LOGITS_LAYER } from '../../src-main/engine/classifier/model';
import { flatWeights } from '../../src-main/engine/classifier/classifier';
import { planClassifier, type ClassifierLayers } from '../../src-main/engine/kernels/dense/classifierPlan';
import { createDenseMemory } from '../../src-main/engine/kernels/dense/densePlan';
import { augmentImages } from '../../src-main/engine/kernels/dense/augment';
import { DenseNet } from '../../src-main/engine/kernels/dense/denseNet';
import { instantiateKernels, kernelModule } from '../../src-main/engine/kernels/dense/kernelModule';
import { rand, expectClose } from './kernelCompare';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Small layers of the real architecture's shape (fewer filters), without dropout or shifts. */
function small(image: [number, number, number], classes = 4): ClassifierLayers {
  const real = classifierLayers(image, classes);
  return { ...real, convs: real.convs.map((c, i) => ({ ...c, filters: 3 + i })), hidden: [6], dropout: 0, augment: null };
}

function data(m: number, D: number, classes: number, seed: number): { x: Float32Array; y: Int32Array } {
  const r = rand(seed);
  return { x: Float32Array.from({ length: m * D }, () => r()), y: Int32Array.from({ length: m }, (_, i) => (i * 7 + seed) % classes) };
}

/** tfjs's gradient of the mean softmax cross-entropy through the model's logits, flat in weight order. */
function tfjsGradient(model: tf.LayersModel, x: Float32Array, y: Int32Array, m: number): { g: Float32Array; ce: number } {
  const logitsModel = tf.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor });
  const K = model.outputs[0].shape[1] as number;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let ce = 0;
  const { grads, value } = tf.variableGrads(() => {
    const logits = logitsModel.apply(tf.tensor2d(x, [m, x.length / m]), { training: true }) as tf.Tensor2D;
    const per = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), K), logits, undefined, undefined, tf.Reduction.NONE);
    ce = tf.sum(per).dataSync()[0];
    return tf.mean(per) as tf.Scalar;
  }, vars);
  value.dispose();
  const parts = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose(grads);
  const g = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    g.set(p, o);
    o += p.length;
  }
  return { g, ce };
}

/** The kernels' gradient of the batch over `threads` threads (shares summed). */
function kernelGradient(layers: ClassifierLayers, weights: Float32Array, x: Float32Array, y: Int32Array, m: number, threads: number) {
  const plan = planClassifier(layers, Math.ceil(m / threads), threads);
  const memory = createDenseMemory(plan);
  const nets = Array.from({ length: threads }, (_, t) => new DenseNet(plan, memory, t));
  nets[0].reset(weights);
  let ce = 0;
  nets.forEach((net, t) => {
    const lo = Math.floor((m * t) / threads);
    const hi = Math.floor((m * (t + 1)) / threads);
    net.load(x, y, hi - lo, (i) => lo + i, 7 + t);
    ce += net.gradient(hi - lo, m, 0).recon;
  });
  const g = new Float32Array(plan.P);
  for (const net of nets) {
    const s = net.gradsOf(net.tid);
    for (let i = 0; i < g.length; i++) g[i] += s[i];
  }
  return { g, ce, plan, nets };
}

describe('softmax_xent kernel', () => {
  it("gives tfjs's softmax cross-entropy and (softmax − one-hot)·scale in place, also for large logits", () => {
    const M = 5;
    const K = 7;
    const r = rand(3);
    const logits = Float32Array.from({ length: M * K }, (_, i) => (r() - 0.5) * (i < K ? 200 : 8));
    const labels = Int32Array.from([0, 6, 3, 3, 1]);
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
    const k = instantiateKernels(kernelModule(), memory);
    k.__stack_pointer.value = 65536;
    const f32 = new Float32Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    const L = 65536;
    const Y = L + 4096;
    f32.set(logits, L / 4);
    i32.set(labels, Y / 4);
    const total = k.softmax_xent(M, K, L, Y, 0.5);
    const ref = tf.tidy(() => {
      const lt = tf.tensor2d(logits, [M, K]);
      const oh = tf.oneHot(tf.tensor1d(labels, 'int32'), K);
      const ce = tf.sum(tf.losses.softmaxCrossEntropy(oh, lt, undefined, undefined, tf.Reduction.NONE)).dataSync()[0];
      const g = tf.mul(tf.sub(tf.softmax(lt), oh), 0.5).dataSync() as Float32Array;
      return { ce, g };
    });
    expect(total).toBeCloseTo(ref.ce, 3);
    expectClose(f32.slice(L / 4, L / 4 + M * K), ref.g, 1e-5);
  });
});

describe('classifier on the kernels against its tfjs model', () => {
  const cases: Array<[string, [number, number, number]]> = [
    ['grey 28×28 (5×5 stride 2, 3×3 stride 1, 3×3 stride 2)', [28, 28, 1]],
    ['colour 32×32 (four stages to 4×4)', [32, 32, 3]],
  ];
  for (const [name, image] of cases) {
    it(`one step's gradient and loss equal tfjs's autodiff: ${name}`, () => {
      const layers = small(image);
      const model = buildClassifierModel(layers, 3);
      const m = 5;
      const { x, y } = data(m, image[0] * image[1] * image[2], layers.classes, 2);
      const fast = kernelGradient(layers, flatWeights(model), x, y, m, 2);
      expect(fast.plan.tensors.map((t) => t.shape.join('x'))).toEqual(model.trainableWeights.map((w) => w.shape.join('x')));
      const ref = tfjsGradient(model, x, y, m);
      expectClose(fast.g, ref.g);
      expect(fast.ce).toBeCloseTo(ref.ce, 3);
      model.dispose();
    });
  }

  it("two threads' shares add up to one thread's gradient of the whole batch", () => {
    const layers = small([28, 28, 1], 10);
    const model = buildClassifierModel(layers, 5);
    const w = flatWeights(model);
    const m = 7;
    const { x, y } = data(m, 784, 10, 9);
    const one = kernelGradient(layers, w, x, y, m, 1);
    const two = kernelGradient(layers, w, x, y, m, 2);
    expectClose(two.g, one.g, 1e-5);
    expect(two.ce).toBeCloseTo(one.ce, 4);
    model.dispose();
  });

  it("the kernels' forward pass gives the tfjs model's logits (no dropout when classifying)", () => {
    const layers = { ...small([28, 28, 1], 10), dropout: 0.5 };
    const model = buildClassifierModel(layers, 8);
    const m = 6;
    const { x, y } = data(m, 784, 10, 4);
    const plan = planClassifier(layers, m, 1);
    const net = new DenseNet(plan, createDenseMemory(plan), 0);
    net.reset(flatWeights(model));
    net.load(x, y, m, (i) => i, 1);
    const logits = net.classify(m);
    const ref = tf.tidy(() => {
      const lm = tf.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor });
      return (lm.predict(tf.tensor2d(x, [m, 784])) as tf.Tensor).dataSync() as Float32Array;
    });
    expectClose(logits, ref, 1e-4);
    model.dispose();
  });

  it('refuses a label outside the classes rather than reading past the logits', () => {
    const layers = small([28, 28, 1], 3);
    const plan = planClassifier(layers, 2, 1);
    const net = new DenseNet(plan, createDenseMemory(plan), 0);
    expect(() => net.load(new Float32Array(2 * 784), Int32Array.from([0, 3]), 2, (i) => i, 1)).toThrow(/label 3 is not in 0…2/);
  });
});

describe('augmentation', () => {
  const [H, W, C] = [5, 6, 2];
  const src = Float32Array.from({ length: 2 * H * W * C }, (_, i) => i + 1);
  const at = (img: number, a: Float32Array, y: number, x: number, c: number) => a[img * H * W * C + (y * W + x) * C + c];
  const none = { shift: 0, rotate: 0, scale: 0 };

  it('a whole-pixel shift moves every channel exactly, zeros shifted in', () => {
    const dst = new Float32Array(src.length).fill(-1);
    // u = 2·rng − 1 per draw (dy, dx, angle, zoom): image 0 moves by (−1, −1), image 1 by (+1, +1).
    const seq = [0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 0.5, 0.5];
    augmentImages(src, dst, 2, [H, W, C], { ...none, shift: 2 }, () => seq.shift()!);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < C; c++) {
          expect(at(0, dst, y, x, c)).toBe(y + 1 < H && x + 1 < W ? at(0, src, y + 1, x + 1, c) : 0);
          expect(at(1, dst, y, x, c)).toBe(y >= 1 && x >= 1 ? at(1, src, y - 1, x - 1, c) : 0);
        }
      }
    }
  });

  it('a half-turn about the centre flips the image; a zoom keeps the centre pixel', () => {
    const turned = new Float32Array(src.length);
    const seq = [0.5, 0.5, 1, 0.5];
    augmentImages(src, turned, 1, [H, W, C], { ...none, rotate: 180 }, () => seq.shift()!);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(at(0, turned, y, x, 1)).toBeCloseTo(at(0, src, H - 1 - y, W - 1 - x, 1), 4);
    const [h, w] = [5, 5];
    const img = Float32Array.from({ length: h * w }, (_, i) => i);
    const zoomed = new Float32Array(img.length);
    const seq2 = [0.5, 0.5, 0.5, 1];
    augmentImages(img, zoomed, 1, [h, w, 1], { ...none, scale: 0.5 }, () => seq2.shift()!);
    expect(zoomed[12]).toBe(img[12]);
    expect(zoomed[0]).not.toBe(img[0]);
  });

  it('the training step reads the augmented copy; the targets stay the loaded rows', () => {
    const layers = { ...small([28, 28, 1], 10), augment: { shift: 2, rotate: 12, scale: 0.1 } };
    const plan = planClassifier(layers, 4, 1);
    const net = new DenseNet(plan, createDenseMemory(plan), 0);
    const { x, y } = data(4, 784, 10, 5);
    net.load(x, y, 4, (i) => i, 11);
    const { x: loaded, xIn } = net.loaded(4);
    expect(Array.from(loaded)).toEqual(Array.from(x));
    expect(Array.from(xIn)).not.toEqual(Array.from(x));
    expect(xIn.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
