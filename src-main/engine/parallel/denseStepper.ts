/**
 * A training worker's step on the dense kernels (../kernels/dense): every worker instantiates
 * the kernels on the one shared memory that holds the weights, Adam's moments and each
 * worker's gradient share, so nothing is copied or exchanged: after the barrier each worker
 * runs Adam on the variables it owns (partitionVariables), reading all shares, and the others
 * see the new weights in place.
 */
import type { TrainConfig } from '../../../src-shared/types';
import { DenseNet } from '../kernels/dense/denseNet';
import type { DensePlan } from '../kernels/dense/densePlan';
import { variantOf } from '../kernels/dense/kernelModule';
import type { RowValues } from '../datasets/rows';
import { partitionVariables } from './batchSplit';
import type { Stepper } from './stepper';

/** What `combinedShares` reads of a kernel network (DenseNet, GanNet). */
export interface KernelShares {
  readonly plan: { P: number; threads: number; tensors: readonly { offset: number; size: number; kernel: boolean }[] };
  readonly weights: Float32Array;
  gradsOf(thread: number): Float32Array;
}

/**
 * Test probe of a kernel stepper: every thread's gradient share summed (length P, the model's
 * flat variable order), with L2's gradient (2·l2/m)·w added on kernels (not biases), for a batch
 * of `m` rows.
 */
export function combinedShares(net: KernelShares, l2: number, m: number): Float32Array {
  const { plan } = net;
  const g = new Float32Array(plan.P);
  for (let t = 0; t < plan.threads; t++) {
    const s = net.gradsOf(t);
    for (let i = 0; i < g.length; i++) g[i] += s[i];
  }
  if (l2 > 0) {
    const w = net.weights;
    for (const t of plan.tensors) if (t.kernel) for (let i = t.offset; i < t.offset + t.size; i++) g[i] += ((2 * l2) / m) * w[i];
  }
  return g;
}

export class DenseStepper implements Stepper {
  readonly notes: string[];
  private readonly net: DenseNet;
  private readonly owned: number[];

  constructor(
    plan: DensePlan,
    memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    index: number,
    workers: number,
    private readonly cfg: TrainConfig,
    private readonly x: RowValues,
    private readonly y: Int32Array,
  ) {
    if (plan.threads !== workers) throw new Error(`dense kernels: a plan for ${plan.threads} threads run by ${workers} workers`);
    this.net = new DenseNet(plan, memory, index, module);
    this.notes = [`dense kernels (wasm ${variantOf(module) === 'relaxed-simd' ? 'relaxed SIMD' : 'SIMD'})`];
    const owner = partitionVariables(plan.tensors.map((t) => t.size), workers);
    this.owned = owner.flatMap((w, i) => (w === index ? [i] : []));
  }

  gradShare(pick: (i: number) => number, rows: number, m: number, beta: number, seed: number): { recon: number; kl: number } {
    this.net.load(this.x, this.y, rows, pick, seed);
    return this.net.gradient(rows, m, beta);
  }

  discard(): void {}

  combined(m: number): Float32Array {
    return combinedShares(this.net, this.cfg.model.l2, m);
  }

  apply(t: number, m: number, lr: number): void {
    this.net.adam(this.owned, t, lr, this.cfg.model.l2, m);
  }

  sync(): void {}

  getFlat(out?: Float32Array): Float32Array {
    return this.net.getFlat(out);
  }
}
