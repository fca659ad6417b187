/**
 * The renderer's side of issue #14's fixes, as state: an opened run brings its own settings, loss
 * curves and metrics (also after a reload); the live loss curve has no cliff at an epoch boundary;
 * CVAE interpolation between labels; the manifold's axes; Compare marks only comparable numbers;
 * the export's default destination and its EXISTS advice said once; validation in words; the
 * tooltip inside its view; the projection's and the axes' names.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EpochRecord, RequestOutput } from '../../../src-shared/contract';
import { TrainConfig, type Metrics, type RunSummary } from '../../../src-shared/types';
import { placeTooltip } from '../../../src-renderer/src/lib/placement';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { ScatterState, displayAxisNames } from '../../../src-renderer/src/state/scatter.svelte';
import { Settings, formFromConfig, trainFormErrors } from '../../../src-renderer/src/state/settings.svelte';
import { METRIC_ROWS, comparable, winner } from '../../../src-renderer/src/state/tabs/compareRules';
import { OVERWRITE_LABEL, existsText, folderSlug } from '../../../src-renderer/src/state/tabs/export.svelte';
import { manifoldAxes } from '../../../src-renderer/src/state/tabs/generate.svelte';
import { LossHistory } from '../../../src-renderer/src/state/training.svelte';
import { FakeApi, MNIST, MemoryStorage, batch, engineWith, run } from './fake-api';

const METRICS: Metrics = { elbo: 150, recon: 140, kl: 10, activeUnits: 2, knnAccuracy: 0.9 };

function epochs(n: number, base = 200): EpochRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    epoch: i + 1,
    train: { loss: base - 10 * i, recon: base - 20 - 10 * i, kl: 20 },
    val: { loss: base - 5 - 10 * i, recon: base - 25 - 10 * i, kl: 20 },
    beta: 1,
    samplesPerSecond: 5000,
  }));
}

/** Saved runs `v` (a VAE, 2 epochs of history) and `c` (a CVAE z=3, 3 epochs), each with its own config. */
function savedRuns(): { runs: RunSummary[]; api: FakeApi } {
  const v: RunSummary = {
    ...run('v', { kind: 'vae', dim: 2 }),
    config: TrainConfig.parse({ model: { kind: 'vae', latentDim: 2, hidden: [128], beta: 1.5 }, epochs: 2, batchSize: 64, seed: 9 }),
    metrics: null,
  };
  const c: RunSummary = {
    ...run('c', { kind: 'cvae', dim: 3 }),
    config: TrainConfig.parse({ model: { kind: 'cvae', latentDim: 3, hidden: [256] }, epochs: 3 }),
    metrics: METRICS,
  };
  const runs = [v, c];
  const api = engineWith(runs)
    .handle('runs:history', ({ runId }) => ({ epochs: epochs(runId === 'v' ? 2 : 3, runId === 'v' ? 300 : 200), skipped: runId === 'v' ? 1 : 0 }))
    .handle('runs:metrics', () => ({ ...METRICS, elbo: 170 }));
  return { runs, api };
}

