/**
 * A colour conv VAE end to end through the engine, as the app and the CLI drive it: a folder of
 * 32×32 RGB pictures imported as 32×32×3, `training:start` with `arch: 'conv'`, the run's config
 * with the resolved widths, colour generation and reconstruction, the run reopened from disk.
 * And conv on data that is not an image is refused before a run is created.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';

let tmp: string;
let engine: Engine;
let pictures: string;

/** 40×40 RGB: "red" a red disc, "blue" a blue bar, on grey, jittered. */
async function colourPictures(dir: string, perClass: number): Promise<void> {
  for (const name of ['blue', 'red']) {
    await fs.mkdir(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const w = 40;
      const px = Buffer.alloc(w * w * 3, 128);
      const cx = 14 + (i % 11);
      const cy = 14 + ((i * 7) % 11);
      for (let y = 0; y < w; y++) {
        for (let x = 0; x < w; x++) {
          const inside = name === 'red' ? (x - cx) ** 2 + (y - cy) ** 2 < 144 : Math.abs(x - cx) < 7 && y > 4 && y < 36;
          if (!inside) continue;
          const o = (y * w + x) * 3;
          px[o] = name === 'red' ? 230 : 20;
          px[o + 1] = 30;
          px[o + 2] = name === 'red' ? 20 : 230;
        }
      }
      await sharp(px, { raw: { width: w, height: w, channels: 3 } }).png().toFile(path.join(dir, name, `${i}.png`));
    }
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-engine-conv-'));
  pictures = path.join(tmp, 'pictures');
  await colourPictures(pictures, 40);
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
}, 60_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('engine: a colour conv VAE', () => {
  it('trains on 32×32×3 pictures, records its architecture, generates and reconstructs in colour, reopens', async () => {
    const { runId } = await engine.call('training:start', {
      dataset: { id: 'local', path: pictures, import: { size: 32, channels: 3, preprocess: 'plain' } },
      model: { kind: 'vae', arch: 'conv', latentDim: 4, convFilters: [4, 8, 8], hidden: [16] },
      epochs: 40,
      batchSize: 16,
      learningRate: 3e-3,
      seed: 4,
    });
    await engine.waitForTraining();
    const runs = await engine.call('runs:list', {});
    const run = runs.find((r) => r.id === runId)!;
    expect(run.state).toBe('done');
    expect(run.config.model).toMatchObject({ arch: 'conv', convFilters: [4, 8, 8], hidden: [16] });
    const history = JSON.parse(await fs.readFile(path.join(tmp, 'ws', 'runs', runId, 'config.json'), 'utf8'));
    expect(history.config.model.arch).toBe('conv');

    const g = await engine.call('model:generate', { count: 5, seed: 1, temperature: 1 });
    expect(g.shape).toEqual([32, 32, 3]);
    expect(g.images.length).toBe(5 * 32 * 32 * 3);
    const rec = await engine.call('model:reconstruct', { split: 'test', offset: 0, count: 4, worstFirst: false });
    expect(rec.reconstructions.length).toBe(rec.count * 3072);
    // Colour learnt: a reconstruction's mean red minus blue has the sign of its original's.
    const redMinusBlue = (a: Float32Array, i: number) => {
      let s = 0;
      for (let p = 0; p < 1024; p++) s += a[i * 3072 + p * 3] - a[i * 3072 + p * 3 + 2];
      return s / 1024;
    };
    for (let i = 0; i < rec.count; i++) {
      expect(Math.sign(redMinusBlue(rec.reconstructions, i))).toBe(Math.sign(redMinusBlue(rec.originals, i)));
    }

    // A fresh engine on the same workspace loads the saved conv model and decodes the same.
    const z = new Float32Array([0.5, -0.5, 0.25, 0]);
    const before = await engine.call('model:decode', { z, count: 1 });
    const again = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
    try {
      await again.call('runs:open', { runId });
      const after = await again.call('model:decode', { z, count: 1 });
      expect(Array.from(after.images)).toEqual(Array.from(before.images));
    } finally {
      await again.dispose();
    }
  });

  it('refuses a conv model on 2-D points before creating a run', async () => {
    const before = (await engine.call('runs:list', {})).length;
    await expect(
      engine.call('training:start', { dataset: { id: 'toy-moons' }, model: { kind: 'vae', arch: 'conv' }, epochs: 1 }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/conv models take square images/) });
    expect((await engine.call('runs:list', {})).length).toBe(before);
  });
});
