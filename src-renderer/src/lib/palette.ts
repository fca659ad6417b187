/**
 * Categorical palette for labels. Twelve mid-luminance hues chosen to stay distinguishable on
 * both the light and the dark background (points also get a thin theme-coloured rim).
 * Labels beyond 12 cycle with a lightness shift.
 */
export const PALETTE = [
  '#3b82f6', // blue
  '#f97316', // orange
  '#16a34a', // green
  '#e11d48', // rose
  '#8b5cf6', // violet
  '#a16207', // ochre
  '#db2777', // pink
  '#0891b2', // cyan
  '#65a30d', // lime
  '#64748b', // slate
  '#ca8a04', // gold
  '#4f46e5', // indigo
] as const;

export function labelColor(label: number): string {
  if (label < 0) return '#888888';
  return PALETTE[label % PALETTE.length];
}

/** RGB in [0,1] for a label. */
export function labelRgb(label: number): [number, number, number] {
  const hex = labelColor(label);
  const n = parseInt(hex.slice(1), 16);
  let r = ((n >> 16) & 255) / 255;
  let g = ((n >> 8) & 255) / 255;
  let b = (n & 255) / 255;
  if (label >= PALETTE.length) {
    const k = Math.floor(label / PALETTE.length) % 2 ? 0.7 : 1;
    r *= k;
    g *= k;
    b *= k;
  }
  return [r, g, b];
}
