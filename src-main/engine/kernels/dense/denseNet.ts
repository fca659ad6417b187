/**
 * The kernels' fast path: one training step of the app's dense and conv AE / VAE / CVAE
 * (models/build.ts) run by our own WebAssembly SIMD kernels (./dense.c, ./gemm.c, ./conv.c) on
 * raw arrays in one shared WebAssembly.Memory, instead of by tfjs ops.
 *
 * Why: a tfjs step is ~350 kernel calls, each allocating its output, and the wasm backend's
 * matmuls repack every fresh weight or gradient single-threaded (docs/PERFORMANCE.md); a
 * step here is ~40 calls on preallocated buffers, and each training thread computes the
 * gradient of its half of the batch with no tensor, copy or exchange in between. All threads
 * read and write the same weights, Adam moments and per-thread gradient buffers.
 *
 * The math is the tfjs path's, written out (tested against it to float rounding in
 * test/unit/dense-kernels.test.ts): loss = mean over the batch of recon + β·KL (+ l2·Σ‖W‖²/m),
 * Adam as tfjs formulates it (ε = 1e-7). The reparameterisation noise comes from our own
 * seeded generator, so runs are reproducible but not bit-identical to the tfjs path.
 *
 * `planDense` (./densePlan.ts) lays the memory out; `DenseNet` is one thread's view of it. The
 * module and its typed exports: ./kernelModule.ts, ./kernelTable.ts. Forward-only entry points
 * (`encodeForward`, `sampleForward`, `decodeForward`, `reconForward`) run inference on a
 * forward-only layout (./kernelForward.ts), on the engine's thread.
 * No tfjs, Electron or DOM imports.
 */
import { gaussian, mulberry32 } from '../../datasets/random';
import { copyRowF32, type RowValues } from '../../datasets/rows';
import { gaussianConstant } from '../../models/likelihood';
import { augmentImages } from './augment';
import { convBackward, convForward, type ConvBuffers } from './convOps';
import { ACT, type DenseLayerPlan, type DensePlan, type LayerPlan, type ThreadBuffers } from './densePlan';
import { kernelModule, threadKernels } from './kernelModule';
import type { DenseKernels } from './kernelTable';

/** Adam's constants (tfjs defaults; ε is the float32 backend epsilon tfjs uses). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** One training thread's handle on the shared kernels memory. */
export class DenseNet {
  private readonly k: DenseKernels;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly buf: ThreadBuffers;
  /** This step's dropout mask seeds, one per layer with dropout (encoder, then decoder). */
  private dropSeeds: number[] = [];

  constructor(
    readonly plan: DensePlan,
    readonly memory: WebAssembly.Memory,
    readonly tid: number,
    module: WebAssembly.Module = kernelModule(),
  ) {
    ({ k: this.k, buf: this.buf, f32: this.f32 } = threadKernels('dense kernels', plan, memory, tid, module));
    this.i32 = new Int32Array(memory.buffer);
  }

  /** Float views of the shared arrays (element offsets from byte offsets). */
  private view(byteOffset: number, floats: number): Float32Array {
    return this.f32.subarray(byteOffset / 4, byteOffset / 4 + floats);
  }

  get weights(): Float32Array {
    return this.view(this.plan.w, this.plan.P);
  }

  /** This thread's gradient buffer (its rows' share of the batch gradient). */
  get grads(): Float32Array {
    return this.view(this.buf.grads, this.plan.P);
  }

  gradsOf(tid: number): Float32Array {
    return this.view(this.plan.thread[tid].grads, this.plan.P);
  }

  /** Weights in `trainableVariables` order (a copy). */
  getFlat(out: Float32Array = new Float32Array(this.plan.P)): Float32Array {
    out.set(this.weights);
    return out;
  }

  /** Sets the weights and clears Adam's moments (a new run). */
  reset(flat: Float32Array): void {
    if (flat.length !== this.plan.P) throw new Error(`dense kernels: ${flat.length} weights for a model of ${this.plan.P}`);
    this.weights.set(flat);
    this.view(this.plan.m, this.plan.P).fill(0);
    this.view(this.plan.v, this.plan.P).fill(0);
  }

