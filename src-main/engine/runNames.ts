/**
 * Run names: what a new run is called by default (its model, the model's arch, latent size, β and
 * dataset), and names that tell runs apart: a second run with the same settings gets "… (2)", and
 * so on. Names are stored with the run: runs saved before a change here keep theirs.
 */
import { defaultRunName } from '../../src-shared/runNames';

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

/**
 * What the Saved runs list calls a run, from its record as read from `config.json` (validated or
 * raw JSON): its stored name (the one it was given or renamed to), else the default name of its
 * settings (`defaultRunName`), else `id` (the list's entry for a record it cannot read).
 */
export function runDisplayName(rec: unknown, id: string): string {
  const r = rec as { name?: unknown; config?: { model?: { kind?: unknown; latentDim?: unknown }; dataset?: { id?: unknown; path?: unknown } } } | null | undefined;
  if (typeof r?.name === 'string' && r.name) return r.name;
  const m = r?.config?.model;
  const d = r?.config?.dataset;
  if (typeof m?.kind === 'string' && typeof m.latentDim === 'number' && typeof d?.id === 'string') {
    return defaultRunName({ model: m as Parameters<typeof defaultRunName>[0]['model'], dataset: { id: d.id, ...(typeof d.path === 'string' ? { path: d.path } : {}) } });
  }
  return id;
}

/**
 * A run as messages name it: `"<display name>" [<folder id>]` — the name the Saved runs list
 * shows, then the id of its folder under runs/ (or of a `train --out` folder) — or `"<id>"` alone
 * when the name is the id.
 */
export function runInText(name: string, id: string): string {
  return name === id ? `"${id}"` : `"${name}" [${id}]`;
}