describe('opening a saved run (issue #14 a)', () => {
  it("shows that run's own settings, loss curves and metrics — after another run was on screen", async () => {
    const { api } = savedRuns();
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.runs.list).toHaveLength(2));
    await lab.openRun('c');
    await vi.waitFor(() => expect(lab.training.history.x).toEqual([1, 2, 3]));
    expect(lab.settings.train).toMatchObject({ kind: 'cvae', latentDim: 3, hidden: 256, epochs: 3 });

    await lab.openRun('v');
    expect(lab.settings.train).toMatchObject({ kind: 'vae', latentDim: 2, hidden: 128, beta: 1.5, epochs: 2, batchSize: 64, seed: 9 });
    await vi.waitFor(() => expect(lab.training.history.x).toEqual([1, 2]));
    expect(lab.training.historyRunId).toBe('v');
    expect(lab.training.history.valLoss).toEqual([295, 285]);
    expect(lab.training.historySkipped).toBe(1);
    // v had no metrics saved: they are asked for once and kept in its summary (c, saved without
    // the classifier's numbers, is asked once too: the engine queues those in the background).
    await vi.waitFor(() => expect(lab.runs.list.find((r) => r.id === 'v')?.metrics?.elbo).toBe(170));
    expect(api.callsOf('runs:metrics').filter((m) => m.runId === 'v')).toEqual([{ runId: 'v' }]);
  });

  it('after a reload the last run comes back with its curves', async () => {
    const storage = new MemoryStorage();
    const first = new Lab(savedRuns().api, storage);
    first.start();
    await vi.waitFor(() => expect(first.runs.list).toHaveLength(2));
    await first.openRun('v');
    first.settings.save();

    const { api } = savedRuns();
    const again = new Lab(api, storage);
    again.start();
    await vi.waitFor(() => expect(again.runs.activeId).toBe('v'));
    await vi.waitFor(() => expect(again.training.history.x).toEqual([1, 2]));
    expect(again.settings.train.kind).toBe('vae');
  });

  it('an unreadable history leaves the chart empty, not showing the previous run', async () => {
    const { api } = savedRuns();
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.runs.list).toHaveLength(2));
    await lab.openRun('c');
    await vi.waitFor(() => expect(lab.training.history.x).toHaveLength(3));
    api.handle('runs:history', () => {
      throw new Error('disk on fire');
    });
    await lab.openRun('v');
    await vi.waitFor(() => expect(lab.training.historyRunId).toBe('v'));
    expect(lab.training.history.x).toEqual([]);
  });

  it('a run on your own data shows its class names (loaded for it), not numbers', async () => {
    const own: RunSummary = { ...run('own', { kind: 'vae', dim: 2 }), config: TrainConfig.parse({ dataset: { id: 'local', path: '/data/pets' } }) };
    const api = engineWith([own]).handle('datasets:prepare', ({ dataset }) => ({
      ...MNIST,
      id: 'local',
      labelNames: dataset.path === '/data/pets' ? ['cat', 'dog'] : [],
    }));
    const lab = new Lab(api, null);
    await lab.openRun('own');
    await vi.waitFor(() => expect(lab.labelNames).toEqual(['cat', 'dog']));
    expect(api.callsOf('datasets:prepare')[0].dataset).toMatchObject({ id: 'local', path: '/data/pets' });
    expect(lab.settings.train).toMatchObject({ dataset: 'local', folderPath: '/data/pets' });
  });

  it('the form keeps what it cannot hold (a dataset id it does not know, a conv model without hidden sizes)', () => {
    const current = new Settings(null).train;
    const cfg = TrainConfig.parse({ model: { kind: 'ae', arch: 'conv', latentDim: 16 }, epochs: 5 });
    const f = formFromConfig({ ...cfg, dataset: { id: 'no-such-set' } } as unknown as TrainConfig, current);
    expect(f).toMatchObject({ kind: 'ae', latentDim: 16, epochs: 5, hidden: current.hidden, dataset: current.dataset });
  });
});

describe('the loss curve (issue #14 h)', () => {
  it('has no cliff where the second epoch starts: it follows the recent batches, not the epoch’s running mean', () => {
    // Per-batch losses fall linearly from 300 by 2 a batch over two epochs of 10 batches.
    const batchLoss = (k: number) => 300 - 2 * k; // k = 0…19
    const h = new LossHistory();
    for (let k = 0; k < 20; k++) {
      const epoch = Math.floor(k / 10) + 1;
      const b = (k % 10) + 1;
      let sum = 0;
      for (let j = (epoch - 1) * 10; j <= k; j++) sum += batchLoss(j);
      const mean = sum / b; // what the engine reports: the running mean within the epoch
      h.add({ runId: 'r', state: 'training', epoch, epochs: 2, batch: b, batches: 10, samplesPerSecond: 1, etaSeconds: 1, train: { loss: mean, recon: mean, kl: 0 }, beta: 1 });
    }
    const loss = h.loss as number[];
    expect(loss).toHaveLength(20);
    const steps = loss.slice(1).map((v, i) => v - loss[i]);
    // Monotone, and the step across the boundary (9 → 10) is no bigger than the others.
    expect(steps.every((d) => d <= 0)).toBe(true);
    expect(Math.abs(steps[9])).toBeLessThanOrEqual(Math.max(...steps.map(Math.abs)) + 1e-9);
    // The running mean itself would have jumped: epoch 1's mean at its end is 291, epoch 2's first batch 280.
    expect(Math.abs(steps[9])).toBeLessThan(11);
  });

  it('a saved run: one point per epoch with its validation', () => {
    const h = new LossHistory();
    h.setEpochs(epochs(3));
    expect(h.x).toEqual([1, 2, 3]);
    expect(h.loss).toEqual([200, 190, 180]);
    expect(h.valLoss).toEqual([195, 185, 175]);
  });
});

