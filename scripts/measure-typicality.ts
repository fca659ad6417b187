/**
 * Measures `model:typicality` on in- and out-of-distribution inputs through the path a drop takes
 * (`model:encodeFile`'s preprocessing, then `model:typicality`): trains a small dense VAE (and AE)
 * on the embedded MNIST in a temporary workspace and prints one row per input.
 * Run: `npx tsx scripts/measure-typicality.ts [epochs] [kind]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'fflate';
import sharp from 'sharp';
import type { RequestOutput } from '../src-shared/contract';
import { Engine } from '../src-main/engine/engine';
import { mulberry32 } from '../src-main/engine/datasets/random';

const epochs = Number(process.argv[2] ?? 5);
const kind = process.argv[3] ?? 'vae';
const latentDim = Number(process.argv[4] ?? 2);
const hidden = [Number(process.argv[5] ?? 256)];

/** A seeded generator (the engine's mulberry32) so the inputs are the same every run. */
const rng = (seed: number) => mulberry32(seed);

async function png(w: number, h: number, c: 1 | 3, px: (x: number, y: number, k: number) => number): Promise<Uint8Array> {
  const b = Buffer.alloc(w * h * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) b[(y * w + x) * c + k] = Math.max(0, Math.min(255, Math.round(px(x, y, k))));
  return new Uint8Array(await sharp(b, { raw: { width: w, height: h, channels: c } }).png().toBuffer());
}

/** A colour "photo": a sky-to-ground gradient, a sun, a house-like block, and noise. */
function photo(seed = 1): Promise<Uint8Array> {
  const r = rng(seed);
  return png(256, 256, 3, (x, y, k) => {
    let v = y < 150 ? [90 + y * 0.6, 140 + y * 0.4, 230 - y * 0.3][k] : [70 + (x % 40), 120 + y * 0.2, 50][k];
    if ((x - 190) ** 2 + (y - 50) ** 2 < 25 ** 2) v = [250, 220, 60][k];
    if (x > 40 && x < 120 && y > 100 && y < 190) v = [170, 60 + x * 0.3, 50][k];
    return v + (r() - 0.5) * 30;
  });
}

/** A 56×56 drawing (light strokes 6 px wide on black, or dark on white) rendered by sharp from SVG. */
async function svg(shape: string, width = 6, dark = false): Promise<Uint8Array> {
  const [bg, ink] = dark ? ['#fff', '#000'] : ['#000', '#fff'];
  const doc = `<svg xmlns="http://www.w3.org/2000/svg" width="56" height="56"><rect width="56" height="56" fill="${bg}"/><g stroke="${ink}" stroke-width="${width}" stroke-linecap="round" stroke-linejoin="round" fill="none">${shape}</g></svg>`;
  return new Uint8Array(await sharp(Buffer.from(doc)).png().toBuffer());
}

