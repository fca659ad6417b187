/**
 * Reliability (issue #16 item 7): a full disk. ENOSPC is injected into the real `fs` calls that
 * write files (`fs.open`/`fs.write` as `write-file-atomic` makes them, `fs.promises.appendFile`,
 * `fs.promises.mkdir`) at each write of a training run in turn — the run folder, `config.json`,
 * every checkpoint file, `metrics.jsonl`, the last record — with the disk staying full from
 * there on, or failing once. Every time: an IO error naming the path (never INTERNAL), the run
 * ends `error` (never listed as `training`), no temp file is left, `metrics.jsonl` has whole
 * lines only, and a run with a saved epoch still opens. The dataset cache and the helpers get
 * the same check.
 */
import fs, { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import { LabError } from '../../src-shared/types';
import { Engine } from '../../src-main/engine/engine';
import { appendFileOrUndo, writeFileAtomic } from '../../src-main/engine/atomicWrite';
import { atomicWriteFile } from '../../src-main/engine/datasets/fsutil';

const enospc = (p: string) => Object.assign(new Error(`ENOSPC: no space left on device, write '${p}'`), { code: 'ENOSPC', path: p });

/**
 * Counts the file-writing fs calls under `root` and fails the `failAt`-th (1-based) — only that
 * one (`once`) or that one and every later one (`full`) — with ENOSPC after writing a few bytes,
 * as a disk filling up mid-write does.
 */
class DiskFault {
  calls: Array<{ op: string; file: string }> = [];
  failAt = Infinity;
  once = false;
  private fds = new Map<number, string>();

  constructor(private readonly root: string) {
    const open = fs.open;
    const write = fs.write;
    const appendFile = fsp.appendFile;
    const mkdir = fsp.mkdir;
    vi.spyOn(fs, 'open').mockImplementation(((...args: unknown[]) => {
      const cb = args.pop() as (err: Error | null, fd?: number) => void;
      (open as (...a: unknown[]) => void)(...args, (err: Error | null, fd?: number) => {
        if (!err && fd !== undefined) this.fds.set(fd, String(args[0]));
        cb(err, fd);
      });
    }) as typeof fs.open);
    vi.spyOn(fs, 'write').mockImplementation(((fd: number, ...rest: unknown[]) => {
      const file = this.fds.get(fd);
      if (file !== undefined && this.hit('write', file)) {
        const cb = rest.pop() as (err: Error) => void;
        fs.writeSync(fd, 'partial bytes'); // the disk filled up mid-write
        process.nextTick(cb, enospc(file));
        return;
      }
      (write as (...a: unknown[]) => void)(fd, ...rest);
    }) as typeof fs.write);
    vi.spyOn(fsp, 'appendFile').mockImplementation((async (file: fs.PathLike, data: string) => {
      if (this.hit('append', String(file))) {
        await appendFile(file, String(data).slice(0, 7));
        throw enospc(String(file));
      }
      return appendFile(file, data);
    }) as typeof fsp.appendFile);
    vi.spyOn(fsp, 'mkdir').mockImplementation((async (dir: fs.PathLike, opts?: fs.MakeDirectoryOptions) => {
      if (this.hit('mkdir', String(dir))) throw enospc(String(dir));
      return mkdir(dir, opts);
    }) as typeof fsp.mkdir);
  }

  /** Counts a call on a path under root; true when it must fail. */
  private hit(op: string, file: string): boolean {
    if (!path.resolve(file).startsWith(this.root + path.sep)) return false;
    this.calls.push({ op, file });
    const n = this.calls.length;
    return this.once ? n === this.failAt : n >= this.failAt;
  }

  arm(failAt: number, once: boolean): void {
    this.calls = [];
    this.failAt = failAt;
    this.once = once;
  }
}

/** Every file and folder under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(path.relative(dir, path.join(e.parentPath, e.name)) + (e.isDirectory() ? '/' : ''));
  }
  return out.sort();
}

const RUN_FILES = new Set([
  'config.json',
  'metrics.jsonl',
  'model/',
  'model/encoder/',
  'model/decoder/',
  'model/encoder/model.json',
  'model/encoder/weights.bin',
  'model/decoder/model.json',
  'model/decoder/weights.bin',
]);

describe('a full disk while a run trains (#16.7)', () => {
  let ws: string;
  let runsDir: string;
  let engine: Engine;
  let fault: DiskFault;
  let onDone: ((p: EventPayload<'training:done'>) => void) | null = null;
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => void unhandled.push(r);
  const TOY = { dataset: { id: 'toy-moons' }, model: { kind: 'vae', latentDim: 2, hidden: [8] }, epochs: 2, snapshotSize: 0 } as const;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    ws = mkdtempSync(path.join(os.tmpdir(), 'll-rel-disk-'));
    runsDir = path.join(ws, 'runs');
    engine = await Engine.create({
      workspace: ws,
      emit: (name: EventName, payload) => {
        if (name === 'training:done') onDone?.(payload as EventPayload<'training:done'>);
      },
    });
    fault = new DiskFault(runsDir);
  }, 60_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    process.off('unhandledRejection', onUnhandled);
    await engine?.dispose();
    rmSync(ws, { recursive: true, force: true });
  });

  /** Starts a run with the fault armed; resolves with its end (or the start's refusal). */
  async function attempt(failAt: number, once: boolean) {
    fault.arm(failAt, once);
    const before = new Set(await fsp.readdir(runsDir));
    const done = new Promise<EventPayload<'training:done'>>((resolve) => (onDone = resolve));
    try {
      const { runId } = await engine.call('training:start', TOY);
      return { runId, done: await done, refused: null, before };
    } catch (err) {
      return { runId: null, done: null, refused: err as LabError, before };
    } finally {
      onDone = null;
    }
  }

  let writes: Array<{ op: string; file: string }> = [];

  it('a clean run makes the writes this test fails one by one', async () => {
    const r = await attempt(Infinity, false);
    expect(r.done!.state).toBe('done');
    writes = fault.calls.map((c) => ({ op: c.op, file: path.relative(path.join(runsDir, r.runId!), c.file) }));
    const kinds = writes.map((w) => `${w.op} ${w.file.replace(/model\.tmp-\d+/, 'model.tmp').replace(/\.\d+$/, '.tmp')}`);
    // run folder, record, then per epoch: checkpoint (3 folders, 4 files), record, metrics line; last record.
    const epoch = [
      'mkdir model.tmp',
      'mkdir model.tmp/encoder',
      'write model.tmp/encoder/weights.bin.tmp',
      'write model.tmp/encoder/model.json.tmp',
      'mkdir model.tmp/decoder',
      'write model.tmp/decoder/weights.bin.tmp',
      'write model.tmp/decoder/model.json.tmp',
      'write config.json.tmp',
      'append metrics.jsonl',
    ];
    expect(kinds).toEqual(['mkdir ', 'write config.json.tmp', ...epoch, ...epoch, 'write config.json.tmp']);
  }, 60_000);

  it('ENOSPC at each write, the disk staying full: IO with the path, the run ends error, nothing left behind', async () => {
    expect(writes.length).toBe(21);
    for (let k = 1; k <= writes.length; k++) await checkCase(k, false);
  }, 300_000);

  it('ENOSPC once, at the first checkpoint, the first record of an epoch and the last record: the run still ends error', async () => {
    for (const k of [3, 10, 21]) await checkCase(k, true);
  }, 120_000);

  it('with space again, the engine trains and saves as before', async () => {
    fault.arm(Infinity, false);
    const r = await attempt(Infinity, false);
    expect(r.done!.state).toBe('done');
    expect(await tree(path.join(runsDir, r.runId!))).toEqual([...RUN_FILES].sort());
    expect(unhandled).toEqual([]);
  }, 60_000);

  async function checkCase(k: number, once: boolean): Promise<void> {
    const what = `${once ? 'once' : 'full'} at #${k} (${writes[k - 1].op} ${writes[k - 1].file})`;
    const r = await attempt(k, once);
    fault.arm(Infinity, false);
    const after = await fsp.readdir(runsDir);
    if (r.refused) {
      // The run folder or its first record could not be written: the start is refused, nothing is left.
      expect(k, what).toBeLessThanOrEqual(2);
      expect(r.refused.code, what).toBe('IO');
      expect(r.refused.message, what).toMatch(new RegExp(`^no space left on device while (creating|writing) ${runsDir}/`));
      expect(after.filter((f) => !r.before.has(f)), what).toEqual([]);
      expect(await engine.call('training:status', {}).then((s) => s?.state ?? 'idle'), what).not.toBe('training');
      return;
    }
    expect(k, what).toBeGreaterThan(2);
    const runDir = path.join(runsDir, r.runId!);
    expect(r.done!.state, what).toBe('error');
    expect(r.done!.error?.code, what).toBe('IO');
    expect(r.done!.error?.message, what).toMatch(new RegExp(`^no space left on device while (creating|writing) ${runDir}/`));
    const listed = (await engine.call('runs:list', {})).find((x) => x.id === r.runId)!;
    expect(listed.state, what).toBe('error');
    expect(listed.error, what).toMatch(/no space left on device/);
    expect((await engine.call('training:status', {}))?.state, what).toBe('error');
    // No temp file or folder: only the run's own files.
    expect((await tree(runDir)).filter((f) => !RUN_FILES.has(f)), what).toEqual([]);
    // metrics.jsonl: whole lines only, one per saved epoch.
    const text = await fsp.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
    expect(text === '' || text.endsWith('\n'), what).toBe(true);
    const epochs = text.split('\n').filter(Boolean).map((l) => JSON.parse(l).epoch);
    expect(epochs, what).toEqual(epochs.map((_, i) => i + 1));
    if (listed.epochsDone > 0) {
      // What was saved still opens (the last good checkpoint).
      await engine.call('runs:open', { runId: r.runId });
      expect((await engine.call('model:generate', { count: 2, seed: 1 })).images.every(Number.isFinite), what).toBe(true);
    }
  }
});

