/**
 * The traversal grid as one PNG (row labels on the left, column offsets on top, images at an
 * integer scale), and saving a file from the page: a download in browser mode; Electron shows
 * its save dialog for a download.
 */
import type { TraversalGrid } from '../state/instruments/traversal.svelte';
import { imageDims } from './scatter/atlas';

/** Floats in [0, 1] (one image of `images`, channels last) → RGBA bytes. */
function rgba(images: Float32Array, index: number, h: number, w: number, c: number): Uint8ClampedArray<ArrayBuffer> {
  const px = new Uint8ClampedArray(h * w * 4);
  const off = index * h * w * c;
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) px[i * 4 + k] = Math.round(255 * (images[off + i * c + (c === 3 ? k : 0)] || 0));
    px[i * 4 + 3] = 255;
  }
  return px;
}

/** Row label of a traversal row: its dimension and KL (nats) or, for an AE, its σ. */
export function rowLabel(row: TraversalGrid['rows'][number]): string {
  return row.kl != null ? `z${row.dim} · ${row.kl.toFixed(2)} nats` : `z${row.dim} · σ ${row.sd.toFixed(2)}`;
}

/**
 * Draw `grid` into a canvas: each image at `scale` × its size, a label column and an offset row.
 * @throws Error when the grid holds no images (2-D points).
 */
export function traversalCanvas(grid: TraversalGrid, scale = 2): HTMLCanvasElement {
  const d = imageDims(grid.shape);
  if (!d) throw new Error('the traversal grid holds 2-D points, not images');
  const cell = Math.max(d.h, d.w) * scale;
  const left = 110;
  const top = 22;
  const canvas = document.createElement('canvas');
  canvas.width = left + grid.cols * (cell + 2);
  canvas.height = top + grid.rows.length * (cell + 2);
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#111827';
  g.font = '12px system-ui, sans-serif';
  g.textBaseline = 'middle';
  g.textAlign = 'center';
  grid.offsets.forEach((o, c) => g.fillText(`${o > 0 ? '+' : ''}${o.toFixed(1)}`, left + c * (cell + 2) + cell / 2, top / 2));
  const tile = document.createElement('canvas');
  tile.width = d.w;
  tile.height = d.h;
  const tg = tile.getContext('2d')!;
  g.imageSmoothingEnabled = false;
  grid.rows.forEach((row, r) => {
    const y = top + r * (cell + 2);
    g.textAlign = 'right';
    g.fillText(rowLabel(row), left - 8, y + cell / 2);
    for (let c = 0; c < grid.cols; c++) {
      tg.putImageData(new ImageData(rgba(grid.images, r * grid.cols + c, d.h, d.w, d.c), d.w, d.h), 0, 0);
      g.drawImage(tile, left + c * (cell + 2), y, cell, cell);
    }
  });
  return canvas;
}

/** Save `blob` as `filename` (a download; Electron asks where with its save dialog). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file-name-safe version of `name` (letters, digits, dot, dash, underscore). */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'latent-lab';
}
