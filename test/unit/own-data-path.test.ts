/**
 * The dataset path field as people type it: `~/folder` is the folder in their home (not
 * `<server folder>/~/folder`), and a relative path is refused in words rather than read from
 * wherever the engine happens to run.
 */
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOwnDataPath } from '../../src-main/engine/datasets/ownPath';
import { Engine } from '../../src-main/engine/engine';
import { classFolders } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
let engine: Engine;
const realHome = process.env.HOME;

beforeAll(async () => {
  tmp = await makeTemp('ll-own-path-');
  process.env.HOME = path.join(tmp, 'home'); // os.homedir() reads HOME
  await classFolders(path.join(tmp, 'home', 'shapes'), ['a', 'b'], 12);
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
}, 60_000);

afterAll(async () => {
  process.env.HOME = realHome;
  await engine.dispose();
  await rmTemp(tmp);
});

describe('own data path', () => {
  it('a leading ~ is the home folder: Check reads ~/shapes and the run records the full path', async () => {
    expect(os.homedir()).toBe(path.join(tmp, 'home'));
    const r = await engine.call('datasets:inspect', { dataset: { id: 'local', path: '~/shapes' }, perClass: 1 });
    expect(r.info.labelNames).toEqual(['a', 'b']);
    expect(r.report.path).toBe(path.join(tmp, 'home', 'shapes'));
    const started = await engine.call('training:start', { dataset: { id: 'local', path: '~/shapes' }, model: { kind: 'vae', latentDim: 2, hidden: [8] }, epochs: 1, batchSize: 8 });
    await engine.waitForTraining();
    const runs = await engine.call('runs:list', {});
    const run = runs.find((x) => x.id === started.runId)!;
    expect(run.config.dataset.path).toBe(path.join(tmp, 'home', 'shapes'));
    // Named after the folder, not "local" (and its batch 8, not the VAE's default).
    expect(run.name).toBe('VAE z=2 batch 8 · shapes');
  });

  it('a relative path is refused in words, naming it and what to give instead', async () => {
    for (const p of ['shapes', './shapes', '~other/shapes']) {
      const r = await engine.handle('datasets:inspect', { dataset: { id: 'local', path: p }, perClass: 1 });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('BAD_DATASET');
        expect(r.error.message).toContain(`"${p}" is not a full path: give a full path, e.g. ${path.join(tmp, 'home', 'data')}`);
      }
    }
  });

  it('resolveOwnDataPath: ~, ~/x, absolute paths normalised', () => {
    expect(resolveOwnDataPath('~', '/h/u')).toBe('/h/u');
    expect(resolveOwnDataPath('~/a/../b', '/h/u')).toBe('/h/u/b');
    expect(resolveOwnDataPath('/data/x/', '/h/u')).toBe('/data/x');
    expect(() => resolveOwnDataPath('data', '/h/u')).toThrow(/give a full path, e.g. \/h\/u\/data/);
  });
});
