/**
 * Reliability (issue #16 item 4): renaming a run while it trains. Every write of a run's
 * `config.json` goes through one queue per run with unique temp names, and a rename changes only
 * the name: 20 renames (in bursts of concurrent requests) during a 6-epoch run on the two-moons
 * toy set leave the run `done` with all 6 epochs in `metrics.jsonl`, the last rename's name, and
 * no temp file. Checkpoint temp folders that a killed engine left are removed at the next start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload, RunSummary } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';

let ws: string;
let engine: Engine;
/** Called synchronously from the engine's emit. */
let onEmit: ((name: EventName, payload: unknown) => void) | null = null;

const TOY = { dataset: { id: 'toy-moons' }, model: { kind: 'vae', latentDim: 2, hidden: [8] }, batchSize: 256, snapshotSize: 20 } as const;

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-rel-runs-'));
  engine = await Engine.create({ workspace: ws, emit: (name, payload) => onEmit?.(name, payload) });
}, 60_000);

afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
});

/** Files in a run folder that are neither the run's own files nor its model folder. */
async function strays(runId: string): Promise<string[]> {
  const dir = path.join(ws, 'runs', runId);
  return (await fs.readdir(dir)).filter((f) => !['config.json', 'metrics.jsonl', 'model'].includes(f));
}

describe('renaming a run while it trains (#16.4)', () => {
  it('20 renames in concurrent bursts during a 6-epoch run: the run finishes done, every epoch kept, the last name wins', async () => {
    const renames: Array<Promise<RunSummary>> = [];
    const names: string[] = [];
    let done: EventPayload<'training:done'> | null = null;
    const ended = new Promise<void>((resolve) => {
      // Bursts at the start (epoch-0 snapshot) and after epochs 1 and 2: 8 + 6 + 6 requests sent in
      // the same tick, racing each other and the training's own writes; epochs 3–6 write after them.
      const burst: Record<number, number> = { 0: 8, 1: 6, 2: 6 };
      onEmit = (name, payload) => {
        if (name === 'training:latents') {
          const p = payload as EventPayload<'training:latents'>;
          for (let i = 0; i < (burst[p.epoch] ?? 0); i++) {
            const n = `renamed ${names.length + 1} (epoch ${p.epoch})`;
            names.push(n);
            renames.push(engine.call('runs:rename', { runId: p.runId, name: n }));
          }
        } else if (name === 'training:done') {
          done = payload as EventPayload<'training:done'>;
          resolve();
        }
      };
    });
    const { runId } = await engine.call('training:start', { ...TOY, epochs: 6, name: 'original' });
    await ended;
    onEmit = null;
    const answers = await Promise.all(renames);

    expect(names).toHaveLength(20);
    expect(done!.state).toBe('done');
    expect(done!.error).toBeUndefined();
    // Every rename answered with its own name, on the record of a run still training.
    answers.forEach((a, i) => expect(a.name).toBe(names[i]));
    expect(answers.every((a) => a.state === 'training')).toBe(true);

    const listed = (await engine.call('runs:list', {})).find((r) => r.id === runId)!;
    expect(listed.name).toBe(names[19]);
    expect(listed.state).toBe('done');
    expect(listed.epochsDone).toBe(6);
    expect(listed.metrics).not.toBeNull();
    const onDisk = JSON.parse(await fs.readFile(path.join(ws, 'runs', runId, 'config.json'), 'utf8'));
    expect(onDisk).toMatchObject({ name: names[19], state: 'done', epochsDone: 6 });
    const lines = (await fs.readFile(path.join(ws, 'runs', runId, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await strays(runId)).toEqual([]);
    // The renamed run opens and serves.
    expect((await engine.call('runs:open', { runId })).name).toBe(names[19]);
    expect((await engine.call('model:generate', { count: 2, seed: 1 })).z.every(Number.isFinite)).toBe(true);
  }, 120_000);

  it('a rename changes only the name: every other field of config.json stays byte-identical', async () => {
    const { runId } = await engine.call('training:start', { ...TOY, epochs: 1 });
    await engine.waitForTraining();
    const file = path.join(ws, 'runs', runId, 'config.json');
    const before = JSON.parse(await fs.readFile(file, 'utf8'));
    // 10 at once: each answered, the last one sent wins.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => engine.call('runs:rename', { runId, name: `n${i}` })));
    expect(answers.map((a) => a.name)).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`));
    const after = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(after).toEqual({ ...before, name: 'n9' });
    expect(await strays(runId)).toEqual([]);
  }, 60_000);

  it('checkpoint temp folders of a killed engine are removed at start; a running engine\'s are kept', async () => {
    const deadPid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const dir = path.join(ws, 'runs', 'killed-mid-checkpoint');
    await fs.mkdir(path.join(dir, `model.tmp-${deadPid}`, 'encoder'), { recursive: true });
    await fs.writeFile(path.join(dir, `model.tmp-${deadPid}`, 'encoder', 'weights.bin'), new Uint8Array(4096));
    await fs.mkdir(path.join(dir, `model.tmp-${process.ppid}`)); // a live process's (the test runner's parent)
    await fs.mkdir(path.join(dir, 'model'));
    const again = await Engine.create({ workspace: ws, emit: () => undefined });
    await again.dispose();
    expect((await fs.readdir(dir)).sort()).toEqual(['model', `model.tmp-${process.ppid}`]);
  });

  it('renaming a run that is not there, or whose record is corrupt, is refused and writes nothing', async () => {
    await expect(engine.call('runs:rename', { runId: 'no-such-run', name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = path.join(ws, 'runs', 'corrupt-run');
    await fs.mkdir(bad);
    await fs.writeFile(path.join(bad, 'config.json'), '{"version": 1, "id": "corrupt-run"');
    await expect(engine.call('runs:rename', { runId: 'corrupt-run', name: 'x' })).rejects.toMatchObject({ code: 'BAD_FILE' });
    expect(await fs.readFile(path.join(bad, 'config.json'), 'utf8')).toBe('{"version": 1, "id": "corrupt-run"');
    expect(await fs.readdir(bad)).toEqual(['config.json']);
    await expect(fs.access(path.join(ws, 'runs', 'no-such-run'))).rejects.toThrow();
  });
});
