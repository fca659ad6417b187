/**
 * Fresh-user report item 3: an export of a VAE's samples (no labels: `unlabeled/00.png…` with an
 * empty `label` in metadata.csv, -1 in the NPZ, 255 in the IDX labels) opens again as a dataset —
 * one class, "unlabeled", said and counted in the report — with the same images, and a VAE trains
 * on it while a CVAE is refused in words. A metadata.csv whose rows are all skipped says how many
 * and why, never "no files".
 */
import { promises as fsp, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { Engine } from '../../src-main/engine/engine';
import { LabError } from '../../src-shared/types';
import { classFolders, colourPicture } from '../fixtures/datasets';
import { rowsF32 } from '../../src-main/engine/datasets/rows';

let tmp: string;
let engine: Engine;
let runId: string;
const N = 10;
const SIDE = 32;
const D = SIDE * SIDE * 3;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-unlabeled-'));
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
  const root = path.join(tmp, 'shapes');
  await classFolders(root, ['red', 'green'], 8, (c, _s, i) => colourPicture(c, 40, i));
  const started = await engine.call('training:start', {
    dataset: { id: 'local', path: root, import: { size: SIDE, channels: 3 } },
    model: { kind: 'vae', latentDim: 2, hidden: [32] },
    epochs: 2,
    batchSize: 8,
  });
  await engine.waitForTraining();
  runId = started.runId;
}, 120_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const load = (p: string): Promise<LoadedDataset> => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p }, { dataDir: path.join(tmp, 'data') });
};

/** Every image of both splits as bytes (base64), sorted. */
function images(d: LoadedDataset): string[] {
  const out: string[] = [];
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.count; i++) out.push(Buffer.from(Array.from(rowsF32(s.x, d.inputDim, i, 1), (v) => Math.round(v * 255))).toString('base64'));
  }
  return out.sort();
}

/** `n` rows of `D` bytes from a flat array, as base64, sorted. */
function rows(bytes: Uint8Array, n: number): string[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(bytes.subarray(i * D, (i + 1) * D)).toString('base64')).sort();
}

/** The data of an .npy entry (after its header). */
function npyData(npy: Uint8Array): Uint8Array {
  const headerLen = npy[8] | (npy[9] << 8);
  return npy.subarray(10 + headerLen);
}

async function exportAs(format: 'imagefolder' | 'npz' | 'idx'): Promise<string> {
  const out = path.join(tmp, 'exports', format);
  await engine.call('export:start', { runId, format, count: N, seed: 3, out });
  return out;
}

/** The report says the images had no label and were imported as one class, counting them. */
function expectUnlabeledReport(d: LoadedDataset): void {
  expect(d.info.labelNames).toEqual(['unlabeled']);
  expect(d.report.classes).toHaveLength(1);
  expect(d.report.classes[0].train + d.report.classes[0].test).toBe(N);
  expect(d.train.count + d.test.count).toBe(N);
  expect(d.report.skipped).toEqual({});
  expect(d.report.warnings.join('\n')).toMatch(new RegExp(`${N} images without a label.*one class, "unlabeled".*a CVAE needs`));
  expect(d.shape).toEqual([SIDE, SIDE, 3]);
}

describe("a VAE's exported samples open again as a dataset", () => {
  it('imagefolder (unlabeled/…png, empty labels in metadata.csv): the same images, one class "unlabeled"', async () => {
    const out = await exportAs('imagefolder');
    const csv = (await fsp.readFile(path.join(out, 'metadata.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(csv).toHaveLength(N);
    expect(csv.every((l) => /^unlabeled\/\d+\.png,,-1,/.test(l))).toBe(true);
    const d = await load(out);
    expect(d.report.kind).toBe('hf-imagefolder');
    expectUnlabeledReport(d);
    const pngs = await Promise.all(csv.map((l) => sharp(path.join(out, l.split(',')[0])).raw().toBuffer()));
    expect(images(d)).toEqual(rows(new Uint8Array(Buffer.concat(pngs)), N));
  });

  it('npz (labels -1): the same images, one class "unlabeled"', async () => {
    const out = await exportAs('npz');
    const zip = unzipSync(await fsp.readFile(path.join(out, 'generated.npz')));
    const d = await load(path.join(out, 'generated.npz'));
    expect(d.report.kind).toBe('npz');
    expectUnlabeledReport(d);
    // The export's latent codes are named as what they are, not as unknown arrays.
    expect(Object.keys(zip)).toContain('z.npy');
    expect(d.report.warnings).toContain('not used: z (the latent codes a Latent Lab export stores)');
    expect(d.report.warnings.join('\n')).not.toMatch(/ignored arrays/);
    expect(images(d)).toEqual(rows(npyData(zip['images.npy']), N));
  });

  it('idx (labels 255, as its manifest says): the same images, one class "unlabeled"', async () => {
    const out = await exportAs('idx');
    const raw = gunzipSync(await fsp.readFile(path.join(out, 'images-idx4-ubyte.gz')));
    const d = await load(out);
    expect(d.report.kind).toBe('idx');
    expectUnlabeledReport(d);
    expect(images(d)).toEqual(rows(new Uint8Array(raw.subarray(20)), N));
  });

  it('a VAE trains on the re-opened export; a CVAE is refused, saying it needs labelled classes', async () => {
    const dataset = { id: 'local' as const, path: path.join(tmp, 'exports', 'imagefolder') };
    const inspected = await engine.call('datasets:inspect', { dataset });
    expect(inspected.report.warnings.join('\n')).toMatch(/imported as one class, "unlabeled"/);
    const cvae = await engine.handle('training:start', { dataset, model: { kind: 'cvae', latentDim: 2, hidden: [8] }, epochs: 1, batchSize: 8 });
    expect(cvae.ok).toBe(false);
    if (!cvae.ok) expect(cvae.error.message).toMatch(/CVAE .*needs at least 2 classes; this dataset has one \("unlabeled"\): train a VAE/);
    const vae = await engine.call('training:start', { dataset, model: { kind: 'vae', latentDim: 2, hidden: [8] }, epochs: 1, batchSize: 8 });
    await engine.waitForTraining();
    const run = (await engine.call('runs:list', {})).find((r) => r.id === vae.runId)!;
    expect(run.state).toBe('done');
    expect(run.epochsDone).toBe(1);
  }, 60_000);
});

describe('a metadata.csv whose rows are all skipped', () => {
  it('says how many were skipped and why, naming files — not "no files"', async () => {
    const root = path.join(tmp, 'all-missing');
    await fsp.mkdir(root, { recursive: true });
    await fsp.writeFile(path.join(root, 'metadata.csv'), 'file_name,label\ncats/1.png,cat\ncats/2.png,cat\ndogs/1.png,dog\n');
    const err = await load(root).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LabError);
    const msg = (err as LabError).message;
    expect(msg).toMatch(/skipped 3 items \(3 listed in metadata\.csv but missing; e\.g\. cats\/1\.png: listed in metadata\.csv but missing/);
    expect(msg).not.toMatch(/no files/);
  });
});
