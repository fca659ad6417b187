/**
 * The logger interface of the main side: the engine host, the browser-mode server and the
 * Electron shell all log through it (electron-log in the app, stderr in browser mode).
 */

export interface HostLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Drops everything (tests, and hosts built without a logger). */
export const silentLogger: HostLogger = { info() {}, warn() {}, error() {} };

/** Writes to stderr with a `[latent-lab]` prefix (stdout is left for a program's output). */
export function consoleLogger(): HostLogger {
  return {
    info: (...a) => console.error('[latent-lab]', ...a),
    warn: (...a) => console.error('[latent-lab] warning:', ...a),
    error: (...a) => console.error('[latent-lab] error:', ...a),
  };
}
