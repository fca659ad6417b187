/**
 * The UI bench's training window (bench/lib/ui.ts): train a VAE from the form (dense or conv),
 * and while it trains probe the engine with round trips from a WebSocket client at random
 * 20–200 ms gaps (`training:status`, a 1-vector `model:decode`), collecting the page's frame
 * intervals and long tasks; then stop the run. The statistics separate the requests in flight at
 * an epoch end (validation, checkpoint, latent snapshot on the engine's thread).
 */
import type { Page } from 'playwright';
import type { WireMessage } from '../../src-shared/wire';
import { median, percentile, round, sleep } from './util';

export type Call = (name: string, payload?: unknown) => Promise<{ ms: number; msg: WireMessage; t0: number; t1: number }>;
export interface EngineEvent {
  name: string;
  payload: unknown;
  t: number;
}
export interface Probe {
  name: string;
  ms: number;
  t0: number;
  t1: number;
}

export interface TrainWindow {
  rtt: Probe[];
  frames: number[];
  longTasks: number[];
  windowMs: number;
  /** samples/s of the progress reports in the window. */
  rates: number[];
  /** Whether an epoch ended inside the window. */
  epochEnded: boolean;
}

const stats = (xs: number[]) => ({ medianMs: round(median(xs), 2), p99Ms: round(percentile(xs, 99), 2), n: xs.length });

/**
 * Starts a VAE of `arch` (z = 3, the form's batch) from the form, probes while it trains for at
 * least `windowMs` and until an epoch has ended (at most `maxMs`; the window closes early if the
 * run ends), then stops it and waits for the panel to leave training.
 */
export async function trainAndProbe(
  page: Page,
  call: Call,
  events: EngineEvent[],
  take: { frames: () => Promise<number[]>; longTasks: () => Promise<number[]> },
  o: { arch: 'dense' | 'conv'; epochs: number; windowMs: number; maxMs: number },
): Promise<TrainWindow> {
  await page.getByTestId('dataset-select').selectOption('mnist');
  await page.getByTestId('model-select').selectOption('vae');
  await page.getByTestId('arch-select').selectOption(o.arch);
  // z = 3 (the probes decode 3-vectors) and the image size's default widths, whatever an opened run left in the form.
  await page.getByTestId('latent-dim-input').fill('3');
  if (o.arch === 'conv') {
    await page.getByTestId('conv-filters-input').fill('');
    await page.getByTestId('conv-hidden-input').fill('');
  }
  await page.getByTestId('epochs-input').fill(String(o.epochs));
  await page.waitForSelector('[data-testid="model-card"][data-state="ready"]', { timeout: 60_000 });
  const evStart = events.length;
  await page.getByTestId('train-button').click();
  const deadline = Date.now() + 60_000;
  while (!events.slice(evStart).some((e) => e.name === 'training:progress') && Date.now() < deadline) await sleep(50);
  await take.frames();
  await take.longTasks();
  const progIdx = events.length;
  const rtt: Probe[] = [];
  const wStart = Date.now();
  const rand = () => Math.random() * 2 - 1;
  let epochEnded = false;
  // Probes after the run ended would be of an idle engine: the window closes at training:done.
  const trainingDone = () => events.slice(evStart).some((e) => e.name === 'training:done');
  while ((Date.now() - wStart < o.windowMs || (!epochEnded && Date.now() - wStart < o.maxMs)) && !trainingDone()) {
    const a = await call('training:status');
    rtt.push({ name: 'training:status', ms: a.ms, t0: a.t0, t1: a.t1 });
    await sleep(20 + Math.random() * 180);
    const b = await call('model:decode', { z: Float32Array.of(rand(), rand(), rand()), count: 1 });
    if ((b.msg as { ok: boolean }).ok) rtt.push({ name: 'model:decode(1)', ms: b.ms, t0: b.t0, t1: b.t1 });
    await sleep(20 + Math.random() * 180);
    epochEnded = events.slice(evStart).some((e) => e.name === 'training:latents' && (e.payload as { epoch: number }).epoch >= 1);
  }
  const frames = await take.frames();
  const longTasks = await take.longTasks();
  const windowMs = Date.now() - wStart;
  const rates = events
    .slice(progIdx)
    .filter((e) => e.name === 'training:progress' && !(e.payload as { val?: unknown }).val)
    .map((e) => (e.payload as { samplesPerSecond: number }).samplesPerSecond);
  if (!trainingDone()) await call('training:stop');
  const d2 = Date.now() + 120_000;
  while (!events.slice(evStart).some((e) => e.name === 'training:done') && Date.now() < d2) await sleep(50);
  await page.waitForSelector('[data-testid="train-state"]:not([data-state="training"])', { timeout: 120_000 });
  return { rtt, frames, longTasks, windowMs, rates, epochEnded };
}

/**
 * The epoch ends among `events` as [start, end] times: from the epoch's last batch report (batch
 * reports are held while an epoch end is in flight, so this is at most one report interval before
 * validation starts) to its latent snapshot (validation, checkpoint and snapshot done). An epoch
 * end with no batch report seen is the instant of its snapshot.
 */
export function epochEndSpans(events: EngineEvent[]): [number, number][] {
  const lastBatch = new Map<number, number>();
  const spans: [number, number][] = [];
  for (const e of events) {
    const p = e.payload as { epoch?: number; batch?: number; batches?: number; val?: unknown };
    if (e.name === 'training:progress' && !p.val && p.epoch !== undefined) lastBatch.set(p.epoch, e.t);
    if (e.name === 'training:latents' && p.epoch !== undefined && p.epoch >= 1) spans.push([lastBatch.get(p.epoch) ?? e.t, e.t]);
  }
  return spans;
}

/** Whether a request's flight [t0, t1] overlapped one of `spans` (50 ms of slack after it). */
export const overlapsSpan = (r: { t0: number; t1: number }, spans: [number, number][]) => spans.some(([a, b]) => r.t0 <= b && r.t1 + 50 >= a);

/** Round-trip statistics of a window: all, per request, and those not in flight at an epoch end. */
export function roundTripStats(w: TrainWindow, events: EngineEvent[]) {
  const all = w.rtt.map((r) => r.ms);
  const spans = epochEndSpans(events);
  const steady = w.rtt.filter((r) => !overlapsSpan(r, spans)).map((r) => r.ms);
  const byRequest: Record<string, ReturnType<typeof stats>> = {};
  for (const name of new Set(w.rtt.map((r) => r.name))) byRequest[name] = stats(w.rtt.filter((r) => r.name === name).map((r) => r.ms));
  return {
    ...stats(all),
    maxMs: round(Math.max(...all), 1),
    byRequest,
    excludingEpochEnds: {
      ...stats(steady),
      note: 'requests whose flight did not overlap an epoch end (last batch report → latent snapshot: validation, checkpoint, snapshot)',
    },
  };
}
