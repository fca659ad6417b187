/**
 * The `server` section of `bench/soak.ts` (issue #16, item 6): memory and latency of the
 * browser-mode server under hostile WebSocket clients. Each case runs a fresh server process
 * (`startServer` with the fake engine of test/unit/host-fake-engine-entry.ts: the server, not the
 * engine, is what is measured) and reads its RSS and peak RSS (VmHWM) from /proc (Linux).
 *
 *   one-100MB    one client sends a 100 MB request frame
 *   four-100MB   four clients each send one at once
 *   four-60MB    four clients each send a 60 MB frame (under the cap: admitted)
 *   no-reader    a client sends 40 × 10 MB decodes (10 MB echoed back each) and reads nothing,
 *                while another sends engine:info every 100 ms: its latencies; was the reader dropped
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { PACKR_OPTIONS, wsProtocols, type WireMessage } from '../../src-shared/wire';

const ROOT = path.join(__dirname, '..', '..');
const FAKE = path.join(ROOT, 'test', 'unit', 'host-fake-engine-entry.ts');
const TOKEN = 'soak-token-soak-token-soak';
const packr = new Packr(PACKR_OPTIONS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Child mode: run the server and print `{port}`. */
async function serveChild(): Promise<void> {
  const { startServer } = await import('../../src-main/server/server');
  const ws = mkdtempSync(path.join(os.tmpdir(), 'll-soak-server-'));
  const quiet = { info() {}, warn: (...a: unknown[]) => console.error(...a), error: (...a: unknown[]) => console.error(...a) };
  const s = await startServer({ port: 0, rendererDir: ws, workspace: ws, engineEntry: FAKE, engineExecArgv: ['--import', 'tsx'], log: quiet, token: TOKEN });
  await s.engine.whenReady();
  process.on('SIGTERM', () => void s.close().finally(() => (rmSync(ws, { recursive: true, force: true }), process.exit(0))));
  console.log(JSON.stringify({ port: s.port }));
}

interface Proc {
  port: number;
  child: ChildProcess;
  /** What the server logged (warnings: refusals, dropped clients). */
  logs(): string;
  mem(): { rssMb: number; peakMb: number };
  stop(): Promise<void>;
}

async function startProc(): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--serve-child'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (logs += t));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(JSON.parse(String(d)).port));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const mem = () => {
    const s = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)![1]);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
  };
  const stop = async () => {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  };
  return { port, child, logs: () => logs, mem, stop };
}

function open(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, wsProtocols(TOKEN), { maxPayload: 2 ** 31 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Outcome of one request frame: the answer's code, or the close code. */
function outcome(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => {
    ws.on('message', (d: Buffer) => {
      const m = packr.unpack(d) as WireMessage;
      if (m.t === 'res') resolve(m.ok ? 'ok' : m.error.code);
    });
    ws.once('close', (code) => resolve(`closed ${code}`));
    ws.on('error', () => {});
  });
}

async function bigFrames(clients: number, floats: number): Promise<Record<string, unknown>> {
  const p = await startProc();
  try {
    const before = p.mem();
    const socks = await Promise.all(Array.from({ length: clients }, () => open(p.port)));
    const outcomes = socks.map(outcome);
    const t0 = performance.now();
    for (const ws of socks) ws.send(packr.pack({ t: 'req', id: 1, name: 'model:encode', payload: { images: new Float32Array(floats), count: 1 } }));
    const results = await Promise.all(outcomes);
    const seconds = (performance.now() - t0) / 1000;
    await sleep(500);
    const after = p.mem();
    for (const ws of socks) ws.terminate();
    return { frameMb: Math.round((floats * 4) / 2 ** 20), clients, results, serverLog: p.logs().split('\n').filter(Boolean).length, seconds: +seconds.toFixed(1), rssBeforeMb: before.rssMb, rssAfterMb: after.rssMb, rssPeakMb: after.peakMb };
  } finally {
    await p.stop();
  }
}

async function noReader(): Promise<Record<string, unknown>> {
  const p = await startProc();
  try {
    const before = p.mem();
    const bad = await open(p.port);
    bad.pause();
    for (let i = 0; i < 40; i++) bad.send(packr.pack({ t: 'req', id: i + 1, name: 'model:decode', payload: { z: new Float32Array(2_500_000), count: 1 } }));
    const good = await open(p.port);
    const sentAt = new Map<number, number>();
    const lat: number[] = [];
    good.on('message', (d: Buffer) => {
      const m = packr.unpack(d) as WireMessage;
      if (m.t === 'res' && m.id !== null && sentAt.has(m.id)) lat.push(performance.now() - sentAt.get(m.id)!);
    });
    for (let i = 1; i <= 100; i++) {
      sentAt.set(i, performance.now());
      good.send(packr.pack({ t: 'req', id: i, name: 'engine:info', payload: {} }));
      await sleep(100);
    }
    while (lat.length < 100) await sleep(50);
    const after = p.mem();
    bad.terminate();
    good.close();
    const sorted = [...lat].sort((a, b) => a - b);
    return {
      goodAnswered: lat.length,
      goodLatencyMs: { median: Math.round(sorted[50]), p99: Math.round(sorted[98]), max: Math.round(sorted[99]) },
      serverLog: p.logs().split('\n').filter((l) => /dropped|refused|closed/.test(l)),
      rssBeforeMb: before.rssMb,
      rssAfterMb: after.rssMb,
      rssPeakMb: after.peakMb,
    };
  } finally {
    await p.stop();
  }
}

/** All server cases, sequentially. */
export async function soakServer(log: (...a: unknown[]) => void): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { engine: 'fake (test/unit/host-fake-engine-entry.ts)' };
  log('server: one 100 MB frame');
  out['one-100MB'] = await bigFrames(1, 25_000_000);
  log('server: four 100 MB frames at once');
  out['four-100MB'] = await bigFrames(4, 25_000_000);
  log('server: four 60 MB frames at once');
  out['four-60MB'] = await bigFrames(4, 15_000_000);
  log('server: a client that reads nothing, another that does');
  out['no-reader'] = await noReader();
  return out;
}

if (process.argv.includes('--serve-child')) {
  serveChild().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
