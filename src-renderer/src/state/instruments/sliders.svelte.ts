/**
 * Latent sliders: one value per latent dimension, started from a scatter point, the prior mean or
 * the encoded image, decoded while the user drags. Decodes are coalesced (`lib/coalesce.ts`): at
 * most one `model:decode` in flight and one started per animation frame, always for the newest
 * point. The current point is also shown in the scatter (`probe`, drawn by the probe layer).
 */
import { Coalescer, nextFrame } from '../../lib/coalesce';
import { errorText } from '../../lib/errors';
import { pointName } from '../../lib/samples';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';
import { placeApprox } from './place';

/** Slider half-range in prior standard deviations (VAE/CVAE) or in latent standard deviations (AE). */
export const SLIDER_SPAN = 4;

/** A VAE/CVAE slider's step in prior σ (its ends are on half σ, so round values are reachable). */
export const SLIDER_STEP = 0.01;

/**
 * A VAE/CVAE slider reaches at least this share of the run's test codes on its dimension: its
 * half-range is max(`SLIDER_SPAN`, this quantile of |z|), rounded up to 0.5 σ. An under-trained or
 * high-β run's codes reach well past ±4 (a tester's run: z0 ≈ −5.5), where a ±4 slider cannot go.
 */
export const SLIDER_COVER = 0.99;

/**
 * Per dimension, the `q` quantile of |z| over `count` latent rows of `dim` values (row-major):
 * how far from 0 the codes reach. Non-finite values are left out; a dimension without any gives 0.
 */
export function codeReach(latents: Float32Array, count: number, dim: number, q = SLIDER_COVER): number[] {
  return Array.from({ length: dim }, (_, k) => {
    const a: number[] = [];
    for (let i = 0; i < count; i++) {
      const v = Math.abs(latents[i * dim + k]);
      if (Number.isFinite(v)) a.push(v);
    }
    if (!a.length) return 0;
    a.sort((x, y) => x - y);
    return a[Math.min(a.length - 1, Math.ceil(q * a.length) - 1)];
  });
}

/**
 * The line under the sliders saying what their ranges are in: "Ranges in σ of the prior: ±4; z0
 * ±6 to reach 99 % of the run's test codes." (a VAE/CVAE), or an AE's "the test latents' mean ± 4
 * of each dimension's σ". `ranges`: each slider's [min, max].
 */
export function sliderRangeNote(kind: string | undefined, ranges: readonly (readonly [number, number])[]): string {
  if (kind === 'ae') return `Ranges: the test latents' mean ± ${SLIDER_SPAN} of each dimension's σ.`;
  const wide = ranges.map(([lo, hi], k) => ({ k, half: Math.max(-lo, hi) })).filter((r) => r.half > SLIDER_SPAN + 1e-9);
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  const reach = `to reach ${Math.round(SLIDER_COVER * 100)} % of the run's test codes`;
  const widest = Math.max(...wide.map((r) => r.half));
  const more = !wide.length
    ? ''
    : wide.length <= 3
      ? `; ${wide.map((r) => `z${r.k} ±${fmt(r.half)}`).join(', ')} ${reach}`
      : `; up to ±${fmt(widest)} on ${wide.length} dimensions ${reach}`;
  return `Ranges in σ of the prior: ±${SLIDER_SPAN}${more}.`;
}

export type SliderOrigin = 'point' | 'prior' | 'image';

interface Decode {
  z: Float32Array;
  label: number | null;
}

