/**
 * Browser-mode server: access control (token, cookie, Origin, Host), static serving without
 * traversal, the msgpackr WebSocket protocol (typed arrays, malformed frames) and engine crashes,
 * with the fake engine in a real child process.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapUrlPath } from '../../src-main/host/static-files';
import { startServer, type RunningServer } from '../../src-main/server/server';
import { parseServerArgs } from '../../src-main/server/args';
import { writeRedirectPage } from '../../src-main/server/open-browser';
import { connectWs, isClient, packr, rawGet, type LabWsClient } from '../e2e/helpers/ws-client';

const FAKE = path.join(__dirname, 'host-fake-engine-entry.ts');
const SECRET = 'TOP-SECRET-CONTENT';
let tmp: string;
let server: RunningServer;
const logs: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-server-'));
  const root = path.join(tmp, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Latent Lab</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  server = await startServer({
    port: 0,
    rendererDir: root,
    workspace: path.join(tmp, 'ws'),
    engineEntry: FAKE,
    engineExecArgv: ['--import', 'tsx'],
    log: { info: () => {}, warn: (...a) => logs.push(a.join(' ')), error: (...a) => logs.push(a.join(' ')) },
  });
  await server.engine.whenReady();
});

afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const q = (): string => `?token=${server.token}`;

describe('startServer: HTTP', () => {
  it('binds 127.0.0.1 on a free port and gives a tokenised URL', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses requests without a token, with a wrong token, or a wrong cookie (401, logged)', async () => {
    logs.length = 0;
    expect((await rawGet(server.origin, '/')).status).toBe(401);
    expect((await rawGet(server.origin, '/?token=nope')).status).toBe(401);
    expect((await rawGet(server.origin, `/?token=${server.token}x`)).status).toBe(401);
    expect((await rawGet(server.origin, '/', { cookie: `latentlab_page_${server.port}=wrong` })).status).toBe(401);
    // The token itself in a cookie opens nothing (no cookie ever carries it).
    expect((await rawGet(server.origin, '/', { cookie: `latentlab_token_${server.port}=${server.token}` })).status).toBe(401);
    expect((await rawGet(server.origin, '/assets/app.js')).status).toBe(401);
    expect(logs.filter((l) => /refused HTTP/.test(l)).length).toBe(6);
    expect(logs.join('\n')).not.toContain(server.token);
  });

  it('serves the UI with the token, sets an HttpOnly SameSite=Strict page cookie that is not the token, and the security headers', async () => {
    const r = await rawGet(server.origin, `/${q()}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Latent Lab</title>');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^latentlab_page_${server.port}=[A-Za-z0-9_-]{43};`));
    expect(cookie).not.toContain(server.token);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    // The page cookie alone opens the static files afterwards (a reload without the token)…
    const pageCookie = cookie.split(';')[0];
    const c = await rawGet(server.origin, '/assets/app.js', { cookie: pageCookie });
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toMatch(/javascript/);
    expect(c.headers['set-cookie']).toBeUndefined();
    // …and nothing else: it does not open the WebSocket, from our own origin or any other.
    expect(await connectWs(server.origin, { cookie: pageCookie, origin: server.origin })).toEqual({ refused: 401 });
    expect(await connectWs(server.origin, { cookie: pageCookie })).toEqual({ refused: 401 });
  });

  it('refuses a foreign Origin and a foreign Host (403) even with the token', async () => {
    expect((await rawGet(server.origin, `/${q()}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await rawGet(server.origin, `/${q()}`, { origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await rawGet(server.origin, `/${q()}`, { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await rawGet(server.origin, `/${q()}`, { origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('only GET/HEAD', async () => {
    expect((await rawGet(server.origin, `/${q()}`, {}, 'POST')).status).toBe(405);
    expect((await rawGet(server.origin, `/${q()}`, {}, 'HEAD')).status).toBe(200);
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/..\\secret.txt',
    '/assets/link.txt',
    '/assets/%00',
    '/%',
  ])('refuses path traversal: %s', async (p) => {
    const r = await rawGet(server.origin, `${p}${q()}`);
    expect([400, 403, 404]).toContain(r.status);
    expect(r.body).not.toContain(SECRET);
  });
});

describe('startServer: WebSocket', () => {
  let client: LabWsClient;
  beforeAll(async () => {
    const c = await connectWs(server.origin, { token: server.token });
    if (!isClient(c)) throw new Error(`refused ${c.refused}`);
    client = c;
  });
  afterAll(() => client?.close());

  it('refuses upgrades without a token, with a wrong token, a foreign Origin or another path', async () => {
    expect(await connectWs(server.origin, {})).toEqual({ refused: 401 });
    expect(await connectWs(server.origin, { token: 'wrong' })).toEqual({ refused: 401 });
    expect(await connectWs(server.origin, { token: server.token, origin: 'http://evil.example' })).toEqual({ refused: 403 });
    expect(await connectWs(server.origin, { token: server.token, origin: `http://127.0.0.1:${server.port + 1}` })).toEqual({ refused: 403 });
    expect(await connectWs(server.origin, { token: server.token, path: '/other' })).toEqual({ refused: 404 });
  });

  it('takes the token only as a subprotocol: not from the URL, not from a cookie; never echoes it', async () => {
    expect(await connectWs(server.origin, { token: server.token, tokenInQuery: true, origin: server.origin })).toEqual({ refused: 401 });
    expect(await connectWs(server.origin, { cookie: `latentlab_token_${server.port}=${server.token}`, origin: server.origin })).toEqual({ refused: 401 });
    const ok = await connectWs(server.origin, { token: server.token, origin: server.origin });
    expect(isClient(ok)).toBe(true);
    if (isClient(ok)) {
      expect(ok.ws.protocol).toBe('latentlab.v1');
      ok.close();
    }
  });

  it('sends engine:state on connect and answers requests', async () => {
    const s = await client.waitForEvent('engine:state');
    expect(['starting', 'ready']).toContain(s.state);
    const r = await client.request('engine:info', {});
    expect(r).toMatchObject({ ok: true, value: { appVersion: '0.0.0-fake' } });
  });

  it('round-trips Float32Array / Int32Array / Uint8Array through msgpack and the engine process', async () => {
    const z = new Float32Array([1.5, -2.25, 3e-8, 1e30]);
    const r = await client.request('model:decode', { z, count: 2 });
    expect(r.ok).toBe(true);
    const v = (r as { value: any }).value;
    expect(v.images).toBeInstanceOf(Float32Array);
    expect(Array.from(v.images)).toEqual(Array.from(z));
    expect(v.labels).toBeInstanceOf(Int32Array);
    expect(v.bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(v.bytes)).toEqual([1, 2, 3]);
  });

  it('answers malformed frames with typed errors and keeps serving', async () => {
    const text = await client.raw('{"t":"req"}');
    expect(text).toMatchObject({ t: 'res', id: null, ok: false, error: { code: 'INVALID_PAYLOAD' } });
    const garbage = await client.raw(Buffer.from([0x92, 0x01]));
    expect(garbage).toMatchObject({ id: null, ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/malformed frame/) } });
    const notMap = await client.raw(packr.pack([1, 2, 3]));
    expect(notMap).toMatchObject({ id: null, error: { code: 'INVALID_PAYLOAD' } });
    const noId = await client.raw(packr.pack({ t: 'req', name: 'engine:info', payload: {} }));
    expect(noId).toMatchObject({ id: null, error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/id/) } });
    const badId = await client.raw(packr.pack({ t: 'req', id: -1, name: 'engine:info' }));
    expect(badId).toMatchObject({ id: null, error: { code: 'INVALID_PAYLOAD' } });
    const unknown = await client.raw(packr.pack({ t: 'req', id: 900, name: 'engine:selfDestruct', payload: {} }), 900);
    expect(unknown).toMatchObject({ id: 900, error: { code: 'UNKNOWN_REQUEST' } });
    const noName = await client.raw(packr.pack({ t: 'req', id: 901 }), 901);
    expect(noName).toMatchObject({ id: 901, error: { code: 'INVALID_PAYLOAD' } });
    const badPayload = await client.raw(packr.pack({ t: 'req', id: 902, name: 'model:decode', payload: { z: [1, 2], count: 1 } }), 902);
    expect(badPayload).toMatchObject({ id: 902, error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/Float32Array/) } });
    const proto = await client.raw(packr.pack({ t: 'req', id: 903, name: '__proto__', payload: {} }), 903);
    expect(proto).toMatchObject({ id: 903, error: { code: 'UNKNOWN_REQUEST' } });
    expect((await client.request('engine:info', {})).ok).toBe(true);
  });

  it('browser mode has no native dialogs: dialog:openFolder is UNSUPPORTED', async () => {
    expect(await client.request('dialog:openFolder', { purpose: 'export' })).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
  });

  it('engine killed mid-training → ENGINE_DOWN + crashed for clients; engine:restart brings it back with runs', async () => {
    expect((await client.request('training:start', {})).ok).toBe(true);
    await client.waitForEvent('training:progress');
    const hanging = client.request('projection:compute', { method: 'pca', latents: new Float32Array(4), dim: 2 });
    const ready = client.events.filter((e) => e.name === 'engine:state' && e.payload.state === 'ready').at(-1) ?? (await client.waitForEvent('engine:state', (p) => p.state === 'ready'));
    const pid: number = ready.payload?.pid ?? ready.pid;
    expect(pid).toBe(server.engine.pid);
    process.kill(pid, 'SIGKILL');
    expect(await hanging).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
    const crashed = await client.waitForEvent('engine:state', (p) => p.state === 'crashed');
    expect(crashed.message).toMatch(/SIGKILL/);
    expect(await client.request('engine:restart', {})).toEqual({ ok: true, value: { ok: true } });
    await client.waitForEvent('engine:state', (p) => p.state === 'ready' && p.pid !== pid);
    const runs = await client.request('runs:list', {});
    expect(runs).toMatchObject({ ok: true, value: [{ id: 'run-1' }] });
  });
});

describe('static path mapping (property)', () => {
  it('never maps any URL path outside the root', () => {
    const root = path.join(os.tmpdir(), 'll-root');
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E%2e', '..%2f', '%2f', '%5c', '\\', '%00', '%', 'assets', 'index.html', '', '%252e'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segs) => {
        const r = mapUrlPath(root, '/' + segs.join('/'));
        return !r.ok || r.file === path.join(root, 'index.html') || r.file.startsWith(root + path.sep);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('server command line', () => {
  it('parses the documented flags', () => {
    expect(parseServerArgs([])).toEqual({ port: 0, host: '127.0.0.1', open: true });
    expect(parseServerArgs(['--port', '8080', '--host=0.0.0.0', '--workspace', '/tmp/w', '--no-open'])).toEqual({
      port: 8080,
      host: '0.0.0.0',
      workspace: '/tmp/w',
      open: false,
    });
    expect(() => parseServerArgs(['--port', '-1'])).toThrow(/port/);
    expect(() => parseServerArgs(['--port', '70000'])).toThrow(/port/);
    expect(() => parseServerArgs(['--bogus'])).toThrow(/Unknown option '--bogus'[^]*usage: latent-lab-server/);
    expect(() => parseServerArgs(['--workspace'])).toThrow(/'--workspace <value>' argument missing/);
    expect(() => parseServerArgs(['--workspace='])).toThrow(/--workspace needs a value/);
    expect(() => parseServerArgs(['stray'])).toThrow(/Unexpected argument 'stray'/);
    expect(parseServerArgs(['-h'])).toMatchObject({ help: true });
  });
});

describe('opening the browser without the token on a command line', () => {
  it('the opener gets a redirect page only this user can read, removed on stop', () => {
    const url = 'http://127.0.0.1:4321/?token=abc_DEF-123&x=<1>';
    const page = writeRedirectPage(url, tmp);
    try {
      expect(page.file).not.toContain('abc_DEF');
      expect(statSync(page.file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(page.file)).mode & 0o777).toBe(0o700);
      const html = readFileSync(page.file, 'utf8');
      expect(html).toContain('content="0;url=http://127.0.0.1:4321/?token=abc_DEF-123&amp;x=&lt;1&gt;"');
    } finally {
      page.remove();
    }
    expect(existsSync(path.dirname(page.file))).toBe(false);
  });
});
