/**
 * Reliability (issue #16 item 8): a request sent without a payload (`undefined`, or `null` as a
 * hostile client sends it) is INVALID_PAYLOAD unless the request takes no input. Before, a
 * `training:start` with `null` started a default 30-epoch run.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError, REQUEST_NAMES, parseRequest, type RequestName } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';

/** The requests whose input is empty: the only ones a missing payload may stand for. */
const NO_INPUT = new Set<RequestName>([
  'engine:info',
  'datasets:list',
  'datasets:cancel',
  'training:pause',
  'training:resume',
  'training:stop',
  'training:status',
  'runs:list',
  'model:dimStats',
  'projection:cancel',
  'export:cancel',
  'classifier:cancel',
  'classifier:start',
]);

function outcome(name: RequestName, payload: unknown): string {
  try {
    parseRequest(name, payload);
    return 'ok';
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    return `${err.code}: ${err.message}`;
  }
}

describe('a missing payload (#16.8)', () => {
  it.each(REQUEST_NAMES)('%s: undefined and null are refused exactly when the request has input', (name) => {
    for (const payload of [undefined, null]) {
      const got = outcome(name, payload);
      if (NO_INPUT.has(name)) expect(got).toBe('ok');
      else expect(got).toBe(`INVALID_PAYLOAD: ${name}: a payload is required (got ${payload === null ? 'null' : 'none'})`);
    }
  });

  it('requests without input still take {}; training:start takes {} as "all defaults"', () => {
    for (const name of NO_INPUT) expect(outcome(name, {})).toBe('ok');
    expect(parseRequest('training:start', {})).toMatchObject({ epochs: 30, dataset: { id: 'mnist' } });
  });

  describe('through the engine', () => {
    let ws: string;
    let engine: Engine;
    beforeAll(async () => {
      ws = mkdtempSync(path.join(os.tmpdir(), 'll-rel-payload-'));
      engine = await Engine.create({ workspace: ws, emit: () => undefined });
    }, 60_000);
    afterAll(async () => {
      await engine?.dispose();
      rmSync(ws, { recursive: true, force: true });
    });

    it('training:start with null or no payload starts nothing', async () => {
      for (const payload of [null, undefined]) {
        const r = await engine.handle('training:start', payload);
        expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
      }
      expect(await engine.call('training:status', null)).toBeNull();
      expect(readdirSync(path.join(ws, 'runs'))).toEqual([]);
      expect(await engine.call('runs:list', undefined)).toEqual([]);
    });
  });
});
