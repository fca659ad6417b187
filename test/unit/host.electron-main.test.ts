/**
 * The Electron main process (src-main/index.ts + shell/) against a fake `electron` module, so it
 * runs where the Electron binary is missing: start-up order, window hardening, the IPC gate
 * (sender frame + contract validation), the app:// protocol with its CSP, navigation and
 * window.open blocking, corrupt settings, the menu and the folder dialog.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => {
  const state = {
    calls: [] as unknown[][],
    ipcHandlers: {} as Record<string, (...a: unknown[]) => unknown>,
    protocolHandler: null as null | ((r: Request) => Promise<Response>),
    windows: [] as any[],
    menuTemplate: null as any,
    readyResolve: null as null | (() => void),
    dialogResult: { canceled: false, filePaths: ['/picked/folder'] },
    userData: '',
    lock: true,
  };
  return state;
});

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeWebContents extends EventEmitter {
    mainFrame = { url: 'app://latent-lab/index.html', parent: null, processId: 1, routingId: 1 };
    openHandler: ((d: { url: string }) => unknown) | null = null;
    sent: unknown[][] = [];
    send(...a: unknown[]) {
      this.sent.push(a);
    }
    isDestroyed() {
      return false;
    }
    isCrashed() {
      return false;
    }
    setWindowOpenHandler(fn: (d: { url: string }) => unknown) {
      this.openHandler = fn;
    }
    getURL() {
      return 'app://latent-lab/index.html';
    }
  }
  class BrowserWindow extends EventEmitter {
    webContents = new FakeWebContents();
    shown = false;
    constructor(public opts: any) {
      super();
      h.windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    static getAllWindows() {
      return h.windows;
    }
    loadURL(u: string) {
      h.calls.push(['loadURL', u]);
      return Promise.resolve();
    }
    show() {
      this.shown = true;
    }
    isDestroyed() {
      return false;
    }
    isMaximized() {
      return false;
    }
    isMinimized() {
      return false;
    }
    getBounds() {
      return { x: 10, y: 20, width: 1000, height: 700 };
    }
    getNormalBounds() {
      return this.getBounds();
    }
    maximize() {}
    focus() {}
    restore() {}
    setBackgroundColor() {}
  }
  const app = Object.assign(new EventEmitter(), {
    setPath: (k: string, v: string) => h.calls.push(['setPath', k, v]),
    getPath: () => h.userData,
    enableSandbox: () => h.calls.push(['enableSandbox']),
    requestSingleInstanceLock: () => h.lock,
    whenReady: () => new Promise<void>((r) => (h.readyResolve = r)),
    quit: () => h.calls.push(['quit']),
    exit: () => h.calls.push(['exit']),
    isPackaged: false,
    getName: () => 'latent-lab',
    getVersion: () => '0.1.0',
  });
  const utilityProcess = {
    fork(entry: string, args: string[]) {
      h.calls.push(['fork', entry, args]);
      const c: any = new EventEmitter();
      c.pid = 4242;
      c.kill = () => c.emit('exit', 0);
      c.postMessage = (m: any) => {
        if (m.type === 'request') {
          const value = m.name === 'runs:open' ? { id: m.payload.runId, name: `Run ${m.payload.runId}` } : { echo: m.name };
          setTimeout(() => c.emit('message', { type: 'response', id: m.id, response: { ok: true, value } }), 1);
        }
        if (m.type === 'shutdown') setTimeout(() => c.emit('exit', 0), 1);
      };
      setTimeout(
        () =>
          c.emit('message', {
            type: 'ready',
            pid: 4242,
            info: { appVersion: 'x', tfjsVersion: 'x', node: 'x', platform: 'x', workspace: '/w', backend: { backend: 'wasm', skipped: [], forced: false, overrides: [] } },
          }),
        5,
      );
      return c;
    },
  };
  return {
    app,
    BrowserWindow,
    utilityProcess,
    protocol: {
      registerSchemesAsPrivileged: (s: Array<{ scheme: string; privileges: object }>) => h.calls.push(['registerSchemesAsPrivileged', s]),
      handle: (_s: string, fn: (r: Request) => Promise<Response>) => (h.protocolHandler = fn),
    },
    ipcMain: {
      handle: (ch: string, fn: (...a: unknown[]) => unknown) => (h.ipcHandlers[ch] = fn),
      removeHandler: () => {},
      on: () => {},
    },
    nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: true, themeSource: 'system' }),
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    Menu: {
      buildFromTemplate: (t: unknown) => ({ t }),
      setApplicationMenu: (m: { t: unknown }) => (h.menuTemplate = m.t),
    },
    dialog: {
      showOpenDialog: async (...a: unknown[]) => {
        h.calls.push(['showOpenDialog', a.length]);
        return h.dialogResult;
      },
    },
    shell: {
      openExternal: async (u: string) => h.calls.push(['openExternal', u]),
      openPath: async (p: string) => (h.calls.push(['openPath', p]), ''),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: unknown) => h.calls.push(['permissionRequest', fn]),
        setPermissionCheckHandler: (fn: unknown) => h.calls.push(['permissionCheck', fn]),
        setDevicePermissionHandler: () => {},
      },
    },
  };
});

vi.mock('electron-log/main', () => {
  const noop = () => {};
  const log = {
    info: noop,
    warn: (...a: unknown[]) => h.calls.push(['log.warn', a.join(' ')]),
    error: (...a: unknown[]) => h.calls.push(['log.error', a.join(' ')]),
    transports: { file: { level: '', maxSize: 0, getFile: () => ({ path: path.join(h.userData, 'logs', 'main.log') }) }, console: { level: '' }, ipc: { level: 'info' } },
    errorHandler: { startCatching: noop },
  };
  return { default: log };
});

vi.mock('electron-store', async () => {
  const fs = await import('node:fs');
  const p = await import('node:path');
  return {
    default: class FakeStore {
      file: string;
      constructor(o: { name: string; cwd: string }) {
        this.file = p.join(o.cwd, `${o.name}.json`);
      }
      get store() {
        return fs.existsSync(this.file) ? JSON.parse(fs.readFileSync(this.file, 'utf8')) : {};
      }
      set store(v: unknown) {
        fs.writeFileSync(this.file, JSON.stringify(v));
      }
    },
  };
});

const names = (): string[] => h.calls.map((c) => String(c[0]));

beforeAll(async () => {
  h.userData = mkdtempSync(path.join(os.tmpdir(), 'll-electron-main-'));
  writeFileSync(path.join(h.userData, 'settings.json'), '{"window": {"width": "wide"}');
  await import('../../src-main/index');
  // Before ready: the scheme is privileged and the sandbox enabled.
  expect(names()).toContain('registerSchemesAsPrivileged');
  expect(names()).toContain('enableSandbox');
  h.readyResolve!();
  await vi.waitFor(() => expect(h.windows.length).toBe(1));
});

afterAll(() => rmSync(h.userData, { recursive: true, force: true }));

function win() {
  return h.windows[0];
}
const invoke = (event: unknown, name: unknown, payload: unknown) => h.ipcHandlers['lab:invoke'](event, name, payload) as Promise<any>;
const trusted = () => ({ sender: win().webContents, senderFrame: win().webContents.mainFrame });

describe('Electron main (fake electron)', () => {
  it('registers app:// as a standard, secure scheme', () => {
    const reg = h.calls.find((c) => c[0] === 'registerSchemesAsPrivileged')![1] as Array<{ scheme: string; privileges: any }>;
    expect(reg[0]).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true } });
  });

  it('opens one hardened window on the app:// UI, themed, shown on ready-to-show', () => {
    const w = win();
    expect(w.opts.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(w.opts.webPreferences.preload).toMatch(/preload[/\\]preload\.js$/);
    expect(w.opts.show).toBe(false);
    expect(w.opts.backgroundColor).toBe('#0b0f17');
    expect(h.calls).toContainEqual(['loadURL', 'app://latent-lab/index.html']);
    w.emit('ready-to-show');
    expect(w.shown).toBe(true);
  });

  it('starts the engine in a utilityProcess from out/main/engine-entry.js', () => {
    const fork = h.calls.find((c) => c[0] === 'fork')!;
    expect(String(fork[1])).toMatch(/engine-entry\.js$/);
  });

  it('a corrupt settings file is moved aside and defaults are used', () => {
    const files = readdirSync(h.userData);
    expect(files.some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
    expect(h.calls.some((c) => c[0] === 'log.warn' && /settings: .*using defaults/.test(String(c[1])))).toBe(true);
  });

  it('IPC from the main frame of our window on app:// is validated and routed', async () => {
    await vi.waitFor(() => expect(win().webContents.sent.some((s: unknown[]) => s[1] === 'engine:state' && (s[2] as any).state === 'ready')).toBe(true));
    expect(await invoke(trusted(), 'engine:info', {})).toEqual({ ok: true, value: { echo: 'engine:info' } });
    expect(await invoke(trusted(), 'runs:open', { runId: '../x' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await invoke(trusted(), 'fs:read', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    expect(await invoke(trusted(), 'constructor', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
  });

  it('IPC from any other frame, origin or web contents is refused before validation', async () => {
    const wc = win().webContents;
    const frames = [
      { sender: wc, senderFrame: { url: 'https://evil.example/', parent: null, processId: 1, routingId: 1 } },
      { sender: wc, senderFrame: { url: 'app://latent-lab/index.html', parent: {}, processId: 1, routingId: 7 } },
      { sender: wc, senderFrame: { url: 'file:///etc/passwd', parent: null, processId: 1, routingId: 1 } },
      { sender: new EventEmitter(), senderFrame: wc.mainFrame },
      { sender: wc, senderFrame: null },
    ];
    for (const ev of frames) await expect(invoke(ev, 'engine:info', {})).rejects.toThrow(/untrusted sender/);
  });

  it('relays engine events to the window', () => {
    expect(win().webContents.sent.some((s: unknown[]) => s[0] === 'lab:event' && s[1] === 'engine:state')).toBe(true);
  });

  it('serves app:// with the CSP and refuses other hosts and traversal', async () => {
    const handler = h.protocolHandler!;
    const idx = await handler(new Request('app://latent-lab/index.html'));
    expect([200, 404]).toContain(idx.status); // 404 here: the test has no built renderer next to src-main
    const csp = idx.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect((await handler(new Request('app://other-host/index.html'))).status).toBe(403);
    const trav = await handler(new Request('app://latent-lab/..%2f..%2fpackage.json'));
    expect(trav.status).toBe(403);
    expect((await handler(new Request('app://latent-lab/index.html', { method: 'POST', body: 'x' }))).status).toBe(403);
  });

  it('blocks navigation, redirects, webviews and window.open; only https goes to the browser', () => {
    const wc = win().webContents;
    const ev = () => ({ prevented: false, preventDefault() {
      this.prevented = true;
    } });
    const nav = ev();
    wc.emit('will-navigate', nav, 'https://example.com/');
    expect(nav.prevented).toBe(true);
    const navFile = ev();
    wc.emit('will-navigate', navFile, 'file:///etc/passwd');
    expect(navFile.prevented).toBe(true);
    const redirect = ev();
    wc.emit('will-redirect', redirect, 'https://example.com/');
    expect(redirect.prevented).toBe(true);
    const webview = ev();
    wc.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    expect(wc.openHandler({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(wc.openHandler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    const opened = h.calls.filter((c) => c[0] === 'openExternal').map((c) => c[1]);
    expect(opened).toContain('https://example.com/docs');
    expect(opened).not.toContain('file:///etc/passwd');
  });

  it('denies permissions', () => {
    const req = h.calls.find((c) => c[0] === 'permissionRequest')![1] as (wc: unknown, p: string, cb: (ok: boolean) => void) => void;
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal']) req(null, p, (ok) => answers.push(ok));
    expect(answers).toEqual([false, false, false, false]);
    const check = h.calls.find((c) => c[0] === 'permissionCheck')![1] as (wc: unknown, p: string) => boolean;
    expect(check(null, 'media')).toBe(false);
  });

  it('menu: accelerators, commands sent to the renderer, the dataset folder picked natively', async () => {
    const items = (h.menuTemplate as any[]).flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []));
    const byLabel = (l: string) => items.find((i: any) => i.label === l);
    expect(byLabel('Open Dataset Folder…').accelerator).toBe('CmdOrCtrl+O');
    expect(byLabel('Export…').accelerator).toBe('CmdOrCtrl+E');
    expect(byLabel('Start Training').accelerator).toBeTruthy();
    expect(byLabel('Stop Training').accelerator).toBeTruthy();
    expect(byLabel('Show Logs')).toBeTruthy();
    const sent = win().webContents.sent;
    byLabel('Export…').click();
    expect(sent.at(-1)).toEqual(['lab:event', 'menu:command', { command: 'export' }]);
    byLabel('Open Dataset Folder…').click();
    await vi.waitFor(() => expect(sent.at(-1)).toEqual(['lab:event', 'menu:command', { command: 'openDatasetFolder', path: '/picked/folder' }]));
    byLabel('Show Logs').click();
    await vi.waitFor(() => expect(names()).toContain('openPath'));
  });

  it('runs opened from the UI appear under File › Open Recent Run, newest first, and reopen from there', async () => {
    for (const id of ['r1', 'r2', 'r1']) expect(await invoke(trusted(), 'runs:open', { runId: id })).toMatchObject({ ok: true });
    const file = (h.menuTemplate as any[]).find((m) => m.label === '&File');
    const recent = file.submenu.find((i: any) => i.label === 'Open Recent Run').submenu;
    expect(recent.filter((i: any) => i.label?.startsWith('Run ')).map((i: any) => i.label)).toEqual(['Run r1', 'Run r2']);
    recent[1].click();
    expect(win().webContents.sent.at(-1)).toEqual(['lab:event', 'menu:command', { command: 'openRun', runId: 'r2' }]);
    const saved = JSON.parse(readFileSync(path.join(h.userData, 'settings.json'), 'utf8'));
    expect(saved.recentRuns).toEqual([
      { id: 'r1', name: 'Run r1' },
      { id: 'r2', name: 'Run r2' },
    ]);
    recent.find((i: any) => i.label === 'Clear Menu').click();
    const after = (h.menuTemplate as any[]).find((m) => m.label === '&File').submenu.find((i: any) => i.label === 'Open Recent Run').submenu;
    expect(after.map((i: any) => i.label)).toEqual(['Clear Menu']);
  });

  it('dialog:openFolder is a validated host request answered by the native dialog', async () => {
    expect(await invoke(trusted(), 'dialog:openFolder', { purpose: 'export' })).toEqual({ ok: true, value: { path: '/picked/folder' } });
    h.dialogResult = { canceled: true, filePaths: [] };
    expect(await invoke(trusted(), 'dialog:openFolder', { purpose: 'dataset' })).toEqual({ ok: true, value: { path: null } });
    expect(await invoke(trusted(), 'dialog:openFolder', { purpose: '/etc' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(existsSync(path.join(h.userData, 'settings.json'))).toBe(true);
  });

  it('a dataset file is picked with the same host request; its folder is remembered for the next dialog', async () => {
    h.dialogResult = { canceled: false, filePaths: ['/data/sets/digits.npz'] };
    expect(await invoke(trusted(), 'dialog:openFolder', { purpose: 'dataset-file' })).toEqual({ ok: true, value: { path: '/data/sets/digits.npz' } });
    const saved = JSON.parse(readFileSync(path.join(h.userData, 'settings.json'), 'utf8'));
    expect(saved.lastDatasetFolder).toBe('/data/sets');
  });

  it('remembers the window bounds on close', () => {
    win().emit('close');
    const saved = JSON.parse(readFileSync(path.join(h.userData, 'settings.json'), 'utf8'));
    expect(saved.window).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: false });
  });
});
