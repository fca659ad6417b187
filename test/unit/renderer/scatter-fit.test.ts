/**
 * The latent scatter's reset view shows the data in panes of any shape: a fresh user's 2-D latent
 * of two moons (wide on its first axis) ran off the sides of the narrow pane beside the data-space
 * plot. Display positions put the points within radius 1 (state/scatter.svelte.ts): every point
 * of the unit circle (flat view) or sphere (3-D view) must land inside the canvas.
 */
import { nearestPicked } from '../../../src-renderer/src/lib/scatter/core';
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { SCATTER_FOV, fitFactor, linkedPosition, ownPosition, resetPosition } from '../../../src-renderer/src/lib/scatter/fit';
import { ScatterState } from '../../../src-renderer/src/state/scatter.svelte';
import { FakeApi, batch } from './fake-api';

/** The largest |NDC x| and |NDC y| of the unit circle (flat) or sphere seen from the reset camera of a `w`×`h` pane. */
function extent(flat: boolean, w: number, h: number): { x: number; y: number } {
  const camera = new THREE.PerspectiveCamera(SCATTER_FOV, w / h, 0.01, 200);
  camera.position.set(...resetPosition(flat, w / h));
  camera.lookAt(0, 0, 0);
  camera.updateMatrixWorld();
  camera.updateProjectionMatrix();
  let x = 0;
  let y = 0;
  for (let i = 0; i < 48; i++) {
    for (let j = flat ? 12 : 0; j <= (flat ? 12 : 24); j++) {
      const theta = (i / 48) * 2 * Math.PI;
      const phi = (j / 24) * Math.PI; // flat: the equator only (z = 0)
      const p = new THREE.Vector3(Math.sin(phi) * Math.cos(theta), Math.sin(phi) * Math.sin(theta), Math.cos(phi)).project(camera);
      x = Math.max(x, Math.abs(p.x));
      y = Math.max(y, Math.abs(p.y));
    }
  }
  return { x, y };
}

describe('the scatter’s reset view fits the pane', () => {
  // The pane beside the toy data plot (~290 × 700 px), a square one, a wide one, a very tall one.
  const panes: [number, number][] = [[290, 700], [500, 500], [1200, 600], [200, 900]];

  it.each(panes)('a 2-D latent within radius 1 stays inside a %i × %i pane', (w, h) => {
    const e = extent(true, w, h);
    expect(e.x).toBeLessThan(1);
    expect(e.y).toBeLessThan(1);
    // …and is not shrunk to a dot: the data spans at least half the limiting side.
    expect(Math.max(e.x, e.y)).toBeGreaterThan(0.5);
  });

  it.each(panes)('a 3-D latent within radius 1 stays inside a %i × %i pane', (w, h) => {
    const e = extent(false, w, h);
    expect(e.x).toBeLessThan(1);
    expect(e.y).toBeLessThan(1);
  });

  it('a wide or square pane keeps the usual distance; a tall one backs off by its aspect; one not laid out yet by nothing', () => {
    expect(fitFactor(2)).toBe(1);
    expect(fitFactor(1)).toBe(1);
    expect(fitFactor(0.5)).toBe(2);
    expect(fitFactor(0)).toBe(1);
    expect(fitFactor(Number.NaN)).toBe(1);
  });
});

describe('the scatter’s display map as training goes on', () => {
  /** 400 points of a 2-D latent (a long thin cloud around 0, as two moons' is) at `scale`. */
  const epoch = (scale: number) => {
    const b = batch(400, 2);
    for (let i = 0; i < b.latents.length; i++) b.latents[i] = ((b.latents[i] - (i % 2 ? -100 : 200)) * scale) / 400;
    return b;
  };
  /** The 99.5th-percentile display radius (what the view must show). */
  function reach(sc: ScatterState): number {
    const d = sc.data.display;
    const r = Array.from({ length: sc.count }, (_, i) => Math.hypot(d[i * 3], d[i * 3 + 1], d[i * 3 + 2])).sort((a, b) => a - b);
    return r[Math.floor(r.length * 0.995)];
  }

  it('a latent that grows epoch after epoch stays within the view (±1.2 on the pane’s shorter side)', async () => {
    const sc = new ScatterState(new FakeApi());
    for (const [k, scale] of [1, 1.3, 1.6, 2.2, 3].entries()) {
      await sc.setBatch(epoch(scale), { runId: 'moons', live: true, epoch: k + 1 });
      expect(reach(sc)).toBeLessThanOrEqual(1.15 + 1e-6);
    }
  });

  it('a small change keeps the map (no jump between epochs)', async () => {
    const sc = new ScatterState(new FakeApi());
    await sc.setBatch(epoch(1), { runId: 'moons', live: true, epoch: 1 });
    const first = reach(sc);
    await sc.setBatch(epoch(1.05), { runId: 'moons', live: true, epoch: 2 });
    expect(reach(sc) / first).toBeCloseTo(1.05, 3);
  });
});

