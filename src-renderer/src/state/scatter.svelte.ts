/**
 * Data behind one latent scatter: raw latents, their 3-D display positions and what the user
 * picked. The three.js view (lib/scatter/) only draws what this holds.
 *
 * Display positions are normalised with a *stable* affine map (centre + scale) that only changes
 * when the cloud has grown or shrunk a lot (hysteresis), so the camera and the cloud do not
 * jump every epoch; any change is tweened by the view.
 */
import { SvelteSet } from 'svelte/reactivity';
import type { LatentBatch } from '../lib/contract';
import type { ViewMarker } from '../lib/scatter/view';
import { errorCode, errorText } from '../lib/errors';
import type { StateApi } from './port';

export interface ScatterData {
  count: number;
  dim: number;
  labels: Int32Array;
  indices: Int32Array;
  /** count × dim raw latent means. */
  latents: Float32Array;
  /** count × 3 normalised display positions. */
  display: Float32Array;
  /** count × 3 positions to tween from (previous positions matched by index), or null. */
  from: Float32Array | null;
}

/** A marker in display space (the view draws these as they are). */
export type Marker = ViewMarker;

interface Norm {
  center: [number, number, number];
  scale: number;
}

const EMPTY: ScatterData = {
  count: 0,
  dim: 0,
  labels: new Int32Array(0),
  indices: new Int32Array(0),
  latents: new Float32Array(0),
  display: new Float32Array(0),
  from: null,
};

export type ProjectionMethod = 'pca' | 'umap';

export class ScatterState {
  data = $state.raw<ScatterData>(EMPTY);
  /** Bumped whenever `data` changes; the view tweens to the new positions. */
  version = $state(0);
  /** Set by the view once the current data has been drawn. */
  drawnVersion = $state(-1);
  hidden = new SvelteSet<number>();
  selected = $state<number | null>(null);
  hover = $state<{ i: number; x: number; y: number } | null>(null);
  /**
   * The hovered point whose tooltip is drawn: none over the selected point, whose card (the
   * decoded inset) is already open beside it — two cards of one point would overlap.
   */
  tooltipHover = $derived(this.hover && this.hover.i < this.data.count && this.hover.i !== this.selected ? this.hover : null);
  /** Extra markers (encoded image, decoded click, interpolation ends) in display space. */
  extra = $state.raw<Marker[]>([]);
  /** Interpolation path in display space (n × 3, one point per step), or null. */
  path = $state.raw<Float32Array | null>(null);
  source = $state.raw<{ runId: string; live: boolean; epoch?: number } | null>(null);
  projecting = $state(false);
  /** Latent size of the batch being projected (the points on screen may still be another run's). */
  projectingDim = $state(0);
  projectionProgress = $state.raw<{ done: number; total: number } | null>(null);
  projectionError = $state<string | null>(null);
  /** The method used for the positions on screen (dim > 3). */
  shownMethod = $state<ProjectionMethod | null>(null);
  /** Names of the display axes: z0…z2 for latents of 2 or 3 dimensions, PC1…PC3 or UMAP1…UMAP3 for a projection. */
  axisNames: string[] = $derived(displayAxisNames(this.data.dim, this.shownMethod));

  count = $derived(this.data.count);
  dim = $derived(this.data.dim);
  ready = $derived(this.data.count > 0 && this.drawnVersion === this.version);

  #norm: Norm | null = null;
  #pending: { batch: LatentBatch; meta: { runId: string; live: boolean; epoch?: number } } | null = null;
  #running = false;
  #method: ProjectionMethod = 'pca';

  /** `api` computes projections of latents above 3-D. */
  constructor(private readonly api: StateApi) {}

  clear(): void {
    this.data = EMPTY;
    this.version++;
    this.selected = null;
    this.hover = null;
    this.extra = [];
    this.path = null;
    this.source = null;
    this.#norm = null;
  }

