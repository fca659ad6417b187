/**
 * Run switching as the user sees it: the last session's run comes back on launch, opening another
 * run shows its points and clears what the tabs showed for the old one, a run that cannot be
 * opened says so and keeps the current one, deleting the open run empties the view.
 */
import { describe, expect, it, vi } from 'vitest';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { SETTINGS_KEY } from '../../../src-renderer/src/state/settings.svelte';
import { RUN_NAME_MAX, runNameProblem } from '../../../src-renderer/src/state/runs.svelte';
import { requests } from '../../../src-shared/contract';
import { MemoryStorage, batch, engineWith, labError, run } from './fake-api';

function storageWith(settings: object): MemoryStorage {
  const s = new MemoryStorage();
  s.setItem(SETTINGS_KEY, JSON.stringify(settings));
  return s;
}

describe('launch', () => {
  it('reopens the run of the last session and shows its test points', async () => {
    const api = engineWith([run('new'), run('old', { dim: 3 })]);
    const lab = new Lab(api, storageWith({ lastRunId: 'old' }));
    const stop = lab.start();
    await vi.waitFor(() => expect(lab.scatter.count).toBe(20));
    expect(lab.engine.state).toBe('ready');
    expect(lab.engine.info?.workspace).toBe('/tmp/ws');
    expect(lab.runs.list.map((r) => r.id)).toEqual(['new', 'old']);
    expect(lab.runs.activeId).toBe('old');
    expect(lab.model).toMatchObject({ runId: 'old', latentDim: 3, live: false });
    expect(lab.scatter.source).toMatchObject({ runId: 'old', live: false });
    expect(lab.labelNames).toHaveLength(10);
    stop();
    expect(api.listenerCount('training:progress')).toBe(0);
  });

  it('a last run that is gone or unreadable is not opened', async () => {
    for (const lastRunId of ['deleted', 'broken']) {
      const api = engineWith([run('ok'), run('broken', { error: 'config.json: bad JSON' })]);
      const lab = new Lab(api, storageWith({ lastRunId }));
      lab.start();
      await vi.waitFor(() => expect(lab.runs.list).toHaveLength(2));
      await vi.waitFor(() => expect(api.callsOf('training:status')).toHaveLength(1));
      expect(api.callsOf('runs:open')).toEqual([]);
      expect(lab.model).toBeNull();
      expect(lab.scatter.count).toBe(0);
    }
  });

  it('an engine that does not answer leaves the status bar a message and nothing half-loaded', async () => {
    const api = engineWith([run('a')]).handle('engine:info', () => {
      throw labError('ENGINE_DOWN', 'gone');
    });
    const lab = new Lab(api, storageWith({ lastRunId: 'a' }));
    lab.start();
    await vi.waitFor(() => expect(lab.engine.message).toMatch(/engine is not running/));
    expect(api.callsOf('runs:list')).toEqual([]);
    expect(lab.model).toBeNull();
  });
});

