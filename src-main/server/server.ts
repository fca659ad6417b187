/**
 * Browser mode: serves the built renderer over HTTP on 127.0.0.1 and carries the contract over a
 * WebSocket (msgpackr binary frames), with the engine in a child process run by the same
 * `EngineHost` as the Electron app.
 *
 * Access control: a random per-run token, accepted from `?token=` (which also sets an HttpOnly,
 * SameSite=Strict cookie scoped to this port) or from that cookie; a `Host` allow-list against
 * DNS rebinding; a foreign `Origin` is refused. Refusals are answered 401/403 and logged.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { EngineHost, type AnyResponse, type HostLogger } from '../host/engine-host';
import { forkSpawner } from '../host/fork-channel';
import type { EngineSpawner } from '../host/protocol';
import { securityHeaders } from '../host/csp';
import { mimeType, resolveStaticFile } from '../host/static-files';
import { createPackr, WS_PATH, type WireMessage } from '../host/wire';

export interface ServerOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default 127.0.0.1. Anything else is reachable from the network (a warning is logged). */
  host?: string;
  /** Engine workspace (passed as `--workspace`); default: the engine's own default. */
  workspace?: string;
  /** Built renderer folder; default `<this file>/../renderer` (i.e. `out/renderer`). */
  rendererDir?: string;
  /** Built engine entry; default `<this file's folder>/engine-entry.js`. */
  engineEntry?: string;
  /** Node flags for the engine process (tests run a TypeScript entry with `--import tsx`). */
  engineExecArgv?: string[];
  /** Environment of the engine process; default `process.env`. */
  engineEnv?: NodeJS.ProcessEnv;
  /** Replace the engine process altogether (tests). */
  spawner?: EngineSpawner;
  /** Fixed token (tests); default 32 random bytes, base64url. */
  token?: string;
  log?: HostLogger;
  /** Largest accepted WebSocket frame. Default 256 MiB. */
  maxFrameBytes?: number;
}

