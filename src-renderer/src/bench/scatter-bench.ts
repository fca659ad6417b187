/**
 * Scatter benchmark page (`scatter-bench.html?n=70000&frames=20`), used by `npm run bench`'s UI
 * section: the app's own ScatterView (same shaders, same buffers) in a fixed 1000×700 canvas,
 * fed `n` synthetic labelled points (10 seeded Gaussian clusters in 3-D). It times, per frame,
 * a full render of the point cloud plus a 1-pixel read-back that waits for the GPU to finish
 * (so the figure is the frame's real cost, not the time to queue it), orbiting the camera a
 * little between frames. Results land on `window.__scatterBench` and `body[data-state=done]`.
 * Not part of the app's UI: nothing links here.
 */
import { ScatterView } from '../lib/scatter/view';

interface ScatterBenchResult {
  n: number;
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
  const t0 = performance.now();
  view.setData({ count: n, labels, display, from: null });
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
  view.dispose();
  return {
    n,
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
