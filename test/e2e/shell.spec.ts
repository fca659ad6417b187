/**
 * Browser-mode shell security, end to end: the real server (`out/main/server.js`) with the real
 * engine, and Chromium. Token, cookie, Origin, path traversal, CSP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from './helpers/fixtures';
import { connectWs, isClient, rawGet } from './helpers/ws-client';

test.describe('browser mode: access control', () => {
  test('HTTP without the token, with a wrong token or a foreign Origin is refused and logged', async ({ lab, request }) => {
    expect((await request.get(`${lab.origin}/`)).status()).toBe(401);
    expect((await request.get(`${lab.origin}/?token=wrong`)).status()).toBe(401);
    expect((await request.get(`${lab.origin}/?token=${lab.token.slice(0, -1)}`)).status()).toBe(401);
    expect((await request.get(lab.url, { headers: { origin: 'http://evil.example' } })).status()).toBe(403);
    expect((await request.get(lab.url, { headers: { host: `attacker.example:${lab.port}` } })).status()).toBe(403);
    const ok = await request.get(lab.url);
    expect(ok.status()).toBe(200);
    expect(ok.headers()['set-cookie']).toMatch(/HttpOnly; SameSite=Strict/);
    await expect.poll(() => lab.logs()).toMatch(/refused HTTP GET \/ .*no token/);
    expect(lab.logs()).toMatch(/refused HTTP GET \/ .*foreign Origin/);
    expect(lab.logs()).not.toContain(lab.token);
  });

  test('WebSocket upgrades without the token, with a wrong token or a foreign Origin are refused', async ({ lab }) => {
    expect(await connectWs(lab.origin, {})).toEqual({ refused: 401 });
    expect(await connectWs(lab.origin, { token: 'x'.repeat(43) })).toEqual({ refused: 401 });
    expect(await connectWs(lab.origin, { token: lab.token, origin: 'http://evil.example' })).toEqual({ refused: 403 });
    expect(await connectWs(lab.origin, { token: lab.token, origin: `http://127.0.0.1:${lab.port + 1}` })).toEqual({ refused: 403 });
    const ok = await connectWs(lab.origin, { token: lab.token, origin: lab.origin });
    expect(isClient(ok)).toBe(true);
    if (isClient(ok)) ok.close();
    expect(lab.logs()).toMatch(/refused WebSocket/);
  });

  test('a page on another origin cannot use the API, even knowing the token', async ({ page, lab }) => {
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilPort = (evil.address() as AddressInfo).port;
    try {
      await page.goto(`http://localhost:${evilPort}/`);
      const result = await page.evaluate(
        ({ origin, token }) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws?token=${token}`);
            ws.onopen = () => resolve('open');
            ws.onclose = (e) => resolve(`closed ${e.code}`);
          }),
        { origin: lab.origin, token: lab.token },
      );
      expect(result).toBe('closed 1006');
      const fetched = await page.evaluate(
        (url) => fetch(url).then((r) => `status ${r.status}`, (e) => `error ${String(e)}`),
        lab.url,
      );
      expect(fetched).not.toBe('status 200');
    } finally {
      evil.close();
    }
  });

  const traversals = [
    '/../package.json',
    '/../../package.json',
    '/%2e%2e/package.json',
    '/%2e%2e/%2e%2e/package.json',
    '/assets/..%2f..%2fpackage.json',
    '/..%2f..%2fmain/server.js',
    '/..%5cpackage.json',
    '/%2e%2e%2fmain%2fserver.js',
    '/..%252fpackage.json',
    '/..\\main\\server.js',
  ];
  for (const p of traversals) {
    test(`path traversal is refused: ${p}`, async ({ lab }) => {
      const r = await rawGet(lab.origin, `${p}?token=${lab.token}`);
      expect([400, 403, 404]).toContain(r.status);
      expect(r.body).not.toMatch(/"name": "latent-lab"|startServer|require\(/);
    });
  }
});

test.describe('browser mode: the page', () => {
  test('loads under the strict CSP without violations and talks to the engine over the WebSocket', async ({ page, lab }) => {
    await page.addInitScript(() => {
      (window as unknown as { __csp: string[] }).__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const consoleProblems: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Permissions-Policy/i.test(m.text())) consoleProblems.push(m.text());
    });
    page.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
    const wsFrames: number[] = [];
    const wsSeen = page.waitForEvent('websocket', (ws) => new URL(ws.url()).pathname === '/ws');
    page.on('websocket', (ws) => ws.on('framereceived', (f) => wsFrames.push(typeof f.payload === 'string' ? f.payload.length : f.payload.byteLength)));
    const response = await page.goto(lab.url);
    expect(response?.status()).toBe(200);
    const csp = response!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(csp).toContain(`ws://127.0.0.1:${lab.port}`);
    const ws = await wsSeen;
    // The page's socket authenticates with the token (or the cookie set on page load).
    expect(ws.url()).toMatch(/\/ws/);
    await expect.poll(() => wsFrames.length, { timeout: 30_000 }).toBeGreaterThan(0);
    // Reload without the token: the HttpOnly cookie carries the session.
    const again = await page.goto(lab.origin + '/');
    expect(again?.status()).toBe(200);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(consoleProblems).toEqual([]);
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
  });
});
