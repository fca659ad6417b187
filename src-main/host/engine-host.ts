/**
 * The engine host: owns one engine process at a time (spawned by an `EngineSpawner`, so the same
 * code runs under Electron's `utilityProcess` and under `child_process.fork` in browser mode),
 * validates and routes requests to it, relays its events, reports its state as `engine:state`
 * and restarts it on `engine:restart`.
 *
 * Guarantees:
 * - `handle()` never throws and never rejects: every answer is a contract `Response`.
 * - Nothing is timed out silently: a request waits for the engine's answer, or is answered with
 *   `ENGINE_DOWN` the moment the process is gone.
 * - A request that arrives while the engine restarts waits for the new engine (at most
 *   `restartQueueLimit` of them, each for at most `restartQueueTimeoutMs`), instead of failing.
 * - Every request is validated with the contract (`parseRequest`) before it is forwarded.
 *
 * Plain Node: no Electron imports (the Electron spawner lives in `shell/utility-channel.ts`).
 */
import {
  LabError,
  isRequestName,
  parseRequest,
  toErrorBody,
  type EngineInfo,
  type EventName,
  type EngineState,
  type Response,
} from '../../src-shared/contract';
import { isHostRequestName, parseHostRequest, type HostRequestName } from '../../src-shared/contract';
import { isFromEngine, type EngineChannel, type EngineExit, type EngineSpawner, type EngineStatePayload, type FromEngine } from './engine-channel';
import { HeldRequests } from './held-requests';
import { silentLogger, type HostLogger } from './log';

export type HostEventListener = (name: string, payload: unknown) => void;

/** Handlers for host requests other than `engine:restart` (e.g. native dialogs in Electron). */
export type HostRequestHandlers = Partial<Record<Exclude<HostRequestName, 'engine:restart'>, (payload: unknown) => Promise<unknown>>>;

export interface EngineHostOptions {
  spawn: EngineSpawner;
  log?: HostLogger;
  hostHandlers?: HostRequestHandlers;
  /** Grace period for a clean shutdown before the process is killed. Default 3 s. */
  shutdownGraceMs?: number;
  /** Requests held while the engine restarts; more are answered ENGINE_DOWN at once. Default 100. */
  restartQueueLimit?: number;
  /** How long a request may wait for a restarting engine before ENGINE_DOWN, in ms. Default 30 s. */
  restartQueueTimeoutMs?: number;
}

interface Pending {
  name: string;
  resolve: (r: Response) => void;
}

interface Generation {
  channel: EngineChannel;
  pending: Map<number, Pending>;
  exited: boolean;
  /** Set when we asked it to go (restart/dispose): its exit is not a crash. */
  expectedExit: boolean;
  fatal?: string;
  ready: Promise<void>;
  exitPromise: Promise<EngineExit>;
}