  /**
   * Loads `rows` samples into this thread's input buffers: `pick(i)` gives the row index into
   * `x` / `y` of the i-th sample (a split's bytes are converted to byte/255 straight into the
   * input rows in wasm memory). Draws the step's noise (reparameterisation, input noise) from
   * `seed`.
   */
  load(x: RowValues, y: Int32Array, rows: number, pick: (i: number) => number, seed: number): void {
    const { plan, buf } = this;
    if (rows > plan.rows) throw new Error(`dense kernels: ${rows} rows for buffers of ${plan.rows}`);
    const D = plan.inputDim;
    const X = this.view(buf.x, rows * D);
    const labels = this.i32.subarray(buf.labels / 4, buf.labels / 4 + rows);
    for (let i = 0; i < rows; i++) {
      const src = pick(i);
      copyRowF32(x, D, src, X, i * D);
      labels[i] = y[src];
    }
    if (plan.conditional || plan.task === 'classifier') {
      // A label out of range would index past the kernel's one-hot rows (or the logits).
      for (let i = 0; i < rows; i++) {
        if (!(labels[i] >= 0 && labels[i] < plan.classes)) throw new Error(`dense kernels: label ${labels[i]} is not in 0…${plan.classes - 1}`);
      }
    }
    const rng = mulberry32(seed);
    if (plan.augment && plan.image) augmentImages(X, this.view(buf.xIn, rows * D), rows, plan.image, plan.augment, rng);
    if (plan.variational) {
      const eps = this.view(buf.eps, rows * plan.latentDim);
      for (let i = 0; i < eps.length; i++) eps[i] = gaussian(rng);
    }
    const dropping = plan.dropout > 0 ? [...plan.enc, ...plan.dec].filter((l) => l.kind === 'dense' && l.dropout) : [];
    this.dropSeeds = dropping.map(() => Math.floor(rng() * 4294967296));
    if (plan.inputNoise > 0) {
      const xIn = this.view(buf.xIn, rows * D);
      const s = plan.inputNoise;
      for (let i = 0; i < xIn.length; i++) {
        const v = X[i] + s * gaussian(rng);
        xIn[i] = plan.bernoulli ? Math.min(1, Math.max(0, v)) : v;
      }
    }
  }

  /** Test hook: the loaded rows' targets, encoder inputs and reparameterisation noise. */
  loaded(rows: number): { x: Float32Array; xIn: Float32Array; eps: Float32Array } {
    const { plan, buf } = this;
    return {
      x: this.view(buf.x, rows * plan.inputDim),
      xIn: this.view(buf.xIn, rows * plan.inputDim),
      eps: this.view(buf.eps, rows * plan.latentDim),
    };
  }

  /** Test hook: this step's dropout masks (0 or 1/(1 − rate)) per hidden layer. */
  masks(rows: number): { enc: Float32Array[]; dec: Float32Array[] } {
    const { plan, buf } = this;
    const of = (masks: number[], layers: LayerPlan[]) => masks.flatMap((o, i) => (o < 0 ? [] : [this.view(o, rows * layers[i].out)]));
    return { enc: of(buf.encMask, plan.enc), dec: of(buf.decMask, plan.dec) };
  }

  /** The buffers a conv layer's kernel calls use. */
  private convBuffers(l: LayerPlan, cols: number): ConvBuffers {
    const { plan, buf } = this;
    const t = (i: number) => plan.tensors[i].offset * 4;
    return { W: plan.w + t(l.kernel), b: plan.w + t(l.bias), gW: buf.grads + t(l.kernel), gb: buf.grads + t(l.bias), cols, scratch: buf.scratch, pack: buf.pack };
  }

  /** Any layer forward: out = act(layer(input)), then dropout (training) where the layer has it. */
  private forward(l: LayerPlan, input: number, rows: number, H: number, cols: number, out: number, mask: number, seed: number): void {
    if (l.kind === 'dense') this.forwardLayer(l, input, rows, H);
    else convForward(this.k, l, rows, input, H, this.convBuffers(l, cols));
    if (mask >= 0) this.k.dropout(rows * l.out, H, out, mask, this.plan.dropout, this.dropSeeds[seed]);
  }

