/**
 * A run's own training images, dropped onto it (`model:encodeFile`), become exactly the rows the
 * run trained on: a folder of small grey rings already in MNIST form (light on black, 28×28,
 * a 16-px ring — not MNIST's 20-px box) is imported plain, and a dropped ring stays plain
 * instead of being refitted to 20 px. A photo of dark ink on paper dropped onto the same run is
 * still MNIST-processed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { preprocessForDataset } from '../../src-main/engine/images';
import type { ResolvedImport } from '../../src-shared/types';
import { classFolders } from '../fixtures/datasets';
import { inkPng } from '../fixtures/generate';

let tmp: string;
let engine: Engine;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-drop-own-'));
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
}, 60_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** 28×28 black with a light shape about 16 px across: a ring (0), a bar (1) or a vertical bar (2). */
async function shape(kind: number, variant: number): Promise<Uint8Array> {
  const px = Buffer.alloc(28 * 28);
  const cx = 14 + (variant % 3) - 1;
  const cy = 14 + ((variant >> 1) % 3) - 1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const r = Math.hypot(x - cx, y - cy);
      const on = kind === 0 ? r > 6 && r < 8.5 : kind === 1 ? Math.abs(y - cy) < 2 && Math.abs(x - cx) < 8 : Math.abs(x - cx) < 2 && Math.abs(y - cy) < 8;
      px[y * 28 + x] = on ? 200 + (variant % 5) * 10 : 0;
    }
  }
  return new Uint8Array(await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
}

const plain: ResolvedImport = { size: 28, channels: 1, fit: 'crop', preprocess: 'plain', transpose: false };

describe('an image dropped onto a plain grey run', () => {
  it('its own training image keeps plain preprocessing (the row it trained on); a photo of ink on paper is MNIST-processed', async () => {
    const root = path.join(tmp, 'shapes');
    await classFolders(root, ['circle', 'bar', 'vbar'], 8, (c, _s, i) => shape(c, i));
    const { runId } = await engine.call('training:start', {
      dataset: { id: 'local', path: root },
      model: { kind: 'cvae', latentDim: 2, hidden: [32] },
      epochs: 1,
      batchSize: 8,
    });
    await engine.waitForTraining();
    await engine.call('runs:open', { runId });
    const rec = JSON.parse(readFileSync(path.join(tmp, 'ws', 'runs', runId, 'config.json'), 'utf8'));
    expect(rec.datasetReport.resolved.preprocess).toBe('plain'); // the import judged them MNIST-form

    const own = await shape(0, 2);
    const r = await engine.call('model:encodeFile', { name: 'circle.png', bytes: own });
    // The model input is the training row: the ring keeps its 16 px (not refitted into 20 px).
    expect(Array.from(r.input)).toEqual(Array.from(await preprocessForDataset(own, plain)));

    const photo = await inkPng(120, 1); // dark ink on white paper
    const p = await engine.call('model:encodeFile', { name: 'photo.png', bytes: photo });
    expect(Array.from(p.input)).toEqual(Array.from(await preprocessForDataset(photo, { ...plain, preprocess: 'mnist-style' })));
    expect(p.input[0]).toBe(0); // light ink on black, as the training images
  }, 120_000);
});
