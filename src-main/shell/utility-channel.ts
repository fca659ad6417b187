/**
 * Runs the engine in an Electron `utilityProcess` (a Node.js child managed by Electron's
 * service layer). Messages use structured clone, so typed arrays survive. Electron-only, so it
 * lives in the shell; the browser-mode server uses `host/fork-channel.ts` instead.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { EngineChannel, EngineExit, EngineSpawner, FromEngine, ToEngine } from '../host/engine-channel';

export interface UtilitySpawnerOptions {
  entry: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export function utilitySpawner(opts: UtilitySpawnerOptions): EngineSpawner {
  return () => utilityChannel(opts);
}

function utilityChannel(opts: UtilitySpawnerOptions): EngineChannel {
  const child: UtilityProcess = utilityProcess.fork(opts.entry, opts.args ?? [], {
    serviceName: 'Latent Lab engine',
    stdio: 'pipe',
    env: opts.env ?? process.env,
  });
  let exitCb: ((e: EngineExit) => void) | null = null;
  let exit: EngineExit | null = null;
  let lastError: string | undefined;
  const finish = (e: EngineExit): void => {
    if (exit) return;
    exit = e;
    exitCb?.(e);
  };
  child.on('error', (type, location) => {
    lastError = `${type}${location ? ` at ${location}` : ''}`;
  });
  child.on('exit', (code) => {
    // utilityProcess reports no signal; a killed process shows as a non-zero code.
    finish({ code, signal: null, error: lastError ? `crashed: ${lastError} (exit code ${code})` : undefined });
  });
  return {
    get pid() {
      return child.pid;
    },
    send(msg: ToEngine) {
      if (exit) throw new Error('the engine process has exited');
      child.postMessage(msg);
    },
    onMessage(cb: (msg: FromEngine) => void) {
      child.on('message', (m) => cb(m as FromEngine));
    },
    onExit(cb) {
      exitCb = cb;
      if (exit) cb(exit);
    },
    kill() {
      if (exit) return;
      const pid = child.pid;
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
          return;
        } catch {
          /* fall through */
        }
      }
      child.kill();
    },
    onOutput(cb) {
      child.stdout?.setEncoding('utf8').on('data', (t: string) => cb('stdout', t));
      child.stderr?.setEncoding('utf8').on('data', (t: string) => cb('stderr', t));
    },
  };
}
