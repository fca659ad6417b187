/**
 * Reliability (issue #16, bugs 1 and 2) through the engine and the CLI: "overwrite" replaces only
 * a folder an export made; the user's files, plain files, links, the workspace and its folders,
 * run folders and the dataset folder in use are refused with a message naming what is there, and
 * nothing is touched. A destination that cannot be created (under /proc/<pid>/) fails as IO at
 * once; a cancel frees the export slot even when the export is stuck in a file-system call. An
 * export with a file the user edited is not replaced (named in the refusal).
 */
import { stderrLines } from './cliOutput';
import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { nodeFs, type FsSeam } from '../../src-main/engine/export';
import { makeFolderDataset, makeTemp, rmTemp } from '../fixtures/generate';
import { snapshot } from '../fixtures/snapshot';

let root: string;
let ws: string;
let dataset: string;
let engine: Engine;
let runId = '';
/** The seam hangs creating any folder whose path contains "stuck", until `unstick()`. */
let entered = () => {};
let unstick = () => {};
const stuck = new Promise<void>((r) => (unstick = r));
const exportFs: FsSeam = {
  ...nodeFs,
  mkdir: async (d) => {
    if (d.includes('stuck')) {
      entered();
      await stuck;
    }
    await nodeFs.mkdir(d);
  },
};

const FORMATS = ['imagefolder', 'idx', 'npz', 'embeddings'] as const;

beforeAll(async () => {
  root = await makeTemp('ll-overwrite-');
  ws = path.join(root, 'lab');
  dataset = path.join(root, 'my-digits');
  await makeFolderDataset(dataset, ['circle', 'bar'], 10);
  engine = await Engine.create({ workspace: ws, emit: () => undefined, exportFs });
  runId = (
    await engine.call('training:start', {
      dataset: { id: 'local', path: dataset },
      model: { kind: 'cvae', latentDim: 2, hidden: [16] },
      epochs: 1,
      batchSize: 8,
      snapshotSize: 0,
    })
  ).runId;
  await engine.waitForTraining();
  await engine.call('runs:open', { runId });
}, 120_000);

afterAll(async () => {
  unstick();
  await engine?.dispose();
  await rmTemp(root);
});

const start = (out: string, format: (typeof FORMATS)[number] = 'npz', overwrite = true) =>
  engine.handle('export:start', { runId, format, count: 3, out, overwrite });

