/**
 * "Replace a previous export" never deletes a file the user edited in it: the export's manifest
 * records each file it wrote, and a Replace that finds one changed is refused (EXISTS) naming it,
 * before writing and again right before the commit; the edited file stays as the user left it.
 */
import { appendFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDestination, isOnlyExport, writeGeneratedExport, type ExportManifest, type GeneratedSource } from '../../src-main/engine/export';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp();
});
afterAll(async () => {
  await rmTemp(tmp);
});

const H = 4;
const W = 4;

/** `total` unlabeled 4×4 images, image i filled with grey level (i + shift) / (total + shift). */
function source(total: number, shift = 0): GeneratedSource {
  async function* chunks() {
    const images = new Float32Array(total * H * W);
    for (let i = 0; i < total; i++) images.fill((i + shift) / (total + shift), i * H * W, (i + 1) * H * W);
    yield { images, labels: new Int32Array(total).fill(-1), z: new Float32Array(total * 2), count: total };
  }
  return { total, height: H, width: W, latentDim: 2, labelNames: [], chunks: chunks() };
}

const manifest: ExportManifest = {
  runId: 'run-1',
  modelKind: 'vae',
  latentDim: 2,
  dataset: 'mnist',
  seed: 1,
  temperature: 1,
  countPerLabel: { unlabeled: 12 },
  created: '2026-01-01T00:00:00.000Z',
  appVersion: 'test',
};

async function exportTo(name: string, total = 12): Promise<string> {
  const out = path.join(tmp, name);
  await writeGeneratedExport('imagefolder', out, source(total), manifest);
  return out;
}

const replace = (out: string, opts: { onProgress?: (done: number) => void } = {}) =>
  writeGeneratedExport('imagefolder', out, source(12, 5), manifest, { overwrite: true, onProgress: opts.onProgress });

describe('Replace never deletes a file the user edited', () => {
  it('one edited image: Replace is refused naming it, and the image and the rest stay as they were', async () => {
    const out = await exportTo('one-edit');
    const mine = Buffer.from('my own drawing, not the generated one');
    await fsp.writeFile(path.join(out, 'unlabeled', '05.png'), mine);
    const other = await fsp.readFile(path.join(out, 'unlabeled', '04.png'));

    const err = await replace(out).catch((e) => e);
    expect(err.code).toBe('EXISTS');
    expect(err.message).toContain('1 file was changed since it was written (unlabeled/05.png)');
    expect(err.message).toMatch(/not replaced/);
    expect(await fsp.readFile(path.join(out, 'unlabeled', '05.png'))).toEqual(mine);
    expect(await fsp.readFile(path.join(out, 'unlabeled', '04.png'))).toEqual(other);
    expect((await fsp.readdir(tmp)).filter((n) => n.includes('latentlab-'))).toEqual([]);
    // The old folder is never deleted as "only the export's" either (the crash-recovery rule).
    expect(await isOnlyExport(out)).toBe(false);
  });

  it('an edit of the same size (a re-saved image) is caught by its hash; five edits are counted, three named', async () => {
    const out = await exportTo('same-size');
    const file = path.join(out, 'unlabeled', '03.png');
    const png = await fsp.readFile(file);
    png[png.length - 20] ^= 0xff; // same length, different bytes
    await fsp.writeFile(file, png);
    const later = new Date(Date.now() + 60_000);
    await fsp.utimes(file, later, later); // saved a minute later
    expect((await replace(out).catch((e) => e)).message).toContain('(unlabeled/03.png)');

    for (const n of ['07', '08', '09', '10']) await fsp.writeFile(path.join(out, 'unlabeled', `${n}.png`), `edit ${n}`);
    const err = await checkDestination(out, { overwrite: true }).catch((e) => e);
    expect(err.code).toBe('EXISTS');
    expect(err.message).toContain('5 files were changed since it was written (unlabeled/03.png, unlabeled/07.png, unlabeled/08.png and 2 more)');
    expect(await fsp.readFile(file)).toEqual(png);
  });

  it('an untouched export is replaced, even when its files were touched or copied without changes', async () => {
    const out = await exportTo('untouched');
    const before = await fsp.readFile(path.join(out, 'unlabeled', '05.png'));
    const later = new Date(Date.now() + 60_000);
    await fsp.utimes(path.join(out, 'unlabeled', '05.png'), later, later);
    await fsp.utimes(path.join(out, 'metadata.csv'), later, later);
    const r = await replace(out);
    expect(r.out).toBe(out);
    const after = await fsp.readFile(path.join(out, 'unlabeled', '05.png'));
    expect(after.equals(before)).toBe(false); // the new export's image (other grey levels)
    // A file the user deleted is not an edit: nothing of theirs is lost by replacing.
    await fsp.rm(path.join(out, 'unlabeled', '02.png'));
    await replace(out);
    expect((await fsp.readdir(path.join(out, 'unlabeled'))).length).toBe(12);
  });

  it('a file edited while the new export is being written is caught by the check right before the commit', async () => {
    const out = await exportTo('during');
    const file = path.join(out, 'metadata.csv');
    let edited = false;
    const err = await replace(out, {
      onProgress: (done) => {
        if (done > 0 && !edited) {
          edited = true;
          appendFileSync(file, 'my note\n');
        }
      },
    }).catch((e) => e);
    expect(edited).toBe(true);
    expect(err.code).toBe('EXISTS');
    expect(err.message).toContain('(metadata.csv)');
    expect(await fsp.readFile(file, 'utf8')).toMatch(/my note\n$/);
    expect((await fsp.readdir(tmp)).filter((n) => n.includes('latentlab-'))).toEqual([]);
  });
});
