/**
 * What a generated export's manifest.json says besides the caller's `ExportManifest` (index.ts
 * `writeGeneratedExport` writes it; exportSize.ts counts a PNG folder's in its size bound): the
 * format and the images' shape, a PNG folder's label folders, and how pixels were encoded.
 * Plain Node.
 */
import type { ExportManifest, GeneratedFormat, GeneratedSource } from './index';
import { labelFolderNames, UNLABELED_DIR } from './labelFolders';

/** manifest.json's fields every generated export has: its format and the images' shape. */
export function manifestBase(format: GeneratedFormat, src: GeneratedSource): Record<string, unknown> {
  const channels = src.channels ?? 1;
  return {
    format,
    total: src.total,
    height: src.height,
    width: src.width,
    channels,
    shape: [src.height, src.width, channels],
    labelNames: src.labelNames,
  };
}

/** A PNG-folder export's manifest.json fields (the atomic writer adds `exportContents`). */
export function imageFolderManifest(src: GeneratedSource, manifest: ExportManifest, base: Record<string, unknown>): Record<string, unknown> {
  const dirs = labelFolderNames(src.labelNames);
  return {
    ...manifest,
    ...base,
    labelFolders: Object.fromEntries(src.labelNames.map((n, i) => [n, dirs[i]])),
    unlabeledFolder: UNLABELED_DIR,
    pixelEncoding: pixelEncoding(src.channels ?? 1),
  };
}

/** The manifest's `pixelEncoding` (and the NPZ's `arrays.images` after its shape). */
export const pixelEncoding = (channels: 1 | 3) =>
  channels === 1 ? 'uint8 = round(clamp(v,0,1)*255), grey (ink = 255 for ink drawings)' : 'uint8 = round(clamp(v,0,1)*255), RGB, channels last';
