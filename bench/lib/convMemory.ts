/**
 * Peak memory of a conv run at issue #13's size: 20,000 generated 64×64 colour images (an .npz,
 * 16,000 train / 4,000 test as given), imported and trained for 1 epoch as the 64×64×3 conv VAE
 * (32/64/128/256, Dense 256, z = 32, batch 128) by an engine in a fresh process
 * (convMemoryChild.ts), so the peak RSS is the engine's own. Goal: < 1.5 GB while training.
 * `--quick` stops the run after a few batches (the data, shared arrays and kernel memory are all
 * in place by then; the epoch-end validation and the final metrics are not).
 *
 *   npx tsx bench/lib/convMemory.ts [--quick]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log, round } from './util';

const { writeNpz } = require('../peer/dump_mnist_npz.cjs') as {
  writeNpz(file: string, arrays: Record<string, { data: Uint8Array; shape: number[] }>): void;
};

export const MEMORY_GOAL_MB = 1536;

export interface ConvMemoryResult {
  images: number;
  /** Peak RSS of the engine's process while it imported the data, and while it trained (MB). */
  importPeakMB: number | null;
  trainPeakMB: number | null;
  afterImportMB: number | null;
  /** The images as the engine keeps them (bytes, datasets/rows.ts): images × 64·64·3 bytes (as floats they were 4×). */
  dataMB: number;
  batches: number;
  samplesPerSecond: number | null;
  trainSeconds: number | null;
  stoppedEarly: boolean;
  loadAverage: number[] | null;
  error?: string;
}

/** `n` 64×64 RGB images (a disc of one of 10 colours, by label, on a shaded background) as bytes. */
export function colourImages(n: number, side = 64): { images: Uint8Array; labels: Uint8Array } {
  const D = side * side * 3;
  const images = new Uint8Array(n * D);
  const labels = new Uint8Array(n);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const label = i % 10;
    labels[i] = label;
    const hue = [[230, 40, 40], [40, 200, 60], [40, 80, 230], [230, 200, 40], [200, 40, 200], [40, 200, 200], [240, 130, 30], [120, 60, 20], [250, 250, 250], [90, 90, 90]][label];
    const cx = 16 + rnd() * 32;
    const cy = 16 + rnd() * 32;
    const r2 = (8 + rnd() * 12) ** 2;
    const bg = 40 + rnd() * 80;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const o = i * D + (y * side + x) * 3;
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < r2;
        for (let c = 0; c < 3; c++) images[o + c] = inside ? hue[c] : bg + (c * 20 + y) * 0.5;
      }
    }
  }
  return { images, labels };
}

/** Writes the images as an uncompressed .npz with a given split (the last fifth is the test split). */
export function writeColourNpz(file: string, n: number): void {
  const { images, labels } = colourImages(n);
  const D = 64 * 64 * 3;
  const nTrain = Math.round(n * 0.8);
  writeNpz(file, {
    x_train: { data: images.subarray(0, nTrain * D), shape: [nTrain, 64, 64, 3] },
    y_train: { data: labels.subarray(0, nTrain), shape: [nTrain] },
    x_test: { data: images.subarray(nTrain * D), shape: [n - nTrain, 64, 64, 3] },
    y_test: { data: labels.subarray(nTrain), shape: [n - nTrain] },
  });
}

/** Writes the data, trains in a child process, returns its peaks. */
export async function runConvMemoryBench(o: { quick: boolean; dir: string; images?: number }): Promise<ConvMemoryResult> {
  const n = o.images ?? 20_000;
  const file = path.join(o.dir, 'colour64.npz');
  const workspace = path.join(o.dir, 'ws');
  fs.mkdirSync(workspace, { recursive: true });
  const base = { images: n, dataMB: round((n * 64 * 64 * 3) / 1048576, 0) ?? 0, stoppedEarly: o.quick };
  try {
    log(`memory: writing ${n} 64×64 colour images`);
    writeColourNpz(file, n);
    const child = path.join(__dirname, 'convMemoryChild.ts');
    const args = ['--import', 'tsx', child, file, workspace, '1', ...(o.quick ? ['8'] : [])];
    log(`memory: training the 64×64×3 conv VAE for ${o.quick ? '8 batches' : '1 epoch'} in a fresh engine process`);
    // The in-app classifier's training at the end of a run is its own job (and memory): left out here.
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, LATENT_LAB_CLASSIFIER: '0' } });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | number[] | null>;
    const res: ConvMemoryResult = {
      ...base,
      importPeakMB: round(r.importPeakMB as number, 0),
      trainPeakMB: round(r.trainPeakMB as number, 0),
      afterImportMB: round(r.afterImportMB as number, 0),
      batches: r.batches as number,
      samplesPerSecond: round(r.samplesPerSecond as number, 1),
      trainSeconds: round(r.trainSeconds as number, 0),
      loadAverage: (r.loadAverage as number[]).map((x) => round(x, 1) ?? 0),
    };
    log(`memory: import peak ${res.importPeakMB} MB, training peak ${res.trainPeakMB} MB (goal < ${MEMORY_GOAL_MB}), ${res.batches} batches`);
    return res;
  } catch (err) {
    return { ...base, importPeakMB: null, trainPeakMB: null, afterImportMB: null, batches: 0, samplesPerSecond: null, trainSeconds: null, loadAverage: null, error: (err as Error).message.split('\n').slice(0, 3).join(' ') };
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-convmem-'));
  void runConvMemoryBench({ quick, dir })
    .then((r) => console.log(JSON.stringify(r, null, 1)))
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}