  /**
   * Any layer backward: `D` holds the gradient at its output (after dropout); becomes the one at
   * its pre-activation, then the weight gradients and (with `dInput`) the input's are written.
   */
  private backward(l: LayerPlan, input: number, rows: number, H: number, D: number, mask: number, cols: number, dInput: number | null): void {
    const { k } = this;
    if (mask >= 0) k.mul_in_place(rows * l.out, D, mask);
    k.act_grad(rows * l.out, 1, H, D, l.act);
    if (l.kind === 'dense') this.backwardLayer(l, input, D, rows, dInput);
    else convBackward(k, l, rows, input, D, dInput, false, this.convBuffers(l, cols));
  }

  private forwardLayer(l: DenseLayerPlan, input: number, rows: number, out: number): void {
    const { k, plan, buf } = this;
    const W = plan.w + plan.tensors[l.kernel].offset * 4;
    const b = plan.w + plan.tensors[l.bias].offset * 4;
    k.gemm(rows, l.out, l.inDim, input, l.inDim, 1, W, l.out, 1, out, l.out, 0, buf.pack);
    if (l.labelRows) k.add_label_rows(rows, l.out, out, W, buf.labels, l.inDim);
    k.bias_act(rows, l.out, out, b, l.act);
  }

  /**
   * `dZ` holds the gradient at the layer's pre-activation: writes the kernel and bias
   * gradients and, when `dInput` is given, the gradient at the layer's input (added when `acc`).
   */
  private backwardLayer(l: DenseLayerPlan, input: number, dZ: number, rows: number, dInput: number | null, acc = false): void {
    const { k, plan, buf } = this;
    const G = buf.grads + plan.tensors[l.kernel].offset * 4;
    k.gemm(l.inDim, l.out, rows, input, 1, l.inDim, dZ, l.out, 1, G, l.out, 0, buf.pack);
    if (l.labelRows) k.label_rows_grad(rows, l.out, dZ, buf.labels, G, l.inDim, l.labelRows);
    k.col_sum(rows, l.out, dZ, buf.grads + plan.tensors[l.bias].offset * 4);
    if (dInput !== null) {
      const W = plan.w + plan.tensors[l.kernel].offset * 4;
      k.gemm(rows, l.inDim, l.out, dZ, l.out, 1, W, 1, l.out, dInput, l.inDim, acc ? 1 : 0, buf.pack);
    }
  }

  /**
   * Forward and backward over the loaded `rows` rows: writes this thread's share of the
   * gradient of the batch's mean loss (batch of `m` rows, KL weight `beta`) into its gradient
   * buffer, and returns Σ recon and Σ KL over its rows. Zero rows: a zero gradient.
   */
  gradient(rows: number, m: number, beta: number): { recon: number; kl: number } {
    const { k, plan, buf } = this;
    if (rows === 0) {
      this.grads.fill(0);
      return { recon: 0, kl: 0 };
    }
    if (plan.task === 'classifier') return { recon: this.classifierGradient(rows, m), kl: 0 };
    const L = plan.latentDim;
    // Encoder.
    const hLast = this.encode(rows);
    let seed = buf.encMask.filter((o) => o >= 0).length;
    let kl = 0;
    if (plan.lv) {
      this.forwardLayer(plan.mu, hLast, rows, buf.mu);
      this.forwardLayer(plan.lv, hLast, rows, buf.lv);
      kl = k.reparam(rows, L, buf.mu, buf.lv, buf.eps, buf.z);
    } else {
      this.forwardLayer(plan.mu, hLast, rows, buf.z);
    }
    // Decoder; the last layer writes the logits.
    let input = buf.z;
    plan.dec.forEach((l, i) => {
      this.forward(l, input, rows, buf.decH[i], -1, buf.decOut[i], buf.decMask[i], buf.decMask[i] >= 0 ? seed++ : -1);
      input = buf.decOut[i];
    });
    // Loss; the logits buffer becomes its gradient. Gaussian (models/likelihood.ts): the kernel's
    // unit-variance ½·Σd² scaled by 1/σ² (and its gradient d by the same), plus the constant.
    const s2 = plan.sigma * plan.sigma;
    const recon = plan.bernoulli
      ? k.recon_bernoulli(rows, plan.inputDim, buf.logits, buf.x, 1 / m)
      : k.recon_gaussian(rows, plan.inputDim, buf.logits, buf.x, 1 / (m * s2)) / s2 + rows * gaussianConstant(plan.inputDim, plan.sigma);

    // Backward through the decoder.
    for (let i = plan.dec.length - 1; i >= 0; i--) {
      const below = i > 0 ? buf.decOut[i - 1] : buf.z;
      this.backward(plan.dec[i], below, rows, buf.decH[i], buf.decD[i], buf.decMask[i], -1, i > 0 ? buf.decD[i - 1] : buf.dZ);
    }
    // Through the sampling step and the heads.
    const ne = plan.enc.length;
    if (plan.lv) {
      k.reparam_grad(rows, L, buf.mu, buf.lv, buf.eps, buf.dZ, buf.dMu, buf.dLv, beta / m);
      this.backwardLayer(plan.mu, hLast, buf.dMu, rows, buf.encD[ne - 1]);
      this.backwardLayer(plan.lv, hLast, buf.dLv, rows, buf.encD[ne - 1], true);
    } else {
      this.backwardLayer(plan.mu, hLast, buf.dZ, rows, buf.encD[ne - 1]);
    }
    this.encodeBackward(rows);
    return { recon, kl: plan.variational ? kl : 0 };
  }

