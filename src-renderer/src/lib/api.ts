/**
 * The renderer's one way to reach the engine. Picks the transport once:
 * - Electron: `window.api`, the preload's bridge (IPC; answers arrive as `{ok, value|error}`);
 * - browser mode: a WebSocket to the Latent Lab server carrying msgpackr frames, reconnecting
 *   with backoff. The access token comes from `?token=` on the first load (then leaves the
 *   address bar for this tab's sessionStorage) and is offered as a WebSocket subprotocol.
 *
 * Either way `api.invoke` resolves with the typed value or rejects with a `LabRequestError`
 * carrying the contract's error `code` (`ENGINE_DOWN` when the engine or the connection is gone).
 */
import { Packr } from 'msgpackr';
import type {
  ErrorCode,
  EventName,
  EventPayload,
  LabApi,
  RequestInput,
  RequestName,
  RequestOutput,
} from '../../../src-shared/contract';
import type { HostEventPayload, HostRequestInput, HostRequestName, HostRequestOutput, Response } from '../../../src-shared/contract';
import type { LabBridge } from '../../../src-shared/channels';
import { MAX_REQUEST_FRAME_BYTES, PACKR_OPTIONS, WS_PATH, wsProtocols, type WireMessage, type WireRequest } from '../../../src-shared/wire';

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

function unwrap(name: string, r: Response): unknown {
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
  /**
   * The access token, offered as the `latentlab.token.<token>` subprotocol. null: the page has
   * none, so nothing connects and every call fails with ENGINE_DOWN saying how to get one.
   */
  token: string | null;
  /** Backoff bounds in ms. */
  minDelay?: number;
  maxDelay?: number;
  WebSocketImpl?: typeof WebSocket;
}

const NO_TOKEN =
  'this page has no access token: open the address the Latent Lab server printed (it ends in ?token=…)';

const down = (message: string, name?: string): LabRequestError => new LabRequestError('ENGINE_DOWN', message, name);

/** Listeners by event name; a failing listener is logged and does not stop the others. */
class Listeners {
  readonly #byName = new Map<string, Set<(payload: unknown) => void>>();

