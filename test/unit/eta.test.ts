/**
 * The training ETA's clock (src-main/engine/eta.ts) on a fake clock: the warm-up batches are not
 * timed, no estimate until enough batches are, paused time is not training time, an epoch's end
 * (validation) is counted for the epochs to come so the estimate does not jump there, and on a
 * constant rate the estimate is the true time left.
 */
import { describe, expect, it } from 'vitest';
import { EtaClock, ETA_MIN_TIMED_BATCHES, ETA_WARMUP_BATCHES } from '../../src-main/engine/eta';

/** A fake run: `batches` per epoch of `bs` samples, `batchMs` each, the first two slower (warm-up). */
class FakeRun {
  now = 1000;
  samples = 0;
  steps = 0;
  endsDone = 0;
  readonly clock: EtaClock;
  constructor(
    readonly o: { epochs: number; batches: number; bs: number; batchMs: number; warmupMs?: number; valMs?: number; valSamples?: number },
  ) {
    this.clock = new EtaClock({ samplesPerEpoch: o.batches * o.bs, epochs: o.epochs, evalSamplesPerEpoch: o.valSamples ?? 0 });
  }
  /** One batch; returns the estimate reported after it. */
  batch(ms = this.o.batchMs): number | null {
    this.now += this.steps < ETA_WARMUP_BATCHES ? (this.o.warmupMs ?? ms) : ms;
    this.samples += this.o.bs;
    this.steps++;
    this.clock.batch(this.now, this.samples, this.steps);
    return this.clock.seconds(this.now);
  }
  /** The epoch's end: validation of `valMs`, then its report's estimate, then the hook (none). */
  epochEnd(): number | null {
    this.clock.epochEndStart(this.now);
    this.now += this.o.valMs ?? 0;
    const s = this.clock.seconds(this.now);
    this.clock.epochEndDone(this.now);
    this.endsDone++;
    return s;
  }
  /** True seconds left from now on: batches and epoch ends still to run. */
  trueLeft(): number {
    const { epochs, batches, batchMs, valMs = 0 } = this.o;
    const left = epochs * batches - this.steps;
    const endsLeft = epochs - this.endsDone;
    return (left * batchMs + endsLeft * valMs) / 1000;
  }
}

