/**
 * Run names: what a new run is called by default (its model, the model's arch, latent size, β and
 * dataset), and names that tell runs apart: a second run with the same settings gets "… (2)", and
 * so on. Names are stored with the run: runs saved before a change here keep theirs.
 */

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

/** A model kind as the app names it everywhere: AE, VAE, CVAE, VAE-GAN. */
export function kindName(kind: string): string {
  return kind === 'vaegan' ? 'VAE-GAN' : kind.toUpperCase();
}

/**
 * A new run's default name: `[Conv ]<kind> z=<latent>[ β=<beta>] · <dataset>`, e.g.
 * "Conv VAE z=4 · shapes", "VAE z=4 β=2 · mnist", "VAE-GAN z=8 · mnist" ("Conv" for the
 * convolutional arch; dense, the default, says nothing; β for the kinds that have one when ≠ 1).
 */
export function defaultRunName(cfg: {
  model: { kind: string; arch?: string; latentDim: number; beta?: number };
  dataset: { id: string; path?: string };
}): string {
  const m = cfg.model;
  const arch = m.arch === 'conv' ? 'Conv ' : '';
  const beta = m.kind !== 'ae' && m.beta !== undefined && m.beta !== 1 ? ` β=${m.beta}` : '';
  return `${arch}${kindName(m.kind)} z=${m.latentDim}${beta} · ${datasetLabel(cfg.dataset)}`;
}
