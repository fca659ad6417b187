/**
 * A training worker's step on tfjs: its own backend (wasm + the kernel overrides, or cpu) and a
 * full replica of the model. Each worker computes the gradient of its rows' share of the
 * batch's mean loss (weighted by rows/m, so the shares add up to trainModel's gradient) and
 * publishes it in shared memory; after the barrier each sums the shares of the variables it
 * owns (partitionVariables: the optimizer work is split, not repeated), applies Adam to them
 * and publishes the new values; after the next barrier each copies the other workers'
 * variables, so all replicas hold identical weights. One worker (the threaded-backend case)
 * applies its gradients as they are, with nothing copied through shared memory.
 */
import * as tf from '@tensorflow/tfjs';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmOverrides, wasmPaths } from '../kernels/wasmOverrides';
import { registerThreadedWasm, wasmInitTimeout } from '../kernels/wasmThreads';
import { buildModel, isConditional, l2Penalty, oneHot, trainableVariables, type ModelBundle } from '../models/build';
import { forwardLoss } from '../models/loss';
import { setAdamLearningRate } from '../models/adam';
import { partitionVariables } from './batchSplit';
import type { WorkerInit } from './workerMessages';
import { copyRowF32, viewRows, type RowValues } from '../datasets/rows';
import type { Stepper } from './stepper';

/**
 * Starts the worker's tfjs backend; returns notes for the 'ready' message. wasm with `threads`
 * > 1 loads the threaded build, waiting at most `timeoutMs` (`LATENT_LAB_WASM_INIT_TIMEOUT_MS`)
 * before it falls back to the stock single-threaded one and says why.
 */
export async function initWorkerBackend(name: string, threads = 1, timeoutMs = wasmInitTimeout()): Promise<string[]> {
  if (name === 'wasm') {
    setWasmPaths(wasmPaths());
    const notes: string[] = [];
    if (threads > 1) {
      try {
        await registerThreadedWasm(tf, wasmPkg, threads, timeoutMs);
        notes.push(`wasm: ${threads} threads`);
      } catch (err) {
        notes.push(`wasm: 1 thread (the threaded build did not load: ${err instanceof Error ? err.message : String(err)})`);
      }
    }
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise in a training worker');
    await tf.ready();
    return [...installWasmOverrides(tf), ...notes];
  }
  if (name !== 'cpu') throw new Error(`training workers do not support the ${name} backend`);
  await tf.setBackend('cpu');
  await tf.ready();
  return [];
}

export class TfStepper implements Stepper {
  readonly bundle: ModelBundle;
  readonly vars: tf.Variable[];
  readonly sizes: number[];
  readonly offsets: number[];
  readonly P: number;
  readonly optimizer: tf.Optimizer;
  readonly grads: Float32Array;
  readonly x: RowValues;
  readonly y: Int32Array;
  readonly params: Float32Array;
  /** Owner worker of each variable, and the variables this worker owns. */
  readonly ownerOf: number[];
  readonly owned: number[];
  readonly xBuf: Float32Array;
  readonly yBuf: Int32Array;
  /** With one worker Adam takes the gradients as they are (nothing to exchange). */
  readonly direct: boolean;
  private kept: tf.NamedTensorMap | null = null;

  constructor(
    readonly init: WorkerInit,
    readonly notes: string[],
  ) {
    const { spec, cfg, shared } = init;
    this.bundle = buildModel(spec, cfg.seed);
    this.vars = trainableVariables(this.bundle);
    if (this.vars.length !== init.shapes.length) throw new Error('replica: variable count differs from the main model');
    this.sizes = [];
    this.offsets = [];
    let off = 0;
    this.vars.forEach((v, i) => {
      if (v.shape.join(',') !== init.shapes[i].join(',')) throw new Error(`replica: shape of ${v.name} differs`);
      this.offsets.push(off);
      this.sizes.push(v.size);
      off += v.size;
    });
    this.P = off;
    this.setFlat(init.weights);
    if (init.index > 0) {
      // Dropout layers draw their mask from a fixed seed; give each worker's rows a different one.
      for (const m of [this.bundle.encoder, this.bundle.decoder]) {
        for (const l of m.layers) {
          const d = l as unknown as { seed?: number };
          if (l.getClassName() === 'Dropout' && typeof d.seed === 'number') d.seed += init.index * 7_919_001;
        }
      }
    }
    this.optimizer = tf.train.adam(cfg.learningRate);
    this.grads = new Float32Array(shared.grads);
    this.x = viewRows(shared.x, shared.xKind);
    this.y = new Int32Array(shared.y);
    this.params = new Float32Array(shared.params);
    this.ownerOf = partitionVariables(this.sizes, init.workers);
    this.owned = this.ownerOf.flatMap((w, i) => (w === init.index ? [i] : []));
    const bs = Math.min(cfg.batchSize, init.n);
    const rows = Math.ceil(bs / init.workers) + 1;
    this.xBuf = new Float32Array(rows * spec.inputDim);
    this.yBuf = new Int32Array(rows);
    this.direct = init.workers === 1 && !init.probeGradients;
  }

