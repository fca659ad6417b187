/**
 * The engine thread's side of a parallel run's epochs (the workers run the steps): it starts
 * each epoch in the workers and watches it — mirrors pause / stop, reports batch progress from
 * the step ring, copies the leader's weights into the bundle about every second — then combines
 * the workers' end-of-epoch reports and starts the epoch's end (validation, its report, the
 * epoch hook), which runs while the workers already train the next epoch.
 */
import { learningRateAt, type LossParts, type TrainConfig } from '../../../src-shared/types';
import { mulberry32, shuffleInPlace } from '../datasets/random';
import type { SplitData } from '../metrics';
import { isGan, type ModelBundle } from '../models/build';
import { EtaClock } from '../eta';
import { divergedError, finishEpoch, mkParts, scaleGan, type TrainControl, type TrainHooks, type TrainResult } from '../train';
import { assignFlat } from './runSetup';
import type { SharedControl, StepRecord } from './sharedControl';
import type { WorkerPool } from './workerPool';
import { STATE_PAUSE, STATE_RUN, STATE_STOP, type FromWorker } from './workerMessages';
import type * as tf from '@tensorflow/tfjs';

/** How often the watcher looks at the workers while an epoch runs (ms). */
const WATCH_MS = 20;

export interface EpochLoopContext {
  bundle: ModelBundle;
  vars: tf.Variable[];
  cfg: TrainConfig;
  val: SplitData;
  /** Training samples. */
  n: number;
  hooks: TrainHooks;
  control: TrainControl;
  pool: WorkerPool;
  shared: SharedControl;
  /** Minimum ms between batch progress reports. */
  progressIntervalMs: number;
  /** Ms between mid-epoch weight copies into the bundle. */
  syncIntervalMs: number;
}

/** What the watcher of one epoch keeps between looks. */
interface EpochWatch {
  start: number;
  lastEmit: number;
  lastSync: number;
  seenSteps: number;
}

type EpochEnd =
  | { kind: 'done'; steps: number; weights: Float32Array }
  | { kind: 'stopped'; batch: number; steps: number; weights: Float32Array }
  | { kind: 'diverged'; batch: number; recon: number; kl: number };

export class EpochLoop {
  private readonly batches: number;
  private readonly order: Int32Array;
  private readonly rng: () => number;
  private readonly t0 = performance.now();
  /** Steps of the run before the current epoch. */
  private step = 0;
  private samplesBefore = 0;
  private rate = 0;
  /**
   * The run's time left. An epoch's end for it is the gap the workers wait through between two
   * epochs (the previous end's completion, the next epoch's start), and after the last epoch its
   * whole end: validation and the hook otherwise overlap the next epoch's batches (whose rate
   * they slow, which the rate includes).
   */
  private readonly eta: EtaClock;
  readonly ending = new OverlappedEpochEnd();

  constructor(private readonly ctx: EpochLoopContext) {
    this.batches = Math.ceil(ctx.n / Math.min(ctx.cfg.batchSize, ctx.n));
    this.order = Int32Array.from({ length: ctx.n }, (_, i) => i);
    this.rng = mulberry32(ctx.cfg.seed);
    this.eta = new EtaClock({ samplesPerEpoch: ctx.n, epochs: ctx.cfg.epochs });
  }

  /** Trains every epoch (or until stopped); throws DIVERGED or the first worker failure. */
  async run(): Promise<TrainResult> {
    const { control } = this.ctx;
    control.onHold = (held) => (held ? this.eta.pause(performance.now()) : this.eta.resume(performance.now()));
    try {
      for (let epoch = 1; epoch <= this.ctx.cfg.epochs; epoch++) {
        const stopped = await this.runEpoch(epoch);
        if (stopped) return stopped;
      }
      await this.ending.settle();
      this.eta.epochEndDone(performance.now());
      return this.result('done');
    } finally {
      control.onHold = null;
    }
  }

  private result(state: TrainResult['state']): TrainResult {
    return { state, epochsDone: this.ending.epochsDone, samplesPerSecond: this.rate, lastVal: this.ending.lastVal };
  }

