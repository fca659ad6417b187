/**
 * A saved run and its dataset folder must not silently disagree. A CVAE trained on a colour image
 * folder (blueTopH, greenLeftV, redTR), then the folder changes on disk:
 * - a class folder `aaa/` is added → the opened run keeps its own class indices (the data's labels
 *   are matched by name; the 11 "aaa" images are left out) and says so in its warnings;
 * - images are deleted → counted in the warning;
 * - the folder is moved → opening says the RUN'S DATASET is missing, where it was, and what to do;
 *   `runs:locateData` points the run at the new place (checked, saved in the record).
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { clearDatasetMemo } from '../../src-main/engine/datasets';

let tmp: string;

const CLASSES = ['blueTopH', 'greenLeftV', 'redTR', 'aaa'] as const;
const COLOUR: Record<string, [number, number, number]> = { blueTopH: [20, 30, 230], greenLeftV: [20, 220, 30], redTR: [230, 30, 20], aaa: [230, 230, 20] };

/** `n` 16×16 RGB pictures of class `name` (a coloured patch on grey, jittered) in `dir/name/`. */
async function pictures(dir: string, name: string, n: number, from = 0): Promise<void> {
  await fs.mkdir(path.join(dir, name), { recursive: true });
  for (let i = from; i < from + n; i++) {
    const w = 16;
    const px = Buffer.alloc(w * w * 3, 128);
    for (let y = 0; y < w; y++) {
      for (let x = 0; x < w; x++) {
        const j = i % 3;
        const inside = name === 'blueTopH' ? y < 5 + j : name === 'greenLeftV' ? x < 5 + j : name === 'redTR' ? x > 9 - j && y < 6 + j : x > 4 && x < 11 && y > 4 && y < 11;
        if (!inside) continue;
        px.set(COLOUR[name], (y * w + x) * 3);
      }
    }
    await sharp(px, { raw: { width: w, height: w, channels: 3 } }).png().toFile(path.join(dir, name, `${i}.png`));
  }
}

async function trainedRun(ws: string, folder: string, kind: 'cvae' | 'vae' = 'cvae', emit: (name: string) => void = () => undefined): Promise<{ engine: Engine; runId: string }> {
  const engine = await Engine.create({ workspace: ws, emit: (name) => emit(name) });
  const { runId } = await engine.call('training:start', {
    dataset: { id: 'local', path: folder, import: { size: 28, channels: 3, preprocess: 'plain' } },
    model: { kind, latentDim: 2, hidden: [16] },
    epochs: 1,
    batchSize: 16,
    seed: 1,
  });
  await engine.waitForTraining();
  return { engine, runId };
}

/** A new engine on the same workspace (an app restart): nothing of the old one is in memory. */
async function restart(old: Engine, ws: string): Promise<Engine> {
  await old.dispose();
  clearDatasetMemo();
  return Engine.create({ workspace: ws, emit: () => undefined });
}

