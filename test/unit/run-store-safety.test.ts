/**
 * The run store deletes only what is a finished-with run of ours (tester report 3, findings 2–5):
 * a folder's name is its run id (a copied run folder is a run of its own, the list never has two
 * rows with one id); a folder that is not a Latent Lab run is listed as such and never deleted; a
 * run folder holding a user's file is not deleted (the file named); a run another live process
 * trains is neither renamed nor deleted (BUSY); an interrupted run with saved epochs opens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';

let ws: string;
let engine: Engine;
let runId: string;
let sleeper: ChildProcess;
const runsDir = () => path.join(ws, 'runs');

const TOY = { dataset: { id: 'toy-moons' }, model: { kind: 'vae', latentDim: 2, hidden: [8] }, batchSize: 256, snapshotSize: 20, epochs: 1 } as const;

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-run-safety-'));
  engine = await Engine.create({ workspace: ws, emit: () => {} });
  runId = (await engine.call('training:start', { ...TOY, name: 'original' })).runId;
  await engine.waitForTraining();
  // A live process that is not this one: stands for the CLI training a run.
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
}, 120_000);

afterAll(async () => {
  sleeper?.kill();
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
});

/** A copy of the trained run under `id`, its record changed by `edit`. */
async function copyRun(id: string, edit: (rec: Record<string, unknown>) => void = () => {}): Promise<string> {
  const dir = path.join(runsDir(), id);
  await fs.cp(path.join(runsDir(), runId), dir, { recursive: true });
  const rec = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
  edit(rec);
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(rec));
  return dir;
}

describe('the folder name is the run id (finding 4)', () => {
  it('three copies of one run folder are four rows with four ids; a copy says whose copy it is, opens, renames and deletes alone', async () => {
    for (const id of ['copy-a', 'copy-b', 'copy-c']) await copyRun(id);
    const listed = await engine.call('runs:list', {});
    const ids = listed.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([runId, 'copy-a', 'copy-b', 'copy-c']));
    expect(listed.find((r) => r.id === 'copy-b')).toMatchObject({ copyOf: runId, name: 'original', state: 'done' });
    expect(listed.find((r) => r.id === runId)!.copyOf).toBeUndefined();

    expect((await engine.call('runs:open', { runId: 'copy-b' })).id).toBe('copy-b');
    await engine.call('runs:rename', { runId: 'copy-b', name: 'the backup' });
    const after = await engine.call('runs:list', {});
    expect(after.find((r) => r.id === 'copy-b')).toMatchObject({ name: 'the backup', copyOf: runId });
    expect(after.find((r) => r.id === runId)!.name).toBe('original');
    const written = JSON.parse(await fs.readFile(path.join(runsDir(), 'copy-b', 'config.json'), 'utf8'));
    expect(written).toMatchObject({ id: 'copy-b', copyOf: runId, name: 'the backup' });

    for (const id of ['copy-a', 'copy-b', 'copy-c']) await engine.call('runs:delete', { runId: id });
    expect(existsSync(path.join(runsDir(), runId, 'model'))).toBe(true);
    expect((await engine.call('runs:list', {})).map((r) => r.id)).toEqual([runId]);
    await engine.call('runs:open', { runId });
  });
});

