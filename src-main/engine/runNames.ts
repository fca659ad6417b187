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

// What a run's model and dataset are called: one rule for the engine and the renderer (src-shared/runNames.ts).
export { datasetLabel, defaultRunName, kindName, modelName } from '../../src-shared/runNames';
