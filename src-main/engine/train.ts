/**
 * The training loop: async, yields to the event loop between batches (so the engine keeps
 * answering requests), emits throttled progress, can be paused, resumed and stopped, and stops
 * with DIVERGED on a NaN/Inf loss. Memory stays flat: every batch runs inside tidy/minimize and
 * only three scalars are read back per batch.
 * A VAE-GAN with a weight average (`ModelConfig.emaDecay`, models/vaegan.ts `GanWeightAverage`)
 * trains its raw weights; the model that the epoch ends (validation, hooks: checkpoint, snapshot,
 * GAN health), a pause and the run's end see holds the average θ̄ in its encoder and decoder.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError, learningRateAt, vaeganSettings, type GanParts, type LossParts, type TrainConfig } from '../../src-shared/types';
import { isConditional, isGan, l2Penalty, oneHot, trainableVariables, type ModelBundle } from './models/build';
import { ganOptimizers, GanWeightAverage, vaeganTrainStep } from './models/vaegan';
import { setAdamLearningRate } from './models/adam';
import { forwardLoss } from './models/loss';
import { evaluate, type SplitData } from './metrics';
import { mulberry32, shuffleInPlace } from './datasets/random';
import { copyRowF32 } from './datasets/rows';
import { betaAt } from './schedule';
import { EtaClock } from './eta';

export type ControlState = 'running' | 'paused' | 'stopping';

/**
 * Pause / resume / stop handle shared between the engine and the loop. A pause takes effect at
 * the loop's next `checkpoint()` (before a step); from then on the loop is `held`: no step runs
 * until resume() or stop().
 */
export class TrainControl {
  state: ControlState = 'running';
  /** True while the loop holds in a pause. */
  held = false;
  /** Told when the loop starts holding (true) and when a resume or stop releases it (false); the ETA's pause marks. */
  onHold: ((held: boolean) => void) | null = null;
  private wake: (() => void) | null = null;
  private heldWaiters: Array<(held: boolean) => void> = [];
  pause(): void {
    if (this.state === 'running') this.state = 'paused';
  }
  resume(): void {
    if (this.state === 'paused') this.state = 'running';
    this.held = false;
    this.tellHeld(false);
    this.wake?.();
  }
  stop(): void {
    this.state = 'stopping';
    this.held = false;
    this.tellHeld(false);
    this.wake?.();
  }
  /** Resolves true once the loop holds after pause(), false if resumed or stopped before it did. */
  whenHeld(): Promise<boolean> {
    if (this.held) return Promise.resolve(true);
    if (this.state !== 'paused') return Promise.resolve(false);
    return new Promise((r) => this.heldWaiters.push(r));
  }
  private tellHeld(held: boolean): void {
    this.onHold?.(held);
    const waiters = this.heldWaiters;
    this.heldWaiters = [];
    for (const w of waiters) w(held);
  }
  /** Yields to the event loop; waits while paused. Returns false when a stop was asked for. */
  async checkpoint(): Promise<boolean> {
    await new Promise<void>((r) => setImmediate(r));
    while (this.state === 'paused') {
      this.held = true;
      this.tellHeld(true);
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = null;
    }
    this.held = false;
    return this.state !== 'stopping';
  }
}

export interface ProgressInfo {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  samplesPerSecond: number;
  /** Seconds left (`eta.ts`); null until the clock has timed enough batches. */
  etaSeconds: number | null;
  train: LossParts;
  val?: LossParts;
  beta: number;
}

export interface TrainHooks {
  control?: TrainControl;
  /** Throttled (about 4×/s) and at the end of every epoch (with `val`). */
  onProgress?: (p: ProgressInfo) => void;
  /** After each epoch's validation; e.g. save a checkpoint, emit a latent snapshot. */
  onEpochEnd?: (epoch: number, train: LossParts, val: LossParts) => Promise<void> | void;
  /** Minimum milliseconds between batch progress reports. */
  progressIntervalMs?: number;
}

export interface TrainResult {
  state: 'done' | 'cancelled';
  epochsDone: number;
  samplesPerSecond: number;
  lastVal: LossParts | null;
}