  /** Forward through the encoder's layers (training: dropout where marked); returns the last one's output buffer. */
  private encode(rows: number): number {
    const { buf } = this;
    let seed = 0;
    let input = buf.xIn;
    this.plan.enc.forEach((l, i) => {
      this.forward(l, input, rows, buf.encH[i], buf.encCols[i], buf.encOut[i], buf.encMask[i], buf.encMask[i] >= 0 ? seed++ : -1);
      input = buf.encOut[i];
    });
    return input;
  }

  /** Backward through the encoder's layers from the gradient at the last one's output (none at the input). */
  private encodeBackward(rows: number): void {
    const { plan, buf } = this;
    for (let i = plan.enc.length - 1; i >= 0; i--) {
      const below = i > 0 ? buf.encOut[i - 1] : buf.xIn;
      this.backward(plan.enc[i], below, rows, buf.encH[i], buf.encD[i], buf.encMask[i], buf.encCols[i], i > 0 ? buf.encD[i - 1] : null);
    }
  }

  /**
   * A classifier's step (task 'classifier'): encoder layers → logits (the `mu` head) → softmax
   * cross-entropy, whose gradient (softmax − one-hot)/m replaces the logits; then backward.
   * Writes this thread's gradient share; returns Σ cross-entropy (nats) over its rows.
   */
  private classifierGradient(rows: number, m: number): number {
    const { k, plan, buf } = this;
    const hLast = this.encode(rows);
    this.forwardLayer(plan.mu, hLast, rows, buf.logits);
    const ce = k.softmax_xent(rows, plan.classes, buf.logits, buf.labels, 1 / m);
    this.backwardLayer(plan.mu, hLast, buf.logits, rows, plan.enc.length ? buf.encD[plan.enc.length - 1] : null);
    this.encodeBackward(rows);
    return ce;
  }

  /**
   * Logits (rows × classes, a copy) of the loaded rows without dropout or augmentation: a
   * classifier's forward pass for inference and tests. Reads `x` (not the augmented copy).
   */
  classify(rows: number): Float32Array {
    const { plan, buf } = this;
    if (plan.task !== 'classifier') throw new Error('dense kernels: classify needs a classifier plan');
    let input = buf.x;
    plan.enc.forEach((l, i) => {
      this.forward(l, input, rows, buf.encH[i], buf.encCols[i], buf.encOut[i], -1, -1);
      input = buf.encH[i];
    });
    this.forwardLayer(plan.mu, input, rows, buf.logits);
    return this.view(buf.logits, rows * plan.classes).slice();
  }

