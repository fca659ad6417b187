/**
 * What streaming the NPZ and IDX exports needs (index.ts writes them piece by piece, a batch at a
 * time, so an export of a million images never sits in memory): a queue between fflate's
 * synchronous output callback and the file, and the up-front refusals — an NPZ past what a ZIP
 * without ZIP64 holds (fflate writes none), and an export larger than the free space (for PNG
 * folders their bound is imageFolderSize.ts's).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../../src-shared/types';

/** Pieces under this are gathered before being written (fewer, larger writes). */
const WRITE_BLOCK = 1 << 20;

/**
 * fflate's output, queued as it comes (`take`, for its callbacks) until `drain` writes it.
 * Memory holds at most what was pushed since the last drain (one batch) plus one write block.
 */
export class OutputQueue {
  private pieces: Uint8Array[] = [];
  private bytes = 0;
  private error: Error | null = null;

  /** fflate's (err, data) callback for Zip; Gzip's (data) callback is `take(null, data)`. */
  readonly take = (err: Error | null, data: Uint8Array | null): void => {
    if (err) this.error ??= err;
    else if (data && data.length > 0) {
      this.pieces.push(data);
      this.bytes += data.length;
    }
  };

  /**
   * Write what is queued through `put` (awaited: the disk sets the pace). Unless `final`, less
   * than a block is kept for the next drain. Throws fflate's error if one came.
   */
  async drain(put: (data: Uint8Array) => Promise<void>, final = false): Promise<void> {
    if (this.error) throw this.error;
    if (this.bytes === 0 || (!final && this.bytes < WRITE_BLOCK)) return;
    const pieces = this.pieces;
    const bytes = this.bytes;
    this.pieces = [];
    this.bytes = 0;
    await put(pieces.length === 1 ? pieces[0] : joinBytes(pieces, bytes));
  }
}

function joinBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** `n` bytes in words: "12.3 GB", "850 MB", "2.0 MB", "12 KB" (decimal units). */
export function sizeWords(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e7) return `${Math.round(n / 1e6)} MB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} KB`;
}

/**
 * The largest ZIP fflate writes correctly: without ZIP64 every size and offset is a 32-bit field
 * (past it, the central directory records the size modulo 4 GiB and readers get a cut-off array).
 * 1 MiB under 4 GiB, a margin for the entries' headers and the central directory.
 */
export const NPZ_LIMIT_BYTES = 2 ** 32 - (1 << 20);
/** Deflate's worst case on data it cannot shrink: stored blocks, 5 bytes per 64 KiB (≈ 0.008 %); 0.1 % taken. */
const DEFLATE_GROWTH = 1.001;
/** Bytes of the .npy headers, zip headers and central directory, over-estimated. */
const NPZ_OVERHEAD = 64 << 10;

/** The shape of an export, as the size rules need it. */
export interface ExportSize {
  total: number;
  /** H × W × C of one image. */
  pixels: number;
  latentDim: number;
  labelCount: number;
}

/**
 * The NPZ's uncompressed bytes: images (1 byte a pixel), z (4 bytes a number), labels (at most
 * 2 bytes each), label names (at most 4 × 1024 bytes each, as `<U` strings) and headers. Its
 * compressed size is at most this × 1.001 (DEFLATE_GROWTH).
 */
export function npzRawBytes(s: ExportSize): number {
  return s.total * (s.pixels + 4 * s.latentDim + 2) + s.labelCount * 4096 + NPZ_OVERHEAD;
}

/**
 * Refuses an NPZ that would pass 4 GiB (NPZ_LIMIT_BYTES; fflate writes no ZIP64): before a single
 * image is generated, in words naming its size, how many samples fit, and the ways out.
 * @throws LabError UNSUPPORTED
 */
export function checkNpzSize(s: ExportSize): void {
  const raw = npzRawBytes(s);
  if (raw * DEFLATE_GROWTH <= NPZ_LIMIT_BYTES) return;
  const perSample = s.pixels + 4 * s.latentDim + 2;
  const fits = Math.max(0, Math.floor((NPZ_LIMIT_BYTES / DEFLATE_GROWTH - s.labelCount * 4096 - NPZ_OVERHEAD) / perSample));
  throw new LabError(
    'UNSUPPORTED',
    `this NPZ export of ${s.total.toLocaleString('en-US')} samples would be ${sizeWords(raw)}; NPZ here is limited to 4 GiB (no ZIP64), ` +
      `about ${fits.toLocaleString('en-US')} samples of this model: export fewer samples, or as IDX or PNG folders`,
  );
}