describe('picking: a point a few pixels from the cursor is under it', () => {
  const span = 9;
  const window = (hits: Array<[row: number, col: number, id: number]>) => {
    const buf = new Uint8Array(span * span * 4);
    for (const [row, col, id] of hits) {
      const v = id + 1;
      buf.set([v & 255, (v >> 8) & 255, (v >> 16) & 255, 255], (row * span + col) * 4);
    }
    return buf;
  };
  it('the nearest point to the centre wins; ids above 255 decode; nothing near gives -1', () => {
    expect(nearestPicked(window([]), span)).toBe(-1);
    expect(nearestPicked(window([[4, 4, 7]]), span)).toBe(7);
    expect(nearestPicked(window([[0, 0, 3], [6, 5, 70_000]]), span)).toBe(70_000);
    expect(nearestPicked(window([[8, 8, 1], [4, 1, 2]]), span)).toBe(2);
  });
});

describe("Compare's linked cameras in panes that change shape", () => {
  /**
   * Two linked views as ScatterCore keeps them: a camera position (its distance from the target
   * is enough here) and the aspect its fit was made for; a resize scales the distance by the
   * change of `fitFactor` and tells the other view, which takes the shared camera.
   */
  function pair(share: (d: number, aspect: number) => number, take: (d: number, aspect: number) => number) {
    const views = [
      { d: 0, aspect: 1 },
      { d: 0, aspect: 1 },
    ];
    for (const v of views) v.d = Math.hypot(...resetPosition(false, 1));
    const resize = (i: number, aspect: number) => {
      const v = views[i];
      v.d *= fitFactor(aspect) / fitFactor(v.aspect);
      v.aspect = aspect;
      const other = views[1 - i];
      other.d = take(share(v.d, v.aspect), other.aspect);
    };
    return { views, resize };
  }
  const square = Math.hypot(...resetPosition(false, 1));
  const pos = (d: number): [number, number, number] => [0, 0, d];
  const o: [number, number, number] = [0, 0, 0];

  it('side by side (288 × 740) while laid out, then stacked (576 × 355): both end at the reset distance whatever the order of resizes, not zoomed in', () => {
    for (const order of [[0, 1, 0, 1], [0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 1, 0]]) {
      const linked = pair(
        (d, a) => linkedPosition(pos(d), o, a)[2],
        (d, a) => ownPosition(pos(d), o, a)[2],
      );
      linked.resize(order[0], 288 / 740);
      linked.resize(order[1], 288 / 740);
      linked.resize(order[2], 576 / 355);
      linked.resize(order[3], 576 / 355);
      for (const v of linked.views) expect(v.d).toBeCloseTo(square);
    }
    // Sharing raw positions (as before): one order leaves both views zoomed in by the thin pane's fit factor.
    const raw = pair(
      (d) => d,
      (d) => d,
    );
    // Both fitted for the thin panes (A's camera backed off, shared to B), then A stacks first.
    for (const v of raw.views) [v.d, v.aspect] = [square * fitFactor(288 / 740), 288 / 740];
    raw.resize(0, 576 / 355);
    raw.resize(1, 576 / 355);
    expect(raw.views[0].d).toBeLessThan(square / 2);
  });

  it('a shared camera round-trips in a pane of the same shape', () => {
    const p: [number, number, number] = [1.9, 1.35, 2.55];
    const t: [number, number, number] = [0.2, -0.1, 0];
    const back = ownPosition(linkedPosition(p, t, 0.4), t, 0.4);
    back.forEach((v, i) => expect(v).toBeCloseTo(p[i]));
  });
});
