/**
 * A refusal to write over a saved run's data names the run as the Saved runs list does — its
 * name (as given, renamed, or the default name of its settings), then its folder id in brackets —
 * not by the folder id alone, which the list does not show.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputFolder } from '../../src-main/engine/export';
import { RUNS_ELSEWHERE, savedRunData } from '../../src-main/engine/export/savedRuns';
import { runDisplayName, runInText } from '../../src-main/engine/runNames';

let root: string;
let ws: string;
let data: string;
beforeAll(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-saved-run-names-'));
  ws = path.join(root, 'lab');
  data = path.join(root, 'shapes');
  await fsp.mkdir(path.join(data, 'circle'), { recursive: true });
});
afterAll(() => fsp.rm(root, { recursive: true, force: true }));

/** Writes run `id`'s record (`config.json`) in `dir`, trained on `dataPath`, named `name` when given. */
async function saveRun(dir: string, id: string, dataPath: string, name?: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const rec = { id, ...(name !== undefined ? { name } : {}), config: { dataset: { id: 'local', path: dataPath }, model: { kind: 'vae', latentDim: 2 } } };
  await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify(rec));
}

describe('how a refusal names a saved run', () => {
  it('the name the list shows, else the default name of its settings, else the id', () => {
    expect(runDisplayName({ name: 'my shapes', config: { model: { kind: 'vae', latentDim: 2 }, dataset: { id: 'local', path: '/d/shapes' } } }, 'x')).toBe('my shapes');
    expect(runDisplayName({ name: '', config: { model: { kind: 'vae', latentDim: 2 }, dataset: { id: 'local', path: '/d/shapes' } } }, 'x')).toBe('VAE z=2 · shapes');
    expect(runDisplayName({ config: {} }, 'x')).toBe('x');
    expect(runDisplayName(null, 'x')).toBe('x');
    expect(runInText('my shapes', '20260101-120000-ab12')).toBe('"my shapes" [20260101-120000-ab12]');
    expect(runInText('r1', 'r1')).toBe('"r1"');
  });

  it('refusing an output inside a run’s data names it "<name>" [<id>]; renamed, the new name', async () => {
    const id = '20260101-120000-ab12';
    const runDir = path.join(ws, 'runs', id);
    await saveRun(runDir, id, data, 'my shapes');
    const inside = path.join(data, 'preview');
    await expect(checkOutputFolder(inside, '--preview-out', { workspace: ws })).rejects.toThrow(
      `--preview-out ${inside} is inside the dataset folder of run "my shapes" [${id}]`,
    );
    await saveRun(runDir, id, data, 'circles, second try');
    const names = (await savedRunData([ws])).map((p) => p.what);
    expect(names).toEqual([`the dataset folder of run "circles, second try" [${id}]`]);
    await fsp.rm(runDir, { recursive: true });
  });

  it('a run saved without a name is called by its settings’ default name, as in the list', async () => {
    const id = '20260101-130000-cd34';
    await saveRun(path.join(ws, 'runs', id), id, data);
    expect((await savedRunData([ws])).map((p) => p.what)).toEqual([`the dataset folder of run "VAE z=2 · shapes" [${id}]`]);
    await fsp.rm(path.join(ws, 'runs', id), { recursive: true });
  });

  it('a run saved with train --out: its folder and data named by its name and id', async () => {
    const dir = path.join(root, 'outruns', 'r1');
    await saveRun(dir, 'r1', data, 'shapes run');
    await fsp.writeFile(path.join(ws, RUNS_ELSEWHERE), JSON.stringify([dir]));
    expect(await savedRunData([ws])).toEqual([
      { dir: data, what: `the dataset folder of run "shapes run" [r1] (saved in ${dir})` },
      { dir, what: 'the folder of run "shapes run" [r1]' },
    ]);
  });
});
