/**
 * Reliability (issues #6 and #16), browser-mode security gaps not covered by server.test.ts / shell.spec.ts:
 * - every refusal (HTTP and WebSocket: no token, wrong token, foreign Origin, foreign Host,
 *   traversal) is logged with its reason, and the token never appears in the log;
 * - the default bind is loopback and silent; binding a non-loopback host takes an explicit
 *   host and logs a warning, and still refuses requests without the token;
 * - a flood of refused connections leaves the server serving;
 * - memory bounds (#16 item 6): the frame cap is what the contract needs and is applied before a
 *   frame's body is read; a client that does not read is dropped while others keep being answered;
 *   a client with too much in flight is paused, not refused, and loses nothing; connection limit.
 * Uses the fake engine (test/unit/host-fake-engine-entry.ts) in a real child process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../src-main/server/server';
import { parseServerArgs } from '../../src-main/server/args';
import { MAX_REQUEST_FRAME_BYTES } from '../../src-shared/wire';
import { MAX_IMAGE_BYTES, parseRequest } from '../../src-shared/contract';
import { connectWs, isClient, packr, rawGet, type LabWsClient } from '../e2e/helpers/ws-client';

const FAKE = path.join(__dirname, 'host-fake-engine-entry.ts');
let tmp: string;
let root: string;

function capture() {
  const lines: string[] = [];
  const push = (level: string) => (...a: unknown[]) => void lines.push(`${level} ${a.join(' ')}`);
  return { lines, log: { info: push('info'), warn: push('warn'), error: push('error') } };
}

async function start(host: string | undefined, log: ReturnType<typeof capture>['log'], extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const s = await startServer({
    port: 0,
    ...extra,
    ...(host ? { host } : {}),
    rendererDir: root,
    workspace: path.join(tmp, `ws-${host ?? 'default'}`),
    engineEntry: FAKE,
    engineExecArgv: ['--import', 'tsx'],
    log,
  });
  await s.engine.whenReady();
  return s;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-rel-server-'));
  root = path.join(tmp, 'renderer');
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Latent Lab</title>');
  writeFileSync(path.join(tmp, 'secret.txt'), 'SECRET');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('refusals are logged', () => {
  let server: RunningServer;
  const cap = capture();
  beforeAll(async () => {
    server = await start(undefined, cap.log);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the default bind is loopback, with no network warning', () => {
    expect(parseServerArgs([]).host).toBe('127.0.0.1');
    expect(server.host).toBe('127.0.0.1');
    expect(cap.lines.join('\n')).not.toMatch(/reachable from other machines/);
  });

  it('HTTP and WebSocket refusals each leave one log line with the reason; the token is never logged', async () => {
    cap.lines.length = 0;
    const q = `?token=${server.token}`;
    const cases: Array<[() => Promise<number>, number, RegExp]> = [
      [() => rawGet(server.origin, '/').then((r) => r.status), 401, /refused HTTP GET \/ .*: no token/],
      [() => rawGet(server.origin, '/?token=x').then((r) => r.status), 401, /refused HTTP GET \/ .*: wrong token/],
      [() => rawGet(server.origin, `/${q}`, { origin: 'http://evil.example' }).then((r) => r.status), 403, /refused HTTP GET \/ .*foreign Origin "http:\/\/evil\.example"/],
      [() => rawGet(server.origin, `/${q}`, { host: 'rebind.example:80' }).then((r) => r.status), 403, /refused HTTP GET \/ .*Host "rebind\.example:80" not allowed/],
      [() => rawGet(server.origin, `/%2e%2e/secret.txt${q}`).then((r) => r.status), 403, /refused HTTP GET \/%2e%2e\/secret\.txt/],
      [() => connectWs(server.origin, {}).then((r) => (isClient(r) ? 101 : r.refused)), 401, /refused WebSocket GET \/ws .*: no token/],
      [() => connectWs(server.origin, { token: 'nope' }).then((r) => (isClient(r) ? 101 : r.refused)), 401, /refused WebSocket GET \/ws .*: wrong token/],
      [() => connectWs(server.origin, { token: server.token, tokenInQuery: true }).then((r) => (isClient(r) ? 101 : r.refused)), 401, /refused WebSocket GET \/ws .*: token in the URL/],
      [() => connectWs(server.origin, { token: server.token, origin: 'http://evil.example' }).then((r) => (isClient(r) ? 101 : r.refused)), 403, /refused WebSocket GET \/ws .*foreign Origin/],
    ];
    for (const [p, status, re] of cases) {
      const before = cap.lines.length;
      expect(await p(), String(re)).toBe(status);
      const added = cap.lines.slice(before);
      expect(added.length, `${re}: ${added.join(' | ')}`).toBe(1);
      expect(added[0]).toMatch(/^warn /);
      expect(added[0]).toMatch(re);
    }
    expect(cap.lines.join('\n')).not.toContain(server.token);
  });

  it('200 refused connections in a burst: all refused, the server still serves', async () => {
    const all = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 ? rawGet(server.origin, `/?token=bad${i}`).then((r) => r.status) : connectWs(server.origin, { token: `bad${i}` }).then((r) => (isClient(r) ? 101 : r.refused)),
      ),
    );
    expect(new Set(all)).toEqual(new Set([401]));
    const c = await connectWs(server.origin, { token: server.token, origin: server.origin });
    expect(isClient(c)).toBe(true);
    if (isClient(c)) {
      expect(await c.request('engine:info', {})).toMatchObject({ ok: true });
      c.close();
    }
  });
});

describe('non-loopback bind', () => {
  it('needs an explicit host, warns, and still requires the token', async () => {
    const cap = capture();
    const server = await start('0.0.0.0', cap.log);
    try {
      expect(server.host).toBe('0.0.0.0');
      const warn = cap.lines.find((l) => /reachable from other machines/.test(l));
      expect(warn).toMatch(/^warn --host 0\.0\.0\.0: Latent Lab is reachable from other machines/);
      // probed over loopback only
      expect((await rawGet(server.origin, '/')).status).toBe(401);
      expect(await connectWs(server.origin, {}).then((r) => (isClient(r) ? 101 : r.refused))).toBe(401);
      expect((await rawGet(server.origin, `/?token=${server.token}`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

/** Open a client or fail the test. */
async function open(server: RunningServer): Promise<LabWsClient> {
  const c = await connectWs(server.origin, { token: server.token, origin: server.origin, maxPayload: 1 << 30 });
  if (!isClient(c)) throw new Error(`refused ${c.refused}`);
  return c;
}