async function digitPng(engine: Engine, offset: number, invert: boolean): Promise<Uint8Array> {
  const s = await engine.call('datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset, count: 1 });
  return png(28, 28, 1, (x, y) => (invert ? 255 - s.images[y * 28 + x] * 255 : s.images[y * 28 + x] * 255));
}

/** Today's verdict (flagged above the 99th percentile of the score) and the two-sided one. */
function verdicts(t: RequestOutput<'model:typicality'>): string {
  const now = t.outside.map((o) => `${o.statistic} ${o.tail}`).join(' + ') || 'typical';
  return `old: ${t.percentile > 99 ? 'atypical' : 'typical'} (pct ${t.percentile.toFixed(1)}) | new: ${now}`;
}

/** score, KL, recon, L (deflate length of the input's bytes, nats), S = score − L, ink sum. */
function features(x: Float32Array, score: number, mean: Float32Array, logVar: Float32Array | null): number[] {
  let kl = 0;
  if (logVar) for (let j = 0; j < mean.length; j++) kl += 0.5 * (mean[j] ** 2 + Math.exp(logVar[j]) - 1 - logVar[j]);
  const bytes = Uint8Array.from(x, (v) => Math.round(v * 255));
  const L = deflateSync(bytes, { level: 9 }).length * 8 * Math.LN2;
  return [score, kl, score - kl, L, score - L, x.reduce((a, b) => a + b, 0)];
}

async function main(): Promise<void> {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'll-typ-measure-'));
  const engine = await Engine.create({ workspace: ws, emit: () => {} });
  try {
    const t0 = Date.now();
    await engine.call('training:start', { model: { kind, latentDim, hidden }, epochs, snapshotSize: 0, seed: 3 } as never);
    await engine.waitForTraining();
    console.error(`trained ${kind} ${epochs} epochs in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const noise = rng(7);
    const inputs: Array<[string, () => Promise<Uint8Array>]> = [
      ['test digit #0', () => digitPng(engine, 0, false)],
      ['test digit #1', () => digitPng(engine, 1, false)],
      ['test digit #2', () => digitPng(engine, 2, false)],
      ['colour photo 256² RGB', () => photo(1)],
      ['colour photo 2 (smooth field + disc + noise)', () => {
        const r = rng(11);
        return png(256, 256, 3, (x, y, k) => 128 + 60 * Math.sin(x / (20 + 7 * k)) * Math.cos(y / 31) + ((x - 100) ** 2 + (y - 140) ** 2 < 3600 ? 70 : 0) + (r() - 0.5) * 40);
      }],
      ['colour photo 3 (dark scene, bright window)', () => {
        const r = rng(5);
        return png(256, 256, 3, (x, y, k) => 30 + y * 0.2 + (x > 150 && x < 220 && y > 40 && y < 120 ? 180 - k * 30 : 0) + (r() - 0.5) * 20);
      }],
      ['all black', () => png(64, 64, 1, () => 0)],
      ['all white', () => png(64, 64, 1, () => 255)],
      ['uniform noise', () => png(64, 64, 1, () => noise() * 255)],
      ['filled square (white on black)', () => png(64, 64, 1, (x, y) => (x > 16 && x < 48 && y > 16 && y < 48 ? 255 : 0))],
      ['big letter T (black on white)', () => png(64, 64, 1, (x, y) => ((y > 8 && y < 18 && x > 8 && x < 56) || (x > 27 && x < 37 && y >= 18 && y < 58) ? 0 : 255))],
      ['inverted digit #0', () => digitPng(engine, 0, true)],
      ['drawn 1 (as the e2e draws it)', () => svg('<path d="M22 14 L30 8 L30 48" />')],
      ['drawn 7', () => svg('<path d="M14 12 L42 12 L24 48" />')],
      ['drawn 0', () => svg('<ellipse cx="28" cy="28" rx="12" ry="18" fill="none" />')],
      ['drawn 3, thin pen, dark on light', () => svg('<path d="M16 10 Q40 8 30 26 Q44 36 28 48 Q18 50 14 44" fill="none" />', 3, true)],
    ];
    // The test digits' features: score, KL, recon, compressed length L (nats), S = score − L.
    const N = Number(process.env.N ?? 400);
    const smp = await engine.call('datasets:sample', { dataset: { id: 'mnist' }, split: 'test', offset: 0, count: N });
    const cond = kind === 'cvae';
    const enc = await engine.call('model:encode', { images: smp.images, count: N, labels: cond ? smp.labels : undefined });
    const feats: number[][] = [];
    let oldFlagged = 0;
    let newFlagged = 0;
    const reasons = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const x = smp.images.subarray(i * 784, (i + 1) * 784);
      const t = await engine.call('model:typicality', { input: x });
      if (t.percentile > 99) oldFlagged++;
      if (t.outside.length) newFlagged++;
      for (const o of t.outside) reasons.set(`${o.statistic} ${o.tail}`, (reasons.get(`${o.statistic} ${o.tail}`) ?? 0) + 1);
      // A CVAE is scored as a drop is, under its best-fitting label: take the KL under that label.
      const e = cond && t.label !== smp.labels[i] ? await engine.call('model:encode', { images: x, count: 1, labels: Int32Array.of(t.label) }) : null;
      const at = e ? 0 : i;
      const src = e ?? enc;
      feats.push(features(x, t.score, src.mean.subarray(at * src.dim, (at + 1) * src.dim), src.logVar?.subarray(at * src.dim, (at + 1) * src.dim) ?? null));
    }
    console.log(`test digits flagged: old ${oldFlagged}/${N}, new ${newFlagged}/${N}`, Object.fromEntries(reasons));
    const cols = ['score', 'kl', 'recon', 'L', 'S', 'ink'];
    const sortedCols = cols.map((_, j) => feats.map((f) => f[j]).sort((a, b) => a - b));
    const pct = (j: number, v: number) => (100 * sortedCols[j].filter((u) => u <= v).length) / N;
    for (let j = 0; j < cols.length; j++) console.log(cols[j], 'test 0/1/50/99/100 pct:', [0, 0.01, 0.5, 0.99, 1].map((q) => sortedCols[j][Math.min(N - 1, Math.round(q * (N - 1)))].toFixed(1)).join(' '));
    console.log('| input | ' + cols.join(' | ') + ' | old verdict | new verdict |');
    for (const [name, make] of inputs) {
      try {
        const enc = await engine.call('model:encodeFile', { name: 'x.png', bytes: await make() });
        const t = await engine.call('model:typicality', { input: enc.input });
        const f = features(enc.input, t.score, enc.mean, enc.logVar);
        console.log(`| ${name} | ${f.map((v, j) => `${v.toFixed(1)} (${pct(j, v).toFixed(1)})`).join(' | ')} | ${verdicts(t)} |`);
      } catch (err) {
        console.log(`| ${name} | — | — | refused: ${(err as Error).message} |`);
      }
    }
    // Raw inputs that bypass the drop's preprocessing (e.g. a caller of model:typicality).
    const nr = rng(9);
    for (const [name, v] of [['raw zeros', 0], ['raw ones', 1], ['raw uniform noise', -1]] as const) {
      const x = v < 0 ? Float32Array.from({ length: 784 }, () => nr()) : new Float32Array(784).fill(v);
      const t = await engine.call('model:typicality', { input: x });
      const e = await engine.call('model:encode', { images: x, count: 1, labels: t.label >= 0 ? Int32Array.of(t.label) : undefined });
      const f = features(x, t.score, e.mean, e.logVar);
      console.log(`| ${name} (no preprocessing) | ${f.map((u, j) => `${u.toFixed(1)} (${pct(j, u).toFixed(1)})`).join(' | ')} | ${verdicts(t)} |`);
    }
    const t = await engine.call('model:typicality', { input: new Float32Array(784) });
    console.log('test quantiles 0,1,5,50,95,99,100:', [0, 1, 5, 50, 95, 99, 100].map((p) => t.testQuantiles[p].toFixed(1)).join(' '));
  } finally {
    await engine.dispose();
    rmSync(ws, { recursive: true, force: true });
  }
}

void main();
