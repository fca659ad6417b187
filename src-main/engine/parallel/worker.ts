/**
 * A training worker (worker_threads) of the data-parallel trainer: its own tfjs backend (wasm +
 * the kernel overrides) and a full replica of the model. Per step:
 *   1. each worker computes the gradient of its rows' share of the batch's mean loss (weighted
 *      by rows/m, so the shares add up to trainModel's gradient) and publishes it in shared memory;
 *   2. barrier; all read the batch losses (NaN/Inf → every worker reports DIVERGED, no update);
 *   3. each worker sums the shares of the variables it owns (partitionVariables: the optimizer
 *      work is split, not repeated), applies Adam to them and publishes the new values;
 *   4. barrier; each copies the other workers' variables: all replicas hold identical weights.
 * Worker 0 (the leader) also reads the pause/stop state (the stop decision for the next batch
 * rides on the step-4 barrier), publishes the per-step losses and, when asked, its weights.
 *
 * Built as `out/main/train-worker.js`; from source it runs under tsx (see ./spawn.ts).
 * `LATENT_LAB_TRAIN_PROFILE=1` prints per-step timings and thread CPU per epoch to stderr.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { TrainConfig } from '../../../src-shared/types';
import { installWasmOverrides, wasmPaths } from '../kernels/wasmOverrides';
import { registerThreadedWasm } from '../kernels/wasmThreads';
import { lowerThisThreadPriority } from './priority';
import { buildModel, isConditional, l2Penalty, oneHot, trainableVariables, type ModelBundle } from '../models/build';
import { forwardLoss } from '../models/loss';
import { betaAt } from '../train';
import {
  CTL,
  REC,
  RING_SLOTS,
  STATE_PAUSE,
  STATE_STOP,
  partitionVariables,
  shareOf,
  stepSeedOf,
  workerSeed,
  type FromWorker,
  type ToWorker,
  type WorkerInit,
} from './protocol';

class Aborted extends Error {}

const PROFILE = Boolean(process.env.LATENT_LAB_TRAIN_PROFILE);

/** CPU seconds of the calling thread (Linux; 0 elsewhere). */
function threadCpu(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(parts[11]) + Number(parts[12])) / 100;
  } catch {
    return 0;
  }
}
let prof = { grad: 0, copy: 0, wait: 0, apply: 0, decide: 0, assign: 0, steps: 0 };

