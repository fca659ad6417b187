/**
 * Fresh-tester findings on the import report (F3): with Colour set to grey on a colour folder the
 * report said "Images 64×64 grey … Why: 32 of 32 sample images have colour: kept in colour" — it
 * now says they were turned grey as chosen; and 48-px images upscaled to 64×64 by auto (ties go
 * up) now get a note that it is an upscale and that Size 32 is as near and about 5× cheaper (the
 * CLI says `--size 32`). Real folders of small PNGs, loaded as the app and the CLI load them.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWarning } from '../../src-main/cli/data';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { describePreprocessing, resolveImport, upscaleNote, type SampleStats } from '../../src-main/engine/datasets/local/imageFiles';
import type { ImportOptions } from '../../src-shared/datasets';
import { colourPicture, pixelCsv } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';
import { runCli } from './cliOutput';

let tmp: string;
/** Two classes of 48×48 colour pictures, 8 each. */
let root: string;

beforeAll(async () => {
  tmp = await makeTemp();
  root = path.join(tmp, 'colour48');
  for (const [c, name] of ['red', 'green'].entries()) {
    await fsp.mkdir(path.join(root, name), { recursive: true });
    for (let i = 0; i < 8; i++) await fsp.writeFile(path.join(root, name, `${i}.png`), await colourPicture(c, 48, i));
  }
});
afterAll(async () => {
  await rmTemp(tmp);
});

function load(o: Partial<ImportOptions> = {}): Promise<LoadedDataset> {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: root, import: { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'auto', transpose: false, ...o } }, { dataDir: tmp });
}

const AUTO = { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'auto', transpose: false } as const;
const stats = (o: Partial<SampleStats>): SampleStats => ({ decoded: 32, ink: 0, colour: 0, medianSide: 48, mnistForm: 0, ...o });

describe('grey chosen for colour images: the reason says so', () => {
  it('the report says the colour images were turned grey as chosen, not "kept in colour"', async () => {
    const d = await load({ channels: 1 });
    expect(d.shape).toEqual([64, 64, 1]);
    expect(d.report.preprocessing).toMatch(/Why: 16 of 16 sample images have colour: turned grey as chosen, median side 48 px\.$/);
    expect(d.report.preprocessing).not.toMatch(/kept in colour/);
  });

  it('auto on the same folder keeps colour and says so', async () => {
    const d = await load();
    expect(d.shape).toEqual([64, 64, 3]);
    expect(d.report.preprocessing).toMatch(/Why: 16 of 16 sample images have colour: kept in colour, median side 48 px\.$/);
  });

  it('the words follow the chosen channels in describePreprocessing itself', () => {
    const s = stats({ colour: 32 });
    expect(describePreprocessing(resolveImport({ ...AUTO, channels: 1 }, s), s)).toMatch(/have colour: turned grey as chosen/);
    expect(describePreprocessing(resolveImport({ ...AUTO, channels: 3 }, s), s)).toMatch(/have colour: kept in colour/);
  });
});

describe('48-px images upscaled to 64×64 by auto', () => {
  const NOTE = 'images are upscaled to 64×64 from a median side of 48 px; Size 32 is as near (16 px below, as 64 is 16 px above), with a quarter of the pixels, about 5× cheaper to train';

  it('the report says it is an upscale and that Size 32 is as near and cheaper; the CLI names --size 32', async () => {
    const d = await load();
    expect(d.shape[0]).toBe(64);
    expect(d.report.warnings).toContain(`${NOTE}: set Size to 32 to train at 32×32`);
    expect(d.report.warnings.map(cliWarning)).toContain(`${NOTE}: use --size 32 to train at 32×32`);
  });

  it('a 48×48 grey CSV (FER2013-like), Preprocess plain: the same note', async () => {
    const n = 20;
    const D = 48 * 48;
    const images = new Uint8Array(n * D);
    for (let i = 0; i < n; i++) for (let k = 0; k < D; k++) images[i * D + k] = (((k % 48) * 3 + Math.floor(k / 48) * 2 + i * 7 + ((k * 2654435761) >>> 27)) % 200) + 30;
    const csv = path.join(tmp, 'faces48.csv');
    await fsp.writeFile(csv, pixelCsv(images, Array.from({ length: n }, (_, i) => i % 2), D, true));
    clearDatasetMemo();
    const d = await loadDataset({ id: 'local', path: csv, import: { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'plain', transpose: false } }, { dataDir: tmp });
    expect(d.shape).toEqual([64, 64, 1]);
    expect(d.report.warnings).toContain(`${NOTE}: set Size to 32 to train at 32×32`);
  });

  it('no note when the size was chosen (64 or 32)', async () => {
    for (const size of [64, 32] as const) {
      const d = await load({ size });
      expect(d.report.warnings.filter((w) => w.includes('upscaled'))).toEqual([]);
    }
  });

  it('the note says how near 32 is when it is not a tie; none at 64 px, nor for MNIST-style or sizes below 64', () => {
    const at = (medianSide: number, o: Partial<ImportOptions> = {}) => {
      const s = stats({ medianSide });
      return upscaleNote(resolveImport({ ...AUTO, ...o }, s), s, o.size ?? 'auto');
    };
    expect(at(56)).toMatch(/from a median side of 56 px; Size 32 is 24 px below \(64 is 8 px above\)/);
    expect(at(64)).toBeNull();
    expect(at(40)).toBeNull(); // 32 already
    expect(at(48, { preprocess: 'mnist-style' })).toBeNull(); // 28, fitted into a box
  });

  it('CLI inspect: the warning names --size 32, and grey chosen says "turned grey as chosen"', async () => {
    const r = await runCli(['inspect', '--data', root, '--channels', '1'], { home: path.join(tmp, 'lab') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/have colour: turned grey as chosen/);
    expect(r.stdout).not.toMatch(/kept in colour/);
    expect(r.stderr).toContain('warning: images are upscaled to 64×64 from a median side of 48 px; Size 32 is as near');
    expect(r.stderr).toContain('use --size 32 to train at 32×32');
  }, 60_000);
});
