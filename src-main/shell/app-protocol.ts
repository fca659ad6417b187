/**
 * The UI is served from `app://latent-lab/…` (a privileged standard, secure scheme) instead of
 * `file://`: one origin, fetchable module scripts, and a CSP header on every response.
 */
import { promises as fs } from 'node:fs';
import { protocol } from 'electron';
import { securityHeaders } from '../host/csp';
import { mimeType, resolveStaticFile } from '../host/static-files';
import type { HostLogger } from '../host/log';

export const APP_SCHEME = 'app';
export const APP_HOST = 'latent-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Must run before `app.whenReady()`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Serve `rendererDir` on the app scheme (default session). */
export function handleAppProtocol(rendererDir: string, log: HostLogger): void {
  const headers = securityHeaders();
  protocol.handle(APP_SCHEME, async (request) => {
    const prefix = `${APP_ORIGIN}/`;
    if (!request.url.startsWith(prefix) || request.method !== 'GET') {
      log.warn(`app protocol: refused ${request.method} ${request.url.slice(0, 200)}`);
      return new Response('Forbidden', { status: 403, headers });
    }
    const rawPath = '/' + request.url.slice(prefix.length).split(/[?#]/)[0];
    const found = await resolveStaticFile(rendererDir, rawPath);
    if (!found.ok) {
      if (found.status === 403) log.warn(`app protocol: refused ${rawPath.slice(0, 200)}: ${found.reason}`);
      return new Response(found.status === 404 ? 'Not found' : 'Forbidden', { status: found.status, headers });
    }
    const body = await fs.readFile(found.file);
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': mimeType(found.file) } });
  });
}
