/**
 * Images in the cloud: the original image of every scatter point as a small tile
 * (`lib/scatter/atlas.ts`), in the scatter's point order, for the sprite layer. Images come from
 * `datasets:sample` in chunks of 10,000 (the request's maximum), are turned into tiles as they
 * arrive and kept per split for the open dataset; a new scatter (next epoch, training points
 * shown) only gathers the tiles again.
 */
import { imageDims, tileSize, writeTiles, type SpriteTiles } from '../../lib/scatter/atlas';
import { errorText } from '../../lib/errors';
import { pointSource } from '../../lib/samples';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';

/** Images per `datasets:sample` request. */
const CHUNK = 10_000;

interface TileCache {
  key: string;
  width: number;
  height: number;
  channels: 1 | 3;
  /** `${split}:${chunk start}` → that chunk's tiles (null while it is being fetched). */
  chunks: Map<string, Uint8Array>;
}

export class CloudImagesState {
  /** Draw every point as its image. */
  enabled = $state(false);
  /** Sprite size in CSS pixels at the default camera distance. */
  size = $state(28);
  /** Tiles of the scatter's points (same order), or null until loaded. */
  tiles = $state.raw<SpriteTiles | null>(null);
  /** The scatter version `tiles` belong to. */
  version = $state(-1);
  loading = $state(false);
  progress = $state.raw<{ done: number; total: number } | null>(null);
  error = $state<string | null>(null);
  #cache: TileCache | null = null;
  #running = false;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {}

  /** Forget the tiles of the shown points (the per-dataset tile cache stays). */
  reset(): void {
    this.tiles = null;
    this.version = -1;
    this.error = null;
  }

  /** Turn the images on or off; on loads what the scatter shows. */
  async setEnabled(on: boolean): Promise<void> {
    this.enabled = on;
    if (on) await this.sync();
  }

  /**
   * Make `tiles` match the scatter's current points (fetching missing images). Calls during a
   * sync are folded into it: it loops until the tiles match the newest scatter.
   */
  async sync(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.enabled && this.version !== this.lab.scatter.version) {
        const version = this.lab.scatter.version;
        const tiles = await this.#gather();
        if (!tiles) break;
        this.tiles = tiles;
        this.version = version;
      }
    } finally {
      this.#running = false;
      this.loading = false;
      this.progress = null;
    }
  }

  async #gather(): Promise<SpriteTiles | null> {
    const m = this.lab.model;
    const ds = this.lab.dataset;
    const sc = this.lab.scatter;
    const dims = ds ? imageDims(ds.shape) : null;
    if (!m || !ds || !dims) {
      this.error = ds && !dims ? 'Images in the cloud are for image datasets; this one holds 2-D points.' : null;
      this.tiles = null;
      return null;
    }
    const key = `${m.dataset.id}:${m.dataset.path ?? ''}`;
    const t = tileSize(dims.h, dims.w);
    if (this.#cache?.key !== key) this.#cache = { key, width: t.width, height: t.height, channels: dims.c, chunks: new Map() };
    const cache = this.#cache;
    const { indices, count } = sc.data;
    const needed = new Set<string>();
    for (let i = 0; i < count; i++) {
      const s = pointSource(indices[i]);
      const k = `${s.split}:${Math.floor(s.index / CHUNK) * CHUNK}`;
      if (!cache.chunks.has(k)) needed.add(k);
    }
    this.loading = needed.size > 0;
    let done = 0;
    for (const k of needed) {
      this.progress = { done, total: needed.size };
      const [split, start] = k.split(':') as ['train' | 'test', string];
      try {
        const r = await this.api.invoke('datasets:sample', { dataset: m.dataset, split, offset: Number(start), count: CHUNK });
        const got = imageDims(r.shape);
        if (!got || got.h !== dims.h || got.w !== dims.w || got.c !== dims.c) throw new Error(`the dataset's images are ${r.shape.join('×')}, not ${ds.shape.join('×')}`);
        const bytes = new Uint8Array(r.count * t.width * t.height * dims.c);
        writeTiles(r.images, dims, 0, r.count, bytes, 0);
        cache.chunks.set(k, bytes);
      } catch (err) {
        this.error = `Could not load the images: ${errorText(err)}`;
        return null;
      }
      done++;
    }
    if (this.#cache !== cache || sc.data.indices !== indices) return this.#gather(); // changed meanwhile
    const tileBytes = t.width * t.height * dims.c;
    const pixels = new Uint8Array(count * tileBytes);
    for (let i = 0; i < count; i++) {
      const s = pointSource(indices[i]);
      const start = Math.floor(s.index / CHUNK) * CHUNK;
      const chunk = cache.chunks.get(`${s.split}:${start}`)!;
      const off = (s.index - start) * tileBytes;
      if (off + tileBytes <= chunk.length) pixels.set(chunk.subarray(off, off + tileBytes), i * tileBytes);
    }
    this.error = null;
    return { count, width: t.width, height: t.height, channels: dims.c, pixels };
  }
}
