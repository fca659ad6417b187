/**
 * The other tabs' state and the main scatter's projection, as a user meets them: latents above
 * 3-D are projected (UMAP falling back to PCA), decoding a click, interpolating between two
 * points, encoding a file that is too big or not an image, comparing two runs, checking a folder.
 */
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES, UNLABELED_CLASS } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { ScatterState } from '../../../src-renderer/src/state/scatter.svelte';
import { kindName, LINK_DROP_MESSAGE, PREVIEW_PER_CLASS } from '../../../src-renderer/src/state/dataset-check.svelte';
import { DEFAULT_IMPORT, Settings } from '../../../src-renderer/src/state/settings.svelte';
import { formToConfig } from '../../../src-renderer/src/state/training.svelte';
import { FakeApi, MNIST, batch, engineWith, labError, run } from './fake-api';

const images = (count: number) => ({ images: new Float32Array(count * 784), count, shape: [28, 28] });

describe('scatter projection', () => {
  it('2-D and 3-D latents are shown as they are, scaled into the unit ball; the engine is not asked', async () => {
    const api = new FakeApi();
    const sc = new ScatterState(api);
    await sc.setBatch(batch(50, 2), { runId: 'r', live: false });
    expect(api.calls).toEqual([]);
    expect(sc.count).toBe(50);
    expect(sc.ready).toBe(false); // until the view reports it drawn
    const d = sc.data.display;
    let max = 0;
    for (let i = 0; i < 50; i++) {
      expect(d[i * 3 + 2]).toBe(0); // flat
      max = Math.max(max, Math.hypot(d[i * 3], d[i * 3 + 1]));
    }
    expect(max).toBeGreaterThan(0.9);
    expect(max).toBeLessThan(1.2);
    // Round trip: the latent under a display position is the point's own latent.
    const z = sc.latentAt(sc.positionOf(10))!;
    expect(Array.from(z)).toEqual(Array.from(sc.latentOf(10)).map((v) => expect.closeTo(v, 4)));
  });

  it('8-D latents go through projection:compute with the chosen method', async () => {
    const api = new FakeApi().handle('projection:compute', ({ method, latents, dim }) => ({
      points: new Float32Array((latents.length / dim) * 3).map((_, i) => i),
      method,
    }));
    const sc = new ScatterState(api);
    await sc.setBatch(batch(10, 8), { runId: 'r', live: false }, 'umap');
    expect(api.callsOf('projection:compute')).toMatchObject([{ method: 'umap', dim: 8 }]);
    expect(sc.shownMethod).toBe('umap');
    expect(sc.count).toBe(10);
    expect(sc.projecting).toBe(false);
  });

  it('a UMAP that fails falls back to PCA and says so', async () => {
    const api = new FakeApi().handle('projection:compute', ({ method, latents, dim }) => {
      if (method === 'umap') throw labError('INTERNAL', 'umap exploded');
      return { points: new Float32Array((latents.length / dim) * 3), method };
    });
    const sc = new ScatterState(api);
    await sc.setBatch(batch(10, 5), { runId: 'r', live: false }, 'umap');
    expect(api.callsOf('projection:compute').map((p) => p.method)).toEqual(['umap', 'pca']);
    expect(sc.shownMethod).toBe('pca');
    expect(sc.projectionError).toBe('UMAP failed (umap exploded); showing PCA.');
  });

  it('legend: a click hides a label, a double-click shows only it, a second one shows all again', () => {
    const sc = new ScatterState(new FakeApi());
    sc.toggleLabel(3);
    expect([...sc.hidden]).toEqual([3]);
    sc.toggleLabel(3);
    expect(sc.hidden.size).toBe(0);
    sc.soloLabel(2, [0, 1, 2]);
    expect([...sc.hidden].sort()).toEqual([0, 1]);
    sc.soloLabel(2, [0, 1, 2]);
    expect(sc.hidden.size).toBe(0);
  });
});

