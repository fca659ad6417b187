/**
 * Electron main: single instance, one window on the `app://` UI, the engine in a
 * `utilityProcess` behind the shared `EngineHost`, IPC, menu, settings and logs.
 * The interesting parts live in `shell/` (Electron-only) and `host/` (shared with browser mode).
 */
import path from 'node:path';
import { BrowserWindow, Menu, app, dialog, shell } from 'electron';
import { EngineHost } from './host/engine-host';
import { IPC_EVENT } from '../src-shared/channels';
import type { HostEventPayload, MenuCommand, Response } from '../src-shared/contract';
import type { HostLogger } from './host/log';
import { utilitySpawner } from './shell/utility-channel';
import { registerIpc } from './shell/ipc';
import { setupLogging } from './shell/logging';
import { buildMenu } from './shell/menu';
import { handleAppProtocol, registerAppScheme } from './shell/app-protocol';
import { hardenApp } from './shell/security';
import { pushRecentRun, SettingsStore } from './shell/settings';
import { createMainWindow } from './shell/window';
import { envValue } from './env';

// Tests (and power users) can isolate the profile.
const userData = envValue('LATENT_LAB_USER_DATA');
if (userData) app.setPath('userData', path.resolve(userData));

registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  main();
}

/** What the shell's parts share: the logger, the window, the engine host, the settings. */
interface Shell {
  log: HostLogger;
  logDir: () => string;
  win: BrowserWindow | null;
  host: EngineHost | null;
  /** Set once the app is ready. */
  settings: SettingsStore;
  preload: string;
  rendererDir: string;
}

/** Native folder picker, starting where the last one of this purpose ended; null = cancelled. */
async function pickFolder(sh: Shell, purpose: 'dataset' | 'dataset-file' | 'export', title?: string): Promise<string | null> {
  const s = sh.settings.get();
  const file = purpose === 'dataset-file';
  const opts: Electron.OpenDialogOptions = {
    title: title ?? (file ? 'Open a dataset file' : purpose === 'dataset' ? 'Open dataset folder' : 'Choose export folder'),
    defaultPath: purpose === 'export' ? s.lastExportFolder : s.lastDatasetFolder,
    properties: file ? ['openFile'] : purpose === 'dataset' ? ['openDirectory'] : ['openDirectory', 'createDirectory', 'promptToCreate'],
    ...(file ? { filters: [{ name: 'Datasets', extensions: ['npz', 'npy', 'csv', 'gz', 'ubyte', 'idx', 'idx1-ubyte', 'idx3-ubyte'] }, { name: 'All files', extensions: ['*'] }] } : {}),
  };
  const win = sh.win && !sh.win.isDestroyed() ? sh.win : null;
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  const picked = r.canceled ? null : (r.filePaths[0] ?? null);
  if (picked) sh.settings.update(purpose === 'export' ? { lastExportFolder: picked } : { lastDatasetFolder: file ? path.dirname(picked) : picked });
  return picked;
}

/** A menu command for the renderer (`menu:command` on the IPC event channel). */
function sendMenu(sh: Shell, command: MenuCommand, extra: { path?: string; runId?: string } = {}): void {
  if (!sh.win || sh.win.isDestroyed()) return;
  const payload: HostEventPayload<'menu:command'> = { command, ...extra };
  sh.win.webContents.send(IPC_EVENT, 'menu:command', payload);
}

function openWindow(sh: Shell): void {
  const win = createMainWindow({ preload: sh.preload, settings: sh.settings });
  sh.win = win;
  win.on('closed', () => {
    if (sh.win === win) sh.win = null;
  });
}

/** (Re)build the application menu (its Open Recent Run list changes). */
function setMenu(sh: Shell): void {
  Menu.setApplicationMenu(
    buildMenu({
      command: (command, extra) => sendMenu(sh, command, extra),
      recentRuns: () => sh.settings.get().recentRuns,
      clearRecentRuns: () => {
        sh.settings.update({ recentRuns: [] });
        setMenu(sh);
      },
      pickDatasetFolder: () => pickFolder(sh, 'dataset'),
      showLogs: () => {
        void shell.openPath(sh.logDir()).then((err) => err && sh.log.warn(`could not open the log folder: ${err}`));
      },
      restartEngine: () => void sh.host?.restart(),
    }),
  );
}

/** After every answered request: a run opened goes to the top of Open Recent Run. */
function rememberOpenedRun(sh: Shell, name: unknown, response: Response): void {
  if (name !== 'runs:open' || !response.ok) return;
  const run = response.value as { id?: unknown; name?: unknown };
  if (typeof run.id !== 'string' || typeof run.name !== 'string') return;
  sh.settings.update({ recentRuns: pushRecentRun(sh.settings.get().recentRuns, { id: run.id, name: run.name }) });
  setMenu(sh);
}

/** Once Electron is ready: settings, protocol, the engine host, IPC, menu and the window. */
function startApp(sh: Shell): void {
  sh.settings = new SettingsStore(app.getPath('userData'), sh.log);
  hardenApp(sh.log);
  handleAppProtocol(sh.rendererDir, sh.log);
  const workspace = sh.settings.get().workspace;
  const host = new EngineHost({
    spawn: utilitySpawner({ entry: path.join(__dirname, 'engine-entry.js'), args: workspace ? ['--workspace', workspace] : [] }),
    log: sh.log,
    hostHandlers: {
      'dialog:openFolder': async (p) => {
        const { purpose, title } = p as { purpose: 'dataset' | 'dataset-file' | 'export'; title?: string };
        return { path: await pickFolder(sh, purpose, title) };
      },
    },
  });
  sh.host = host;
  registerIpc(host, () => sh.win, sh.log, (name, response) => rememberOpenedRun(sh, name, response));
  host.start();
  setMenu(sh);
  openWindow(sh);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow(sh);
  });
}

function main(): void {
  const { log, logDir } = setupLogging();
  const outDir = path.join(__dirname, '..');
  const sh: Shell = {
    log,
    logDir,
    win: null,
    host: null,
    settings: undefined as unknown as SettingsStore,
    preload: path.join(outDir, 'preload', 'preload.js'),
    rendererDir: path.join(outDir, 'renderer'),
  };

  app.on('second-instance', () => {
    const win = sh.win;
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.whenReady().then(
    () => startApp(sh),
    (err: unknown) => {
      log.error('startup failed:', err);
      app.exit(1);
    },
  );

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    const host = sh.host;
    if (quitting || !host) return;
    event.preventDefault();
    quitting = true;
    host.dispose().finally(() => app.quit());
  });
}