  on(name: string, cb: (payload: unknown) => void): () => void {
    let set = this.#byName.get(name);
    if (!set) this.#byName.set(name, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
    };
  }

  emit(name: string, payload: unknown): void {
    for (const cb of [...(this.#byName.get(name) ?? [])]) {
      try {
        cb(payload);
      } catch (err) {
        console.error(`listener for ${name} failed`, err);
      }
    }
  }
}

/** Why a socket closed, for the ENGINE_DOWN messages. */
function closeReason(opened: boolean, ev: { code?: number; reason?: string }): string {
  if (ev.code === 1008 || ev.code === 1009) return `the Latent Lab server closed the connection (${ev.reason || `code ${ev.code}`})`;
  return opened ? 'the connection to the Latent Lab server was lost' : 'cannot reach the Latent Lab server';
}

/**
 * The WebSocket client: one socket at a time, requests sent while it is closed wait for the next
 * one to open, reconnection with jittered exponential backoff.
 */
class WsClient implements Transport {
  readonly transport = 'browser' as const;
  readonly #opts: WsTransportOptions;
  readonly #WS: typeof WebSocket;
  readonly #packr = new Packr(PACKR_OPTIONS);
  readonly #listeners = new Listeners();
  readonly #inFlight = new Map<number, Pending>();
  /** Requests waiting for the socket to open; rejected if this connection attempt fails. */
  #queued: Array<{ id: number; frame: Uint8Array<ArrayBuffer>; pending: Pending }> = [];
  #ws: WebSocket | null = null;
  #nextId = 1;
  #failures = 0;
  #wasOpen = false;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: WsTransportOptions) {
    this.#opts = opts;
    this.#WS = opts.WebSocketImpl ?? WebSocket;
    if (opts.token !== null) this.#connect();
  }

  call(name: AnyName, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#opts.token === null) return reject(down(NO_TOKEN, name));
      const id = this.#nextId++;
      const frame = this.#encode(id, name, payload, reject);
      if (!frame) return;
      const pending: Pending = { name, resolve, reject };
      if (this.#ws && this.#ws.readyState === this.#WS.OPEN) {
        this.#inFlight.set(id, pending);
        this.#ws.send(frame);
      } else if (this.#closed) {
        reject(down('the connection is closed', name));
      } else {
        this.#queued.push({ id, frame, pending });
        if (!this.#ws && this.#wasOpen && this.#timer !== undefined) {
          // A request is waiting: retry now instead of at the end of the backoff.
          clearTimeout(this.#timer);
          this.#timer = undefined;
          this.#connect();
        }
      }
    });
  }

  on(name: AnyEvent, cb: (payload: unknown) => void): () => void {
    // After the subscriber's first calls have failed (a macrotask later), so this message is the last word.
    if (this.#opts.token === null && name === 'engine:state') setTimeout(() => cb({ state: 'crashed', message: NO_TOKEN }), 0);
    return this.#listeners.on(name, cb);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#ws?.close();
  }

  /** The request frame, or null after rejecting a payload that cannot be sent. */
  #encode(id: number, name: string, payload: unknown, reject: (e: unknown) => void): Uint8Array<ArrayBuffer> | null {
    let frame: Uint8Array<ArrayBuffer>;
    try {
      const req: WireRequest = { t: 'req', id, name, payload: payload ?? {} };
      frame = this.#packr.pack(req) as Uint8Array<ArrayBuffer>;
    } catch (err) {
      reject(new LabRequestError('INVALID_PAYLOAD', `${name}: payload cannot be sent (${err instanceof Error ? err.message : String(err)})`, name));
      return null;
    }
    if (frame.byteLength > MAX_REQUEST_FRAME_BYTES) {
      const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
      reject(new LabRequestError('TOO_LARGE', `${name}: the request is ${mb(frame.byteLength)}; browser mode carries at most ${mb(MAX_REQUEST_FRAME_BYTES)} per request`, name));
      return null;
    }
    return frame;
  }

  #connect(): void {
    if (this.#closed || this.#opts.token === null) return;
    const sock = new this.#WS(this.#opts.url, wsProtocols(this.#opts.token));
    sock.binaryType = 'arraybuffer';
    this.#ws = sock;
    let opened = false;
    sock.onopen = () => {
      opened = true;
      this.#onOpen(sock);
    };
    sock.onmessage = (ev: MessageEvent) => this.#onMessage(ev);
    sock.onclose = (ev: CloseEvent) => this.#onClose(sock, opened, ev);
    sock.onerror = () => {
      /* onclose follows with the details we act on */
    };
  }

  #onOpen(sock: WebSocket): void {
    this.#wasOpen = true;
    this.#failures = 0;
    const waiting = this.#queued;
    this.#queued = [];
    for (const q of waiting) {
      this.#inFlight.set(q.id, q.pending);
      sock.send(q.frame);
    }
  }

  #onMessage(ev: MessageEvent): void {
    if (!(ev.data instanceof ArrayBuffer)) return;
    let msg: WireMessage;
    try {
      msg = this.#packr.unpack(new Uint8Array(ev.data)) as WireMessage;
    } catch (err) {
      console.error('malformed frame from the server', err);
      return;
    }
    if (msg.t === 'evt') return this.#listeners.emit(msg.name, msg.payload);
    if (msg.id === null) {
      console.error('server refused a frame:', msg.ok ? msg.value : msg.error);
      return;
    }
    const p = this.#inFlight.get(msg.id);
    if (!p) return;
    this.#inFlight.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new LabRequestError(msg.error.code, msg.error.message, p.name));
  }

  #onClose(sock: WebSocket, opened: boolean, ev: CloseEvent): void {
    if (this.#ws === sock) this.#ws = null;
    const why = closeReason(opened, ev);
    for (const [id, p] of this.#inFlight) {
      this.#inFlight.delete(id);
      p.reject(down(`${why} before "${p.name}" was answered`, p.name));
    }
    if (!opened) {
      const waiting = this.#queued;
      this.#queued = [];
      for (const q of waiting) q.pending.reject(down(why, q.pending.name));
    }
    if (opened) this.#listeners.emit('engine:state', { state: 'crashed', message: `${why}; reconnecting…` });
    if (this.#closed) return;
    this.#failures++;
    const base = Math.min(this.#opts.maxDelay ?? 8000, (this.#opts.minDelay ?? 250) * 2 ** Math.min(this.#failures - 1, 10));
    this.#timer = setTimeout(() => this.#connect(), base / 2 + Math.random() * (base / 2));
  }
}

export function wsTransport(opts: WsTransportOptions): Transport & { close(): void } {
  return new WsClient(opts);
}

const TOKEN_KEY = 'latentlab.token';

/**
 * The access token of this tab. On the first load it comes from `?token=`; it is then removed
 * from the address bar (`history.replaceState`, so it is not left in the URL, bookmarks or
 * screenshots) and kept in sessionStorage, which only this tab on this origin (scheme, host and
 * port) can read, so a reload still connects. Null when the page was opened without it.
 */
export function takePageToken(win: Pick<Window, 'location' | 'history' | 'sessionStorage'>): string | null {
  let fromUrl: string | null = null;
  try {
    const url = new URL(win.location.href);
    fromUrl = url.searchParams.get('token');
    if (fromUrl !== null) {
      url.searchParams.delete('token');
      win.history.replaceState(win.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    }
  } catch {
    /* no usable location */
  }
  try {
    if (fromUrl) win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl || win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return fromUrl; // storage disabled: this load works; a reload needs the printed URL again
  }
}

function browserTransport(): Transport {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return wsTransport({ url: `${scheme}//${location.host}${WS_PATH}`, token: takePageToken(window) });
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

/** Native picker (a folder, or a dataset file for `dataset-file`); null when cancelled. Browser mode rejects with `UNSUPPORTED`. */
export async function openFolder(purpose: 'dataset' | 'dataset-file' | 'export', title?: string): Promise<string | null> {
  const r = await api.invokeHost('dialog:openFolder', { purpose, ...(title ? { title } : {}) });
  return r.path;
}

/** Application-menu commands (Electron only; never fires in browser mode). */
export function onMenuCommand(cb: (payload: HostEventPayload<'menu:command'>) => void): () => void {
  return transport.on('menu:command', cb as (p: unknown) => void);
}
