/**
 * What the empty scatter (and a tab with no model) says before anything is trained: the dataset
 * the Train form has selected, never "the embedded MNIST" while "Your own data" is chosen.
 */

/** A dataset as the engine lists it (`datasets:list`): id, title, whether it is on disk, images or points. */
export interface ReadyDataset {
  id: string;
  title: string;
  available: boolean;
  isImage: boolean;
}

/** The last segment of a path as typed (`/home/me/shapes/` → `shapes`; either slash), or ''. */
export function pathBaseName(p: string): string {
  return p.trim().replace(/[/\\]+$/, '').split(/[/\\]/).pop() ?? '';
}

/**
 * The headline and what a point of the scatter will be, for the selected dataset `id` (its
 * entry `d`, undefined while the list loads) and the path field `folderPath` (own data only).
 */
export function readyText(id: string, d: ReadyDataset | undefined, folderPath: string): { headline: string; noun: string } {
  if (id === 'local') {
    const base = pathBaseName(folderPath);
    return {
      headline: base ? `Your data “${base}” is selected — press Check, then Train` : 'Choose your data on the left (a folder or a dataset file), then press Train',
      noun: 'test image',
    };
  }
  const noun = d && !d.isImage ? 'test point' : id.includes('mnist') && id !== 'fashion-mnist' ? 'test digit' : 'test image';
  if (id === 'mnist') return { headline: 'The embedded MNIST is ready — press Train', noun };
  const title = d?.title ?? id;
  return { headline: d && !d.available ? `${title} is downloaded when you press Train` : `${title} is ready — press Train`, noun };
}
