/**
 * The WebSocket clients of browser mode: request frames decoded and handed to the engine host,
 * answers and events packed and queued back, all within memory bounds (`FlowLimits`):
 *
 * - a request frame above `maxFrameBytes` closes its connection with 1009 as soon as the frame's
 *   header arrives (ws `maxPayload`), before its body is read;
 * - request bytes in flight (received, not yet answered), per client and in total: above a bound
 *   the server stops reading from that client (or from all of them). TCP pushes back on the
 *   sender; nothing is refused or lost;
 * - requests handed to the engine: per client at most `clientRequests`, and at most
 *   `clientEngineBytes` of them unless it is the only one; over all clients at most
 *   `totalEngineBytes` unless the engine has none. Large requests thus reach the engine (and its
 *   pipe) one at a time, and small ones are not stuck behind a pile of them. Frames read past
 *   that wait in their client's backlog, in order;
 * - answers and events queued to a client (`ws.bufferedAmount`): above `clientQueuedBytes` the
 *   server reads no new requests from it; a client whose queue then does not drain at all for
 *   `stallMs`, or whose queue exceeds `clientQueuedMaxBytes` when more is due, is dropped (close
 *   code 1008, one log line). Its unsent answers go with it; other clients are not held up;
 * - at most `maxClients` connections (the upgrade handler refuses more with 503).
 *
 * Frames the server cannot use (not binary, not msgpack, not a request map) are answered with a
 * typed INVALID_PAYLOAD / UNKNOWN_REQUEST error and the connection stays open.
 */
import type { Packr } from 'msgpackr';
import type { WebSocket } from 'ws';
import type { ErrorBody } from '../../src-shared/contract';
import { MAX_REQUEST_FRAME_BYTES, type WireMessage } from '../../src-shared/wire';
import type { EngineHost } from '../host/engine-host';
import type { HostLogger } from '../host/log';

const MiB = 1024 * 1024;

export interface FlowLimits {
  /** Largest request frame, in bytes. */
  maxFrameBytes: number;
  /** Request bytes one client may have in flight before the server stops reading from it. */
  clientRequestBytes: number;
  /** Requests of one client the engine works on at once; the rest wait, and reading stops. */
  clientRequests: number;
  /** Request bytes of one client the engine works on at once (a single larger request still goes). */
  clientEngineBytes: number;
  /** Request bytes of all clients the engine works on at once (a single larger request still goes). */
  totalEngineBytes: number;
  /** Request bytes all clients together may have in flight before the server stops reading. */
  totalRequestBytes: number;
  /** Bytes queued to one client above which no new request of it is read. */
  clientQueuedBytes: number;
  /** Bytes queued to one client above which it is dropped when more is due. */
  clientQueuedMaxBytes: number;
  /** Bytes queued to all clients together above which no new request is read. */
  totalQueuedBytes: number;
  /** A client above `clientQueuedBytes` that drains nothing for this long (ms) is dropped. */
  stallMs: number;
  /** Connections at once. */
  maxClients: number;
}

export const DEFAULT_FLOW_LIMITS: FlowLimits = {
  maxFrameBytes: MAX_REQUEST_FRAME_BYTES,
  clientRequestBytes: 64 * MiB,
  clientRequests: 16,
  clientEngineBytes: 16 * MiB,
  totalEngineBytes: 32 * MiB,
  totalRequestBytes: 128 * MiB,
  clientQueuedBytes: 16 * MiB,
  clientQueuedMaxBytes: 256 * MiB,
  totalQueuedBytes: 256 * MiB,
  stallMs: 5000,
  maxClients: 8,
};

/** WebSocket close code for a client dropped by policy (RFC 6455: policy violation). */
export const CLOSE_POLICY = 1008;

export interface ClientStats {
  clients: number;
  /** Clients the server is not reading from right now (a bound is reached). */
  paused: number;
  /** Request bytes received and not yet answered, all clients. */
  requestBytes: number;
  /** Answer and event bytes queued to sockets, all clients. */
  queuedBytes: number;
  /** Clients dropped by the flow policy since the start. */
  dropped: number;
}

interface Request {
  id: number;
  name: string;
  payload: unknown;
  bytes: number;
}

interface Client {
  ws: WebSocket;
  address: string;
  /** Bytes of its requests received and not yet answered (backlog included). */
  requestBytes: number;
  /** Its requests the engine is working on, and their bytes. */
  requests: number;
  engineBytes: number;
  /** Requests read but not yet handed to the engine. */
  backlog: Request[];
  /** Reading paused by the flow policy. */
  paused: boolean;
  /** Bytes handed to `ws.send` so far; minus `bufferedAmount` = bytes the client has taken. */
  sent: number;
  /** `sent - bufferedAmount` at the last stall check. */
  taken: number;
  stalledSince: number | null;
  dropped: boolean;
}

