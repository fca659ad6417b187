/**
 * The engine side of the host protocol: runs inside the engine process, under Electron's
 * `utilityProcess` (`process.parentPort`) or `child_process.fork` (`process.send`).
 *
 * The message listener is attached synchronously, before the engine is created, so requests sent
 * while the backend initialises wait for it instead of being lost.
 */
import { parseArgs } from 'node:util';
import type { EngineInfo, EventName, Response } from '../../src-shared/contract';
import type { FromEngine, ToEngine } from './engine-channel';

/** What the child needs from an engine (the real `Engine` satisfies it). */
export interface EngineLike {
  handle(name: string, payload: unknown): Promise<Response>;
  info(): EngineInfo;
  dispose(): Promise<void>;
}

export interface EngineFactoryOptions {
  workspace: string;
  emit: (name: EventName, payload: unknown) => void;
}

interface ParentPortLike {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

interface Port {
  send(msg: FromEngine): void;
  onMessage(cb: (msg: ToEngine) => void): void;
}

function parentPort(): Port {
  const pp = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (pp) {
    return {
      send: (msg) => pp.postMessage(msg),
      onMessage: (cb) => pp.on('message', (e) => cb(e.data as ToEngine)),
    };
  }
  if (typeof process.send === 'function') {
    // The parent went away (crash, kill -9): nothing can reach us any more.
    process.on('disconnect', () => process.exit(0));
    return {
      send: (msg) => {
        process.send!(msg);
      },
      onMessage: (cb) => process.on('message', (m) => cb(m as ToEngine)),
    };
  }
  throw new Error('engine-entry must be started by the Latent Lab host (no parent channel)');
}

/**
 * `--workspace DIR` / `--workspace=DIR` from the engine process's arguments, else undefined.
 * Other arguments are ignored (the host passes only this one; Electron may add its own).
 */
export function workspaceFromArgv(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: { workspace: { type: 'string' } }, strict: false, allowPositionals: true });
  return typeof values.workspace === 'string' && values.workspace !== '' ? values.workspace : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function runEngineChild(
  create: (opts: EngineFactoryOptions) => Promise<EngineLike>,
  defaultWorkspace: () => string,
): void {
  const port = parentPort();
  const send = (msg: FromEngine): boolean => {
    try {
      port.send(msg);
      return true;
    } catch (err) {
      // Not cloneable (a bug in the engine) or the channel is closing.
      process.stderr.write(`engine: could not send a ${msg.type} message: ${errorMessage(err)}\n`);
      return false;
    }
  };

  const emit = (name: EventName, payload: unknown): void => {
    send({ type: 'event', name, payload });
  };

  const workspace = workspaceFromArgv(process.argv.slice(2)) ?? defaultWorkspace();
  const enginePromise = create({ workspace, emit });
  let shuttingDown = false;

  enginePromise.then(
    (engine) => {
      send({ type: 'ready', info: engine.info(), pid: process.pid });
    },
    (err) => {
      const message = errorMessage(err);
      process.stderr.write(`engine: failed to start: ${err instanceof Error && err.stack ? err.stack : message}\n`);
      send({ type: 'fatal', message });
      setTimeout(() => process.exit(1), 50);
    },
  );

  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    try {
      const engine = await enginePromise;
      await engine.dispose();
    } catch {
      /* exiting anyway */
    }
    setTimeout(() => process.exit(0), 10);
  };

  port.onMessage(async (msg) => {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'shutdown') {
      void shutdown();
      return;
    }
    if (msg.type !== 'request' || typeof msg.id !== 'number') return;
    let response: Response;
    let engine: EngineLike;
    try {
      engine = await enginePromise;
    } catch (err) {
      response = { ok: false, error: { code: 'ENGINE_DOWN', message: `the engine failed to start: ${errorMessage(err)}` } };
      send({ type: 'response', id: msg.id, response });
      return;
    }
    try {
      response = await engine.handle(String(msg.name), msg.payload);
    } catch (err) {
      // Engine.handle never throws by contract; if it does, it is still a typed answer.
      response = { ok: false, error: { code: 'INTERNAL', message: errorMessage(err) } };
    }
    if (!send({ type: 'response', id: msg.id, response })) {
      send({
        type: 'response',
        id: msg.id,
        response: { ok: false, error: { code: 'INTERNAL', message: `the engine's answer to "${msg.name}" could not be sent` } },
      });
    }
  });

  process.on('SIGTERM', () => void shutdown());
  // Ctrl-C in a terminal reaches the whole process group: let the host, which gets it too,
  // shut us down cleanly (a half-written run would otherwise be left behind).
  process.on('SIGINT', () => {});
}
