/**
 * What a training worker's epoch loop (./worker.ts) needs from the code that computes a step:
 * the tfjs replica (./tfStepper.ts), the dense kernels (./denseStepper.ts) or a VAE-GAN's three
 * networks on the kernels (./ganKernelStepper.ts) or on tfjs (./ganStepper.ts, one worker).
 */
import type { GanParts } from '../../../src-shared/types';
import type { AllSum } from '../kernels/dense/ganNet';

export interface Stepper {
  /** Notes for the 'ready' message (kernel overrides, thread fallbacks…). */
  readonly notes: string[];
  /**
   * This worker's share of the gradient of the batch's mean loss (a batch of `m` rows; this
   * worker's `rows` rows are `pick(0…rows-1)` into the shared training arrays), kept for
   * `apply`. Returns Σ recon and Σ KL over its rows (a VAE-GAN: and Σ of its GAN terms).
   * `allSum`: sums over all workers (a collective; the VAE-GAN kernels' relativistic loss needs
   * whole-batch means of the discriminator's logits); steppers that need none ignore it.
   */
  gradShare(pick: (i: number) => number, rows: number, m: number, beta: number, seed: number, allSum?: AllSum): { recon: number; kl: number; gan?: GanParts };
  /** Drops the share (the batch's loss was not finite: no update). */
  discard(): void;
  /** Test probe: the whole batch's gradient (all workers' shares, L2 included). */
  combined(m: number): Float32Array;
  /**
   * Adam (step `t`, 1-based) on the variables this worker owns, from all shares; publishes them.
   * `lr`: this step's learning rate (the epoch message's, else the config's); the tfjs replica
   * keeps its optimizer's (the config's) — per-epoch rates are the kernels' only (the classifier).
   */
  apply(t: number, m: number, lr: number): void;
  /** After the barrier that follows `apply`: take the other workers' variables. */
  sync(): void;
  /** The current weights in `trainableVariables` order (a copy). */
  getFlat(out?: Float32Array): Float32Array;
}
