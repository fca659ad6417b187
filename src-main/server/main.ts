/**
 * `node out/main/server.js [--port 0] [--host 127.0.0.1] [--workspace DIR] [--no-open]`
 *
 * Browser mode of Latent Lab: prints `Latent Lab is running at http://127.0.0.1:PORT/?token=…`
 * on stdout (diagnostics go to stderr) and opens the browser unless `--no-open`.
 */
import path from 'node:path';
import { defaultWorkspace, workspaceRefusal, workspaceSource } from '../workspace';
import { parseServerArgs, USAGE, type Args } from './args';
import { openBrowser } from './open-browser';
import { startServer } from './server';

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseServerArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  // The workspace is checked before anything starts or is announced: a file given as --workspace
  // once printed "Latent Lab is running at …", then the engine died with an ENOTDIR stack.
  const refusal = workspaceRefusal(path.resolve(args.workspace ?? defaultWorkspace()), workspaceSource(args.workspace));
  if (refusal) {
    console.error(`latent-lab-server: ${refusal}`);
    process.exit(2);
  }
  const server = await startServer({ port: args.port, host: args.host, workspace: args.workspace });
  console.log(`Latent Lab is running at ${server.url}`);
  const removeRedirect = args.open ? openBrowser(server.url) : () => {};

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    console.error(`[latent-lab] ${signal}: shutting down`);
    removeRedirect();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error('[latent-lab] error:', err instanceof Error ? err.message : err);
  process.exit(1);
});
