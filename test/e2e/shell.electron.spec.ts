/**
 * The Electron shell: window hardening, CSP on the app:// protocol, blocked navigation and
 * window.open, and the preload's narrow bridge. Skipped where the Electron binary is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, _electron, type ElectronApplication, type Page } from '@playwright/test';
import { ELECTRON_SKIP_REASON, ROOT, electronBinary } from './helpers/env';

const bin = electronBinary();
test.skip(!bin, ELECTRON_SKIP_REASON);

let app: ElectronApplication;
let page: Page;
let tmp: string;

test.beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'latent-lab-electron-'));
  app = await _electron.launch({
    executablePath: bin!,
    // The app is the repo (package.json `main` → out/main/index.js). Chromium refuses to run as
    // root with its OS sandbox; the renderer's `sandbox: true` preference is unaffected.
    args: [ROOT, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    // No judging classifier, as in every e2e workspace (the app would start training MNIST's on this first launch).
    env: { ...process.env, LATENT_LAB_USER_DATA: path.join(tmp, 'user'), LATENT_LAB_HOME: path.join(tmp, 'ws'), LATENT_LAB_CLASSIFIER: '0' },
  });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
});

test.afterAll(async () => {
  await app?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the window is isolated: contextIsolation, sandbox, no nodeIntegration', async () => {
  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const w = BrowserWindow.getAllWindows()[0];
    const wc = w.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> };
    const p = wc.getLastWebPreferences?.() ?? (globalThis as unknown as { __latentLabWebPreferences: Record<string, unknown> }).__latentLabWebPreferences;
    return { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity };
  });
  expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
  expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined');
  expect(page.url()).toMatch(/^app:\/\/latent-lab\//);
});

test('the UI is served with the strict CSP header', async () => {
  const csp = await page.evaluate(() => fetch(location.href).then((r) => r.headers.get('content-security-policy')));
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-eval');
});

test('window.api exposes only the bridge; unknown names are refused', async () => {
  const keys = await page.evaluate(() => Object.keys((window as unknown as { api: object }).api).sort());
  expect(keys).toEqual(['eventNames', 'invoke', 'on', 'requestNames', 'transport']);
  const r = await page.evaluate(() => (window as unknown as { api: { invoke(n: string, p: unknown): Promise<unknown> } }).api.invoke('fs:readFile', {}));
  expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
  const bad = await page.evaluate(() => (window as unknown as { api: { invoke(n: string, p: unknown): Promise<unknown> } }).api.invoke('runs:open', { runId: '../x' }));
  expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
  const info = await page.evaluate(() => (window as unknown as { api: { invoke(n: string, p: unknown): Promise<unknown> } }).api.invoke('engine:info', {}));
  expect(info).toMatchObject({ ok: true });
});

test('navigation away and window.open are blocked', async () => {
  const before = page.url();
  await page.evaluate(() => {
    location.href = 'https://example.com/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe(before);
  const opened = await page.evaluate(() => window.open('https://example.com/') === null);
  expect(opened).toBe(true);
  expect(app.windows().length).toBe(1);
});