describe('switching runs', () => {
  it('opening another run shows its points, remembers it for the next launch and clears the old run’s results', async () => {
    const api = engineWith([run('a', { dim: 2 }), run('b', { dim: 3 })]);
    const storage = new MemoryStorage();
    const lab = new Lab(api, storage);
    expect(await lab.openRun('a')).toBe(true);
    expect(lab.scatter.dim).toBe(2);

    // Results that belong to run a.
    lab.scatter.selected = 4;
    lab.generate.setEnd('a', 1);
    lab.scatter.setExtra('encoded', [0, 0, 0]);
    lab.exporter.state = 'done';

    expect(await lab.openRun('b')).toBe(true);
    expect(lab.runs.activeId).toBe('b');
    expect(lab.model).toMatchObject({ runId: 'b', latentDim: 3 });
    expect(lab.scatter.dim).toBe(3);
    expect(lab.scatter.source?.runId).toBe('b');
    expect(lab.generate.a).toBeNull();
    expect(lab.scatter.extra).toEqual([]);
    expect(lab.scatter.path).toBeNull();
    expect(lab.exporter.state).toBe('idle');
    expect(lab.settings.lastRunId).toBe('b');
    lab.settings.save();
    expect(JSON.parse(storage.getItem(SETTINGS_KEY)!).lastRunId).toBe('b');
  });

  it('the selection follows the same dataset point when the same run’s points are reloaded', async () => {
    const api = engineWith([run('a')]);
    const lab = new Lab(api, null);
    await lab.openRun('a');
    const index = lab.scatter.data.indices[7];
    lab.scatter.selected = 7;
    // The same points in reverse order (e.g. another split order): the selection moves with its point.
    const b = batch(20, 2);
    b.indices.reverse();
    await lab.scatter.setBatch(b, { runId: 'a', live: false });
    expect(lab.scatter.selected).not.toBeNull();
    expect(lab.scatter.data.indices[lab.scatter.selected!]).toBe(index);
  });

  it('a run that cannot be opened: an error toast, and the open run stays', async () => {
    const api = engineWith([run('a'), run('b')]);
    const lab = new Lab(api, null);
    await lab.openRun('a');
    api.handle('runs:open', () => {
      throw labError('NOT_FOUND', 'run b was deleted elsewhere');
    });
    expect(await lab.openRun('b')).toBe(false);
    expect(lab.runs.activeId).toBe('a');
    expect(lab.scatter.source?.runId).toBe('a');
    expect(lab.toasts.items.at(-1)).toMatchObject({ kind: 'error', text: 'run b was deleted elsewhere' });
  });

  it('no switching while training: the user is told, the engine is not asked', async () => {
    const api = engineWith([run('a')]).handle('training:start', () => ({ runId: 'live' }));
    const lab = new Lab(api, null);
    await lab.startTraining();
    expect(lab.training.active).toBe(true);
    expect(await lab.openRun('a')).toBe(false);
    expect(api.callsOf('runs:open')).toEqual([]);
    expect(lab.toasts.items.at(-1)?.text).toMatch(/stop it before opening another run/);
  });

  it('“Training points” adds the training split after the test points, marked by negative indices', async () => {
    const api = engineWith([run('a')]);
    const lab = new Lab(api, null);
    lab.settings.showTrainPoints = true;
    await lab.openRun('a');
    expect(api.callsOf('model:latents').map((p) => p.split)).toEqual(['test', 'train']);
    expect(lab.scatter.count).toBe(50);
    expect([...lab.scatter.data.indices.subarray(18, 22)]).toEqual([18, 19, -1, -2]);
  });

  it('latents that fail to load: a toast, and the loading flag comes down', async () => {
    const api = engineWith([run('a')]).handle('model:latents', () => {
      throw labError('IO', 'latents.bin is truncated');
    });
    const lab = new Lab(api, null);
    expect(await lab.openRun('a')).toBe(true);
    expect(lab.loadingLatents).toBe(false);
    expect(lab.toasts.items.at(-1)?.text).toBe('Could not load the latent points: latents.bin is truncated');
  });
});

