/** The interpolation path: a polyline through the decoded steps, drawn over the points. */
import * as THREE from 'three';
import type { LayerHost, ScatterLayer } from '../layer';

export class PathLayer implements ScatterLayer<Float32Array | null> {
  readonly name = 'path';
  #host!: LayerHost;
  #geometry = new THREE.BufferGeometry();
  #material = new THREE.LineBasicMaterial({ color: 0x111827, depthTest: false, transparent: true, opacity: 0.85 });
  #line!: THREE.Line;

  attach(host: LayerHost): void {
    this.#host = host;
    // Objects are made here, not as fields, so draw order among equals follows the order of `core.add`.
    this.#line = new THREE.Line(this.#geometry, this.#material);
    this.#line.frustumCulled = false;
    this.#line.renderOrder = 9;
    this.#line.visible = false;
    host.group.add(this.#line);
  }

  /** n × 3 display-space positions (n ≥ 2 to show a line), or null for none. */
  update(path: Float32Array | null): void {
    this.#geometry.setAttribute('position', new THREE.BufferAttribute(path ?? new Float32Array(0), 3));
    this.#line.visible = !!path && path.length >= 6;
    this.#host.invalidate();
  }

  setTheme(dark: boolean): void {
    this.#material.color.set(dark ? 0xf8fafc : 0x111827);
  }

  dispose(): void {
    this.#geometry.dispose();
    this.#material.dispose();
  }
}
