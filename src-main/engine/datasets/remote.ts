/**
 * Downloaded IDX datasets (full MNIST, Fashion-MNIST): the four standard `.gz` files, fetched on
 * demand into `<dataDir>/<id>/`, checked against their published SHA-256, written atomically and
 * read from there afterwards. Users without internet can place the four files there by hand,
 * gzipped or raw (`readLocal`: verified by hash, or by IDX structure; never renamed or moved).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';
import { gunzipSync } from 'fflate';
import { checkImageLabelPair, IDX_UBYTE, isGzip, readIdx } from './idx';
import { atomicWriteFile, exists, throwIfAborted } from './fsutil';
import type { LoadOptions, Split } from './types';

export interface RemoteFile {
  name: string;
  /** Lower-case hex SHA-256 of the `.gz` file. */
  sha256: string;
  /** Size in bytes of the `.gz` file (progress totals; a cheap first check). */
  size: number;
  split: 'train' | 'test';
  kind: 'images' | 'labels';
}

export interface IdxSource {
  id: 'mnist-full' | 'fashion-mnist';
  title: string;
  description: string;
  /** Mirror URL ending in '/'. */
  baseUrl: string;
  labelNames: string[];
  trainCount: number;
  testCount: number;
  files: RemoteFile[];
}

const file = (name: string, sha256: string, size: number): RemoteFile => ({
  name,
  sha256,
  size,
  split: name.startsWith('train') ? 'train' : 'test',
  kind: name.includes('images') ? 'images' : 'labels',
});

/**
 * The published files. SHA-256 values are the well-known ones (identical across torchvision,
 * TensorFlow Datasets and others' pinned checksums) for the unchanged 2017/1998 releases.
 */
export const IDX_SOURCES: Readonly<Record<IdxSource['id'], IdxSource>> = Object.freeze({
  'mnist-full': {
    id: 'mnist-full',
    title: 'MNIST (full, 70,000)',
    description: 'The full MNIST handwritten digits: 60,000 training and 10,000 test images (downloaded once, ~11 MB).',
    baseUrl: 'https://storage.googleapis.com/cvdf-datasets/mnist/',
    labelNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainCount: 60000,
    testCount: 10000,
    files: [
      file('train-images-idx3-ubyte.gz', '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 9912422),
      file('train-labels-idx1-ubyte.gz', '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 28881),
      file('t10k-images-idx3-ubyte.gz', '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 1648877),
      file('t10k-labels-idx1-ubyte.gz', 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 4542),
    ],
  },
  'fashion-mnist': {
    id: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: "Zalando's 28×28 clothing images in 10 classes: 60,000 training and 10,000 test (downloaded once, ~30 MB).",
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    labelNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    trainCount: 60000,
    testCount: 10000,
    files: [
      file('train-images-idx3-ubyte.gz', '08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc', 26421880),
      file('train-labels-idx1-ubyte.gz', 'b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc', 29515),
      file('t10k-images-idx3-ubyte.gz', '78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229', 4422102),
      file('t10k-labels-idx1-ubyte.gz', '42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf', 5148),
    ],
  },
});

export function sourceDir(dataDir: string, src: IdxSource): string {
  return path.join(dataDir, src.id);
}

/** The raw (uncompressed) name of a published `.gz` file. */
const rawName = (f: RemoteFile) => f.name.replace(/\.gz$/, '');

/** True when all four files are present, gzipped or raw (they are checked at load time). */
export async function isCached(dataDir: string, src: IdxSource): Promise<boolean> {
  const dir = sourceDir(dataDir, src);
  for (const f of src.files) if (!(await exists(path.join(dir, f.name))) && !(await exists(path.join(dir, rawName(f))))) return false;
  return true;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function manualHint(src: IdxSource, dir: string): string {
  return `download ${src.files.map((f) => f.name).join(', ')} from ${src.baseUrl} by hand and place them in ${dir}, then try again`;
}

async function download(
  src: IdxSource,
  f: RemoteFile,
  dir: string,
  opts: LoadOptions,
  onBytes: (n: number) => void,
): Promise<Uint8Array> {
  const url = src.baseUrl + f.name;
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: opts.signal });
  } catch (err) {
    throwIfAborted(opts.signal, 'download');
    throw new LabError(
      'IO',
      `could not download ${f.name} for ${src.title} from ${url} (${(err as Error).message}). Check the internet connection, or ${manualHint(src, dir)}.`,
    );
  }
  if (!res.ok) {
    throw new LabError(
      'IO',
      `could not download ${f.name} for ${src.title}: the server answered HTTP ${res.status}. Try again later, or ${manualHint(src, dir)}.`,
    );
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        throwIfAborted(opts.signal, 'download');
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        total += value.length;
        onBytes(value.length);
        if (total > f.size * 2 + 1_000_000) throw new LabError('BAD_DATASET', `${f.name}: the download is far larger than expected`);
      }
    } else {
      const b = new Uint8Array(await res.arrayBuffer());
      parts.push(b);
      total = b.length;
      onBytes(b.length);
    }
  } catch (err) {
    if (err instanceof LabError) throw err;
    throwIfAborted(opts.signal, 'download');
    throw new LabError('IO', `the download of ${f.name} was interrupted (${(err as Error).message}). Try again, or ${manualHint(src, dir)}.`);
  }
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    bytes.set(p, off);
    off += p.length;
  }
  const got = sha256(bytes);
  if (got !== f.sha256) {
    throw new LabError(
      'BAD_DATASET',
      `the downloaded ${f.name} for ${src.title} does not match its published SHA-256 (got ${got.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…); nothing was saved. Try again, or ${manualHint(src, dir)}.`,
    );
  }
  await atomicWriteFile(path.join(dir, f.name), bytes);
  return bytes;
}

