/**
 * Reliability (issue #6), in-process engine: bad input through the engine's own requests
 * (`model:encodeFile`, the CLI's `encode`, folder datasets via `datasets:prepare`), hostile
 * payloads for every request name through `Engine.handle`, corrupt run files, and loss
 * divergence with a roll-back to the last good checkpoint. After each group the engine keeps
 * serving and no tensor is left behind; no promise rejection ever goes unhandled.
 *
 * Unit-level coverage of the same inputs lives in images.test.ts, datasets-*.test.ts,
 * contract.fuzz.test.ts and host.engine.test.ts; this file drives them through the engine.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import sharp, { type SharpOptions } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, MAX_IMAGE_BYTES, REQUEST_NAMES, type EventName, type EventPayload } from '../../src-shared/contract';
import { Engine } from '../../src-main/engine/engine';
import { encodeGray, grayCanvas, inkPng, makeFolderDataset, pngWithHeader, strokeRects } from '../fixtures/generate';
import { malformedPayload } from './contract-samples';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

let ws: string;
let engine: Engine;
let runId = '';
const events: Array<{ name: EventName; payload: unknown }> = [];
const of = <N extends EventName>(name: N) => events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<N>);
/** Called synchronously from the engine's emit (fault injection hook). */
let onEmit: ((name: EventName, payload: unknown) => void) | null = null;

const CODES = new Set<string>(ERROR_CODES);
const TINY = { model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0 } as const;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-rel-engine-'));
  engine = await Engine.create({
    workspace: ws,
    emit: (name, payload) => {
      events.push({ name, payload });
      onEmit?.(name, payload);
    },
  });
  runId = (await engine.call('training:start', TINY)).runId;
  await engine.waitForTraining();
}, 120_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await engine?.dispose();
  rmSync(ws, { recursive: true, force: true });
});

