/** Command line of the browser-mode server. */

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
