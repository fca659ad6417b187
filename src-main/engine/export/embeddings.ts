/**
 * The TensorBoard-projector export of latent embeddings (atomic, see atomic.ts).
 */
import { LabError } from '../../../src-shared/types';
import type { RowValues } from '../datasets/rows';
import { encodePng } from '../images';
import { withAtomicFolder } from './atomic';
import type { ExportOptions } from './index';
import { fmt, tsvField } from './text';

/** TensorBoard's projector refuses sprites larger than this per side. */
export const MAX_SPRITE_SIDE = 8192;

export interface EmbeddingData {
  /** count × dim. */
  vectors: Float32Array;
  dim: number;
  labels: Int32Array;
  labelNames: string[];
  /** Optional thumbnails for the sprite: count × height×width×channels, HWC: floats in [0,1], or a split's bytes (0–255). */
  images?: RowValues;
  height?: number;
  width?: number;
  /** 1 = grey (default), 3 = RGB: the sprite is then an RGB PNG. */
  channels?: 1 | 3;
  /** Grey thumbnails drawn as 255 − value (ink drawings, light on dark, shown dark on white). Default true; never for RGB. */
  invert?: boolean;
  count: number;
  /** Extra fields for `manifest.json` (run id, model kind, …). */
  manifest?: Record<string, unknown>;
}

/**
 * Write a TensorBoard-projector folder: `vectors.tsv`, `metadata.tsv` (header
 * `label<TAB>label_index`, when labels exist), `sprite.png` (thumbnails in a square grid, grey or
 * RGB as the images are, grey ink drawings dark on white (`invert`); blank cells white; skipped when
 * it would exceed 8192 px per side), `projector_config.pbtxt` (+ `projector_config.json` for the
 * standalone projector) and `manifest.json` (`format: "embeddings"`, `count`, `dim`, the
 * thumbnails' `shape` [H, W, C], `data.manifest`, and what was written).
 * @throws LabError INTERNAL (arrays of inconsistent sizes) and the atomic writer's errors.
 */
export async function writeEmbeddings(
  out: string,
  data: EmbeddingData,
  opts: ExportOptions = {},
): Promise<{ out: string; files: string[] }> {
  const { vectors, dim, labels, labelNames, count } = data;
  if (!Number.isInteger(dim) || dim <= 0 || vectors.length !== count * dim || labels.length !== count) {
    throw new LabError('INTERNAL', 'embedding arrays have inconsistent sizes');
  }
  return withAtomicFolder(out, opts, async (w) => {
    const total = count;
    opts.onProgress?.(0, total);
    const rows: string[] = [];
    for (let i = 0; i < count; i++) rows.push(Array.from(vectors.subarray(i * dim, (i + 1) * dim), fmt).join('\t'));
    await w.write('vectors.tsv', rows.join('\n') + '\n');
    w.checkAborted();

    const hasLabels = labelNames.length > 0 && labels.some((l) => l >= 0);
    if (hasLabels) {
      const meta = ['label\tlabel_index'];
      for (const l of labels) meta.push(`${tsvField(l >= 0 && l < labelNames.length ? labelNames[l] : 'unlabeled')}\t${l}`);
      await w.write('metadata.tsv', meta.join('\n') + '\n');
    }
    w.checkAborted();

    let sprite: { cols: number; h: number; w: number } | null = null;
    let spriteNote: string | undefined;
    const { images, height: h, width: wd } = data;
    const ch = data.channels ?? 1;
    if (images && h && wd && count > 0) {
      if (images.length !== count * h * wd * ch) throw new LabError('INTERNAL', 'embedding thumbnails have inconsistent sizes');
      const cols = Math.ceil(Math.sqrt(count));
      const rowsN = Math.ceil(count / cols);
      if (cols * wd > MAX_SPRITE_SIDE || rowsN * h > MAX_SPRITE_SIDE) {
        spriteNote = `sprite skipped: ${count} thumbnails of ${wd}×${h} exceed ${MAX_SPRITE_SIDE}×${MAX_SPRITE_SIDE}`;
      } else {
        const grid = spriteGrid(images, count, cols, rowsN, h, wd, ch, (data.invert ?? true) && ch === 1);
        await w.write('sprite.png', await encodePng(grid, cols * wd, rowsN * h, ch));
        sprite = { cols, h, w: wd };
      }
    }
    w.checkAborted();

    const pb = [
      'embeddings {',
      '  tensor_name: "latent"',
      '  tensor_path: "vectors.tsv"',
      ...(hasLabels ? ['  metadata_path: "metadata.tsv"'] : []),
      ...(sprite
        ? ['  sprite {', '    image_path: "sprite.png"', `    single_image_dim: ${sprite.w}`, `    single_image_dim: ${sprite.h}`, '  }']
        : []),
      '}',
      '',
    ].join('\n');
    await w.write('projector_config.pbtxt', pb);
    const json = {
      embeddings: [
        {
          tensorName: 'latent',
          tensorShape: [count, dim],
          tensorPath: 'vectors.tsv',
          ...(hasLabels ? { metadataPath: 'metadata.tsv' } : {}),
          ...(sprite ? { sprite: { imagePath: 'sprite.png', singleImageDim: [sprite.w, sprite.h] } } : {}),
        },
      ],
      ...(spriteNote ? { note: spriteNote } : {}),
    };
    await w.write('projector_config.json', JSON.stringify(json, null, 2) + '\n');
    await w.writeManifest({ ...data.manifest, format: 'embeddings', count, dim, ...(h && wd ? { shape: [h, wd, ch] } : {}) });
    opts.onProgress?.(total, total);
  });
}

/**
 * `count` thumbnails (h × wd × ch, HWC: floats in [0, 1] or bytes) in a `cols × rowsN` grid of
 * bytes, (rowsN·h) × (cols·wd) × ch; cells without a thumbnail are white. `invert`: 255 − value.
 */
function spriteGrid(images: RowValues, count: number, cols: number, rowsN: number, h: number, wd: number, ch: number, invert: boolean): Uint8Array {
  const sw = cols * wd;
  const grid = new Uint8Array(sw * rowsN * h * ch).fill(255);
  const row = wd * ch;
  const bytes = images instanceof Uint8Array;
  for (let i = 0; i < count; i++) {
    const gx = (i % cols) * wd;
    const gy = Math.floor(i / cols) * h;
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * row;
      const dst = ((gy + y) * sw + gx) * ch;
      for (let k = 0; k < row; k++) {
        const v = images[src + k];
        const b = bytes ? v : v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
        grid[dst + k] = invert ? 255 - b : b;
      }
    }
  }
  return grid;
}