describe('a copy a file manager named (verifier N2)', () => {
  it('"… copy", "… (2)", "… - Copy" are listed, not silently missing: not openable, saying what to rename them to; nothing is deleted', async () => {
    const names = [`${runId} copy`, `${runId} (2)`, `${runId} - Copy`, 'café run'];
    for (const name of names) await copyRun(name);
    const listed = await engine.call('runs:list', {});
    for (const name of names) {
      const row = listed.find((r) => r.id === name);
      expect(row?.notRun).toMatch(/^the folder name ".+" has characters a run's name cannot hold .*: rename the folder, e\.g\. to "[A-Za-z0-9._-]+", to open it here$/);
      expect(row?.error).toMatch(/^not openable: /);
    }
    expect(listed.find((r) => r.id === `${runId} (2)`)).toMatchObject({ renameTo: `${runId}-2` });
    // A folder of notes with a space is still "not a Latent Lab run", with no rename advice.
    await fs.mkdir(path.join(runsDir(), 'my notes 2'));
    const notes = (await engine.call('runs:list', {})).find((r) => r.id === 'my notes 2');
    expect(notes?.notRun).toMatch(/no config\.json/);
    expect(notes?.renameTo).toBeUndefined();
    await fs.rm(path.join(runsDir(), 'my notes 2'), { recursive: true });
    await expect(engine.call('runs:delete', { runId: `${runId} copy` })).rejects.toThrow();
    for (const name of names) {
      expect(existsSync(path.join(runsDir(), name, 'config.json'))).toBe(true);
      await fs.rm(path.join(runsDir(), name), { recursive: true });
    }
  });
});

describe('only a Latent Lab run is deleted (finding 3)', () => {
  it('a folder of notes is listed as not a run (no invented model) and is not deleted; a loose file is neither listed nor deleted', async () => {
    const notes = path.join(runsDir(), 'my-notes');
    await fs.mkdir(notes);
    await fs.writeFile(path.join(notes, 'notes.txt'), 'mine');
    const other = path.join(runsDir(), 'Dec01_10-00-00_host');
    await fs.mkdir(other);
    await fs.writeFile(path.join(other, 'config.json'), JSON.stringify({ lr: 0.1 }));
    await fs.writeFile(path.join(runsDir(), 'stray.txt'), 'loose');

    const listed = await engine.call('runs:list', {});
    expect(listed.find((r) => r.id === 'my-notes')).toMatchObject({ notRun: expect.stringMatching(/no config\.json/), error: expect.stringMatching(/^not a Latent Lab run: /) });
    expect(listed.find((r) => r.id === 'Dec01_10-00-00_host')!.notRun).toMatch(/not a Latent Lab run record/);
    expect(listed.find((r) => r.id === 'stray.txt')).toBeUndefined();

    for (const id of ['my-notes', 'Dec01_10-00-00_host', 'stray.txt']) {
      const r = await engine.handle('runs:delete', { runId: id });
      expect(r, id).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    expect(await engine.handle('runs:delete', { runId: 'my-notes' })).toMatchObject({
      error: { message: expect.stringMatching(/not a Latent Lab run \(no config\.json.*remove it yourself/) },
    });
    expect(await fs.readFile(path.join(notes, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await fs.readFile(path.join(other, 'config.json'), 'utf8')).toContain('lr');
    expect(await fs.readFile(path.join(runsDir(), 'stray.txt'), 'utf8')).toBe('loose');
    for (const p of [notes, other, path.join(runsDir(), 'stray.txt')]) await fs.rm(p, { recursive: true });
  });

  it('a run folder holding a file of the user is not deleted: the list and the refusal name the file', async () => {
    const dir = await copyRun('with-notes');
    await fs.writeFile(path.join(dir, 'notes.txt'), 'mine');
    await fs.writeFile(path.join(dir, 'model', 'encoder', 'README'), 'mine too');
    const listed = (await engine.call('runs:list', {})).find((r) => r.id === 'with-notes')!;
    expect(listed.foreignFiles).toEqual(['model/encoder/README', 'notes.txt']);
    expect(listed.error).toBeUndefined();
    const r = await engine.handle('runs:delete', { runId: 'with-notes' });
    expect(r).toMatchObject({ ok: false, error: { code: 'EXISTS', message: expect.stringMatching(/2 files Latent Lab did not write \(model\/encoder\/README, notes\.txt\)/) } });
    expect(existsSync(path.join(dir, 'config.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'model', 'encoder', 'weights.bin'))).toBe(true);
    await fs.rm(path.join(dir, 'notes.txt'));
    await fs.rm(path.join(dir, 'model', 'encoder', 'README'));
    await engine.call('runs:delete', { runId: 'with-notes' });
    expect(existsSync(dir)).toBe(false);
  });

  it('a file manager’s view files (.DS_Store that Finder writes just by showing a folder, Thumbs.db, desktop.ini) do not keep a run from being deleted', async () => {
    const dir = await copyRun('viewed-in-finder');
    await fs.writeFile(path.join(dir, '.DS_Store'), 'finder');
    await fs.writeFile(path.join(dir, 'model', '.DS_Store'), 'finder');
    await fs.writeFile(path.join(dir, 'model', 'encoder', 'Thumbs.db'), 'explorer');
    await fs.writeFile(path.join(dir, 'desktop.ini'), 'explorer');
    expect((await engine.call('runs:list', {})).find((r) => r.id === 'viewed-in-finder')!.foreignFiles).toBeUndefined();
    await engine.call('runs:delete', { runId: 'viewed-in-finder' });
    expect(existsSync(dir)).toBe(false);
  });

  it('what Latent Lab itself leaves is its own: a torn atomic write, a checkpoint temp, an early version’s encoder/ beside config.json', async () => {
    const dir = await copyRun('own-leftovers');
    await fs.writeFile(path.join(dir, 'config.json.123456789'), '{');
    await fs.cp(path.join(dir, 'model'), path.join(dir, 'model.tmp-99999999'), { recursive: true });
    await fs.cp(path.join(dir, 'model', 'encoder'), path.join(dir, 'encoder'), { recursive: true });
    await fs.writeFile(path.join(dir, 'encoder', 'weights.bin.tmp-12-1700000000000'), '');
    expect((await engine.call('runs:list', {})).find((r) => r.id === 'own-leftovers')!.foreignFiles).toBeUndefined();
    await engine.call('runs:delete', { runId: 'own-leftovers' });
    expect(existsSync(dir)).toBe(false);
  });

  it('a run folder that is a link: only the link goes', async () => {
    const target = await copyRun('link-target');
    const outside = path.join(ws, 'elsewhere');
    await fs.rename(target, outside);
    await fs.symlink(outside, path.join(runsDir(), 'linked'), 'dir');
    await engine.call('runs:delete', { runId: 'linked' });
    expect(existsSync(path.join(runsDir(), 'linked'))).toBe(false);
    expect(existsSync(path.join(outside, 'config.json'))).toBe(true);
  });
});

describe('a run another process trains (finding 2)', () => {
  it('is listed with the pid that trains it and refuses rename and delete with BUSY; its folder is untouched', async () => {
    const dir = await copyRun('trained-elsewhere', (rec) => {
      rec.id = 'trained-elsewhere';
      rec.state = 'training';
      rec.pid = sleeper.pid;
    });
    const listed = (await engine.call('runs:list', {})).find((r) => r.id === 'trained-elsewhere')!;
    expect(listed).toMatchObject({ state: 'training', trainedBy: sleeper.pid });
    for (const [name, req] of [
      ['runs:delete', { runId: 'trained-elsewhere' }],
      ['runs:rename', { runId: 'trained-elsewhere', name: 'x' }],
    ] as const) {
      const r = await engine.handle(name, req as never);
      expect(r, name).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(new RegExp(`another Latent Lab process \\(pid ${sleeper.pid}`)) } });
    }
    expect(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')).name).toBe('original');
    expect(existsSync(path.join(dir, 'model', 'decoder', 'weights.bin'))).toBe(true);
  });

  it.runIf(process.platform === 'linux')('a pid the system gave to a process started after the record was last written (a reboot) is not its trainer: interrupted, deletable', async () => {
    const dir = await copyRun('pid-reused', (rec) => Object.assign(rec, { id: 'pid-reused', state: 'training', pid: sleeper.pid }));
    const hourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(path.join(dir, 'config.json'), hourAgo, hourAgo);
    const listed = (await engine.call('runs:list', {})).find((r) => r.id === 'pid-reused')!;
    expect(listed).toMatchObject({ state: 'error', interruptedAfter: 1 });
    expect(listed.trainedBy).toBeUndefined();
    await engine.call('runs:delete', { runId: 'pid-reused' });
  });

  it('a copy made while its original trained is not trained by anyone: interrupted, deletable', async () => {
    await copyRun('copied-mid-training', (rec) => {
      rec.state = 'training';
      rec.pid = sleeper.pid;
    });
    const listed = (await engine.call('runs:list', {})).find((r) => r.id === 'copied-mid-training')!;
    expect(listed).toMatchObject({ copyOf: runId, interruptedAfter: 1 });
    expect(listed.trainedBy).toBeUndefined();
    await engine.call('runs:delete', { runId: 'copied-mid-training' });
  });
});

describe('an interrupted run (finding 5)', () => {
  it('with saved epochs says after how many and opens; with none it stays unreadable', async () => {
    await copyRun('interrupted', (rec) => {
      rec.id = 'interrupted';
      rec.state = 'training';
      rec.pid = 99_999_999;
    });
    await copyRun('interrupted-0', (rec) => {
      rec.id = 'interrupted-0';
      rec.state = 'training';
      rec.pid = 99_999_999;
      rec.epochsDone = 0;
    });
    const listed = await engine.call('runs:list', {});
    expect(listed.find((r) => r.id === 'interrupted')).toMatchObject({ interruptedAfter: 1, error: expect.stringMatching(/^interrupted/) });
    expect(listed.find((r) => r.id === 'interrupted-0')!.interruptedAfter).toBeUndefined();
    expect((await engine.call('runs:open', { runId: 'interrupted' })).id).toBe('interrupted');
    await engine.call('runs:open', { runId });
    for (const id of ['interrupted', 'interrupted-0']) await engine.call('runs:delete', { runId: id });
  });
});
