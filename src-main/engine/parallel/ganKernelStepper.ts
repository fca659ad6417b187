/**
 * A training worker's VAE-GAN step on the WebAssembly kernels (../kernels/dense/ganNet.ts): the
 * encoder, decoder and discriminator, their three Adam optimisers (the discriminator's at
 * lr × discLrScale) and each worker's gradient share live in one shared WebAssembly.Memory, as
 * for the VAE (./denseStepper.ts). The default for a VAE-GAN; the tfjs step (./ganStepper.ts)
 * remains for what the kernels do not support (`ganUnsupported`), `LATENT_LAB_DENSE=0`, or a
 * memory the kernels cannot have. A batch whose losses are not finite is discarded by the
 * runner before `apply` (no update: the weights stay the last good ones).
 */
import type { GanParts, TrainConfig } from '../../../src-shared/types';
import { GanNet, type AllSum } from '../kernels/dense/ganNet';
import type { GanPlan } from '../kernels/dense/ganPlan';
import { variantOf } from '../kernels/dense/kernelModule';
import type { RowValues } from '../datasets/rows';
import { partitionVariables } from './batchSplit';
import { combinedShares } from './denseStepper';
import type { Stepper } from './stepper';

export class GanKernelStepper implements Stepper {
  readonly notes: string[];
  private readonly net: GanNet;
  private readonly owned: number[];

  constructor(
    plan: GanPlan,
    memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    index: number,
    workers: number,
    private readonly cfg: TrainConfig,
    private readonly x: RowValues,
  ) {
    if (plan.threads !== workers) throw new Error(`VAE-GAN kernels: a plan for ${plan.threads} threads run by ${workers} workers`);
    this.net = new GanNet(plan, memory, index, module);
    this.notes = [`VAE-GAN kernels (wasm ${variantOf(module) === 'relaxed-simd' ? 'relaxed SIMD' : 'SIMD'})`];
    const owner = partitionVariables(plan.tensors.map((t) => t.size), workers);
    this.owned = owner.flatMap((w, i) => (w === index ? [i] : []));
  }

  /**
   * This worker's share of the three networks' gradients; Σ over its rows of recon, KL and the
   * GAN terms. `allSum`: the workers' sums (the relativistic loss's whole-batch means; one worker: its own rows).
   */
  gradShare(pick: (i: number) => number, rows: number, m: number, beta: number, seed: number, allSum?: AllSum): { recon: number; kl: number; gan: GanParts } {
    this.net.load(this.x, rows, pick, seed);
    const t = this.net.gradient(rows, m, beta, allSum);
    return { recon: t.recon, kl: t.kl, gan: { disc: t.disc, gen: t.gen, feature: t.feature } };
  }

  discard(): void {}

  /** Test probe: all shares summed, L2's gradient added (each network's loss's gradient, in `trainableVariables` order). */
  combined(m: number): Float32Array {
    return combinedShares(this.net, this.cfg.model.l2, m);
  }

  /**
   * Adam step `t` on this worker's tensors, then the weight average's step on them (`average`
   * takes the encoder's and decoder's and skips the discriminator's; each worker touches only its
   * own tensors: the barrier after `apply` covers both).
   */
  apply(t: number, m: number, lr: number): void {
    this.net.adam(this.owned, t, lr, this.cfg.model.l2, m);
    this.net.average(this.owned, t);
  }

  sync(): void {}

  /** The model's weights: θ̄ for the encoder and decoder (emaDecay > 0), the raw discriminator. */
  getFlat(out?: Float32Array): Float32Array {
    return this.net.getFlat(out);
  }
}