async function initBackend(name: string, threads = 1): Promise<string[]> {
  if (name === 'wasm') {
    setWasmPaths(wasmPaths());
    const notes: string[] = [];
    if (threads > 1) {
      try {
        await registerThreadedWasm(tf, wasmPkg, threads);
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

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

class Replica {
  readonly bundle: ModelBundle;
  readonly vars: tf.Variable[];
  readonly sizes: number[];
  readonly offsets: number[];
  readonly P: number;
  readonly optimizer: tf.Optimizer;
  readonly ctl: Int32Array;
  readonly grads: Float32Array;
  readonly losses: Float64Array;
  readonly syncWeights: Float32Array;
  readonly ring: Float64Array;
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly params: Float32Array;
  /** Owner worker of each variable, and the variables this worker owns. */
  readonly ownerOf: number[];
  readonly owned: number[];
  readonly xBuf: Float32Array;
  readonly yBuf: Int32Array;
  readonly leader: boolean;
  step = 0;

  constructor(readonly init: WorkerInit) {
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
    this.ctl = new Int32Array(shared.ctl);
    this.grads = new Float32Array(shared.grads);
    this.losses = new Float64Array(shared.losses);
    this.syncWeights = new Float32Array(shared.weights);
    this.ring = new Float64Array(shared.ring);
    this.x = new Float32Array(shared.x);
    this.y = new Int32Array(shared.y);
    this.params = new Float32Array(shared.params);
    this.ownerOf = partitionVariables(this.sizes, init.workers);
    this.owned = this.ownerOf.flatMap((w, i) => (w === init.index ? [i] : []));
    const bs = Math.min(cfg.batchSize, init.n);
    const rows = Math.ceil(bs / init.workers) + 1;
    this.xBuf = new Float32Array(rows * spec.inputDim);
    this.yBuf = new Int32Array(rows);
    this.leader = init.index === 0;
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

  /** All workers meet here; throws Aborted when the main thread gave up. */
  barrier(): void {
    const { ctl } = this;
    const W = this.init.workers;
    if (W === 1) return;
    const gen = Atomics.load(ctl, CTL.BAR_GEN);
    if (Atomics.add(ctl, CTL.BAR_COUNT, 1) === W - 1) {
      Atomics.store(ctl, CTL.BAR_COUNT, 0);
      Atomics.add(ctl, CTL.BAR_GEN, 1);
      Atomics.notify(ctl, CTL.BAR_GEN);
      return;
    }
    while (Atomics.load(ctl, CTL.BAR_GEN) === gen) {
      Atomics.wait(ctl, CTL.BAR_GEN, gen, 500);
      if (Atomics.load(ctl, CTL.ABORT)) throw new Aborted();
    }
  }

  /** Leader only: waits while paused; true when the run must stop before the next step. */
  leaderDecides(): boolean {
    const { ctl } = this;
    for (;;) {
      if (Atomics.load(ctl, CTL.ABORT)) throw new Aborted();
      const s = Atomics.load(ctl, CTL.STATE);
      if (s === STATE_STOP) return true;
      if (s !== STATE_PAUSE) return false;
      Atomics.wait(ctl, CTL.STATE, STATE_PAUSE, 500);
    }
  }

  /** Runs one epoch synchronously. */
  runEpoch(epoch: number, order: Int32Array, step0: number): void {
    const { init, ctl } = this;
    const cfg: TrainConfig = init.cfg;
    const W = init.workers;
    const me = init.index;
    const D = init.spec.inputDim;
    const n = init.n;
    const bs = Math.min(cfg.batchSize, n);
    const batches = Math.ceil(n / bs);
    const cond = isConditional(init.spec.config.kind);
    const noise = init.spec.config.inputNoise;
    const P = this.P;
    const gOut = this.grads.subarray(me * P, (me + 1) * P);
    // One worker (the threaded-backend case) owns every variable: Adam takes the gradients as
    // they are, with no copies through shared memory (the test hook still gets them copied).
    const direct = W === 1 && !init.probeGradients;
    this.step = step0;
    let sumRecon = 0;
    let sumKl = 0;
    let sumN = 0;
    const cpu0 = PROFILE ? threadCpu() : 0;
    const wall0 = performance.now();
    const stopped = (batch: number) =>
      post({ type: 'stopped', index: me, epoch, batch, steps: this.step, ...(this.leader ? { weights: this.getFlat() } : {}) });

    // Batch 1's stop check; later ones ride on the end-of-step barrier.
    if (this.leader) Atomics.store(ctl, CTL.DECISION, this.leaderDecides() ? 1 : 0);
    this.barrier();
    if (Atomics.load(ctl, CTL.DECISION) === 1) return stopped(1);

    for (let b = 0; b < batches; b++) {
      const tA = performance.now();
      let kept: tf.NamedTensorMap | null = null;
      const start = b * bs;
      const m = Math.min(bs, n - start);
      const [lo, hi] = shareOf(m, me, W);
      const mw = hi - lo;
      const beta = betaAt(cfg, epoch - 1 + b / batches);
      const seed = workerSeed(stepSeedOf(cfg.seed, this.step), me);

      // 1. This worker's share of the gradient of the batch's mean loss.
      if (mw > 0) {
        for (let i = 0; i < mw; i++) {
          const src = order[start + lo + i];
          this.xBuf.set(this.x.subarray(src * D, src * D + D), i * D);
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
        const tC = performance.now();
        prof.grad += tC - tA;
        const held = sums as unknown as tf.Tensor;
        const lv = held.dataSync();
        held.dispose();
        this.losses[me * 2] = lv[0];
        this.losses[me * 2 + 1] = lv[1];
        if (direct) {
          kept = grads; // applied in place in step 3: nothing to exchange with one worker
        } else {
          this.vars.forEach((v, i) => gOut.set(grads[v.name].dataSync() as Float32Array, this.offsets[i]));
          tf.dispose(grads);
        }
        prof.copy += performance.now() - tC;
      } else {
        gOut.fill(0);
        this.losses[me * 2] = 0;
        this.losses[me * 2 + 1] = 0;
      }
      const tB = performance.now();
      this.barrier();
      const tD = performance.now();
      prof.wait += tD - tB;

      // 2. Batch losses (every worker sums in the same order, so all take the same decision).
      let r = 0;
      let k = 0;
      for (let w = 0; w < W; w++) {
        r += this.losses[w * 2];
        k += this.losses[w * 2 + 1];
      }
      const recon = r / m;
      const kl = k / m;
      if (!Number.isFinite(recon) || !Number.isFinite(kl)) {
        // Checked before the update: the replicas keep their last good weights.
        if (kept) tf.dispose(kept);
        post({ type: 'diverged', index: me, epoch, batch: b + 1, recon, kl });
        return;
      }
      if (init.probeGradients && this.leader) post({ type: 'grads', index: me, step: this.step, grads: this.sumShares() });

      // 3. Adam on the variables this worker owns, from the sum of all shares; publish them.
      const named: tf.NamedTensorMap = kept ?? {};
      for (const i of kept ? [] : this.owned) {
        const v = this.vars[i];
        const o = this.offsets[i];
        const parts: tf.Tensor[] = [];
        for (let w = 0; w < W; w++) parts.push(tf.tensor(this.grads.subarray(w * P + o, w * P + o + this.sizes[i]), v.shape));
        named[v.name] = parts.length === 1 ? parts[0] : tf.tidy(() => tf.addN(parts));
        if (parts.length > 1) tf.dispose(parts);
      }
      if (this.owned.length) this.optimizer.applyGradients(named);
      tf.dispose(Object.values(named));
      if (!direct) for (const i of this.owned) this.params.set(this.vars[i].dataSync() as Float32Array, this.offsets[i]);
      this.step++;
      sumRecon += recon * m;
      sumKl += kl * m;
      sumN += m;
      const last = b === batches - 1;
      if (this.leader) {
        const slot = (this.step % RING_SLOTS) * REC.SIZE;
        const ring = this.ring;
        ring[slot + REC.EPOCH] = epoch;
        ring[slot + REC.BATCH] = b + 1;
        ring[slot + REC.SUM_RECON] = sumRecon;
        ring[slot + REC.SUM_KL] = sumKl;
        ring[slot + REC.SUM_N] = sumN;
        ring[slot + REC.BETA] = beta;
        Atomics.store(ctl, CTL.STEPS, this.step);
        // The next batch's stop check (waits here while paused).
        if (!last) Atomics.store(ctl, CTL.DECISION, this.leaderDecides() ? 1 : 0);
      }
      const tE = performance.now();
      prof.apply += tE - tD;
      this.barrier();
      const tF = performance.now();
      prof.decide += tF - tE;

      // 4. Take the other workers' updated variables: all replicas now hold the same weights.
      if (W > 1) {
        tf.tidy(() => {
          for (let i = 0; i < this.vars.length; i++) {
            if (this.ownerOf[i] === me) continue;
            const o = this.offsets[i];
            this.vars[i].assign(tf.tensor(this.params.subarray(o, o + this.sizes[i]), this.vars[i].shape));
          }
        });
      }
      prof.assign += performance.now() - tF;
      prof.steps++;
      if (this.leader && !last && Atomics.load(ctl, CTL.SYNC) === 1) {
        this.getFlat(this.syncWeights);
        Atomics.store(ctl, CTL.SYNC, 2);
      }
      if (!last && Atomics.load(ctl, CTL.DECISION) === 1) return stopped(b + 2);
    }
    if (PROFILE) {
      const f = (v: number) => (v / Math.max(prof.steps, 1)).toFixed(2);
      console.error(
        `[train-worker ${me}] epoch ${epoch}: ${prof.steps} steps, per step ms: grad ${f(prof.grad)} copy ${f(prof.copy)} ` +
          `wait ${f(prof.wait)} apply ${f(prof.apply)} wait2 ${f(prof.decide)} assign ${f(prof.assign)}; ` +
          `thread cpu ${(threadCpu() - cpu0).toFixed(2)} s of ${((performance.now() - wall0) / 1000).toFixed(2)} s`,
      );
      prof = { grad: 0, copy: 0, wait: 0, apply: 0, decide: 0, assign: 0, steps: 0 };
    }
    if (this.leader) {
      const weights = this.getFlat();
      post({ type: 'epochDone', index: me, epoch, steps: this.step, weights }, [weights.buffer as ArrayBuffer]);
    } else {
      post({ type: 'epochDone', index: me, epoch, steps: this.step });
    }
  }

  /** The full combined gradient (test probe). */
  sumShares(): Float32Array {
    const P = this.P;
    const G = this.grads.slice(0, P);
    for (let w = 1; w < this.init.workers; w++) {
      const s = this.grads.subarray(w * P, (w + 1) * P);
      for (let i = 0; i < P; i++) G[i] += s[i];
    }
    return G;
  }
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let replica: Replica;
  // Before the backend starts its pool threads: they inherit the lower priority.
  lowerThisThreadPriority();
  try {
    const overrides = await initBackend(init.backend, init.wasmThreads);
    replica = new Replica(init);
    post({ type: 'ready', index: init.index, overrides });
  } catch (err) {
    post({ type: 'error', index: init.index, message: err instanceof Error ? err.message : String(err), stack: (err as Error)?.stack });
    return;
  }
  parentPort!.on('message', (msg: ToWorker) => {
    try {
      if (msg.type === 'epoch') replica.runEpoch(msg.epoch, msg.order, msg.step);
      else if (msg.type === 'dump') post({ type: 'weights', index: init.index, weights: replica.getFlat() });
    } catch (err) {
      if (err instanceof Aborted) return;
      // Release the others from the barrier before reporting.
      Atomics.store(replica.ctl, CTL.ABORT, 1);
      Atomics.notify(replica.ctl, CTL.BAR_GEN);
      post({ type: 'error', index: init.index, message: err instanceof Error ? err.message : String(err), stack: (err as Error)?.stack });
    }
  });
}

if (parentPort && workerData && typeof (workerData as WorkerInit).index === 'number') void main();
