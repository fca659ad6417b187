import { readFileSync } from 'node:fs';

/** Whether a process with this pid is running (this process always is; EPERM means it exists). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The start time of process `pid` (ms since the epoch) from /proc, or null where it cannot be read (not Linux, gone). */
export function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]); // field 22, starttime
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
    return (btime + ticks / 100) * 1000; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * Whether `pid`, named in a file last written at `writtenMs`, is still the process that wrote it:
 * alive and — where its start time can be read (Linux) — started before that write, so that a pid
 * the system gave to another process since (after a reboot) is not taken for the writer.
 */
export function isWriterAlive(pid: number, writtenMs: number): boolean {
  if (!isProcessAlive(pid)) return false;
  if (pid === process.pid) return true;
  const started = processStartMs(pid);
  return started === null || started <= writtenMs + 2000;
}

/**
 * Which Latent Lab process `pid` is, from its command line (Linux /proc): the CLI (`cli`), a
 * browser-mode server's engine (`browser`), the desktop app's engine (`window`); undefined where
 * it cannot be told.
 */
export function latentLabProcess(pid: number): 'cli' | 'browser' | 'window' | undefined {
  let cmd: string;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
  if (/cli\.js|cli\/main\.ts|latent-lab(\.cjs)? /.test(cmd)) return 'cli';
  if (/engine-entry/.test(cmd)) return 'browser';
  if (/--type=utility|electron/i.test(cmd)) return 'window';
  return undefined;
}
