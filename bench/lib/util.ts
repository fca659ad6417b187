/** Small helpers shared by the benchmark sections: statistics, logging, timing, RSS sampling. */
import os from 'node:os';

export const log = (...a: unknown[]): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${a.map(String).join(' ')}\n`);
};

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[k];
}

export const round = (x: number | null | undefined, digits = 1): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const loadAvg = () => os.loadavg().map((x) => round(x, 2));

/** Samples process RSS every `everyMs` while running (timers fire between training batches). */
export class RssSampler {
  peak = 0;
  samples = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  start(everyMs = 25): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    return this;
  }
  sample(): void {
    const r = process.memoryUsage().rss;
    this.samples++;
    if (r > this.peak) this.peak = r;
  }
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peak;
  }
}

export const mb = (bytes: number) => round(bytes / 1048576, 1);

/** Time an async function `reps` times after `warmup` untimed calls; returns ms per call. */
export async function timeIt(fn: () => Promise<unknown>, reps: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** `{ms median, p90, min, n}` of a list of milliseconds. */
export const msStats = (xs: number[]) => ({
  medianMs: round(median(xs), 2),
  p90Ms: round(percentile(xs, 90), 2),
  minMs: round(Math.min(...xs), 2),
  n: xs.length,
});

export function errMsg(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
