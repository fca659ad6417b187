import cssColours from 'color-name';

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

const hex = (rgb: readonly number[]) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

const isCss = (key: string): key is keyof typeof cssColours => Object.hasOwn(cssColours, key);

/** A class name's colour: the whole name as a CSS colour name, else its one word that is (`red_circle`: red); null if none or several. */
function colourOf(name: string): string | null {
  const whole = name.toLowerCase().replace(/[\s_-]+/g, '');
  if (isCss(whole)) return hex(cssColours[whole]);
  const words = name.toLowerCase().split(/[\s_-]+/).filter(isCss);
  return words.length === 1 ? hex(cssColours[words[0]]) : null;
}

/**
 * The classes' own colours when every class name is a CSS colour name ("red", "Green",
 * "light blue"; case, spaces, dashes and underscores ignored) or holds exactly one as a word
 * ("red_circle", "blue triangle"), and no two share a colour: a class called "green" is drawn
 * green. Null otherwise (at least two names needed): the palette.
 */
export function namedClassColours(names: readonly string[]): string[] | null {
  if (names.length < 2) return null;
  const out: string[] = [];
  for (const name of names) {
    const c = colourOf(name);
    if (!c) return null;
    out.push(c);
  }
  return new Set(out).size === out.length ? out : null;
}

/** The shown dataset's class colours (`namedClassColours`), or null for the palette. */
let named: string[] | null = null;

/**
 * Tells every label colour which class names are shown (the open dataset's): colour-named classes
 * get their colours, anything else the palette. Call before the scatter's data is drawn.
 */
export function setClassNames(names: readonly string[]): void {
  named = namedClassColours(names);
}

export function labelColor(label: number): string {
  if (label < 0) return '#888888';
  if (named && label < named.length) return named[label];
  return PALETTE[label % PALETTE.length];
}

/** RGB in [0,1] for a label. */
export function labelRgb(label: number): [number, number, number] {
  const hex = labelColor(label);
  const n = parseInt(hex.slice(1), 16);
  let r = ((n >> 16) & 255) / 255;
  let g = ((n >> 8) & 255) / 255;
  let b = (n & 255) / 255;
  if (label >= PALETTE.length && !(named && label < named.length)) {
    const k = Math.floor(label / PALETTE.length) % 2 ? 0.7 : 1;
    r *= k;
    g *= k;
    b *= k;
  }
  return [r, g, b];
}
