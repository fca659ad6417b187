/**
 * The pid lock file both locks use (src-main/engine/lockFile.ts): a lock whose process has exited
 * is taken over, a live process's lock refuses with the caller's error, and a release never
 * removes a lock that is no longer this process's (another process took it over meanwhile), and
 * two takers that find the same dead holder do not both end up holding the lock.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { takeLockFile, type LockFileOptions } from '../../src-main/engine/lockFile';
import { cleanStaleTemps } from '../../src-main/engine/export/atomic';
import { isProcessAlive } from '../../src-main/engine/pid';

let tmp: string;
let live: ReturnType<typeof spawn>;
let dead: number;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-lockfile-'));
  live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => gone.once('exit', r));
  dead = gone.pid!;
});
afterAll(async () => {
  await new Promise<void>((r) => {
    live.once('exit', () => r());
    live.kill('SIGKILL');
  });
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** A lock holding `<pid> <tag>`, judged by isProcessAlive, refusing with "held by <pid>". */
function opts(tag: string, over: Partial<LockFileOptions<{ pid: number }>> = {}): LockFileOptions<{ pid: number }> {
  return {
    text: `${process.pid} ${tag}\n`,
    parse: (t) => {
      const pid = Number(/^(\d+) /.exec(t)?.[1]);
      return pid > 0 ? { pid } : null;
    },
    alive: (pid) => isProcessAlive(pid),
    ownIsHeld: true,
    owner: 'text',
    writingMs: 10_000,
    held: ({ pid }) => new Error(`held by ${pid}`),
    starting: () => new Error('being taken'),
    ...over,
  };
}

