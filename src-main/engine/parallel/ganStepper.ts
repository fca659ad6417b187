/**
 * A training worker's step for a VAE-GAN (Larsen et al. 2016): the encoder, decoder and
 * discriminator as a tfjs replica on the worker's own backend (the threaded wasm build when the
 * engine has one), with three Adam optimisers (../models/vaegan.ts). The fallback of the kernels'
 * step (./ganKernelStepper.ts): a model they do not support (`ganUnsupported`: dropout, input
 * noise), `LATENT_LAB_DENSE=0`, or a memory they cannot have. It always runs on ONE worker,
 * which keeps the engine's thread free.
 * `gradShare` computes the three networks' gradients from the same weights and keeps them;
 * `apply` runs the three updates. A batch whose losses are not finite is discarded by the
 * runner (no update: the weights stay the last good ones).
 * The weight average (`ModelConfig.emaDecay`, ../models/vaegan.ts `GanWeightAverage`): updated
 * after each applied step; `getFlat` (epoch ends, previews, a stop) returns it for the encoder
 * and decoder and the raw discriminator; the steps train the raw weights.
 */
import * as tf from '@tensorflow/tfjs';
import { vaeganSettings, type GanParts } from '../../../src-shared/types';
import { buildModel, isGan, trainableVariables, type ModelBundle } from '../models/build';
import { applyGanGradients, disposeGanGradients, ganOptimizers, GanWeightAverage, vaeganGradients, type GanGradients, type GanNet, type GanOptimizers } from '../models/vaegan';
import type { Stepper } from './stepper';
import type { WorkerInit } from './workerMessages';
import { copyRowF32, viewRows, type RowValues } from '../datasets/rows';

export class GanStepper implements Stepper {
  readonly bundle: ModelBundle;
  readonly vars: tf.Variable[];
  private readonly sizes: number[];
  private readonly P: number;
  private readonly opt: GanOptimizers;
  private readonly x: RowValues;
  private readonly xBuf: Float32Array;
  private kept: GanGradients | null = null;
  /** θ̄ of the encoder and decoder (null: emaDecay 0, the raw weights leave the training). */
  private readonly ema: GanWeightAverage | null;

  /** Throws when the init is not a VAE-GAN's, asks for several workers, or its weights do not fit the model. */
  constructor(
    readonly init: WorkerInit,
    readonly notes: string[],
  ) {
    const { spec, cfg, shared } = init;
    if (!isGan(spec.config.kind)) throw new Error(`the VAE-GAN stepper got a ${spec.config.kind} model`);
    if (init.workers !== 1) throw new Error(`a VAE-GAN trains on one worker (asked for ${init.workers})`);
    this.bundle = buildModel(spec, cfg.seed);
    this.vars = trainableVariables(this.bundle);
    if (this.vars.length !== init.shapes.length) throw new Error('replica: variable count differs from the main model');
    this.vars.forEach((v, i) => {
      if (v.shape.join(',') !== init.shapes[i].join(',')) throw new Error(`replica: shape of ${v.name} differs`);
    });
    this.sizes = this.vars.map((v) => v.size);
    this.P = this.sizes.reduce((s, n) => s + n, 0);
    this.setFlat(init.weights);
    this.ema = GanWeightAverage.of(this.bundle, vaeganSettings(cfg.model).emaDecay);
    this.opt = ganOptimizers(cfg.model, cfg.learningRate);
    this.x = viewRows(shared.x, shared.xKind);
    this.xBuf = new Float32Array(Math.min(cfg.batchSize, init.n) * spec.inputDim);
  }

  private setFlat(flat: Float32Array): void {
    let off = 0;
    tf.tidy(() => {
      this.vars.forEach((v, i) => {
        v.assign(tf.tensor(flat.subarray(off, off + this.sizes[i]), v.shape));
        off += this.sizes[i];
      });
    });
  }

  /** The weights that leave the training: θ̄ for the encoder and decoder (when averaged), the raw discriminator. */
  getFlat(out: Float32Array = new Float32Array(this.P)): Float32Array {
    let off = 0;
    this.vars.forEach((v, i) => {
      out.set((this.ema?.averageOf(v) ?? v).dataSync() as Float32Array, off);
      off += this.sizes[i];
    });
    return out;
  }

  /** The batch's three gradients (kept for `apply`); Σ over its `rows` (= m) rows of each batch mean. */
  gradShare(pick: (i: number) => number, rows: number, m: number, beta: number, seed: number): { recon: number; kl: number; gan: GanParts } {
    const D = this.init.spec.inputDim;
    for (let i = 0; i < rows; i++) {
      const src = pick(i);
      copyRowF32(this.x, D, src, this.xBuf, i * D);
    }
    this.discard();
    const g = vaeganGradients(this.bundle, this.xBuf.subarray(0, rows * D), beta, seed);
    this.kept = g;
    return { recon: g.recon * rows, kl: g.kl * rows, gan: { disc: g.gan.disc * rows, gen: g.gan.gen * rows, feature: g.gan.feature * rows } };
  }

  discard(): void {
    if (this.kept) disposeGanGradients(this.kept.grads);
    this.kept = null;
  }

  /** Test probe: the kept gradients, each network's loss's, concatenated in `trainableVariables` order. */
  combined(): Float32Array {
    const out = new Float32Array(this.P);
    if (!this.kept) return out;
    const all: tf.NamedTensorMap = Object.assign({}, ...(['encoder', 'decoder', 'discriminator'] as GanNet[]).map((k) => this.kept!.grads[k]));
    let off = 0;
    this.vars.forEach((v, i) => {
      const g = all[v.name];
      if (g) out.set(g.dataSync() as Float32Array, off);
      off += this.sizes[i];
    });
    return out;
  }

  /**
   * The three Adam updates at rate `lr` (this epoch's, `learningRateAt`; the discriminator's ×
   * discLrScale), then the weight average's update for step `t` (1-based, the run's steps).
   */
  apply(t: number, _m: number, lr: number): void {
    if (!this.kept) return;
    this.opt.setLearningRate(lr);
    applyGanGradients(this.opt, this.kept.grads);
    this.kept = null;
    this.ema?.update(t);
  }

  sync(): void {}
}