describe('generate', () => {
  async function lab2d() {
    const api = engineWith([run('r', { dim: 2 })])
      .handle('model:decode', ({ count }) => images(count))
      .handle('model:interpolate', ({ from, to, steps }) => {
        const z = new Float32Array(steps * 2);
        for (let i = 0; i < steps; i++) for (let k = 0; k < 2; k++) z[i * 2 + k] = from[k] + ((to[k] - from[k]) * i) / (steps - 1);
        return { ...images(steps), z };
      });
    const lab = new Lab(api, null);
    await lab.openRun('r');
    return { api, lab };
  }

  it('a click on empty space decodes the latent under it and marks it', async () => {
    const { api, lab } = await lab2d();
    const pos: [number, number, number] = [0.25, -0.5, 0];
    await lab.generate.decodeAt(lab.scatter.latentAt(pos)!, pos, null, null);
    expect(api.callsOf('model:decode')).toHaveLength(1);
    expect(lab.generate.decoded).toMatchObject({ pos, point: null, label: null });
    expect(lab.scatter.extra).toEqual([{ kind: 'decoded', pos }]);
    lab.generate.clearDecoded();
    expect(lab.scatter.extra).toEqual([]);
  });

  it('two ends make an interpolation strip and a path through the scatter from A to B', async () => {
    const { api, lab } = await lab2d();
    lab.settings.generate.steps = 5;
    lab.generate.setEnd('a', 2);
    expect(lab.scatter.path).toBeNull();
    lab.generate.setEnd('b', 9);
    await lab.generate.interpolate(); // setEnd started it; wait for an answer
    expect(api.callsOf('model:interpolate').at(-1)).toMatchObject({ steps: 5 });
    expect(lab.generate.strip?.count).toBe(5);
    const path = lab.scatter.path!;
    expect(path).toHaveLength(15);
    const [a, b] = [lab.scatter.positionOf(2), lab.scatter.positionOf(9)];
    for (let k = 0; k < 3; k++) {
      expect(path[k]).toBeCloseTo(a[k], 4);
      expect(path[12 + k]).toBeCloseTo(b[k], 4);
    }
    lab.generate.clearEnds();
    expect(lab.scatter.path).toBeNull();
    expect(lab.scatter.extra).toEqual([]);
  });

  it('the hover tooltip’s reconstruction decodes the point’s latent; none without a model', async () => {
    const { api, lab } = await lab2d();
    expect(await lab.reconstructPoint(4)).toHaveLength(784);
    expect(api.callsOf('model:decode').at(-1)?.z).toEqual(lab.scatter.latentOf(4));
    expect(await lab.reconstructPoint(999)).toBeNull();
    expect(await new Lab(new FakeApi(), null).reconstructPoint(0)).toBeNull();
  });
});

describe('encode', () => {
  it('a file over the size limit is refused before it is read or sent', async () => {
    const api = engineWith([run('r')]);
    const lab = new Lab(api, null);
    await lab.openRun('r');
    const file = { name: 'huge.png', size: MAX_IMAGE_BYTES + 1, arrayBuffer: () => Promise.reject(new Error('should not be read')) } as unknown as File;
    await lab.encode.encodeFile(file);
    expect(lab.encode.error).toMatch(/“huge.png” is .* MB; the limit is/);
    expect(api.callsOf('model:encodeFile')).toEqual([]);
  });

  it('a file the engine cannot read as an image says which formats work', async () => {
    const api = engineWith([run('r')]).handle('model:encodeFile', () => {
      throw labError('BAD_IMAGE', 'unsupported image format');
    });
    const lab = new Lab(api, null);
    await lab.openRun('r');
    await lab.encode.encodeBytes('notes.txt', new TextEncoder().encode('hello'));
    expect(lab.encode.error).toBe('“notes.txt” is not an image Latent Lab can read (unsupported image format); it reads PNG, JPEG, WebP, GIF, TIFF or BMP.');
    expect(lab.encode.busy).toBe(false);
    expect(lab.scatter.extra).toEqual([]);
  });

  it('without a model: a clear message, nothing sent', async () => {
    const api = new FakeApi();
    const lab = new Lab(api, null);
    await lab.encode.encodeBytes('a.png', new Uint8Array(4));
    expect(lab.encode.error).toMatch(/No model to encode with yet/);
    expect(api.calls).toEqual([]);
  });
});

describe('compare', () => {
  it('suggests the newest AE against the newest VAE, else the two newest runs', async () => {
    const lab = new Lab(engineWith([run('v2', { kind: 'vae' }), run('a1', { kind: 'ae' }), run('v1', { kind: 'cvae' })]), null);
    await lab.runs.refresh();
    lab.compare.suggest();
    expect([lab.compare.runA, lab.compare.runB]).toEqual(['a1', 'v2']);
    const only = new Lab(engineWith([run('x'), run('y'), run('bad', { error: 'unreadable' })]), null);
    await only.runs.refresh();
    only.compare.suggest();
    expect([only.compare.runA, only.compare.runB]).toEqual(['x', 'y']);
  });

  it('loads both runs’ points and metrics, in two separate scatters', async () => {
    const metrics = (elbo: number) => ({ elbo, recon: elbo, kl: 0, activeUnits: 2, knnAccuracy: 0.5 });
    const api = engineWith([run('a', { kind: 'ae' }), run('b')]).handle('runs:metrics', ({ runId }) => metrics(runId === 'a' ? 110 : 100));
    const lab = new Lab(api, null);
    lab.compare.runA = 'a';
    lab.compare.runB = 'b';
    await lab.compare.load(20);
    expect(api.callsOf('model:latents')).toMatchObject([{ runId: 'a', limit: 20 }, { runId: 'b', limit: 20 }]);
    expect([lab.compare.a.count, lab.compare.b.count]).toEqual([20, 20]);
    expect([lab.compare.metricsA?.elbo, lab.compare.metricsB?.elbo]).toEqual([110, 100]);
    expect(lab.compare.loading).toBe(false);
    expect(lab.scatter.count).toBe(0); // the main scatter is untouched
  });
});

