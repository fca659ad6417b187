/**
 * `train --out` stopped by a signal (tester's finding: a SIGTERM from `timeout`, `kill` or a CI
 * runner's cancel killed the process silently with 143, leaving a half-written run in
 * `<workspace>/runs/<id>` with only its decoder). SIGTERM now stops training as Ctrl-C does: what
 * was learnt is kept and the run is still moved to `--out`; a second signal while it stops exits at
 * once (143 for SIGTERM, 130 for SIGINT) and says where the run is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, repoRoot, tsxBin } from './cliOutput';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-cli-out-signal-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Many short epochs of toy-moons (one per 500 batches of 8): a run that is still training when signalled. */
const TRAIN = ['train', '--dataset', 'toy-moons', '--hidden', '8', '--latent', '2', '--epochs', '500', '--batch', '8'];

interface Spawned {
  child: ChildProcess;
  /** Resolves once stderr holds `text` (rejects if the process ends first). */
  stderrHas: (text: string) => Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The CLI as a user starts it: `command args…` with LATENT_LAB_HOME = `home`; stdout and stderr are pipes (not a terminal). */
function start(command: string, args: string[], home: string): Spawned {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, LATENT_LAB_HOME: home } });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters.filter((x) => stderr.includes(x.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const stderrHas = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      waiters.push({ text, resolve });
      void done.then(() => reject(new Error(`ended before stderr said "${text}":\n${stderr}`)));
    });
  return { child, stderrHas, done };
}

describe('train --out and signals', () => {
  it('SIGTERM stops training, keeps what was learnt and still moves the run to --out (nothing left in the workspace)', async () => {
    const home = path.join(tmp, 'ws1');
    const out = path.join(tmp, 'stopped-run');
    // Through the tsx launcher, as `npm run cli` starts it (it relays the signal to the CLI).
    const p = start(tsxBin, [cliMain, ...TRAIN, '--out', out], home);
    await p.stderrHas('epoch 1/500'); // the first epoch's line: training runs, a checkpoint is saved
    p.child.kill('SIGTERM');
    const r = await p.done;

    expect(r.stderr).toContain(`stopping training: what it has learnt is kept and the run will still be moved to ${out} (a second SIGTERM exits at once, leaving it in the workspace)`);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({ run: out, state: 'cancelled' });
    expect(result.epochs).toBeGreaterThanOrEqual(1);
    expect(result.epochs).toBeLessThan(500);
    // The whole run at --out: its record (with the folder's name as its id) and both halves of the model.
    const rec = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(rec).toMatchObject({ id: 'stopped-run', state: 'cancelled', epochsDone: result.epochs });
    expect((await fs.readdir(path.join(out, 'model'))).sort()).toEqual(['decoder', 'encoder']);
    expect(existsSync(path.join(out, 'metrics.jsonl'))).toBe(true);
    // Moved, not copied; nothing half-written left behind.
    expect(await fs.readdir(path.join(home, 'runs'))).toEqual([]);
  }, 180_000);

  it.skipIf(process.platform === 'win32')('a second signal while it stops exits at once with that signal’s code and says where the run is left', async () => {
    const home = path.join(tmp, 'ws2');
    const out = path.join(tmp, 'never-moved');
    // Straight in node (no launcher in between) so that both signals reach the CLI itself: held
    // stopped while they are sent, it receives them together on SIGCONT — the second one arrives
    // while training stops, whichever the system delivers first.
    const p = start(process.execPath, ['--import', 'tsx', cliMain, ...TRAIN, '--out', out], home);
    await p.stderrHas('epoch 1/500');
    const pid = p.child.pid!;
    process.kill(pid, 'SIGSTOP');
    process.kill(pid, 'SIGINT');
    process.kill(pid, 'SIGTERM');
    process.kill(pid, 'SIGCONT');
    const r = await p.done;

    const first = /stopping training: .* \((Ctrl-C again|a second SIGTERM) exits at once/.exec(r.stderr)?.[1];
    expect(first, r.stderr).toBeDefined();
    // The first line names the first signal; the exit code is the second one's, as its default would give.
    expect(r.code).toBe(first === 'Ctrl-C again' ? 143 : 130);
    const runs = await fs.readdir(path.join(home, 'runs'));
    expect(runs).toHaveLength(1);
    const left = path.join(home, 'runs', runs[0]!);
    expect(r.stderr).toContain(`exited at once: the run is left in ${left} (not moved to ${out})`);
    expect(existsSync(path.join(left, 'config.json'))).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(r.stdout).toBe(''); // no result line: the run did not end
  }, 180_000);
});