describe('training ETA clock', () => {
  it('skips the warm-up batches and says nothing until 3 more are timed', () => {
    // Warm-up 5 s a batch (kernel compile), then 50 ms: the old epoch rate said ~ 10 min at batch 3.
    const run = new FakeRun({ epochs: 2, batches: 100, bs: 64, batchMs: 50, warmupMs: 5000 });
    const seen: Array<number | null> = [];
    for (let i = 0; i < ETA_WARMUP_BATCHES + ETA_MIN_TIMED_BATCHES; i++) seen.push(run.batch());
    expect(seen.slice(0, -1)).toEqual([null, null, null, null]);
    const first = seen.at(-1)!;
    expect(first).not.toBeNull();
    // 195 batches of 50 ms left: 9.75 s, not the minutes the warm-up would add.
    expect(first).toBeCloseTo(run.trueLeft(), 6);
    expect(run.clock.samplesPerSecond()).toBeCloseTo(64 / 0.05, 6);
  });

  it('does not count paused time', () => {
    const run = new FakeRun({ epochs: 1, batches: 100, bs: 32, batchMs: 100 });
    for (let i = 0; i < 20; i++) run.batch();
    const before = run.clock.seconds(run.now)!;
    run.clock.pause(run.now);
    run.now += 600_000; // 10 minutes paused
    run.clock.resume(run.now);
    const after = run.batch();
    expect(after).toBeCloseTo(before - 0.1, 6);
    expect(after).toBeCloseTo(run.trueLeft(), 6);
  });

  it('counts the validation of the epochs to come: no jump at an epoch end', () => {
    // 40 batches of 100 ms (4 s) per epoch, 3 s of validation after each: 5 epochs.
    const run = new FakeRun({ epochs: 5, batches: 40, bs: 16, batchMs: 100, valMs: 3000 });
    const trace: Array<{ at: number; eta: number; truth: number }> = [];
    for (let e = 1; e <= 5; e++) {
      for (let b = 0; b < 40; b++) {
        const eta = run.batch();
        if (eta !== null) trace.push({ at: run.now, eta, truth: run.trueLeft() });
      }
      const eta = run.epochEnd()!;
      trace.push({ at: run.now, eta, truth: run.trueLeft() });
    }
    // From the first measured validation on, every estimate is the true time left, and from one
    // report to the next it falls by the time that passed (no jump up or down at an epoch end).
    const afterFirst = trace.findIndex((t) => t.at >= 1000 + 40 * 100 + 3000);
    expect(afterFirst).toBeGreaterThan(0);
    for (let i = afterFirst; i < trace.length; i++) expect(trace[i].eta).toBeCloseTo(trace[i].truth, 6);
    for (let i = afterFirst + 1; i < trace.length; i++) {
      expect(trace[i - 1].eta - trace[i].eta).toBeCloseTo((trace[i].at - trace[i - 1].at) / 1000, 6);
    }
    expect(trace.at(-1)!.eta).toBe(0);
  });

  it('guesses the first validation from its samples before one is measured', () => {
    // 4,000 validation samples at a third of a training sample's 100 ms / 16 → 8.3 s per epoch end.
    const run = new FakeRun({ epochs: 3, batches: 40, bs: 16, batchMs: 100, valSamples: 4000 });
    for (let i = 0; i < 10; i++) run.batch();
    const eta = run.clock.seconds(run.now)!;
    expect(eta).toBeCloseTo((110 * 100) / 1000 + 3 * (4000 / 3) * (0.1 / 16), 6);
  });

  it('on a constant rate, at half the run the estimate is within 5 % of the time left, and it only falls', () => {
    const run = new FakeRun({ epochs: 4, batches: 250, bs: 64, batchMs: 20, warmupMs: 3000, valMs: 500 });
    let last = Infinity;
    let half: number | null = null;
    for (let e = 1; e <= 4; e++) {
      for (let b = 0; b < 250; b++) {
        const eta = run.batch();
        if (eta === null) continue;
        expect(eta).toBeLessThanOrEqual(last + 1e-9);
        // The first epoch has no validation measured yet: its estimate is lower by the ends to come.
        if (e > 1) last = eta;
        if (run.steps === 500) half = eta;
      }
      last = run.epochEnd()!;
    }
    // 500 batches of 20 ms and 3 validations of 500 ms left (the 2nd epoch's one included).
    const truth = (500 * 20 + 3 * 500) / 1000;
    expect(Math.abs(half! - truth) / truth).toBeLessThan(0.05);
  });

  it('follows a run that gets faster within an epoch, and one slow batch hardly moves it', () => {
    // 100 batches an epoch at 40 ms; from epoch 3 on 20 ms (the machine freed): a whole-run rate
    // would still say 30 ms a batch at the end of epoch 3.
    const run = new FakeRun({ epochs: 5, batches: 100, bs: 32, batchMs: 40 });
    for (let i = 0; i < 200; i++) run.batch();
    for (let i = 0; i < 100; i++) run.batch(20);
    expect(run.clock.seconds(run.now)).toBeCloseTo((200 * 20) / 1000, 6);
    // One batch of 200 ms (a garbage collection) among 20 ms ones: the estimate moves by under 10 %
    // (the window is 100 batches here; an epoch of MNIST at batch 64 is 938).
    const before = run.clock.seconds(run.now)!;
    const after = run.batch(200)!;
    expect(Math.abs(after - before) / before).toBeLessThan(0.1);
  });

  it('a pause during an epoch end is not counted as validation time', () => {
    const run = new FakeRun({ epochs: 3, batches: 20, bs: 8, batchMs: 50, valMs: 1000 });
    for (let b = 0; b < 20; b++) run.batch();
    run.clock.epochEndStart(run.now);
    run.now += 1000;
    run.clock.pause(run.now);
    run.now += 120_000;
    run.clock.resume(run.now);
    run.clock.epochEndDone(run.now);
    const eta = run.batch();
    // 39 batches and 2 validations of 1 s.
    expect(eta).toBeCloseTo((39 * 50) / 1000 + 2, 6);
  });
});