  /** One epoch in the workers; its end is started, not awaited. Returns a result when the run stopped. */
  private async runEpoch(epoch: number): Promise<TrainResult | null> {
    const { ctx } = this;
    shuffleInPlace(this.order, this.rng);
    // trainModel checks before every batch; the workers check before batches 2…; this is batch 1's.
    if (!(await ctx.control.checkpoint())) {
      await this.ending.settle();
      return this.result('cancelled');
    }
    ctx.shared.startEpoch();
    const start = performance.now();
    this.eta.epochEndDone(start);
    const watch: EpochWatch = { start, lastEmit: 0, lastSync: start, seenSteps: this.step };
    ctx.pool.broadcast({ type: 'epoch', epoch, order: this.order, step: this.step, learningRate: learningRateAt(ctx.cfg, epoch) });
    const end = combineEpochEnds(await this.watch(epoch, watch));
    const ended = performance.now();
    this.eta.epochEndStart(ended);
    // Every worker has reported. The previous epoch's end (its checkpoint) completes first.
    await this.ending.settle();
    if (end.kind === 'diverged') throw divergedError(epoch, end.batch, end.recon, end.kl, ctx.cfg.learningRate);
    assignFlat(ctx.vars, end.weights);
    if (end.kind === 'stopped') {
      const r = end.steps > this.step ? ctx.shared.latest(epoch, this.step) : null;
      if (r) this.rate = (this.samplesBefore + r.sumN) / ((performance.now() - this.t0) / 1000);
      return this.result('cancelled');
    }
    const r = ctx.shared.latest(epoch, this.step);
    if (!r || r.batch !== this.batches) throw new Error('parallel trainer: the last step record of the epoch is missing');
    this.step = end.steps;
    this.samplesBefore += r.sumN;
    const now = performance.now();
    this.rate = this.samplesBefore / ((now - this.t0) / 1000);
    this.eta.batch(ended, this.samplesBefore, epoch * this.batches);
    if (ctx.hooks.onProgress) this.emitBatch(epoch, r, now, watch);
    const done = finishEpoch(ctx.bundle, ctx.cfg, ctx.val, ctx.hooks, {
      epoch,
      batches: this.batches,
      n: ctx.n,
      rate: this.rate,
      eta: this.eta,
      sumRecon: r.sumRecon,
      sumKl: r.sumKl,
      sumN: r.sumN,
      ...(isGan(ctx.cfg.model.kind) ? { sumGan: r.sumGan } : {}),
    });
    this.ending.begin(epoch, done, () => ctx.pool.wakeUp(), (err) => ctx.pool.fail(err));
    return null;
  }

  /** Watches an epoch until every worker reported its end (done, stopped or diverged). */
  private async watch(epoch: number, watch: EpochWatch): Promise<FromWorker[]> {
    const { pool } = this.ctx;
    const ends: FromWorker[] = [];
    const collect = (): boolean => {
      ends.push(...pool.take(['epochDone', 'stopped', 'diverged']));
      return ends.length >= pool.size;
    };
    for (;;) {
      await pool.nextEvent(WATCH_MS);
      pool.throwIfFailed();
      // Until the previous epoch's end is done, no batch report (reports stay in order) and no
      // weight copy (its hook reads that epoch's weights from the bundle).
      const idle = this.ending.idle;
      if (collect()) return ends;
      if (await this.followControl(collect)) return ends;
      const now = performance.now();
      this.noteSteps(epoch, watch, now, idle);
      if (idle) this.syncWeights(watch, now);
    }
  }

  /**
   * Mirrors pause / stop to the workers. Paused, it holds here (the control reports `held`)
   * once no step runs: the leader holds before its next step. Returns true when the epoch ended
   * meanwhile (its end is collected; the next epoch's checkpoint holds instead).
   */
  private async followControl(collect: () => boolean): Promise<boolean> {
    const { control, shared, pool } = this.ctx;
    if (control.state === 'stopping') shared.setState(STATE_STOP);
    if (control.state !== 'paused') return false;
    shared.setState(STATE_PAUSE);
    while (control.state === 'paused' && !shared.leaderHeld()) {
      await pool.nextEvent(WATCH_MS);
      pool.throwIfFailed();
      if (collect()) return true;
    }
    const go = await control.checkpoint(); // holds until resume() or stop()
    shared.setState(go ? STATE_RUN : STATE_STOP);
    return false;
  }

