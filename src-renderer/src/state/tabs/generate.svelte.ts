/**
 * The Generate tab and the main scatter's decoding: prior samples, a decoded click, the
 * interpolation between two points (with its path in the scatter) and the 2-D manifold.
 */
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

type Batch = { images: Float32Array; count: number; shape: number[]; labels?: Int32Array; z?: Float32Array };

export interface InterpEnd {
  /** Point position in the main scatter. */
  point: number;
  index: number;
  label: number;
  z: Float32Array;
}

export class GenerateState {
  grid = $state.raw<Batch | null>(null);
  gridError = $state<string | null>(null);
  generating = $state(false);

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
  strip = $state.raw<Batch | null>(null);
  stripError = $state<string | null>(null);

  manifoldDims = $state<[number, number]>([0, 1]);
  manifoldSteps = $state(12);
  manifoldRange = $state(3);
  manifold = $state.raw<Batch | null>(null);
  manifoldError = $state<string | null>(null);
  manifoldBusy = $state(false);

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  reset(): void {
    this.grid = null;
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

  async generate(): Promise<void> {
    const g = this.lab.settings.generate;
    this.generating = true;
    try {
      this.grid = await this.api.invoke('model:generate', {
        count: g.count,
        temperature: g.temperature,
        label: this.#label(),
      });
      this.gridError = null;
    } catch (err) {
      this.gridError = errorText(err);
    } finally {
      this.generating = false;
    }
  }

  /** Decode a latent vector (a click in the scatter). */
  async decodeAt(z: Float32Array, pos: [number, number, number], label: number | null, point: number | null): Promise<void> {
    const cvae = this.lab.model?.kind === 'cvae';
    const useLabel = cvae ? (label ?? this.lab.settings.generate.label) : null;
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
    this.lab.scatter.setExtra('decoded', null);
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
    try {
      const r = await this.api.invoke('model:interpolate', {
        from: a.z,
        to: b.z,
        steps: this.lab.settings.generate.steps,
        label: this.lab.model?.kind === 'cvae' ? a.label : undefined,
      });
      this.strip = r;
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

  async computeManifold(): Promise<void> {
    this.manifoldBusy = true;
    try {
      this.manifold = await this.api.invoke('model:manifold', {
        dims: this.manifoldDims,
        steps: this.manifoldSteps,
        range: this.manifoldRange,
        label: this.#label(),
      });
      this.manifoldError = null;
    } catch (err) {
      this.manifoldError = errorText(err);
    } finally {
      this.manifoldBusy = false;
    }
  }
}
