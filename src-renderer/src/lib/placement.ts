/**
 * Where a tooltip goes: beside the cursor (right and below by default; left or above when it
 * would not fit), then clamped so that the whole tooltip stays inside its view whenever it can.
 * All values in CSS pixels relative to the view's top-left corner.
 */
export function placeTooltip(
  cursor: { x: number; y: number },
  tip: { width: number; height: number },
  view: { width: number; height: number },
  gap = { x: 16, y: 12 },
  margin = 4,
): { x: number; y: number } {
  let x = cursor.x + gap.x;
  if (x + tip.width > view.width - margin) x = cursor.x - gap.x - tip.width;
  let y = cursor.y + gap.y;
  if (y + tip.height > view.height - margin) y = cursor.y - gap.y - tip.height;
  // Neither side fits (a small view): keep it inside, overlapping the cursor if it must.
  x = Math.max(margin, Math.min(x, view.width - margin - tip.width));
  y = Math.max(margin, Math.min(y, view.height - margin - tip.height));
  return { x, y };
}