/** The published IDX header of a file: type ubyte, [count, 28, 28] or [count]. */
function publishedDims(src: IdxSource, f: RemoteFile): number[] {
  const count = f.split === 'train' ? src.trainCount : src.testCount;
  return f.kind === 'images' ? [count, 28, 28] : [count];
}

/** "IDX ubyte [60000, 28, 28]", or what else the bytes are. */
function describeIdx(bytes: Uint8Array): string {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes);
    } catch {
      return 'a gzip file that cannot be decompressed';
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) return `not an IDX file (${raw.length} bytes)`;
  const ndim = raw[3];
  if (raw.length < 4 + 4 * ndim) return 'an IDX file with a truncated header';
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const type = raw[2] === IDX_UBYTE ? 'ubyte' : `type 0x${raw[2].toString(16).padStart(2, '0')}`;
  return `IDX ${type} [${dims.join(', ')}] in ${raw.length} bytes`;
}

/**
 * A file of a published set placed by hand (or downloaded earlier) in `dir`: the `.gz` whose
 * SHA-256 is the published one is verified by hash; a raw or re-compressed copy whose IDX header
 * (magic, type, count, shape) and length are exactly the published set's is verified by
 * structure. The user's files are never renamed, moved or deleted.
 * @throws LabError BAD_DATASET naming the file, what it is and what was expected, on a mismatch.
 */
async function readLocal(src: IdxSource, f: RemoteFile, dir: string): Promise<{ bytes: Uint8Array; verified: 'sha256' | 'structure' } | null> {
  for (const name of [f.name, rawName(f)]) {
    const p = path.join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fsp.readFile(p));
    } catch {
      continue;
    }
    if (name === f.name && sha256(bytes) === f.sha256) return { bytes, verified: 'sha256' };
    const dims = publishedDims(src, f);
    const want = `IDX ubyte [${dims.join(', ')}] in ${4 + 4 * dims.length + dims.reduce((a, b) => a * b, 1)} bytes`;
    const found = describeIdx(bytes);
    if (found === want) return { bytes, verified: 'structure' };
    throw new LabError(
      'BAD_DATASET',
      `${p} is not ${src.title}'s ${rawName(f)}: found ${found}, expected ${want} (the published ${f.name} has SHA-256 ${f.sha256.slice(0, 12)}…). Nothing was changed; replace or remove the file.`,
    );
  }
  return null;
}

function toSplit(images: Uint8Array, labels: Uint8Array, count: number, classes: number, name: string): Split {
  // The bytes as they are (model inputs: byte/255), on a SharedArrayBuffer the workers read in place.
  const x = new Uint8Array(new SharedArrayBuffer(images.length));
  x.set(images);
  const y = new Int32Array(new SharedArrayBuffer(count * Int32Array.BYTES_PER_ELEMENT));
  for (let i = 0; i < count; i++) {
    if (labels[i] >= classes) throw new LabError('BAD_DATASET', `${name}: label ${labels[i]} at ${i} is out of range 0..${classes - 1}`);
    y[i] = labels[i];
  }
  return { x, y, count };
}

/** Load (downloading what is missing) an IDX source. */
export async function loadIdxSource(
  src: IdxSource,
  opts: LoadOptions,
): Promise<{ train: Split; test: Split; warnings: string[]; verified: 'sha256' | 'structure' }> {
  const dir = sourceDir(opts.dataDir, src);
  const warnings: string[] = [];
  const bytes = new Map<string, Uint8Array>();
  const missing: RemoteFile[] = [];
  let verified: 'sha256' | 'structure' = 'sha256';
  for (const f of src.files) {
    throwIfAborted(opts.signal);
    const local = await readLocal(src, f, dir);
    if (local) bytes.set(f.name, local.bytes);
    else missing.push(f);
    if (local?.verified === 'structure') verified = 'structure';
  }
  if (verified === 'structure') {
    warnings.push(`${src.title}: files placed by hand in ${dir} were checked by their IDX structure (counts and shape), not by the published SHA-256`);
  }
  if (missing.length) {
    await fsp.mkdir(dir, { recursive: true });
    const total = missing.reduce((a, f) => a + f.size, 0);
    let loaded = 0;
    opts.onProgress?.({ phase: 'download', loaded, total });
    for (const f of missing) {
      const b = await download(src, f, dir, opts, (n) => {
        loaded += n;
        opts.onProgress?.({ phase: 'download', loaded: Math.min(loaded, total), total });
      });
      bytes.set(f.name, b);
    }
  }
  throwIfAborted(opts.signal);
  const splits: Partial<Record<'train' | 'test', Split>> = {};
  let step = 0;
  for (const split of ['train', 'test'] as const) {
    opts.onProgress?.({ phase: 'decode', loaded: step++, total: 2 });
    const imgFile = src.files.find((f) => f.split === split && f.kind === 'images')!;
    const lblFile = src.files.find((f) => f.split === split && f.kind === 'labels')!;
    const images = readIdx(bytes.get(imgFile.name)!, { expectDims: 3, expectType: IDX_UBYTE, name: imgFile.name });
    const labels = readIdx(bytes.get(lblFile.name)!, { expectDims: 1, expectType: IDX_UBYTE, name: lblFile.name });
    const n = checkImageLabelPair(images, labels, { name: `${src.title} ${split}`, shape: [28, 28] });
    splits[split] = toSplit(images.data as Uint8Array, labels.data as Uint8Array, n, src.labelNames.length, lblFile.name);
  }
  opts.onProgress?.({ phase: 'decode', loaded: 2, total: 2 });
  return { train: splits.train!, test: splits.test!, warnings, verified };
}
