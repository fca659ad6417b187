/**
 * The size checks of a generated export (index.ts `writeGeneratedExport`), both before a single
 * image is generated: `checkNpzExport`, before anything is touched — an NPZ past 4 GiB (fflate
 * writes no ZIP64) —, and `checkExportSpace`, once the destination passed its checks and the temp
 * folder exists — more than the free space there: NPZ and IDX by their uncompressed size
 * (streamed.ts `exportDiskBytes`), PNG folders by an upper bound of each PNG (its scanlines
 * uncompressed, zlib-ng's worst case, its chunks), metadata.csv, manifest.json and the folders,
 * every file in whole blocks of the file system's `bsize` (imageFolderSize.ts). Plain Node.
 */
import path from 'node:path';
import type { ExportManifest, GeneratedFormat, GeneratedSource } from './index';
import { imageFolderDiskBytes } from './imageFolderSize';
import { labelFolderNames, UNLABELED_DIR } from './labelFolders';
import { imageFolderManifest, manifestBase } from './manifestFields';
import { checkFreeSpace, checkNpzSize, diskSpace, exportDiskBytes, type ExportSize } from './streamed';

/** What streamed.ts's NPZ and IDX bounds read of `src`. */
function exportSize(src: GeneratedSource): ExportSize {
  return { total: src.total, pixels: src.height * src.width * (src.channels ?? 1), latentDim: src.latentDim, labelCount: src.labelNames.length };
}

/**
 * Refuses an NPZ of `src` past 4 GiB (streamed.ts `checkNpzSize`: no ZIP64).
 * @throws LabError UNSUPPORTED naming the size, how many samples fit, and IDX or PNG folders.
 */
export function checkNpzExport(src: GeneratedSource): void {
  checkNpzSize(exportSize(src));
}

/**
 * Refuses a `format` export of `src` larger than the free space of `dir` (the export's temp
 * folder; `folder`, where the export goes, is the one the error names): NPZ and IDX by their
 * uncompressed size, PNG folders by `imageFolderExportBytes` in the file system's blocks.
 * Unknown free space (no `statfs`, a file system of no size) passes.
 * @throws LabError IO saying how much is needed and free.
 */
export async function checkExportSpace(format: GeneratedFormat, src: GeneratedSource, manifest: ExportManifest, dir: string, folder: string): Promise<void> {
  const space = await diskSpace(dir);
  if (format === 'imagefolder') checkFreeSpace(imageFolderExportBytes(src, manifest, space.blockSize ?? undefined), space.free, folder, 'pngs');
  else checkFreeSpace(exportDiskBytes(format, exportSize(src)), space.free, folder);
}

/**
 * The upper bound (bytes) of the disk space a PNG-folder export of `src` takes, each file in
 * whole blocks of `blockSize` bytes (default `ASSUMED_BLOCK_BYTES`, 4 KiB): imageFolderSize.ts's
 * `imageFolderDiskBytes` with this export's folder names, seed and manifest. What
 * `writeGeneratedExport` checks against the free space before generating.
 */
export function imageFolderExportBytes(src: GeneratedSource, manifest: ExportManifest, blockSize?: number): number {
  return imageFolderDiskBytes(
    {
      total: src.total,
      height: src.height,
      width: src.width,
      channels: src.channels ?? 1,
      latentDim: src.latentDim,
      labelNames: src.labelNames,
      folderNames: [...labelFolderNames(src.labelNames), UNLABELED_DIR],
      seed: manifest.seed,
      manifestBytes: Buffer.byteLength(JSON.stringify(imageFolderManifest(src, manifest, manifestBase('imagefolder', src)), null, 2)),
    },
    blockSize,
  );
}
