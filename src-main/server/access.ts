/**
 * Who may talk to the browser-mode server. The threat model is in docs/RELIABILITY.md
 * ("Browser mode: who is kept out").
 *
 * - Every request: the `Host` header must name this server (DNS rebinding), and an `Origin`, when
 *   sent, must be this server's own.
 * - The static UI (HTTP): the per-run token in `?token=` (the URL the server prints), or the page
 *   cookie set on that first load. The page cookie holds a second random key that opens the
 *   static files and nothing else: cookies ignore the port, so it also reaches every other server
 *   on the same host, which may then fetch our (public, secret-free) UI bundle but not the API.
 * - The API (the WebSocket): only the token, sent as a `Sec-WebSocket-Protocol` value
 *   (`latentlab.token.<token>`) by a page that keeps it in memory and in its tab's sessionStorage.
 *   No cookie and no URL query opens the WebSocket.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../../src-shared/wire';

export interface Refusal {
  status: 401 | 403;
  reason: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** True for loopback addresses and `localhost`. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\./.test(host);
}

/** `host` as it appears in a URL (IPv6 literals in brackets). */
export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Constant-time comparison of two secrets. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `Cookie` header → name → value (the first of duplicates wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

/** The values of a `Sec-WebSocket-Protocol` header. */
export function offeredProtocols(req: http.IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  return (Array.isArray(h) ? h.join(',') : (h ?? '')).split(',').map((p) => p.trim()).filter(Boolean);
}

/** Token characters: base64url (what `randomBytes().toString('base64url')` gives). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

export class AccessControl {
  /** Set once the server listens (the allowed `Host` values and the cookie name carry it). */
  port = 0;
  private readonly bindHost: string;
  private readonly token: string;
  /** Opens the static UI only; sent in the page cookie (never the token). */
  private readonly pageKey = randomBytes(32).toString('base64url');

  /** `token`: the per-run secret (base64url, 16–256 characters). */
  constructor(bindHost: string, token: string) {
    if (!TOKEN_PATTERN.test(token)) throw new Error('the access token must be 16–256 base64url characters');
    this.bindHost = bindHost;
    this.token = token;
  }

  /** Per port, so two servers on one host do not overwrite each other's cookie. */
  get cookieName(): string {
    return `latentlab_page_${this.port}`;
  }

  /** `host:port` values a request's `Host` header may carry (lower case). */
  allowedHosts(): Set<string> {
    const names = isLoopback(this.bindHost) ? ['127.0.0.1', 'localhost', '[::1]', hostForUrl(this.bindHost)] : [hostForUrl(this.bindHost)];
    return new Set(names.map((h) => `${h}:${this.port}`.toLowerCase()));
  }

  /** CSP `connect-src` entries for our WebSocket (CSP host-sources cannot be IPv6 literals). */
  wsConnectSources(): string {
    return [...this.allowedHosts()].filter((h) => !h.startsWith('[')).map((h) => `ws://${h}`).join(' ');
  }

  /** Host allow-list and Origin check, for HTTP and WebSocket alike. */
  checkSite(req: http.IncomingMessage): Refusal | null {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const loopback = isLoopback(this.bindHost);
    if (loopback && !this.allowedHosts().has(hostHeader)) return { status: 403, reason: `Host "${hostHeader}" not allowed` };
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const ok = new Set([...this.allowedHosts()].map((h) => `http://${h}`));
      if (!loopback) ok.add(`http://${hostHeader}`);
      if (!ok.has(origin.toLowerCase())) return { status: 403, reason: `foreign Origin "${origin}"` };
    }
    return null;
  }

  /** The static UI: the token in `?token=` or the page cookie. */
  checkPage(req: http.IncomingMessage, url: URL): Refusal | null {
    const site = this.checkSite(req);
    if (site) return site;
    if (this.queryHasToken(url) || this.hasPageCookie(req)) return null;
    const tried = url.searchParams.has('token') || parseCookies(req.headers.cookie).has(this.cookieName);
    return { status: 401, reason: tried ? 'wrong token' : 'no token' };
  }

  /** The WebSocket: the token as a subprotocol, nothing else. */
  checkSocket(req: http.IncomingMessage, url: URL): Refusal | null {
    const site = this.checkSite(req);
    if (site) return site;
    const offered = offeredProtocols(req).filter((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
    if (offered.length === 0) {
      const why = url.searchParams.has('token') ? 'token in the URL (send it as a WebSocket subprotocol)' : 'no token';
      return { status: 401, reason: why };
    }
    const good = offered.some((p) => sameSecret(p.slice(WS_TOKEN_PROTOCOL_PREFIX.length), this.token));
    return good ? null : { status: 401, reason: 'wrong token' };
  }

  /** The `Set-Cookie` value for a page request authorised by the URL token, else undefined. */
  pageCookie(req: http.IncomingMessage, url: URL): string | undefined {
    if (!this.queryHasToken(url) || this.hasPageCookie(req)) return undefined;
    return `${this.cookieName}=${this.pageKey}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** The subprotocol the server answers with (the token value is never echoed). */
  static chooseProtocol(protocols: Set<string>): string | false {
    return protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false;
  }

  private queryHasToken(url: URL): boolean {
    const t = url.searchParams.get('token');
    return t !== null && sameSecret(t, this.token);
  }

  private hasPageCookie(req: http.IncomingMessage): boolean {
    const c = parseCookies(req.headers.cookie).get(this.cookieName);
    return c !== undefined && sameSecret(c, this.pageKey);
  }
}
