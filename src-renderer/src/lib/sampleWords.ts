/**
 * What one generated sample is, in words, for the Generate tab's enlarged view and each tile's
 * name: which of how many, the label it was decoded as (a CVAE is conditioned on one; other models
 * draw unconditional samples, whose engine label −1 is not shown), what it was drawn from and its
 * z, rounded.
 */
import type { SamplePrior } from './contract';
import { priorPhrase } from './priorWords';

export interface SampleFacts {
  /** 0-based index in the grid, and the grid's size. */
  index: number;
  count: number;
  /** The engine's label for the sample (−1 or undefined: unconditional). */
  label: number | undefined;
  labelNames: readonly string[];
  /** `ModelKind` of the model that drew it. */
  kind: string | undefined;
  prior: SamplePrior;
  temperature: number;
  /** Its latent vector. */
  z: ArrayLike<number>;
}

export interface SampleWords {
  /** "sample 5 of 16 · label 7 (conditioned)" or "sample 5 of 16 · unconditional sample". */
  title: string;
  /** "drawn from the prior, N(0, I) at T 1". */
  drawn: string;
  /** "z = (0.12, −1.30)" (the first 8 dimensions, then "…"). */
  z: string;
  /** Every dimension at 3 decimals, for a tooltip. */
  zFull: string;
}

/** Dimensions written out in `z` before "…". */
const Z_SHOWN = 8;

/** A number at `digits` decimals with a true minus sign; −0.00 reads 0.00. */
function num(x: number, digits: number): string {
  const t = x.toFixed(digits);
  return Number(t) === 0 ? (0).toFixed(digits) : t.replace('-', '−');
}

/** "sample 5 of 16 · label 7 (conditioned)" / "sample 5 of 16 · unconditional sample". */
export function sampleTitle(index: number, count: number, label: number | undefined, labelNames: readonly string[]): string {
  const which = `sample ${index + 1} of ${count}`;
  if (label === undefined || label < 0) return `${which} · unconditional sample`;
  return `${which} · label ${labelNames[label] ?? label} (conditioned)`;
}

export function sampleWords(f: SampleFacts): SampleWords {
  const z = Array.from(f.z);
  const shown = z.slice(0, Z_SHOWN).map((v) => num(v, 2));
  return {
    title: sampleTitle(f.index, f.count, f.label, f.labelNames),
    drawn: `drawn ${priorPhrase(f.kind, f.prior)} at T ${f.temperature}`,
    z: `z = (${shown.join(', ')}${z.length > Z_SHOWN ? ', …' : ''})`,
    zFull: `z = (${z.map((v) => num(v, 3)).join(', ')})`,
  };
}
