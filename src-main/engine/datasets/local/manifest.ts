/**
 * The `manifest.json` this app's exports write beside their data (see ../../export): what an
 * importer may take from it — the class names, the label IDX exports give unlabeled images, and
 * the images' channels (a colour run's export stays colour when "auto" re-imports it).
 * A missing or unreadable manifest, or one without these fields, gives nothing (any dataset may
 * have no manifest); nothing in it is trusted beyond its types.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isRegularFileSync } from './fileKind';

export interface ExportManifestInfo {
  /** Class names in label-index order. */
  labelNames?: string[];
  /**
   * The label of unlabeled images: an IDX export's `unlabeledLabel` (255), or the -1 an NPZ
   * export's `arrays.labels` text names ("…, -1 = unlabeled").
   */
  unlabeledLabel?: number;
  /**
   * The exported images' channels, 1 (grey) or 3 (RGB), from `channels` or the last entry of
   * `shape` ([H, W, C]); only in a manifest that says it is an image export (`format`
   * imagefolder, idx or npz).
   */
  channels?: 1 | 3;
}

/** The export formats whose manifest describes images (export/index.ts `writeGeneratedExport`). */
const IMAGE_EXPORTS = ['imagefolder', 'idx', 'npz'];

/** The manifest.json in `dir`, as far as importers use it ({} when there is none). */
export async function readExportManifest(dir: string): Promise<ExportManifestInfo> {
  let m: { labelNames?: unknown; unlabeledLabel?: unknown; arrays?: { labels?: unknown }; format?: unknown; channels?: unknown; shape?: unknown };
  try {
    if (!isRegularFileSync(path.join(dir, 'manifest.json'))) return {}; // none, or a pipe/device never opened (fileKind.ts)
    m = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8')) as typeof m;
  } catch {
    return {};
  }
  if (!m || typeof m !== 'object') return {};
  const out: ExportManifestInfo = {};
  if (Array.isArray(m.labelNames) && m.labelNames.every((n) => typeof n === 'string')) out.labelNames = m.labelNames as string[];
  if (typeof m.unlabeledLabel === 'number' && Number.isInteger(m.unlabeledLabel)) out.unlabeledLabel = m.unlabeledLabel;
  else {
    const text = m.arrays && typeof m.arrays === 'object' ? m.arrays.labels : undefined;
    const said = typeof text === 'string' ? /(-?\d+)\s*=\s*unlabell?ed/i.exec(text) : null;
    if (said) out.unlabeledLabel = Number(said[1]);
  }
  if (typeof m.format === 'string' && IMAGE_EXPORTS.includes(m.format)) {
    const shape = Array.isArray(m.shape) && m.shape.length === 3 ? m.shape[2] : undefined;
    const c = m.channels ?? shape;
    if (c === 1 || c === 3) out.channels = c;
  }
  return out;
}
