/**
 * A colour NPZ (N×64×64×3) shared without its manifest, whose sampled images show no visible
 * colour, is imported grey by auto: the report says the 3 channels were read as grey and how to
 * keep them (the app's Colour setting; the CLI's --channels 3) — it used to say nothing (report N4).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { cliWarning } from '../../src-main/cli/data';
import type { DatasetRefInput } from '../../src-shared/types';
import { npy, npz } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-array-channels-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

const load = (p: string, extra: Partial<DatasetRefInput> = {}): Promise<LoadedDataset> => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p, ...extra } as DatasetRefInput, { dataDir: tmp });
};

const N = 30;
const S = 64;
/** `N` smooth grey pictures (a diagonal gradient with a bright disc), `c` equal channels each. */
function greyPictures(c: number): Uint8Array {
  const px = new Uint8Array(N * S * S * c);
  for (let i = 0; i < N; i++) {
    const cx = 16 + (i % 5) * 8;
    const cy = 16 + Math.floor(i / 5) * 5;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const v = Math.hypot(x - cx, y - cy) < 10 ? 230 : 40 + ((x + y) * 120) / (2 * S);
        for (let k = 0; k < c; k++) px[((i * S + y) * S + x) * c + k] = Math.round(v);
      }
    }
  }
  return px;
}
const labels = Int32Array.from({ length: N }, (_, i) => i % 2);

describe('a 3-channel array auto imports grey', () => {
  it('the report says the 3 channels were read as grey and how to keep them (app and CLI words)', async () => {
    const file = path.join(tmp, 'colour.npz');
    await fsp.writeFile(file, npz({ images: npy(greyPictures(3), [N, S, S, 3]), labels: npy(labels, [N]) }));
    const d = await load(file);
    expect(d.shape).toEqual([S, S, 1]);
    const note = `the array has 3 colour channels, read as grey: none of the ${N} sampled images shows visible colour (set Colour to "colour" to keep colour)`;
    expect(d.report.warnings).toContain(note);
    expect(d.report.warnings.map(cliWarning)).toContain(note.replace('set Colour to "colour" to keep colour', 'use --channels 3 to keep colour'));
  });

  it('Colour chosen: kept as 3 channels, no note; a grey array: no note', async () => {
    const file = path.join(tmp, 'colour.npz');
    const kept = await load(file, { import: { channels: 3 } } as Partial<DatasetRefInput>);
    expect(kept.shape).toEqual([S, S, 3]);
    expect(kept.report.warnings.join('\n')).not.toMatch(/read as grey/);
    const greyFile = path.join(tmp, 'grey.npz');
    await fsp.writeFile(greyFile, npz({ images: npy(greyPictures(1), [N, S, S]), labels: npy(labels, [N]) }));
    expect((await load(greyFile)).report.warnings.join('\n')).not.toMatch(/read as grey/);
  });
});
