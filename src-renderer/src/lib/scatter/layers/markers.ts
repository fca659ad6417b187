/**
 * Markers drawn over the points (never hidden by them): the selection, the encoded image, a
 * decoded click, the interpolation ends A and B and the path's steps. One `THREE.Points` with a
 * shape per marker kind, haloed in the background colour so they read on any cloud.
 */
import * as THREE from 'three';
import type { LayerHost, ScatterLayer } from '../layer';

const MARKER_VERT = /* glsl */ `
attribute vec3 mcolor;
attribute float shape;
attribute float msize;
uniform float uPixelRatio;
varying vec3 vColor;
varying float vShape;
void main() {
  vec4 mv = modelViewMatrix * vec4(position, 1.0);
  gl_Position = projectionMatrix * mv;
  gl_PointSize = msize * uPixelRatio;
  vColor = mcolor;
  vShape = shape;
}`;

// shapes: 0 ring, 1 diamond outline, 2 cross, 3 ring with dot, 4 filled dot
const MARKER_FRAG = /* glsl */ `
uniform vec3 uHalo;
varying vec3 vColor;
varying float vShape;
void main() {
  vec2 c = (gl_PointCoord - 0.5) * 2.0;
  float d;
  float w = 0.16;
  if (vShape < 0.5) {
    d = abs(length(c) - 0.78);
  } else if (vShape < 1.5) {
    d = abs(abs(c.x) + abs(c.y) - 0.8);
  } else if (vShape < 2.5) {
    vec2 a = abs(c);
    d = min(abs(a.x - a.y), 10.0);
    if (length(c) > 0.9) d = 10.0;
  } else if (vShape < 3.5) {
    d = min(abs(length(c) - 0.78), max(length(c) - 0.22, 0.0));
  } else {
    d = max(length(c) - 0.45, 0.0);
  }
  if (d > w + 0.12) discard;
  float core = 1.0 - smoothstep(w - 0.04, w, d);
  vec3 col = mix(uHalo, vColor, core);
  gl_FragColor = vec4(col, 1.0);
}`;

export interface ViewMarker {
  kind: 'selected' | 'encoded' | 'decoded' | 'a' | 'b' | 'step';
  /** Display-space position. */
  pos: [number, number, number];
}

/** Shape (see MARKER_FRAG), size in CSS pixels and colour per theme of each marker kind. */
const MARKER_STYLE: Record<ViewMarker['kind'], { shape: number; size: number; light: string; dark: string }> = {
  selected: { shape: 0, size: 22, light: '#111827', dark: '#f8fafc' },
  encoded: { shape: 1, size: 30, light: '#dc2626', dark: '#fb7185' },
  decoded: { shape: 2, size: 18, light: '#111827', dark: '#f8fafc' },
  a: { shape: 3, size: 24, light: '#0f766e', dark: '#5eead4' },
  b: { shape: 3, size: 24, light: '#9333ea', dark: '#d8b4fe' },
  step: { shape: 4, size: 9, light: '#111827', dark: '#f8fafc' },
};

export class MarkersLayer implements ScatterLayer<ViewMarker[]> {
  readonly name = 'markers';
  #host!: LayerHost;
  #geometry = new THREE.BufferGeometry();
  #material!: THREE.ShaderMaterial;
  #list: ViewMarker[] = [];

  attach(host: LayerHost): void {
    this.#host = host;
    this.#material = new THREE.ShaderMaterial({
      uniforms: { uPixelRatio: { value: host.pixelRatio }, uHalo: { value: new THREE.Color(0xffffff) } },
      vertexShader: MARKER_VERT,
      fragmentShader: MARKER_FRAG,
      depthTest: false,
      transparent: true,
    });
    const markers = new THREE.Points(this.#geometry, this.#material);
    markers.frustumCulled = false;
    markers.renderOrder = 10;
    host.group.add(markers);
  }

  /** Replace the markers (drawn in list order). */
  update(markers: ViewMarker[]): void {
    this.#list = markers;
    const n = markers.length;
    const pos = new Float32Array(n * 3);
    const col = new Float32Array(n * 3);
    const shape = new Float32Array(n);
    const size = new Float32Array(n);
    const c = new THREE.Color();
    const dark = this.#host.dark;
    markers.forEach((m, i) => {
      const st = MARKER_STYLE[m.kind];
      pos.set(m.pos, i * 3);
      c.set(dark ? st.dark : st.light);
      col.set([c.r, c.g, c.b], i * 3);
      shape[i] = st.shape;
      size[i] = st.size;
    });
    this.#geometry.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    this.#geometry.setAttribute('mcolor', new THREE.BufferAttribute(col, 3));
    this.#geometry.setAttribute('shape', new THREE.BufferAttribute(shape, 1));
    this.#geometry.setAttribute('msize', new THREE.BufferAttribute(size, 1));
    this.#host.invalidate();
  }

  setTheme(dark: boolean): void {
    (this.#material.uniforms.uHalo.value as THREE.Color).set(dark ? 0x0b1020 : 0xffffff);
    this.update(this.#list);
  }

  dispose(): void {
    this.#geometry.dispose();
    this.#material.dispose();
  }
}
