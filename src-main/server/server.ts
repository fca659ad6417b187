/**
 * Browser mode: serves the built renderer over HTTP on 127.0.0.1 and carries the contract over a
 * WebSocket (msgpackr binary frames), with the engine in a child process run by the same
 * `EngineHost` as the Electron app.
 *
 * Access (`access.ts`): a random per-run token opens the UI from `?token=` (the printed URL; the
 * page then drops it from the address bar) and the WebSocket as a `Sec-WebSocket-Protocol`
 * value; a page cookie that opens only the static files; a `Host` allow-list against DNS
 * rebinding; a foreign `Origin` is refused. Refusals are answered 401/403 and logged.
 * Memory (`clients.ts`): frame cap, bounded bytes in flight, clients that do not read dropped.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Packr } from 'msgpackr';
import { WebSocketServer } from 'ws';
import { PACKR_OPTIONS, WS_PATH } from '../../src-shared/wire';
import type { EngineSpawner } from '../host/engine-channel';
import { EngineHost } from '../host/engine-host';
import { forkSpawner } from '../host/fork-channel';
import { consoleLogger, type HostLogger } from '../host/log';
import { AccessControl, hostForUrl, isLoopback, type Refusal } from './access';
import { ClientHub, DEFAULT_FLOW_LIMITS, type ClientStats, type FlowLimits } from './clients';
import { logRefusal, requestUrl, uiRequestHandler } from './ui-http';

export { isLoopback } from './access';

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
  /** Fixed token (tests; 16–256 base64url characters); default 32 random bytes, base64url. */
  token?: string;
  log?: HostLogger;
  /** Memory bounds of the WebSocket side; defaults in `DEFAULT_FLOW_LIMITS`. */
  limits?: Partial<FlowLimits>;
}

export interface RunningServer {
  /** The URL to open: `http://127.0.0.1:PORT/?token=…`. */
  url: string;
  origin: string;
  port: number;
  host: string;
  token: string;
  engine: EngineHost;
  /** Connections and bytes in flight / queued (tests, diagnostics). */
  stats(): ClientStats;
  close(): Promise<void>;
}

function defaultDir(): string {
  // The bundle is CommonJS (`out/main/server.js`); tests pass explicit paths.
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

function engineFor(opts: ServerOptions, log: HostLogger): EngineHost {
  const spawn =
    opts.spawner ??
    forkSpawner({
      entry: opts.engineEntry ?? path.join(defaultDir(), 'engine-entry.js'),
      args: opts.workspace ? ['--workspace', path.resolve(opts.workspace)] : [],
      execArgv: opts.engineExecArgv,
      env: opts.engineEnv,
    });
  return new EngineHost({ spawn, log });
}

function warnAboutSetup(bindHost: string, rendererDir: string, log: HostLogger): void {
  if (!isLoopback(bindHost)) {
    log.warn(`--host ${bindHost}: Latent Lab is reachable from other machines; anyone with the URL (and its token) can use it`);
  }
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    log.warn(`no built UI at ${rendererDir} (run \`npm run build\`); only the WebSocket API will work`);
  }
}

/** Refuse an upgrade on the raw socket (before any WebSocket exists). */
function refuseUpgrade(socket: Duplex, status: number): void {
  const text: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };
  socket.end(`HTTP/1.1 ${status} ${text[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The `upgrade` listener: access checks, the connection limit, then the hub takes the socket. */
function upgradeHandler(access: AccessControl, wss: WebSocketServer, hub: ClientHub, log: HostLogger) {
  return (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = requestUrl(req);
    if (!url) return refuseUpgrade(socket, 400);
    let denied: Refusal | { status: 404 | 503; reason: string } | null =
      url.pathname !== WS_PATH ? { status: 404, reason: `no WebSocket at ${url.pathname}` } : access.checkSocket(req, url);
    if (!denied && hub.full) denied = { status: 503, reason: 'too many connections' };
    if (denied) {
      logRefusal(log, req, 'WebSocket', denied.reason);
      return refuseUpgrade(socket, denied.status);
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.add(ws, req.socket.remoteAddress ?? '?'));
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Start browser mode: listen on `opts.host:opts.port`, spawn the engine, serve the UI and the
 * WebSocket API. Resolves once listening (the engine may still be starting). Rejects when the
 * port cannot be bound (e.g. EADDRINUSE); throws for a malformed `opts.token`.
 */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? consoleLogger();
  const bindHost = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const access = new AccessControl(bindHost, token);
  const rendererDir = path.resolve(opts.rendererDir ?? path.join(defaultDir(), '..', 'renderer'));
  const limits: FlowLimits = { ...DEFAULT_FLOW_LIMITS, ...opts.limits };
  warnAboutSetup(bindHost, rendererDir, log);

  const engine = engineFor(opts, log);
  const hub = new ClientHub(engine, new Packr(PACKR_OPTIONS), log, limits);
  const unsubscribe = engine.onEvent((name, payload) => hub.broadcast(name, payload));
  const server = http.createServer(uiRequestHandler(access, rendererDir, log));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => AccessControl.chooseProtocol(protocols),
  });
  server.on('upgrade', upgradeHandler(access, wss, hub, log));

  const port = await listen(server, opts.port ?? 0, bindHost);
  access.port = port;
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
    stats: () => hub.stats(),
    close() {
      closing ??= (async () => {
        unsubscribe();
        hub.closeAll(1001, 'server shutting down');
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