describe('lockFile', () => {
  it("a dead process's lock is taken over: the file then names this process, and its release removes it", async () => {
    const file = path.join(tmp, 'dead.lock');
    await fsp.writeFile(file, `${dead} old\n`);
    const lock = await takeLockFile(file, opts('a'));
    expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} a\n`);
    expect(await lock.isMine()).toBe(true);
    await lock.release();
    await expect(fsp.access(file)).rejects.toThrow();
  });

  it("a live process's lock is refused with the caller's error and left exactly as it was", async () => {
    const file = path.join(tmp, 'live.lock');
    await fsp.writeFile(file, `${live.pid} theirs\n`);
    await expect(takeLockFile(file, opts('b'))).rejects.toThrow(`held by ${live.pid}`);
    expect(await fsp.readFile(file, 'utf8')).toBe(`${live.pid} theirs\n`);
  });

  it("this process's own lock: refused while it counts as held, taken again when it does not", async () => {
    const file = path.join(tmp, 'own.lock');
    const first = await takeLockFile(file, opts('c'));
    await expect(takeLockFile(file, opts('d'))).rejects.toThrow(`held by ${process.pid}`);
    expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} c\n`);
    const again = await takeLockFile(file, opts('e', { ownIsHeld: false }));
    expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} e\n`);
    // The first holder's release (by its text) leaves the lock that replaced it.
    await first.release();
    expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} e\n`);
    await again.release();
    await expect(fsp.access(file)).rejects.toThrow();
  });

  it("a release after another process took the lock over leaves the other's lock (by text and by pid)", async () => {
    for (const owner of ['text', 'pid'] as const) {
      const file = path.join(tmp, `taken-${owner}.lock`);
      const lock = await takeLockFile(file, opts('f', { owner }));
      await fsp.writeFile(file, `${live.pid} theirs\n`); // taken over by another process
      expect(await lock.isMine()).toBe(false);
      await lock.release();
      expect(await fsp.readFile(file, 'utf8')).toBe(`${live.pid} theirs\n`);
    }
  });

  it('a lock naming no process: young is being written (refused), old is broken and taken', async () => {
    const file = path.join(tmp, 'empty.lock');
    await fsp.writeFile(file, '');
    await expect(takeLockFile(file, opts('g'))).rejects.toThrow('being taken');
    expect(await fsp.readFile(file, 'utf8')).toBe('');
    const old = new Date(Date.now() - 60_000);
    await fsp.utimes(file, old, old);
    const lock = await takeLockFile(file, opts('h'));
    expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} h\n`);
    await lock.release();
  });

  it("a pid judged not the writer (the caller's judge) is taken over even though the process lives", async () => {
    const file = path.join(tmp, 'reused.lock');
    await fsp.writeFile(file, `${live.pid} before-reboot\n`);
    const lock = await takeLockFile(file, opts('i', { alive: () => false }));
    expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} i\n`);
    await lock.release();
  });

  it('two takers that read the same dead holder: the one overtaken by the other\'s takeover is refused, and the winner\'s lock is left', async () => {
    const file = path.join(tmp, 'race.lock');
    const staleText = `${dead} old\n`;
    await fsp.writeFile(file, staleText);
    // The race made deterministic through the file system: the first taker reads the dead holder
    // and waits; the second reads it too and waits until the first has taken the lock over.
    const realRead = fsp.readFile.bind(fsp) as (...a: unknown[]) => Promise<string | Buffer>;
    let firstRead!: () => void;
    const firstHasRead = new Promise<void>((r) => (firstRead = r));
    let secondRead!: () => void;
    const secondHasRead = new Promise<void>((r) => (secondRead = r));
    let first!: Promise<unknown>;
    let staleReads = 0;
    const spy = vi.spyOn(fsp, 'readFile').mockImplementation((async (...args: unknown[]) => {
      const out = await realRead(...args);
      if (args[0] === file && out === staleText) {
        staleReads++;
        if (staleReads === 1) {
          firstRead();
          await secondHasRead;
        } else if (staleReads === 2) {
          secondRead();
          await first.catch(() => undefined);
        }
      }
      return out;
    }) as typeof fsp.readFile);
    try {
      first = takeLockFile(file, opts('first'));
      await firstHasRead;
      const second = takeLockFile(file, opts('second'));
      const [a, b] = await Promise.allSettled([first, second]);
      expect(staleReads).toBe(2); // both read the dead holder before either took it over
      expect(a.status).toBe('fulfilled');
      expect(b.status).toBe('rejected');
      expect((b as PromiseRejectedResult).reason).toEqual(new Error(`held by ${process.pid}`));
      expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} first\n`);
      const lock = (a as PromiseFulfilledResult<Awaited<ReturnType<typeof takeLockFile>>>).value;
      expect(await lock.isMine()).toBe(true);
      // Nothing left beside the lock (the dead holder's moved-aside file is removed).
      expect((await fsp.readdir(tmp)).filter((n) => n.startsWith('race.lock'))).toEqual(['race.lock']);
      await lock.release();
      await expect(fsp.access(file)).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
  });

  it('two takers released together after both read the same dead holder: exactly one holds the lock, whichever order their steps take', async () => {
    const file = path.join(tmp, 'race2.lock');
    const staleText = `${dead} old\n`;
    const realRead = fsp.readFile.bind(fsp) as (...a: unknown[]) => Promise<string | Buffer>;
    for (let round = 0; round < 20; round++) {
      await fsp.writeFile(file, staleText);
      let release!: () => void;
      const bothRead = new Promise<void>((r) => (release = r));
      let staleReads = 0;
      const spy = vi.spyOn(fsp, 'readFile').mockImplementation((async (...args: unknown[]) => {
        const out = await realRead(...args);
        if (args[0] === file && out === staleText && ++staleReads <= 2) {
          if (staleReads === 2) release();
          await bothRead;
        }
        return out;
      }) as typeof fsp.readFile);
      try {
        const results = await Promise.allSettled([takeLockFile(file, opts('x')), takeLockFile(file, opts('y'))]);
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ tag: i === 0 ? 'x' : 'y', lock: r.value }] : []));
        expect(won.length).toBe(1);
        expect(await fsp.readFile(file, 'utf8')).toBe(`${process.pid} ${won[0].tag}\n`);
        await won[0].lock.release();
        expect((await fsp.readdir(tmp)).filter((n) => n.startsWith('race2.lock'))).toEqual([]);
      } finally {
        spy.mockRestore();
      }
    }
  });

  it("a file system error of the create is mapped by the caller's ioError", async () => {
    const file = path.join(tmp, 'no-such-folder', 'x.lock');
    await expect(takeLockFile(file, opts('j', { ioError: (e) => new Error(`IO: ${(e as NodeJS.ErrnoException).code}`) }))).rejects.toThrow('IO: ENOENT');
  });
});

describe('the export cleanup of dead holders\' locks', () => {
  it('leaves a fresh lock another export took between the cleanup\'s read and its removal', async () => {
    const dir = await fsp.mkdtemp(path.join(tmp, 'clean-'));
    const file = path.join(dir, '.generated.latentlab-lock');
    const staleText = `${dead} old\n`;
    const freshText = `${live.pid} fresh\n`;
    await fsp.writeFile(file, staleText);
    // Between the cleanup's read of the dead holder and what it does next, a live export takes
    // the lock over (its own takeover: the stale file replaced by its fresh one).
    const realRead = fsp.readFile.bind(fsp) as (...a: unknown[]) => Promise<string | Buffer>;
    let replaced = false;
    const spy = vi.spyOn(fsp, 'readFile').mockImplementation((async (...args: unknown[]) => {
      const out = await realRead(...args);
      if (!replaced && args[0] === file && out === staleText) {
        replaced = true;
        await fsp.rm(file);
        await fsp.writeFile(file, freshText, { flag: 'wx' });
      }
      return out;
    }) as typeof fsp.readFile);
    try {
      await cleanStaleTemps(dir, 'generated');
    } finally {
      spy.mockRestore();
    }
    expect(replaced).toBe(true);
    expect(await fsp.readFile(file, 'utf8')).toBe(freshText);
    expect((await fsp.readdir(dir)).filter((n) => n.includes('.stale-'))).toEqual([]);
  });
});
