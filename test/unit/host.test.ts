/**
 * EngineHost against a live child process (the fake engine in host-fake-engine-entry.ts, run with
 * the real `runEngineChild` protocol over `child_process.fork` + advanced serialization).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src-main/host/engine-host';
import { forkSpawner } from '../../src-main/host/fork-channel';
import { workspaceFromArgv } from '../../src-main/host/engine-child';
import type { EngineChannel, EngineExit, EngineStatePayload, FromEngine, ToEngine } from '../../src-main/host/engine-channel';

const FAKE = path.join(__dirname, 'host-fake-engine-entry.ts');
const hosts: EngineHost[] = [];
const dirs: string[] = [];

function makeHost(env: NodeJS.ProcessEnv = {}, extra: Partial<ConstructorParameters<typeof EngineHost>[0]> = {}) {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'll-host-'));
  dirs.push(ws);
  const states: EngineStatePayload[] = [];
  const events: Array<[string, unknown]> = [];
  const host = new EngineHost({
    spawn: forkSpawner({ entry: FAKE, execArgv: ['--import', 'tsx'], args: ['--workspace', ws], env: { ...process.env, ...env } }),
    shutdownGraceMs: 2000,
    ...extra,
  });
  host.onEvent((name, payload) => {
    if (name === 'engine:state') states.push(payload as EngineStatePayload);
    else events.push([name, payload]);
  });
  hosts.push(host);
  return { host, states, events, ws };
}

function waitFor<T>(fn: () => T | undefined | false, ms = 15_000): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = fn();
      if (v) return resolve(v);
      if (Date.now() - start > ms) return reject(new Error('timed out waiting'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('EngineHost', () => {
  it('starts the engine, reports starting → ready with backend and pid, and routes requests', async () => {
    const { host, states } = makeHost();
    host.start();
    await host.whenReady();
    expect(states.map((s) => s.state)).toEqual(['starting', 'ready']);
    const ready = states[1];
    expect(ready.backend?.backend).toBe('cpu');
    expect(ready.pid).toBe(host.pid);
    expect(typeof host.pid).toBe('number');
    const r = await host.handle('engine:info', {});
    expect(r).toMatchObject({ ok: true, value: { appVersion: '0.0.0-fake' } });
  });

  it('answers requests sent before the engine is ready (no lost messages)', async () => {
    const { host } = makeHost();
    host.start();
    const r = await host.handle('engine:info', {});
    expect(r.ok).toBe(true);
  });

  it('refuses unknown names and invalid payloads before the engine sees them', async () => {
    const { host } = makeHost();
    host.start();
    await host.whenReady();
    expect(await host.handle('nope:nope', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    expect(await host.handle(42, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    expect(await host.handle('__proto__', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    expect(await host.handle('runs:open', { runId: '../etc' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await host.handle('engine:info', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(host.pendingCount).toBe(0);
    expect((await host.handle('engine:info', {})).ok).toBe(true);
  });

  it('relays engine events and keeps typed arrays typed both ways', async () => {
    const { host, events } = makeHost();
    host.start();
    const z = new Float32Array([0.5, -1, 2]);
    const r = await host.handle('model:decode', { z, count: 1 });
    expect(r.ok).toBe(true);
    const v = (r as { value: { images: unknown; labels: unknown; bytes: unknown } }).value;
    expect(v.images).toBeInstanceOf(Float32Array);
    expect(Array.from(v.images as Float32Array)).toEqual([0.5, -1, 2]);
    expect(v.labels).toBeInstanceOf(Int32Array);
    expect(v.bytes).toBeInstanceOf(Uint8Array);
    await host.handle('training:start', {});
    await waitFor(() => events.filter(([n]) => n === 'training:progress').length >= 2);
    await host.handle('training:stop', {});
  });

  it('answers pending requests with ENGINE_DOWN when the process is killed, reports crashed, restarts', async () => {
    const { host, states } = makeHost();
    host.start();
    await host.whenReady();
    await host.handle('training:start', {});
    const pid = host.pid!;
    const hanging = host.handle('projection:compute', { method: 'pca', latents: new Float32Array(6), dim: 2 });
    await waitFor(() => host.pendingCount === 1);
    process.kill(pid, 'SIGKILL');
    const r = await hanging;
    expect(r).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
    const crashed = await waitFor(() => states.find((s) => s.state === 'crashed'));
    expect(crashed.message).toMatch(/SIGKILL/);
    // While down: immediate ENGINE_DOWN, no hang.
    expect(await host.handle('engine:info', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
    // Restart through the host request.
    expect(await host.handle('engine:restart', {})).toEqual({ ok: true, value: { ok: true } });
    expect(host.pid).not.toBe(pid);
    expect(states.slice(-3).map((s) => s.state)).toEqual(['restarting', 'starting', 'ready']);
    const runs = await host.handle('runs:list', {});
    expect(runs).toMatchObject({ ok: true, value: [{ id: 'run-1' }] });
  });

  it('restarts a healthy engine; its pending requests get ENGINE_DOWN, not silence', async () => {
    const { host, states } = makeHost();
    host.start();
    await host.whenReady();
    const hanging = host.handle('projection:compute', { method: 'pca', latents: new Float32Array(6), dim: 2 });
    await waitFor(() => host.pendingCount === 1);
    const [r1, r2] = await Promise.all([host.restart(), host.restart()]); // concurrent restarts coalesce
    expect(r1).toEqual({ ok: true, value: { ok: true } });
    expect(r2).toEqual(r1);
    expect(await hanging).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
    expect(states.some((s) => s.state === 'crashed')).toBe(false);
    expect((await host.handle('engine:info', {})).ok).toBe(true);
  });

  it('reports an engine that exits on its own with its exit code', async () => {
    const { host, states } = makeHost({ FAKE_ENGINE_EXIT_ON: 'runs:delete' });
    host.start();
    await host.whenReady();
    const r = await host.handle('runs:delete', { runId: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
    expect((r as { error: { message: string } }).error.message).toMatch(/exit code 3/);
    expect(states.at(-1)).toMatchObject({ state: 'crashed' });
  });

  it('reports a failed start as crashed with the reason', async () => {
    const { host, states } = makeHost({ FAKE_ENGINE_FAIL: '1' });
    host.start();
    await expect(host.whenReady()).rejects.toMatchObject({ code: 'ENGINE_DOWN' });
    const crashed = await waitFor(() => states.find((s) => s.state === 'crashed'));
    expect(crashed.message).toMatch(/failed to start: fake engine refused to start/);
    expect(await host.handle('engine:restart', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
  });

  it('reports a spawner that throws as crashed', async () => {
    const host = new EngineHost({
      spawn: () => {
        throw new Error('no such binary');
      },
    });
    hosts.push(host);
    const states: EngineStatePayload[] = [];
    host.onEvent((n, p) => n === 'engine:state' && states.push(p as EngineStatePayload));
    host.start();
    await expect(host.whenReady()).rejects.toMatchObject({ code: 'ENGINE_DOWN' });
    expect(states.at(-1)).toMatchObject({ state: 'crashed', message: expect.stringMatching(/no such binary/) });
    expect(await host.handle('engine:info', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
  });

  it('host requests: dialog:openFolder is UNSUPPORTED without a handler, validated, and routed with one', async () => {
    const { host } = makeHost();
    expect(await host.handle('dialog:openFolder', { purpose: 'dataset' })).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    expect(await host.handle('dialog:openFolder', { purpose: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await host.handle('engine:restart', { now: true })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    const seen: unknown[] = [];
    const h2 = new EngineHost({
      spawn: forkSpawner({ entry: FAKE, execArgv: ['--import', 'tsx'] }),
      hostHandlers: { 'dialog:openFolder': async (p) => (seen.push(p), { path: '/tmp/x' }) },
    });
    hosts.push(h2);
    expect(await h2.handle('dialog:openFolder', { purpose: 'export' })).toEqual({ ok: true, value: { path: '/tmp/x' } });
    expect(seen).toEqual([{ purpose: 'export' }]);
  });

  it('dispose shuts the engine down cleanly and refuses further work', async () => {
    const { host, states } = makeHost();
    host.start();
    await host.whenReady();
    const pid = host.pid!;
    await host.dispose();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(states.some((s) => s.state === 'crashed')).toBe(false);
    expect(await host.handle('engine:info', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
  });
});

/**
 * An engine channel held in memory: answers every request with its generation number, stops
 * answering once told to shut down; the first engine exits only when the test says so, later
 * ones as soon as they are told to shut down.
 */
