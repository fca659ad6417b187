/**
 * The renderer's one way to reach the engine. Picks the transport once:
 * - Electron: `window.api`, the preload's bridge (IPC; answers arrive as `{ok, value|error}`);
 * - browser mode: a WebSocket to the Latent Lab server carrying msgpackr frames, with the token
 *   from `?token=` (or the HttpOnly cookie the server set on page load), reconnecting with
 *   backoff.
 *
 * Either way `api.invoke` resolves with the typed value or rejects with a `LabRequestError`
 * carrying the contract's error `code` (`ENGINE_DOWN` when the engine or the connection is gone).
 */
import type {
  ErrorCode,
  EventName,
  EventPayload,
  LabApi,
  RequestInput,
  RequestName,
  RequestOutput,
} from '../../../src-shared/contract';
import type { HostEventPayload, HostRequestInput, HostRequestName, HostRequestOutput } from '../../../src-shared/contract';
import type { BridgeResponse, LabBridge } from '../../../src-main/shell/ipc-channels';
import { createPackr, WS_PATH, type WireMessage, type WireRequest } from '../../../src-main/host/wire';

/** A request the engine (or host) answered with an error, or that could not be delivered. */
export class LabRequestError extends Error {
  readonly code: ErrorCode;
  /** The request name, when known. */
  readonly request?: string;
  constructor(code: ErrorCode, message: string, request?: string) {
    super(message);
    this.name = 'LabRequestError';
    this.code = code;
    this.request = request;
  }
}

/** Any request name the renderer may invoke: the contract's plus the host's. */
type AnyName = RequestName | HostRequestName;
type AnyEvent = EventName | 'menu:command';

export interface Transport {
  readonly transport: 'electron' | 'browser';
  call(name: AnyName, payload: unknown): Promise<unknown>;
  on(name: AnyEvent, cb: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    api?: LabBridge;
  }
}

function unwrap(name: string, r: BridgeResponse): unknown {
  if (r && r.ok === true) return r.value;
  if (r && r.ok === false) throw new LabRequestError(r.error.code, r.error.message, name);
  throw new LabRequestError('INTERNAL', `malformed answer to "${name}"`, name);
}

// ---------------------------------------------------------------------------------------------
// Electron

export function electronTransport(bridge: LabBridge): Transport {
  return {
    transport: 'electron',
    call: (name, payload) => bridge.invoke(name, payload).then((r) => unwrap(name, r)),
    on: (name, cb) => bridge.on(name, cb),
  };
}

// ---------------------------------------------------------------------------------------------
// Browser mode

interface Pending {
  name: string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface WsTransportOptions {
  /** ws://host:port/ws (no token). */
  url: string;
  token: string | null;
  /** Backoff bounds in ms. */
  minDelay?: number;
  maxDelay?: number;
  WebSocketImpl?: typeof WebSocket;
}

export function wsTransport(opts: WsTransportOptions): Transport & { close(): void } {
  const packr = createPackr();
  const WS = opts.WebSocketImpl ?? WebSocket;
  const minDelay = opts.minDelay ?? 250;
  const maxDelay = opts.maxDelay ?? 8000;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const inFlight = new Map<number, Pending>();
  /** Requests waiting for the socket to open; rejected if this connection attempt fails. */
  let queued: Array<{ id: number; frame: Uint8Array<ArrayBuffer>; pending: Pending }> = [];
  let ws: WebSocket | null = null;
  let nextId = 1;
  let failures = 0;
  let wasOpen = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const emit = (name: string, payload: unknown): void => {
    for (const cb of [...(listeners.get(name) ?? [])]) {
      try {
        cb(payload);
      } catch (err) {
        console.error(`listener for ${name} failed`, err);
      }
    }
  };

  const down = (message: string, name?: string): LabRequestError => new LabRequestError('ENGINE_DOWN', message, name);

  const connect = (): void => {
    if (closed) return;
    const url = opts.token ? `${opts.url}?token=${encodeURIComponent(opts.token)}` : opts.url;
    const sock = new WS(url);
    sock.binaryType = 'arraybuffer';
    ws = sock;
    let opened = false;

    sock.onopen = () => {
      opened = true;
      wasOpen = true;
      failures = 0;
      const waiting = queued;
      queued = [];
      for (const q of waiting) {
        inFlight.set(q.id, q.pending);
        sock.send(q.frame);
      }
    };

    sock.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      let msg: WireMessage;
      try {
        msg = packr.unpack(new Uint8Array(ev.data)) as WireMessage;
      } catch (err) {
        console.error('malformed frame from the server', err);
        return;
      }
      if (msg.t === 'evt') {
        emit(msg.name, msg.payload);
      } else if (msg.t === 'res') {
        if (msg.id === null) {
          console.error('server refused a frame:', msg.ok ? msg.value : msg.error);
          return;
        }
        const p = inFlight.get(msg.id);
        if (!p) return;
        inFlight.delete(msg.id);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new LabRequestError(msg.error.code, msg.error.message, p.name));
      }
    };

