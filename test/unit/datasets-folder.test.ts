import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { clearDatasetMemo, listDatasets, loadDataset, type LoadProgress } from '../../src-main/engine/datasets';
import { LabError } from '../../src-shared/types';
import { encodeGray, inkPng, makeFolderDataset, makeTemp, rmTemp } from '../fixtures/generate';
import { rowsF32, valuesF32 } from '../../src-main/engine/datasets/rows';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp();
});
afterAll(async () => {
  await rmTemp(tmp);
});

async function badDataset(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  expect((err as LabError).code).toBe('BAD_DATASET');
  expect((err as LabError).message).toMatch(re);
}

describe('folder dataset', () => {
  it('loads classes, skips strays, empty folders and corrupt files (counted)', async () => {
    const root = path.join(tmp, 'digits');
    await makeFolderDataset(root, ['ones', 'sevens', 'twos'], 10);
    await fsp.mkdir(path.join(root, 'empty'));
    await fsp.writeFile(path.join(root, 'ones', 'notes.txt'), 'not an image');
    await fsp.writeFile(path.join(root, 'README.md'), '# stray at the root');
    const good = await inkPng(40);
    await fsp.writeFile(path.join(root, 'sevens', 'broken.png'), good.subarray(0, 30));
    await fsp.writeFile(path.join(root, 'twos', 'fake.png'), 'text pretending to be a png');
    await fsp.writeFile(path.join(root, 'twos', '.DS_Store'), 'hidden');

    const progress: LoadProgress[] = [];
    const d = await loadDataset({ id: 'folder', path: root }, { dataDir: tmp, onProgress: (p) => progress.push(p) });
    expect(d.info.labelNames).toEqual(['ones', 'sevens', 'twos']);
    expect(d.info.isImage).toBe(true);
    expect(d.info.shape).toEqual([28, 28, 1]);
    expect(d.report.kind).toBe('imagefolder');
    expect(d.inputDim).toBe(784);
    expect(d.train.count + d.test.count).toBe(30);
    expect(d.test.count).toBe(6); // 20 % of 10 per class
    expect(d.info.trainCount).toBe(d.train.count);
    expect(d.resolved?.preprocess).toBe('mnist-style');
    for (const s of [d.train, d.test]) {
      expect(new Set(s.y).size).toBe(3);
      expect(s.x.length).toBe(s.count * 784);
      expect(s.x).toBeInstanceOf(Uint8Array); // pixels kept as bytes (datasets/rows.ts)
      expect(valuesF32(s.x).every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    const warnings = d.warnings!.join('\n');
    expect(warnings).toMatch(/ignored 1 class without usable images: empty/);
    expect(d.report.skipped).toEqual({ 'not an image file': 2, 'could not be decoded': 2 });
    expect(warnings).toMatch(/skipped 4 items: 2 not an image file, 2 could not be decoded \(e\.g\. .*(broken|fake)\.png/);
    const decode = progress.filter((p) => p.phase === 'decode');
    expect(decode.at(-1)).toEqual({ phase: 'decode', loaded: 32, total: 32 });
    expect(progress.at(-1)!.phase).toBe('ready');

    // memoised per path; deterministic split on reload
    expect((await loadDataset({ id: 'folder', path: root }, { dataDir: tmp })) === d).toBe(true);
    clearDatasetMemo();
    const again = await loadDataset({ id: 'folder', path: root }, { dataDir: tmp });
    expect(Array.from(again.train.y)).toEqual(Array.from(d.train.y));
    expect(Buffer.from(again.test.x.buffer).equals(Buffer.from(d.test.x.buffer))).toBe(true);

    const listed = (await listDatasets(tmp, root)).find((x) => x.id === 'local')!;
    expect(listed.available).toBe(true);
    expect(listed.labelNames).toEqual(['ones', 'sevens', 'twos']);
  });

  // These were BAD_DATASET ("needs at least 2 classes", "no label folders") until one-class data
  // was imported for an AE / VAE / VAE-GAN (one-class-folders.test.ts has the full cases).
  it('one usable class only → imported as that one class, said in a warning', async () => {
    const root = path.join(tmp, 'one');
    await makeFolderDataset(root, ['only'], 3);
    await fsp.mkdir(path.join(root, 'nothing-here'));
    const d = await loadDataset({ id: 'folder', path: root }, { dataDir: tmp });
    expect(d.info.labelNames).toEqual(['only']);
    expect(d.train.count + d.test.count).toBe(3);
    expect(d.report.warnings.join('\n')).toMatch(/one class only \("only": 3 images\).*a CVAE needs at least 2 classes/);
  });

  it('missing folder, and a flat folder of one image (too little data) → BAD_DATASET', async () => {
    await badDataset(loadDataset({ id: 'folder', path: path.join(tmp, 'nope') }, { dataDir: tmp }), /not found/);
    const flat = path.join(tmp, 'flat');
    await fsp.mkdir(flat);
    await fsp.writeFile(path.join(flat, 'a.png'), await inkPng(40));
    await badDataset(loadDataset({ id: 'folder', path: flat }, { dataDir: tmp }), /too little data: "unlabeled" has 1 image/);
  });

  it('photo-like images are taken plain (not MNIST-style), padded when asked', async () => {
    const root = path.join(tmp, 'photos');
    for (const [c, name] of ['dark', 'light'].entries()) {
      await fsp.mkdir(path.join(root, name), { recursive: true });
      for (let i = 0; i < 5; i++) {
        // a smooth gradient filling the frame, 60×30 (wide)
        const px = Uint8Array.from({ length: 60 * 30 }, (_, k) => ((k % 60) * 4 + c * 10 + i) % 256);
        await fsp.writeFile(path.join(root, name, `${i}.png`), await encodeGray(px, 60, 30, 'png'));
      }
    }
    const d = await loadDataset({ id: 'local', path: root, import: { fit: 'pad' } }, { dataDir: tmp });
    expect(d.resolved).toEqual({ size: 28, channels: 1, fit: 'pad', preprocess: 'plain', transpose: false });
    expect(d.train.count + d.test.count).toBe(10);
    // wide image fitted into 28×28: rows 0 and 27 are padding (uniform), the middle varies
    const x = rowsF32(d.train.x, 784, 0, 1);
    expect(x[0]).toBeCloseTo(x[27], 5);
    expect(Math.abs(x[14 * 28 + 2] - x[14 * 28 + 25])).toBeGreaterThan(0.3);
  });

  it('can be cancelled', async () => {
    const root = path.join(tmp, 'cancel');
    await makeFolderDataset(root, ['a', 'b'], 20);
    const ctrl = new AbortController();
    const err = await loadDataset(
      { id: 'folder', path: root },
      { dataDir: tmp, signal: ctrl.signal, onProgress: (p) => p.phase === 'decode' && p.loaded >= 5 && ctrl.abort() },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err.code).toBe('CANCELLED');
    // a cancelled load is not memoised
    const ok = await loadDataset({ id: 'folder', path: root }, { dataDir: tmp });
    expect(ok.train.count + ok.test.count).toBe(40);
  });
});