export async function trainModel(
  bundle: ModelBundle,
  cfg: TrainConfig,
  data: { train: SplitData; val: SplitData },
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const control = hooks.control ?? new TrainControl();
  const interval = hooks.progressIntervalMs ?? 250;
  const { train } = data;
  const D = bundle.inputDim;
  const n = train.count;
  const bs = Math.min(cfg.batchSize, n);
  const batches = Math.ceil(n / bs);
  const optimizer = tf.train.adam(cfg.learningRate);
  // A VAE-GAN: three optimisers (models/vaegan.ts) instead of the one.
  const gan = isGan(bundle.config.kind) ? ganOptimizers(bundle.config, cfg.learningRate) : null;
  // Its weight average θ̄ (null: none, emaDecay 0), from the weights the run starts with.
  const ema = gan ? GanWeightAverage.of(bundle, vaeganSettings(bundle.config).emaDecay) : null;
  /** Whether θ̄ was swapped in by a pause (and goes out again when the hold ends). */
  let heldSwap = false;
  const vars = trainableVariables(bundle);
  const rng = mulberry32(cfg.seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const xBuf = new Float32Array(bs * D);
  const yBuf = new Int32Array(bs);

  let step = 0;
  let lastVal: LossParts | null = null;
  let epochsDone = 0;
  const t0 = performance.now();
  let samplesSeen = 0;
  let rate = 0;
  const eta = new EtaClock({ samplesPerEpoch: n, epochs: cfg.epochs, evalSamplesPerEpoch: data.val.count });
  control.onHold = (held) => {
    if (held) eta.pause(performance.now());
    else eta.resume(performance.now());
    // A paused run's model is θ̄ (what is looked at while it holds); no step runs until the hold ends.
    if (held && ema && !ema.swapped) {
      ema.swapIn();
      heldSwap = true;
    } else if (!held && heldSwap) {
      ema!.swapOut();
      heldSwap = false;
    }
  };

  try {
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      shuffleInPlace(order, rng);
      const lr = learningRateAt(cfg, epoch);
      if (gan) gan.setLearningRate(lr);
      else setAdamLearningRate(optimizer, lr);
      let sumRecon = 0;
      let sumKl = 0;
      let sumN = 0;
      const sumGan: GanParts = { disc: 0, gen: 0, feature: 0 };
      let lastEmit = 0;
      const epochStart = performance.now();
      for (let b = 0; b < batches; b++) {
        if (!(await control.checkpoint())) {
          return { state: 'cancelled', epochsDone, samplesPerSecond: rate, lastVal };
        }
        const start = b * bs;
        const m = Math.min(bs, n - start);
        for (let i = 0; i < m; i++) {
          const src = order[start + i];
          copyRowF32(train.x, D, src, xBuf, i * D);
          yBuf[i] = train.y[src];
        }
        const beta = betaAt(cfg, epoch - 1 + b / batches);
        const stepSeed = (cfg.seed * 7919 + step * 104729) % 2147483647;
        const { recon, kl, gan: g }: { recon: number; kl: number; gan?: GanParts } = gan
          ? vaeganTrainStep(gan, bundle, xBuf.subarray(0, m * D), beta, stepSeed)
          : await trainStep(optimizer, bundle, vars, xBuf.subarray(0, m * D), yBuf.subarray(0, m), beta, stepSeed);
        step++;
        const ganFinite = !g || [g.disc, g.gen, g.feature].every(Number.isFinite);
        if (!Number.isFinite(recon) || !Number.isFinite(kl) || !ganFinite) throw divergedError(epoch, b + 1, ganFinite ? recon : NaN, kl, cfg.learningRate);
        ema?.update(step); // the step was applied (its losses are finite)
        if (g) addGan(sumGan, g, m);
        sumRecon += recon * m;
        sumKl += kl * m;
        sumN += m;
        samplesSeen += m;
        const now = performance.now();
        eta.batch(now, samplesSeen, step);
        const elapsedEpoch = (now - epochStart) / 1000;
        const epochRate = sumN / Math.max(elapsedEpoch, 1e-6);
        rate = samplesSeen / ((now - t0) / 1000);
        if (hooks.onProgress && (now - lastEmit >= interval || b === batches - 1)) {
          lastEmit = now;
          hooks.onProgress({
            epoch,
            epochs: cfg.epochs,
            batch: b + 1,
            batches,
            // The time-left clock's rate (recent batches, warm-up and pauses left out) once it has one.
            samplesPerSecond: eta.samplesPerSecond() ?? epochRate,
            etaSeconds: eta.seconds(now),
            train: mkParts(sumRecon / sumN, sumKl / sumN, beta, gan ? scaleGan(sumGan, 1 / sumN) : undefined),
            beta,
          });
        }
      }
      eta.epochEndStart(performance.now());
      // The epoch end reads θ̄; the raw weights come back only if training goes on.
      ema?.swapIn();
      lastVal = await finishEpoch(bundle, cfg, data.val, hooks, { epoch, batches, n, rate, eta, sumRecon, sumKl, sumN, ...(gan ? { sumGan } : {}) });
      eta.epochEndDone(performance.now());
      epochsDone = epoch;
      if (epoch < cfg.epochs) ema?.swapOut();
    }
    return { state: 'done', epochsDone, samplesPerSecond: rate, lastVal };
  } finally {
    control.onHold = null;
    // Whatever the end (done, stopped, an error), the run's model is θ̄ (finite: only checked steps went into it).
    ema?.swapIn();
    ema?.dispose();
    optimizer.dispose();
    gan?.dispose();
  }
}

