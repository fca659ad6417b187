/**
 * Application menu. Commands the UI acts on are sent to the renderer as `menu:command` events;
 * the dataset folder is picked here with the native dialog, so the renderer gets its path.
 */
import { Menu, app, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/contract';

export interface MenuActions {
  command(command: MenuCommand, extra?: { path?: string; runId?: string }): void;
  /** Recently opened runs, newest first. */
  recentRuns(): { id: string; name: string }[];
  clearRecentRuns(): void;
  pickDatasetFolder(): Promise<string | null>;
  showLogs(): void;
  restartEngine(): void;
}

export function buildMenu(actions: MenuActions): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        {
          label: 'Open Dataset Folder…',
          accelerator: 'CmdOrCtrl+O',
          click: () => {
            void actions.pickDatasetFolder().then((p) => {
              if (p) actions.command('openDatasetFolder', { path: p });
            });
          },
        },
        {
          label: 'Open Recent Run',
          submenu: [
            ...actions.recentRuns().map((r) => ({ label: r.name, click: () => actions.command('openRun', { runId: r.id }) })),
            ...(actions.recentRuns().length ? [{ type: 'separator' as const }] : []),
            { label: 'Clear Menu', enabled: actions.recentRuns().length > 0, click: () => actions.clearRecentRuns() },
          ],
        },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => actions.command('export') },
        { type: 'separator' },
        { label: isMac ? 'Settings…' : 'Settings', accelerator: 'CmdOrCtrl+,', click: () => actions.command('settings') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Training',
      submenu: [
        { label: 'Start Training', accelerator: 'CmdOrCtrl+Enter', click: () => actions.command('startTraining') },
        { label: 'Stop Training', accelerator: 'CmdOrCtrl+.', click: () => actions.command('stopTraining') },
        { type: 'separator' },
        { label: 'Restart Engine', click: () => actions.restartEngine() },
      ],
    },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'Show Logs', accelerator: 'CmdOrCtrl+Shift+L', click: () => actions.showLogs() }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
