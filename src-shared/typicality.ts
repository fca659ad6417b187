/**
 * The verdict on a `model:typicality` answer in words: why an image is (a)typical for a run — worse
 * than the test images, better than nearly all of them, nothing for the encoder to encode, or more
 * for it to encode than in the test images. One place
 * for the app's Encode tab (src-renderer/src/state/instruments/typicality.svelte.ts) and the CLI's
 * `encode` (src-main/cli/encode.ts).
 */
import type { RequestOutput } from './contract';

type Result = RequestOutput<'model:typicality'>;

/** Why an input is (a)typical: which statistic left the test images' band, and at which end. */
export type TypicalityCode = 'typical' | 'score-high' | 'score-low' | 'rate-low' | 'rate-high';

export interface TypicalityVerdict {
  code: TypicalityCode;
  flagged: boolean;
  /** One or two sentences for the user, numbers included. */
  text: string;
}

const nats = (v: number) => `${v.toFixed(1)} nats`;
/** A percentile as an ordinal: 1st, 2nd, 3rd, 11th, 99th, 0.5th. */
export const ordinal = (p: number) => {
  const n = Math.round(p * 10) / 10;
  if (!Number.isInteger(n)) return `${n}th`;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
};

/** "12.3 %" of something, or `all` at 100 % and above. */
const share = (p: number, all = 'every one') => (p >= 100 ? all : `${p.toFixed(1)} %`);

/**
 * The rate outside the band although the answer lists nothing `outside` (an engine that tested
 * the rate's low end only): built from `ratePercentile` and `rateQuantiles`, so no verdict says
 * a KL above the test images' 99th percentile is "in their range". Null when inside the band.
 */
function rateOutside(r: Result, lo: number): Result['outside'][number] | null {
  const p = r.ratePercentile;
  if (p === null || r.rate === null || !r.rateQuantiles) return null;
  if (p < lo) return { statistic: 'rate', tail: 'low', value: r.rate, percentile: p, bound: r.rateQuantiles[Math.round(lo)] };
  if (p > 100 - lo) return { statistic: 'rate', tail: 'high', value: r.rate, percentile: p, bound: r.rateQuantiles[Math.round(100 - lo)] };
  return null;
}

/**
 * The verdict on one `model:typicality` answer, from its first `outside` entry (the engine lists
 * the score before the rate; a rate beyond the band the engine did not list counts too): the
 * reason in words, with the value and the test percentile it lies beyond. "Typical" only when the
 * score and the rate (KL) both lie within the test images' central `band` %. Pure: the same
 * answer always gives the same text.
 */
export function typicalityVerdict(r: Result): TypicalityVerdict {
  const n = `${r.testCount.toLocaleString('en-US')} test images`;
  const what = r.measure === 'negElbo' ? '−ELBO' : 'reconstruction error';
  const lo = (100 - r.band) / 2;
  const o = r.outside[0] ?? rateOutside(r, lo);
  if (!o) {
    if (r.ratePercentile === null) {
      // Measured: a photo reduced to a faint smudge reconstructs like a digit and its AE code lies
      // inside the test codes' cloud, so an AE cannot tell it apart; say so.
      // Only where it reconstructs well: a bad reconstruction needs no such warning.
      const caveat = r.percentile < 50 ? ' An autoencoder is judged by its reconstruction error alone: a faint or nearly blank image can reconstruct this well without being like the training images (a VAE also checks its KL).' : '';
      return { code: 'typical', flagged: false, text: `It reconstructs worse than ${r.percentile.toFixed(1)} % of the ${n}: within what the model saw.${caveat}` };
    }
    return {
      code: 'typical',
      flagged: false,
      text: `It scores worse than ${r.percentile.toFixed(1)} % of the ${n}, and its KL is higher than ${r.ratePercentile.toFixed(1)} % of theirs, between their ${ordinal(lo)} and ${ordinal(100 - lo)} percentiles: within what the model saw.`,
    };
  }
  const code = `${o.statistic}-${o.tail}` as TypicalityCode;
  const beyond = `${o.tail === 'low' ? 'below' : 'above'} the test images’ ${ordinal(o.tail === 'low' ? lo : 100 - lo)} percentile, ${nats(o.bound)}`;
  let text: string;
  if (code === 'score-high') {
    text = `It scores worse than ${share(o.percentile)} of the ${n} (${what} ${nats(o.value)}, ${beyond}): the model cannot explain it, so what it says about it (its point, its reconstruction, its neighbours) is a guess.`;
  } else if (code === 'score-low') {
    // Not "an image the model was not trained on": a training image that is simpler than the test
    // images (a plain one, composited onto white) scores this well too, with its neighbour at 0.
    text = `It scores far better than ${share(100 - o.percentile, 'any')} of the ${n} (${what} ${nats(o.value)}, ${beyond}): it is simpler than the test images — likely a blank or very plain image, which likelihood models rate too well whether or not it was among the training images.`;
  } else if (code === 'rate-low') {
    const than = o.percentile <= 0 ? 'every test image’s' : `${(100 - o.percentile).toFixed(1)} % of the test images’`;
    text = `The encoder finds almost nothing in it to encode: its KL, ${nats(o.value)}, is lower than ${than} (${beyond}). The model puts it at the centre of the prior, as it would an empty image: it is fainter or thinner than the training images, or a photo the preprocessing reduced to a smudge.`;
  } else {
    // rate-high: the KL term is the information (nats) the encoder's posterior q(z | x) carries
    // beyond the prior; more than for the test images = the encoder finds detail in it the
    // training images do not have, even when the decoder explains it (the score in range).
    const than = o.percentile >= 100 ? 'every test image’s' : `${o.percentile.toFixed(1)} % of the test images’`;
    text = `Its KL, ${nats(o.value)}, is higher than ${than} (${beyond}): the encoder’s posterior for it lies farther from the prior than for the images it was trained on — it needs more information to place this one, which it finds unlike them in a way its ${what}, within their range, does not show.`;
  }
  return { code, flagged: true, text };
}
