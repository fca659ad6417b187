/**
 * `latent-lab train --model vaegan` on a few hundred digits as a user runs it: the VAE-GAN's
 * flags reach the run's config, the epoch lines carry the discriminator's loss, the run folder
 * holds the three networks, and `generate` writes samples from it; the flags are refused on
 * other kinds.
 */
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCli } from './cliOutput';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDigits } from '../fixtures/digits';

let ws: string;
let digits: string;

const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-vaegan-cli-'));
  digits = await writeDigits(path.join(ws, 'digits'), 300, 100);
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('latent-lab train --model vaegan', () => {
  it('trains with its flags, prints the GAN losses per epoch, saves three networks; generate samples from the run', async () => {
    const runDir = path.join(ws, 'gan-run');
    const args = ['train', '--model', 'vaegan', '--data', digits, '--latent', '2', '--hidden', '32', '--epochs', '2', '--batch', '32'];
    const r = await cli([...args, '--gamma', '0.5', '--pixel-weight', '2', '--disc-lr-scale', '0.5', '--out', runDir, '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.slice(0, 2).map((l) => l.epoch)).toEqual([1, 2]);
    for (const l of lines.slice(0, 2)) {
      expect(l.train.gan.disc).toBeGreaterThan(0);
      expect(l.train.gan.gen).toBeGreaterThan(0);
      expect(l.train.gan.feature).toBeGreaterThanOrEqual(0);
      expect(l.val.gan).toBeUndefined();
    }
    const last = lines.at(-1);
    expect(last).toMatchObject({ run: runDir, state: 'done', epochs: 2 });
    expect(last.test.elbo).toBeCloseTo(last.test.recon + last.test.kl, 3);
    const rec = JSON.parse(await fs.readFile(path.join(runDir, 'config.json'), 'utf8'));
    expect(rec.config.model).toMatchObject({ kind: 'vaegan', gamma: 0.5, pixelWeight: 2, discLrScale: 0.5 });
    for (const net of ['encoder', 'decoder', 'discriminator']) expect(existsSync(path.join(runDir, 'model', net, 'model.json'))).toBe(true);

    const out = path.join(ws, 'samples');
    const g = await cli(['generate', '--run', runDir, '--count', '6', '--format', 'idx', '--out', out]);
    expect(g.code).toBe(0);
    const images = gunzipSync(await fs.readFile(path.join(out, 'images-idx3-ubyte.gz')));
    expect(images.readUInt32BE(4)).toBe(6);
    expect(images.length).toBe(16 + 6 * 784);
    // Not blank: the samples have ink.
    expect(images.subarray(16).some((v) => v > 128)).toBe(true);
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ modelKind: 'vaegan', latentDim: 2 });

    // --label is for a CVAE: the refusal names the kind as the app does.
    const l = await cli(['generate', '--run', runDir, '--count', '6', '--label', '7', '--format', 'idx', '--out', path.join(ws, 'sevens')]);
    expect(l.code).toBe(2);
    expect(l.stderr.trim()).toBe('latent-lab: --label needs a CVAE run (this one is VAE-GAN) (see generate --help)');
    expect(existsSync(path.join(ws, 'sevens'))).toBe(false);
  }, 400_000);

  it('refuses the VAE-GAN flags on another kind, and bad values, before training', async () => {
    const r = await cli(['train', '--model', 'vae', '--data', digits, '--gamma', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--gamma needs --model vaegan/);
    const r2 = await cli(['train', '--model', 'vaegan', '--data', digits, '--disc-lr-scale', '0']);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/--disc-lr-scale must be a number > 0/);
    expect(existsSync(path.join(ws, 'lab', 'runs')) ? await fs.readdir(path.join(ws, 'lab', 'runs')) : []).toEqual([]);
  }, 120_000);
});