/** The warnings about the run's data (a 1-epoch run also has one about its few steps). */
const dataWarnings = (w: string[] | undefined) => (w ?? []).filter((s) => s.startsWith("This run's dataset"));

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-run-data-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a run whose dataset folder changed on disk', () => {
  it('a class folder added: labels keep the run\'s classes, the new class is left out, the run warns', async () => {
    const folder = path.join(tmp, 'added');
    const ws = path.join(tmp, 'ws-added');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 20);
    let { engine, runId } = await trainedRun(ws, folder);
    const before = await engine.call('runs:metrics', { runId });
    const rec = JSON.parse(await fs.readFile(path.join(ws, 'runs', runId, 'config.json'), 'utf8'));
    expect(rec.labelNames).toEqual(['blueTopH', 'greenLeftV', 'redTR']);
    expect(rec.dataFingerprint).toMatch(/^[0-9a-f]{16}$/);

    await pictures(folder, 'aaa', 11);
    engine = await restart(engine, ws);
    try {
      const opened = await engine.call('runs:open', { runId });
      const warning = opened.warnings?.find((w) => w.includes('changed since it was trained'));
      expect(warning).toBe(
        'This run\'s dataset changed since it was trained (then 60 images in 3 classes, now 60 of its images in 3 of its classes, and 11 of a class it does not know): 11 images of the class "aaa" the run does not know are left out; the test split was drawn anew, so test metrics may include training images.',
      );
      // The listing says it too while the run is open.
      expect((await engine.call('runs:list', {})).find((r) => r.id === runId)?.warnings).toContain(warning);

      // Every test point carries one of the run's 3 labels; 4 test images per class as at training (20 % of 20).
      const latents = await engine.call('model:latents', { runId, split: 'test' });
      const perLabel = [0, 0, 0, 0];
      for (const l of latents.labels) perLabel[l]++;
      expect(perLabel).toEqual([4, 4, 4, 0]);
      // The shown samples (the dataset panel, captions) are the run's data: a blue picture has label 0 = blueTopH.
      const ref = { id: 'local', path: folder, import: { size: 28, channels: 3, preprocess: 'plain' } } as const;
      const sample = await engine.call('datasets:sample', { dataset: ref, split: 'train', offset: 0, count: 48 });
      for (let i = 0; i < sample.count; i++) {
        const px = sample.images.subarray(i * 28 * 28 * 3, (i + 1) * 28 * 28 * 3);
        let r = 0;
        let g = 0;
        let b = 0;
        for (let p = 0; p < 784; p++) {
          r += px[p * 3];
          g += px[p * 3 + 1];
          b += px[p * 3 + 2];
        }
        const colour = b > r && b > g ? 0 : g > r ? 1 : 2; // blue, green, red (no yellow "aaa" picture is there)
        expect(r > b && g > b * 1.5 && g > 0, `sample ${i} is a yellow "aaa" picture`).toBe(false);
        expect(sample.labels[i], `sample ${i}`).toBe(colour);
      }
      // Generating the run's last class (redTR = 2) works.
      const gen = await engine.call('model:generate', { runId, count: 2, label: 2, seed: 1, temperature: 1 });
      expect(gen.count).toBe(2);
      // The test metrics of the run are the saved ones, not measured on relabelled data.
      expect((await engine.call('runs:metrics', { runId })).elbo).toBe(before.elbo);
    } finally {
      await engine.dispose();
    }
  }, 180_000);

  it('images removed: the run says how many of its images are gone', async () => {
    const folder = path.join(tmp, 'removed');
    const ws = path.join(tmp, 'ws-removed');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 20);
    let { engine, runId } = await trainedRun(ws, folder);
    for (let i = 0; i < 7; i++) await fs.rm(path.join(folder, 'redTR', `${i}.png`));
    engine = await restart(engine, ws);
    try {
      const opened = await engine.call('runs:open', { runId });
      expect(dataWarnings(opened.warnings)).toEqual([
        "This run's dataset changed since it was trained (then 60 images in 3 classes, now 53 of its images in 3 of its classes): 7 images of the run's classes are gone; the test split was drawn anew, so test metrics may include training images.",
      ]);
    } finally {
      await engine.dispose();
    }
  }, 180_000);

  it('a VAE whose folder lost a class and gained another: the lost class is named, the new one left out', async () => {
    const folder = path.join(tmp, 'swapped');
    const ws = path.join(tmp, 'ws-swapped');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 20);
    let { engine, runId } = await trainedRun(ws, folder, 'vae');
    await fs.rm(path.join(folder, 'greenLeftV'), { recursive: true });
    await pictures(folder, 'aaa', 5);
    engine = await restart(engine, ws);
    try {
      const opened = await engine.call('runs:open', { runId });
      expect(dataWarnings(opened.warnings)).toEqual([
        'This run\'s dataset changed since it was trained (then 60 images in 3 classes, now 40 of its images in 2 of its classes, and 5 of a class it does not know): 5 images of the class "aaa" the run does not know are left out; the run\'s class "greenLeftV" has no images any more; the test split was drawn anew, so test metrics may include training images.',
      ]);
      const latents = await engine.call('model:latents', { runId, split: 'test' });
      expect([...new Set(latents.labels)].sort()).toEqual([0, 2]);
    } finally {
      await engine.dispose();
    }
  }, 180_000);

  it('a run saved before the check (no report, no fingerprint) is compared on its label names', async () => {
    const folder = path.join(tmp, 'old');
    const ws = path.join(tmp, 'ws-old');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 10);
    let { engine, runId } = await trainedRun(ws, folder);
    const file = path.join(ws, 'runs', runId, 'config.json');
    const old = JSON.parse(await fs.readFile(file, 'utf8'));
    delete old.datasetReport;
    delete old.dataFingerprint;
    await fs.writeFile(file, JSON.stringify(old));
    await pictures(folder, 'aaa', 3);
    engine = await restart(engine, ws);
    try {
      const opened = await engine.call('runs:open', { runId });
      expect(dataWarnings(opened.warnings)).toEqual([
        'This run\'s dataset changed since it was trained (then 3 classes, now 30 of its images in 3 of its classes, and 3 of a class it does not know): 3 images of the class "aaa" the run does not know are left out; the test split was drawn anew, so test metrics may include training images.',
      ]);
    } finally {
      await engine.dispose();
    }
  }, 180_000);

  it('images replaced by others (same classes and counts): the fingerprint says so', async () => {
    const folder = path.join(tmp, 'replaced');
    const ws = path.join(tmp, 'ws-replaced');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 10);
    let { engine, runId } = await trainedRun(ws, folder);
    // Two blue pictures overwritten by other blue pictures: the same file names and counts.
    const other = path.join(tmp, 'replaced-src');
    await pictures(other, 'blueTopH', 2, 20);
    for (const i of [0, 1]) await fs.copyFile(path.join(other, 'blueTopH', `${20 + i}.png`), path.join(folder, 'blueTopH', `${i}.png`));
    engine = await restart(engine, ws);
    try {
      const opened = await engine.call('runs:open', { runId });
      expect(dataWarnings(opened.warnings)).toEqual([
        "This run's dataset changed since it was trained (then 30 images in 3 classes, now 30 of its images in 3 of its classes): its images differ from the ones it was trained on (the same classes and counts: files replaced or edited); test metrics are measured on the data as it is now.",
      ]);
    } finally {
      await engine.dispose();
    }
  }, 180_000);

  it('the data as it was: no warning', async () => {
    const folder = path.join(tmp, 'same');
    const ws = path.join(tmp, 'ws-same');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 12);
    let { engine, runId } = await trainedRun(ws, folder);
    engine = await restart(engine, ws);
    try {
      const opened = await engine.call('runs:open', { runId });
      expect(dataWarnings(opened.warnings)).toEqual([]);
    } finally {
      await engine.dispose();
    }
  }, 180_000);

  it('the folder changes while the app runs: reopening the run checks it again (unchanged folders are not read again)', async () => {
    const folder = path.join(tmp, 'live', 'c32b');
    const ws = path.join(tmp, 'ws-live');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 12);
    let loads = 0; // dataset:progress events: the dataset loader was asked for the data
    const { engine, runId } = await trainedRun(ws, folder, 'vae', (name) => {
      if (name === 'dataset:progress') loads++;
    });
    try {
      const name = (await engine.call('runs:list', {})).find((r) => r.id === runId)!.name;
      expect(dataWarnings((await engine.call('runs:open', { runId })).warnings)).toEqual([]);
      // Reopened with nothing changed: the folder is not read again.
      loads = 0;
      expect(dataWarnings((await engine.call('runs:open', { runId })).warnings)).toEqual([]);
      expect(loads).toBe(0);

      // A class folder removed: the reopened run says so, and its data is the folder as it is now.
      await fs.rm(path.join(folder, 'greenLeftV'), { recursive: true });
      const opened = await engine.call('runs:open', { runId });
      expect(dataWarnings(opened.warnings)).toEqual([
        'This run\'s dataset changed since it was trained (then 36 images in 3 classes, now 24 of its images in 2 of its classes): the run\'s class "greenLeftV" has no images any more; the test split was drawn anew, so test metrics may include training images.',
      ]);
      expect((opened.data?.trainCount ?? 0) + (opened.data?.testCount ?? 0)).toBe(24);
      expect((await engine.call('runs:list', {})).find((r) => r.id === runId)?.warnings).toEqual(opened.warnings);
      const latents = await engine.call('model:latents', { runId, split: 'test' });
      expect([...new Set(latents.labels)].sort()).toEqual([0, 2]);

      // The folder renamed: reopening says the run's dataset is missing, naming the run as the list does.
      const away = path.join(tmp, 'live', 'c32b-renamed');
      await fs.rename(folder, away);
      const missing = await engine.handle('runs:open', { runId });
      expect(missing.ok ? null : missing.error.code).toBe('DATA_MISSING');
      expect(missing.ok ? '' : missing.error.message).toBe(
        `The dataset of run "${name}" is missing: it was at ${folder}. Move it back there, or point the run at its new place (the app asks where it is now, under the run in the list).`,
      );

      // Put back as it was: no warning any more.
      await fs.rename(away, folder);
      await pictures(folder, 'greenLeftV', 12);
      expect(dataWarnings((await engine.call('runs:open', { runId })).warnings)).toEqual([]);
    } finally {
      await engine.dispose();
    }
  }, 180_000);

  it('the folder moved: opening names the missing dataset; runs:locateData points the run at its new place', async () => {
    const folder = path.join(tmp, 'moved', 'c32b');
    const ws = path.join(tmp, 'ws-moved');
    for (const c of CLASSES.slice(0, 3)) await pictures(folder, c, 12);
    let { engine, runId } = await trainedRun(ws, folder);
    const elsewhere = path.join(tmp, 'elsewhere');
    await fs.rename(path.join(tmp, 'moved'), elsewhere);
    const now = path.join(elsewhere, 'c32b');
    engine = await restart(engine, ws);
    try {
      const r = await engine.handle('runs:open', { runId });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('DATA_MISSING');
      // Named as the run list names it; the CLI's --data advice is the CLI's own.
      const name = (await engine.call('runs:list', {})).find((x) => x.id === runId)!.name;
      expect(r.error.message).toContain(`The dataset of run "${name}" is missing: it was at ${folder}.`);
      expect(r.error.message).not.toContain('--data');

      // A folder that is there but no longer holds data is said as the run's dataset too.
      const emptied = path.join(tmp, 'emptied');
      await fs.mkdir(emptied, { recursive: true });
      await fs.writeFile(path.join(emptied, 'notes.txt'), 'no images here');
      const bad = await engine.handle('runs:locateData', { runId, path: emptied });
      const badText = bad.ok ? '' : `${bad.error.code}: ${bad.error.message}`;
      expect(badText.startsWith(`BAD_DATASET: The dataset of run "${name}" at ${emptied} can no longer be read: `), badText).toBe(true);

      // A folder of other data is refused and the record keeps its path.
      const other = path.join(tmp, 'other');
      await pictures(other, 'aaa', 6);
      const wrong = await engine.handle('runs:locateData', { runId, path: other });
      expect(wrong.ok ? null : wrong.error.code).toBe('BAD_DATASET');
      expect(wrong.ok ? '' : wrong.error.message).toContain('none of its classes');
      const kept = JSON.parse(await fs.readFile(path.join(ws, 'runs', runId, 'config.json'), 'utf8'));
      expect(kept.config.dataset.path).toBe(folder);

      const located = await engine.call('runs:locateData', { runId, path: now });
      expect(located.config.dataset.path).toBe(now);
      expect(dataWarnings(located.warnings)).toEqual([]);
      const saved = JSON.parse(await fs.readFile(path.join(ws, 'runs', runId, 'config.json'), 'utf8'));
      expect(saved.config.dataset.path).toBe(now);
      expect(saved.config.dataset.import).toEqual(kept.config.dataset.import);
      // Opened (also after a restart) with its data at the new place.
      engine = await restart(engine, ws);
      expect((await engine.call('runs:open', { runId })).config.dataset.path).toBe(now);
      expect((await engine.call('model:generate', { runId, count: 1, label: 1, seed: 1, temperature: 1 })).count).toBe(1);
    } finally {
      await engine.dispose();
    }
  }, 180_000);
});