describe('generate (issue #14 b, h)', () => {
  async function cvaeWithEnds(labelA: number, labelB: number) {
    const runs = [run('r', { kind: 'cvae', dim: 2 })];
    const api = engineWith(runs).handle('model:interpolate', ({ steps }) => ({
      images: new Float32Array(steps * 4),
      count: steps,
      shape: [2, 2],
      z: new Float32Array(steps * 2),
    }));
    api.handle('model:latents', () => {
      const b = batch(20, 2);
      b.labels[0] = labelA;
      b.labels[1] = labelB;
      return b;
    });
    const lab = new Lab(api, null);
    await lab.openRun('r');
    lab.generate.setEnd('a', 0);
    lab.generate.setEnd('b', 1);
    await lab.generate.interpolate();
    return { api, lab };
  }

  it('ends of different labels blend the decoder’s label along the path, or keep one end’s label by choice', async () => {
    const { api, lab } = await cvaeWithEnds(3, 8);
    expect(api.callsOf('model:interpolate').at(-1)).toMatchObject({ label: 3, labelTo: 8 });
    expect(lab.generate.strip?.pathLabels).toEqual({ from: 3, to: 8 });
    lab.generate.labelPath = 'b';
    await lab.generate.interpolate();
    expect(api.callsOf('model:interpolate').at(-1)).toMatchObject({ label: 8, labelTo: undefined });
    lab.generate.labelPath = 'a';
    await lab.generate.interpolate();
    expect(api.callsOf('model:interpolate').at(-1)).toMatchObject({ label: 3, labelTo: undefined });
  });

  it('ends of one label: no blend is asked for', async () => {
    const { api } = await cvaeWithEnds(4, 4);
    expect(api.callsOf('model:interpolate').at(-1)).toMatchObject({ label: 4, labelTo: undefined });
  });

  it('the manifold’s axes are read from its latents: x left→right, y top→bottom', () => {
    // 3×3 grid over dims [1, 0] of 2-D latents, top row = max of the y dimension.
    const steps = 3;
    const z = new Float32Array(steps * steps * 2);
    for (let r = 0; r < steps; r++) for (let c = 0; c < steps; c++) {
      z[(r * steps + c) * 2 + 1] = -2 + 2 * c; // x: dims[0] = 1
      z[(r * steps + c) * 2 + 0] = 2 - 2 * r; // y: dims[1] = 0
    }
    expect(manifoldAxes(z, 2, steps, [1, 0])).toEqual({ x: { min: -2, max: 2 }, y: { top: 2, bottom: -2 } });
  });
});

describe('compare (issue #14 d)', () => {
  const ae = run('a', { kind: 'ae' });
  const vae = run('v', { kind: 'vae' });
  const vaeOther = { ...run('w', { kind: 'vae' }), config: TrainConfig.parse({ dataset: { id: 'fashion-mnist' } }) };
  const row = (key: string) => METRIC_ROWS.find((r) => r.key === key)!;

  it('marks a better number only against a comparable one', () => {
    const ma = { ...METRICS, elbo: 100, recon: 100 };
    const mv = { ...METRICS, elbo: 150, recon: 130 };
    // An AE's "ELBO" is its reconstruction error: not compared with a VAE's −ELBO; the reconstruction is.
    expect(winner(row('elbo'), ae, vae, ma, mv)).toBeNull();
    expect(winner(row('recon'), ae, vae, ma, mv)).toBe('a');
    expect(winner(row('knnAccuracy'), ae, vae, { ...ma, knnAccuracy: 0.8 }, mv)).toBe('b');
    // Two VAEs: −ELBO is compared; on different data nothing is.
    expect(winner(row('elbo'), vae, { config: { ...vae.config, seed: 2 } }, mv, ma)).toBe('b');
    expect(comparable(row('recon'), vae, vaeOther)).toBe(false);
    expect(winner(row('recon'), vae, vaeOther, ma, mv)).toBeNull();
    // KL and active units have no "better".
    expect(winner(row('kl'), vae, vae, ma, mv)).toBeNull();
  });
});