describe('your own data: the check before training', () => {
  const REPORT = {
    kind: 'imagefolder' as const,
    split: 'random' as const,
    classes: [
      { name: 'cat', train: 8, test: 2 },
      { name: 'dog', train: 7, test: 3 },
    ],
    skipped: { 'not an image file': 2 },
    warnings: ['2 files were not images'],
  };

  it('inspects the path with the import options and keeps the report and the preview', async () => {
    const api = new FakeApi().handle('datasets:inspect', ({ dataset }) => {
      if (dataset.path === '/nope') throw labError('BAD_DATASET', '/nope does not exist');
      return {
        info: { ...MNIST, id: 'local', shape: [32, 32, 3], labelNames: ['cat', 'dog'], trainCount: 15, testCount: 5, report: REPORT },
        report: REPORT,
        preview: { images: new Float32Array(4 * 32 * 32 * 3), count: 4, shape: [32, 32, 3], labels: Int32Array.of(0, 0, 1, 1) },
      };
    });
    const lab = new Lab(api, null);
    const opts = { size: 32 as const, channels: 3 as const, fit: 'pad' as const, preprocess: 'auto' as const, transpose: false };
    await lab.datasetCheck.check('  /data/pets ', opts);
    expect(api.callsOf('datasets:inspect')[0]).toEqual({ dataset: { id: 'local', path: '/data/pets', import: opts }, perClass: PREVIEW_PER_CLASS });
    expect(lab.datasetCheck.report?.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
    expect(lab.datasetCheck.preview?.count).toBe(4);
    expect(lab.datasetCheck.isFor('/data/pets', opts)).toBe(true);
    expect(lab.datasetCheck.isFor('/data/pets', { ...opts, fit: 'crop' })).toBe(false);
    await lab.datasetCheck.check('/nope', opts);
    expect(lab.datasetCheck.report).toBeNull();
    expect(lab.datasetCheck.error).toBe('/nope does not exist');
    expect(lab.datasetCheck.busy).toBe(false);
  });

  it('shows the load’s progress and can cancel it', async () => {
    let fail!: (e: Error) => void;
    const api = new FakeApi()
      .handle('datasets:inspect', () => new Promise((_, reject) => (fail = reject)))
      .handle('datasets:cancel', () => {
        fail(labError('CANCELLED', 'cancelled'));
        return { ok: true };
      });
    const lab = new Lab(api, null);
    lab.start();
    const job = lab.datasetCheck.check('/big', DEFAULT_IMPORT);
    api.emit('dataset:progress', { dataset: 'local', phase: 'decode', loaded: 30, total: 60 });
    expect(lab.datasetCheck.progress).toEqual({ phase: 'decode', loaded: 30, total: 60 });
    await lab.datasetCheck.cancel();
    await job;
    expect(lab.datasetCheck.busy).toBe(false);
    expect(lab.datasetCheck.error).toBe('Cancelled: nothing was loaded.');
  });

  it('a link dropped from a web page only says to drop the file itself', () => {
    const api = new FakeApi();
    const lab = new Lab(api, null);
    lab.linkDropped();
    expect(lab.toasts.items.map((t) => t.text)).toEqual([LINK_DROP_MESSAGE]);
    expect(api.calls).toEqual([]);
  });

  it('the Train form sends your own data with its import options', () => {
    const s = new Settings(null);
    s.train.dataset = 'local';
    s.train.folderPath = ' /data/pets ';
    s.train.import = { size: 64, channels: 'auto', fit: 'crop', preprocess: 'plain', transpose: true };
    expect(formToConfig(s.train).dataset).toEqual({ id: 'local', path: '/data/pets', import: { size: 64, channels: 'auto', fit: 'crop', preprocess: 'plain', transpose: true } });
  });
});

describe('the dataset check names what it found', () => {
  const cls = (name: string) => ({ name, train: 8, test: 2 });
  it('an image folder says whether it had class folders: unlabelled, one class, or a sub-folder per class', () => {
    expect(kindName({ kind: 'imagefolder', classes: [cls(UNLABELED_CLASS)] })).toBe('image folder (no class folders: unlabelled)');
    expect(kindName({ kind: 'imagefolder', classes: [cls('cats')] })).toBe('image folder (one class: "cats")');
    expect(kindName({ kind: 'imagefolder', classes: [cls('cats'), cls('dogs')] })).toBe('image folder (one sub-folder per class)');
    expect(kindName({ kind: 'npz', classes: [cls(UNLABELED_CLASS)] })).toBe('NumPy .npz');
  });
});
