/**
 * The VAE-GAN's weights in the kernels' shared memory (./ganPlan.ts lays them out) and their
 * optimisers, as one thread sees them: the raw weights θ, each thread's gradient share, the three
 * networks' Adam steps (one set of moments m, v; the discriminator's rate lr × discLrScale, β1 per
 * network) and the encoder's and decoder's weight average θ̄ (config `emaDecay`), which is what the
 * model's weights (`getFlat`) are for those two networks. ./ganNet.ts `GanNet` adds the step's
 * gradient (forward and backward) to this. No tfjs, Electron or DOM imports.
 */
import { emaDecayAt, GAN_ADAM_BETA1 } from '../../../../src-shared/types';
import { ADAM } from './denseNet';
import { startGanAverage, type GanPlan, type GanThreadBuffers } from './ganPlan';
import { kernelModule, threadKernels } from './kernelModule';
import type { DenseKernels } from './kernelTable';

export class GanWeights {
  protected readonly k: DenseKernels;
  protected readonly f32: Float32Array;
  /** This thread's buffers (its stack, gradient share and scratch). */
  protected readonly buf: GanThreadBuffers;

  /** @throws Error when `memory` is smaller than the plan. */
  constructor(
    readonly plan: GanPlan,
    readonly memory: WebAssembly.Memory,
    readonly tid: number,
    module: WebAssembly.Module = kernelModule(),
  ) {
    ({ k: this.k, buf: this.buf, f32: this.f32 } = threadKernels('VAE-GAN kernels', plan, memory, tid, module));
  }

  protected view(byteOffset: number, floats: number): Float32Array {
    return this.f32.subarray(byteOffset / 4, byteOffset / 4 + floats);
  }

  /** The raw weights θ the steps train (a view, `trainableVariables` order; P floats). */
  get weights(): Float32Array {
    return this.view(this.plan.w, this.plan.P);
  }

  /** θ̄, the encoder's and decoder's weight average (a view of `plan.emaFloats` floats; null without an average). */
  get averaged(): Float32Array | null {
    return this.plan.ema < 0 ? null : this.view(this.plan.ema, this.plan.emaFloats);
  }

  /** Thread `tid`'s gradient share (this thread's by default). */
  gradsOf(tid: number = this.tid): Float32Array {
    return this.view(this.plan.thread[tid].grads, this.plan.P);
  }

  /**
   * The model's weights in `trainableVariables` order (a copy, P floats): the average θ̄ for the
   * encoder and decoder (when the plan keeps one), the raw weights for the discriminator (never
   * averaged). Without an average: the raw weights.
   */
  getFlat(out: Float32Array = new Float32Array(this.plan.P)): Float32Array {
    out.set(this.weights);
    const avg = this.averaged;
    if (avg) out.set(avg, 0);
    return out;
  }

  /** Sets the weights, starts the average there (θ̄ = θ₀) and clears Adam's moments (a new run). */
  reset(flat: Float32Array): void {
    if (flat.length !== this.plan.P) throw new Error(`VAE-GAN kernels: ${flat.length} weights for a model of ${this.plan.P}`);
    this.weights.set(flat);
    startGanAverage(this.plan, this.memory);
    this.view(this.plan.m, this.plan.P).fill(0);
    this.view(this.plan.v, this.plan.P).fill(0);
  }

  /**
   * After Adam step `t` (1-based, the same `t`) on the listed tensors: θ̄ ← d·θ̄ + (1 − d)·θ with
   * d = emaDecayAt(plan.emaDecay, t), on those of them that are the encoder's or decoder's (the
   * discriminator's are skipped). Threads may average disjoint tensors at once. Nothing without an average.
   */
  average(tensors: number[], t: number): void {
    const { k, plan } = this;
    if (plan.ema < 0) return;
    const d = emaDecayAt(plan.emaDecay, t);
    for (const i of tensors) {
      const s = plan.tensors[i];
      if (s.offset >= plan.emaFloats) continue;
      const o = s.offset * 4;
      k.ema(s.size, plan.ema + o, plan.w + o, d);
    }
  }

  /**
   * Adam step `t` (1-based, tfjs's formulation) on the listed tensors from the sum of all
   * threads' shares: the encoder's and decoder's at `lr`, the discriminator's at
   * lr × discLrScale; the decoder's and discriminator's with β1 = GAN_ADAM_BETA1 (0.5), the
   * encoder's with Adam's usual 0.9; `l2` and `m` add the L2 penalty's gradient 2·l2·W/m to kernels.
   */
  adam(tensors: number[], t: number, lr: number, l2: number, m: number): void {
    const { k, plan } = this;
    const c2 = 1 - ADAM.beta2 ** t;
    const g = plan.thread[0].grads;
    const dis = new Set(plan.nets.discriminator);
    const enc = new Set(plan.nets.encoder);
    for (const i of tensors) {
      const s = plan.tensors[i];
      const o = s.offset * 4;
      const rate = dis.has(i) ? lr * plan.discLrScale : lr;
      const beta1 = enc.has(i) ? ADAM.beta1 : GAN_ADAM_BETA1;
      k.adam(s.size, plan.w + o, g + o, plan.threads, plan.gradStride, plan.m + o, plan.v + o, rate, beta1, ADAM.beta2, ADAM.epsilon, 1 - beta1 ** t, c2, s.kernel ? (2 * l2) / m : 0);
    }
  }
}
