/**
 * The latent scatter's reset view shows the data in panes of any shape: a fresh user's 2-D latent
 * of two moons (wide on its first axis) ran off the sides of the narrow pane beside the data-space
 * plot. Display positions put the points within radius 1 (state/scatter.svelte.ts): every point
 * of the unit circle (flat view) or sphere (3-D view) must land inside the canvas.
 */
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { SCATTER_FOV, fitFactor, resetPosition } from '../../../src-renderer/src/lib/scatter/fit';

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