async function expectServing(): Promise<void> {
  expect((await engine.handle('engine:info', {})).ok).toBe(true);
  const g = await engine.call('model:generate', { count: 2, seed: 1 });
  expect(g.images.every(Number.isFinite)).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Images through model:encodeFile

const W = 100;
const strokes = () => grayCanvas(W, W, strokeRects());

async function badImages(): Promise<Array<{ label: string; name: string; bytes: Uint8Array; code: string; re: RegExp }>> {
  const png = await encodeGray(strokes(), W, W, 'png');
  const jpg = await encodeGray(strokes(), W, W, 'jpeg');
  const white = await encodeGray(new Uint8Array(W * W).fill(255), W, W, 'png');
  return [
    { label: 'zero-byte', name: 'empty.png', bytes: new Uint8Array(0), code: 'BAD_IMAGE', re: /^empty file$/ },
    { label: 'truncated PNG', name: 'cut.png', bytes: png.subarray(0, Math.floor(png.length / 2)), code: 'BAD_IMAGE', re: /truncated or corrupt PNG/ },
    { label: 'truncated JPEG', name: 'cut.jpg', bytes: jpg.subarray(0, Math.floor(jpg.length / 2)), code: 'BAD_IMAGE', re: /truncated or corrupt JPEG/ },
    { label: 'text renamed .png', name: 'notes.png', bytes: new TextEncoder().encode('hello, this is not a picture\n'), code: 'BAD_IMAGE', re: /not an image \(looks like text\)/ },
    { label: 'PDF renamed .png', name: 'doc.png', bytes: new TextEncoder().encode('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), code: 'BAD_IMAGE', re: /looks like PDF/ },
    { label: '30000×30000 header', name: 'huge.png', bytes: pngWithHeader(30000, 30000), code: 'BAD_IMAGE', re: /30000×30000, above the 50 MP limit/ },
    { label: 'over the byte cap', name: 'big.png', bytes: new Uint8Array(MAX_IMAGE_BYTES + 1), code: 'INVALID_PAYLOAD', re: /bytes: file larger than 20971520 bytes/ },
    { label: 'pure white', name: 'white.png', bytes: white, code: 'BAD_IMAGE', re: /^blank after MNIST-style processing: no strokes stand out/ },
  ];
}

async function goodImages(): Promise<Array<{ label: string; name: string; bytes: Uint8Array }>> {
  const px = strokes();
  const png16 = await sharp(Buffer.from(px), { raw: { width: W, height: W, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  const rgba = Buffer.alloc(W * W * 4);
  for (let i = 0; i < W * W; i++) rgba[i * 4 + 3] = px[i] === 0 ? 255 : 0;
  const transparent = await sharp(rgba, { raw: { width: W, height: W, channels: 4 } }).png().toBuffer();
  const cmyk = await sharp(Buffer.from(px), { raw: { width: W, height: W, channels: 1 } }).toColourspace('cmyk').jpeg().toBuffer();
  const frames = Buffer.concat([px, new Uint8Array(W * W).fill(0)]);
  const anim = (fmt: 'gif' | 'webp') =>
    sharp(frames, { raw: { width: W, height: W * 2, channels: 1, pageHeight: W } } as SharpOptions)[fmt]().toBuffer();
  const gif = await anim('gif');
  const webp = await anim('webp');
  expect((await sharp(gif).metadata()).pages).toBe(2);
  expect((await sharp(webp).metadata()).pages).toBe(2);
  expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
  expect(png16[24]).toBe(16);
  return [
    { label: '16-bit PNG', name: 'deep.png', bytes: png16 },
    { label: 'transparent PNG', name: 'alpha.png', bytes: transparent },
    { label: 'CMYK JPEG', name: 'print.jpg', bytes: cmyk },
    { label: 'animated GIF (first frame)', name: 'anim.gif', bytes: gif },
    { label: 'animated WebP (first frame)', name: 'anim.webp', bytes: webp },
    { label: 'name with spaces and non-ASCII', name: 'mein Ziffer – ñ 数字 7 (copy).png', bytes: await encodeGray(px, W, W, 'png') },
  ].map((c) => ({ ...c, bytes: new Uint8Array(c.bytes) }));
}

describe('bad images through model:encodeFile', () => {
  it('each bad file gets a specific, typed message; the engine keeps serving; no tensor leaks', async () => {
    await engine.call('runs:open', { runId });
    await engine.call('model:generate', { count: 1, seed: 1 }); // warm caches
    const before = tf.memory().numTensors;
    for (const c of await badImages()) {
      const r = await engine.handle('model:encodeFile', { name: c.name, bytes: c.bytes });
      expect(r.ok, c.label).toBe(false);
      if (r.ok) continue;
      expect(r.error.code, c.label).toBe(c.code);
      expect(r.error.message, c.label).toMatch(c.re);
    }
    await expectServing();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('16-bit, transparent, CMYK, animated GIF/WebP and odd names encode to finite latents', async () => {
    const before = tf.memory().numTensors;
    const firstFrames: Float32Array[] = [];
    for (const c of await goodImages()) {
      const r = await engine.handle('model:encodeFile', { name: c.name, bytes: c.bytes });
      expect(r.ok, `${c.label}: ${JSON.stringify(!r.ok && r.error)}`).toBe(true);
      if (!r.ok) continue;
      const v = r.value as { input: Float32Array; mean: Float32Array; reconstruction: Float32Array };
      expect(v.input.length, c.label).toBe(784);
      expect(v.mean.length, c.label).toBe(2);
      expect([...v.mean, ...v.reconstruction].every(Number.isFinite), c.label).toBe(true);
      // Strokes survived (ink = 1 somewhere, background 0 in the corners).
      expect(Math.max(...v.input), c.label).toBeGreaterThan(0.5);
      expect(v.input[0] + v.input[27] + v.input[756] + v.input[783], c.label).toBe(0);
      if (c.label.startsWith('animated')) firstFrames.push(v.input);
    }
    // Both animations use the stroke frame (the second, all-black frame would have no strokes).
    expect(firstFrames).toHaveLength(2);
    await expectServing();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a name over 1000 characters is refused by the contract; a name is never used as a path', async () => {
    const png = await encodeGray(strokes(), W, W, 'png');
    expect(await engine.handle('model:encodeFile', { name: 'x'.repeat(1001), bytes: png })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    const r = await engine.handle('model:encodeFile', { name: '../../../../etc/passwd', bytes: png });
    expect(r.ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// CLI encode: stats before reading, one line per file

describe('CLI encode with bad files', () => {
  it('zero-byte, oversized (sparse, never read), truncated, text and an odd name: one line each, exit 1', async () => {
    const dir = path.join(ws, 'cli files');
    await fs.mkdir(dir);
    const good = path.join(dir, 'chiffre ñ 数字.png');
    await fs.writeFile(good, await encodeGray(strokes(), W, W, 'png'));
    const empty = path.join(dir, 'empty.png');
    await fs.writeFile(empty, '');
    const big = path.join(dir, 'big.png');
    // a sparse file: its blocks are never allocated, so the CLI must refuse it from stat()
    const fh = await fs.open(big, 'w');
    await fh.truncate(MAX_IMAGE_BYTES + 1);
    await fh.close();
    const cut = path.join(dir, 'cut.jpg');
    const jpg = await encodeGray(strokes(), W, W, 'jpeg');
    await fs.writeFile(cut, jpg.subarray(0, jpg.length >> 1));
    const text = path.join(dir, 'readme.png');
    await fs.writeFile(text, 'plain text');
    const missing = path.join(dir, 'missing.png');
    const root = path.resolve(__dirname, '../..');
    const args = [path.join(root, 'src-main', 'cli', 'main.ts'), 'encode', '--run', path.join(ws, 'runs', runId), good, empty, big, cut, text, missing, '--json'];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(path.join(root, 'node_modules', '.bin', 'tsx'), args, { cwd: root, env: { ...process.env, LATENT_LAB_HOME: ws } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; z?: number[]; error?: string });
    expect(lines.map((l) => l.file)).toEqual([good, empty, big, cut, text, missing]);
    expect(lines[0].z).toHaveLength(2);
    expect(lines[1].error).toBe('empty file');
    expect(lines[2].error).toMatch(/larger than 20 MB/);
    expect(lines[3].error).toMatch(/truncated or corrupt JPEG/);
    expect(lines[4].error).toMatch(/looks like text/);
    expect(lines[5].error).toMatch(/ENOENT|no such file/);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Folder datasets through the engine

describe('folder datasets through datasets:prepare', () => {
  it('every kind of bad file is skipped and counted; good odd formats and non-ASCII names load', async () => {
    const root = path.join(ws, 'ds mixed');
    await makeFolderDataset(root, ['eins', 'zwei – ñ'], 6);
    const a = path.join(root, 'eins');
    for (const c of await badImages()) {
      if (c.label === 'over the byte cap' || c.label === 'pure white') continue;
      await fs.writeFile(path.join(a, `bad ${c.name}`), c.bytes);
    }
    const fh = await fs.open(path.join(a, 'sparse.png'), 'w');
    await fh.truncate(MAX_IMAGE_BYTES + 1); // sparse: refused from stat, never read
    await fh.close();
    for (const c of await goodImages()) await fs.writeFile(path.join(root, 'zwei – ñ', c.name), c.bytes);
    await fs.writeFile(path.join(a, 'notes.txt'), 'stray');
    await fs.writeFile(path.join(a, 'data.pdf'), '%PDF-1.4');
    await fs.mkdir(path.join(root, 'leer'));
    const info = await engine.call('datasets:prepare', { dataset: { id: 'local', path: root } });
    expect(info.labelNames).toEqual(['eins', 'zwei – ñ']);
    expect(info.trainCount + info.testCount).toBe(6 + 6 + 6);
    const warnings = (info as { warnings?: string[] }).warnings ?? [];
    expect(warnings.join('\n')).toMatch(/ignored 1 class without usable images: leer/);
    expect(warnings.join('\n')).toMatch(/skipped 9 items: 2 not an image file, 7 could not be decoded/);
    expect(info.report?.skipped).toEqual({ 'not an image file': 2, 'could not be decoded': 7 });
    await expectServing();
  });

  it('a CVAE on one class only is UNSUPPORTED; empty label folders only and a missing folder are BAD_DATASET; the engine keeps serving', async () => {
    // One class was BAD_DATASET ("needs at least 2 classes") for every model; now an AE / VAE /
    // VAE-GAN trains on it (one-class-folders.test.ts) and only the CVAE is refused.
    const one = path.join(ws, 'ds-one');
    await makeFolderDataset(one, ['only'], 3);
    await fs.mkdir(path.join(one, 'empty'));
    const r1 = await engine.handle('training:start', { ...TINY, model: { kind: 'cvae', latentDim: 2, hidden: [16] }, dataset: { id: 'local', path: one } });
    expect(r1).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED', message: expect.stringMatching(/CVAE .*needs at least 2 classes; this dataset has one \("only"\)/) } });
    const none = path.join(ws, 'ds-none');
    await fs.mkdir(path.join(none, 'a'), { recursive: true });
    await fs.mkdir(path.join(none, 'b'));
    await fs.writeFile(path.join(none, 'b', 'x.txt'), 'x');
    const r2 = await engine.handle('datasets:prepare', { dataset: { id: 'local', path: none } });
    expect(r2).toMatchObject({ ok: false, error: { code: 'BAD_DATASET', message: expect.stringMatching(/found no images in .*ds-none \(1 \.txt file\)/) } });
    const r3 = await engine.handle('training:start', { ...TINY, dataset: { id: 'local', path: path.join(ws, 'nope') } });
    expect(r3).toMatchObject({ ok: false, error: { code: 'BAD_DATASET', message: expect.stringMatching(/not found/) } });
    expect(await engine.handle('training:status', {})).toMatchObject({ ok: true });
    await expectServing();
  });

  it('a thousand classes with two images each loads (1 train + 1 test per class) and a CVAE trains on it', async () => {
    const root = path.join(ws, 'ds-1000');
    const a = await inkPng(28, 0);
    const b = await inkPng(28, 1);
    for (let c = 0; c < 1000; c++) {
      const dir = path.join(root, `c${String(c).padStart(4, '0')}`);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, '0.png'), a);
      await fs.writeFile(path.join(dir, '1.png'), b);
    }
    const info = await engine.call('datasets:prepare', { dataset: { id: 'local', path: root } });
    expect(info.labelNames).toHaveLength(1000);
    expect(info.labelNames[999]).toBe('c0999');
    expect(info.trainCount).toBe(1000);
    expect(info.testCount).toBe(1000);
    const { runId: big } = await engine.call('training:start', {
      ...TINY,
      model: { kind: 'cvae', latentDim: 2, hidden: [16] },
      dataset: { id: 'local', path: root },
    });
    await engine.waitForTraining();
    const done = of('training:done').filter((d) => d.runId === big).at(-1)!;
    expect(done.state).toBe('done');
    const g = await engine.call('model:generate', { count: 3, label: 999, seed: 1 });
    expect(g.images.every(Number.isFinite)).toBe(true);
    expect(await engine.handle('model:generate', { count: 1, label: 1000 })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    await engine.call('runs:delete', { runId: big });
    await engine.call('runs:open', { runId });
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Hostile payloads for every request, through Engine.handle (no process boundary)

describe('contract fuzz through Engine.handle', () => {
  it.each(REQUEST_NAMES)('%s: malformed payloads are INVALID_PAYLOAD, nothing thrown', async (name) => {
    for (const payload of fc.sample(malformedPayload(name), { numRuns: 25, seed: 6 })) {
      const r = await engine.handle(name, payload);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code, JSON.stringify(r.error)).toBe('INVALID_PAYLOAD');
    }
  });

  it('absurd sizes, unknown runs and `..` paths are typed errors and nothing escapes the workspace', async () => {
    const outside = path.join(os.tmpdir(), `ll-rel-escape-${process.pid}`);
    const cases: Array<[string, unknown, string]> = [
      ['training:start', { model: { latentDim: 1e9 } }, 'INVALID_PAYLOAD'],
      ['training:start', { model: { latentDim: 65 } }, 'INVALID_PAYLOAD'],
      ['training:start', { model: { hidden: [1e9] } }, 'INVALID_PAYLOAD'],
      ['training:start', { model: { hidden: [16, 16, 16, 16, 16, 16, 16] } }, 'INVALID_PAYLOAD'],
      ['training:start', { epochs: -1 }, 'INVALID_PAYLOAD'],
      ['training:start', { learningRate: 1e4 }, 'INVALID_PAYLOAD'],
      ['training:start', { learningRate: 0 }, 'INVALID_PAYLOAD'],
      ['training:start', { batchSize: Infinity }, 'INVALID_PAYLOAD'],
      ['training:start', { dataset: { id: 'local', path: '' } }, 'INVALID_PAYLOAD'],
      ['model:decode', { z: new Float32Array(64), count: 1 }, 'INVALID_PAYLOAD'], // wrong dim for a 2-D run
      ['model:decode', { z: new Float32Array(2), count: 100_001 }, 'INVALID_PAYLOAD'],
      ['model:encode', { images: new Float32Array(10), count: 1 }, 'INVALID_PAYLOAD'],
      ['model:neighbors', { z: new Float32Array(3), k: 5 }, 'INVALID_PAYLOAD'],
      ['model:interpolate', { from: new Float32Array(2), to: new Float32Array(3), steps: 3 }, 'INVALID_PAYLOAD'],
      ['model:manifold', { dims: [0, 5] }, 'INVALID_PAYLOAD'],
      ['model:manifold', { dims: [1, 1] }, 'INVALID_PAYLOAD'],
      ['model:reconstruct', { split: 'test', offset: 9_999_999, count: 4 }, 'INVALID_PAYLOAD'],
      ['datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset: 1e8, count: 1 }, 'INVALID_PAYLOAD'],
      ['projection:compute', { method: 'pca', latents: new Float32Array([0, NaN, 1, 2]), dim: 2 }, 'INVALID_PAYLOAD'],
      ['projection:compute', { method: 'umap', latents: new Float32Array(5), dim: 2 }, 'INVALID_PAYLOAD'],
      ['runs:open', { runId: 'no-such-run' }, 'NOT_FOUND'],
      ['runs:open', { runId: '..' }, 'INVALID_PAYLOAD'],
      ['runs:metrics', { runId: '.' }, 'INVALID_PAYLOAD'],
      ['runs:rename', { runId: 'ghost', name: 'x' }, 'NOT_FOUND'],
      ['runs:delete', { runId: 'ghost' }, 'NOT_FOUND'],
      ['model:latents', { runId: 'ghost', split: 'test' }, 'NOT_FOUND'],
      ['export:start', { runId: 'ghost', format: 'npz', out: outside }, 'NOT_FOUND'],
      ['export:start', { runId, format: 'npz', out: '../../escape' }, 'INVALID_PAYLOAD'],
      ['export:start', { runId: '../runs', format: 'npz', out: outside }, 'INVALID_PAYLOAD'],
      ['training:pause', {}, 'NOT_FOUND'],
      ['training:resume', {}, 'NOT_FOUND'],
    ];
    for (const [name, payload, code] of cases) {
      const r = await engine.handle(name, payload);
      expect(r.ok, `${name} ${JSON.stringify(payload, (_k, v) => (ArrayBuffer.isView(v) ? `[${(v as Float32Array).length}]` : v))}`).toBe(false);
      if (!r.ok) {
        expect(CODES.has(r.error.code)).toBe(true);
        expect(r.error.code, `${name}: ${r.error.message}`).toBe(code);
      }
    }
    expect(existsSync(outside)).toBe(false);
    await expectServing();
  });

  it('many hostile requests at once: every promise settles with an envelope', async () => {
    const all = REQUEST_NAMES.flatMap((name) => fc.sample(malformedPayload(name), { numRuns: 5, seed: 9 }).map((p) => engine.handle(name, p)));
    const settled = await Promise.allSettled(all);
    expect(settled.every((s) => s.status === 'fulfilled' && s.value.ok === false)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Corrupt run files

describe('corrupt run files', () => {
  it('are listed with an error, refused on open/rename/metrics, and never rewritten by other runs', async () => {
    const runs = path.join(ws, 'runs');
    const bad: Record<string, string> = {
      'corrupt-json': '{ "version": 1, "id": ',
      'wrong-schema': JSON.stringify({ version: 1, id: 'wrong-schema', name: 3 }),
      'empty-file': '',
    };
    for (const [id, text] of Object.entries(bad)) {
      await fs.mkdir(path.join(runs, id));
      await fs.writeFile(path.join(runs, id, 'config.json'), text);
    }
    await fs.mkdir(path.join(runs, 'no-config'));
    await fs.writeFile(path.join(runs, 'stray-file.txt'), 'not a run');
    const snapshot = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.keys(bad).map(async (id) => {
            const f = path.join(runs, id, 'config.json');
            return [id, { text: await fs.readFile(f, 'utf8'), mtime: statSync(f).mtimeMs, files: (await fs.readdir(path.join(runs, id))).sort() }] as const;
          }),
        ),
      );
    const before = await snapshot();

    const listed = await engine.call('runs:list', {});
    for (const id of [...Object.keys(bad), 'no-config']) {
      const r = listed.find((x) => x.id === id);
      expect(r, id).toBeDefined();
      expect(r!.state).toBe('error');
      expect(r!.error).toMatch(id === 'no-config' ? /^not a Latent Lab run: no config\.json/ : /corrupt config\.json|invalid config\.json/);
    }
    expect(listed.find((x) => x.id === 'stray-file.txt')).toBeUndefined();
    expect(listed.find((x) => x.id === runId)!.state).toBe('done');

    for (const id of Object.keys(bad)) {
      expect(await engine.handle('runs:open', { runId: id })).toMatchObject({ ok: false, error: { code: 'BAD_FILE' } });
      expect(await engine.handle('runs:rename', { runId: id, name: 'fixed?' })).toMatchObject({ ok: false, error: { code: 'BAD_FILE' } });
      expect(await engine.handle('runs:metrics', { runId: id })).toMatchObject({ ok: false, error: { code: 'BAD_FILE' } });
      expect(await engine.handle('model:latents', { runId: id, split: 'test', limit: 1 })).toMatchObject({ ok: false, error: { code: 'BAD_FILE' } });
    }
    // Other runs are written (a new training, a rename): the corrupt ones are untouched.
    const { runId: other } = await engine.call('training:start', TINY);
    await engine.waitForTraining();
    await engine.call('runs:rename', { runId: other, name: 'renamed' });
    await engine.call('runs:rename', { runId, name: 'main run' });
    expect(await snapshot()).toEqual(before);
    await engine.call('runs:delete', { runId: other });
    await engine.call('runs:open', { runId });
    for (const id of [...Object.keys(bad), 'no-config']) await fs.rm(path.join(runs, id), { recursive: true });
    await fs.rm(path.join(runs, 'stray-file.txt'));
  }, 60_000);

  it('a run whose weights are truncated is listed, and opening it is BAD_FILE, not a crash', async () => {
    const { runId: victim } = await engine.call('training:start', TINY);
    await engine.waitForTraining();
    const fresh = await Engine.create({ workspace: ws, emit: () => {} }); // nothing cached
    try {
      const w = path.join(ws, 'runs', victim, 'model', 'decoder', 'weights.bin');
      const buf = await fs.readFile(w);
      await fs.writeFile(w, buf.subarray(0, buf.length >> 1));
      expect((await fresh.call('runs:list', {})).find((r) => r.id === victim)!.state).toBe('done');
      const r = await fresh.handle('runs:open', { runId: victim });
      expect(r).toMatchObject({ ok: false, error: { code: 'BAD_FILE', message: expect.stringMatching(/weights\.bin has \d+ bytes, expected \d+/) } });
      await fs.writeFile(path.join(ws, 'runs', victim, 'model', 'encoder', 'model.json'), '{oops');
      expect(await fresh.handle('runs:open', { runId: victim })).toMatchObject({ ok: false, error: { code: 'BAD_FILE' } });
      expect((await fresh.handle('runs:open', { runId })).ok).toBe(true);
    } finally {
      await fresh.dispose();
    }
    await engine.call('runs:delete', { runId: victim });
    await engine.call('runs:open', { runId });
  }, 60_000);
});

describe('runs left "training" by a killed engine', () => {
  it('are reported as interrupted (state error) when their engine process is gone; the file is not rewritten', async () => {
    const src = path.join(ws, 'runs', runId);
    const rec = JSON.parse(await fs.readFile(path.join(src, 'config.json'), 'utf8'));
    const variants: Record<string, number | undefined> = { 'dead-engine': 99_999_999, 'live-engine': process.ppid, 'no-pid': undefined };
    for (const [id, pid] of Object.entries(variants)) {
      await fs.cp(src, path.join(ws, 'runs', id), { recursive: true });
      const copy = { ...rec, id, state: 'training', ...(pid ? { pid } : {}) };
      if (!pid) delete copy.pid;
      await fs.writeFile(path.join(ws, 'runs', id, 'config.json'), JSON.stringify(copy));
    }
    const listed = await engine.call('runs:list', {});
    const dead = listed.find((r) => r.id === 'dead-engine')!;
    expect(dead.state).toBe('error');
    expect(dead.error).toMatch(/^interrupted: the process training it stopped \(1 epoch saved\)$/);
    expect(dead.interruptedAfter).toBe(1); // the run list offers to open it
    expect(listed.find((r) => r.id === 'live-engine')).toMatchObject({ state: 'training', trainedBy: process.ppid });
    expect(listed.find((r) => r.id === 'no-pid')!.state).toBe('training');
    // its last checkpoint opens
    await engine.call('runs:open', { runId: 'dead-engine' });
    expect((await engine.call('model:generate', { count: 2, seed: 1 })).images.every(Number.isFinite)).toBe(true);
    expect(JSON.parse(await fs.readFile(path.join(ws, 'runs', 'dead-engine', 'config.json'), 'utf8')).state).toBe('training');
    // Another live process trains "live-engine": it is not deleted from here.
    expect(await engine.handle('runs:delete', { runId: 'live-engine' })).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    await fs.rm(path.join(ws, 'runs', 'live-engine'), { recursive: true });
    for (const id of ['dead-engine', 'no-pid']) await engine.call('runs:delete', { runId: id });
    await engine.call('runs:open', { runId });
  });
});

// ---------------------------------------------------------------------------------------------
// Loss divergence

describe('loss divergence', () => {
  it('learning rate 10 on the VAE: DIVERGED naming epoch and batch, state error, nothing to open, engine serves', async () => {
    const { runId: wild } = await engine.call('training:start', { ...TINY, learningRate: 10, batchSize: 256, epochs: 3 });
    await engine.waitForTraining();
    const done = of('training:done').filter((d) => d.runId === wild).at(-1)!;
    expect(done.state).toBe('error');
    expect(done.error?.code).toBe('DIVERGED');
    expect(done.error?.message).toMatch(/diverged: the loss became (NaN|infinite) at epoch 1, batch \d+ \(try a lower learning rate than 10\)/);
    const rec = (await engine.call('runs:list', {})).find((r) => r.id === wild)!;
    expect(rec.state).toBe('error');
    expect(rec.error).toBe(done.error!.message);
    expect(rec.epochsDone).toBe(0);
    expect(await engine.handle('runs:open', { runId: wild })).toMatchObject({ ok: false, error: { code: 'NO_MODEL', message: expect.stringMatching(/no trained epoch/) } });
    expect(await engine.handle('training:status', {})).toMatchObject({ ok: true, value: { runId: wild, state: 'error' } });
    await engine.call('runs:open', { runId });
    await expectServing();
    await engine.call('runs:delete', { runId: wild });
  });

  it('weights turning NaN after a good epoch: stops at epoch 2 batch 1, the epoch-1 checkpoint is kept and loads', async () => {
    const before = tf.memory().numTensors;
    let poisoned = false;
    // The poison goes into the engine's own model, so the run must train on the engine's thread
    // (worker runs keep their weights elsewhere; their NaN handling is in parallel.test.ts).
    const savedWorkers = process.env.LATENT_LAB_TRAIN_WORKERS;
    process.env.LATENT_LAB_TRAIN_WORKERS = '0';
    onEmit = (name, payload) => {
      // After epoch 1 was checkpointed (the epoch-1 snapshot comes after the save), poison the
      // live weights: the next batch's loss is NaN exactly as in a numeric blow-up.
      const p = payload as { runId: string; epoch: number };
      if (name !== 'training:latents' || p.epoch !== 1 || poisoned) return;
      const lr = (engine as unknown as { runs: { peek(id: string): { bundle: { encoder: tf.LayersModel } } | undefined } }).runs.peek(p.runId)!;
      const layer = lr.bundle.encoder.layers.find((l) => l.getWeights().length > 0)!;
      const [kernel, ...rest] = layer.getWeights();
      const nan = tf.fill(kernel.shape, NaN);
      layer.setWeights([nan, ...rest]);
      nan.dispose();
      poisoned = true;
    };
    try {
      const { runId: bad } = await engine.call('training:start', { ...TINY, epochs: 3, snapshotSize: 50, batchSize: 500 });
      await engine.waitForTraining();
      expect(poisoned).toBe(true);
      const done = of('training:done').filter((d) => d.runId === bad).at(-1)!;
      expect(done.state).toBe('error');
      expect(done.error).toMatchObject({ code: 'DIVERGED', message: expect.stringMatching(/at epoch 2, batch 1 /) });
      // metrics come from the rolled-back epoch-1 model
      expect(done.metrics).not.toBeNull();
      expect(Number.isFinite(done.metrics!.elbo)).toBe(true);
      const rec = (await engine.call('runs:list', {})).find((r) => r.id === bad)!;
      expect(rec).toMatchObject({ state: 'error', epochsDone: 1, error: done.error!.message });
      const lines = (await fs.readFile(path.join(ws, 'runs', bad, 'metrics.jsonl'), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);

      // In this engine and in a fresh one (from disk): opens, outputs finite.
      await engine.call('runs:open', { runId: bad });
      const g = await engine.call('model:generate', { count: 8, seed: 2 });
      expect(g.images.every(Number.isFinite)).toBe(true);
      const fresh = await Engine.create({ workspace: ws, emit: () => {} });
      try {
        await fresh.call('runs:open', { runId: bad });
        const g2 = await fresh.call('model:generate', { count: 8, seed: 2 });
        expect(g2.images.every(Number.isFinite)).toBe(true);
        const lat = await fresh.call('model:latents', { split: 'test', limit: 100 });
        expect(lat.latents.every(Number.isFinite)).toBe(true);
        expect(Array.from(g2.images)).toEqual(Array.from(g.images));
      } finally {
        await fresh.dispose();
      }
      await engine.call('runs:delete', { runId: bad });
      await engine.call('runs:open', { runId });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      onEmit = null;
      if (savedWorkers === undefined) delete process.env.LATENT_LAB_TRAIN_WORKERS;
      else process.env.LATENT_LAB_TRAIN_WORKERS = savedWorkers;
    }
  }, 60_000);
});

describe('promise hygiene', () => {
  it('no promise rejection went unhandled in this file', async () => {
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled.map(String)).toEqual([]);
  });
});

describe('run ids', () => {
  it('are never handed out twice by one engine, even when a run is deleted in the same second', async () => {
    const { RunStore } = await import('../../src-main/engine/runs');
    const { TrainConfig } = await import('../../src-shared/types');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'll-ids-'));
    try {
      const store = new RunStore(dir);
      await store.init();
      const cfg = TrainConfig.parse({});
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = await store.newId(cfg);
        ids.push(id);
        rmSync(store.dir(id), { recursive: true, force: true }); // deleted straight away
      }
      expect(new Set(ids).size).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
