/**
 * The one IPC entry point: `ipcMain.handle(IPC_INVOKE)`. Every call is checked first for its
 * sender (the main frame of our window, on our `app://` origin) and then validated with the
 * contract by `EngineHost.handle` before anything runs. Answers are always contract `Response`s.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../src-shared/channels';
import type { Response } from '../../src-shared/contract';
import type { EngineHost } from '../host/engine-host';
import type { HostLogger } from '../host/log';
import { isAppUrl } from './app-protocol';

export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  if (!frame || !win || win.isDestroyed()) return false;
  if (event.sender !== win.webContents) return false;
  const main = win.webContents.mainFrame;
  if (frame !== main && !(frame.processId === main.processId && frame.routingId === main.routingId)) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

export function registerIpc(
  host: EngineHost,
  getWindow: () => BrowserWindow | null,
  log: HostLogger,
  /** Sees every answered request (e.g. to remember recently opened runs). */
  onAnswer?: (name: unknown, response: Response) => void,
): () => void {
  ipcMain.handle(IPC_INVOKE, async (event, name: unknown, payload: unknown): Promise<Response> => {
    if (!isTrustedSender(event, getWindow())) {
      log.warn(`IPC refused: untrusted sender ${event.senderFrame?.url?.slice(0, 200) ?? '(no frame)'}`);
      throw new Error('untrusted sender');
    }
    const response = await host.handle(name, payload);
    try {
      onAnswer?.(name, response);
    } catch (err) {
      log.warn(`after ${String(name)}:`, err);
    }
    return response;
  });
  const off = host.onEvent((name, payload) => {
    const win = getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    try {
      win.webContents.send(IPC_EVENT, name, payload);
    } catch (err) {
      log.warn(`could not send ${name} to the window:`, err);
    }
  });
  return () => {
    off();
    ipcMain.removeHandler(IPC_INVOKE);
  };
}