/**
 * One Adam step of `optimizer` on the batch `x` ([m × D] rows) with labels `y` (CVAE), KL
 * weight `beta` and the step's noise seed (reparameterisation, dropout, input noise). Returns
 * the batch means of recon and KL (read back after the update).
 */
async function trainStep(
  optimizer: tf.Optimizer,
  bundle: ModelBundle,
  vars: tf.Variable[],
  xRows: Float32Array,
  yRows: Int32Array,
  beta: number,
  stepSeed: number,
): Promise<{ recon: number; kl: number }> {
  const D = bundle.inputDim;
  const m = yRows.length;
  const noise = bundle.config.inputNoise;
  let reconT: tf.Scalar | null = null;
  let klT: tf.Scalar | null = null;
  const cost = optimizer.minimize(
    () => {
      const x = tf.tensor2d(xRows, [m, D]);
      const y = isConditional(bundle.config.kind) ? oneHot(yRows, bundle.numClasses) : null;
      let xIn: tf.Tensor2D | undefined;
      if (noise > 0) {
        const noisy = tf.add(x, tf.randomNormal([m, D], 0, noise, 'float32', stepSeed + 1));
        xIn = (bundle.output === 'bernoulli' ? tf.clipByValue(noisy, 0, 1) : noisy) as tf.Tensor2D;
      }
      const parts = forwardLoss(bundle, x, y, { training: true, seed: stepSeed, xIn });
      reconT = tf.keep(parts.recon);
      klT = tf.keep(parts.kl);
      let total = beta > 0 ? tf.add(parts.recon, tf.mul(beta, parts.kl)) : parts.recon;
      const l2 = l2Penalty(bundle);
      if (l2) total = tf.add(total, tf.div(l2, m));
      return total as tf.Scalar;
    },
    true,
    vars,
  );
  const [r, k] = await Promise.all([reconT!.data(), klT!.data()]);
  cost?.dispose();
  reconT!.dispose();
  klT!.dispose();
  return { recon: r[0], kl: k[0] };
}

/** DIVERGED: the batch loss (`recon`, `kl`) of `batch` (1-based) in `epoch` is NaN or infinite. */
export function divergedError(epoch: number, batch: number, recon: number, kl: number, learningRate: number): LabError {
  return new LabError(
    'DIVERGED',
    `training diverged: the loss became ${Number.isNaN(recon + kl) ? 'NaN' : 'infinite'} at epoch ${epoch}, batch ${batch} ` +
      `(try a lower learning rate than ${learningRate})`,
  );
}

/** The losses of a report; `gan`: a VAE-GAN's batch-mean GAN terms. */
export function mkParts(recon: number, kl: number, beta: number, gan?: GanParts): LossParts {
  return { loss: recon + beta * kl, recon, kl, ...(gan ? { gan } : {}) };
}

/** `sum` += `g`·m (running Σ·m of a VAE-GAN's batch means). */
export function addGan(sum: GanParts, g: GanParts, m: number): void {
  sum.disc += g.disc * m;
  sum.gen += g.gen * m;
  sum.feature += g.feature * m;
}

/** `g`·s (e.g. Σ·m over the epoch → means with s = 1/n). */
export function scaleGan(g: GanParts, s: number): GanParts {
  return { disc: g.disc * s, gen: g.gen * s, feature: g.feature * s };
}

/**
 * The end of an epoch, shared by both trainers: validation (NaN → DIVERGED), the epoch's
 * progress report with `val`, then the epoch hook. Returns the validation losses.
 */
export async function finishEpoch(
  bundle: ModelBundle,
  cfg: TrainConfig,
  val: SplitData,
  hooks: TrainHooks,
  e: { epoch: number; batches: number; n: number; rate: number; eta: EtaClock; sumRecon: number; sumKl: number; sumN: number; sumGan?: GanParts },
): Promise<LossParts> {
  const beta = betaAt(cfg, e.epoch);
  const trainParts = mkParts(e.sumRecon / e.sumN, e.sumKl / e.sumN, beta, e.sumGan ? scaleGan(e.sumGan, 1 / e.sumN) : undefined);
  const v = await evaluate(bundle, val, { seed: cfg.seed, beta });
  if (!Number.isFinite(v.loss)) {
    throw new LabError('DIVERGED', `training diverged: the validation loss became NaN after epoch ${e.epoch}`);
  }
  hooks.onProgress?.({
    epoch: e.epoch,
    epochs: cfg.epochs,
    batch: e.batches,
    batches: e.batches,
    samplesPerSecond: e.rate,
    etaSeconds: e.eta.seconds(performance.now()),
    train: trainParts,
    val: v,
    beta,
  });
  await hooks.onEpochEnd?.(e.epoch, trainParts, v);
  return v;
}
