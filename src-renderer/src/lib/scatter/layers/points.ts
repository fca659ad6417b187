/**
 * The point cloud: one `THREE.Points` with a custom shader (round points, per-point label
 * colour, a visibility attribute, a GPU tween between two position buffers) and an id material
 * for GPU picking. Buffers grow by 25 % steps and are reused between updates.
 */
import * as THREE from 'three';
import { classColours, type ClassColours } from '../../palette';
import type { LayerHost, ScatterLayer } from '../layer';

const TWEEN_MS = 300;

const POINT_VERT = /* glsl */ `
attribute vec3 target;
attribute vec3 pcolor;
attribute float visible;
attribute float pid;
uniform float uT;
uniform float uSize;
uniform float uPixelRatio;
uniform float uMinSize;
varying vec3 vColor;
varying vec3 vPick;
void main() {
  vec3 p = mix(position, target, uT);
  vec4 mv = modelViewMatrix * vec4(p, 1.0);
  gl_Position = projectionMatrix * mv;
  float s = uSize * (3.0 / max(-mv.z, 0.05));
  gl_PointSize = visible > 0.5 ? clamp(s, uMinSize, 28.0) * uPixelRatio : 0.0;
  if (visible < 0.5) gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
  vColor = pcolor;
  float id = pid + 1.0;
  vPick = vec3(mod(id, 256.0), mod(floor(id / 256.0), 256.0), floor(id / 65536.0)) / 255.0;
}`;

const POINT_FRAG = /* glsl */ `
uniform float uPick;
uniform float uOpacity;
varying vec3 vColor;
varying vec3 vPick;
void main() {
  vec2 c = gl_PointCoord - 0.5;
  float r = length(c) * 2.0;
  if (r > 1.0) discard;
  if (uPick > 0.5) { gl_FragColor = vec4(vPick, 1.0); return; }
  float edge = smoothstep(0.62, 0.82, r);
  vec3 col = mix(vColor, vColor * 0.55, edge);
  float a = 1.0 - smoothstep(0.86, 1.0, r);
  gl_FragColor = vec4(col, a * uOpacity);
}`;

/** One update of the cloud. */
export interface ViewData {
  count: number;
  /** count labels (colour by label). */
  labels: Int32Array;
  /** count × 3 positions to show. */
  display: Float32Array;
  /** count × 3 positions to tween from over 300 ms (matched points' old positions), or null for no tween. */
  from: Float32Array | null;
}

export class PointsLayer implements ScatterLayer<ViewData> {
  readonly name = 'points';
  #host!: LayerHost;
  #geometry = new THREE.BufferGeometry();
  #material!: THREE.ShaderMaterial;
  #pickMaterial!: THREE.ShaderMaterial;
  #points!: THREE.Points;
  #capacity = 0;
  #count = 0;
  #labels: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #colours: ClassColours = classColours([]);
  #hidden = new Set<number>();
  #tweenStart = 0;
  #tweening = false;

  /** Points in the current data. */
  get count(): number {
    return this.#count;
  }

