/**
 * The latent sliders' current point in the scatter: a reticle (ring with four ticks and a centre
 * dot) in an accent colour of its own, drawn over everything and haloed in the background colour.
 * It moves as the sliders move; hidden when there is no point.
 */
import * as THREE from 'three';
import type { LayerHost, ScatterLayer } from '../layer';

const PROBE_VERT = /* glsl */ `
uniform float uSize;
uniform float uPixelRatio;
void main() {
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
  gl_PointSize = uSize * uPixelRatio;
}`;

const PROBE_FRAG = /* glsl */ `
uniform vec3 uColor;
uniform vec3 uHalo;
void main() {
  vec2 c = (gl_PointCoord - 0.5) * 2.0;
  float r = length(c);
  vec2 a = abs(c);
  // ring, ticks on the axes outside the ring, centre dot
  float ring = abs(r - 0.55);
  float tick = (min(a.x, a.y) < 0.07 && r > 0.7 && r < 0.98) ? 0.0 : 10.0;
  float dot = max(r - 0.14, 0.0);
  float d = min(min(ring, tick), dot);
  if (d > 0.2) discard;
  float core = 1.0 - smoothstep(0.07, 0.1, d);
  gl_FragColor = vec4(mix(uHalo, uColor, core), 1.0);
}`;

/** Reticle size in CSS pixels. */
const SIZE = 34;

export class ProbeLayer implements ScatterLayer<[number, number, number] | null> {
  readonly name = 'probe';
  #host!: LayerHost;
  #geometry = new THREE.BufferGeometry();
  #material!: THREE.ShaderMaterial;
  #points!: THREE.Points;
  #pos: [number, number, number] | null = null;

  /** The position drawn, or null when hidden. */
  get position(): [number, number, number] | null {
    return this.#pos;
  }

  attach(host: LayerHost): void {
    this.#host = host;
    this.#material = new THREE.ShaderMaterial({
      uniforms: {
        uSize: { value: SIZE },
        uPixelRatio: { value: host.pixelRatio },
        uColor: { value: new THREE.Color(0xd97706) },
        uHalo: { value: new THREE.Color(0xffffff) },
      },
      vertexShader: PROBE_VERT,
      fragmentShader: PROBE_FRAG,
      depthTest: false,
      transparent: true,
    });
    this.#geometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(3), 3));
    this.#points = new THREE.Points(this.#geometry, this.#material);
    this.#points.frustumCulled = false;
    this.#points.renderOrder = 11;
    this.#points.visible = false;
    host.group.add(this.#points);
  }

  /** Move the reticle to a display-space position (null hides it). */
  update(pos: [number, number, number] | null): void {
    this.#pos = pos;
    this.#points.visible = !!pos;
    if (pos) {
      const attr = this.#geometry.getAttribute('position') as THREE.BufferAttribute;
      (attr.array as Float32Array).set(pos);
      attr.needsUpdate = true;
    }
    this.#host.invalidate();
  }

  setTheme(dark: boolean): void {
    (this.#material.uniforms.uColor.value as THREE.Color).set(dark ? 0xfbbf24 : 0xd97706);
    (this.#material.uniforms.uHalo.value as THREE.Color).set(dark ? 0x0b1020 : 0xffffff);
  }

  dispose(): void {
    this.#geometry.dispose();
    this.#material.dispose();
  }
}