function memorySpawner() {
  const channels: Array<{ received: ToEngine[]; exit(): void }> = [];
  const spawn = (): EngineChannel => {
    const gen = channels.length + 1;
    const received: ToEngine[] = [];
    let onMsg: (m: FromEngine) => void = () => {};
    let onExit: (e: EngineExit) => void = () => {};
    let stopping = false;
    channels.push({ received, exit: () => onExit({ code: 0, signal: null }) });
    return {
      pid: 1000 + gen,
      send(msg) {
        received.push(msg);
        if (msg.type === 'shutdown') {
          stopping = true;
          if (gen > 1) queueMicrotask(() => onExit({ code: 0, signal: null }));
        } else if (!stopping) queueMicrotask(() => onMsg({ type: 'response', id: msg.id, response: { ok: true, value: { gen } } }));
      },
      onMessage(cb) {
        onMsg = cb;
        queueMicrotask(() =>
          cb({ type: 'ready', pid: 1000 + gen, info: { appVersion: 'mem', tfjsVersion: '', node: '', platform: '', workspace: '', backend: { backend: 'cpu', skipped: [], forced: false, overrides: [] } } }),
        );
      },
      onExit(cb) {
        onExit = cb;
      },
      kill() {
        onExit({ code: null, signal: 'SIGKILL' });
      },
    };
  };
  return { spawn, channels };
}

