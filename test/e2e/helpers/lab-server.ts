/**
 * Start `node out/main/server.js --port 0 --workspace <tmp> --no-open` and read its URL line.
 * Used by the Playwright fixtures and by plain-Node tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SERVER_JS } from './env';

export interface LabServer {
  /** Tokenised URL to open: `http://127.0.0.1:PORT/?token=…`. */
  url: string;
  origin: string;
  port: number;
  token: string;
  workspace: string;
  /** A folder for exports, beside the workspace (exports inside the workspace are refused). */
  outDir: string;
  proc: ChildProcess;
  /** Everything the server printed on stderr so far (diagnostics, refusals). */
  logs(): string;
  stop(): Promise<void>;
}

export async function startLabServer(opts: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<LabServer> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'latent-lab-e2e-'));
  const workspace = path.join(root, 'lab');
  const outDir = path.join(root, 'out');
  mkdirSync(workspace);
  const proc = spawn(process.execPath, [SERVER_JS, '--port', '0', '--workspace', workspace, '--no-open', ...(opts.args ?? [])], {
    env: { ...process.env, LATENT_LAB_HOME: workspace, LATENT_LAB_CLASSIFIER: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not print its URL within 30 s\n${out}\n${err}`)), 30_000);
    proc.stdout!.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const m = /Latent Lab is running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before printing its URL\n${out}\n${err}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    port: Number(u.port),
    token: u.searchParams.get('token')!,
    workspace,
    outDir,
    proc,
    logs: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
        await exited;
        clearTimeout(t);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
