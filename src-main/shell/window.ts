/** The one main window: shown on ready-to-show, themed background, bounds remembered. */
import path from 'node:path';
import { BrowserWindow, nativeTheme, screen, type Rectangle } from 'electron';
import type { SettingsStore, WindowState } from './settings';
import { APP_URL } from './app-protocol';
import { findResource } from '../resources';

/** Match the renderer's page background so nothing flashes before the first paint. */
export const BACKGROUND = { dark: '#0b0f17', light: '#f4f5f8' } as const; // = --bg in src-renderer/src/app.css

function visibleOnSomeDisplay(b: Rectangle): boolean {
  return screen.getAllDisplays().some(({ workArea: w }) => {
    const x = Math.max(b.x, w.x);
    const y = Math.max(b.y, w.y);
    const right = Math.min(b.x + b.width, w.x + w.width);
    const bottom = Math.min(b.y + b.height, w.y + w.height);
    return right - x >= 100 && bottom - y >= 50; // enough of the title bar to grab
  });
}

export function restoredBounds(state: WindowState): Partial<Rectangle> {
  const { width, height, x, y } = state;
  if (x === undefined || y === undefined) return { width, height };
  return visibleOnSomeDisplay({ x, y, width, height }) ? { x, y, width, height } : { width, height };
}

export function createMainWindow(opts: { preload: string; settings: SettingsStore }): BrowserWindow {
  const state = opts.settings.get().window;
  const webPreferences: Electron.WebPreferences = {
    preload: path.resolve(opts.preload),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
  // Read by the Electron e2e spec (main-process evaluate) to assert the hardening.
  (globalThis as { __latentLabWebPreferences?: Electron.WebPreferences }).__latentLabWebPreferences = { ...webPreferences };
  const win = new BrowserWindow({
    ...restoredBounds(state),
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Latent Lab',
    icon: findResource('icon.png'), // resources/icon.png (scripts/make-icon.cjs)
    backgroundColor: nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light,
    autoHideMenuBar: false,
    webPreferences,
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  nativeTheme.on('updated', () => {
    if (!win.isDestroyed()) win.setBackgroundColor(nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light);
  });

  let saveTimer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (win.isDestroyed()) return;
    const maximized = win.isMaximized();
    const b = maximized ? win.getNormalBounds() : win.getBounds();
    opts.settings.update({ window: { x: b.x, y: b.y, width: Math.max(480, b.width), height: Math.max(360, b.height), maximized } });
  };
  const saveSoon = (): void => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('maximize', saveSoon);
  win.on('unmaximize', saveSoon);
  win.on('close', () => {
    clearTimeout(saveTimer);
    save();
  });

  void win.loadURL(APP_URL);
  return win;
}
