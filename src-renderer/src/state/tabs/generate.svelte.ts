/**
 * The Generate tab and the main scatter's decoding: prior samples, a decoded click, the
 * interpolation between two points (with its path in the scatter) and the 2-D manifold.
 */
import type { SamplePrior } from '../../lib/contract';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';
import { placeApprox } from '../instruments/place';

type Batch = { images: Float32Array; count: number; shape: number[]; labels?: Int32Array; z?: Float32Array };

/**
 * How a CVAE labels the steps between two ends of different labels: `blend` mixes the decoder's
 * one-hot label from A's to B's along the path; `a` / `b` decode every step as that end's label.
 */
export type LabelPath = 'blend' | 'a' | 'b';

/** A manifold grid with what it was drawn over: dimensions, steps and each axis's z range. */
export type ManifoldGrid = Batch & {
  dims: [number, number];
  steps: number;
  /** z of `dims[0]` at the left and right columns, of `dims[1]` at the top and bottom rows. */
  x: { min: number; max: number };
  y: { top: number; bottom: number };
};

/** The z range of a manifold answer (row-major, top row = max), read from its latents. */
export function manifoldAxes(z: Float32Array, dim: number, steps: number, dims: [number, number]): Pick<ManifoldGrid, 'x' | 'y'> {
  const at = (row: number, col: number, k: number) => z[(row * steps + col) * dim + k];
  return {
    x: { min: at(0, 0, dims[0]), max: at(0, steps - 1, dims[0]) },
    y: { top: at(0, 0, dims[1]), bottom: at(steps - 1, 0, dims[1]) },
  };
}

export interface InterpEnd {
  /** Point position in the main scatter. */
  point: number;
  index: number;
  label: number;
  z: Float32Array;
}

export class GenerateState {
  /** The generated grid, with the `prior`, `temperature` and `seed` it was drawn with. */
  grid = $state.raw<(Batch & { prior: SamplePrior; temperature: number; seed: number }) | null>(null);
  gridError = $state<string | null>(null);
  generating = $state(false);
  /**
   * Where Generate draws z from (`SamplePrior`): the model's prior or the mixture fitted to its
   * training latents. The user's choice (`Settings.samplePrior`, shared with Export, Compare and
   * Explore, persisted): kept when they regenerate, change the label, the temperature or the run.
   */
  get prior(): SamplePrior {
    return this.lab.settings.samplePrior;
  }

  /**
   * The generated sample shown enlarged (its index in `grid`), or null. Its z is marked in the
   * main scatter with the decoded click's cross (`markedAt`; one of the two at a time: opening it
   * closes a decoded click's card, a click in the scatter closes it).
   */
  enlarged = $state<number | null>(null);
  /**
   * Where the enlarged sample's z is marked in the scatter: `exact` for latents of up to 3-D,
   * `near` above (among the shown points nearest its z: the projection has no inverse), null
   * when it is not marked (no scatter of this model's latents).
   */
  markedAt = $state<'exact' | 'near' | null>(null);

  decoded = $state.raw<{
    z: Float32Array;
    label: number | null;
    image: Batch;
    pos: [number, number, number];
    /** The scatter point decoded, or null for a click in empty space. */
    point: number | null;
  } | null>(null);
  decodeError = $state<string | null>(null);

  a = $state.raw<InterpEnd | null>(null);
  b = $state.raw<InterpEnd | null>(null);
  strip = $state.raw<(Batch & { pathLabels: { from: number; to: number } | null }) | null>(null);
  stripError = $state<string | null>(null);
  /** CVAE ends of different labels: how the steps between are labelled. */
  labelPath = $state<LabelPath>('blend');

  manifoldDims = $state<[number, number]>([0, 1]);
  manifoldSteps = $state(12);
  manifoldRange = $state(3);
  manifold = $state.raw<ManifoldGrid | null>(null);
  manifoldError = $state<string | null>(null);
  manifoldBusy = $state(false);

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  reset(): void {
    this.grid = null;
    this.enlarged = null;
    this.markedAt = null;
    this.decoded = null;
    this.a = null;
    this.b = null;
    this.strip = null;
    this.manifold = null;
    this.gridError = this.decodeError = this.stripError = this.manifoldError = null;
    this.manifoldDims = [0, 1];
    const s = this.lab.scatter;
    for (const k of ['decoded', 'a', 'b'] as const) s.setExtra(k, null);
    s.path = null;
  }

