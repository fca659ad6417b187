/** Run names that tell runs apart: a second run with the same settings gets "… (2)", and so on. */

/**
 * `base` when no name in `taken` equals it, else `base (n)` with the smallest n ≥ 2 that is free.
 * Names compare exactly (after trimming).
 */
export function distinctName(base: string, taken: Iterable<string>): string {
  const names = new Set([...taken].map((n) => n.trim()));
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) {
    const name = `${base} (${n})`;
    if (!names.has(name)) return name;
  }
}

/**
 * The dataset as a run's default name says it: the base name of the user's folder or file
 * (`/home/me/shapes/` → `shapes`, `/data/train.npz` → `train.npz`), else the dataset's id.
 */
export function datasetLabel(ref: { id: string; path?: string }): string {
  if (ref.id !== 'local' || !ref.path) return ref.id;
  return ref.path.replace(/[/\\]+$/, '').split(/[/\\]/).pop() || ref.id;
}
