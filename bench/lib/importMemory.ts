/**
 * Where the memory of a big colour import goes (issue #13's size: 20,000 64×64×3 images): writes
 * the same generated images as an .npz (convMemory.ts's `writeColourNpz`, 16,000 / 4,000 given),
 * as IDX files (gzip, train/t10k) and, with `--folder`, as a folder of JPEGs, then imports each in
 * a fresh process (importMemoryChild.ts, with `--expose-gc`) and prints `process.memoryUsage()` at
 * each step, the peak RSS (`VmHWM`) and what stays after a full GC beyond the float data.
 *
 *   npx tsx bench/lib/importMemory.ts [--images 20000] [--folder] [--only npz,idx,folder]
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { writeIdx } from '../../src-main/engine/datasets/idx';
import { colourImages, writeColourNpz } from './convMemory';
import { writeJpegFolder } from './importFixtures';
import { log } from './util';

export interface ImportMemoryStep {
  step: string;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface ImportMemoryResult {
  seconds: number;
  images: number;
  floatsMB: number;
  /** Peak RSS of the importing process (MB). */
  peakMB: number;
  steps: ImportMemoryStep[];
  /** RSS after the import and a full GC, minus the RSS at start and the float data (MB): what the import left behind. */
  leftBeyondFloatsMB: number;
}

/** IDX files (gzip) of `n` 64×64×3 images: the first 80 % train, the rest t10k. */
async function writeColourIdx(dir: string, n: number): Promise<void> {
  const { images, labels } = colourImages(n);
  const D = 64 * 64 * 3;
  const nTrain = Math.round(n * 0.8);
  await fsp.mkdir(dir, { recursive: true });
  const put = (name: string, dims: number[], data: Uint8Array) => fsp.writeFile(path.join(dir, name), gzipSync(writeIdx(dims, data), { level: 1 }));
  await put('train-images-idx3-ubyte.gz', [nTrain, 64, 64, 3], images.subarray(0, nTrain * D));
  await put('train-labels-idx1-ubyte.gz', [nTrain], labels.subarray(0, nTrain));
  await put('t10k-images-idx3-ubyte.gz', [n - nTrain, 64, 64, 3], images.subarray(nTrain * D));
  await put('t10k-labels-idx1-ubyte.gz', [n - nTrain], labels.subarray(nTrain));
}

/** Imports `target` in a fresh process and returns its memory steps. */
export function measureImport(target: string, options?: object): ImportMemoryResult {
  const child = path.join(__dirname, 'importMemoryChild.ts');
  const args = ['--expose-gc', '--import', 'tsx', child, target, ...(options ? [JSON.stringify(options)] : [])];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as Omit<ImportMemoryResult, 'leftBeyondFloatsMB'>;
  const start = r.steps[0].rss;
  const end = r.steps[r.steps.length - 1].rss;
  return { ...r, leftBeyondFloatsMB: end - start - r.floatsMB };
}

const f0 = (x: number) => x.toFixed(0).padStart(6);

function print(name: string, r: ImportMemoryResult): void {
  console.log(`\n${name}: ${r.images} images in ${r.seconds.toFixed(1)} s; floats ${r.floatsMB.toFixed(0)} MB; peak RSS ${r.peakMB.toFixed(0)} MB; left after GC beyond the floats ${r.leftBeyondFloatsMB.toFixed(0)} MB`);
  console.log(`  ${'step'.padEnd(32)}    rss  heapU  extern  arrBuf`);
  for (const s of r.steps) console.log(`  ${s.step.padEnd(32)} ${f0(s.rss)} ${f0(s.heapUsed)} ${f0(s.external)} ${f0(s.arrayBuffers)}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--images');
  const n = at >= 0 ? Number(argv[at + 1]) : 20_000;
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1].split(',') : ['npz', 'idx', ...(argv.includes('--folder') ? ['folder'] : [])];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-importmem-'));
  try {
    const results: Record<string, ImportMemoryResult> = {};
    if (only.includes('npz')) {
      log(`writing ${n} 64×64 colour images as .npz`);
      const file = path.join(dir, 'npz', 'colour64.npz');
      fs.mkdirSync(path.dirname(file));
      writeColourNpz(file, n);
      results.npz = measureImport(file);
      print('npz (uncompressed, split given)', results.npz);
    }
    if (only.includes('idx')) {
      log(`writing ${n} 64×64 colour images as IDX (gzip)`);
      await writeColourIdx(path.join(dir, 'idx'), n);
      results.idx = measureImport(path.join(dir, 'idx'));
      print('idx (gzip, train/t10k)', results.idx);
    }
    if (only.includes('folder')) {
      log(`writing ${n} 64×64 colour JPEGs`);
      await writeJpegFolder(path.join(dir, 'folder'), n);
      results.folder = measureImport(path.join(dir, 'folder'), { size: 64, channels: 3 });
      print('folder of JPEGs (split 80/20 here)', results.folder);
    }
    console.log(JSON.stringify(results));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
