/**
 * A training worker (worker_threads) of the data-parallel trainer. It runs whole epochs on its
 * own; the step itself is a `Stepper`: the dense kernels (./denseStepper.ts, the default for
 * the app's dense models), a tfjs replica (./tfStepper.ts) or, for a VAE-GAN, its three networks
 * and optimisers on the kernels (./ganKernelStepper.ts) or on tfjs (./ganStepper.ts; one worker). Per step:
 *   1. each worker computes the gradient of its rows' share of the batch's mean loss (a VAE-GAN
 *      with the relativistic loss meets the others twice inside it: `Runner.allSum`);
 *   2. barrier; all read the batch losses (NaN/Inf → every worker reports DIVERGED, no update);
 *   3. each worker runs Adam on the variables it owns, from all shares, and publishes them;
 *   4. barrier; each takes the other workers' variables (tfjs replicas; the dense kernels
 *      share one memory, so there is nothing to take).
 * Worker 0 (the leader) also reads the pause/stop state (the stop decision for the next batch
 * rides on the step-4 barrier), publishes the per-step losses and, when asked, its weights.
 *
 * Built as `out/main/train-worker.js`; from source it runs under tsx (see ./spawn.ts).
 * `LATENT_LAB_TRAIN_PROFILE=1` prints per-step timings and thread CPU per epoch to stderr.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainConfig } from '../../../src-shared/types';
import { lowerThisThreadPriority } from './priority';
import { betaAt } from '../schedule';
import { DenseStepper } from './denseStepper';
import { GanKernelStepper } from './ganKernelStepper';
import type { Stepper } from './stepper';
import { shareOf, stepSeedOf, workerSeed } from './batchSplit';
import { CTL, REC, RING_SLOTS, STATE_PAUSE, STATE_STOP, type FromWorker, type ToWorker, type WorkerInit } from './workerMessages';
import { envFlag } from '../../env';
import { viewRows } from '../datasets/rows';

class Aborted extends Error {}

/** The epoch's running sums (Σ·m of each batch mean; `gan`: a VAE-GAN's terms, else zeros). */
interface EpochSums {
  recon: number;
  kl: number;
  n: number;
  gan: { disc: number; gen: number; feature: number };
}

const PROFILE = envFlag('LATENT_LAB_TRAIN_PROFILE');

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
let prof = { grad: 0, wait: 0, apply: 0, decide: 0, assign: 0, steps: 0 };

/** `LATENT_LAB_TRAIN_PROFILE`: this epoch's per-step timings and thread CPU, to stderr. */
function printProfile(me: number, epoch: number, cpu0: number, wall0: number): void {
  const f = (v: number) => (v / Math.max(prof.steps, 1)).toFixed(2);
  console.error(
    `[train-worker ${me}] epoch ${epoch}: ${prof.steps} steps, per step ms: grad ${f(prof.grad)} ` +
      `wait ${f(prof.wait)} apply ${f(prof.apply)} wait2 ${f(prof.decide)} sync ${f(prof.assign)}; ` +
      `thread cpu ${(threadCpu() - cpu0).toFixed(2)} s of ${((performance.now() - wall0) / 1000).toFixed(2)} s`,
  );
  prof = { grad: 0, wait: 0, apply: 0, decide: 0, assign: 0, steps: 0 };
}

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

/** Runs epochs of steps: batching, barriers, losses, pause/stop, the leader's records. */
class Runner {
  readonly ctl: Int32Array;
  readonly losses: Float64Array;
  readonly syncWeights: Float32Array;
  readonly ring: Float64Array;
  /** `allSum`'s two banks of workers × 3 partial sums (null: the run has none). */
  readonly sums: Float64Array | null;
  private sumCalls = 0;
  readonly leader: boolean;
  step = 0;

  constructor(
    readonly init: WorkerInit,
    readonly stepper: Stepper,
  ) {
    const { shared } = init;
    this.ctl = new Int32Array(shared.ctl);
    this.losses = new Float64Array(shared.losses);
    this.syncWeights = new Float32Array(shared.weights);
    this.ring = new Float64Array(shared.ring);
    this.sums = shared.sums ? new Float64Array(shared.sums) : null;
    this.leader = init.index === 0;
  }

  /**
   * The three partial sums of every worker added up, in worker order (every worker gets the same
   * values): each writes its own into this call's bank, then the barrier, then all read. Banks
   * alternate: a worker writes call k + 2's sums only after call k + 1's barrier, which every
   * worker passes after reading call k's. Every worker must call it equally often.
   */
  readonly allSum = (p: [number, number, number]): [number, number, number] => {
    const W = this.init.workers;
    if (W === 1) return p;
    const s = this.sums;
    if (!s) throw new Error('this run has no shared sums buffer (only the relativistic VAE-GAN loss on the kernels uses one)');
    const bank = (this.sumCalls++ & 1) * W * 3;
    s.set(p, bank + this.init.index * 3);
    this.barrier();
    const out: [number, number, number] = [0, 0, 0];
    for (let w = 0; w < W; w++) for (let j = 0; j < 3; j++) out[j] += s[bank + w * 3 + j];
    return out;
  };

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