describe('overwrite replaces only a folder an export made', () => {
  it('a folder with the user\'s files, a plain file and a link are refused in every format, untouched', async () => {
    const thesis = path.join(root, 'thesis');
    await fsp.mkdir(thesis);
    await fsp.writeFile(path.join(thesis, 'thesis.txt'), 'four years of work');
    const file = path.join(root, 'notes.txt');
    await fsp.writeFile(file, 'a plain file');
    const exported = path.join(root, 'exported');
    expect((await start(exported, 'idx', false)).ok).toBe(true);
    const link = path.join(root, 'link');
    await fsp.symlink(exported, link);
    const before = await snapshot(root);
    for (const format of FORMATS) {
      expect(await start(thesis, format), format).toMatchObject({
        ok: false,
        error: { code: 'EXISTS', message: expect.stringMatching(/thesis is not empty \(thesis\.txt\) and is not a Latent Lab export/) },
      });
      expect(await start(file, format), format).toMatchObject({
        ok: false,
        error: { code: 'EXISTS', message: expect.stringMatching(/notes\.txt is a file \(12 bytes\), not a folder/) },
      });
      expect(await start(link, format), format).toMatchObject({
        ok: false,
        error: { code: 'EXISTS', message: expect.stringMatching(/link is a symbolic link \(to .*exported\)/) },
      });
    }
    expect(await snapshot(root)).toEqual(before);
  });

  it('an export with a file of the user\'s added (even inside a label folder) is refused; without it, it is replaced', async () => {
    const out = path.join(root, 'gen');
    expect((await start(out, 'imagefolder', false)).ok).toBe(true);
    await fsp.writeFile(path.join(out, 'circle', 'my-drawing.png'), 'mine');
    for (const format of FORMATS) {
      expect(await start(out, format)).toMatchObject({
        ok: false,
        error: { code: 'EXISTS', message: expect.stringMatching(/plus files the export did not write \(circle\/my-drawing\.png\)/) },
      });
    }
    expect(await fsp.readFile(path.join(out, 'circle', 'my-drawing.png'), 'utf8')).toBe('mine');
    await fsp.rm(path.join(out, 'circle', 'my-drawing.png'));
    // Without overwrite an export is still refused, with a message saying what would allow it.
    expect(await start(out, 'npz', false)).toMatchObject({ ok: false, error: { code: 'EXISTS', message: expect.stringMatching(/already holds a Latent Lab export; allow overwriting/) } });
    for (const format of FORMATS) expect((await start(out, format)).ok, format).toBe(true);
    expect((await fsp.readdir(out)).sort()).toContain('projector_config.pbtxt');
    expect((await fsp.readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('the workspace, its folders, the run folder, the dataset in use, their parents and anything inside are refused', async () => {
    const before = await snapshot(root);
    const alias = path.join(root, 'alias-of-lab');
    await fsp.symlink(ws, alias);
    const cases: Array<[string, RegExp]> = [
      [ws, /lab is the Latent Lab workspace/],
      [alias, /alias-of-lab is the Latent Lab workspace/],
      [path.join(ws, 'runs'), /is the workspace's runs folder/],
      [path.join(ws, 'datasets'), /is the dataset cache/],
      [path.join(ws, 'runs', runId), /is the folder of run/],
      [path.join(ws, 'exports', 'new'), /is inside the Latent Lab workspace/],
      [path.join(alias, 'x'), /is inside the Latent Lab workspace/],
      [root, /contains the Latent Lab workspace/],
      [dataset, /is the dataset folder of run/],
      [path.join(dataset, 'generated'), /is inside the dataset folder of run/],
    ];
    for (const [out, msg] of cases) {
      for (const overwrite of [false, true]) {
        expect(await start(out, 'imagefolder', overwrite), out).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(msg) } });
      }
    }
    await fsp.rm(alias);
    expect(await snapshot(root)).toEqual(before);
    // The workspace still works: the run is listed and opens.
    expect((await engine.call('runs:list', {})).map((r) => r.id)).toContain(runId);
    expect((await engine.handle('runs:open', { runId })).ok).toBe(true);
  });
});

describe('bounded: no export hangs', () => {
  it('a destination under /proc/<pid>/ that cannot be created is an IO error at once, and the next export works', async () => {
    for (const out of [`/proc/${process.pid}/latent-export`, `/proc/${process.pid}/a/b/c`]) {
      const t0 = performance.now();
      const r = await start(out);
      const ms = performance.now() - t0;
      expect(r).toMatchObject({ ok: false, error: { code: 'IO', message: expect.stringMatching(/^cannot write \/proc\/\d+\/.*: the file system refused to create a folder in \/proc\/\d+ \(ENOENT\)$/) } });
      console.log(`[reliability] export to ${out}: IO after ${ms.toFixed(1)} ms`);
    }
    expect((await start(path.join(root, 'after-proc'))).ok).toBe(true);
  });

  it('cancel frees the slot while the export is stuck in a file-system call; the stuck one cleans up when it returns', async () => {
    const parent = path.join(root, 'stuck-parent'); // the seam hangs on paths with "stuck"
    await fsp.mkdir(parent);
    const inMkdir = new Promise<void>((r) => (entered = r));
    const first = start(path.join(parent, 'out'));
    await inMkdir; // the export is now inside a mkdir that does not return
    expect(await engine.call('export:cancel', {})).toEqual({ ok: true });
    // The next export is not BUSY, and completes.
    const next = await start(path.join(root, 'after-cancel'));
    expect(next.ok, JSON.stringify(next)).toBe(true);
    expect(await first).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    // When the call finally returns, the cancelled export removes what it made.
    unstick();
    await expect.poll(() => fsp.readdir(parent), { timeout: 10_000 }).toEqual([]);
    expect(existsSync(path.join(parent, 'out'))).toBe(false);
  });
});

describe('the CLI goes through the same rules', () => {
  const cliMain = path.resolve(__dirname, '../../src-main/cli/main.ts');
  const cli = (args: string[]) =>
    new Promise<{ code: number; stderr: string; stdout: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', cliMain, ...args], { cwd: path.resolve(__dirname, '../..'), env: { ...process.env, LATENT_LAB_HOME: ws } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr, stdout }),
      ),
    );

  it('generate --overwrite and embeddings --overwrite refuse the user\'s folder and the workspace, one line each', async () => {
    const thesis = path.join(root, 'cli-thesis');
    await fsp.mkdir(thesis);
    await fsp.writeFile(path.join(thesis, 'thesis.txt'), 'four years of work');
    const runDir = path.join(ws, 'runs', runId);
    const before = await snapshot(root);
    const [a, b, c] = await Promise.all([
      cli(['generate', '--run', runDir, '--format', 'npz', '--count', '2', '--out', thesis, '--overwrite']),
      cli(['embeddings', '--run', runDir, '--out', thesis, '--overwrite']),
      cli(['generate', '--run', runDir, '--format', 'idx', '--count', '2', '--out', ws, '--overwrite']),
    ]);
    for (const r of [a, b]) {
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/cli-thesis is not empty \(thesis\.txt\) and is not a Latent Lab export/);
    }
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/lab is the Latent Lab workspace: exports never write there/);
    expect(await snapshot(root)).toEqual(before);
  });
  it('generate --overwrite replaces an untouched export and refuses one with an image the user edited, naming it; generate and embeddings say what they wrote', async () => {
    const out = path.join(root, 'cli-edited');
    const runDir = path.join(ws, 'runs', runId);
    const gen = () => cli(['generate', '--run', runDir, '--format', 'imagefolder', '--count', '2', '--out', out, '--overwrite']);
    expect((await gen()).code).toBe(0);
    const first = await fsp.readFile(path.join(out, 'manifest.json'), 'utf8');
    const again = await gen();
    expect(stderrLines(again.stderr)).toEqual([]);
    expect(again.code).toBe(0);
    const total = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8')).total;
    expect(again.stdout.trim()).toBe(`wrote ${total} generated images sampled from N(0, I) as PNG folders with metadata.csv to ${out}`);
    expect(JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8')).created).not.toBe(JSON.parse(first).created);
    await fsp.writeFile(path.join(out, 'circle', '1.png'), 'my own circle');
    const r = await gen();
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('1 file was changed since it was written (circle/1.png)');
    expect(await fsp.readFile(path.join(out, 'circle', '1.png'), 'utf8')).toBe('my own circle');
    // embeddings says what it wrote in words: the test split's count, not "embeddings samples".
    const emb = path.join(root, 'cli-embeddings');
    const e = await cli(['embeddings', '--run', runDir, '--out', emb]);
    expect(e.code).toBe(0);
    const count = JSON.parse(await fsp.readFile(path.join(emb, 'manifest.json'), 'utf8')).count;
    expect(e.stdout.trim()).toBe(`wrote ${count} embeddings (test split) as TensorBoard projector files to ${emb}`);
  });
  it('a run folder outside the workspace (temporary workspace): the real workspace keeps the journal, and its interrupted swap is recovered', async () => {
    // An overwrite killed between its renames, recorded in the real workspace's journal by a dead engine.
    const parent = path.join(root, 'cli-killed');
    const out = path.join(parent, 'digits');
    expect((await start(out, 'npz', false)).ok).toBe(true);
    const old = path.join(parent, '.digits.latentlab-old-999999999-abcd');
    await fsp.rename(out, old);
    const rec = { version: 1, pid: 999_999_999, out, tmp: path.join(parent, '.digits.latentlab-tmp-999999999-abcd'), old, step: 'swapping' };
    await fsp.writeFile(path.join(ws, 'exports-in-progress', '999999999-abcd.json'), JSON.stringify(rec));
    const copy = path.join(root, 'run-copy');
    await fsp.cp(path.join(ws, 'runs', runId), copy, { recursive: true });
    const r = await cli(['generate', '--run', copy, '--format', 'idx', '--count', '2', '--out', path.join(root, 'cli-new')]);
    expect(stderrLines(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(await fsp.readdir(parent)).toEqual(['digits']); // the old export is back
    expect((await fsp.readdir(out)).sort()).toEqual(['generated.npz', 'manifest.json']);
    expect(await fsp.readdir(path.join(ws, 'exports-in-progress'))).toEqual([]);
  });
});
