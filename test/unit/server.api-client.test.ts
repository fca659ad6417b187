/**
 * The renderer's api module (src-renderer/src/lib/api.ts) in Node: its WebSocket transport
 * against the real browser-mode server (fake engine process), and its Electron transport over a
 * fake preload bridge. Typed values, typed errors (`LabRequestError.code`), events,
 * ENGINE_DOWN on disconnect and reconnection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server/server';
import { LabRequestError, electronTransport, makeApi, takePageToken, wsTransport } from '../../src-renderer/src/lib/api';
import { MAX_REQUEST_FRAME_BYTES } from '../../src-shared/wire';
import type { LabBridge } from '../../src-shared/channels';

const FAKE = path.join(__dirname, 'host-fake-engine-entry.ts');
const quiet = { info() {}, warn() {}, error() {} };
let tmp: string;
let server: RunningServer;

async function start(port = 0, token?: string): Promise<RunningServer> {
  return startServer({ port, token, rendererDir: tmp, workspace: path.join(tmp, 'ws'), engineEntry: FAKE, engineExecArgv: ['--import', 'tsx'], log: quiet });
}

function client(token: string | null, port = server.port) {
  const t = wsTransport({ url: `ws://127.0.0.1:${port}/ws`, token, minDelay: 50, maxDelay: 200, WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket });
  return { t, api: makeApi(t) };
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-api-'));
  server = await start();
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('api.ts over the WebSocket', () => {
  it('invokes, returns typed arrays, and throws LabRequestError with the code', async () => {
    const { t, api } = client(server.token);
    try {
      expect(api.transport).toBe('browser');
      const info = await api.invoke('engine:info', {});
      expect(info.appVersion).toBe('0.0.0-fake');
      const out = (await api.invoke('model:decode', { z: new Float32Array([1, 2, 3, 4]), count: 2 })) as unknown as { images: Float32Array; labels: Int32Array };
      expect(out.images).toBeInstanceOf(Float32Array);
      expect(Array.from(out.images)).toEqual([1, 2, 3, 4]);
      expect(out.labels).toBeInstanceOf(Int32Array);
      const err = await api.invoke('runs:open', { runId: '../x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabRequestError);
      expect(err).toBeInstanceOf(Error);
      expect((err as LabRequestError).code).toBe('INVALID_PAYLOAD');
      expect((err as LabRequestError).request).toBe('runs:open');
      const unsupported = await api.invoke('model:generate', { count: 1 }).catch((e: LabRequestError) => e.code);
      expect(unsupported).toBe('UNSUPPORTED');
    } finally {
      t.close();
    }
  });

  it('delivers events; unsubscribe stops them', async () => {
    const { t, api } = client(server.token);
    try {
      const seen: number[] = [];
      const off = api.on('training:progress', (p) => seen.push(p.batch));
      await api.invoke('training:start', {});
      await expect.poll(() => seen.length).toBeGreaterThanOrEqual(2);
      off();
      const n = seen.length;
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.length).toBe(n);
      await api.invoke('training:stop', {});
    } finally {
      t.close();
    }
  });

  it('requests sent before the socket opens are delivered once it does', async () => {
    const { t, api } = client(server.token);
    try {
      const [a, b] = await Promise.all([api.invoke('engine:info', {}), api.invoke('runs:list', {})]);
      expect(a.appVersion).toBeTruthy();
      expect(Array.isArray(b)).toBe(true);
    } finally {
      t.close();
    }
  });

  it('a refused connection (wrong token) rejects with ENGINE_DOWN instead of hanging', async () => {
    const { t, api } = client('wrong-token');
    try {
      const err = await api.invoke('engine:info', {}).catch((e: LabRequestError) => e);
      expect(err).toBeInstanceOf(LabRequestError);
      expect((err as LabRequestError).code).toBe('ENGINE_DOWN');
    } finally {
      t.close();
    }
  });

  it('a page without a token does not connect: calls fail with ENGINE_DOWN saying how to get one, state is crashed', async () => {
    const { t, api } = client(null);
    try {
      const states: Array<{ state: string; message?: string }> = [];
      api.on('engine:state', (s) => states.push(s));
      const err = await api.invoke('engine:info', {}).catch((e: LabRequestError) => e);
      expect(err).toMatchObject({ code: 'ENGINE_DOWN', message: expect.stringMatching(/no access token: open the address the Latent Lab server printed/) });
      await expect.poll(() => states).toEqual([{ state: 'crashed', message: expect.stringMatching(/no access token/) }]);
    } finally {
      t.close();
    }
  });

  it('a request over the frame limit is refused before sending (TOO_LARGE) and the connection keeps serving', async () => {
    const { t, api } = client(server.token);
    try {
      const images = new Float32Array(MAX_REQUEST_FRAME_BYTES / 4 + 1024);
      const err = await api.invoke('model:encode', { images, count: 1 }).catch((e: LabRequestError) => e);
      expect(err).toBeInstanceOf(LabRequestError);
      expect(err).toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/model:encode: the request is 64\.0 MB; browser mode carries at most 64\.0 MB per request/) });
      expect((await api.invoke('engine:info', {})).appVersion).toBe('0.0.0-fake');
      expect(server.stats().dropped).toBe(0);
    } finally {
      t.close();
    }
  });

  it('engine restart through the api', async () => {
    const { t, api } = client(server.token);
    try {
      await api.restartEngine();
      expect((await api.invoke('engine:info', {})).appVersion).toBe('0.0.0-fake');
    } finally {
      t.close();
    }
  });

  it('disconnect: pending requests reject with ENGINE_DOWN, state goes crashed, then it reconnects', async () => {
    const own = await start();
    const { port, token } = own;
    const { t, api } = client(token, port);
    try {
      const states: string[] = [];
      api.on('engine:state', (s) => states.push(s.state));
      await api.invoke('engine:info', {});
      const pending = api.invoke('projection:compute', { method: 'pca', latents: new Float32Array(4), dim: 2 }).catch((e: LabRequestError) => e);
      await new Promise((r) => setTimeout(r, 50));
      await own.close();
      const err = await pending;
      expect((err as LabRequestError).code).toBe('ENGINE_DOWN');
      expect(states).toContain('crashed');
      // Same port and token again: the client finds it by itself.
      const again = await start(port, token);
      try {
        await expect.poll(async () => (await api.invoke('engine:info', {}).then(() => 'ok', (e: LabRequestError) => e.code)), { timeout: 15_000, interval: 100 }).toBe('ok');
        expect(states.at(-1)).toMatch(/starting|ready/);
      } finally {
        await again.close();
      }
    } finally {
      t.close();
    }
  });

  it('payloads that cannot be encoded reject locally with INVALID_PAYLOAD', async () => {
    const { t, api } = client(server.token);
    try {
      const err = await api.invoke('engine:info', { f: () => 1 } as never).catch((e: LabRequestError) => e);
      expect(err).toBeInstanceOf(LabRequestError);
      expect(['INVALID_PAYLOAD']).toContain((err as LabRequestError).code);
    } finally {
      t.close();
    }
  });
});

describe('api.ts: the page token', () => {
  function fakeWindow(href: string, stored: Record<string, string> = {}) {
    const store = new Map(Object.entries(stored));
    const location = { href };
    const replaced: string[] = [];
    return {
      replaced,
      store,
      location,
      win: {
        location: location as unknown as Location,
        history: { state: null, replaceState: (_s: unknown, _t: string, url: string) => void (replaced.push(url), (location.href = new URL(url, href).href)) } as unknown as History,
        sessionStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as unknown as Storage,
      },
    };
  }

  it('first load: takes ?token=, removes it from the address bar (other parameters and the hash kept), keeps it for the tab', () => {
    const f = fakeWindow('http://127.0.0.1:4321/?token=abcDEF_123-xyz&n=5#tab');
    expect(takePageToken(f.win)).toBe('abcDEF_123-xyz');
    expect(f.replaced).toEqual(['/?n=5#tab']);
    expect(f.location.href).not.toContain('abcDEF');
    expect(f.store.get('latentlab.token')).toBe('abcDEF_123-xyz');
  });

  it('reload: no token in the URL, the tab still has it; a new token in the URL replaces it', () => {
    const f = fakeWindow('http://127.0.0.1:4321/', { 'latentlab.token': 'old-token' });
    expect(takePageToken(f.win)).toBe('old-token');
    expect(f.replaced).toEqual([]);
    const g = fakeWindow('http://127.0.0.1:4321/?token=new-token', { 'latentlab.token': 'old-token' });
    expect(takePageToken(g.win)).toBe('new-token');
    expect(g.store.get('latentlab.token')).toBe('new-token');
  });

  it('no token anywhere: null', () => {
    expect(takePageToken(fakeWindow('http://127.0.0.1:4321/').win)).toBeNull();
  });
});

describe('api.ts over the Electron bridge', () => {
  it('turns {ok:false} envelopes into LabRequestError and passes values and events through', async () => {
    const listeners = new Map<string, (p: unknown) => void>();
    const bridge: LabBridge = {
      transport: 'electron',
      requestNames: [],
      eventNames: [],
      invoke: async (name) =>
        name === 'engine:info'
          ? { ok: true, value: { appVersion: '1' } }
          : { ok: false, error: { code: 'ENGINE_DOWN', message: 'gone' } },
      on: (name, cb) => {
        listeners.set(name, cb);
        return () => listeners.delete(name);
      },
    };
    const api = makeApi(electronTransport(bridge));
    expect(api.transport).toBe('electron');
    expect(await api.invoke('engine:info', {})).toEqual({ appVersion: '1' });
    const err = await api.invoke('runs:list', {}).catch((e: LabRequestError) => e);
    expect(err).toBeInstanceOf(LabRequestError);
    expect((err as LabRequestError).code).toBe('ENGINE_DOWN');
    expect((err as LabRequestError).message).toBe('gone');
    const got: unknown[] = [];
    const off = api.on('engine:state', (s) => got.push(s));
    listeners.get('engine:state')!({ state: 'ready' });
    expect(got).toEqual([{ state: 'ready' }]);
    off();
    expect(listeners.has('engine:state')).toBe(false);
  });
});
