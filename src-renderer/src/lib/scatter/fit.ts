/**
 * Where the scatter's camera starts so that the data fits its pane, whatever the pane's shape.
 * Display positions put ~99.5 % of the points within radius 1 of the origin
 * (state/scatter.svelte.ts); the camera's field of view is vertical, so a pane taller than wide
 * shows less horizontally: a 2-D latent, wide on its first axis, ran off the sides of the narrow
 * pane beside the toy data plot. The camera therefore backs off by 1 / aspect in tall panes.
 * Pure: no three.js, no DOM.
 */

/** The camera's vertical field of view, degrees. */
export const SCATTER_FOV = 45;

/** Reset positions (target at the origin) for a square or wide pane: straight on (flat) and oblique (3-D). */
const RESET_FLAT: readonly [number, number, number] = [0, 0, 2.9];
const RESET_3D: readonly [number, number, number] = [1.9, 1.35, 2.55];

/**
 * How much farther than in a square pane the camera stands for a pane of `aspect` (width /
 * height): 1 for a square or wide pane (the height limits the view), 1 / aspect for a tall one
 * (the width does). 1 for a pane not laid out yet (aspect not a positive number).
 */
export function fitFactor(aspect: number): number {
  return Number.isFinite(aspect) && aspect > 0 && aspect < 1 ? 1 / aspect : 1;
}

/** The camera's reset position (looking at the origin) for a flat 2-D or a 3-D view in a pane of `aspect` (width / height). */
export function resetPosition(flat: boolean, aspect: number): [number, number, number] {
  const f = fitFactor(aspect);
  const [x, y, z] = flat ? RESET_FLAT : RESET_3D;
  return [x * f, y * f, z * f];
}

type Vec3 = readonly [number, number, number];

/**
 * A camera `position` (looking at `target`) in a pane of `aspect` as linked views share it: its
 * offset from the target divided by the pane's `fitFactor`, i.e. where it would stand in a square
 * pane. Compare's two scatters link cameras; sharing raw positions gave a view whose pane had
 * another shape (or was being laid out, thin) a camera fitted for the other pane, and the next
 * resize then scaled it again: zoomed far in, with huge dots.
 */
export function linkedPosition(position: Vec3, target: Vec3, aspect: number): [number, number, number] {
  const f = fitFactor(aspect);
  return [0, 1, 2].map((i) => target[i] + (position[i] - target[i]) / f) as [number, number, number];
}

/** The inverse of `linkedPosition`: a shared position as this pane (of `aspect`) stands for it. */
export function ownPosition(linked: Vec3, target: Vec3, aspect: number): [number, number, number] {
  const f = fitFactor(aspect);
  return [0, 1, 2].map((i) => target[i] + (linked[i] - target[i]) * f) as [number, number, number];
}
