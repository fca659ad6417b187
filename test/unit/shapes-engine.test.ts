/**
 * Issue #12 through the engine: an image dropped onto a run (`model:encodeFile`) is preprocessed
 * the way the run's dataset was — a colour image onto a colour 32×32 model stays colour, a grey
 * photo dataset keeps its plain preprocessing, a run on MNIST-form drawings (light ink on dark,
 * imported as they are) gets MNIST-style preprocessing for a photo of ink on paper — and a colour
 * run's exports come out in colour.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { preprocessForDataset } from '../../src-main/engine/images';
import type { ResolvedImport } from '../../src-shared/types';
import { classFolders, colourPicture } from '../fixtures/datasets';
import { inkPng } from '../fixtures/generate';

let tmp: string;
let engine: Engine;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-shapes-engine-'));
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
}, 60_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** Trains a small dense VAE on `dataset` for 2 epochs and makes it the active run. */
async function trainOn(dataset: object): Promise<string> {
  const { runId } = await engine.call('training:start', { dataset, model: { kind: 'vae', latentDim: 2, hidden: [32] }, epochs: 2, batchSize: 8 });
  await engine.waitForTraining();
  await engine.call('runs:open', { runId });
  return runId;
}

/** A grey "photo": a smooth diagonal gradient with a bright square, `side` px. */
async function greyPhoto(side: number, variant: number): Promise<Uint8Array> {
  const px = Buffer.alloc(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const sq = x > side / 4 + variant && x < side / 2 + variant && y > side / 3 && y < (2 * side) / 3;
      px[y * side + x] = sq ? 250 : Math.round(40 + (150 * (x + y)) / (2 * side));
    }
  }
  return new Uint8Array(await sharp(px, { raw: { width: side, height: side, channels: 1 } }).png().toBuffer());
}

/** 28×28 light ink on black, as MNIST's own files and this app's exports are. */
async function mnistForm(variant: number): Promise<Uint8Array> {
  const ink = await sharp(await inkPng(28, variant)).greyscale().raw().toBuffer();
  return new Uint8Array(await sharp(Buffer.from(ink.map((v) => 255 - v)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
}

const encodeFile = (bytes: Uint8Array) => engine.call('model:encodeFile', { name: 'drop.png', bytes });

describe('a dropped image is preprocessed the way the run\'s dataset was', () => {
  it('colour onto a 32×32 colour model stays colour; the run exports RGB PNGs and a colour sprite', async () => {
    const root = path.join(tmp, 'colour');
    await classFolders(root, ['red', 'green'], 10, (c, _s, i) => colourPicture(c, 40, i));
    const runId = await trainOn({ id: 'local', path: root, import: { size: 32, channels: 3 } });
    const drop = await colourPicture(0, 72, 1); // a red disc, larger than the dataset's pictures
    const r = await encodeFile(drop);
    expect(r.shape).toEqual([32, 32, 3]);
    expect(r.input.length).toBe(32 * 32 * 3);
    const want: ResolvedImport = { size: 32, channels: 3, fit: 'crop', preprocess: 'plain', transpose: false };
    expect(Array.from(r.input)).toEqual(Array.from(await preprocessForDataset(drop, want)));
    const centre = (16 * 32 + 16) * 3;
    expect(r.input[centre]).toBeGreaterThan(0.75); // red stays red
    expect(r.input[centre + 2]).toBeLessThan(0.25);
    expect(r.reconstruction.length).toBe(32 * 32 * 3);
    expect(r.neighbors.images.length).toBe(r.neighbors.indices.length * 32 * 32 * 3);

    const out = path.join(tmp, 'exports', 'colour-folder');
    await engine.call('export:start', { runId, format: 'imagefolder', count: 2, seed: 1, out });
    const m = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(m.shape).toEqual([32, 32, 3]);
    const pngs = (await fs.readdir(out, { recursive: true })).filter((f) => String(f).endsWith('.png'));
    expect(pngs).toHaveLength(2);
    for (const f of pngs) expect(await sharp(path.join(out, String(f))).metadata()).toMatchObject({ width: 32, height: 32, channels: 3 });
    const emb = path.join(tmp, 'exports', 'colour-emb');
    await engine.call('export:start', { runId, format: 'embeddings', out: emb });
    expect((await fs.readFile(path.join(emb, 'sprite.png')))[25]).toBe(2); // RGB
  }, 120_000);

  it('a grey photo dataset (plain) keeps plain preprocessing: no inversion, no ink fitting', async () => {
    const root = path.join(tmp, 'grey');
    await classFolders(root, ['a', 'b'], 10, (c, _s, i) => greyPhoto(40, c * 3 + (i % 4)));
    await trainOn({ id: 'local', path: root, import: { size: 32, channels: 1, preprocess: 'plain' } });
    const drop = await greyPhoto(64, 2);
    const r = await encodeFile(drop);
    expect(r.shape).toEqual([32, 32, 1]);
    const want: ResolvedImport = { size: 32, channels: 1, fit: 'crop', preprocess: 'plain', transpose: false };
    expect(Array.from(r.input)).toEqual(Array.from(await preprocessForDataset(drop, want)));
    expect(r.input[(16 * 32 + 12)]).toBeGreaterThan(0.9); // the bright square stays bright
  }, 120_000);

  it('a run on MNIST-form drawings (imported as they are) gets MNIST-style preprocessing for a photo of ink on paper', async () => {
    const root = path.join(tmp, 'mnist-form');
    await classFolders(root, ['a', 'b', 'c'], 8, (c, _s, i) => mnistForm(c + 3 * (i % 2)));
    await trainOn({ id: 'local', path: root });
    const report = (await engine.call('runs:list', {}))[0];
    expect(report.config.dataset.id).toBe('local');
    const drop = await inkPng(120, 1); // dark ink on white paper
    const r = await encodeFile(drop);
    expect(r.shape).toEqual([28, 28, 1]);
    const want: ResolvedImport = { size: 28, channels: 1, fit: 'crop', preprocess: 'mnist-style', transpose: false };
    expect(Array.from(r.input)).toEqual(Array.from(await preprocessForDataset(drop, want)));
    // light ink on a black background, as the training images are
    expect(r.input[0]).toBe(0);
    expect(Math.max(...r.input)).toBeGreaterThan(0.9);
    // a colour photo dropped onto this grey run becomes grey
    expect((await encodeFile(await colourPicture(0, 60))).input.length).toBe(28 * 28);
  }, 120_000);
});