export class SliderState {
  /** The current latent point (latentDim values), or null before a start. */
  z = $state.raw<Float32Array | null>(null);
  origin = $state<SliderOrigin | null>(null);
  /** Where the point came from, in words ("test #12", "prior mean", "“digit.png”"). */
  originText = $state('');
  /** Whether a slider moved since the start. */
  moved = $state(false);
  /**
   * The caption above the sliders: "At <origin>" while the point is still the one started from
   * (or, moved back, exactly the prior mean z = 0), else "Moved from <origin>" — never "At prior
   * mean (z = 0)" with z0 at 2.66.
   */
  caption = $derived.by(() => {
    const z = this.z;
    if (!z) return '';
    const atZero = this.origin === 'prior' && this.lab.model?.kind !== 'ae' && z.every((v) => v === 0);
    return !this.moved || atZero ? `At ${this.originText}` : `Moved from ${this.originText}`;
  });
  /** The point started from (the ranges hold it), or null before a start. */
  #startZ = $state.raw<Float32Array | null>(null);
  /**
   * [min, max] of each slider: see `rangesFor` — follows the run's test codes as they arrive
   * (the scatter's latents may load after the sliders start).
   */
  ranges = $derived.by((): [number, number][] => (this.#startZ ? rangesFor(this.lab, this.#startZ) : []));
  /** What the ranges are in, in words (`sliderRangeNote`). */
  rangeNote = $derived.by(() => sliderRangeNote(this.lab.model?.kind, this.ranges));
  /** CVAE: the label the decoder is given. */
  label = $state(0);
  /** The decode of `image.z` (one image, or one 2-D point for toy data). */
  image = $state.raw<{ images: Float32Array; shape: number[]; z: Float32Array } | null>(null);
  error = $state<string | null>(null);
  /** Decodes answered so far and the round trip of the last one (ms, request to answer). */
  decodes = $state(0);
  lastMs = $state<number | null>(null);
  /** Display-space position of `z` in the main scatter (approximate above 3-D), or null. */
  probe = $state.raw<[number, number, number] | null>(null);

  readonly #decoder: Coalescer<Decode>;

  /** `schedule` starts a decode (default: the next animation frame; tests pass their own). */
  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
    schedule: (cb: () => void) => void = nextFrame,
  ) {
    this.#decoder = new Coalescer((d) => this.#decode(d), schedule);
  }

  /** Decode requests started so far (at most one per frame, one in flight). */
  get requests(): number {
    return this.#decoder.started;
  }

  /** Resolves once no decode is waiting or in flight. */
  settled(): Promise<void> {
    return this.#decoder.settled();
  }

  reset(): void {
    this.#decoder.cancel();
    this.z = null;
    this.origin = null;
    this.originText = '';
    this.image = null;
    this.error = null;
    this.probe = null;
    this.#startZ = null;
  }

  /** Start from the prior mean (an AE: the mean of its test latents) unless a point is set. */
  ensure(): void {
    if (!this.z && this.lab.model && !this.lab.model.live) this.startFromPrior();
  }

  /** Start from scatter point `i` (its latent mean; a CVAE also takes its label). */
  startFromPoint(i: number): void {
    const sc = this.lab.scatter;
    if (i < 0 || i >= sc.count) return;
    if (this.lab.model?.kind === 'cvae') this.label = Math.max(0, sc.data.labels[i]);
    this.#start(sc.latentOf(i), 'point', pointName(sc.data.indices[i]));
  }

  /** Start from the prior's mean: 0 for VAE/CVAE, the test latents' mean for an AE. */
  startFromPrior(): void {
    const m = this.lab.model;
    if (!m) return;
    const z = new Float32Array(m.latentDim);
    const ae = m.kind === 'ae' ? this.lab.instruments.dims.stats : null;
    if (ae && ae.dim === m.latentDim) z.set(ae.mean);
    else if (m.kind === 'ae') z.set(latentMean(this.lab, m.latentDim));
    this.#start(z, 'prior', m.kind === 'ae' ? 'the mean of the test latents' : 'z = 0, the prior mean');
  }

  /** Start from the image encoded in the Encode tab; false when there is none. */
  startFromImage(): boolean {
    const r = this.lab.encode.result;
    if (!r) return false;
    if (this.lab.model?.kind === 'cvae' && this.lab.encode.label != null) this.label = this.lab.encode.label;
    this.#start(r.mean, 'image', `“${this.lab.encode.name ?? 'image'}”`);
    return true;
  }

  /** Move slider `i` to `value` (clamped to its range) and decode the new point. */
  set(i: number, value: number): void {
    const z = this.z;
    if (!z || i < 0 || i >= z.length || !Number.isFinite(value)) return;
    const [lo, hi] = this.ranges[i] ?? [-SLIDER_SPAN, SLIDER_SPAN];
    const next = z.slice();
    next[i] = Math.min(hi, Math.max(lo, value));
    this.z = next;
    this.moved = true;
    this.#moved();
  }

  /** Decode as another label (CVAE). */
  setLabel(label: number): void {
    this.label = label;
    if (this.z) this.#moved();
  }

  #start(z: Float32Array, origin: SliderOrigin, text: string): void {
    this.z = Float32Array.from(z);
    this.origin = origin;
    this.originText = text;
    this.moved = false;
    this.#startZ = this.z;
    this.#moved();
  }

  #moved(): void {
    const z = this.z!;
    this.probe = placeApprox(this.lab.scatter, z);
    this.#decoder.push({ z, label: this.lab.model?.kind === 'cvae' ? this.label : null });
  }

  async #decode({ z, label }: Decode): Promise<void> {
    const t0 = performance.now();
    try {
      const r = await this.api.invoke('model:decode', { z, count: 1, labels: label != null ? Int32Array.of(label) : undefined });
      this.lastMs = performance.now() - t0;
      this.image = { images: r.images, shape: r.shape, z };
      this.decodes++;
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    }
  }
}

/** Mean of the scatter's latents (dimension `dim`), zeros when the scatter holds another model's. */
function latentMean(lab: Lab, dim: number): Float32Array {
  const d = lab.scatter.data;
  const out = new Float32Array(dim);
  if (d.dim !== dim || !d.count) return out;
  for (let i = 0; i < d.count; i++) for (let k = 0; k < dim; k++) out[k] += d.latents[i * dim + k];
  return out.map((v) => v / d.count);
}

/**
 * Slider ranges: for VAE/CVAE (prior units) ±max(`SLIDER_SPAN`, the `SLIDER_COVER` quantile of the
 * scatter's codes' |z| on that dimension, rounded up to 0.5) around 0 — the scatter holds the
 * open run's codes once loaded; for an AE the test latents' mean ± `SLIDER_SPAN` standard
 * deviations per dimension. Widened to hold the starting point (prior units: to the next half σ).
 */
function rangesFor(lab: Lab, z: Float32Array): [number, number][] {
  const stats = lab.model?.kind === 'ae' ? lab.instruments.dims.stats : null;
  const d = lab.scatter.data;
  const reach = !stats && d.dim === z.length && d.count > 0 ? codeReach(d.latents, d.count, d.dim) : null;
  return Array.from(z, (v, k): [number, number] => {
    const half = Math.max(SLIDER_SPAN, reach ? Math.ceil(reach[k] * 2) / 2 : 0);
    let lo = -half;
    let hi = half;
    if (stats && stats.dim === z.length) {
      const sd = Math.sqrt(stats.variance[k]) || 1;
      lo = stats.mean[k] - SLIDER_SPAN * sd;
      hi = stats.mean[k] + SLIDER_SPAN * sd;
    }
    // Prior units: ends on whole half-σ, so the sliders' 0.01 steps land on round values (2.00, not 2.01).
    return stats ? [Math.min(lo, v), Math.max(hi, v)] : [Math.min(lo, Math.floor(v * 2) / 2), Math.max(hi, Math.ceil(v * 2) / 2)];
  });
}
