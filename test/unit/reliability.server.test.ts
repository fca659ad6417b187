/**
 * Reliability (issue #6), browser-mode security gaps not covered by server.test.ts / shell.spec.ts:
 * - every refusal (HTTP and WebSocket: no token, wrong token, foreign Origin, foreign Host,
 *   traversal) is logged with its reason, and the token never appears in the log;
 * - the default bind is loopback and silent; binding a non-loopback host takes an explicit
 *   host and logs a warning, and still refuses requests without the token;
 * - a flood of refused connections leaves the server serving.
 * Uses the fake engine (test/unit/host-fake-engine-entry.ts) in a real child process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/server/server';
import { parseServerArgs } from '../../src-main/server/args';
import { connectWs, isClient, rawGet } from '../e2e/helpers/ws-client';

const FAKE = path.join(__dirname, 'host-fake-engine-entry.ts');
let tmp: string;
let root: string;

function capture() {
  const lines: string[] = [];
  const push = (level: string) => (...a: unknown[]) => void lines.push(`${level} ${a.join(' ')}`);
  return { lines, log: { info: push('info'), warn: push('warn'), error: push('error') } };
}

async function start(host: string | undefined, log: ReturnType<typeof capture>['log']): Promise<RunningServer> {
  const s = await startServer({
    port: 0,
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
