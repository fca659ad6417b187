/**
 * The words naming the label(s) a conditional model's (CVAE's) images were decoded as, in the
 * wording of Generate's grid and Explore's traversal: one label → `decoded as “7”`; a grid drawn
 * for no label (the engine gives the classes in turn: 0, 1, …, 9, 0, …) → `decoded as “0”, “1”, …
 * “9” in turn`. `labels`: one label index per image, −1 for a model that is not conditional (then,
 * or for no labels, ''). A label is named by `names[label]`, else by its number.
 */
export function decodedAs(labels: ArrayLike<number> | undefined, names: readonly string[]): string {
  const distinct: number[] = [];
  for (let i = 0; i < (labels?.length ?? 0); i++) {
    const l = labels![i];
    if (l < 0) return '';
    if (!distinct.includes(l)) distinct.push(l);
  }
  const q = (l: number) => `“${names[l] ?? l}”`;
  if (distinct.length === 0) return '';
  if (distinct.length === 1) return `decoded as ${q(distinct[0])}`;
  const shown = distinct.length <= 3 ? distinct.map(q).join(', ') : `${q(distinct[0])}, ${q(distinct[1])}, … ${q(distinct[distinct.length - 1])}`;
  return `decoded as ${shown} in turn`;
}
