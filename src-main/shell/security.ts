/**
 * Electron security checklist items that apply to every web contents: no navigation away from
 * the app, no new windows (https links open in the user's browser), no <webview>, no
 * permissions.
 */
import { app, session, shell, type WebContents } from 'electron';
import type { HostLogger } from '../host/log';
import { isAppUrl } from './app-protocol';

function isExternalHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

function openExternally(url: string, log: HostLogger): void {
  if (!isExternalHttps(url)) return;
  shell.openExternal(url).catch((err: unknown) => log.warn(`could not open ${url}:`, err));
}

export function hardenWebContents(contents: WebContents, log: HostLogger): void {
  contents.on('will-navigate', (event, url) => {
    // In-page navigation (hash changes) does not fire will-navigate; a reload of the app is fine.
    if (isAppUrl(url) && isAppUrl(contents.getURL())) {
      const to = new URL(url);
      const from = new URL(contents.getURL());
      if (to.pathname === from.pathname) return;
    }
    event.preventDefault();
    log.warn(`blocked navigation to ${url.slice(0, 200)}`);
    openExternally(url, log);
  });
  contents.on('will-redirect', (event, url) => {
    event.preventDefault();
    log.warn(`blocked redirect to ${url.slice(0, 200)}`);
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    log.warn(`blocked window.open(${url.slice(0, 200)})`);
    openExternally(url, log);
    return { action: 'deny' };
  });
}

export function hardenApp(log: HostLogger): void {
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, log));
  const ses = session.defaultSession;
  const allowed = new Set(['clipboard-sanitized-write']);
  ses.setPermissionRequestHandler((_wc, permission, cb) => {
    const ok = allowed.has(permission);
    if (!ok) log.warn(`denied permission ${permission}`);
    cb(ok);
  });
  ses.setPermissionCheckHandler((_wc, permission) => allowed.has(permission));
  ses.setDevicePermissionHandler(() => false);
}
