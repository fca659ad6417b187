/**
 * The engine thread's side of the shared control block and step ring (layout in
 * ./workerMessages.ts; the workers' side is in ./worker.ts): it mirrors pause / stop to the
 * workers, reads the newest step record, runs the mid-epoch weight-copy handshake and releases
 * every worker on teardown.
 */
import type { GanParts } from '../../../src-shared/types';
import { CTL, REC, RING_SLOTS, STATE_RUN, type SharedBuffers } from './workerMessages';

/** The leader's running sums after a step (the epoch so far). */
export interface StepRecord {
  /** 1-based batch index within the epoch. */
  batch: number;
  sumRecon: number;
  sumKl: number;
  /** Samples of the epoch so far. */
  sumN: number;
  beta: number;
  /** VAE-GAN runs: Σ·m over the epoch so far of the discriminator's loss, the GAN and the feature terms (0 for other kinds). */
  sumGan: GanParts;
}

export class SharedControl {
  private readonly ctl: Int32Array;
  private readonly ring: Float64Array;
  /** The leader's weights after a sync handshake (trainableVariables order). */
  readonly syncedWeights: Float32Array;

  constructor(shared: SharedBuffers) {
    this.ctl = new Int32Array(shared.ctl);
    this.ring = new Float64Array(shared.ring);
    this.syncedWeights = new Float32Array(shared.weights);
  }

  /** Before an epoch's message: run, no weight copy pending. */
  startEpoch(): void {
    Atomics.store(this.ctl, CTL.STATE, STATE_RUN);
    Atomics.store(this.ctl, CTL.SYNC, 0);
  }

  /** RUN / PAUSE / STOP for the leader's next decision; wakes it if it holds. */
  setState(state: number): void {
    Atomics.store(this.ctl, CTL.STATE, state);
    Atomics.notify(this.ctl, CTL.STATE);
  }

  /** True while the leader holds in a pause: no step runs. */
  leaderHeld(): boolean {
    return Atomics.load(this.ctl, CTL.HELD) === 1;
  }

  /** Steps completed in the run so far (published after their ring record). */
  stepsDone(): number {
    return Atomics.load(this.ctl, CTL.STEPS);
  }

  /**
   * The newest step's record if it belongs to `epoch` and is later than step `after`; null
   * otherwise, or when the leader may have rewritten the slot while it was read.
   */
  latest(epoch: number, after: number): StepRecord | null {
    const done = this.stepsDone();
    if (done <= after) return null;
    const slot = (done % RING_SLOTS) * REC.SIZE;
    const ring = this.ring;
    const recEpoch = ring[slot + REC.EPOCH];
    const rec: StepRecord = {
      batch: ring[slot + REC.BATCH],
      sumRecon: ring[slot + REC.SUM_RECON],
      sumKl: ring[slot + REC.SUM_KL],
      sumN: ring[slot + REC.SUM_N],
      beta: ring[slot + REC.BETA],
      sumGan: { disc: ring[slot + REC.SUM_DISC], gen: ring[slot + REC.SUM_GEN], feature: ring[slot + REC.SUM_FEATURE] },
    };
    // The slot is rewritten only RING_SLOTS steps later: a read that raced with it is dropped.
    if (this.stepsDone() - done >= RING_SLOTS - 1 || recEpoch !== epoch) return null;
    return rec;
  }

  /** Weight-copy handshake: 0 idle, 1 asked, 2 the leader wrote `syncedWeights`. */
  syncState(): number {
    return Atomics.load(this.ctl, CTL.SYNC);
  }

  /** Asks the leader for its weights after its next step. */
  requestSync(): void {
    Atomics.store(this.ctl, CTL.SYNC, 1);
  }

  /** `syncedWeights` were read: the leader may write them again when asked. */
  syncTaken(): void {
    Atomics.store(this.ctl, CTL.SYNC, 0);
  }

  aborted(): boolean {
    return Atomics.load(this.ctl, CTL.ABORT) === 1;
  }

  /** Every worker abandons the run: released from barriers and pauses, they stop at once. */
  abort(): void {
    Atomics.store(this.ctl, CTL.ABORT, 1);
    Atomics.notify(this.ctl, CTL.BAR_GEN);
    Atomics.notify(this.ctl, CTL.STATE);
  }
}
