/**
 * Import bench (issue #12 scale): each case's files are generated (not timed), then imported in a
 * fresh process (importChild.ts) for its time and extra memory. Full sizes: 60,000 28×28 PNGs
 * (as they are, and forced through MNIST-style preprocessing), 20,000 64×64 colour JPEGs, and
 * IDX / NPZ / CSV of 60,000 digits; `--quick` runs a tenth and extrapolates the goals linearly.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { round } from './util';
import { log } from './util';
import { writeCsvFile, writeIdxFiles, writeJpegFolder, writeNpzFile, writePngFolder } from './importFixtures';

export interface ImportCaseResult {
  what: string;
  images: number;
  seconds: number | null;
  extraMB: number | null;
  imagesPerSecond: number | null;
  /** Seconds at the full size (measured, or extrapolated from a --quick run). */
  fullSeconds: number | null;
  goalSeconds: number | null;
  goalMB: number | null;
  loadAverage: number[] | null;
  error?: string;
}

interface Case {
  key: string;
  what: string;
  full: number;
  make: (target: string, n: number) => Promise<void>;
  target: (dir: string) => string;
  options?: Record<string, unknown>;
  goalSeconds: number | null;
  goalMB: number | null;
  /** Shares the files of another case. */
  reuse?: string;
}

const CASES: Case[] = [
  { key: 'png28', what: '28×28 PNG folder (already MNIST form: used as it is)', full: 60_000, make: writePngFolder, target: (d) => path.join(d, 'png'), goalSeconds: 60, goalMB: 1024 },
  { key: 'png28MnistStyle', what: '28×28 PNG folder, MNIST-style preprocessing', full: 60_000, make: async () => undefined, reuse: 'png28', target: (d) => path.join(d, 'png'), options: { preprocess: 'mnist-style' }, goalSeconds: 60, goalMB: 1024 },
  { key: 'jpeg64', what: '64×64 colour JPEG folder', full: 20_000, make: writeJpegFolder, target: (d) => path.join(d, 'jpeg'), goalSeconds: 90, goalMB: null },
  { key: 'idx', what: 'IDX (gzip), train + t10k', full: 60_000, make: writeIdxFiles, target: (d) => path.join(d, 'idx'), goalSeconds: 5, goalMB: null },
  { key: 'npz', what: 'NumPy .npz (deflate)', full: 60_000, make: writeNpzFile, target: (d) => path.join(d, 'digits.npz'), goalSeconds: 5, goalMB: null },
  { key: 'csv', what: 'CSV, Kaggle layout (streamed)', full: 60_000, make: writeCsvFile, target: (d) => path.join(d, 'digits.csv'), goalSeconds: null, goalMB: null },
];

/** Runs every import case in `dir` (its files are left there for the caller to remove). */
export async function runImportBench(opts: { quick: boolean; dir: string }): Promise<Record<string, ImportCaseResult>> {
  const out: Record<string, ImportCaseResult> = {};
  const child = path.join(__dirname, 'importChild.ts');
  for (const c of CASES) {
    const n = opts.quick ? c.full / 10 : c.full;
    const target = c.target(opts.dir);
    const base = { what: c.what, images: n, goalSeconds: c.goalSeconds, goalMB: c.goalMB };
    try {
      if (!c.reuse) {
        log(`import: writing ${n} files for ${c.key}…`);
        await c.make(target, n);
      }
      const args = ['--import', 'tsx', child, target, ...(c.options ? [JSON.stringify(c.options)] : [])];
      const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!) as {
        seconds: number;
        extraMB: number;
        images: number;
        loadAverage: number[];
      };
      out[c.key] = {
        ...base,
        images: r.images,
        seconds: round(r.seconds, 1),
        extraMB: round(r.extraMB, 0),
        imagesPerSecond: round(r.images / r.seconds, 0),
        fullSeconds: round((r.seconds * c.full) / r.images, 1),
        loadAverage: r.loadAverage.map((x) => round(x, 1) ?? 0),
      };
      log(`import ${c.key}: ${r.images} in ${r.seconds.toFixed(1)} s, +${Math.round(r.extraMB)} MB (load ${r.loadAverage.map((x) => x.toFixed(1)).join('/')})`);
    } catch (err) {
      out[c.key] = { ...base, seconds: null, extraMB: null, imagesPerSecond: null, fullSeconds: null, loadAverage: null, error: (err as Error).message.split('\n')[0] };
      log(`import ${c.key}: ${out[c.key].error}`);
    }
  }
  return out;
}

/** Markdown rows of the import section. */
export function importMarkdown(r: Record<string, ImportCaseResult> | null): string[] {
  if (!r) return [];
  const L = ['', '| import | images | seconds | extra MB | images/s | load avg |', '|---|---|---|---|---|---|'];
  for (const c of Object.values(r)) L.push(`| ${c.what} | ${c.images} | ${c.seconds ?? c.error ?? '–'} | ${c.extraMB ?? '–'} | ${c.imagesPerSecond ?? '–'} | ${c.loadAverage?.join('/') ?? '–'} |`);
  return L;
}
