/**
 * Messages between an engine host (Electron main or the browser-mode server) and the engine
 * child process. Carried by structured clone (Electron `utilityProcess`) or by V8 serialization
 * (`child_process.fork` with `serialization: 'advanced'`), so typed arrays survive both ways.
 *
 * Pure TypeScript: no Node or Electron imports.
 */
import type { EngineInfo, EventName, EventPayload, Response } from '../../src-shared/contract';

/** Host → engine. */
export type ToEngine =
  | { type: 'request'; id: number; name: string; payload: unknown }
  | { type: 'shutdown' };

/** Engine → host. */
export type FromEngine =
  | { type: 'ready'; info: EngineInfo; pid: number }
  | { type: 'response'; id: number; response: Response }
  | { type: 'event'; name: EventName; payload: unknown }
  /** Engine.create failed; the process exits right after. */
  | { type: 'fatal'; message: string };

/** How the host reaches one engine process, whatever runs it. */
export interface EngineChannel {
  /** OS process id, once known. */
  readonly pid: number | undefined;
  send(msg: ToEngine): void;
  onMessage(cb: (msg: FromEngine) => void): void;
  /** Called once, when the process is gone (also when it failed to start). */
  onExit(cb: (exit: EngineExit) => void): void;
  /** Hard kill (SIGKILL or the platform equivalent). */
  kill(): void;
  /** Lines the engine wrote to stdout/stderr, if the runner pipes them. */
  onOutput?(cb: (stream: 'stdout' | 'stderr', text: string) => void): void;
}

export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started or hit a channel error. */
  error?: string;
}

/** Starts a fresh engine process. */
export type EngineSpawner = () => EngineChannel;

/** The `engine:state` payload; `pid` lets tests (and the logs) name the engine process. */
export type EngineStatePayload = EventPayload<'engine:state'> & { pid?: number };

export function isFromEngine(msg: unknown): msg is FromEngine {
  if (!msg || typeof msg !== 'object') return false;
  const t = (msg as { type?: unknown }).type;
  return t === 'ready' || t === 'response' || t === 'event' || t === 'fatal';
}