  /**
   * Leader only: holds while paused (CTL.HELD says so to the main thread); true when the run
   * must stop before the next step.
   */
  leaderDecides(): boolean {
    const { ctl } = this;
    try {
      for (;;) {
        if (Atomics.load(ctl, CTL.ABORT)) throw new Aborted();
        const s = Atomics.load(ctl, CTL.STATE);
        if (s === STATE_STOP) return true;
        if (s !== STATE_PAUSE) return false;
        Atomics.store(ctl, CTL.HELD, 1);
        Atomics.wait(ctl, CTL.STATE, STATE_PAUSE, 500);
      }
    } finally {
      Atomics.store(ctl, CTL.HELD, 0);
    }
  }

  /**
   * Leader only, after a step: publishes the epoch's running sums in the ring, then (unless it
   * was the epoch's last batch) decides whether the next batch runs, holding here while paused.
   */
  recordStep(epoch: number, batch: number, sums: EpochSums, beta: number, last: boolean): void {
    const { ctl, ring } = this;
    const slot = (this.step % RING_SLOTS) * REC.SIZE;
    ring[slot + REC.EPOCH] = epoch;
    ring[slot + REC.BATCH] = batch;
    ring[slot + REC.SUM_RECON] = sums.recon;
    ring[slot + REC.SUM_KL] = sums.kl;
    ring[slot + REC.SUM_N] = sums.n;
    ring[slot + REC.BETA] = beta;
    ring[slot + REC.SUM_DISC] = sums.gan.disc;
    ring[slot + REC.SUM_GEN] = sums.gan.gen;
    ring[slot + REC.SUM_FEATURE] = sums.gan.feature;
    Atomics.store(ctl, CTL.STEPS, this.step);
    if (!last) Atomics.store(ctl, CTL.DECISION, this.leaderDecides() ? 1 : 0);
  }

  /** Runs one epoch synchronously. */
  runEpoch(epoch: number, order: Int32Array, step0: number, learningRate?: number): void {
    const { init, ctl, stepper } = this;
    const cfg: TrainConfig = init.cfg;
    const W = init.workers;
    const me = init.index;
    const n = init.n;
    const bs = Math.min(cfg.batchSize, n);
    const batches = Math.ceil(n / bs);
    this.step = step0;
    const sums: EpochSums = { recon: 0, kl: 0, n: 0, gan: { disc: 0, gen: 0, feature: 0 } };
    const cpu0 = PROFILE ? threadCpu() : 0;
    const wall0 = performance.now();
    const stopped = (batch: number) =>
      post({ type: 'stopped', index: me, epoch, batch, steps: this.step, ...(this.leader ? { weights: stepper.getFlat() } : {}) });

    // Batch 1's stop check; later ones ride on the end-of-step barrier.
    if (this.leader) Atomics.store(ctl, CTL.DECISION, this.leaderDecides() ? 1 : 0);
    this.barrier();
    if (Atomics.load(ctl, CTL.DECISION) === 1) return stopped(1);

    for (let b = 0; b < batches; b++) {
      const tA = performance.now();
      const start = b * bs;
      const m = Math.min(bs, n - start);
      const [lo, hi] = shareOf(m, me, W);
      const beta = betaAt(cfg, epoch - 1 + b / batches);
      const seed = workerSeed(stepSeedOf(cfg.seed, this.step), me);

      // 1. This worker's share of the gradient of the batch's mean loss.
      const mine = stepper.gradShare((i) => order[start + lo + i], hi - lo, m, beta, seed, this.allSum);
      // Per worker: Σ recon, Σ KL, then a VAE-GAN's Σ disc, gen, feature (runs whose buffer has
      // room for them: runSetup's 5 slots a worker; the classifier's has 2).
      const S = this.losses.length / W;
      this.losses[me * S] = mine.recon;
      this.losses[me * S + 1] = mine.kl;
      if (mine.gan && S >= 5) this.losses.set([mine.gan.disc, mine.gan.gen, mine.gan.feature], me * S + 2);
      const tB = performance.now();
      prof.grad += tB - tA;
      this.barrier();
      const tD = performance.now();
      prof.wait += tD - tB;

      // 2. Batch losses (every worker sums in the same order, so all take the same decision).
      let r = 0;
      let k = 0;
      for (let w = 0; w < W; w++) {
        r += this.losses[w * S];
        k += this.losses[w * S + 1];
      }
      const recon = r / m;
      const kl = k / m;
      // A VAE-GAN's terms, summed over the workers (the kernels split its batch too).
      const gan = mine.gan && { disc: 0, gen: 0, feature: 0 };
      for (let w = 0; gan && w < W; w++) {
        gan.disc += this.losses[w * S + 2];
        gan.gen += this.losses[w * S + 3];
        gan.feature += this.losses[w * S + 4];
      }
      if (!Number.isFinite(recon) || !Number.isFinite(kl) || (gan && ![gan.disc, gan.gen, gan.feature].every(Number.isFinite))) {
        // Checked before the update: the replicas keep their last good weights.
        stepper.discard();
        post({ type: 'diverged', index: me, epoch, batch: b + 1, recon: gan && Number.isFinite(recon + kl) ? NaN : recon, kl });
        return;
      }
      if (init.probeGradients && this.leader) post({ type: 'grads', index: me, step: this.step, grads: stepper.combined(m) });

      // 3. Adam on the variables this worker owns, from the sum of all shares.
      stepper.apply(this.step + 1, m, learningRate ?? cfg.learningRate);
      this.step++;
      sums.recon += recon * m;
      sums.kl += kl * m;
      sums.n += m;
      if (gan) {
        sums.gan.disc += gan.disc;
        sums.gan.gen += gan.gen;
        sums.gan.feature += gan.feature;
      }
      const last = b === batches - 1;
      if (this.leader) this.recordStep(epoch, b + 1, sums, beta, last);
      const tE = performance.now();
      prof.apply += tE - tD;
      this.barrier();
      const tF = performance.now();
      prof.decide += tF - tE;

      // 4. Take the other workers' updated variables: all replicas now hold the same weights.
      stepper.sync();
      prof.assign += performance.now() - tF;
      prof.steps++;
      if (this.leader && !last && Atomics.load(ctl, CTL.SYNC) === 1) {
        stepper.getFlat(this.syncWeights);
        Atomics.store(ctl, CTL.SYNC, 2);
      }
      if (!last && Atomics.load(ctl, CTL.DECISION) === 1) return stopped(b + 2);
    }
    if (PROFILE) printProfile(me, epoch, cpu0, wall0);
    if (this.leader) {
      const weights = stepper.getFlat();
      post({ type: 'epochDone', index: me, epoch, steps: this.step, weights }, [weights.buffer as ArrayBuffer]);
    } else {
      post({ type: 'epochDone', index: me, epoch, steps: this.step });
    }
  }
}

