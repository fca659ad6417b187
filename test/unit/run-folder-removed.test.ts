/**
 * A run's folder removed while the run trains (a user's `rm -rf`, a file manager's Delete): the
 * next checkpoint does not re-create it (no half run that looks like a run is left behind), and the
 * training stops with an error naming the folder. The command line's side of this is
 * cli-run-vanished.test.ts.
 */
import { existsSync, mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { EventName, EventPayload } from '../../src-shared/contract';
import type { TrainProgress } from '../../src-shared/types';
import { Engine } from '../../src-main/engine/engine';

let ws: string;
let engine: Engine;
let onEvent: ((name: EventName, payload: unknown) => void) | null = null;
beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-run-removed-'));
  engine = await Engine.create({ workspace: ws, emit: (name, payload) => onEvent?.(name, payload) });
}, 60_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
});

it("a run folder removed after the first epoch's report: no folder re-appears, the run ends with an error naming it", async () => {
  let runDir = '';
  let removedAt = 0;
  const done = new Promise<EventPayload<'training:done'>>((resolve) => {
    onEvent = (name, payload) => {
      if (name === 'training:done') resolve(payload as EventPayload<'training:done'>);
      const p = payload as TrainProgress;
      // The first epoch's end report goes out before its checkpoint is written: the folder goes now.
      if (name === 'training:progress' && p.val && !removedAt) {
        runDir = path.join(ws, 'runs', p.runId);
        expect(existsSync(path.join(runDir, 'config.json'))).toBe(true);
        rmSync(runDir, { recursive: true });
        removedAt = p.epoch;
      }
    };
  });
  const { runId } = await engine.call('training:start', {
    dataset: { id: 'toy-moons' },
    model: { kind: 'vae', latentDim: 2, hidden: [8] },
    epochs: 3,
    snapshotSize: 0,
  });
  const end = await done;
  onEvent = null;
  expect(removedAt).toBe(1);
  expect(end.state).toBe('error');
  expect(end.error?.message).toBe(`the run's folder ${runDir} was removed while training; nothing was written`);
  // Nothing re-created: no run folder (no model/, no config.json), and the run is not listed.
  expect(existsSync(runDir)).toBe(false);
  expect((await engine.call('runs:list', {})).map((r) => r.id)).not.toContain(runId);
  expect((await engine.call('training:status', {}))?.state).toBe('error');
}, 60_000);

it('a run folder removed between a checkpoint and its metrics line: the run ends with the same error, nothing re-created', async () => {
  const appendFile = fsp.appendFile.bind(fsp);
  let runDir = '';
  // The folder goes just before the first epoch's line is appended to metrics.jsonl (its
  // checkpoint and record are written by then).
  const spy = vi.spyOn(fsp, 'appendFile').mockImplementation((async (file: Parameters<typeof fsp.appendFile>[0], data: string) => {
    if (!runDir && String(file).endsWith(`${path.sep}metrics.jsonl`)) {
      runDir = path.dirname(String(file));
      expect(existsSync(path.join(runDir, 'model'))).toBe(true);
      rmSync(runDir, { recursive: true });
    }
    return appendFile(file, data);
  }) as typeof fsp.appendFile);
  try {
    const done = new Promise<EventPayload<'training:done'>>((resolve) => {
      onEvent = (name, payload) => {
        if (name === 'training:done') resolve(payload as EventPayload<'training:done'>);
      };
    });
    const { runId } = await engine.call('training:start', {
      dataset: { id: 'toy-moons' },
      model: { kind: 'vae', latentDim: 2, hidden: [8] },
      epochs: 3,
      snapshotSize: 0,
    });
    const end = await done;
    onEvent = null;
    expect(runDir).toBe(path.join(ws, 'runs', runId));
    expect(end.state).toBe('error');
    expect(end.error?.message).toBe(`the run's folder ${runDir} was removed while training; nothing was written`);
    expect(existsSync(runDir)).toBe(false);
    expect((await engine.call('runs:list', {})).map((r) => r.id)).not.toContain(runId);
  } finally {
    spy.mockRestore();
  }
}, 60_000);