type Decoded = { ok: true; id: number; name: string; payload: unknown } | { ok: false; id: number | null; error: ErrorBody };

/** One request frame → its id, name and payload, or the typed error to answer it with. */
export function decodeRequest(packr: Packr, data: Buffer, isBinary: boolean): Decoded {
  const fail = (id: number | null, code: ErrorBody['code'], message: string): Decoded => ({ ok: false, id, error: { code, message } });
  if (!isBinary) return fail(null, 'INVALID_PAYLOAD', 'expected a binary msgpack frame');
  let msg: unknown;
  try {
    msg = packr.unpack(data);
  } catch (err) {
    return fail(null, 'INVALID_PAYLOAD', `malformed frame: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return fail(null, 'INVALID_PAYLOAD', 'a frame must be a map');
  const m = msg as Record<string, unknown>;
  const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) && m.id >= 0 ? m.id : null;
  if (m.t !== 'req') return fail(id, 'INVALID_PAYLOAD', 'unknown frame type (expected t: "req")');
  if (id === null) return fail(null, 'INVALID_PAYLOAD', 'missing or invalid request id');
  if (typeof m.name !== 'string') return fail(id, 'INVALID_PAYLOAD', 'missing request name');
  return { ok: true, id, name: m.name, payload: m.payload };
}

const mb = (bytes: number): string => `${Math.round((bytes / MiB) * 10) / 10} MB`;

export class ClientHub {
  private readonly clients = new Set<Client>();
  private requestBytes = 0;
  /** Bytes of the requests the engine is working on, all clients. */
  private engineBytes = 0;
  private dropped = 0;
  private ticker: NodeJS.Timeout | null = null;
  private reviewQueued = false;

  constructor(
    private readonly engine: EngineHost,
    private readonly packr: Packr,
    private readonly log: HostLogger,
    private readonly limits: FlowLimits,
  ) {}

  /** True when no further connection may be accepted. */
  get full(): boolean {
    return this.clients.size >= this.limits.maxClients;
  }

  stats(): ClientStats {
    let queuedBytes = 0;
    let paused = 0;
    for (const c of this.clients) {
      queuedBytes += c.ws.bufferedAmount;
      if (c.paused) paused++;
    }
    return { clients: this.clients.size, paused, requestBytes: this.requestBytes, queuedBytes, dropped: this.dropped };
  }

  /** Take over an accepted connection: greet it with the engine state, then serve its frames. */
  add(ws: WebSocket, address: string): void {
    const c: Client = { ws, address, requestBytes: 0, requests: 0, engineBytes: 0, backlog: [], paused: false, sent: 0, taken: 0, stalledSince: null, dropped: false };
    this.clients.add(c);
    ws.on('message', (data, isBinary) => this.onFrame(c, data as Buffer, isBinary));
    ws.on('close', () => {
      this.clients.delete(c);
      this.discardBacklog(c);
      this.review();
      if (this.clients.size === 0) this.stopTicker();
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.log.warn(`closed a WebSocket client from ${address}: it sent a frame over the ${mb(this.limits.maxFrameBytes)} limit (1009)`);
      } else this.log.warn('WebSocket error:', err.message);
    });
    this.send(c, { t: 'evt', name: 'engine:state', payload: this.engine.state });
    this.startTicker();
  }

  /** An event for every client (packed once). */
  broadcast(name: string, payload: unknown): void {
    if (this.clients.size === 0) return;
    const frame = this.pack({ t: 'evt', name, payload });
    if (frame) for (const c of this.clients) this.sendFrame(c, frame);
  }

  /** Close every connection (server shutdown). */
  closeAll(code: number, reason: string): void {
    this.stopTicker();
    for (const c of this.clients) c.ws.close(code, reason);
  }

  // -------------------------------------------------------------------------------------------

  private onFrame(c: Client, data: Buffer, isBinary: boolean): void {
    const decoded = decodeRequest(this.packr, data, isBinary);
    if (!decoded.ok) {
      this.send(c, { t: 'res', id: decoded.id, ok: false, error: decoded.error });
      return;
    }
    const bytes = data.length;
    c.requestBytes += bytes;
    this.requestBytes += bytes;
    c.backlog.push({ id: decoded.id, name: decoded.name, payload: decoded.payload, bytes });
    this.review();
  }

  /** Hand backlog requests to the engine while the client is under its request bound. */
  private dispatch(c: Client): void {
    const L = this.limits;
    const room = (bytes: number): boolean =>
      c.requests < L.clientRequests &&
      (c.requests === 0 || c.engineBytes + bytes <= L.clientEngineBytes) &&
      (this.engineBytes === 0 || this.engineBytes + bytes <= L.totalEngineBytes) &&
      c.ws.bufferedAmount < L.clientQueuedBytes;
    while (c.backlog.length > 0 && !c.dropped && room(c.backlog[0].bytes)) {
      const { id, name, payload, bytes } = c.backlog.shift()!;
      c.requests++;
      c.engineBytes += bytes;
      this.engineBytes += bytes;
      this.answer(c, id, bytes, this.engine.handle(name, payload));
    }
  }

  /** Not async: nothing here keeps the request's payload alive while the engine works. */
  private answer(c: Client, id: number, bytes: number, response: ReturnType<EngineHost['handle']>): void {
    void response.then((r) => {
      this.send(c, r.ok ? { t: 'res', id, ok: true, value: r.value } : { t: 'res', id, ok: false, error: r.error });
      c.requests--;
      c.engineBytes -= bytes;
      this.engineBytes -= bytes;
      c.requestBytes -= bytes;
      this.requestBytes -= bytes;
      this.review();
    });
  }

  private pack(msg: WireMessage): Buffer | null {
    try {
      return this.packr.pack(msg);
    } catch (err) {
      this.log.error('could not encode a frame:', err);
      if (msg.t !== 'res') return null;
      return this.packr.pack({ t: 'res', id: msg.id, ok: false, error: { code: 'INTERNAL', message: 'the answer could not be encoded' } });
    }
  }

  private send(c: Client, msg: WireMessage): void {
    if (c.dropped || c.ws.readyState !== c.ws.OPEN) return;
    const frame = this.pack(msg);
    if (frame) this.sendFrame(c, frame);
  }

  private sendFrame(c: Client, frame: Buffer): void {
    if (c.dropped || c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > this.limits.clientQueuedMaxBytes) {
      this.drop(c, `${mb(c.ws.bufferedAmount)} of answers and events waiting for it (limit ${mb(this.limits.clientQueuedMaxBytes)})`);
      return;
    }
    c.sent += frame.length;
    c.ws.send(frame, { binary: true }, () => this.reviewSoon());
    if (c.ws.bufferedAmount >= this.limits.clientQueuedBytes && !c.paused) this.review();
  }

  /** Pause or resume reading from each client according to the bounds. */
  private review(): void {
    const L = this.limits;
    let queued = 0;
    for (const c of this.clients) queued += c.ws.bufferedAmount;
    const roomForAll = this.requestBytes < L.totalRequestBytes && queued < L.totalQueuedBytes;
    for (const c of this.clients) {
      if (c.dropped) continue;
      this.dispatch(c);
      const read =
        roomForAll &&
        c.requestBytes < L.clientRequestBytes &&
        c.requests + c.backlog.length < L.clientRequests &&
        c.ws.bufferedAmount < L.clientQueuedBytes;
      if (read && c.paused) {
        c.paused = false;
        c.ws.resume();
      } else if (!read && !c.paused) {
        c.paused = true;
        c.ws.pause();
      }
    }
  }

  /** `review()` once, after the current burst of send callbacks. */
  private reviewSoon(): void {
    if (this.reviewQueued) return;
    this.reviewQueued = true;
    setImmediate(() => {
      this.reviewQueued = false;
      this.review();
    });
  }

  /** Drop clients whose queue is over the bound and has not shrunk for `stallMs`. */
  private checkStalls(now: number): void {
    for (const c of this.clients) {
      const queued = c.ws.bufferedAmount;
      const taken = c.sent - queued;
      if (queued < this.limits.clientQueuedBytes) c.stalledSince = null;
      else if (taken > c.taken || c.stalledSince === null) c.stalledSince = now;
      else if (now - c.stalledSince >= this.limits.stallMs) {
        this.drop(c, `it reads nothing: ${mb(queued)} of answers and events waiting for ${Math.round((now - c.stalledSince) / 100) / 10} s`);
      }
      c.taken = taken;
    }
    this.review();
  }

  /** Forget requests never handed to the engine (their client is gone). */
  private discardBacklog(c: Client): void {
    for (const r of c.backlog.splice(0)) {
      c.requestBytes -= r.bytes;
      this.requestBytes -= r.bytes;
    }
  }

  private drop(c: Client, reason: string): void {
    if (c.dropped) return;
    c.dropped = true;
    this.discardBacklog(c);
    this.dropped++;
    this.log.warn(`dropped a WebSocket client from ${c.address}: ${reason}`);
    c.ws.close(CLOSE_POLICY, 'not reading its answers'); // reaches it only if it reads again
    setTimeout(() => c.ws.terminate(), 1000).unref();
  }

  private startTicker(): void {
    if (this.ticker) return;
    const every = Math.max(10, Math.min(500, this.limits.stallMs / 4));
    this.ticker = setInterval(() => this.checkStalls(Date.now()), every);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }
}
