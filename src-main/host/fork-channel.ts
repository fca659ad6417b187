/**
 * Runs the engine with `child_process.fork` (browser mode, tests). `serialization: 'advanced'`
 * uses V8's serializer, so Float32Array/Int32Array/Uint8Array arrive as typed arrays.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { EngineChannel, EngineExit, EngineSpawner, FromEngine, ToEngine } from './engine-channel';

export interface ForkSpawnerOptions {
  /** The built engine entry (e.g. `out/main/engine-entry.js`). */
  entry: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** e.g. `['--import', 'tsx']` to run a TypeScript entry in tests. */
  execArgv?: string[];
  cwd?: string;
}

export function forkSpawner(opts: ForkSpawnerOptions): EngineSpawner {
  return () => forkChannel(opts);
}

export function forkChannel(opts: ForkSpawnerOptions): EngineChannel {
  const child: ChildProcess = fork(opts.entry, opts.args ?? [], {
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: opts.env ?? process.env,
    execArgv: opts.execArgv ?? [],
    cwd: opts.cwd,
  });
  let exitCb: ((e: EngineExit) => void) | null = null;
  let exit: EngineExit | null = null;
  const finish = (e: EngineExit): void => {
    if (exit) return;
    exit = e;
    exitCb?.(e);
  };
  child.on('exit', (code, signal) => finish({ code, signal }));
  child.on('error', (err) => {
    // A spawn failure never gets an 'exit'; any other error (a send on a closing channel) is
    // followed by 'exit', which reports it.
    if (child.pid === undefined) finish({ code: null, signal: null, error: `could not start the engine: ${err.message}` });
  });
  return {
    get pid() {
      return child.pid;
    },
    send(msg: ToEngine) {
      if (!child.connected) throw new Error('the engine channel is closed');
      child.send(msg, (err) => {
        if (err) child.emit('error', err);
      });
    },
    onMessage(cb: (msg: FromEngine) => void) {
      child.on('message', (m) => cb(m as FromEngine));
    },
    onExit(cb) {
      exitCb = cb;
      if (exit) cb(exit);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    onOutput(cb) {
      child.stdout?.setEncoding('utf8').on('data', (t: string) => cb('stdout', t));
      child.stderr?.setEncoding('utf8').on('data', (t: string) => cb('stderr', t));
    },
  };
}
