/**
 * Renaming a run (tester finding K3.2): a name another run already has is refused by the engine
 * (EXISTS, "another run is already named “…”"), nothing written, so Saved runs and Compare's
 * pickers never show two runs under one name; a run keeps its own name when renamed to it; a name
 * over 200 characters is refused (INVALID_PAYLOAD) and the record is unchanged.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';

let ws: string;
let engine: Engine;
let runId: string;
const record = (id: string) => path.join(ws, 'runs', id, 'config.json');

const TOY = { dataset: { id: 'toy-moons' }, model: { kind: 'vae', latentDim: 2, hidden: [8] }, batchSize: 256, snapshotSize: 20, epochs: 1 } as const;

/** A copy of the trained run as folder `id`, named `name` (as a user's `cp -a` plus an edit). */
async function copyNamed(id: string, name: string): Promise<void> {
  const dir = path.join(ws, 'runs', id);
  await fs.cp(path.join(ws, 'runs', runId), dir, { recursive: true });
  const rec = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ ...rec, id, name }));
}

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-run-rename-'));
  engine = await Engine.create({ workspace: ws, emit: () => {} });
  runId = (await engine.call('training:start', { ...TOY, name: 'first' })).runId;
  await engine.waitForTraining();
  await copyNamed('second-run', 'second');
}, 120_000);

afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
});

describe('renaming a run to a name another run has', () => {
  it('is refused in words naming the other run; neither record changes', async () => {
    const before = await fs.readFile(record(runId), 'utf8');
    const other = await fs.readFile(record('second-run'), 'utf8');
    const answer = await engine.handle('runs:rename', { runId, name: 'second' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'EXISTS' } });
    const message = (answer as { error: { message: string } }).error.message;
    expect(message).toContain('another run is already named “second”');
    expect(message).toContain('second-run');
    // Spaces around it are not another name.
    expect(await engine.handle('runs:rename', { runId, name: '  second ' })).toMatchObject({ ok: false, error: { code: 'EXISTS' } });
    expect(await fs.readFile(record(runId), 'utf8')).toBe(before);
    expect(await fs.readFile(record('second-run'), 'utf8')).toBe(other);
    const names = (await engine.call('runs:list', {})).map((r) => r.name).sort();
    expect(names).toEqual(['first', 'second']);
  });

  it('two renames at once to one free name: one is kept, the other refused', async () => {
    const answers = await Promise.all([
      engine.handle('runs:rename', { runId, name: 'both want it' }),
      engine.handle('runs:rename', { runId: 'second-run', name: 'both want it' }),
    ]);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok)).toMatchObject([{ error: { code: 'EXISTS' } }]);
    const names = (await engine.call('runs:list', {})).map((r) => r.name);
    expect(names.filter((n) => n === 'both want it')).toHaveLength(1);
    await engine.call('runs:rename', { runId, name: 'first' });
    await engine.call('runs:rename', { runId: 'second-run', name: 'second' });
  });

  it('a run renamed to its own name, or to a free one, is renamed', async () => {
    expect((await engine.call('runs:rename', { runId, name: 'first' })).name).toBe('first');
    expect((await engine.call('runs:rename', { runId, name: 'Second' })).name).toBe('Second');
    expect(JSON.parse(await fs.readFile(record(runId), 'utf8')).name).toBe('Second');
    await engine.call('runs:rename', { runId, name: 'first' });
  });
});

describe('a name over 200 characters', () => {
  it('is refused (INVALID_PAYLOAD) and nothing is written; 200 is kept', async () => {
    const before = await fs.readFile(record(runId), 'utf8');
    expect(await engine.handle('runs:rename', { runId, name: 'x'.repeat(201) })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await fs.readFile(record(runId), 'utf8')).toBe(before);
    expect((await engine.call('runs:rename', { runId, name: 'x'.repeat(200) })).name).toBe('x'.repeat(200));
  });
});