describe('renaming and deleting', () => {
  it('a rename updates the list in place', async () => {
    const api = engineWith([run('a'), run('b')]).handle('runs:rename', ({ runId, name }) => ({ ...run(runId), name }));
    const lab = new Lab(api, null);
    await lab.runs.refresh();
    await lab.runs.rename('b', 'my VAE');
    expect(lab.runs.list.map((r) => r.name)).toEqual(['run a', 'my VAE']);
  });

  it('a name over 200 characters is refused in words before it is sent; the list keeps the old name', async () => {
    const api = engineWith([run('a'), run('b')]).handle('runs:rename', ({ runId, name }) => ({ ...run(runId), name }));
    const lab = new Lab(api, null);
    await lab.runs.refresh();
    expect(await lab.runs.rename('b', 'x'.repeat(300))).toBe(false);
    expect(lab.runs.error).toBe("a run's name is at most 200 characters (this one: 300)");
    expect(api.callsOf('runs:rename')).toHaveLength(0);
    expect(lab.runs.list.map((r) => r.name)).toEqual(['run a', 'run b']);
    // Spaces around it do not count; 200 is kept.
    expect(await lab.runs.rename('b', ` ${'y'.repeat(200)} `)).toBe(true);
    expect(api.callsOf('runs:rename')).toHaveLength(1);
  });

  it('the limit is the contract\'s: 200 characters pass its check, 201 do not', () => {
    const input = requests['runs:rename'].input;
    expect(RUN_NAME_MAX).toBe(200);
    expect(input.safeParse({ runId: 'a', name: 'x'.repeat(RUN_NAME_MAX) }).success).toBe(true);
    expect(input.safeParse({ runId: 'a', name: 'x'.repeat(RUN_NAME_MAX + 1) }).success).toBe(false);
    expect(runNameProblem('x'.repeat(RUN_NAME_MAX))).toBeNull();
  });

  it('a name another run has, refused by the engine, is said in its words; the list keeps the old name', async () => {
    const api = engineWith([run('a'), run('b')]).handle('runs:rename', ({ name }) => {
      throw labError('EXISTS', `another run is already named “${name}” (folder a): give this one another name; nothing was changed`);
    });
    const lab = new Lab(api, null);
    await lab.runs.refresh();
    expect(await lab.runs.rename('b', 'run a')).toBe(false);
    expect(lab.runs.error).toBe('another run is already named “run a” (folder a): give this one another name; nothing was changed');
    expect(lab.runs.list.map((r) => r.name)).toEqual(['run a', 'run b']);
  });

  it('deleting the open run empties the view and forgets it; the compare tab drops it', async () => {
    const api = engineWith([run('a'), run('b')]).handle('runs:delete', () => ({ ok: true }));
    const lab = new Lab(api, null);
    await lab.runs.refresh();
    await lab.openRun('a');
    lab.compare.runA = 'a';
    lab.compare.runB = 'b';
    await lab.deleteRun('a');
    expect(lab.runs.list.map((r) => r.id)).toEqual(['b']);
    expect(lab.runs.activeId).toBeNull();
    expect(lab.model).toBeNull();
    expect(lab.scatter.count).toBe(0);
    expect(lab.settings.lastRunId).toBeNull();
    expect([lab.compare.runA, lab.compare.runB]).toEqual([null, 'b']);
  });

  it('deleting the open run also takes its loss curves and its data-changed toast off the screen', async () => {
    const changed = { ...run('a'), warnings: ["This run's dataset changed since it was trained (then 120 images, now 70)."] };
    const api = engineWith([changed, run('b')])
      .handle('runs:delete', () => ({ ok: true }))
      .handle('runs:history', () => ({ epochs: [1, 2].map((epoch) => ({ epoch, train: { loss: 3, recon: 2, kl: 1 }, val: { loss: 3, recon: 2, kl: 1 }, beta: 1, samplesPerSecond: 1 })), skipped: 0 }));
    const lab = new Lab(api, null);
    await lab.runs.refresh();
    await lab.openRun('a');
    await vi.waitFor(() => expect(lab.training.history.x.length).toBe(2));
    expect(lab.toasts.items.map((t) => t.text)).toEqual([changed.warnings[0]]);
    await lab.deleteRun('a');
    expect(lab.training.history.x.length).toBe(0);
    expect(lab.training.historyRunId).toBeNull();
    expect(lab.toasts.items).toEqual([]);
  });

  it('a delete the engine refuses keeps the run and says why', async () => {
    const api = engineWith([run('a')]).handle('runs:delete', () => {
      throw labError('BUSY', 'the run is training');
    });
    const lab = new Lab(api, null);
    await lab.openRun('a');
    await lab.deleteRun('a');
    expect(lab.runs.list).toHaveLength(1);
    expect(lab.runs.activeId).toBe('a');
    expect(lab.toasts.items.at(-1)?.text).toBe('The engine is busy: the run is training');
  });
});
