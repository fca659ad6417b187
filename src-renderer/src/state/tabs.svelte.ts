/** State of the right-hand tabs; kept here so switching tabs keeps results. */
import { api } from '../lib/api';
import type { ExportResult, RequestOutput } from '../lib/contract';
import { MAX_IMAGE_BYTES } from '../lib/contract';
import { errorCode, errorText } from '../lib/errors';
import type { Lab } from './lab.svelte';
import { ScatterState } from './scatter.svelte';

export const RECON_PAGE = 24;

export class ReconState {
  page = $state(0);
  worstFirst = $state(false);
  result = $state.raw<RequestOutput<'model:reconstruct'> | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(private readonly lab: Lab) {}

  async load(): Promise<void> {
    const model = this.lab.model;
    if (!model || model.live) return;
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const r = await api.invoke('model:reconstruct', {
        split: 'test',
        offset: this.page * RECON_PAGE,
        count: RECON_PAGE,
        worstFirst: this.worstFirst,
      });
      if (seq !== this.#seq) return;
      this.result = r;
      this.error = null;
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  reset(): void {
    this.#seq++;
    this.page = 0;
    this.result = null;
    this.error = null;
    this.loading = false;
  }
}

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

  constructor(private readonly lab: Lab) {}

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
      this.grid = await api.invoke('model:generate', {
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
      const image = await api.invoke('model:decode', {
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
      const r = await api.invoke('model:interpolate', {
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
      this.manifold = await api.invoke('model:manifold', {
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

export class EncodeState {
  busy = $state(false);
  error = $state<string | null>(null);
  name = $state<string | null>(null);
  result = $state.raw<RequestOutput<'model:encodeFile'> | null>(null);
  /** CVAE encoders are conditioned on the label: what the image shows, or null to let the engine pick the best fit. */
  label = $state<number | null>(null);

  constructor(private readonly lab: Lab) {}

  reset(): void {
    this.result = null;
    this.error = null;
    this.name = null;
    this.lab.scatter.setExtra('encoded', null);
  }

  async encodeFile(file: File): Promise<void> {
    if (file.size > MAX_IMAGE_BYTES) {
      this.#fail(file.name, `“${file.name}” is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${MAX_IMAGE_BYTES / 1048576} MB.`);
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (err) {
      this.#fail(file.name, `Could not read “${file.name}”: ${errorText(err)}`);
      return;
    }
    await this.encodeBytes(file.name, bytes);
  }

  async encodeBytes(name: string, bytes: Uint8Array): Promise<void> {
    if (!this.lab.model || this.lab.model.live) {
      this.#fail(name, 'No model to encode with yet: train one or open a saved run first.');
      return;
    }
    this.busy = true;
    this.name = name;
    try {
      const r = await api.invoke('model:encodeFile', {
        name,
        bytes,
        label: this.lab.model.kind === 'cvae' && this.label != null ? this.label : undefined,
      });
      this.result = r;
      this.error = null;
      this.lab.scatter.setExtra('encoded', this.lab.scatter.placeLatent(r.mean));
    } catch (err) {
      const code = errorCode(err);
      const why =
        code === 'BAD_IMAGE' || code === 'BAD_FILE' || code === 'UNSUPPORTED'
          ? `“${name}” is not an image Latent Lab can read (PNG, JPEG, WebP, GIF, TIFF or SVG). ${errorText(err)}`
          : code === 'TOO_LARGE'
            ? `“${name}” is too large: ${errorText(err)}`
            : errorText(err);
      this.#fail(name, why);
    } finally {
      this.busy = false;
    }
  }

  #fail(name: string, message: string): void {
    this.name = name;
    this.error = message;
    this.result = null;
    this.lab.scatter.setExtra('encoded', null);
  }
}

export type ExportUiState = 'idle' | 'running' | 'done' | 'error';

export class ExportState {
  state = $state<ExportUiState>('idle');
  progress = $state.raw<{ done: number; total: number } | null>(null);
  result = $state.raw<ExportResult | null>(null);
  error = $state<string | null>(null);
  /** Label filter for CVAE exports: null = all labels. */
  label = $state<number | null>(null);

  constructor(private readonly lab: Lab) {}

  async start(): Promise<void> {
    const model = this.lab.model;
    const e = this.lab.settings.export;
    if (!model || model.live || this.state === 'running') return;
    this.state = 'running';
    this.progress = null;
    this.result = null;
    this.error = null;
    try {
      this.result = await api.invoke('export:start', {
        runId: model.runId,
        format: e.format,
        count: e.count,
        label: model.kind === 'cvae' && this.label != null ? this.label : undefined,
        temperature: e.temperature,
        seed: e.seed,
        out: e.out.trim(),
        overwrite: e.overwrite,
      });
      this.state = 'done';
    } catch (err) {
      const code = errorCode(err);
      this.error =
        code === 'CANCELLED'
          ? 'Export cancelled; nothing was left behind.'
          : code === 'EXISTS'
            ? `${errorText(err)} — tick “Overwrite” or choose another folder.`
            : errorText(err);
      this.state = 'error';
    }
  }

  async cancel(): Promise<void> {
    try {
      await api.invoke('export:cancel', {});
    } catch (err) {
      this.error = errorText(err);
    }
  }
}

export class CompareState {
  runA = $state<string | null>(null);
  runB = $state<string | null>(null);
  a = new ScatterState();
  b = new ScatterState();
  metricsA = $state.raw<RequestOutput<'runs:metrics'> | null>(null);
  metricsB = $state.raw<RequestOutput<'runs:metrics'> | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(private readonly lab: Lab) {}

  /** Latents of the same first `limit` test points under both runs, plus their metrics. */
  async load(limit = 2000): Promise<void> {
    const { runA, runB } = this;
    const seq = ++this.#seq;
    this.error = null;
    if (!runA || !runB) return;
    this.loading = true;
    const side = async (runId: string, scatter: ScatterState, which: 'metricsA' | 'metricsB') => {
      const batch = await api.invoke('model:latents', { runId, split: 'test', limit });
      if (seq !== this.#seq) return;
      scatter.clear();
      await scatter.setBatch(batch, { runId, live: false }, 'pca');
      const m = await api.invoke('runs:metrics', { runId });
      if (seq === this.#seq) this[which] = m;
    };
    this.metricsA = this.metricsB = null;
    try {
      // One at a time: the engine works through requests in order anyway.
      await side(runA, this.a, 'metricsA');
      await side(runB, this.b, 'metricsB');
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Pick sensible defaults: the newest AE and VAE if there are both, else the two newest. */
  suggest(): void {
    const runs = this.lab.runs.list.filter((r) => !r.error);
    if (this.runA && this.runB && runs.some((r) => r.id === this.runA) && runs.some((r) => r.id === this.runB)) return;
    const ae = runs.find((r) => r.config.model.kind === 'ae');
    const vae = runs.find((r) => r.config.model.kind !== 'ae');
    if (ae && vae) {
      this.runA = ae.id;
      this.runB = vae.id;
    } else {
      this.runA = runs[0]?.id ?? null;
      this.runB = runs[1]?.id ?? null;
    }
  }
}