  /** New latents (a live snapshot or a whole split). Dim > 3 goes through `projection:compute`. */
  async setBatch(batch: LatentBatch, meta: { runId: string; live: boolean; epoch?: number }, method?: ProjectionMethod) {
    if (method) this.#method = method;
    if (batch.dim <= 3) {
      this.#pending = null;
      this.shownMethod = null;
      this.#commit(batch, meta, pad3(batch.latents, batch.count, batch.dim));
      return;
    }
    this.#pending = { batch, meta };
    if (this.#running) return; // the running projection picks up the latest batch when it ends
    this.#running = true;
    this.projecting = true;
    this.projectionError = null;
    try {
      while (this.#pending) {
        const job: { batch: LatentBatch; meta: { runId: string; live: boolean; epoch?: number } } = this.#pending;
        this.#pending = null;
        const method = this.#method;
        this.projectingDim = job.batch.dim;
        try {
          const { points } = await this.api.invoke('projection:compute', {
            method,
            latents: job.batch.latents,
            dim: job.batch.dim,
            seed: 1,
          });
          this.shownMethod = method;
          this.#commit(job.batch, job.meta, points);
        } catch (err) {
          if (errorCode(err) === 'CANCELLED') {
            this.projectionError = 'Projection cancelled.';
          } else if (method === 'umap') {
            this.projectionError = `UMAP failed (${errorText(err)}); showing PCA.`;
            this.#method = 'pca';
            if (!this.#pending) this.#pending = job;
          } else {
            this.projectionError = errorText(err);
          }
        }
      }
    } finally {
      this.#running = false;
      this.projecting = false;
      this.projectionProgress = null;
    }
  }

  /** Re-project the current latents with another method. */
  reproject(method: ProjectionMethod): void {
    this.#method = method;
    const d = this.data;
    if (d.dim <= 3 || !d.count || !this.source) return;
    void this.setBatch(
      { latents: d.latents, dim: d.dim, count: d.count, labels: d.labels, indices: d.indices },
      this.source,
    );
  }

  async cancelProjection(): Promise<void> {
    this.#pending = null;
    try {
      await this.api.invoke('projection:cancel', {});
    } catch {
      /* nothing running */
    }
  }

  #commit(batch: LatentBatch, meta: { runId: string; live: boolean; epoch?: number }, points: Float32Array) {
    const prev = this.data;
    const sameRun = this.source?.runId === meta.runId;
    const n = batch.count;
    // Map previous positions by dataset index so matching points tween from where they were.
    const prevPos = new Map<number, number>();
    for (let i = 0; i < prev.count; i++) prevPos.set(prev.indices[i], i);

    const pts = new Float32Array(points.subarray(0, n * 3));
    if (batch.dim > 3 && prev.count && sameRun) alignSigns(pts, batch.indices, prev, prevPos);

    this.#norm = stableNorm(this.#norm, pts, n, batch.dim === 2);
    const { center, scale } = this.#norm;
    const display = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      display[i * 3] = (pts[i * 3] - center[0]) * scale;
      display[i * 3 + 1] = (pts[i * 3 + 1] - center[1]) * scale;
      display[i * 3 + 2] = batch.dim === 2 ? 0 : (pts[i * 3 + 2] - center[2]) * scale;
    }

    let from: Float32Array | null = null;
    if (prev.count) {
      from = new Float32Array(display);
      for (let i = 0; i < n; i++) {
        const j = prevPos.get(batch.indices[i]);
        if (j !== undefined) {
          from[i * 3] = prev.display[j * 3];
          from[i * 3 + 1] = prev.display[j * 3 + 1];
          from[i * 3 + 2] = prev.display[j * 3 + 2];
        }
      }
    }

    // Keep the selection on the same dataset index across updates.
    const selIndex = this.selected != null ? prev.indices[this.selected] : undefined;
    this.data = {
      count: n,
      dim: batch.dim,
      labels: batch.labels,
      indices: batch.indices,
      latents: batch.latents,
      display,
      from,
    };
    this.source = meta;
    this.selected = null;
    if (selIndex !== undefined) {
      const k = this.pointOfIndex(selIndex);
      if (k >= 0) this.selected = k;
    }
    this.hover = null;
    this.version++;
  }

  /** Array position of a dataset index, or -1. */
  pointOfIndex(index: number): number {
    const idx = this.data.indices;
    for (let i = 0; i < idx.length; i++) if (idx[i] === index) return i;
    return -1;
  }

  latentOf(i: number): Float32Array {
    const d = this.data;
    return d.latents.slice(i * d.dim, (i + 1) * d.dim);
  }

  positionOf(i: number): [number, number, number] {
    const p = this.data.display;
    return [p[i * 3], p[i * 3 + 1], p[i * 3 + 2]];
  }

  /** Display position of an arbitrary latent vector: exact for dim ≤ 3, else its nearest shown point. */
  placeLatent(z: ArrayLike<number>): [number, number, number] | null {
    const d = this.data;
    if (!d.count || !this.#norm || z.length !== d.dim) return null;
    if (d.dim <= 3) {
      const { center, scale } = this.#norm;
      return [
        (z[0] - center[0]) * scale,
        (z[1] - center[1]) * scale,
        d.dim === 3 ? (z[2] - center[2]) * scale : 0,
      ];
    }
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < d.count; i++) {
      let s = 0;
      for (let k = 0; k < d.dim; k++) {
        const t = d.latents[i * d.dim + k] - z[k];
        s += t * t;
      }
      if (s < bestD) {
        bestD = s;
        best = i;
      }
    }
    return best >= 0 ? this.positionOf(best) : null;
  }

