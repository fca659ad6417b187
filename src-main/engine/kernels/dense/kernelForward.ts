/**
 * Forward passes (inference, validation, metrics) of a dense or conv AE / VAE / CVAE on the
 * kernels (./dense.c, ./gemm.c, ./conv.c through ./denseNet.ts), on the engine's thread, instead
 * of tfjs's wasm backend (whose Conv2DTranspose is a scalar loop at ≈ 1.6 GFLOP/s; the kernels
 * run a conv VAE's forward at ≈ 10–20 GFLOP/s on one thread). docs/PERFORMANCE.md, issue #13.
 *
 * The same layer program and flat weight layout as training (./densePlan.ts `planDense`: the
 * tensors in `trainableVariables` order), with a memory of its own laid out for forward passes
 * of at most `rows` rows: weights, the inputs, one pair of ping-pong activation buffers and one
 * im2col / col2im scratch, no Adam moments, gradients or per-layer activations. A 64×64×3 conv
 * VAE's takes ≈ 27 MB (10 MB of weights, 20 rows). (The module imports a shared memory, so this one is a SharedArrayBuffer
 * too, but no other thread sees it.) Longer inputs run in chunks of `rows`.
 *
 * No tfjs, Electron or DOM imports: ./bundleForward.ts ties it to a tfjs model bundle.
 */
import type { ModelSpec } from '../../models/build';
import { DenseNet } from './denseNet';
import { planClassifier, type ClassifierLayers } from './classifierPlan';
import { ACT, colsFloats, GEMM_PACK_FLOATS, PAGE, byteLayout, planDense, STACK_BYTES, type DensePlan, type LayerPlan, type ThreadBuffers } from './densePlan';
import { kernelModule } from './kernelModule';
import { rowsF32, type RowValues } from '../../datasets/rows';

/** The kernels' stack (the module is built with 64 KiB, stack first). */
/** Activation memory a forward instance aims at (its weights come on top). */
export const FORWARD_BUDGET_BYTES = 16 * 2 ** 20;
/** Most rows one chunk holds (dense models reach it; conv models hold fewer). */
export const MAX_FORWARD_ROWS = 1024;

/** Bytes per row of the forward layout (inputs, latents or logits, two activation buffers, scratch). */
function rowBytes(plan: DensePlan): number {
  const layers: LayerPlan[] = [...plan.enc, ...plan.dec];
  const act = Math.max(...layers.map((l) => l.out));
  const scratch = Math.max(0, ...layers.map((l) => (l.kind === 'dense' ? 0 : colsFloats(l, 1))));
  return 4 * (plan.inputDim + 1 + 4 * plan.latentDim + plan.classes + 2 * act + scratch);
}

/** Rows of a forward chunk of `plan`'s layers: what fits FORWARD_BUDGET_BYTES, 1 to MAX_FORWARD_ROWS. */
function budgetRows(plan: DensePlan): number {
  return Math.max(1, Math.min(MAX_FORWARD_ROWS, Math.floor(FORWARD_BUDGET_BYTES / rowBytes(plan))));
}

/** Rows of a forward chunk for `spec` (`budgetRows`). */
export function forwardRows(spec: ModelSpec): number {
  return budgetRows(planDense(spec, 1, 1));
}

/** FLOPs of one row's forward pass through `plan`'s layers and heads (2 per multiply-add). */
export function forwardFlops(plan: DensePlan): number {
  const macs = (l: LayerPlan) => (l.kind === 'dense' ? (l.inDim + (l.labelRows ? 1 : 0)) * l.out : l.grid[0] * l.grid[1] * l.k * l.k * l.image[2] * l.grid[2]);
  const layers: LayerPlan[] = [...plan.enc, plan.mu, ...(plan.lv ? [plan.lv] : []), ...plan.dec];
  return 2 * layers.reduce((s, l) => s + macs(l), 0);
}

/** `spec`'s plan (`planDense`'s layers and tensors) with the forward-only layout of `forwardLayout`. Throws as `planDense`. */
export function planForward(spec: ModelSpec, rows: number): ForwardPlan {
  return forwardLayout(planDense(spec, 1, 1), rows);
}

