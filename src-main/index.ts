/**
 * Electron main: single instance, one window on the `app://` UI, the engine in a
 * `utilityProcess` behind the shared `EngineHost`, IPC, menu, settings and logs.
 * The interesting parts live in `shell/` (Electron-only) and `host/` (shared with browser mode).
 */
import path from 'node:path';
import { BrowserWindow, Menu, app, dialog, nativeTheme, shell } from 'electron';
import { EngineHost } from './host/engine-host';
import type { HostEventPayload, MenuCommand } from '../src-shared/contract';
import { utilitySpawner } from './host/utility-channel';
import { registerIpc } from './shell/ipc';
import { setupLogging } from './shell/logging';
import { buildMenu } from './shell/menu';
import { handleAppProtocol, registerAppScheme } from './shell/protocol';
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

function main(): void {
  const { log, logDir } = setupLogging();
  let win: BrowserWindow | null = null;
  let host: EngineHost | null = null;
  let settings: SettingsStore;

  const outDir = path.join(__dirname, '..');
  const preload = path.join(outDir, 'preload', 'preload.js');
  const rendererDir = path.join(outDir, 'renderer');

  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  const pickFolder = async (purpose: 'dataset' | 'export', title?: string): Promise<string | null> => {
    const s = settings.get();
    const opts: Electron.OpenDialogOptions = {
      title: title ?? (purpose === 'dataset' ? 'Open dataset folder' : 'Choose export folder'),
      defaultPath: purpose === 'dataset' ? s.lastDatasetFolder : s.lastExportFolder,
      properties: purpose === 'dataset' ? ['openDirectory'] : ['openDirectory', 'createDirectory', 'promptToCreate'],
    };
    const r = win && !win.isDestroyed() ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    const picked = r.canceled ? null : (r.filePaths[0] ?? null);
    if (picked) settings.update(purpose === 'dataset' ? { lastDatasetFolder: picked } : { lastExportFolder: picked });
    return picked;
  };

  const sendMenu = (command: MenuCommand, extra: { path?: string; runId?: string } = {}): void => {
    if (!win || win.isDestroyed()) return;
    const payload: HostEventPayload<'menu:command'> = { command, ...extra };
    win.webContents.send('lab:event', 'menu:command', payload);
  };

  const openWindow = (): void => {
    win = createMainWindow({ preload, settings });
    win.on('closed', () => {
      win = null;
    });
  };

  app.whenReady().then(
    () => {
      settings = new SettingsStore(app.getPath('userData'), log);
      nativeTheme.themeSource = settings.get().theme;
      hardenApp(log);
      handleAppProtocol(rendererDir, log);

      const workspace = settings.get().workspace;
      host = new EngineHost({
        spawn: utilitySpawner({
          entry: path.join(__dirname, 'engine-entry.js'),
          args: workspace ? ['--workspace', workspace] : [],
        }),
        log,
        hostHandlers: {
          'dialog:openFolder': async (p) => {
            const { purpose, title } = p as { purpose: 'dataset' | 'export'; title?: string };
            return { path: await pickFolder(purpose, title) };
          },
        },
      });
      const setMenu = (): void =>
        Menu.setApplicationMenu(
          buildMenu({
            command: sendMenu,
            recentRuns: () => settings.get().recentRuns,
            clearRecentRuns: () => {
              settings.update({ recentRuns: [] });
              setMenu();
            },
            pickDatasetFolder: () => pickFolder('dataset'),
            showLogs: () => {
              void shell.openPath(logDir()).then((err) => err && log.warn(`could not open the log folder: ${err}`));
            },
            restartEngine: () => void host?.restart(),
          }),
        );
      registerIpc(host, () => win, log, (name, response) => {
        if (name !== 'runs:open' || !response.ok) return;
        const run = response.value as { id?: unknown; name?: unknown };
        if (typeof run.id !== 'string' || typeof run.name !== 'string') return;
        settings.update({ recentRuns: pushRecentRun(settings.get().recentRuns, { id: run.id, name: run.name }) });
        setMenu();
      });
      host.start();
      setMenu();
      openWindow();

      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) openWindow();
      });
    },
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
    if (quitting || !host) return;
    event.preventDefault();
    quitting = true;
    host.dispose().finally(() => app.quit());
  });
}
