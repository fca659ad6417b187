/**
 * How far a latent vector lies from where the model's samples come from: for a VAE, CVAE or
 * VAE-GAN its prior N(0, I); for a plain autoencoder (no prior) the spread of its encoded points
 * (their mean and per-dimension standard deviation). Said in σ, against the radius that holds 99 %
 * of such draws, so a click far outside the cloud is flagged rather than decoded silently.
 */

/** The 0.99 quantile of the standard normal (one-sided). */
const Z99 = 2.3263;

/**
 * The radius within which 99 % of N(0, I_d) draws lie (the chi distribution's 0.99 quantile):
 * 2.58 for d = 1, 3.03 for d = 2, 3.37 for d = 3; Wilson–Hilferty's approximation above.
 * @throws RangeError when d is not a positive integer.
 */
export function radius99(d: number): number {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`dimension must be a positive integer, got ${d}`);
  const exact = [2.5758, 3.0349, 3.3682];
  if (d <= 3) return exact[d - 1];
  const a = 2 / (9 * d);
  return Math.sqrt(d * (1 - a + Z99 * Math.sqrt(a)) ** 3);
}

/** A latent vector's distance from the samples' source, in σ, and whether it is outside the 99 % radius. */
export interface LatentDistance {
  /** Distance from the centre in standard deviations (Euclidean for the prior, per-dimension scaled for latents). */
  sigma: number;
  /** The radius holding 99 % of draws in this many dimensions. */
  r99: number;
  outside: boolean;
  /** What the distance is measured against: "the prior N(0, I)" or "the encoded points' spread". */
  reference: string;
}

/**
 * The distance of `z` (length d) from the prior N(0, I) when `latents` is null, else from the
 * encoded points `latents` (count × d, row-major): centred on their mean, each dimension scaled by
 * its standard deviation. Null when the latents are empty or d does not match.
 */
export function latentDistance(z: ArrayLike<number>, latents: { values: ArrayLike<number>; count: number } | null): LatentDistance | null {
  const d = z.length;
  if (d < 1) return null;
  let mean = new Float64Array(d);
  let sd = new Float64Array(d).fill(1);
  if (latents) {
    const { values, count } = latents;
    if (count < 2 || values.length !== count * d) return null;
    mean = new Float64Array(d);
    sd = new Float64Array(d);
    for (let i = 0; i < count; i++) for (let k = 0; k < d; k++) mean[k] += values[i * d + k];
    for (let k = 0; k < d; k++) mean[k] /= count;
    for (let i = 0; i < count; i++) for (let k = 0; k < d; k++) sd[k] += (values[i * d + k] - mean[k]) ** 2;
    for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k] / (count - 1)) || 1;
  }
  let s = 0;
  for (let k = 0; k < d; k++) s += ((z[k] - mean[k]) / sd[k]) ** 2;
  const sigma = Math.sqrt(s);
  const r99 = radius99(d);
  return { sigma, r99, outside: sigma > r99, reference: latents ? 'the encoded points’ spread' : 'the prior N(0, I)' };
}

/**
 * The readout's line, e.g. "6.4 σ from the prior N(0, I)'s centre — outside where samples come
 * from (99 % lie within 3.4 σ)", or "1.2 σ from the prior N(0, I)'s centre".
 */
export function latentDistanceText(d: LatentDistance, ae: boolean): string {
  const head = `${d.sigma.toFixed(1)} σ from the centre of ${d.reference}`;
  if (!d.outside) return head;
  return `${head} — outside where ${ae ? 'the encoder puts images' : 'samples come from'} (99 % lie within ${d.r99.toFixed(1)} σ)`;
}