describe('export destination (issue #14 f)', () => {
  it('is filled with <export root>/<run>-<date> outside the workspace; a path the user typed is kept', async () => {
    const runs = [run('r1'), run('r2')];
    const api = engineWith(runs);
    api.handle('engine:info', () => ({ ...(awaitInfo()), exportRoot: '/home/u/Documents/Latent Lab exports' }));
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.engine.info?.exportRoot).toBeTruthy());
    await lab.openRun('r1');
    lab.exporter.fillDestination();
    const out1 = lab.settings.export.out;
    expect(out1).toMatch(/^\/home\/u\/Documents\/Latent Lab exports\/run-r1-\d{4}-\d{2}-\d{2}$/);
    // Another run: the suggestion follows it.
    await lab.openRun('r2');
    lab.exporter.fillDestination();
    expect(lab.settings.export.out).toMatch(/\/run-r2-\d{4}-\d{2}-\d{2}$/);
    // A path of the user's stays.
    lab.settings.export.out = '/data/mine';
    await lab.openRun('r1');
    lab.exporter.fillDestination();
    expect(lab.settings.export.out).toBe('/data/mine');
  });

  it('folder names from run names are safe', () => {
    expect(folderSlug('VAE z=3 β=2 · mnist (2)')).toBe('VAE-z-3-2-mnist-2');
    expect(folderSlug('../../etc')).toBe('etc');
    expect(folderSlug('···')).toBe('run');
  });

  it('"already exists" says its advice once, naming the box', () => {
    const engineMsg = '/x already holds a Latent Lab export; allow overwriting to replace it, or choose another folder';
    const t = existsText(engineMsg);
    expect(t.split(OVERWRITE_LABEL)).toHaveLength(2);
    expect(t).not.toMatch(/allow overwriting/);
    expect(t.match(/choose another folder/g)).toHaveLength(1);
    // A folder of the user's: the box would not help, the engine's advice stays alone.
    const other = '/x is not empty (a.txt) and is not a Latent Lab export (no export manifest.json): exports only replace a folder an export made; choose an empty or new folder';
    expect(existsText(other)).toBe(other);
  });
});

function awaitInfo() {
  return { appVersion: '0', tfjsVersion: '4', node: 'v20', platform: 'linux', backend: { backend: 'wasm' as const, skipped: [], forced: false, overrides: [] }, workspace: '/tmp/ws' };
}

describe('validation in words (issue #14 g)', () => {
  it('each problem is a sentence naming the field as the form does', () => {
    const e = trainFormErrors({ ...new Settings(null).train, latentDim: 65, epochs: 0, learningRate: -1 });
    expect(e.latentDim).toBe('Latent size must be a whole number from 2 to 64.');
    expect(e.epochs).toMatch(/^Epochs must be a whole number from 1 to 10,000\.$/);
    expect(e.learningRate).toMatch(/^Learning rate must be a positive number/);
    for (const m of Object.values(e)) expect(m).not.toMatch(/^[a-z]+[A-Z]\w*:/); // no field names like "latentDim:"
  });
});

describe('scatter chrome (issue #14 d, e, h)', () => {
  it('the tooltip stays inside its view, beside the cursor when it fits', () => {
    const view = { width: 280, height: 200 };
    const tip = { width: 190, height: 140 };
    for (const cursor of [{ x: 5, y: 5 }, { x: 140, y: 100 }, { x: 275, y: 195 }, { x: 0, y: 199 }]) {
      const p = placeTooltip(cursor, tip, view);
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.x + tip.width).toBeLessThanOrEqual(view.width);
      expect(p.y + tip.height).toBeLessThanOrEqual(view.height);
    }
    expect(placeTooltip({ x: 10, y: 10 }, { width: 50, height: 30 }, { width: 400, height: 300 })).toEqual({ x: 26, y: 22 });
  });

  it('axes are named z0… for a latent shown as it is, PC… or UMAP… for a projection', () => {
    expect(displayAxisNames(2, null)).toEqual(['z0', 'z1']);
    expect(displayAxisNames(3, null)).toEqual(['z0', 'z1', 'z2']);
    expect(displayAxisNames(8, 'pca')).toEqual(['PC1', 'PC2', 'PC3']);
    expect(displayAxisNames(8, 'umap')).toEqual(['UMAP1', 'UMAP2', 'UMAP3']);
  });

  it('"Projecting N-D" names the latent being projected, not the one still on screen', async () => {
    let release!: () => void;
    const api = new FakeApi().handle('projection:compute', ({ latents, dim }) =>
      new Promise<RequestOutput<'projection:compute'>>((r) => (release = () => r({ points: new Float32Array((latents.length / dim) * 3), method: 'pca' }))),
    );
    const sc = new ScatterState(api);
    await sc.setBatch(batch(10, 3), { runId: 'a', live: false });
    const job = sc.setBatch(batch(10, 8), { runId: 'b', live: false });
    await vi.waitFor(() => expect(sc.projecting).toBe(true));
    expect(sc.dim).toBe(3); // still the 3-D run on screen
    expect(sc.projectingDim).toBe(8);
    release();
    await job;
    expect(sc.dim).toBe(8);
  });
});