describe('EngineHost: requests during a restart (issue #16, item 9)', () => {
  const requestsTo = (c: { received: ToEngine[] }) => c.received.filter((m) => m.type === 'request').length;

  it('waits for the new engine instead of answering ENGINE_DOWN', async () => {
    const mem = memorySpawner();
    const host = new EngineHost({ spawn: mem.spawn, shutdownGraceMs: 60_000 });
    hosts.push(host);
    host.start();
    await host.whenReady();
    expect(await host.handle('engine:info', {})).toEqual({ ok: true, value: { gen: 1 } });
    const restarted = host.restart();
    // The old engine was asked to stop and has not exited yet: these must not go to it.
    const during = [host.handle('engine:info', {}), host.handle('runs:list', {}), host.handle('training:status', {})];
    expect(requestsTo(mem.channels[0])).toBe(1);
    mem.channels[0].exit();
    expect(await restarted).toEqual({ ok: true, value: { ok: true } });
    expect(await Promise.all(during)).toEqual([1, 2, 3].map(() => ({ ok: true, value: { gen: 2 } })));
    expect(requestsTo(mem.channels[1])).toBe(3);
  });

  it('also after a crash: requests sent once engine:restart is under way reach the new engine', async () => {
    const mem = memorySpawner();
    const host = new EngineHost({ spawn: mem.spawn, shutdownGraceMs: 60_000 });
    hosts.push(host);
    host.start();
    await host.whenReady();
    mem.channels[0].exit(); // unexpected exit = crash
    expect(await host.handle('engine:info', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
    const restarted = host.handle('engine:restart', {});
    const during = host.handle('runs:list', {});
    expect(await restarted).toEqual({ ok: true, value: { ok: true } });
    expect(await during).toEqual({ ok: true, value: { gen: 2 } });
  });

  it('holds a bounded number of requests, each for a bounded time', async () => {
    const mem = memorySpawner();
    const host = new EngineHost({ spawn: mem.spawn, shutdownGraceMs: 60_000, restartQueueLimit: 2, restartQueueTimeoutMs: 50 });
    hosts.push(host);
    host.start();
    await host.whenReady();
    const restarted = host.restart();
    const held = [host.handle('engine:info', {}), host.handle('runs:list', {})];
    const overflow = await host.handle('training:status', {});
    expect(overflow).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN', message: expect.stringMatching(/restarting and 2 requests already wait/) } });
    // The old engine never exits within the timeout: the held requests get a typed answer, not silence.
    for (const r of await Promise.all(held)) {
      expect(r).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN', message: expect.stringMatching(/did not restart within 0.05 s/) } });
    }
    mem.channels[0].exit();
    expect(await restarted).toEqual({ ok: true, value: { ok: true } });
    expect(await host.handle('engine:info', {})).toEqual({ ok: true, value: { gen: 2 } });
  });

  it('dispose during a restart answers held requests and spawns nothing', async () => {
    const mem = memorySpawner();
    const host = new EngineHost({ spawn: mem.spawn, shutdownGraceMs: 60_000 });
    hosts.push(host);
    host.start();
    await host.whenReady();
    const restarted = host.restart();
    const held = host.handle('engine:info', {});
    const disposed = host.dispose();
    expect(await held).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN', message: expect.stringMatching(/shutting down/) } });
    mem.channels[0].exit();
    await disposed;
    expect(await restarted).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
    expect(mem.channels.length).toBe(1);
  });

  it('a real engine process: 20 requests sent during engine:restart all succeed', async () => {
    const { host } = makeHost();
    host.start();
    await host.whenReady();
    const pid = host.pid;
    const restarted = host.handle('engine:restart', {});
    const during = Array.from({ length: 20 }, (_, i) => host.handle(i % 2 ? 'engine:info' : 'runs:list', {}));
    expect(await restarted).toEqual({ ok: true, value: { ok: true } });
    const answers = await Promise.all(during);
    expect(answers.filter((r) => !r.ok)).toEqual([]);
    expect(host.pid).not.toBe(pid);
  });
});

describe('engine process arguments', () => {
  it('--workspace DIR / --workspace=DIR; anything else ignored; missing or empty = the default', () => {
    expect(workspaceFromArgv(['--workspace', '/w'])).toBe('/w');
    expect(workspaceFromArgv(['--workspace=/w x'])).toBe('/w x');
    expect(workspaceFromArgv(['--inspect', '--workspace', '/w', 'stray'])).toBe('/w');
    expect(workspaceFromArgv([])).toBeUndefined();
    expect(workspaceFromArgv(['--workspace'])).toBeUndefined();
    expect(workspaceFromArgv(['--workspace='])).toBeUndefined();
  });
});
