/** The engine's one concurrency pool (`src-main/engine/pool.ts`). */
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src-main/engine/pool';

/** A promise with its resolve/reject outside. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('mapLimit', () => {
  it('keeps the input order and never has more than `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (v) => {
      most = Math.max(most, ++inFlight);
      for (let k = 0; k < v; k++) await Promise.resolve(); // finish out of order
      inFlight--;
      return v * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(2);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });

  it('after a failure starts nothing new, and throws only once every call in flight has settled', async () => {
    const slow = deferred();
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      try {
        if (i === 0) await slow.promise; // in flight when item 1 fails
        if (i === 1) throw new Error('boom');
        return i;
      } finally {
        settled++;
      }
    });
    let rejected = false;
    run.catch(() => (rejected = true));
    // Let the failure propagate as far as it can while item 0 is still in flight.
    for (let k = 0; k < 20; k++) await new Promise((r) => setImmediate(r));
    expect(rejected).toBe(false);
    expect(started).toEqual([0, 1]);
    slow.resolve();
    await expect(run).rejects.toThrow('boom');
    expect(settled).toBe(2);
    expect(started).toEqual([0, 1]);
  });
});
