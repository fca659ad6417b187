import cssColours from 'color-name';

/**
 * Categorical palette for labels. Twelve mid-luminance hues chosen to stay distinguishable on
 * both the light and the dark background (points also get a thin theme-coloured rim).
 * Labels 12–47 take the same hues in other shades (darker, lighter, darkest: `SHADES`), so up to
 * 48 classes (EMNIST's 47) each get a colour of their own; from 48 on, colours repeat
 * (`DISTINCT_COLOURS`).
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

/**
 * How each round of 12 labels is shaded: a factor towards black (< 1) or a share towards white
 * (`light`). Round 0 is the palette itself.
 */
const SHADES: readonly { dark?: number; light?: number }[] = [{}, { dark: 0.62 }, { light: 0.45 }, { dark: 0.38 }];

/** How many labels get a colour of their own; label `DISTINCT_COLOURS + k` looks like label k. */
export const DISTINCT_COLOURS = PALETTE.length * SHADES.length;

/** `PALETTE[label % 12]` in the shade of its round (`SHADES`), as #rrggbb. */
function paletteColour(label: number): string {
  const base = PALETTE[label % PALETTE.length];
  const shade = SHADES[Math.floor(label / PALETTE.length) % SHADES.length];
  if (!shade.dark && !shade.light) return base;
  const n = parseInt(base.slice(1), 16);
  const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) =>
    Math.round(shade.dark ? c * shade.dark : c + (255 - c) * (shade.light ?? 0)),
  );
  return hex(rgb);
}

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

/** Colours for one set of class names: `css` for a swatch or a canvas, `rgb` (each in [0, 1]) for WebGL. */
export interface ClassColours {
  /** A label's colour as #rrggbb; label < 0 (unlabelled) grey. */
  css(label: number): string;
  /** The same colour as RGB in [0, 1] (the legend's swatch is the points' colour). */
  rgb(label: number): [number, number, number];
}

/** Recent `classColours` answers by their names (a scatter asks again on each draw). */
const cache = new Map<string, ClassColours>();
const CACHE_SIZE = 16;

/**
 * The colours of the labels drawn with class names `names` (the drawn run's own classes, not the
 * open run's: Compare's two runs each get theirs): colour-named classes (`namedClassColours`)
 * get their colours, any other the palette (`PALETTE`, in shades past 12). Labels past the names
 * take the palette too.
 */
export function classColours(names: readonly string[]): ClassColours {
  const key = names.join('\u0000');
  const hit = cache.get(key);
  if (hit) return hit;
  const named = namedClassColours(names);
  const css = (label: number): string => {
    if (label < 0) return '#888888';
    if (named && label < named.length) return named[label];
    return paletteColour(label);
  };
  const colours: ClassColours = {
    css,
    rgb: (label) => {
      const n = parseInt(css(label).slice(1), 16);
      return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
    },
  };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, colours);
  return colours;
}

/** Label `label`'s colour (#rrggbb) among class names `names` (`classColours`). */
export function labelColor(label: number, names: readonly string[]): string {
  return classColours(names).css(label);
}

/** RGB in [0,1] for a label among class names `names`: the same colour as `labelColor`. */
export function labelRgb(label: number, names: readonly string[]): [number, number, number] {
  return classColours(names).rgb(label);
}