describe('the write helpers on a full disk', () => {
  let dir: string;
  let failing: ((p: string) => boolean) | null = null;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'll-rel-disk-helpers-'));
    const write = fs.write;
    const appendFile = fsp.appendFile;
    const fds = new Map<number, string>();
    const open = fs.open;
    vi.spyOn(fs, 'open').mockImplementation(((...args: unknown[]) => {
      const cb = args.pop() as (err: Error | null, fd?: number) => void;
      (open as (...a: unknown[]) => void)(...args, (err: Error | null, fd?: number) => {
        if (!err && fd !== undefined) fds.set(fd, String(args[0]));
        cb(err, fd);
      });
    }) as typeof fs.open);
    vi.spyOn(fs, 'write').mockImplementation(((fd: number, ...rest: unknown[]) => {
      const file = fds.get(fd);
      if (file && failing?.(file)) {
        fs.writeSync(fd, 'partial');
        process.nextTick(rest.pop() as (e: Error) => void, enospc(file));
        return;
      }
      (write as (...a: unknown[]) => void)(fd, ...rest);
    }) as typeof fs.write);
    vi.spyOn(fsp, 'appendFile').mockImplementation((async (file: fs.PathLike, data: string) => {
      if (failing?.(String(file))) {
        await appendFile(file, String(data).slice(0, 3));
        throw enospc(String(file));
      }
      return appendFile(file, data);
    }) as typeof fsp.appendFile);
  });
  afterEach(() => {
    failing = null;
  });
  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writeFileAtomic keeps the old content, removes its temp file and says IO with the path', async () => {
    const file = path.join(dir, 'config.json');
    await writeFileAtomic(file, 'old');
    failing = (p) => p.startsWith(file);
    await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({ code: 'IO', message: `no space left on device while writing ${file}` });
    await expect(writeFileAtomic(file, new Uint8Array(10))).rejects.toMatchObject({ code: 'IO' });
    expect(await fsp.readFile(file, 'utf8')).toBe('old');
    expect(await fsp.readdir(dir)).toEqual(['config.json']);
  });

  it('appendFileOrUndo cuts a failed append back: no torn line', async () => {
    const file = path.join(dir, 'metrics.jsonl');
    await appendFileOrUndo(file, '{"epoch":1}\n');
    failing = (p) => p === file;
    await expect(appendFileOrUndo(file, '{"epoch":2}\n')).rejects.toMatchObject({ code: 'IO', message: `no space left on device while writing ${file}` });
    expect(await fsp.readFile(file, 'utf8')).toBe('{"epoch":1}\n');
  });

  it('a dataset cache file: IO with the path, no temp file, an older copy kept', async () => {
    const cache = path.join(dir, 'datasets', 'mnist-full', 'train-images-idx3-ubyte.gz');
    await atomicWriteFile(cache, new Uint8Array([1, 2, 3]));
    failing = (p) => p.startsWith(cache);
    const err = await atomicWriteFile(cache, new Uint8Array(1000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err).toMatchObject({ code: 'IO', message: `no space left on device while writing ${cache}` });
    expect([...(await fsp.readFile(cache))]).toEqual([1, 2, 3]);
    expect(await fsp.readdir(path.dirname(cache))).toEqual([path.basename(cache)]);
  });
});