export interface RunningServer {
  url: string;
  origin: string;
  port: number;
  host: string;
  token: string;
  engine: EngineHost;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\./.test(host);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function defaultDir(): string {
  // The bundle is CommonJS (`out/main/server.js`); tests pass explicit paths.
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

function consoleLogger(): HostLogger {
  return {
    info: (...a) => console.error('[latent-lab]', ...a),
    warn: (...a) => console.error('[latent-lab] warning:', ...a),
    error: (...a) => console.error('[latent-lab] error:', ...a),
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? consoleLogger();
  const bindHost = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const rendererDir = path.resolve(opts.rendererDir ?? path.join(defaultDir(), '..', 'renderer'));
  const engineEntry = opts.engineEntry ?? path.join(defaultDir(), 'engine-entry.js');
  const maxPayload = opts.maxFrameBytes ?? 256 * 1024 * 1024;
  const packr = createPackr();

  if (!isLoopback(bindHost)) {
    log.warn(`--host ${bindHost}: Latent Lab is reachable from other machines; anyone with the URL (and its token) can use it`);
  }
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    log.warn(`no built UI at ${rendererDir} (run \`npm run build\`); only the WebSocket API will work`);
  }

  const engine = new EngineHost({
    spawn:
      opts.spawner ??
      forkSpawner({
        entry: engineEntry,
        args: opts.workspace ? ['--workspace', path.resolve(opts.workspace)] : [],
        execArgv: opts.engineExecArgv,
        env: opts.engineEnv,
      }),
    log,
  });

  let port = 0;
  const cookieName = (): string => `latentlab_token_${port}`;
  const allowedHosts = (): Set<string> =>
    new Set(
      (isLoopback(bindHost) ? ['127.0.0.1', 'localhost', '[::1]', hostForUrl(bindHost)] : [hostForUrl(bindHost)]).map(
        (h) => `${h}:${port}`.toLowerCase(),
      ),
    );

  /** Who may talk to us: returns null when allowed, else the refusal. */
  function checkAccess(req: http.IncomingMessage, url: URL): { status: 401 |403; reason: string } | null {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (isLoopback(bindHost) && !allowedHosts().has(hostHeader)) return { status: 403, reason: `Host "${hostHeader}" not allowed` };
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const okOrigins = new Set([...allowedHosts()].map((h) => `http://${h}`));
      if (!isLoopback(bindHost)) okOrigins.add(`http://${hostHeader}`);
      if (!okOrigins.has(origin.toLowerCase())) return { status: 403, reason: `foreign Origin "${origin}"` };
    }
    const fromQuery = url.searchParams.get('token');
    const fromCookie = parseCookies(req.headers.cookie).get(cookieName());
    const good = (fromQuery !== null && sameSecret(fromQuery, token)) || (fromCookie !== undefined && sameSecret(fromCookie, token));
    if (!good) return { status: 401, reason: fromQuery !== null || fromCookie !== undefined ? 'wrong token' : 'no token' };
    return null;
  }

  function refuse(req: http.IncomingMessage, what: string, reason: string): void {
    const p = (req.url ?? '').split('?')[0].slice(0, 200);
    log.warn(`refused ${what} ${req.method ?? ''} ${p} from ${req.socket.remoteAddress ?? '?'}: ${reason}`);
  }

  /** CSP `connect-src` entries for our WebSocket (CSP host-sources cannot be IPv6 literals). */
  function wsConnect(): string {
    return [...allowedHosts()].filter((h) => !h.startsWith('[')).map((h) => `ws://${h}`).join(' ');
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        res.writeHead(400).end('Bad request');
        return;
      }
      const headers = { ...securityHeaders({ connect: [wsConnect()] }) };
      const denied = checkAccess(req, url);
      if (denied) {
        refuse(req, 'HTTP', denied.reason);
        res.writeHead(denied.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
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
        if (found.status === 403) refuse(req, 'HTTP', found.reason);
        res.writeHead(found.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(found.status === 404 ? 'Not found\n' : 'Forbidden\n');
        return;
      }
      const out: Record<string, string> = {
        ...headers,
        'Content-Type': mimeType(found.file),
        'Cache-Control': found.file.endsWith('.html') ? 'no-store' : 'no-cache',
      };
      const cookies = parseCookies(req.headers.cookie);
      const cookieTok = cookies.get(cookieName());
      if (!cookieTok || !sameSecret(cookieTok, token)) {
        out['Set-Cookie'] = `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict`;
      }
      res.writeHead(200, out);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(found.file)
        .on('error', () => res.destroy())
        .pipe(res);
    })().catch((err) => {
      log.error('HTTP handler failed:', err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const denied = url.pathname !== WS_PATH ? { status: 404 as const, reason: `no WebSocket at ${url.pathname}` } : checkAccess(req, url);
    if (denied) {
      refuse(req, 'WebSocket', denied.reason);
      const text = denied.status === 401 ? 'Unauthorized' : denied.status === 403 ? 'Forbidden' : 'Not Found';
      socket.end(`HTTP/1.1 ${denied.status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const send = (ws: WebSocket, msg: WireMessage): void => {
    if (ws.readyState !== ws.OPEN) return;
    let frame: Buffer;
    try {
      frame = packr.pack(msg);
    } catch (err) {
      log.error('could not encode a frame:', err);
      if (msg.t === 'res') {
        frame = packr.pack({ t: 'res', id: msg.id, ok: false, error: { code: 'INTERNAL', message: 'the answer could not be encoded' } });
      } else return;
    }
    ws.send(frame, { binary: true });
  };

  const unsubscribe = engine.onEvent((name, payload) => {
    for (const ws of wss.clients) send(ws, { t: 'evt', name, payload });
  });

  wss.on('connection', (ws: WebSocket) => {
    send(ws, { t: 'evt', name: 'engine:state', payload: engine.state });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void onFrame(ws, data, isBinary);
    });
    ws.on('error', (err) => log.warn('WebSocket error:', err.message));
  });

  async function onFrame(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    const fail = (id: number | null, code: 'INVALID_PAYLOAD' | 'UNKNOWN_REQUEST', message: string): void =>
      send(ws, { t: 'res', id, ok: false, error: { code, message } });
    if (!isBinary) return fail(null, 'INVALID_PAYLOAD', 'expected a binary msgpack frame');
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    let msg: unknown;
    try {
      msg = packr.unpack(buf);
    } catch (err) {
      return fail(null, 'INVALID_PAYLOAD', `malformed frame: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return fail(null, 'INVALID_PAYLOAD', 'a frame must be a map');
    const m = msg as Record<string, unknown>;
    const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) && m.id >= 0 ? m.id : null;
    if (m.t !== 'req') return fail(id, 'INVALID_PAYLOAD', 'unknown frame type (expected t: "req")');
    if (id === null) return fail(null, 'INVALID_PAYLOAD', 'missing or invalid request id');
    if (typeof m.name !== 'string') return fail(id, 'INVALID_PAYLOAD', 'missing request name');
    const response: AnyResponse = await engine.handle(m.name, m.payload);
    send(ws, response.ok ? { t: 'res', id, ok: true, value: response.value } : { t: 'res', id, ok: false, error: response.error });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  engine.start();

  const origin = `http://${hostForUrl(bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost)}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    host: bindHost,
    token,
    engine,
    close() {
      closing ??= (async () => {
        unsubscribe();
        for (const ws of wss.clients) ws.close(1001, 'server shutting down');
        wss.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await engine.dispose();
      })();
      return closing;
    },
  };
}