/**
 * `base` (an autoencoder's plan, or a classifier's: ./classifierPlan.ts) with a forward-only memory
 * layout for `rows` rows: [stack | W | pack | x | labels | ε | μ | log σ² | z | logits | soft | A | B | scratch]
 * (logits: a classifier's head; an autoencoder's decoder writes its logits in A or B. soft: a
 * CVAE's label rows as floats, rows × classes, for `KernelForward.decode` with mixed labels).
 * Layer i of the encoder (and of the decoder) writes A when i is even, B when odd; the heads write
 * μ, log σ² (or z, or the logits). Gradient, moment and mask offsets are −1: only DenseNet's
 * forward entry points (and `classify`) may run on it.
 */
export function forwardLayout(base: DensePlan, rows: number): ForwardPlan {
  const L = base.latentDim;
  const { take, end } = byteLayout();
  const w = take(base.P);
  const pack = take(GEMM_PACK_FLOATS);
  const x = take(rows * base.inputDim);
  const labels = take(rows);
  const eps = take(rows * L);
  const mu = take(rows * L);
  const lv = take(rows * L);
  const z = take(rows * L);
  const headLogits = base.task === 'classifier' ? take(rows * base.classes) : -1;
  const soft = base.conditional ? take(rows * base.classes) : -1;
  const layers: LayerPlan[] = [...base.enc, ...base.dec];
  const act = Math.max(...layers.map((l) => l.out));
  const pingPong = [take(rows * act), take(rows * act)];
  const scratchFloats = Math.max(0, ...layers.map((l) => (l.kind === 'dense' ? 0 : colsFloats(l, rows))));
  const scratch = scratchFloats ? take(scratchFloats) : -1;
  const encH = base.enc.map((_, i) => pingPong[i % 2]);
  const decH = base.dec.map((_, i) => pingPong[i % 2]);
  const none = (ls: LayerPlan[]) => ls.map(() => -1);
  const thread: ThreadBuffers = {
    stackTop: STACK_BYTES,
    grads: -1,
    x,
    xIn: x,
    labels,
    eps,
    mu,
    lv,
    z,
    dMu: -1,
    dLv: -1,
    dZ: -1,
    encH,
    encD: none(base.enc),
    decH,
    decD: none(base.dec),
    encOut: encH,
    encMask: none(base.enc),
    decOut: decH,
    decMask: none(base.dec),
    encCols: base.enc.map((l) => (l.kind === 'conv' ? scratch : -1)),
    scratch,
    logits: headLogits >= 0 ? headLogits : decH[decH.length - 1],
    pack,
  };
  return { ...base, threads: 1, rows, w, m: -1, v: -1, gradStride: 0, thread: [thread], bytes: end(), pages: Math.ceil(end() / PAGE), softLabels: soft };
}

/** A forward-only plan: `DensePlan` plus the byte offset of a CVAE's float label rows (−1: none). */
export type ForwardPlan = DensePlan & { softLabels: number };

/** A forward layout's memory and one kernels instance on it. */
function instantiate(plan: DensePlan, module: WebAssembly.Module): DenseNet {
  const memory = new WebAssembly.Memory({ initial: plan.pages, maximum: plan.pages, shared: true });
  return new DenseNet(plan, memory, 0, module);
}

/** What the encoder gives for `count` rows: μ (z for an AE) and log σ² (null for an AE), count × latentDim each. */
export interface Encoded {
  mean: Float32Array;
  logVar: Float32Array | null;
}

/**
 * A model's forward passes on the kernels, on the calling thread. Shapes: x is count × inputDim
 * (flat samples, images HWC), z and ε count × latentDim, labels count ints in [0, numClasses)
 * (CVAE; ignored otherwise). Methods throw on a wrong length or a label out of range.
 */
export class KernelForward {
  readonly plan: ForwardPlan;
  /** Rows per chunk. */
  readonly rows: number;
  private readonly net: DenseNet;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;