const closed = (c: LabWsClient): Promise<number> => new Promise((resolve) => c.ws.once('close', (code) => resolve(code)));

describe('memory bounds (issue #16, item 6)', () => {
  it('the frame cap holds the largest requests the contract needs: decode at its limits, an image file at MAX_IMAGE_BYTES', () => {
    const decode = { z: new Float32Array(100_000 * 64), count: 100_000, labels: new Int32Array(100_000) };
    const file = { name: 'x'.repeat(1000), bytes: new Uint8Array(MAX_IMAGE_BYTES), label: 9999 };
    expect(() => parseRequest('model:decode', decode)).not.toThrow();
    expect(() => parseRequest('model:encodeFile', file)).not.toThrow();
    for (const [name, payload] of [['model:decode', decode], ['model:encodeFile', file]] as const) {
      const frame = packr.pack({ t: 'req', id: 2 ** 40, name, payload });
      expect(frame.length, name).toBeLessThan(MAX_REQUEST_FRAME_BYTES * 0.5);
    }
  });

  describe('with the default limits', () => {
    let server: RunningServer;
    const cap = capture();
    beforeAll(async () => {
      server = await start(undefined, cap.log);
    });
    afterAll(async () => {
      await server?.close();
    });

    it('a frame announcing 100 MB is closed with 1009 on its header, before its body is read; other clients keep being answered', async () => {
      const other = await open(server);
      const big = await open(server);
      const before = process.memoryUsage().arrayBuffers;
      const code = closed(big);
      // A masked binary frame header with a 64-bit length of 100 MB, then the first 1 MiB of body.
      const header = Buffer.alloc(14);
      header[0] = 0x82;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(100 * 1024 * 1024), 2);
      (big.ws as unknown as { _socket: NodeJS.WritableStream })._socket.write(Buffer.concat([header, Buffer.alloc(1024 * 1024)]));
      expect(await code).toBe(1009);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
      expect(cap.lines.join('\n')).toMatch(/closed a WebSocket client from .*: it sent a frame over the 64 MB limit \(1009\)/);
      expect(await other.request('engine:info', {})).toMatchObject({ ok: true });
      expect(server.stats()).toMatchObject({ requestBytes: 0, dropped: 0 });
      other.close();
    });
  });

  describe('with small limits', () => {
    let server: RunningServer;
    const cap = capture();
    const MiB = 1024 * 1024;
    beforeAll(async () => {
      server = await start(undefined, cap.log, {
        limits: { maxFrameBytes: 8 * MiB, clientRequestBytes: 8 * MiB, clientRequests: 2, clientQueuedBytes: MiB, stallMs: 300, maxClients: 4 },
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('a frame over the cap, really sent, closes only its own connection (1009)', async () => {
      const other = await open(server);
      const big = await open(server);
      const code = closed(big);
      big.ws.send(packr.pack({ t: 'req', id: 1, name: 'model:decode', payload: { z: new Float32Array(3 * MiB), count: 1 } }));
      expect(await code).toBe(1009);
      expect(await other.request('engine:info', {})).toMatchObject({ ok: true });
      other.close();
    });

    it('a client that stops reading is dropped (1008, logged) while another keeps getting every answer', async () => {
      const good = await open(server);
      const bad = await open(server);
      bad.ws.pause(); // reads nothing from now on
      // Each answer echoes 2 MB back; the bad client asks for 40 MB and takes none of it.
      for (let i = 1; i <= 20; i++) bad.ws.send(packr.pack({ t: 'req', id: i, name: 'model:decode', payload: { z: new Float32Array(MiB / 2), count: 1 } }));
      let answered = 0;
      while (server.stats().dropped === 0) {
        expect(await good.request('engine:info', {})).toMatchObject({ ok: true });
        answered++;
      }
      expect(answered).toBeGreaterThan(0);
      expect(cap.lines.join('\n')).toMatch(/dropped a WebSocket client from .*: it reads nothing: [\d.]+ MB of answers and events waiting for [\d.]+ s/);
      // Its queue is freed; the good client is still served.
      await expect.poll(() => server.stats().clients).toBe(1);
      expect(server.stats().queuedBytes).toBeLessThan(MiB);
      expect(await good.request('runs:list', {})).toMatchObject({ ok: true });
      bad.ws.terminate();
      good.close();
    });

    it('a client with too many requests in flight is paused, not refused: nothing is lost, others are answered meanwhile', async () => {
      const busy = await open(server);
      const other = await open(server);
      // projection:compute never answers in the fake engine: two of them fill this client's quota.
      const hanging = [1, 2].map(() => busy.request('projection:compute', { method: 'pca', latents: new Float32Array(4), dim: 2 }));
      await expect.poll(() => server.stats().paused).toBe(1);
      let third = false;
      const waiting = busy.request('engine:info', {}).then((r) => ((third = true), r));
      expect(await other.request('engine:info', {})).toMatchObject({ ok: true });
      expect(third).toBe(false);
      // A restart answers the two hanging requests (ENGINE_DOWN); the paused client is read again and its third request is answered.
      expect(await other.request('engine:restart', {})).toEqual({ ok: true, value: { ok: true } });
      for (const r of await Promise.all(hanging)) expect(r).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
      expect(await waiting).toMatchObject({ ok: true });
      expect(server.stats()).toMatchObject({ paused: 0, requestBytes: 0 });
      busy.close();
      other.close();
    });

    it('at most maxClients connections: the next upgrade is refused with 503 and logged', async () => {
      await expect.poll(() => server.stats().clients).toBe(0);
      const four = await Promise.all([1, 2, 3, 4].map(() => open(server)));
      expect(await connectWs(server.origin, { token: server.token, origin: server.origin })).toEqual({ refused: 503 });
      expect(cap.lines.join('\n')).toMatch(/refused WebSocket GET \/ws .*: too many connections/);
      for (const c of four) c.close();
      await expect.poll(() => server.stats().clients).toBe(0);
      const again = await open(server);
      again.close();
    });
  });
});
