/**
 * Class names as every importer hands them over, made one form: Unicode NFC. The same-looking
 * name can reach an importer in two byte forms — "é" as one code point (NFC: Windows, Linux,
 * most editors) or as "e" + a combining accent (NFD: folder names made on macOS, some CSV
 * writers) — and would otherwise become two classes that look identical in every list. Names
 * equal after normalising are one class: their images are merged under the first one's place in
 * the class order, and the report says how many names were merged.
 */
import type { Imported } from './assemble';

/** A class name in the one form used everywhere (Unicode NFC). */
export function className(name: string): string {
  return name.normalize('NFC');
}

/**
 * `imp.classNames` in NFC, classes whose names then collide merged into the first of them
 * (`imp.labels` renumbered densely, the class order otherwise kept), and a warning pushed to
 * `imp.warnings` naming the merged classes: '2 class names written in two Unicode forms were
 * merged into the same-looking class: "é" (NFC and NFD spellings of one name)'. In place.
 * @returns how many classes were merged away (0 when every name was already distinct).
 */
export function normaliseClassNames(imp: Pick<Imported, 'classNames' | 'labels' | 'count' | 'warnings'>): number {
  const names = imp.classNames.map(className);
  const first = new Map<string, number>();
  const map = new Int32Array(names.length);
  const merged = new Set<string>();
  const kept: string[] = [];
  names.forEach((n, k) => {
    const j = first.get(n);
    if (j === undefined) {
      first.set(n, kept.length);
      map[k] = kept.length;
      kept.push(n);
    } else {
      map[k] = j;
      merged.add(n);
    }
  });
  imp.classNames = kept;
  const gone = names.length - kept.length;
  if (gone === 0) return 0;
  for (let i = 0; i < imp.count; i++) imp.labels[i] = map[imp.labels[i]];
  const list = [...merged].slice(0, 5).map((n) => `"${n}"`).join(', ');
  imp.warnings.push(
    `${gone} class name${gone === 1 ? '' : 's'} written in another Unicode form of a class already present ${gone === 1 ? 'was' : 'were'} merged into it: ${list}${merged.size > 5 ? ', …' : ''} (the same-looking name as a single accented letter and as a letter plus a combining accent; their images are one class)`,
  );
  return gone;
}