export function describeExit(exit: EngineExit): string {
  if (exit.error) return exit.error;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code ?? 'unknown'}`;
}

export class EngineHost {
  private readonly opts: EngineHostOptions;
  private readonly log: HostLogger;
  private gen: Generation | null = null;
  private nextId = 1;
  private listeners = new Set<HostEventListener>();
  private current: EngineStatePayload = { state: 'starting' };
  private engineInfo: EngineInfo | null = null;
  private restarting: Promise<Response> | null = null;
  /** Requests held between the start of a restart and the new engine's spawn. */
  private held: HeldRequests | null = null;
  private disposed = false;

  constructor(opts: EngineHostOptions) {
    this.opts = opts;
    this.log = opts.log ?? silentLogger;
  }

  /** Spawn the engine (idempotent while one is running). */
  start(): void {
    if (this.disposed) throw new Error('EngineHost disposed');
    if (this.gen && !this.gen.exited) return;
    this.spawn();
  }

  /** The last `engine:state` (send it to a renderer that connects late). */
  get state(): EngineStatePayload {
    return { ...this.current };
  }

  get info(): EngineInfo | null {
    return this.engineInfo;
  }

  /** OS pid of the live engine process, if any. */
  get pid(): number | undefined {
    return this.gen && !this.gen.exited ? this.gen.channel.pid : undefined;
  }

  /** Number of requests waiting for the engine (for tests and diagnostics). */
  get pendingCount(): number {
    return this.gen ? this.gen.pending.size : 0;
  }

  /** Subscribe to engine events and `engine:state`; returns the unsubscribe. */
  onEvent(cb: HostEventListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Resolves when the current engine is ready; rejects with ENGINE_DOWN if it dies first. */
  whenReady(): Promise<void> {
    if (!this.gen) return Promise.reject(new LabError('ENGINE_DOWN', 'the engine is not running'));
    return this.gen.ready;
  }

  /**
   * Validate and answer one request: host requests here, everything else in the engine.
   * Never throws; unknown names give UNKNOWN_REQUEST, bad payloads INVALID_PAYLOAD.
   */
  handle(name: unknown, payload: unknown): Promise<Response> {
    // Not async: a large payload is not kept alive by this frame while the engine works on it.
    try {
      if (isHostRequestName(name)) return this.handleHost(name, payload).catch((err: unknown) => ({ ok: false, error: toErrorBody(err) }));
      if (!isRequestName(name)) {
        return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_REQUEST', message: `unknown request "${String(name).slice(0, 100)}"` } });
      }
      parseRequest(name, payload);
      return this.forward(name, payload);
    } catch (err) {
      return Promise.resolve({ ok: false, error: toErrorBody(err) });
    }
  }

  private async handleHost(name: HostRequestName, payload: unknown): Promise<Response> {
    const parsed = parseHostRequest(name, payload);
    if (!parsed.ok) return parsed;
    if (name === 'engine:restart') return this.restart();
    const handler = this.opts.hostHandlers?.[name];
    if (!handler) return { ok: false, error: { code: 'UNSUPPORTED', message: `${name} is not available here` } };
    return { ok: true, value: await handler(parsed.value) };
  }

  /** Forward an already validated request to the engine, or hold it while the engine restarts. */
  private forward(name: string, payload: unknown): Promise<Response> {
    return this.held ? this.held.add(name, payload) : this.send(name, payload);
  }

  /** Stop holding requests: send them to the engine now running, or answer them with `refusal`. */
  private release(refusal?: string): void {
    const held = this.held;
    this.held = null;
    held?.release((name, payload) => this.send(name, payload), refusal);
  }

  /** Send an already validated request to the current engine process. */
  private send(name: string, payload: unknown): Promise<Response> {
    const gen = this.gen;
    if (this.disposed || !gen || gen.exited) {
      const why = this.current.state === 'crashed' && this.current.message ? ` (${this.current.message})` : '';
      return Promise.resolve({
        ok: false,
        error: { code: 'ENGINE_DOWN', message: `the engine is not running${why}; restart it to continue` },
      });
    }
    const id = this.nextId++;
    return new Promise<Response>((resolve) => {
      gen.pending.set(id, { name, resolve });
      try {
        gen.channel.send({ type: 'request', id, name, payload });
      } catch (err) {
        gen.pending.delete(id);
        resolve({ ok: false, error: { code: 'ENGINE_DOWN', message: `could not reach the engine: ${toErrorBody(err).message}` } });
      }
    });
  }

  /** Restart the engine; resolves once the new one is ready (or failed to start). */
  restart(): Promise<Response> {
    if (this.disposed) return Promise.resolve({ ok: false, error: { code: 'ENGINE_DOWN', message: 'the host is shutting down' } });
    if (this.restarting) return this.restarting;
    this.held = new HeldRequests(this.opts.restartQueueLimit ?? 100, this.opts.restartQueueTimeoutMs ?? 30_000);
    this.restarting = (async (): Promise<Response> => {
      try {
        this.setState({ state: 'restarting', message: 'Restarting the engine…' });
        if (this.gen && !this.gen.exited) await this.stopGeneration(this.gen);
        if (this.disposed) {
          this.release('the host is shutting down');
          return { ok: false, error: { code: 'ENGINE_DOWN', message: 'the host is shutting down' } };
        }
        this.spawn();
        // The new process queues what it gets before it is ready (engine-child.ts).
        this.release();
        await this.gen!.ready;
        return { ok: true, value: { ok: true } };
      } catch (err) {
        return { ok: false, error: toErrorBody(err) };
      } finally {
        this.release('the engine restart failed');
        this.restarting = null;
      }
    })();
    return this.restarting;
  }

  /** Ask the engine to shut down cleanly (kill after the grace period); no further spawns. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.release('the host is shutting down');
    if (this.gen && !this.gen.exited) await this.stopGeneration(this.gen);
    this.listeners.clear();
  }

  // -------------------------------------------------------------------------------------------

  private spawn(): void {
    let markReady!: () => void;
    let markDown!: (err: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      markReady = res;
      markDown = rej;
    });
    ready.catch(() => {}); // observed via whenReady()/restart(); never an unhandled rejection
    let exitResolve!: (e: EngineExit) => void;
    const exitPromise = new Promise<EngineExit>((res) => (exitResolve = res));

    this.engineInfo = null;
    this.setState({ state: 'starting', message: 'Starting the engine…' });
    let channel: EngineChannel;
    try {
      channel = this.opts.spawn();
    } catch (err) {
      const message = `Engine failed to start: ${toErrorBody(err).message}`;
      this.log.error(message);
      this.gen = null;
      this.setState({ state: 'crashed', message });
      markDown(new LabError('ENGINE_DOWN', message));
      // Keep a dead generation so whenReady() reports the failure.
      this.gen = {
        channel: { pid: undefined, send() {}, onMessage() {}, onExit() {}, kill() {} },
        pending: new Map(),
        exited: true,
        expectedExit: false,
        ready,
        exitPromise: Promise.resolve({ code: null, signal: null, error: message }),
      };
      return;
    }
    const gen: Generation = { channel, pending: new Map(), exited: false, expectedExit: false, ready, exitPromise };
    this.gen = gen;

    channel.onOutput?.((stream, text) => {
      for (const line of text.split(/\r?\n/)) if (line.trim()) (stream === 'stderr' ? this.log.warn : this.log.info)(`[engine] ${line}`);
    });

    channel.onMessage((msg) => {
      if (!isFromEngine(msg)) {
        this.log.warn('ignored a malformed message from the engine');
        return;
      }
      this.onEngineMessage(gen, msg, markReady);
    });

    channel.onExit((exit) => {
      if (gen.exited) return;
      gen.exited = true;
      exitResolve(exit);
      const how = describeExit(exit);
      const crashed = !gen.expectedExit;
      const message = gen.fatal
        ? `Engine failed to start: ${gen.fatal}`
        : crashed
          ? `Engine process exited unexpectedly (${how})`
          : `Engine process stopped (${how})`;
      (crashed ? this.log.error : this.log.info)(`${message}; pid ${channel.pid ?? '?'}`);
      // Answer everything still waiting on this process.
      for (const [id, p] of gen.pending) {
        gen.pending.delete(id);
        p.resolve({ ok: false, error: { code: 'ENGINE_DOWN', message: `${message} before answering "${p.name}"` } });
      }
      markDown(new LabError('ENGINE_DOWN', message));
      if (this.gen === gen && crashed && !this.disposed) {
        this.setState({ state: 'crashed', message });
      }
    });

    this.log.info(`engine process started (pid ${channel.pid ?? '?'})`);
  }

  private onEngineMessage(gen: Generation, msg: FromEngine, markReady: () => void): void {
    switch (msg.type) {
      case 'ready': {
        if (this.gen !== gen) return;
        this.engineInfo = msg.info;
        markReady();
        const b = msg.info.backend;
        this.log.info(`engine ready: backend ${b.backend}${b.skipped.length ? ` (skipped: ${b.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})` : ''}`);
        this.setState({ state: 'ready', message: `Engine ready (${b.backend} backend)`, backend: b, pid: msg.pid ?? gen.channel.pid });
        return;
      }
      case 'response': {
        const p = gen.pending.get(msg.id);
        if (!p) {
          this.log.warn(`engine answered an unknown request id ${msg.id}`);
          return;
        }
        gen.pending.delete(msg.id);
        const r = msg.response;
        p.resolve(
          r && typeof r === 'object' && (r.ok === true || r.ok === false)
            ? r
            : { ok: false, error: { code: 'INTERNAL', message: `malformed engine response to "${p.name}"` } },
        );
        return;
      }
      case 'event':
        if (this.gen !== gen || msg.name === 'engine:state') return; // only the host speaks for the engine's state
        this.emit(msg.name, msg.payload);
        return;
      case 'fatal':
        gen.fatal = msg.message;
        this.log.error(`engine failed to start: ${msg.message}`);
        return;
    }
  }

  private async stopGeneration(gen: Generation): Promise<void> {
    gen.expectedExit = true;
    try {
      gen.channel.send({ type: 'shutdown' });
    } catch {
      /* already gone */
    }
    const grace = this.opts.shutdownGraceMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), grace)));
    const r = await Promise.race([gen.exitPromise, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.log.warn(`engine did not stop within ${grace} ms; killing it`);
      gen.channel.kill();
      await gen.exitPromise;
    }
  }

  private setState(s: EngineStatePayload): void {
    this.current = s;
    this.emit('engine:state', s);
  }

  private emit(name: EventName | string, payload: unknown): void {
    for (const cb of [...this.listeners]) {
      try {
        cb(name, payload);
      } catch (err) {
        this.log.error(`event listener failed for ${name}:`, err);
      }
    }
  }
}

export type { EngineState };
