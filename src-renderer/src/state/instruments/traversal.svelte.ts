/**
 * The traversal grid (how β-VAE disentanglement is judged): one row per latent dimension, most
 * informative first (`DimStatsState.ranked`), columns from −k to +k around a chosen point along
 * that dimension alone, all decoded in one `model:decode` batch.
 */
import { decodedAs } from '../../lib/decodedAs';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';
import type { RankedDim } from './dims.svelte';

export interface TraversalGrid {
  /** rows × cols images, row-major. */
  images: Float32Array;
  shape: number[];
  rows: RankedDim[];
  cols: number;
  /** Column offsets from the centre in units of k's scale (prior σ, or each dimension's σ for an AE). */
  offsets: number[];
  k: number;
  /** The point traversed around. */
  centre: Float32Array;
  /** Where the centre came from, in words. */
  centreText: string;
  /** A CVAE: the label every image was decoded as (the sliders' "decode as"); null for other kinds. */
  label: number | null;
}

/** `cols` evenly spaced offsets from −k to +k. */
export function traversalOffsets(k: number, cols: number): number[] {
  if (cols === 1) return [0];
  return Array.from({ length: cols }, (_, j) => -k + (2 * k * j) / (cols - 1));
}

/**
 * Where the traversal's centre came from, in words, for "Around …; steps in prior σ.":
 * "the sliders' point, moved from z = 0, the prior mean" (no brackets inside brackets).
 */
export function centreText(origin: string, moved: boolean): string {
  if (!origin) return 'the prior mean';
  return moved ? `the sliders' point, moved from ${origin}` : origin;
}

/**
 * The caption under a traversal grid: "Around z = 0, the prior mean; steps in prior σ; decoded as
 * “7”." (the label only for a CVAE's grid, named by `labelNames`, else its number); an AE's steps
 * are in each dimension's σ.
 */
export function traversalCaption(grid: Pick<TraversalGrid, 'centreText' | 'label'>, kind: string | undefined, labelNames: readonly string[]): string {
  const steps = kind === 'ae' ? 'steps in each dimension’s σ' : 'steps in prior σ';
  const as = grid.label != null ? `; ${decodedAs([grid.label], labelNames)}` : '';
  return `Around ${grid.centreText}; ${steps}${as}.`;
}

export class TraversalState {
  /** Half-width of the traversal: ±k prior standard deviations (an AE: ±k of each dimension's σ). */
  k = $state(3);
  cols = $state(7);
  /** The rows the user typed (null: the default, one per latent dimension up to 10). */
  #rows = $state<number | null>(null);
  /** Most rows drawn (the most informative dimensions): the user's number, else min(10, latent size). */
  get maxRows(): number {
    return this.#rows ?? Math.min(10, this.lab.model?.latentDim ?? 10);
  }
  set maxRows(v: number) {
    this.#rows = v;
  }
  grid = $state.raw<TraversalGrid | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  reset(): void {
    this.grid = null;
    this.error = null;
  }

  /** Whether k, columns and rows are in range. */
  get valid(): boolean {
    return Number.isFinite(this.k) && this.k > 0 && this.k <= 20 && Number.isInteger(this.cols) && this.cols >= 2 && this.cols <= 15 && Number.isInteger(this.maxRows) && this.maxRows >= 1 && this.maxRows <= 64;
  }

  /**
   * Decode the grid around the sliders' point (else the prior mean), as the sliders' label for a
   * CVAE. Loads the per-dimension statistics first when needed.
   */
  async draw(): Promise<void> {
    const m = this.lab.model;
    if (!m || m.live || !this.valid) return;
    const ins = this.lab.instruments;
    this.busy = true;
    try {
      const stats = await ins.dims.load();
      if (!stats) throw new Error(ins.dims.error ?? 'no statistics for this run');
      ins.sliders.ensure();
      const centre = ins.sliders.z ?? new Float32Array(m.latentDim);
      const rows = ins.dims.ranked().slice(0, this.maxRows);
      const offsets = traversalOffsets(this.k, this.cols);
      const d = m.latentDim;
      const count = rows.length * offsets.length;
      const z = new Float32Array(count * d);
      rows.forEach((row, r) => {
        const scale = m.kind === 'ae' ? row.sd || 1 : 1;
        offsets.forEach((o, c) => {
          const at = (r * offsets.length + c) * d;
          z.set(centre, at);
          z[at + row.dim] = centre[row.dim] + o * scale;
        });
      });
      const label = m.kind === 'cvae' ? ins.sliders.label : null;
      const labels = label != null ? new Int32Array(count).fill(label) : undefined;
      const out = await this.api.invoke('model:decode', { z, count, labels });
      this.grid = { images: out.images, shape: out.shape, rows, cols: offsets.length, offsets, k: this.k, centre: centre.slice(), centreText: centreText(ins.sliders.originText, ins.sliders.moved), label };
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.busy = false;
    }
  }
}
