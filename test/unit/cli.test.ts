/**
 * The CLI as a user runs it: train → generate → encode, JSON output, and one-line errors; and
 * `train --out`, which never deletes or overwrites anything it did not make.
 */
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampledFrom } from '../../src-main/cli/export';
import { FITTING_MESSAGE } from '../../src-main/engine/export/fromRun';
import { moveRunTo } from '../../src-main/cli/runOut';
import { LabError } from '../../src-shared/types';
import { runCli, stderrLines } from './cliOutput';

let ws: string;

// The workspace is a sub-folder: the tests' exports beside it are outside it (inside is refused).
const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });

let runDir = '';
let trained: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-cli-'));
  runDir = path.join(ws, 'my-run');
  trained = await cli(['train', '--model', 'cvae', '--latent', '2', '--hidden', '64', '--epochs', '1', '--out', runDir, '--json']);
}, 300_000);

afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('cli', () => {
  it('train --out writes the run to a new folder and prints its test metrics as JSON', async () => {
    expect(stderrLines(trained.stderr)).toEqual([]);
    expect(trained.code).toBe(0);
    const lines = trained.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].epoch).toBe(1);
    const last = lines.at(-1);
    expect(last.run).toBe(runDir);
    expect(last.test.elbo).toBeGreaterThan(50);
    expect(last.test.elbo).toBeCloseTo(last.test.recon + last.test.kl, 3);
    expect(last.samplesPerSecond).toBeGreaterThan(0);
    const rec = JSON.parse(await fs.readFile(path.join(runDir, 'config.json'), 'utf8'));
    expect(rec.id).toBe('my-run');
    // Moved, not copied: the workspace keeps no second copy.
    expect(await fs.readdir(path.join(ws, 'lab', 'runs'))).toEqual([]);
  });

  it('info --json names the backend and why better ones were skipped', async () => {
    const r = await cli(['info', '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.backend.backend);
    if (info.backend.backend !== 'tensorflow') expect(info.backend.skipped[0].backend).toBe('tensorflow');
  });

  it('generate writes an IDX pair a plain reader accepts', async () => {
    const out = path.join(ws, 'gen-idx');
    const r = await cli(['generate', '--run', runDir, '--count', '5', '--label', '7', '--format', 'idx', '--out', out]);
    expect(stderrLines(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    const images = gunzipSync(await fs.readFile(path.join(out, 'images-idx3-ubyte.gz')));
    const labels = gunzipSync(await fs.readFile(path.join(out, 'labels-idx1-ubyte.gz')));
    expect(images.readUInt32BE(0)).toBe(0x00000803);
    expect(images.readUInt32BE(4)).toBe(5);
    expect(images.readUInt32BE(8)).toBe(28);
    expect(images.length).toBe(16 + 5 * 784);
    expect(labels.readUInt32BE(0)).toBe(0x00000801);
    expect(Array.from(labels.subarray(8))).toEqual([7, 7, 7, 7, 7]);
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ runId: 'my-run', modelKind: 'cvae', latentDim: 2, dataset: 'mnist' });
  });

  it('generate --prior fitted samples the fitted prior and says so in the manifest and its line; a bad or bare --prior is refused', async () => {
    const out = path.join(ws, 'gen-fitted');
    const r = await cli(['generate', '--run', runDir, '--count', '3', '--label', '7', '--prior', 'fitted', '--format', 'npz', '--out', out]);
    expect(stderrLines(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`wrote 3 generated images sampled from the fitted prior as a NumPy .npz to ${out}`);
    expect(JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'))).toMatchObject({ prior: 'fitted', countPerLabel: { '7': 3 } });
    const standard = await cli(['generate', '--run', runDir, '--count', '3', '--label', '7', '--format', 'npz', '--out', path.join(ws, 'gen-standard')]);
    expect(standard.stdout.trim()).toMatch(/^wrote 3 generated images sampled from N\(0, I\) as a NumPy \.npz to /);
    const bad = await cli(['generate', '--run', runDir, '--prior', 'learned', '--format', 'npz', '--out', path.join(ws, 'gen-bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--prior must be one of standard, fitted, got "learned"/);
    expect(existsSync(path.join(ws, 'gen-bad'))).toBe(false);
    for (const args of [['--prior'], ['--prior', '--format', 'npz']]) {
      const bare = await cli(['generate', '--run', runDir, '--out', path.join(ws, 'gen-bad'), ...args]);
      expect(bare.code).toBe(2);
      expect(bare.stderr).toMatch(/--prior must be one of standard, fitted, got no value \(see generate --help\)/);
    }
    expect(existsSync(path.join(ws, 'gen-bad'))).toBe(false);
    const help = await cli(['generate', '--help']);
    expect(help.stdout).toContain('--prior standard|fitted');
    expect(help.stdout).toMatch(/an AE has none: a Gaussian fitted to its latents/);
  });

  it("generate's line names what the images were sampled from, in the app's words for each kind", () => {
    expect(sampledFrom('vae', 'standard')).toBe('sampled from N(0, I)');
    expect(sampledFrom('vaegan', 'standard', 0.5)).toBe('sampled from N(0, 0.5²·I)');
    expect(sampledFrom('cvae', 'fitted')).toBe('sampled from the fitted prior');
    // A plain autoencoder has no prior.
    expect(sampledFrom('ae', 'standard')).toBe('sampled from a Gaussian fitted to its latents');
    expect(sampledFrom('ae', 'fitted')).toBe('sampled from a Gaussian mixture fitted to its latents');
  });

  it('generate --prior fitted on a run saved before fitted priors says it fits one first, once', async () => {
    const file = path.join(runDir, 'config.json');
    const rec = JSON.parse(await fs.readFile(file, 'utf8'));
    delete rec.fittedPrior;
    await fs.writeFile(file, JSON.stringify(rec));
    const gen = (name: string) => cli(['generate', '--run', runDir, '--count', '2', '--prior', 'fitted', '--format', 'npz', '--out', path.join(ws, name)]);
    const first = await gen('gen-first-fit');
    expect(first.code).toBe(0);
    // The engine's export:progress message, the words the app's Export tab shows.
    expect(stderrLines(first.stderr)).toEqual([FITTING_MESSAGE]);
    expect(JSON.parse(await fs.readFile(file, 'utf8')).fittedPrior.conditional).toBe(true);
    const second = await gen('gen-second-fit');
    expect(second.code).toBe(0);
    expect(stderrLines(second.stderr)).toEqual([]);
  });

  it('encode prints a latent per image and a one-line error for a non-image', async () => {
    const png = path.join(ws, 'digit one.png');
    // A light background with a dark vertical stroke: preprocessing inverts and centres it.
    const w = 60;
    const px = Buffer.alloc(w * w, 255);
    for (let y = 10; y < 50; y++) for (let x = 27; x < 33; x++) px[y * w + x] = 0;
    await sharp(px, { raw: { width: w, height: w, channels: 1 } }).png().toFile(png);
    const bad = path.join(ws, 'notes.png');
    await fs.writeFile(bad, 'this is text, not a picture');
    const r = await cli(['encode', '--run', runDir, png, bad, '--json']);
    expect(r.code).toBe(1);
    const [ok, err] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ok.z).toHaveLength(2);
    expect(err.error).toMatch(/not an image|unsupported|corrupt/i);
  });

  it("encode judges how typical each image is, as the app's Encode tab does: noise is flagged on stderr", async () => {
    const noise = path.join(ws, 'noise.png');
    const w = 28;
    let s = 7;
    const px = Buffer.alloc(w * w * 3);
    for (let i = 0; i < px.length; i++) px[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    await sharp(px, { raw: { width: w, height: w, channels: 3 } }).png().toFile(noise);
    const text = await cli(['encode', '--run', runDir, noise]);
    expect(text.code).toBe(0);
    expect(stderrLines(text.stderr)).toEqual([expect.stringMatching(/^warning: .*noise\.png does not look like the training data: /)]);
    const json = await cli(['encode', '--run', runDir, noise, '--json']);
    const line = JSON.parse(json.stdout.trim());
    expect(line.typical).toBe(false);
    expect(line.typicality).toBe(stderrLines(text.stderr)[0].replace(/^.*does not look like the training data: /, ''));
  });

  it('fails with one line and a non-zero code on bad arguments', async () => {
    const r = await cli(['train', '--model', 'gan']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--model must be one of ae, vae, cvae/);
    const r2 = await cli(['generate', '--run', path.join(ws, 'nope'), '--format', 'npz', '--out', path.join(ws, 'x')]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/not a run folder/);
    expect(existsSync(path.join(ws, 'x'))).toBe(false);
  });
});

describe('train --out never deletes what it did not make', () => {
  it('refuses a folder with files in it, a file and the workspace, before training, and leaves them as they were', async () => {
    const full = path.join(ws, 'thesis');
    await fs.mkdir(full);
    await fs.writeFile(path.join(full, 'thesis.txt'), 'years of work');
    const file = path.join(ws, 'notes.txt');
    await fs.writeFile(file, 'a plain file');
    for (const [out, message] of [
      [full, /exists and is not empty/],
      [file, /exists and is not a folder/],
      [path.join(ws, 'lab'), /overlaps the workspace/],
      [path.join(ws, 'lab', 'runs', 'mine'), /overlaps the workspace/],
    ] as const) {
      const r = await cli(['train', '--model', 'ae', '--latent', '2', '--hidden', '16', '--epochs', '1', '--out', out]);
      expect(r.code, out).toBe(2);
      expect(r.stderr, out).toMatch(message);
    }
    expect(await fs.readFile(path.join(full, 'thesis.txt'), 'utf8')).toBe('years of work');
    expect(await fs.readdir(full)).toEqual(['thesis.txt']);
    expect(await fs.readFile(file, 'utf8')).toBe('a plain file');
    expect(existsSync(path.join(ws, 'lab', 'runs', 'mine'))).toBe(false);
  }, 120_000);

  /** A finished run's folder in a workspace, as training leaves it. */
  async function fakeRun(name: string): Promise<string> {
    const dir = path.join(ws, 'move-ws', 'runs', name);
    await fs.mkdir(path.join(dir, 'model'), { recursive: true });
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ id: name, name: 'a run' }));
    await fs.writeFile(path.join(dir, 'model', 'weights.bin'), new Uint8Array([1, 2, 3]));
    return dir;
  }

  it('a folder that gained a file during training is left alone; the run stays in the workspace', async () => {
    const run = await fakeRun('r1');
    const out = path.join(ws, 'was-empty');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'arrived.txt'), 'written meanwhile');
    const err = await moveRunTo(run, out, path.join(ws, 'move-ws')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err).toMatchObject({ code: 'EXISTS', message: expect.stringContaining(`the run is kept in ${run}`) });
    expect(await fs.readdir(out)).toEqual(['arrived.txt']);
    expect(await fs.readFile(path.join(out, 'arrived.txt'), 'utf8')).toBe('written meanwhile');
    expect((await fs.readdir(run)).sort()).toEqual(['config.json', 'model']);
    expect((await fs.readdir(ws)).filter((n) => n.includes('latentlab-tmp'))).toEqual([]);
  });

  it('an empty folder receives the run, whose id becomes the folder name', async () => {
    const run = await fakeRun('r2');
    const out = path.join(ws, 'empty one');
    await fs.mkdir(out);
    await moveRunTo(run, out, path.join(ws, 'move-ws'));
    expect(existsSync(run)).toBe(false);
    expect(JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8'))).toMatchObject({ id: 'empty_one', name: 'a run' });
    expect(Array.from(await fs.readFile(path.join(out, 'model', 'weights.bin')))).toEqual([1, 2, 3]);
  });

  it.runIf(existsSync('/dev/shm'))('across file systems (/dev/shm): copied into a new folder, nothing left behind', async () => {
    const run = await fakeRun('r3');
    const parent = mkdtempSync(path.join('/dev/shm', 'll-cli-'));
    try {
      const out = path.join(parent, 'shm-run');
      await moveRunTo(run, out, path.join(ws, 'move-ws'));
      expect(existsSync(run)).toBe(false);
      expect((await fs.readdir(out)).sort()).toEqual(['config.json', 'model']);
      expect(await fs.readdir(parent)).toEqual(['shm-run']);
      expect(JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8')).id).toBe('shm-run');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