  /** Latent vector at a display position (dim ≤ 3 only). */
  latentAt(pos: [number, number, number]): Float32Array | null {
    const d = this.data;
    if (!this.#norm || d.dim > 3 || !d.count) return null;
    const { center, scale } = this.#norm;
    const z = new Float32Array(d.dim);
    for (let k = 0; k < d.dim; k++) z[k] = pos[k] / scale + center[k];
    return z;
  }

  toggleLabel(label: number): void {
    if (this.hidden.has(label)) this.hidden.delete(label);
    else this.hidden.add(label);
  }

  /** Show only this label, or everything again if it already was the only one shown. */
  soloLabel(label: number, all: number[]): void {
    const onlyThis = all.every((l) => (l === label ? !this.hidden.has(l) : this.hidden.has(l)));
    this.hidden.clear();
    if (!onlyThis) for (const l of all) if (l !== label) this.hidden.add(l);
  }

  setExtra(kind: Marker['kind'], pos: [number, number, number] | null): void {
    const rest = this.extra.filter((m) => m.kind !== kind);
    this.extra = pos ? [...rest, { kind, pos }] : rest;
  }
}

/** The display axes' names for `dim`-D latents shown as they are (dim ≤ 3) or projected by `method`. */
export function displayAxisNames(dim: number, method: ProjectionMethod | null): string[] {
  if (dim <= 0) return [];
  if (dim <= 3) return Array.from({ length: dim }, (_, k) => `z${k}`);
  const prefix = method === 'umap' ? 'UMAP' : 'PC';
  return [1, 2, 3].map((k) => `${prefix}${k}`);
}

function pad3(latents: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let k = 0; k < Math.min(dim, 3); k++) out[i * 3 + k] = latents[i * dim + k];
  return out;
}

/** Flip projected axes whose sign disagrees with the previous positions (PCA's sign is arbitrary). */
function alignSigns(pts: Float32Array, indices: Int32Array, prev: ScatterData, prevPos: Map<number, number>) {
  const dot = [0, 0, 0];
  for (let i = 0; i < indices.length; i++) {
    const j = prevPos.get(indices[i]);
    if (j === undefined) continue;
    for (let k = 0; k < 3; k++) dot[k] += pts[i * 3 + k] * prev.display[j * 3 + k];
  }
  for (let k = 0; k < 3; k++) {
    if (dot[k] < 0) for (let i = 0; i < indices.length; i++) pts[i * 3 + k] = -pts[i * 3 + k];
  }
}

/**
 * Display radius the kept map may let ~99.5 % of the points reach: the axes' length, inside the
 * ±1.2 the camera shows on the pane's shorter side (lib/scatter/fit.ts).
 */
const KEEP_REACH = 1.15;

/**
 * Centre and scale so that ~99.5 % of points fall within radius 1. Keeps the old map (no jump
 * between epochs) while the points it places stay in view: their 99.5th-percentile radius under
 * it, plus the centre's shift, at most `KEEP_REACH`, and not shrunk under 0.625 (a latent that
 * grew as training went on, kept at its first epoch's scale, ran off the pane).
 */
function stableNorm(old: Norm | null, pts: Float32Array, n: number, flat: boolean): Norm {
  if (!n) return old ?? { center: [0, 0, 0], scale: 1 };
  const c: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k] += pts[i * 3 + k];
  for (let k = 0; k < 3; k++) c[k] /= n;
  if (flat) c[2] = 0;
  const step = Math.max(1, Math.floor(n / 5000));
  const r: number[] = [];
  for (let i = 0; i < n; i += step) {
    const dx = pts[i * 3] - c[0];
    const dy = pts[i * 3 + 1] - c[1];
    const dz = flat ? 0 : pts[i * 3 + 2] - c[2];
    r.push(Math.sqrt(dx * dx + dy * dy + dz * dz));
  }
  r.sort((a, b) => a - b);
  const radius = r[Math.min(r.length - 1, Math.floor(r.length * 0.995))] || 1;
  const fresh: Norm = { center: c, scale: 1 / radius };
  if (!old) return fresh;
  const reach = radius * old.scale;
  const shift = Math.hypot(c[0] - old.center[0], c[1] - old.center[1], c[2] - old.center[2]) * old.scale;
  if (reach > 0.625 && reach + shift <= KEEP_REACH) return old;
  return fresh;
}