  /** New steps since the last look: the run's rate, and a throttled batch report. */
  private noteSteps(epoch: number, watch: EpochWatch, now: number, idle: boolean): void {
    const { ctx } = this;
    const done = ctx.shared.stepsDone();
    if (done <= watch.seenSteps) return;
    watch.seenSteps = done;
    const r = ctx.shared.latest(epoch, this.step);
    if (!r) return;
    this.rate = (this.samplesBefore + r.sumN) / ((now - this.t0) / 1000);
    this.eta.batch(now, this.samplesBefore + r.sumN, (epoch - 1) * this.batches + r.batch);
    if (ctx.hooks.onProgress && idle && now - watch.lastEmit >= ctx.progressIntervalMs && r.batch < this.batches) this.emitBatch(epoch, r, now, watch);
  }

  /** The mid-epoch weight copy: takes the leader's weights when written, asks again after the interval. */
  private syncWeights(watch: EpochWatch, now: number): void {
    const { shared } = this.ctx;
    const sync = shared.syncState();
    if (sync === 2) {
      assignFlat(this.ctx.vars, shared.syncedWeights);
      shared.syncTaken();
      watch.lastSync = now;
    } else if (sync === 0 && now - watch.lastSync >= this.ctx.syncIntervalMs) {
      shared.requestSync();
    }
  }

  private emitBatch(epoch: number, r: StepRecord, now: number, watch: EpochWatch): void {
    const { cfg, hooks } = this.ctx;
    watch.lastEmit = now;
    // The speed shown: the time-left clock's rate (the recent batches', warm-up and pauses left out),
    // the epoch's so far until it has one.
    const epochRate = r.sumN / Math.max((now - watch.start) / 1000, 1e-6);
    hooks.onProgress?.({
      epoch,
      epochs: cfg.epochs,
      batch: r.batch,
      batches: this.batches,
      samplesPerSecond: this.eta.samplesPerSecond() ?? epochRate,
      etaSeconds: this.eta.seconds(now),
      train: mkParts(r.sumRecon / r.sumN, r.sumKl / r.sumN, r.beta, isGan(cfg.model.kind) ? scaleGan(r.sumGan, 1 / r.sumN) : undefined),
      beta: r.beta,
    });
  }
}

/**
 * An epoch's end work (validation, its report, the epoch hook: checkpoint, snapshot) running on
 * the engine thread while the workers train the next epoch. At most one is in flight.
 */
export class OverlappedEpochEnd {
  private pending: { epoch: number; done: Promise<LossParts>; settled: boolean } | null = null;
  /** Validation losses of the last epoch whose end completed. */
  lastVal: LossParts | null = null;
  epochsDone = 0;

  /** Nothing in flight (or it has completed): batch reports and weight copies may go on. */
  get idle(): boolean {
    return !this.pending || this.pending.settled;
  }

  /** Starts tracking `done`; `onSettled` / `onError` run when it completes (e.g. wake the watcher, fail the run). */
  begin(epoch: number, done: Promise<LossParts>, onSettled: () => void, onError: (err: Error) => void): void {
    const e = { epoch, done, settled: false };
    this.pending = e;
    done.then(
      () => {
        e.settled = true;
        onSettled();
      },
      (err: unknown) => {
        e.settled = true;
        onError(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /** Waits for the end in flight; throws its error. */
  async settle(): Promise<void> {
    const e = this.pending;
    if (!e) return;
    this.pending = null;
    this.lastVal = await e.done;
    this.epochsDone = e.epoch;
  }

  /** Teardown: waits for the end in flight, ignoring its error (already reported). */
  async drain(): Promise<void> {
    await this.pending?.done.catch(() => undefined);
  }
}

/** Combines the workers' end-of-epoch reports (they agree by construction; the leader carries the weights). */
function combineEpochEnds(ends: FromWorker[]): EpochEnd {
  const div = ends.find((e) => e.type === 'diverged');
  if (div && div.type === 'diverged') return { kind: 'diverged', batch: div.batch, recon: div.recon, kl: div.kl };
  const leader = ends.find((e) => e.index === 0);
  if (leader?.type === 'stopped' && leader.weights) return { kind: 'stopped', batch: leader.batch, steps: leader.steps, weights: leader.weights };
  if (leader?.type === 'epochDone' && leader.weights) return { kind: 'done', steps: leader.steps, weights: leader.weights };
  throw new Error(`parallel trainer: unexpected end of epoch (${ends.map((e) => `${e.index}:${e.type}`).join(', ')})`);
}
