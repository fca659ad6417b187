/**
 * The engine's side of importing: `datasets:inspect` (report + a per-class preview of what will
 * be trained), `datasets:cancel`, errors before a run exists, and runs saved before issue #12
 * (`folder`, shape `[H, W]`) still opening.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo } from '../../src-main/engine/datasets';
import { Engine } from '../../src-main/engine/engine';
import { RunStore } from '../../src-main/engine/runs';
import { LabError } from '../../src-shared/types';
import { classFolders } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
let engine: Engine;
const events: Array<{ name: string; payload: unknown }> = [];
let onEvent: ((name: string, payload: unknown) => void) | null = null;

beforeAll(async () => {
  tmp = await makeTemp('ll-ds-engine-');
  engine = await Engine.create({
    workspace: path.join(tmp, 'ws'),
    emit: (name, payload) => {
      events.push({ name, payload });
      onEvent?.(name, payload);
    },
  });
}, 60_000);

afterAll(async () => {
  await engine.dispose();
  await rmTemp(tmp);
});

describe('datasets:inspect', () => {
  it('returns the report and, per class in class order, the first images exactly as trained', async () => {
    const root = path.join(tmp, 'digits');
    await classFolders(root, ['a', 'b', 'c'], 5);
    const r = await engine.call('datasets:inspect', { dataset: { id: 'local', path: root }, perClass: 3 });
    expect(r.report.kind).toBe('imagefolder');
    expect(r.info.labelNames).toEqual(['a', 'b', 'c']);
    expect(r.preview.count).toBe(9);
    expect(Array.from(r.preview.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(r.preview.shape).toEqual([28, 28, 1]);
    // The preview rows are the training rows: the first training image of class "b" is preview row 3.
    const sample = await engine.call('datasets:sample', { dataset: { id: 'local', path: root }, split: 'train', offset: 0, count: 12 });
    const firstB = Array.from(sample.labels).indexOf(1);
    expect(Array.from(r.preview.images.subarray(3 * 784, 4 * 784))).toEqual(Array.from(sample.images.subarray(firstB * 784, (firstB + 1) * 784)));
  });

  it('datasets:cancel stops an import in progress (CANCELLED); the next one completes', async () => {
    const root = path.join(tmp, 'many');
    await classFolders(root, ['x', 'y'], 150);
    clearDatasetMemo();
    onEvent = (name, payload) => {
      if (name === 'dataset:progress' && (payload as { phase: string; loaded: number }).phase === 'decode' && (payload as { loaded: number }).loaded > 0) {
        onEvent = null;
        void engine.call('datasets:cancel', {});
      }
    };
    const err = await engine.call('datasets:inspect', { dataset: { id: 'local', path: root }, perClass: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('CANCELLED');
    const ok = await engine.call('datasets:inspect', { dataset: { id: 'local', path: root }, perClass: 2 });
    expect(ok.info.trainCount + ok.info.testCount).toBe(300);
  });

  it('too little data fails training:start before a run is created', async () => {
    const root = path.join(tmp, 'tiny');
    await classFolders(root, ['p', 'q'], 1);
    const err = await engine.call('training:start', { dataset: { id: 'local', path: root }, epochs: 1 }).catch((e: unknown) => e);
    expect((err as LabError).code).toBe('BAD_DATASET');
    expect((err as LabError).message).toMatch(/too little data/);
    expect(await engine.call('runs:list', {})).toEqual([]);
  });
});

describe('runs saved before issue #12', () => {
  it('"folder" reads as "local" and shape [28, 28] as [28, 28, 1]', async () => {
    const ws = path.join(tmp, 'old-ws');
    const dir = path.join(ws, 'runs', 'old-run');
    await fsp.mkdir(dir, { recursive: true });
    const old = {
      version: 1,
      id: 'old-run',
      name: 'an old run',
      created: '2026-01-01T00:00:00.000Z',
      config: { dataset: { id: 'folder', path: '/data/digits' }, epochs: 3 },
      state: 'done',
      epochsDone: 3,
      metrics: null,
      inputDim: 784,
      numClasses: 10,
      shape: [28, 28],
      labelNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      output: 'bernoulli',
      latentStats: null,
    };
    await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify(old));
    const store = new RunStore(ws);
    const rec = await store.read('old-run');
    expect(rec.config.dataset).toEqual({ id: 'local', path: '/data/digits' });
    expect(rec.shape).toEqual([28, 28, 1]);
    expect(rec.datasetReport).toBeUndefined();
    const [listed] = await store.list();
    expect(listed.config.dataset.id).toBe('local');
    expect(listed.error).toBeUndefined();
  });
});
