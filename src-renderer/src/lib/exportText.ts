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
  shape: readonly number[];
}

/**
 * The Embeddings format's hint for this run, e.g. "Latent means of the 2,000 test points:
 * vectors.tsv, metadata.tsv (labels), projector config and manifest.json — no sprite.png: the
 * points are not images." `data` undefined (not loaded yet): the files an image run writes.
 */
export function embeddingsHint(data: EmbeddingRunData | undefined): string {
  const isImage = data?.isImage ?? true;
  const labelled = data ? data.labelNames.length > 0 : true;
  const n = data?.testCount ?? 0;
  const what = isImage ? 'image' : 'point';
  const files = ['vectors.tsv', ...(labelled ? ['metadata.tsv (labels)'] : [])];
  let spriteNote = '';
  if (isImage) {
    const [h = 0, w = 0] = data?.shape ?? [];
    const cols = Math.ceil(Math.sqrt(n));
    const rows = cols ? Math.ceil(n / cols) : 0;
    if (data && (cols * w > MAX_SPRITE_SIDE || rows * h > MAX_SPRITE_SIDE)) spriteNote = ` — no sprite.png: ${n.toLocaleString('en-US')} thumbnails of ${w}×${h} exceed TensorBoard's ${MAX_SPRITE_SIDE} px`;
    else files.push('sprite.png (thumbnails)');
  } else spriteNote = ' — no sprite.png: the points are not images';
  const of = data ? `the ${n.toLocaleString('en-US')} test ${what}${n === 1 ? '' : 's'}` : 'the test split';
  return `Latent means of ${of}: ${files.join(', ')}, projector config and manifest.json${spriteNote}${labelled ? '' : ' (no metadata.tsv: the data has no labels)'}.`;
}