  /**
   * Inference, forward only (no dropout, no input noise): the encoder and its heads over the
   * first `rows` rows of the input buffer `x` (rows × inputDim) and the labels; writes μ and
   * log σ² (rows × latentDim, VAE / CVAE) or z (AE) into their buffers. ./kernelForward.ts.
   */
  encodeForward(rows: number): void {
    const { plan, buf } = this;
    let input = buf.x;
    plan.enc.forEach((l, i) => {
      this.forward(l, input, rows, buf.encH[i], buf.encCols[i], buf.encOut[i], -1, -1);
      input = buf.encOut[i];
    });
    if (plan.lv) {
      this.forwardLayer(plan.mu, input, rows, buf.mu);
      this.forwardLayer(plan.lv, input, rows, buf.lv);
    } else {
      this.forwardLayer(plan.mu, input, rows, buf.z);
    }
  }

  /** z = μ + exp(½·log σ²)·ε from the μ, log σ² and ε buffers; returns Σ KL (nats) over the rows. */
  sampleForward(rows: number): number {
    const { k, plan, buf } = this;
    if (!plan.lv) return 0;
    return k.reparam(rows, plan.latentDim, buf.mu, buf.lv, buf.eps, buf.z);
  }

  /**
   * Inference, forward only: the decoder over the first `rows` rows of the z buffer (and the
   * labels) into the logits buffer (rows × inputDim). `outAct` replaces the last layer's
   * (linear) activation: ACT.sigmoid gives a Bernoulli decoder's probabilities. `soft` (a byte
   * offset, −1: none): label rows as floats (rows × classes, one-hot or a mix of labels) that
   * the first layer weighs instead of the labels buffer's one-hot rows.
   */
  decodeForward(rows: number, outAct: number = ACT.linear, soft = -1): void {
    const { plan, buf } = this;
    let input = buf.z;
    const last = plan.dec.length - 1;
    plan.dec.forEach((l, i) => {
      const layer = i === last ? { ...l, act: outAct } : l;
      if (soft >= 0 && layer.kind === 'dense' && layer.labelRows) this.forwardSoftLabels(layer, input, rows, buf.decH[i], soft);
      else this.forward(layer, input, rows, buf.decH[i], -1, buf.decOut[i], -1, -1);
      input = buf.decOut[i];
    });
  }

  /** A conditional dense layer with float label rows: out = act(in·K[0:inDim] + soft·K[inDim:] + b). */
  private forwardSoftLabels(l: DenseLayerPlan, input: number, rows: number, out: number, soft: number): void {
    const { k, plan, buf } = this;
    const W = plan.w + plan.tensors[l.kernel].offset * 4;
    k.gemm(rows, l.out, l.inDim, input, l.inDim, 1, W, l.out, 1, out, l.out, 0, buf.pack);
    k.gemm(rows, l.out, l.labelRows, soft, l.labelRows, 1, W + l.inDim * l.out * 4, l.out, 1, out, l.out, 1, buf.pack);
    k.bias_act(rows, l.out, out, plan.w + plan.tensors[l.bias].offset * 4, l.act);
  }

  /**
   * Σ reconstruction loss (nats, as in training) of the rows' logits (after `decodeForward` with
   * linear output) against `x`; the logits buffer is overwritten.
   */
  reconForward(rows: number): number {
    const { k, plan, buf } = this;
    if (plan.bernoulli) return k.recon_bernoulli(rows, plan.inputDim, buf.logits, buf.x, 1);
    const s2 = plan.sigma * plan.sigma;
    return k.recon_gaussian(rows, plan.inputDim, buf.logits, buf.x, 1) / s2 + rows * gaussianConstant(plan.inputDim, plan.sigma);
  }

  /**
   * Adam step `t` (1-based) on the listed tensors, from the sum of all threads' gradient
   * shares; `l2` and `m` add the L2 penalty's gradient 2·l2·W/m to kernels.
   */
  adam(tensors: number[], t: number, lr: number, l2: number, m: number): void {
    const { k, plan } = this;
    const c1 = 1 - ADAM.beta1 ** t;
    const c2 = 1 - ADAM.beta2 ** t;
    const g = plan.thread[0].grads;
    for (const i of tensors) {
      const s = plan.tensors[i];
      const o = s.offset * 4;
      const l2k = s.kernel ? (2 * l2) / m : 0;
      k.adam(s.size, plan.w + o, g + o, plan.threads, plan.gradStride, plan.m + o, plan.v + o, lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon, c1, c2, l2k);
    }
  }
}