  /** `rows`: chunk size (default `forwardRows(spec)`). Throws as `planDense`, or when the memory cannot be had. */
  constructor(spec: ModelSpec, rows: number = forwardRows(spec), module: WebAssembly.Module = kernelModule()) {
    if (!(Number.isInteger(rows) && rows > 0)) throw new Error(`kernel forward: rows must be a positive integer (got ${rows})`);
    this.plan = planForward(spec, rows);
    this.rows = rows;
    this.net = instantiate(this.plan, module);
    this.f32 = new Float32Array(this.net.memory.buffer);
    this.i32 = new Int32Array(this.net.memory.buffer);
  }

  /** Bytes of this instance's memory. */
  get bytes(): number {
    return this.plan.pages * PAGE;
  }

  /** Sets the weights (P floats, `trainableVariables` order of encoder then decoder). */
  setWeights(flat: Float32Array): void {
    if (flat.length !== this.plan.P) throw new Error(`kernel forward: ${flat.length} weights for a model of ${this.plan.P}`);
    this.net.weights.set(flat);
  }

  private view(byteOffset: number, floats: number): Float32Array {
    return this.f32.subarray(byteOffset / 4, byteOffset / 4 + floats);
  }

  /** Writes rows [s, s + m) of `src` (`width` values a row; bytes become byte/255) into the buffer at `to`. */
  private put(to: number, src: RowValues, s: number, m: number, width: number): void {
    rowsF32(src, width, s, m, this.view(to, m * width));
  }

  private putLabels(y: Int32Array | null, s: number, m: number): void {
    const { plan } = this;
    if (!plan.conditional) return;
    if (!y || y.length < s + m) throw new Error('kernel forward: a conditional model needs a label per row');
    const labels = this.i32.subarray(plan.thread[0].labels / 4, plan.thread[0].labels / 4 + m);
    for (let i = 0; i < m; i++) {
      const v = y[s + i];
      if (!(v >= 0 && v < plan.classes)) throw new Error(`kernel forward: label ${v} is not in 0…${plan.classes - 1}`);
      labels[i] = v;
    }
  }

  private check(name: string, a: RowValues, count: number, width: number): void {
    if (!(Number.isInteger(count) && count >= 0) || a.length < count * width) {
      throw new Error(`kernel forward: ${name} holds ${a.length} values, ${count} rows need ${count * width}`);
    }
  }

  /** μ and log σ² (VAE / CVAE) or z (AE, as `mean`) of `count` rows of `x` (floats, or a split's bytes: byte/255). */
  encode(x: RowValues, y: Int32Array | null, count: number): Encoded {
    const { plan } = this;
    const D = plan.inputDim;
    const L = plan.latentDim;
    this.check('x', x, count, D);
    const buf = plan.thread[0];
    const mean = new Float32Array(count * L);
    const logVar = plan.lv ? new Float32Array(count * L) : null;
    for (let s = 0; s < count; s += this.rows) {
      const m = Math.min(this.rows, count - s);
      this.put(buf.x, x, s, m, D);
      this.putLabels(y, s, m);
      this.net.encodeForward(m);
      mean.set(this.view(plan.lv ? buf.mu : buf.z, m * L), s * L);
      if (logVar) logVar.set(this.view(buf.lv, m * L), s * L);
    }
    return { mean, logVar };
  }

  /**
   * `count` rows of `z` decoded: as the tfjs decoder outputs them (`output`: probabilities for a
   * Bernoulli model, values for a Gaussian one) or its `logits` layer. count × inputDim. A CVAE's
   * labels: one per row (ints), or label rows as floats (count × classes: one-hot or mixed, as the
   * decoder's label input takes them).
   */
  decode(z: Float32Array, y: Int32Array | Float32Array | null, count: number, as: 'output' | 'logits' = 'output'): Float32Array {
    const { plan } = this;
    const D = plan.inputDim;
    const L = plan.latentDim;
    this.check('z', z, count, L);
    const rowsOf = y instanceof Float32Array && plan.conditional ? y : null;
    if (rowsOf) this.check('label rows', rowsOf, count, plan.classes);
    const buf = plan.thread[0];
    const out = new Float32Array(count * D);
    const act = as === 'output' && plan.bernoulli ? ACT.sigmoid : ACT.linear;
    for (let s = 0; s < count; s += this.rows) {
      const m = Math.min(this.rows, count - s);
      this.put(buf.z, z, s, m, L);
      if (rowsOf) this.put(plan.softLabels, rowsOf, s, m, plan.classes);
      else this.putLabels(y as Int32Array | null, s, m);
      this.net.decodeForward(m, act, rowsOf ? plan.softLabels : -1);
      out.set(this.view(buf.logits, m * D), s * D);
    }
    return out;
  }