/**
 * Upper bound of the disk space an NPZ or IDX export takes while it is written: its uncompressed
 * bytes (compression only shrinks them, but by how much is not known before), plus, for NPZ, the
 * scratch copy of `z` kept until the images are in (index.ts).
 */
export function exportDiskBytes(format: 'npz' | 'idx', s: ExportSize): number {
  if (format === 'npz') return Math.ceil(npzRawBytes(s) * DEFLATE_GROWTH) + s.total * 4 * s.latentDim;
  return Math.ceil((s.total * (s.pixels + 1) + 64) * DEFLATE_GROWTH) + NPZ_OVERHEAD;
}

/**
 * Free bytes (for this user) on the file system of `dir`, or of its nearest existing ancestor; null
 * when Node cannot tell, or the file system has no size (a pseudo file system such as /proc).
 */
export async function freeBytes(dir: string): Promise<number | null> {
  return (await diskSpace(dir)).free;
}

/**
 * The largest `statfs` block size (`bsize`, bytes) taken as what a small file's size is rounded up
 * to on disk. Above it `bsize` is a record or stripe size, not a small file's allocation: OpenZFS
 * on Linux reports its record size (128 KiB by default, up to 16 MiB) as `f_bsize` (and counts
 * free space in it: zfs_vfsops.c `zfs_statvfs`) while a file smaller than a record is one block
 * of its own size rounded to the pool's sector (512 B–4 KiB, `ashift`); Lustre and CephFS report
 * their 1–4 MiB stripes. ext4, XFS, Btrfs, APFS report 4 KiB (NTFS clusters go up to 64 KiB).
 */
export const MAX_ALLOCATION_BLOCK = 64 * 1024;

/** The `statfs` `diskSpace` reads; a test seam. */
export type StatFs = (p: string) => Promise<{ bsize: number | bigint; blocks: number | bigint; bavail: number | bigint }>;

/**
 * The file system of `dir` (or of its nearest existing ancestor): `free` as `freeBytes`, and
 * `blockSize`, its block (`statfs`'s `bsize`, bytes: what a file's size is rounded up to on disk);
 * each null when Node cannot tell (a pseudo file system of no size has neither). A `bsize` over
 * `MAX_ALLOCATION_BLOCK` gives no `blockSize` (the bound then takes 4 KiB per file): counted as
 * the rounding of each small PNG, ZFS's 128 KiB records would make a 100,000-image export of
 * 28×28 digits "need" 13.1 GB for the ~0.4 GB it takes, and refuse it on a 10 GB free pool.
 */
export async function diskSpace(dir: string, statfs: StatFs = fsp.statfs): Promise<{ free: number | null; blockSize: number | null }> {
  const unknown = { free: null, blockSize: null };
  let cur = path.resolve(dir);
  for (let i = 0; i < 4096; i++) {
    try {
      const st = await statfs(cur);
      // A file system of no size (/proc, /sys…) has nothing to count: unknown, not "0 free".
      if (Number(st.blocks) === 0) return unknown;
      const bsize = Number(st.bsize);
      return { free: Number(st.bavail) * bsize, blockSize: bsize > 0 && bsize <= MAX_ALLOCATION_BLOCK ? bsize : null };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const up = path.dirname(cur);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || up === cur) return unknown;
      cur = up;
    }
  }
  return unknown;
}

/** What an export's upper bound is, in the refusal's words (`checkFreeSpace`). */
export const BOUND_WORDS = {
  uncompressed: 'its uncompressed size; compressed it is usually smaller',
  pngs: 'its PNGs uncompressed, each file in whole disk blocks; compressed they are usually smaller',
} as const;

/**
 * Refuses, before generating, an export whose upper bound `need` (bytes) exceeds the free space
 * `free` where it goes (`folder`, named in the message); `free` null (unknown) lets it through.
 * `bound` says in the message what the bound is (`BOUND_WORDS`).
 * @throws LabError IO
 */
export function checkFreeSpace(need: number, free: number | null, folder: string, bound: keyof typeof BOUND_WORDS = 'uncompressed'): void {
  if (free === null || need <= free) return;
  throw new LabError(
    'IO',
    `not enough free space for this export in ${folder}: it may take up to ${sizeWords(need)} (${BOUND_WORDS[bound]}) ` +
      `and ${sizeWords(free)} are free: free some space, export fewer samples or choose another folder`,
  );
}