  #label(): number | undefined {
    return this.lab.model?.kind === 'cvae' ? this.lab.settings.generate.label : undefined;
  }

  /**
   * Draw a grid of new samples (a new seed) with the settings' count, temperature and label, from
   * `prior`. `redraw`: the same seed as the grid on screen, so a prior or temperature change shows
   * the same draws moved, not other ones.
   */
  async generate(redraw = false): Promise<void> {
    const g = this.lab.settings.generate;
    const prior = this.prior;
    const temperature = g.temperature;
    const seed = redraw && this.grid ? this.grid.seed : Math.floor(Math.random() * 2 ** 31);
    this.generating = true;
    try {
      const batch = await this.api.invoke('model:generate', { count: g.count, temperature, label: this.#label(), prior, seed });
      this.grid = { ...batch, prior, temperature, seed };
      this.gridError = null;
      // The same draws moved (a redraw): the enlarged one stays, its mark follows; new draws close it.
      const open = this.enlarged;
      if (open != null && redraw && open < batch.count) this.enlarge(open);
      else this.closeEnlarged();
    } catch (err) {
      this.gridError = errorText(err);
    } finally {
      this.generating = false;
    }
    // Changed while this one was drawn: draw once more with what is chosen now (an error is not retried).
    if (!this.gridError && this.#stale()) void this.generate(true);
  }

  /** A usable temperature (0–10), as the Generate button requires. */
  #temperatureOk(t: number): boolean {
    return Number.isFinite(t) && t >= 0 && t <= 10;
  }

  /** The grid on screen was drawn from another prior or (a usable one being set) another temperature. */
  #stale(): boolean {
    const t = this.lab.settings.generate.temperature;
    return !!this.grid && (this.grid.prior !== this.prior || (this.#temperatureOk(t) && this.grid.temperature !== t));
  }

  /**
   * Choose where samples are drawn from; with a grid on screen (and none being drawn) it is drawn
   * again from there with the same seed, so the grid always shows the choice made.
   */
  setPrior(prior: SamplePrior): void {
    if (prior === this.prior) return;
    this.lab.settings.samplePrior = prior;
    if (this.grid && !this.generating) void this.generate(true);
  }

  /**
   * The temperature field changed: a grid on screen is drawn again at the new temperature with
   * its seed (one request; while one is being drawn, the newest value is drawn after it). An
   * unusable value (empty, out of 0–10) leaves the grid as it is.
   */
  temperatureChanged(): void {
    if (this.grid && !this.generating && this.#stale()) void this.generate(true);
  }

  /** The latent vector of generated sample `i` (a view into `grid.z`), or null. */
  sampleZ(i: number): Float32Array | null {
    const g = this.grid;
    if (!g || i < 0 || i >= g.count || !g.z || g.z.length < g.count) return null;
    const dim = g.z.length / g.count;
    return g.z.subarray(i * dim, (i + 1) * dim);
  }

  /**
   * Show generated sample `i` enlarged and mark its z in the main scatter (the decoded click's
   * cross: a decoded click's card is closed first). An index outside the grid closes the view.
   */
  enlarge(i: number): void {
    const z = this.sampleZ(i);
    if (!z) {
      this.closeEnlarged();
      return;
    }
    if (this.decoded || this.decodeError) {
      this.decoded = null;
      this.decodeError = null;
    }
    this.enlarged = i;
    const s = this.lab.scatter;
    const pos = placeApprox(s, z);
    s.setExtra('decoded', pos);
    this.markedAt = pos ? (z.length <= 3 ? 'exact' : 'near') : null;
  }

  /** Step the enlarged view to the previous (−1) or next (+1) sample, wrapping around. */
  stepEnlarged(by: -1 | 1): void {
    const g = this.grid;
    if (this.enlarged == null || !g || g.count === 0) return;
    this.enlarge((this.enlarged + by + g.count) % g.count);
  }

  /** Close the enlarged sample and take its mark off the scatter. */
  closeEnlarged(): void {
    if (this.enlarged == null) return;
    this.enlarged = null;
    if (this.markedAt) this.lab.scatter.setExtra('decoded', null);
    this.markedAt = null;
  }

  /** Decode a latent vector (a click in the scatter). */
  async decodeAt(z: Float32Array, pos: [number, number, number], label: number | null, point: number | null): Promise<void> {
    const cvae = this.lab.model?.kind === 'cvae';
    const useLabel = cvae ? (label ?? this.lab.settings.generate.label) : null;
    // The scatter's cross is the decoded click's now, not the enlarged sample's.
    this.enlarged = null;
    this.markedAt = null;
    this.lab.scatter.setExtra('decoded', point == null ? pos : null);
    try {
      const image = await this.api.invoke('model:decode', {
        z,
        count: 1,
        labels: useLabel != null ? Int32Array.of(useLabel) : undefined,
      });
      this.decoded = { z, label: useLabel, image, pos, point };
      this.decodeError = null;
    } catch (err) {
      this.decodeError = errorText(err);
    }
  }

  clearDecoded(): void {
    this.decoded = null;
    // With a sample enlarged the cross is its (opening it closed the decoded card).
    if (this.enlarged == null) this.lab.scatter.setExtra('decoded', null);
  }

  /** Use a scatter point as an interpolation end; both ends set → decode the path. */
  setEnd(which: 'a' | 'b', point: number): void {
    const s = this.lab.scatter;
    const end: InterpEnd = {
      point,
      index: s.data.indices[point],
      label: s.data.labels[point],
      z: s.latentOf(point),
    };
    this[which] = end;
    s.setExtra(which, s.positionOf(point));
    this.strip = null;
    if (this.a && this.b) void this.interpolate();
    else s.path = null;
  }

  clearEnds(): void {
    this.a = this.b = null;
    this.strip = null;
    const s = this.lab.scatter;
    s.setExtra('a', null);
    s.setExtra('b', null);
    s.path = null;
  }

  async interpolate(): Promise<void> {
    const { a, b } = this;
    if (!a || !b) return;
    const s = this.lab.scatter;
    const labels = this.#pathLabels(a, b);
    try {
      const r = await this.api.invoke('model:interpolate', {
        from: a.z,
        to: b.z,
        steps: this.lab.settings.generate.steps,
        label: labels?.from,
        labelTo: labels && labels.to !== labels.from ? labels.to : undefined,
      });
      this.strip = { ...r, pathLabels: labels };
      this.stripError = null;
      // The path in display space: exact for dim ≤ 3; for projections the straight line between the ends.
      const dim = s.dim;
      const n = r.count;
      const path = new Float32Array(n * 3);
      const pa = s.positionOf(a.point);
      const pb = s.positionOf(b.point);
      for (let i = 0; i < n; i++) {
        const p = dim <= 3 ? s.placeLatent(r.z.subarray(i * dim, (i + 1) * dim)) : null;
        const t = n > 1 ? i / (n - 1) : 0;
        path.set(p ?? [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1]), pa[2] + t * (pb[2] - pa[2])], i * 3);
      }
      s.path = path;
    } catch (err) {
      this.stripError = errorText(err);
    }
  }

  /** The labels at the path's two ends for a CVAE (equal unless blending), else null. */
  #pathLabels(a: InterpEnd, b: InterpEnd): { from: number; to: number } | null {
    if (this.lab.model?.kind !== 'cvae') return null;
    if (a.label === b.label || this.labelPath === 'a') return { from: a.label, to: a.label };
    if (this.labelPath === 'b') return { from: b.label, to: b.label };
    return { from: a.label, to: b.label };
  }

  async computeManifold(): Promise<void> {
    this.manifoldBusy = true;
    const dims: [number, number] = [this.manifoldDims[0], this.manifoldDims[1]];
    const steps = this.manifoldSteps;
    try {
      const r = await this.api.invoke('model:manifold', { dims, steps, range: this.manifoldRange, label: this.#label() });
      const dim = r.count > 0 ? r.z.length / r.count : 0;
      this.manifold = { ...r, dims, steps, ...manifoldAxes(r.z, dim, steps, dims) };
      this.manifoldError = null;
    } catch (err) {
      this.manifoldError = errorText(err);
    } finally {
      this.manifoldBusy = false;
    }
  }
}
