/**
 * An upper bound of the disk space a PNG-folder ("imagefolder") export takes, known before a
 * single image is generated (exportSize.ts checks it against the free space, as it does the NPZ's and
 * IDX's `exportDiskBytes`): its PNGs, metadata.csv, manifest.json and its folders, each file
 * rounded up to whole file-system blocks.
 */

/**
 * The block size taken when `statfs` does not give one (`bsize`): 4 KiB, ext4's, APFS's and
 * NTFS's default cluster.
 */
export const ASSUMED_BLOCK_BYTES = 4096;

/** The PNG signature (8 bytes; RFC 2083 §3.1, W3C PNG "PNG signature"). */
const PNG_SIGNATURE = 8;
/** A chunk's length, type and CRC around its data (RFC 2083 §3.2, W3C PNG "Chunk layout"). */
const CHUNK = 12;
/** IHDR's data: width, height, bit depth, colour type, compression, filter, interlace (RFC 2083 §4.1.1). */
const IHDR_DATA = 13;
/**
 * pHYs's data (pixels per unit x and y, the unit: W3C PNG "pHYs"): the one ancillary chunk libvips writes
 * without metadata (measured on sharp's output: IHDR, pHYs, IDAT…, IEND; the tests pin it).
 */
const PHYS_DATA = 9;
/**
 * The most bytes of zlib stream one IDAT chunk holds as libpng (sharp's PNG writer) writes them:
 * its compression buffer (`PNG_ZBUF_SIZE`, 8192; an IDAT is written each time it fills).
 */
const IDAT_DATA = 8192;

/**
 * The most bytes zlib-ng (the deflate bundled with sharp's libvips; zlib-ng 2.3.3 in
 * @img/sharp-libvips' versions.json) writes for `n` input bytes: its `compressBound`/
 * `deflateBound` for the default window, n + ⌈n/8⌉ (9-bit literals, its quick strategy's worst) +
 * 3 (a block's header, end and padding) + 6 (the zlib wrapper: 2-byte header and Adler-32, RFC
 * 1950 §2.2), + 1 when n < 9 and + 1 when n = 0. At level 6 it writes far less on data it
 * cannot shrink: stored blocks (RFC 1951 §3.2.4), 5 bytes each (3 header bits padded to a byte,
 * LEN and NLEN) per 16,383-byte block (its symbol buffer, memLevel 8: not 65,535-byte ones):
 * measured 1,001,316 bytes for a 1000×1000 grey noise image's 1,001,000 (6 + 5 × 62) — the
 * library's guarantee is taken, not what it happens to do.
 */
export function zlibBound(n: number): number {
  return n + (n === 0 ? 1 : 0) + (n < 9 ? 1 : 0) + Math.floor((n + 7) / 8) + 3 + 6;
}

/**
 * The most bytes `encodePng` (images/index.ts: sharp, 8-bit grey or RGB, not interlaced) writes
 * for a `height × width × channels` image: the signature, IHDR, pHYs, the zlib stream of the
 * filtered scanlines (each row a filter-type byte then its width × channels bytes: height × (1 +
 * width × channels) bytes before compression, RFC 2083 §2.3 and §6) cut into IDAT chunks of at most
 * 8192 bytes (12 bytes around each), and IEND.
 */
export function pngBytesBound(height: number, width: number, channels: number): number {
  const z = zlibBound(height * (1 + width * channels));
  return PNG_SIGNATURE + (CHUNK + IHDR_DATA) + (CHUNK + PHYS_DATA) + Math.ceil(z / IDAT_DATA) * CHUNK + z + CHUNK;
}

/** Digits of the zero-padded PNG numbers of an export of `total` images: 0…total−1, at least 1. */
export function pngNameDigits(total: number): number {
  return Math.max(1, String(Math.max(0, total - 1)).length);
}

/**
 * The longest field `fmt` (text.ts) writes for a float32: ≤ 9 significant digits, which
 * JavaScript spells with up to 21 integer digits before switching to exponents (1e21), plus a
 * sign: "-123456794000000000000".
 */
export const MAX_FLOAT_FIELD = 22;