  attach(host: LayerHost): void {
    this.#host = host;
    const uniforms = {
      uT: { value: 1 },
      uSize: { value: 4 },
      uPixelRatio: { value: host.pixelRatio },
      uMinSize: { value: 2 },
      uPick: { value: 0 },
      uOpacity: { value: 1 },
    };
    this.#material = new THREE.ShaderMaterial({
      uniforms,
      vertexShader: POINT_VERT,
      fragmentShader: POINT_FRAG,
      transparent: true,
      depthWrite: true,
    });
    this.#pickMaterial = new THREE.ShaderMaterial({
      uniforms: { ...uniforms, uPick: { value: 1 }, uPixelRatio: { value: 1 }, uMinSize: { value: 6 } },
      vertexShader: POINT_VERT,
      fragmentShader: POINT_FRAG,
      transparent: false,
      blending: THREE.NoBlending,
    });
    this.#points = new THREE.Points(this.#geometry, this.#material);
    this.#points.frustumCulled = false;
    host.group.add(this.#points);
  }

  /** Replace the points; with `from`, matching points tween from their old positions. */
  update(d: ViewData): void {
    const n = d.count;
    if (n > this.#capacity || this.#capacity === 0) this.#allocate(Math.max(n, 1, Math.ceil(this.#capacity * 1.25)));
    const pos = this.#geometry.getAttribute('position') as THREE.BufferAttribute;
    const tgt = this.#geometry.getAttribute('target') as THREE.BufferAttribute;
    const col = this.#geometry.getAttribute('pcolor') as THREE.BufferAttribute;
    (tgt.array as Float32Array).set(d.display.subarray(0, n * 3));
    (pos.array as Float32Array).set((d.from ?? d.display).subarray(0, n * 3));
    this.#labels = d.labels;
    this.#count = n;
    this.#writeColours();
    for (const a of [pos, tgt, col]) {
      a.clearUpdateRanges();
      a.addUpdateRange(0, n * 3);
      a.needsUpdate = true;
    }
    this.#writeVisibility();
    this.#geometry.setDrawRange(0, n);
    this.#material.uniforms.uT.value = d.from ? 0 : 1;
    this.#tweening = !!d.from;
    this.#tweenStart = performance.now();
    this.#host.dataChanged();
  }

  /** The drawn run's class colours (`classColours` of its class names); recolours the points shown. */
  setColours(colours: ClassColours): void {
    if (colours === this.#colours) return;
    this.#colours = colours;
    if (!this.#count) return;
    const col = this.#geometry.getAttribute('pcolor') as THREE.BufferAttribute;
    this.#writeColours();
    col.clearUpdateRanges();
    col.addUpdateRange(0, this.#count * 3);
    col.needsUpdate = true;
    this.#host.invalidate();
  }

  /** Each shown point's colour, from its label, into the colour attribute (the caller flags the upload). */
  #writeColours(): void {
    const ca = (this.#geometry.getAttribute('pcolor') as THREE.BufferAttribute).array as Float32Array;
    for (let i = 0; i < this.#count; i++) ca.set(this.#colours.rgb(this.#labels[i]), i * 3);
  }

  /** Hide the points of these labels. */
  setHidden(hidden: Iterable<number>): void {
    this.#hidden = new Set(hidden);
    this.#writeVisibility();
    this.#host.invalidate();
  }

  /** Show or hide the cloud (hidden: not drawn and not picked, e.g. while images stand in for it). */
  setVisible(visible: boolean): void {
    if (this.#points.visible === visible) return;
    this.#points.visible = visible;
    this.#host.invalidate();
  }

  /** Point size in CSS pixels at the default distance (points shrink and grow with depth). */
  setPointSize(px: number): void {
    this.#material.uniforms.uSize.value = px;
    this.#host.invalidate();
  }

  frame(now: number): boolean {
    if (!this.#tweening) return false;
    const t = Math.min(1, (now - this.#tweenStart) / TWEEN_MS);
    this.#material.uniforms.uT.value = t < 1 ? 1 - Math.pow(1 - t, 3) : 1;
    if (t >= 1) this.#tweening = false;
    this.#host.invalidate();
    return this.#tweening;
  }

  beginPick(): number {
    if (!this.#count || !this.#points.visible) return 0;
    this.#pickMaterial.uniforms.uT.value = this.#material.uniforms.uT.value;
    this.#pickMaterial.uniforms.uSize.value = this.#material.uniforms.uSize.value;
    this.#points.material = this.#pickMaterial;
    return this.#count;
  }

  endPick(): void {
    this.#points.material = this.#material;
  }

  dispose(): void {
    this.#geometry.dispose();
    this.#material.dispose();
    this.#pickMaterial.dispose();
  }

  #allocate(capacity: number): void {
    const old = this.#geometry;
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(capacity * 3), 3).setUsage(THREE.DynamicDrawUsage));
    g.setAttribute('target', new THREE.BufferAttribute(new Float32Array(capacity * 3), 3).setUsage(THREE.DynamicDrawUsage));
    g.setAttribute('pcolor', new THREE.BufferAttribute(new Float32Array(capacity * 3), 3).setUsage(THREE.DynamicDrawUsage));
    g.setAttribute('visible', new THREE.BufferAttribute(new Float32Array(capacity), 1).setUsage(THREE.DynamicDrawUsage));
    const pid = new Float32Array(capacity);
    for (let i = 0; i < capacity; i++) pid[i] = i;
    g.setAttribute('pid', new THREE.BufferAttribute(pid, 1));
    g.boundingSphere = new THREE.Sphere(new THREE.Vector3(), 1e6);
    this.#geometry = g;
    this.#points.geometry = g;
    this.#capacity = capacity;
    old.dispose();
  }

  #writeVisibility(): void {
    const attr = this.#geometry.getAttribute('visible') as THREE.BufferAttribute | undefined;
    if (!attr) return;
    const v = attr.array as Float32Array;
    for (let i = 0; i < this.#count; i++) v[i] = this.#hidden.has(this.#labels[i]) ? 0 : 1;
    attr.clearUpdateRanges();
    attr.addUpdateRange(0, this.#count);
    attr.needsUpdate = true;
  }
}
