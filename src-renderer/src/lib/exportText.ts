/**
 * What an embeddings export of the model on screen writes (the engine's `writeEmbeddings`), said
 * before it is made: no sprite for a model of 2-D points, no metadata.tsv without labels, and no
 * sprite when the test split's thumbnails would not fit TensorBoard's 8192-px limit.
 */

/** TensorBoard's projector refuses sprites larger than this per side (as src-main/engine/export/embeddings.ts). */
const MAX_SPRITE_SIDE = 8192;

/** The run's data as the hint needs it: images or points, its labels, its test split's size and [H, W, C] shape. */
export interface EmbeddingRunData {
  isImage: boolean;
  labelNames: readonly string[];
  testCount: number;
  /** The training split's size (the hint of a 'train' or 'all' export); unknown: the split is named without a count. */
  trainCount?: number;
  shape: readonly number[];
}

/**
 * The Embeddings format's hint for this run, e.g. "Latent means of the 2,000 test points:
 * vectors.tsv, metadata.tsv (labels), projector config and manifest.json — no sprite.png: the
 * points are not images." `data` undefined (not loaded yet): the files an image run writes.
 */
export function embeddingsHint(data: EmbeddingRunData | undefined, split: 'test' | 'train' | 'all' = 'test'): string {
  const isImage = data?.isImage ?? true;
  const labelled = data ? data.labelNames.length > 0 : true;
  const train = data?.trainCount;
  const counted = data != null && (split === 'test' || train != null);
  const n = !data ? 0 : split === 'test' ? data.testCount : split === 'train' ? (train ?? 0) : (train ?? 0) + data.testCount;
  const what = isImage ? 'image' : 'point';
  const files = ['vectors.tsv', ...(labelled ? ['metadata.tsv (labels)'] : [])];
  let spriteNote = '';
  if (isImage) {
    const [h = 0, w = 0] = data?.shape ?? [];
    const cols = Math.ceil(Math.sqrt(n));
    const rows = cols ? Math.ceil(n / cols) : 0;
    if (counted && (cols * w > MAX_SPRITE_SIDE || rows * h > MAX_SPRITE_SIDE)) spriteNote = ` — no sprite.png: ${n.toLocaleString('en-US')} thumbnails of ${w}×${h} exceed TensorBoard's ${MAX_SPRITE_SIDE} px`;
    else files.push('sprite.png (thumbnails)');
  } else spriteNote = ' — no sprite.png: the points are not images';
  const which = split === 'test' ? 'test' : split === 'train' ? 'training' : 'training and test';
  const of = counted ? `the ${n.toLocaleString('en-US')} ${which} ${what}${n === 1 ? '' : 's'}` : split === 'all' ? 'the training and test splits' : `the ${which} split`;
  return `Latent means of ${of}: ${files.join(', ')}, projector config and manifest.json${spriteNote}${labelled ? '' : ' (no metadata.tsv: the data has no labels)'}.`;
}

/** The image formats' files, as the engine's `writeGeneratedExport` writes them. */
export type ImageExportFormat = 'imagefolder' | 'idx' | 'npz';

/**
 * The hint of an image format for this run, saying what THIS export writes: a grey run's IDX is
 * `images-idx3-ubyte.gz` (N×H×W, byte-compatible with the MNIST files), a colour run's
 * `images-idx4-ubyte.gz` (N×H×W×3, which MNIST readers do not take); NPZ `images` is uint8
 * N×H×W or N×H×W×3 — with the run's sizes when known ("N×64×64×3"). `shape` is the run's
 * [H, W] or [H, W, C]; undefined (not loaded yet): the grey wording, sizes as letters. The image
 * folder says where samples without a label go (`unlabeled/`: every model but a CVAE draws none).
 */
export function imageFormatHint(format: ImageExportFormat, shape: readonly number[] | undefined): string {
  const [h, w, c = 1] = shape ?? [];
  const colour = c === 3;
  const hw = h && w ? `${h}×${w}` : 'H×W';
  const dims = `N×${hw}${colour ? '×3' : ''}`;
  const pngs = colour ? 'RGB' : 'grey';
  if (format === 'imagefolder') {
    return `<label>/<n>.png per image (${pngs}${h && w ? `, ${w}×${h}` : ''}; torchvision ImageFolder; a model that draws no label, any but a CVAE, writes them all to unlabeled/), metadata.csv with each image’s latent z (and the export’s seed, one for all), manifest.json.`;
  }
  if (format === 'idx') {
    return colour
      ? `images-idx4-ubyte.gz (${dims}, colour: a 4-dimensional IDX file, which readers of the MNIST files do not take) + labels-idx1-ubyte.gz, manifest.json.`
      : `images-idx3-ubyte.gz (${dims}) + labels-idx1-ubyte.gz, byte-compatible with the MNIST files; manifest.json.`;
  }
  return `generated.npz with images (uint8 ${dims}), labels and z (float32 N×d), plus manifest.json.`;
}
