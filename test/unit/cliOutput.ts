import { execFile } from 'node:child_process';
import path from 'node:path';

/** The start of `train --out`'s last stderr line, how to open the run in the app (cli-out-open tests it). */
export const OPEN_IN_APP_NOTE = 'note: to open this run in the app';

/**
 * The CLI's stderr lines, without the collapse warning a tiny test model may earn (whether a
 * 1–3-epoch model on a few dozen images collapses depends on the seed and the machine's float
 * order; the warning itself is tested in cli-colour.test.ts and the engine tests), and without the
 * few-optimiser-steps notice every such short test run earns (tested in start-checks.test.ts), nor
 * train --out's how-to-open note (cli-out-open.test.ts).
 */
export function stderrLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('warning: this run collapsed') && !l.startsWith('warning: this run takes only') && !l.startsWith(OPEN_IN_APP_NOTE));
}

/** The repository's root, the tsx binary and the CLI's entry, as the CLI tests run it. */
export const repoRoot = path.resolve(__dirname, '../..');
export const tsxBin = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
export const cliMain = path.join(repoRoot, 'src-main', 'cli', 'main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `latent-lab <args>` (src-main/cli/main.ts through tsx) with LATENT_LAB_HOME = `home`, in
 * `cwd` (default: the repository's root); resolves with the exit code and both streams (never
 * rejects: a failing command is a result the test asserts on).
 */
export function runCli(args: string[], opts: { home: string; cwd?: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(tsxBin, [cliMain, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...process.env, LATENT_LAB_HOME: opts.home }, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
