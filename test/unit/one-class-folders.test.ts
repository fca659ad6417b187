/**
 * Fresh-user report (RA10 item 1): a folder of one kind of image is a dataset for an AE, VAE or
 * VAE-GAN. A flat folder of images (no class sub-folders) imports as one unlabelled class and the
 * report says so; a single class folder imports as that one class. Skipped files are still
 * counted. A CVAE on either is refused when training starts, in words; an AE trains.
 */
import { promises as fsp, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { Engine } from '../../src-main/engine/engine';
import { colourPicture } from '../fixtures/datasets';

let tmp: string;
let engine: Engine;
const N = 10;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-one-class-'));
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
});
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** `n` colour pictures (one hue, varied) written as `<dir>/<i>.png`. */
async function pictures(dir: string, n: number): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) await fsp.writeFile(path.join(dir, `${i}.png`), await colourPicture(0, 36, i));
}

const load = (p: string): Promise<LoadedDataset> => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p }, { dataDir: path.join(tmp, 'data') });
};

describe('a folder of one kind of image', () => {
  it('flat (images directly in it): one unlabelled class, every image, the stray file counted, the report says why', async () => {
    const root = path.join(tmp, 'photos');
    await pictures(root, N);
    await fsp.writeFile(path.join(root, 'notes.txt'), 'not an image');
    const d = await load(root);
    expect(d.report.kind).toBe('imagefolder');
    expect(d.info.labelNames).toEqual(['unlabeled']);
    expect(d.report.classes).toHaveLength(1);
    expect(d.train.count + d.test.count).toBe(N);
    expect(d.test.count).toBeGreaterThan(0);
    expect(d.report.skipped).toEqual({ 'not an image file': 1 });
    const warnings = d.report.warnings.join('\n');
    expect(warnings).toMatch(/no class folders: imported as unlabelled; a CVAE needs labels/);
    expect(warnings).toMatch(new RegExp(`${N} images as one class, "unlabeled"`));
    expect(warnings).toMatch(/skipped 1 item: 1 not an image file/);
    expect(d.info.description).toMatch(/no class folders/);
  });

  it('one class folder: that one class, said in a warning; an image beside it is still skipped and counted', async () => {
    const root = path.join(tmp, 'one-class');
    await pictures(path.join(root, 'cats'), N);
    await fsp.writeFile(path.join(root, 'stray.png'), await colourPicture(1, 36, 0));
    const d = await load(root);
    expect(d.info.labelNames).toEqual(['cats']);
    expect(d.train.count + d.test.count).toBe(N);
    expect(d.report.skipped).toEqual({ 'outside the class folders': 1 });
    expect(d.report.warnings.join('\n')).toMatch(new RegExp(`one class only \\("cats": ${N} images\\).*a CVAE needs at least 2 classes`));
    expect(d.report.warnings.join('\n')).not.toMatch(/no class folders/);
  });

  it('a CVAE on the flat folder is refused with the reason; an AE trains on it', async () => {
    const dataset = { id: 'local' as const, path: path.join(tmp, 'photos'), import: { size: 32 as const, channels: 3 as const } };
    const cvae = await engine.handle('training:start', { dataset, model: { kind: 'cvae', latentDim: 2, hidden: [8] }, epochs: 1, batchSize: 4 });
    expect(cvae.ok).toBe(false);
    if (!cvae.ok) {
      expect(cvae.error.code).toBe('UNSUPPORTED');
      expect(cvae.error.message).toMatch(/CVAE .*needs at least 2 classes; this dataset has one \("unlabeled"\): train a VAE, AE or VAE-GAN/);
    }
    const ae = await engine.call('training:start', { dataset, model: { kind: 'ae', latentDim: 2, hidden: [8] }, epochs: 1, batchSize: 4 });
    await engine.waitForTraining();
    const run = (await engine.call('runs:list', {})).find((r) => r.id === ae.runId)!;
    expect(run.state).toBe('done');
    expect(run.epochsDone).toBe(1);
  }, 60_000);
});