  /**
   * Σ over `count` rows of the reconstruction loss and the KL (nats, as training computes them:
   * models/loss.ts), with z = μ + σ·ε from the given ε (count × latentDim; ignored for an AE,
   * whose KL is 0). Divide by `count` for the per-sample means `evaluate` reports. `x`: floats,
   * or a split's bytes (converted to byte/255 straight into the kernels' input rows).
   */
  lossSums(x: RowValues, y: Int32Array | null, eps: Float32Array | null, count: number): { recon: number; kl: number } {
    const { plan } = this;
    const D = plan.inputDim;
    const L = plan.latentDim;
    this.check('x', x, count, D);
    if (plan.lv) this.check('eps', eps ?? new Float32Array(0), count, L);
    const buf = plan.thread[0];
    let recon = 0;
    let kl = 0;
    for (let s = 0; s < count; s += this.rows) {
      const m = Math.min(this.rows, count - s);
      this.put(buf.x, x, s, m, D);
      this.putLabels(y, s, m);
      this.net.encodeForward(m);
      if (plan.lv) {
        this.put(buf.eps, eps!, s, m, L);
        kl += this.net.sampleForward(m);
      }
      this.net.decodeForward(m);
      recon += this.net.reconForward(m);
    }
    return { recon, kl };
  }
}

/**
 * An in-app classifier's forward pass on the kernels (its plan: ./classifierPlan.ts, no dropout or
 * augmentation): the features (the last dense layer's ReLU output, count × hidden[last]) and the
 * logits (count × classes) of `count` rows of x (count × H·W·C). Chunks of `rows` rows.
 */
export class ClassifierForward {
  readonly plan: ForwardPlan;
  readonly rows: number;
  private readonly net: DenseNet;
  private readonly f32: Float32Array;

  /** Throws as `planClassifier`, or when the memory cannot be had. */
  constructor(layers: ClassifierLayers, rows?: number, module: WebAssembly.Module = kernelModule()) {
    const base = planClassifier(layers, 1, 1);
    this.rows = rows ?? budgetRows(base);
    this.plan = forwardLayout(base, this.rows);
    this.net = instantiate(this.plan, module);
    this.f32 = new Float32Array(this.net.memory.buffer);
  }

  /** Sets the weights (P floats, the tfjs model's `trainableWeights` order). */
  setWeights(flat: Float32Array): void {
    if (flat.length !== this.plan.P) throw new Error(`kernel forward: ${flat.length} weights for a classifier of ${this.plan.P}`);
    this.net.weights.set(flat);
  }

  /** Features and logits of the first `count` rows of `x` (floats, or a split's bytes: byte/255). */
  judge(x: RowValues, count: number): { features: Float32Array; logits: Float32Array } {
    const { plan } = this;
    const D = plan.inputDim;
    const K = plan.classes;
    const last = plan.enc[plan.enc.length - 1];
    const F = last.out;
    if (!(Number.isInteger(count) && count >= 0) || x.length < count * D) throw new Error(`kernel forward: x holds ${x.length} values, ${count} rows need ${count * D}`);
    const buf = plan.thread[0];
    const features = new Float32Array(count * F);
    const logits = new Float32Array(count * K);
    for (let s = 0; s < count; s += this.rows) {
      const m = Math.min(this.rows, count - s);
      rowsF32(x, D, s, m, this.f32.subarray(buf.x / 4, buf.x / 4 + m * D));
      logits.set(this.net.classify(m), s * K);
      const at = buf.encH[plan.enc.length - 1] / 4;
      features.set(this.f32.subarray(at, at + m * F), s * F);
    }
    return { features, logits };
  }
}
