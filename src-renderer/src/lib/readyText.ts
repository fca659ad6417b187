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
 * The own-data check of the path and options in the form (`DatasetCheck.stateFor`): running, what
 * it found, or why it failed; null when there is none for them (never checked, or changed since).
 */
export type ReadyCheck =
  | { state: 'busy' }
  | { state: 'ok'; items: number; classes: number; shape: string; isImage: boolean }
  | { state: 'error'; message: string }
  | null;

/** Longest error quoted in the headline (the panel on the left has it whole). */
const MAX_QUOTED = 140;

/** The own-data headline: asks for a path, then for a Check, then says what the check found (or what is wrong). */
function localHeadline(base: string, check: ReadyCheck): string {
  if (!base) return 'Choose your data on the left (a folder or a dataset file), then press Train';
  if (!check) return `Your data “${base}” is selected — press Check, then Train`;
  if (check.state === 'busy') return `Checking your data “${base}”…`;
  if (check.state === 'error') {
    const m = check.message.length > MAX_QUOTED ? `${check.message.slice(0, MAX_QUOTED - 1)}…` : check.message;
    return `Your data “${base}” could not be read: ${m} — fix it on the left and press Check again`;
  }
  const n = check.items.toLocaleString('en-US');
  const what = check.isImage ? `image${check.items === 1 ? '' : 's'}` : `item${check.items === 1 ? '' : 's'}`;
  return `Your data “${base}”: ${n} ${what} in ${check.classes} class${check.classes === 1 ? '' : 'es'}, ${check.shape} — press Train`;
}

/**
 * The headline and what a point of the scatter will be, for the selected dataset `id` (its
 * entry `d`, undefined while the list loads), the path field `folderPath` and that path's
 * check `check` (own data only).
 */
export function readyText(id: string, d: ReadyDataset | undefined, folderPath: string, check: ReadyCheck = null): { headline: string; noun: string; start: string } {
  // The Train form's defaults (a VAE with a 3-D latent): the card suggests what the form holds.
  const start = 'the VAE with a 2- or 3-D latent is a good start; a Conditional VAE also lets you pick the label it draws';
  if (id === 'local') {
    const isImage = check?.state !== 'ok' || check.isImage;
    // One class (a flat folder, unlabelled data): a CVAE is refused, so suggest the VAE.
    const oneClass = check?.state === 'ok' && check.classes < 2;
    return {
      headline: localHeadline(pathBaseName(folderPath), check),
      noun: isImage ? 'test image' : 'test point',
      start: oneClass ? 'the VAE with a 2- or 3-D latent is a good start; a CVAE needs labels' : start,
    };
  }
  const noun = d && !d.isImage ? 'test point' : id.includes('mnist') && id !== 'fashion-mnist' ? 'test digit' : 'test image';
  if (id === 'mnist') return { headline: 'The embedded MNIST is ready — press Train', noun, start };
  const title = d?.title ?? id;
  return { headline: d && !d.available ? `${title} is downloaded when you press Train` : `${title} is ready — press Train`, noun, start };
}

/**
 * What a tab with no model says under "No model yet": what to do, then the scatter's headline as
 * a sentence of its own (not pasted, capitalised, into a parenthesis), e.g. "Train a model on the
 * left or open a saved run, then reconstructions appear here. The embedded MNIST is ready — press
 * Train." `what`: the tab's "Reconstructions appear here".
 */
export function noModelText(headline: string, what: string): string {
  const lead = `Train a model on the left or open a saved run, then ${what.charAt(0).toLowerCase()}${what.slice(1)}.`;
  if (!headline) return lead;
  return `${lead} ${headline}${/[.…!?]$/.test(headline) ? '' : '.'}`;
}
