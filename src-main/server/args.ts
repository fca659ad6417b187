/** Command line of the browser-mode server, and the best-effort browser opener. */
import { spawn } from 'node:child_process';

export interface Args {
  port: number;
  host: string;
  workspace?: string;
  open: boolean;
}

const USAGE = 'usage: latent-lab-server [--port N] [--host ADDR] [--workspace DIR] [--no-open]';

export function parseServerArgs(argv: readonly string[]): Args {
  const args: Args = { port: 0, host: '127.0.0.1', open: true };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 65535) throw new Error(`--port must be 0–65535, got "${v}"`);
        args.port = n;
        break;
      }
      case '--host':
        args.host = value();
        break;
      case '--workspace':
        args.workspace = value();
        break;
      case '--no-open':
        args.open = false;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default:
        throw new Error(`unknown argument "${raw}"\n${USAGE}`);
    }
  }
  return args;
}

/** Best effort: open the URL in the user's browser; silently does nothing when it cannot. */
export function openBrowser(url: string): void {
  if (process.env.CI) return;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const cmdArgs = process.platform === 'win32' ? ['/c', 'start', '""', url.replace(/&/g, '^&')] : [url];
  try {
    const child = spawn(cmd, cmdArgs, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    /* no opener: the URL is printed */
  }
}

