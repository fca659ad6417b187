/**
 * The TensorBoard-projector export of latent embeddings (atomic, see atomic.ts).
 */
import { LabError } from '../../../src-shared/types';
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
  /** Optional thumbnails for the sprite: count × height×width floats in [0,1]. */
  images?: Float32Array;
  height?: number;
  width?: number;
  count: number;
  /** Extra fields for `manifest.json` (run id, model kind, …). */
  manifest?: Record<string, unknown>;
}

/**
 * Write a TensorBoard-projector folder: `vectors.tsv`, `metadata.tsv` (header
 * `label<TAB>label_index`, when labels exist), `sprite.png` (thumbnails in a square grid, dark
 * ink on white; skipped when it would exceed 8192 px per side), `projector_config.pbtxt`
 * (+ `projector_config.json` for the standalone projector) and `manifest.json`
 * (`format: "embeddings"`, `count`, `dim`, `data.manifest`, and what was written).
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
    if (images && h && wd && count > 0) {
      if (images.length !== count * h * wd) throw new LabError('INTERNAL', 'embedding thumbnails have inconsistent sizes');
      const cols = Math.ceil(Math.sqrt(count));
      const rowsN = Math.ceil(count / cols);
      if (cols * wd > MAX_SPRITE_SIDE || rowsN * h > MAX_SPRITE_SIDE) {
        spriteNote = `sprite skipped: ${count} thumbnails of ${wd}×${h} exceed ${MAX_SPRITE_SIDE}×${MAX_SPRITE_SIDE}`;
      } else {
        const sw = cols * wd;
        const sh = rowsN * h;
        const grid = new Uint8Array(sw * sh).fill(255);
        for (let i = 0; i < count; i++) {
          const gx = (i % cols) * wd;
          const gy = Math.floor(i / cols) * h;
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < wd; x++) {
              const v = images[i * h * wd + y * wd + x];
              const b = v > 0 ? (v >= 1 ? 255 : Math.round(v * 255)) : 0;
              grid[(gy + y) * sw + gx + x] = 255 - b;
            }
          }
        }
        await w.write('sprite.png', await encodePng(grid, sw, sh));
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
    await w.writeManifest({ ...data.manifest, format: 'embeddings', count, dim });
    opts.onProgress?.(total, total);
  });
}