/** The step implementation this worker was started for. */
async function makeStepper(init: WorkerInit): Promise<Stepper> {
  if (init.gan) {
    return new GanKernelStepper(init.gan.plan, init.gan.memory, init.gan.module, init.index, init.workers, init.cfg, viewRows(init.shared.x, init.shared.xKind));
  }
  if (init.dense) {
    const { shared } = init;
    return new DenseStepper(init.dense.plan, init.dense.memory, init.dense.module, init.index, init.workers, init.cfg, viewRows(shared.x, shared.xKind), new Int32Array(shared.y));
  }
  // From source (tsx's CJS loader) tfjs loads only in workers that train on it; the bundle
  // hoists the external `require` of tfjs to the top (loaded there, but never initialised).
  const { TfStepper, initWorkerBackend } = require('./tfStepper') as typeof import('./tfStepper');
  const notes = await initWorkerBackend(init.backend, init.wasmThreads);
  if (init.spec.config.kind === 'vaegan') {
    const { GanStepper } = require('./ganStepper') as typeof import('./ganStepper');
    return new GanStepper(init, notes);
  }
  return new TfStepper(init, notes);
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let runner: Runner;
  // Before the backend starts its pool threads: they inherit the lower priority.
  lowerThisThreadPriority();
  try {
    const stepper = await makeStepper(init);
    runner = new Runner(init, stepper);
    post({ type: 'ready', index: init.index, overrides: stepper.notes });
  } catch (err) {
    post({ type: 'error', index: init.index, message: err instanceof Error ? err.message : String(err), stack: (err as Error)?.stack });
    return;
  }
  parentPort!.on('message', (msg: ToWorker) => {
    try {
      if (msg.type === 'epoch') runner.runEpoch(msg.epoch, msg.order, msg.step, msg.learningRate);
      else if (msg.type === 'dump') post({ type: 'weights', index: init.index, weights: runner.stepper.getFlat() });
    } catch (err) {
      if (err instanceof Aborted) return;
      // Release the others from the barrier before reporting.
      Atomics.store(runner.ctl, CTL.ABORT, 1);
      Atomics.notify(runner.ctl, CTL.BAR_GEN);
      post({ type: 'error', index: init.index, message: err instanceof Error ? err.message : String(err), stack: (err as Error)?.stack });
    }
  });
}

if (parentPort && workerData && typeof (workerData as WorkerInit).index === 'number') void main();
