/**
 * Scatter benchmark page (`scatter-bench.html?n=70000&frames=20[&images=1]`), used by `npm run
 * bench`'s UI section: the app's own ScatterView (same shaders, same buffers) in a fixed 1000×700
 * canvas, fed `n` synthetic labelled points (10 seeded Gaussian clusters in 3-D); with `images=1`
 * every point is drawn as its own 28×28 image (the sprite layer, synthetic grey tiles). It times, per frame,
 * a full render of the point cloud plus a 1-pixel read-back that waits for the GPU to finish
 * (so the figure is the frame's real cost, not the time to queue it), orbiting the camera a
 * little between frames. Results land on `window.__scatterBench` and `body[data-state=done]`.
 * Not part of the app's UI: nothing links here.
 */
import type { SpriteTiles } from '../lib/scatter/atlas';
import { ScatterView } from '../lib/scatter/view';

interface ScatterBenchResult {
  n: number;
  images: boolean;
  /** Atlas pages (textures) the images needed. */
  pages: number;
  frames: number;
  setDataMs: number;
  firstFrameMs: number;
  frameMs: number[];
  medianMs: number;
  p95Ms: number;
  renderer: string;
}

const params = new URLSearchParams(location.search);
const n = Math.max(1, Math.min(2_000_000, Math.floor(Number(params.get('n') ?? 70_000)) || 70_000));
const frames = Math.max(1, Math.min(200, Math.floor(Number(params.get('frames') ?? 20)) || 20));
const withImages = params.get('images') === '1';

/** `count` synthetic 28×28 grey tiles: a ring whose radius and a bar whose angle vary per point. */
function tiles(count: number): SpriteTiles {
  const px = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) {
    const r = 4 + (i % 7);
    const a = ((i * 37) % 180) * (Math.PI / 180);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const dx = x - 13.5;
        const dy = y - 13.5;
        const ring = Math.abs(Math.hypot(dx, dy) - r) < 1.5;
        const bar = Math.abs(dx * Math.sin(a) - dy * Math.cos(a)) < 1.2 && Math.hypot(dx, dy) < 11;
        px[i * 784 + y * 28 + x] = ring || bar ? 255 : 0;
      }
    }
  }
  return { count, width: 28, height: 28, channels: 1, pixels: px };
}

function clusters(count: number): { labels: Int32Array; display: Float32Array } {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: 10 }, () => [gauss() * 2, gauss() * 2, gauss() * 2]);
  const labels = new Int32Array(count);
  const display = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const k = i % 10;
    labels[i] = k;
    for (let d = 0; d < 3; d++) display[i * 3 + d] = centres[k][d] + gauss() * 0.45;
  }
  return { labels, display };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
}

async function run(): Promise<ScatterBenchResult> {
  const plot = document.getElementById('plot')!;
  let drawn!: () => void;
  const firstDrawn = new Promise<void>((r) => (drawn = r));
  const view = new ScatterView(plot, { onDrawn: () => drawn() });
  const { labels, display } = clusters(n);
  const sprites = withImages ? tiles(n) : null;
  const t0 = performance.now();
  view.setData({ count: n, labels, display, from: null });
  if (sprites) view.setImages({ tiles: sprites, count: n, display, from: null, labels });
  const t1 = performance.now();
  await firstDrawn;
  const t2 = performance.now();

  const { camera, scene, controls } = view.core;
  const gl = view.core.renderer.getContext();
  const px = new Uint8Array(4);
  const target = controls.target;
  const frameMs: number[] = [];
  for (let f = 0; f < frames; f++) {
    // Orbit 3° around the target, as a user dragging the view would.
    const a = (3 * Math.PI) / 180;
    const p = camera.position.clone().sub(target);
    camera.position.set(target.x + p.x * Math.cos(a) - p.z * Math.sin(a), camera.position.y, target.z + p.x * Math.sin(a) + p.z * Math.cos(a));
    camera.lookAt(target);
    const s = performance.now();
    view.core.renderer.render(scene, camera);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    frameMs.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 0));
  }
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  const pages = view.sprites.pageCount;
  view.dispose();
  return {
    n,
    images: withImages,
    pages,
    frames,
    setDataMs: t1 - t0,
    firstFrameMs: t2 - t1,
    frameMs,
    medianMs: quantile(frameMs, 0.5),
    p95Ms: quantile(frameMs, 0.95),
    renderer,
  };
}

run().then(
  (r) => {
    (window as unknown as { __scatterBench: ScatterBenchResult }).__scatterBench = r;
    document.getElementById('out')!.textContent = JSON.stringify({ ...r, frameMs: undefined }, null, 1);
    document.body.dataset.state = 'done';
  },
  (err: unknown) => {
    document.getElementById('out')!.textContent = String(err);
    document.body.dataset.state = 'error';
  },
);
