/**
 * A saved run whose data moved or changed, as the renderer's state shows it: a run whose data
 * folder is gone says so (not just a toast) and offers to locate it; locating it saves the new
 * place and opens the run; a run whose data changed since training says how, once, on opening.
 */
import { describe, expect, it, vi } from 'vitest';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { MNIST, MemoryStorage, engineWith, labError, run } from './fake-api';
import type { DatasetReport, RunSummary } from '../../../src-shared/types';

/** A run on own data at `path`. */
function ownRun(id: string, path: string): RunSummary {
  const r = run(id, { kind: 'cvae' });
  return { ...r, config: { ...r.config, dataset: { id: 'local', path, import: r.config.dataset.import } as RunSummary['config']['dataset'] } };
}

const MISSING = 'The dataset of run "a" is missing: it was at /data/c32b. Move it back there, or point the run at its new place (…).';

describe('a run whose data folder is gone', () => {
  it('opening it shows where its data was and a way to locate it; locating it opens the run', async () => {
    const runs = [ownRun('a', '/data/c32b')];
    let moved: string | null = null;
    const api = engineWith(runs)
      .handle('runs:open', ({ runId }) => {
        if (!moved) throw labError('DATA_MISSING', MISSING);
        return runs.find((r) => r.id === runId)!;
      })
      .handle('runs:locateData', ({ runId, path }) => {
        if (path !== '/new/c32b') throw labError('BAD_DATASET', `This run's dataset changed since it was trained: none of its classes is in ${path} any more.`);
        moved = path;
        runs[0] = ownRun(runId, path);
        return runs[0];
      })
      .handle('datasets:prepare', () => {
        throw labError('NOT_FOUND', 'no');
      });
    const lab = new Lab(api, new MemoryStorage());
    lab.start();
    await vi.waitFor(() => expect(lab.runs.list).toHaveLength(1));

    expect(await lab.openRun('a')).toBe(false);
    expect(lab.runs.missingData).toEqual({ runId: 'a', path: '/data/c32b', message: MISSING });
    // The run list says it (with a path field): no toast besides.
    expect(lab.toasts.items.map((t) => t.text)).not.toContain(MISSING);

    // Another folder is refused in words; the prompt stays.
    expect(await lab.locateRunData('a', '/other')).toBe(false);
    expect(lab.runs.locateError).toMatch(/none of its classes/);
    expect(lab.runs.missingData?.runId).toBe('a');

    expect(await lab.locateRunData('a', ' /new/c32b ')).toBe(true);
    expect(api.callsOf('runs:locateData').at(-1)).toEqual({ runId: 'a', path: '/new/c32b', save: true });
    expect(lab.runs.missingData).toBeNull();
    expect(lab.runs.activeId).toBe('a');
    expect(lab.runs.list[0].config.dataset.path).toBe('/new/c32b');
  });
});

describe('a run whose folder no longer holds its data', () => {
  it('asks where its data is now, as for a missing folder; a built-in run does not', async () => {
    const message = 'The dataset of run "a" at /data/c32b can no longer be read: no images found';
    const runs = [ownRun('a', '/data/c32b'), run('b')];
    const api = engineWith(runs).handle('runs:open', () => {
      throw labError('BAD_DATASET', message);
    });
    const lab = new Lab(api, new MemoryStorage());
    lab.start();
    await vi.waitFor(() => expect(lab.runs.list).toHaveLength(2));
    expect(await lab.openRun('a')).toBe(false);
    expect(lab.runs.missingData).toEqual({ runId: 'a', path: '/data/c32b', message });
    lab.runs.dismissMissingData();
    expect(await lab.openRun('b')).toBe(false);
    expect(lab.runs.missingData).toBeNull();
    expect(lab.toasts.items.map((t) => t.text)).toContain(message);
  });
});

describe('a run whose data changed since training', () => {
  it('opening it says how (a toast) and its warnings keep it', async () => {
    const warning =
      'This run\'s dataset changed since it was trained (then 300 images in 3 classes, now 311 in 4): 11 images of the class "aaa" the run does not know are left out; the test split was drawn anew, so test metrics may include training images.';
    const runs = [{ ...ownRun('a', '/data/c32b'), warnings: [warning] }];
    const api = engineWith(runs).handle('datasets:prepare', () => {
      throw labError('NOT_FOUND', 'no');
    });
    const lab = new Lab(api, new MemoryStorage());
    lab.start();
    await vi.waitFor(() => expect(lab.runs.list).toHaveLength(1));
    expect(await lab.openRun('a')).toBe(true);
    expect(lab.toasts.items.map((t) => t.text)).toContain(warning);
    expect(lab.runs.active?.warnings).toContain(warning);
  });
});

describe('Check on an open run’s folder', () => {
  it('brings the run’s data warnings up to date (and reopens it when they changed); another folder leaves the run alone', async () => {
    const warning = 'This run\'s dataset changed since it was trained (then 36 images in 3 classes, now 36 of its images in 3 of its classes, and 6 of a class it does not know): 6 images of the class "dot" the run does not know are left out.';
    let changed = false;
    const runs = [ownRun('a', '/data/c32b')];
    const api = engineWith(runs)
      .handle('runs:open', () => (changed ? { ...runs[0], warnings: [warning] } : runs[0]))
      // The folder as it is now (what Check shows; its numbers do not matter here).
      .handle('datasets:inspect', () => ({
        info: { ...MNIST, id: 'local' },
        report: { kind: 'imagefolder', classes: [], skipped: {}, warnings: [] } as unknown as DatasetReport,
        preview: { images: new Float32Array(0), count: 0, shape: [28, 28, 1], labels: new Int32Array(0) },
      }))
      .handle('datasets:prepare', () => {
        throw labError('NOT_FOUND', 'no');
      });
    const lab = new Lab(api, new MemoryStorage());
    lab.start();
    await vi.waitFor(() => expect(lab.runs.list).toHaveLength(1));
    expect(await lab.openRun('a')).toBe(true);
    expect(lab.runs.active?.warnings ?? []).toEqual([]);
    const opens = () => api.callsOf('runs:open').length;
    const latents = () => api.callsOf('model:latents').length;

    // Another folder checked: the run is not asked about.
    const before = opens();
    await lab.datasetCheck.check('/elsewhere', lab.settings.train.import);
    await vi.waitFor(() => expect(lab.datasetCheck.busy).toBe(false));
    expect(opens()).toBe(before);

    // The run's folder changed, then checked: the run's warnings say so, and its points are loaded again.
    changed = true;
    const shown = latents();
    await lab.datasetCheck.check('/data/c32b', lab.settings.train.import);
    await vi.waitFor(() => expect(lab.runs.active?.warnings).toEqual([warning]));
    await vi.waitFor(() => expect(latents()).toBeGreaterThan(shown));
    expect(lab.toasts.items.map((t) => t.text)).toContain(warning);
    expect(lab.runs.activeId).toBe('a');

    // Checked again with nothing new: asked once more, nothing reopened.
    const opened = opens();
    const shownNow = latents();
    await lab.datasetCheck.check('/data/c32b', lab.settings.train.import);
    await vi.waitFor(() => expect(opens()).toBe(opened + 1));
    expect(latents()).toBe(shownNow);
  });
});
