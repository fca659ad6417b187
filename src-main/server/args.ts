/** Command line of the browser-mode server (`node:util` `parseArgs`, as the CLI). */
import { parseArgs } from 'node:util';

export interface Args {
  port: number;
  host: string;
  workspace?: string;
  open: boolean;
  /** `--help` / `-h`: print USAGE and exit. */
  help?: true;
}

export const USAGE = 'usage: latent-lab-server [--port N] [--host ADDR] [--workspace DIR] [--no-open]';

/** Thrown for a command line that cannot be used; the message ends with the usage line. */
export class UsageError extends Error {}

/**
 * `--port N` (0–65535, default 0 = any free port), `--host ADDR` (default 127.0.0.1),
 * `--workspace DIR`, `--no-open`, `--help`/`-h` (`help: true`; the caller prints USAGE).
 * Throws UsageError for unknown arguments, missing or empty values and a bad port.
 */
export function parseServerArgs(argv: readonly string[]): Args {
  let values: { port?: string; host?: string; workspace?: string; 'no-open'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        workspace: { type: 'string' },
        'no-open': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  for (const k of ['port', 'host', 'workspace'] as const) {
    if (values[k] === '') throw new UsageError(`--${k} needs a value\n${USAGE}`);
  }
  const args: Args = { port: 0, host: values.host ?? '127.0.0.1', open: !values['no-open'] };
  if (values.port !== undefined) {
    const n = Number(values.port);
    if (!/^\d+$/.test(values.port) || n > 65535) throw new UsageError(`--port must be 0–65535, got "${values.port}"`);
    args.port = n;
  }
  if (values.workspace !== undefined) args.workspace = values.workspace;
  if (values.help) args.help = true;
  return args;
}