  setFlat(flat: Float32Array): void {
    tf.tidy(() => {
      this.vars.forEach((v, i) => v.assign(tf.tensor(flat.subarray(this.offsets[i], this.offsets[i] + this.sizes[i]), v.shape)));
    });
  }

  getFlat(out: Float32Array = new Float32Array(this.P)): Float32Array {
    this.vars.forEach((v, i) => out.set(v.dataSync() as Float32Array, this.offsets[i]));
    return out;
  }

  gradShare(pick: (i: number) => number, mw: number, m: number, beta: number, seed: number): { recon: number; kl: number } {
    const { init, P } = this;
    const me = init.index;
    const gOut = this.grads.subarray(me * P, (me + 1) * P);
    if (mw === 0) {
      gOut.fill(0);
      return { recon: 0, kl: 0 };
    }
    const D = init.spec.inputDim;
    const cond = isConditional(init.spec.config.kind);
    const noise = init.spec.config.inputNoise;
    for (let i = 0; i < mw; i++) {
      const src = pick(i);
      copyRowF32(this.x, D, src, this.xBuf, i * D);
      this.yBuf[i] = this.y[src];
    }
    const weight = mw / m;
    let sums: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const x = tf.tensor2d(this.xBuf.subarray(0, mw * D), [mw, D]);
      const y = cond ? oneHot(this.yBuf.subarray(0, mw), init.spec.numClasses) : null;
      let xIn: tf.Tensor2D | undefined;
      if (noise > 0) {
        const noisy = tf.add(x, tf.randomNormal([mw, D], 0, noise, 'float32', seed + 1));
        xIn = (init.spec.output === 'bernoulli' ? tf.clipByValue(noisy, 0, 1) : noisy) as tf.Tensor2D;
      }
      const parts = forwardLoss(this.bundle, x, y, { training: true, seed, xIn });
      // Σ recon and Σ kl over this worker's rows (for the batch means), outside the gradient.
      sums = tf.keep(tf.stack([tf.mul(parts.recon, mw), tf.mul(parts.kl, mw)]));
      let total: tf.Tensor = beta > 0 ? tf.add(parts.recon, tf.mul(beta, parts.kl)) : parts.recon;
      total = tf.mul(total, weight);
      const l2 = l2Penalty(this.bundle);
      // trainModel adds l2/m to the batch mean; each share carries its weight of it.
      if (l2) total = tf.add(total, tf.mul(l2, weight / m));
      return total as tf.Scalar;
    }, this.vars);
    value.dispose();
    const held = sums as unknown as tf.Tensor;
    const lv = held.dataSync();
    held.dispose();
    if (this.direct) {
      this.kept = grads; // applied in place: nothing to exchange with one worker
    } else {
      this.vars.forEach((v, i) => gOut.set(grads[v.name].dataSync() as Float32Array, this.offsets[i]));
      tf.dispose(grads);
    }
    return { recon: lv[0], kl: lv[1] };
  }

  discard(): void {
    if (this.kept) tf.dispose(this.kept);
    this.kept = null;
  }

  combined(): Float32Array {
    const P = this.P;
    const G = this.grads.slice(0, P);
    for (let w = 1; w < this.init.workers; w++) {
      const s = this.grads.subarray(w * P, (w + 1) * P);
      for (let i = 0; i < P; i++) G[i] += s[i];
    }
    return G;
  }

  /** Adam's update of this worker's own variables at rate `lr` (this epoch's, `learningRateAt`). */
  apply(_t: number, _m: number, lr: number): void {
    const { init, P } = this;
    const W = init.workers;
    const named: tf.NamedTensorMap = this.kept ?? {};
    for (const i of this.kept ? [] : this.owned) {
      const v = this.vars[i];
      const o = this.offsets[i];
      const parts: tf.Tensor[] = [];
      for (let w = 0; w < W; w++) parts.push(tf.tensor(this.grads.subarray(w * P + o, w * P + o + this.sizes[i]), v.shape));
      named[v.name] = parts.length === 1 ? parts[0] : tf.tidy(() => tf.addN(parts));
      if (parts.length > 1) tf.dispose(parts);
    }
    if (this.owned.length) {
      setAdamLearningRate(this.optimizer, lr);
      this.optimizer.applyGradients(named);
    }
    tf.dispose(Object.values(named));
    this.kept = null;
    if (!this.direct) for (const i of this.owned) this.params.set(this.vars[i].dataSync() as Float32Array, this.offsets[i]);
  }

  sync(): void {
    if (this.init.workers === 1) return;
    tf.tidy(() => {
      for (let i = 0; i < this.vars.length; i++) {
        if (this.ownerOf[i] === this.init.index) continue;
        const o = this.offsets[i];
        this.vars[i].assign(tf.tensor(this.params.subarray(o, o + this.sizes[i]), this.vars[i].shape));
      }
    });
  }
}
