/**
 * A Node client for the browser-mode WebSocket protocol (msgpackr frames), for tests: typed
 * request/answer, collected events, raw frames for malformed-input tests.
 */
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { PACKR_OPTIONS, wsProtocols, type WireMessage } from '../../../src-shared/wire';

export interface LabWsClient {
  ws: WebSocket;
  events: Array<{ name: string; payload: any }>;
  request(name: string, payload?: unknown): Promise<{ ok: true; value: any } | { ok: false; error: { code: string; message: string } }>;
  /** Send raw bytes (or text) and get the next answer whose id is `id` (null for frame errors). */
  raw(data: Buffer | string, id?: number | null): Promise<WireMessage>;
  waitForEvent(name: string, pred?: (payload: any) => boolean, ms?: number): Promise<any>;
  close(): void;
}

export const packr = new Packr(PACKR_OPTIONS);

export interface ConnectOptions {
  /** Sent as the `latentlab.token.<token>` subprotocol, the way the page sends it. */
  token?: string | null;
  /** Put the token in `?token=` instead (the server refuses that). */
  tokenInQuery?: boolean;
  origin?: string;
  cookie?: string;
  path?: string;
  /** Largest frame this client accepts (default: ws's 100 MiB). */
  maxPayload?: number;
}

/** Resolves with the HTTP status when the upgrade is refused, or the open client. */
export function connectWs(origin: string, opts: ConnectOptions = {}): Promise<LabWsClient | { refused: number }> {
  const u = new URL(opts.path ?? '/ws', origin);
  if (opts.token && opts.tokenInQuery) u.searchParams.set('token', opts.token);
  const protocols = opts.token && !opts.tokenInQuery ? wsProtocols(opts.token) : [];
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  const ws = new WebSocket(u, protocols, { headers, origin: opts.origin, ...(opts.maxPayload ? { maxPayload: opts.maxPayload } : {}) });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
    ws.once('open', () => resolve(wrap(ws)));
  });
}

function wrap(ws: WebSocket): LabWsClient {
  let nextId = 1;
  const events: LabWsClient['events'] = [];
  const waiters = new Map<number | null, Array<(m: WireMessage) => void>>();
  const eventWaiters: Array<{ name: string; pred: (p: any) => boolean; resolve: (p: any) => void }> = [];
  ws.on('message', (data: Buffer) => {
    const msg = packr.unpack(data) as WireMessage;
    if (msg.t === 'evt') {
      events.push({ name: msg.name, payload: msg.payload });
      for (const w of [...eventWaiters]) {
        if (w.name === msg.name && w.pred(msg.payload)) {
          eventWaiters.splice(eventWaiters.indexOf(w), 1);
          w.resolve(msg.payload);
        }
      }
      return;
    }
    const list = waiters.get(msg.id);
    const cb = list?.shift();
    if (cb) cb(msg);
  });
  const expect = (id: number | null): Promise<WireMessage> =>
    new Promise((resolve) => {
      const list = waiters.get(id) ?? [];
      list.push(resolve);
      waiters.set(id, list);
    });
  return {
    ws,
    events,
    async request(name, payload = {}) {
      const id = nextId++;
      const p = expect(id);
      ws.send(packr.pack({ t: 'req', id, name, payload }));
      const m = (await p) as Extract<WireMessage, { t: 'res' }>;
      return m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error };
    },
    raw(data, id = null) {
      const p = expect(id);
      ws.send(data, { binary: typeof data !== 'string' });
      return p;
    },
    waitForEvent(name, pred = () => true, ms = 30_000) {
      const seen = events.find((e) => e.name === name && pred(e.payload));
      if (seen) return Promise.resolve(seen.payload);
      return new Promise((resolve, reject) => {
        const w = { name, pred, resolve };
        eventWaiters.push(w);
        setTimeout(() => {
          const i = eventWaiters.indexOf(w);
          if (i >= 0) {
            eventWaiters.splice(i, 1);
            reject(new Error(`no ${name} event within ${ms} ms`));
          }
        }, ms);
      });
    },
    close() {
      ws.close();
    },
  };
}

export function isClient(c: LabWsClient | { refused: number }): c is LabWsClient {
  return 'request' in c;
}

/** Raw HTTP GET with an exact (unnormalised) path. */
export async function rawGet(
  origin: string,
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const http = await import('node:http');
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
