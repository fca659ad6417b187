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
