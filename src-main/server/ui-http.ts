/**
 * The HTTP side of browser mode: the built renderer as static files, behind `AccessControl`,
 * with the shared CSP and security headers. GET and HEAD only.
 */
import { createReadStream } from 'node:fs';
import type http from 'node:http';
import { securityHeaders } from '../host/csp';
import type { HostLogger } from '../host/log';
import { mimeType, resolveStaticFile } from '../host/static-files';
import type { AccessControl } from './access';

/** One warning line per refused request: method, path without the query, peer, reason. */
export function logRefusal(log: HostLogger, req: http.IncomingMessage, what: string, reason: string): void {
  const p = (req.url ?? '').split('?')[0].slice(0, 200);
  log.warn(`refused ${what} ${req.method ?? ''} ${p} from ${req.socket.remoteAddress ?? '?'}: ${reason}`);
}

/** The request URL, or null when it cannot be parsed. */
export function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

/** The `request` listener serving `rendererDir`. */
export function uiRequestHandler(access: AccessControl, rendererDir: string, log: HostLogger): http.RequestListener {
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    if (!url) {
      res.writeHead(400).end('Bad request');
      return;
    }
    const headers = securityHeaders({ connect: [access.wsConnectSources()] });
    const denied = access.checkPage(req, url);
    if (denied) {
      logRefusal(log, req, 'HTTP', denied.reason);
      res.writeHead(denied.status, { ...headers, ...TEXT, 'Cache-Control': 'no-store' });
      res.end(denied.status === 401 ? 'Unauthorized: open the URL printed by the server (it carries the token).\n' : 'Forbidden\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    // The raw path (before URL normalisation) is what we check for traversal.
    const rawPath = (req.url ?? '/').split('?')[0].split('#')[0] || '/';
    const found = await resolveStaticFile(rendererDir, rawPath);
    if (!found.ok) {
      if (found.status === 403) logRefusal(log, req, 'HTTP', found.reason);
      res.writeHead(found.status, { ...headers, ...TEXT }).end(found.status === 404 ? 'Not found\n' : 'Forbidden\n');
      return;
    }
    const out: Record<string, string> = {
      ...headers,
      'Content-Type': mimeType(found.file),
      'Cache-Control': found.file.endsWith('.html') ? 'no-store' : 'no-cache',
    };
    const cookie = access.pageCookie(req, url);
    if (cookie) out['Set-Cookie'] = cookie;
    res.writeHead(200, out);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(found.file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      log.error('HTTP handler failed:', err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}