    sock.onclose = () => {
      if (ws === sock) ws = null;
      const why = opened ? 'the connection to the Latent Lab server was lost' : 'cannot reach the Latent Lab server';
      for (const [id, p] of inFlight) {
        inFlight.delete(id);
        p.reject(down(`${why} before "${p.name}" was answered`, p.name));
      }
      if (!opened) {
        const waiting = queued;
        queued = [];
        for (const q of waiting) q.pending.reject(down(why, q.pending.name));
      }
      if (opened) emit('engine:state', { state: 'crashed', message: `${why}; reconnecting…` });
      if (closed) return;
      failures++;
      const base = Math.min(maxDelay, minDelay * 2 ** Math.min(failures - 1, 10));
      timer = setTimeout(connect, base / 2 + Math.random() * (base / 2));
    };
    sock.onerror = () => {
      /* onclose follows with the details we act on */
    };
  };

  connect();

  return {
    transport: 'browser',
    call(name, payload) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        const pending: Pending = { name, resolve, reject };
        let frame: Uint8Array<ArrayBuffer>;
        try {
          const req: WireRequest = { t: 'req', id, name, payload: payload ?? {} };
          frame = packr.pack(req) as Uint8Array<ArrayBuffer>;
        } catch (err) {
          reject(new LabRequestError('INVALID_PAYLOAD', `${name}: payload cannot be sent (${err instanceof Error ? err.message : String(err)})`, name));
          return;
        }
        if (ws && ws.readyState === WS.OPEN) {
          inFlight.set(id, pending);
          ws.send(frame);
        } else if (closed) {
          reject(down('the connection is closed', name));
        } else {
          queued.push({ id, frame, pending });
          if (!ws && wasOpen && timer !== undefined) {
            // A request is waiting: retry now instead of at the end of the backoff.
            clearTimeout(timer);
            timer = undefined;
            connect();
          }
        }
      });
    },
    on(name, cb) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(cb);
      return () => {
        set!.delete(cb);
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}

/** Token from `?token=`; null means: rely on the HttpOnly cookie the server set. */
function pageToken(): string | null {
  try {
    return new URLSearchParams(location.search).get('token');
  } catch {
    return null;
  }
}

function browserTransport(): Transport {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return wsTransport({ url: `${scheme}//${location.host}${WS_PATH}`, token: pageToken() });
}

// ---------------------------------------------------------------------------------------------

export function makeApi(t: Transport): LabApi & {
  invokeHost<N extends HostRequestName>(name: N, payload: HostRequestInput<N>): Promise<HostRequestOutput<N>>;
} {
  return {
    transport: t.transport,
    invoke<N extends RequestName>(name: N, payload: RequestInput<N>): Promise<RequestOutput<N>> {
      return t.call(name, payload) as Promise<RequestOutput<N>>;
    },
    invokeHost<N extends HostRequestName>(name: N, payload: HostRequestInput<N>): Promise<HostRequestOutput<N>> {
      return t.call(name, payload) as Promise<HostRequestOutput<N>>;
    },
    on<N extends EventName>(name: N, cb: (payload: EventPayload<N>) => void): () => void {
      return t.on(name, cb as (p: unknown) => void);
    },
    async restartEngine(): Promise<void> {
      await t.call('engine:restart', {});
    },
  };
}

/** Outside a page (unit tests importing this module): every call fails with ENGINE_DOWN. */
function noTransport(): Transport {
  return {
    transport: 'browser',
    call: (name) => Promise.reject(new LabRequestError('ENGINE_DOWN', 'no window: the API is only available in the app', name)),
    on: () => () => {},
  };
}

function pickTransport(): Transport {
  if (typeof window !== 'undefined' && window.api && window.api.transport === 'electron') return electronTransport(window.api);
  if (typeof location === 'undefined' || typeof WebSocket === 'undefined') return noTransport();
  return browserTransport();
}

const transport = pickTransport();

/** The API. Host requests (`engine:restart`, `dialog:openFolder`) also go through `invoke`. */
export const api = makeApi(transport);

/** Native folder picker; null when cancelled. Browser mode rejects with `UNSUPPORTED`. */
export async function openFolder(purpose: 'dataset' | 'export', title?: string): Promise<string | null> {
  const r = await api.invokeHost('dialog:openFolder', { purpose, ...(title ? { title } : {}) });
  return r.path;
}

/** Application-menu commands (Electron only; never fires in browser mode). */
export function onMenuCommand(cb: (payload: HostEventPayload<'menu:command'>) => void): () => void {
  return transport.on('menu:command', cb as (p: unknown) => void);
}
