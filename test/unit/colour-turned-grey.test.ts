/**
 * Fresh-user report (RA10 item 2): a folder of grey ink drawings with a few colour images became
 * grey MNIST-style data without a word about the colour. The report now says how many of the
 * sampled images were in colour and that they were turned grey, with the way to keep colour; and
 * that way (Colour "colour" in the app, --channels 3 in the CLI) really keeps it (MNIST-style processing would make it grey).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearDatasetMemo, loadDataset, type LoadedDataset } from '../../src-main/engine/datasets';
import { cliWarning } from '../../src-main/cli/data';
import type { ImportOptions } from '../../src-shared/datasets';
import { colourPicture } from '../fixtures/datasets';
import { inkPng, makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
let root: string;
const GREY_PER_CLASS = 10;
const COLOUR = 2;
const TOTAL = 2 * GREY_PER_CLASS + COLOUR;

beforeAll(async () => {
  tmp = await makeTemp();
  root = path.join(tmp, 'mixed');
  for (const [c, name] of ['a', 'b'].entries()) {
    await fsp.mkdir(path.join(root, name), { recursive: true });
    // grey ink drawings of mixed sizes
    for (let i = 0; i < GREY_PER_CLASS; i++) await fsp.writeFile(path.join(root, name, `${i}.png`), await inkPng(36 + (i % 4) * 10, c + i));
  }
  for (let i = 0; i < COLOUR; i++) await fsp.writeFile(path.join(root, 'a', `colour-${i}.png`), await colourPicture(i, 48, i));
});
afterAll(async () => {
  await rmTemp(tmp);
});

function load(p: string, o: Partial<ImportOptions> = {}): Promise<LoadedDataset> {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p, import: { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'auto', transpose: false, ...o } }, { dataDir: tmp });
}

/** Rows (of every split) with a pixel whose R, G, B differ. */
function colouredRows(d: LoadedDataset): number {
  let n = 0;
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.count; i++) {
      const row = s.x.subarray(i * d.inputDim, (i + 1) * d.inputDim);
      let coloured = false;
      for (let k = 0; k + 2 < row.length && !coloured; k += 3) coloured = Math.max(row[k], row[k + 1], row[k + 2]) - Math.min(row[k], row[k + 1], row[k + 2]) > 24;
      if (coloured) n++;
    }
  }
  return n;
}

describe('a few colour images among grey ink drawings', () => {
  it('auto: MNIST-style grey, and the report says how many sampled images were colour and were turned grey', async () => {
    const d = await load(root);
    expect(d.resolved?.preprocess).toBe('mnist-style');
    expect(d.shape[2]).toBe(1);
    expect(d.train.count + d.test.count).toBe(TOTAL);
    // Every decoded image is looked at (not a sample), and the colour ones are named.
    expect(d.report.warnings).toContain(`${COLOUR} of the ${TOTAL} images are in colour (a/colour-0.png, a/colour-1.png): turned grey (set Colour to "colour" to keep colour)`);
    // The CLI says its flag instead of the app's choice.
    expect(d.report.warnings.map(cliWarning)).toContain(`${COLOUR} of the ${TOTAL} images are in colour (a/colour-0.png, a/colour-1.png): turned grey (use --channels 3 to keep colour)`);
  });

  it('Colour chosen (--channels 3): kept in colour, not MNIST-style, no "turned grey" warning', async () => {
    const d = await load(root, { channels: 3 });
    expect(d.resolved?.preprocess).toBe('plain');
    expect(d.shape[2]).toBe(3);
    expect(colouredRows(d)).toBe(COLOUR);
    expect(d.report.warnings.join('\n')).not.toMatch(/turned grey/);
    expect(d.report.preprocessing).toMatch(/colour chosen: .*MNIST-style processing would make them grey/);
  });

  it('grey chosen: says the colour images were turned grey as chosen; no colour image: no such warning', async () => {
    const d = await load(root, { channels: 1 });
    expect(d.report.warnings).toContain(`${COLOUR} of the ${TOTAL} images are in colour (a/colour-0.png, a/colour-1.png): turned grey as chosen`);
    const greyOnly = path.join(tmp, 'grey-only');
    await fsp.cp(root, greyOnly, { recursive: true, filter: (src) => !path.basename(src).startsWith('colour-') });
    const g = await load(greyOnly);
    expect(g.train.count + g.test.count).toBe(2 * GREY_PER_CLASS);
    expect(g.report.warnings.join('\n')).not.toMatch(/in colour/);
  });
});
