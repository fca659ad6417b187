/** Faint x, y and z axes through the origin of display space (±1.15), shown while there are points. */
import * as THREE from 'three';
import type { LayerHost, ScatterLayer } from '../layer';

const L = 1.15;

export class AxesLayer implements ScatterLayer<boolean> {
  readonly name = 'axes';
  #host!: LayerHost;
  #geometry = new THREE.BufferGeometry();
  #material = new THREE.LineBasicMaterial({ color: 0x475569, transparent: true, opacity: 0.28, depthWrite: false });
  #lines!: THREE.LineSegments;

  attach(host: LayerHost): void {
    this.#host = host;
    this.#lines = new THREE.LineSegments(this.#geometry, this.#material);
    this.#geometry.setAttribute(
      'position',
      new THREE.BufferAttribute(new Float32Array([-L, 0, 0, L, 0, 0, 0, -L, 0, 0, L, 0, 0, 0, -L, 0, 0, L]), 3),
    );
    this.#lines.frustumCulled = false;
    this.#lines.visible = false;
    host.group.add(this.#lines);
  }

  /** Show or hide the axes. */
  update(visible: boolean): void {
    if (this.#lines.visible === visible) return;
    this.#lines.visible = visible;
    this.#host.invalidate();
  }

  setTheme(dark: boolean): void {
    this.#material.color.set(dark ? 0x94a3b8 : 0x475569);
  }

  dispose(): void {
    this.#geometry.dispose();
    this.#material.dispose();
  }
}