/** A field of metadata.csv as `csvField` (text.ts) writes it, at most: quoted, every `"` doubled. */
const csvBytes = (s: string) => Buffer.byteLength(s) + 2 + (s.match(/"/g)?.length ?? 0);

/** What the bound needs to know of a PNG-folder export. */
export interface ImageFolderSize {
  total: number;
  height: number;
  width: number;
  channels: 1 | 3;
  latentDim: number;
  /** The labels' names (metadata.csv's `label`). */
  labelNames: readonly string[];
  /** Every folder the PNGs may go in: the label folders (`labelFolderNames`) and the unlabeled one. */
  folderNames: readonly string[];
  /** The export's seed (metadata.csv's `export_seed`, on every row). */
  seed: number;
  /** UTF-8 bytes of manifest.json without its `exportContents` (JSON, 2-space indent). */
  manifestBytes: number;
}

/**
 * An upper bound (bytes) of the disk space a PNG-folder export takes, each file rounded up to
 * whole blocks of `blockSize` bytes (the `bsize` `statfs` reports where it goes, else
 * `ASSUMED_BLOCK_BYTES`):
 *   PNGs          total × ⌈pngBytesBound(H, W, C) / block⌉ blocks;
 *   metadata.csv  its header + total rows × the longest row: file name (quoted folder, `/`, digits,
 *                 `.png`), the longest label name as `csvField` writes it, label index, seed, and
 *                 d latents of at most MAX_FLOAT_FIELD characters, d + 3 commas and a newline;
 *   manifest.json its fixed fields (`manifestBytes`) + 1 KiB for `exportContents`' frame + per
 *                 folder a `sequences` entry (≤ 128 bytes and its name, escaped) + per file a
 *                 `written` record (its path, escaped, and ≤ 96 bytes: indent, quotes, size,
 *                 mtime, 32 hex digits);
 *   folders       the label folders and the export's own: ext4's directory entries (8 bytes + the
 *                 name, rounded to 4: linux/fs/ext4/ext4.h `EXT4_DIR_REC_LEN`) taken
 *                 twice (hashed directories split their blocks half full) + 2 blocks per folder
 *                 (its first block and index).
 * An estimate of file-system metadata beyond that (inodes are preallocated on ext4; a large file's
 * extent blocks) is not counted. Compressed PNGs are usually far smaller than the bound, but a
 * 28×28 PNG of any content takes one 4 KiB block, so for small images the bound is close.
 */
export function imageFolderDiskBytes(s: ImageFolderSize, blockSize = ASSUMED_BLOCK_BYTES): number {
  const block = blockSize > 0 ? blockSize : ASSUMED_BLOCK_BYTES;
  const onDisk = (bytes: number) => Math.ceil(bytes / block) * block;
  const digits = pngNameDigits(s.total);
  const longestFolder = Math.max(0, ...s.folderNames.map(csvBytes));
  // PNGs.
  const pngs = s.total * onDisk(pngBytesBound(s.height, s.width, s.channels));
  // metadata.csv.
  const header = 'file_name,label,label_index,export_seed'.length + s.latentDim * (2 + String(s.latentDim).length);
  const fileName = longestFolder + 1 + digits + '.png'.length;
  const label = Math.max(0, ...s.labelNames.map(csvBytes));
  const index = Math.max(2, String(Math.max(0, s.labelNames.length - 1)).length);
  const row = fileName + label + index + String(s.seed).length + s.latentDim * MAX_FLOAT_FIELD + (s.latentDim + 3) + 1;
  const csv = onDisk(header + 1 + s.total * row);
  // manifest.json: JSON escapes at most double a name's bytes (`"` and `\` are never in folder names).
  const folders = s.folderNames.length;
  const rel = 2 * longestFolder + 1 + digits + '.png'.length;
  const manifest = onDisk(s.manifestBytes + 1024 + folders * (128 + 2 * longestFolder) + (s.total + 1) * (96 + rel));
  // Folders: each PNG's entry, and the export's own folder's (the label folders, the two files).
  const entry = (nameBytes: number) => 8 + Math.ceil(nameBytes / 4) * 4;
  const dirs = (folders + 1) * 2 * block + onDisk(2 * (s.total * entry(digits + 4) + (folders + 2) * entry(255)));
  return pngs + csv + manifest + dirs;
}
