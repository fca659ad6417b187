/**
 * The three.js side of the latent scatter: one `Points` object with a custom shader (round
 * points, per-point colour, a visibility attribute, GPU tween between two position buffers),
 * GPU picking (point ids rendered into a small offscreen target around the cursor, one pixel
 * read back), markers, an interpolation path and OrbitControls. Renders only when something
 * changed.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { labelRgb } from './palette';

const TWEEN_MS = 300;
const PICK_SIZE = 32; // px window rendered around the cursor for picking

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

export interface ViewData {
  count: number;
  labels: Int32Array;
  display: Float32Array;
  from: Float32Array | null;
}

export interface ViewMarker {
  kind: 'selected' | 'encoded' | 'decoded' | 'a' | 'b' | 'step';
  pos: [number, number, number];
}

const MARKER_STYLE: Record<ViewMarker['kind'], { shape: number; size: number; light: string; dark: string }> = {
  selected: { shape: 0, size: 22, light: '#111827', dark: '#f8fafc' },
  encoded: { shape: 1, size: 30, light: '#dc2626', dark: '#fb7185' },
  decoded: { shape: 2, size: 18, light: '#111827', dark: '#f8fafc' },
  a: { shape: 3, size: 24, light: '#0f766e', dark: '#5eead4' },
  b: { shape: 3, size: 24, light: '#9333ea', dark: '#d8b4fe' },
  step: { shape: 4, size: 9, light: '#111827', dark: '#f8fafc' },
};

export interface CameraState {
  position: [number, number, number];
  target: [number, number, number];
  up: [number, number, number];
}

export interface ScatterViewOptions {
  onHover?: (i: number | null, x: number, y: number) => void;
  onClick?: (hit: { point: number } | { world: [number, number, number] } | null, ev: PointerEvent) => void;
  onDrawn?: () => void;
  onCamera?: (state: CameraState) => void;
}

export class ScatterView {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(45, 1, 0.01, 200);
  readonly controls: OrbitControls;
  #geometry = new THREE.BufferGeometry();
  #material: THREE.ShaderMaterial;
  #pickMaterial: THREE.ShaderMaterial;
  #points: THREE.Points;
  #markerGeom = new THREE.BufferGeometry();
  #markerMat: THREE.ShaderMaterial;
  #markers: THREE.Points;
  #pathGeom = new THREE.BufferGeometry();
  #pathMat = new THREE.LineBasicMaterial({ color: 0x111827, depthTest: false, transparent: true, opacity: 0.85 });
  #path: THREE.Line;
  #axes: THREE.LineSegments;
  #pickTarget = new THREE.WebGLRenderTarget(PICK_SIZE, PICK_SIZE);
  #pickBuf = new Uint8Array(4);
  #capacity = 0;
  #count = 0;
  #labels: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #hidden = new Set<number>();
  #tweenStart = 0;
  #tweening = false;
  #dirty = true;
  #drawnPending = false;
  #raf = 0;
  #width = 1;
  #height = 1;
  #flat = false;
  #dark = false;
  #markerList: ViewMarker[] = [];
  #pathVisible = false;
  #hoverAt: { x: number; y: number } | null = null;
  #down: { x: number; y: number; t: number } | null = null;
  #lastHover = -2;
  #applyingCamera = false;
  #resize: ResizeObserver;
  #disposed = false;

  constructor(
    readonly container: HTMLElement,
    private readonly opts: ScatterViewOptions = {},
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: false });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(0x000000, 0);
    const canvas = this.renderer.domElement;
    canvas.style.display = 'block';
    canvas.style.width = '100%';
    canvas.style.height = '100%';
    canvas.style.touchAction = 'none';
    container.appendChild(canvas);

    const uniforms = {
      uT: { value: 1 },
      uSize: { value: 4 },
      uPixelRatio: { value: this.renderer.getPixelRatio() },
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
    this.scene.add(this.#points);

    this.#markerMat = new THREE.ShaderMaterial({
      uniforms: { uPixelRatio: uniforms.uPixelRatio, uHalo: { value: new THREE.Color(0xffffff) } },
      vertexShader: MARKER_VERT,
      fragmentShader: MARKER_FRAG,
      depthTest: false,
      transparent: true,
    });
    this.#markers = new THREE.Points(this.#markerGeom, this.#markerMat);
    this.#markers.frustumCulled = false;
    this.#markers.renderOrder = 10;
    this.scene.add(this.#markers);

    this.#path = new THREE.Line(this.#pathGeom, this.#pathMat);
    this.#path.frustumCulled = false;
    this.#path.renderOrder = 9;
    this.scene.add(this.#path);

    this.#axes = makeAxes();
    this.#axes.visible = false;
    this.scene.add(this.#axes);

    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.dampingFactor = 0.12;
    this.controls.minDistance = 0.3;
    this.controls.maxDistance = 40;
    this.controls.addEventListener('change', () => {
      this.#dirty = true;
      this.#lastHover = -2;
      if (!this.#applyingCamera) this.opts.onCamera?.(this.cameraState());
    });
    this.resetView(false);

    canvas.addEventListener('pointermove', this.#onMove);
    canvas.addEventListener('pointerleave', this.#onLeave);
    canvas.addEventListener('pointerdown', this.#onDown);
    canvas.addEventListener('pointerup', this.#onUp);
    canvas.addEventListener('webglcontextlost', (e) => e.preventDefault());
    canvas.addEventListener('webglcontextrestored', () => (this.#dirty = true));

    this.#resize = new ResizeObserver(() => this.#fit());
    this.#resize.observe(container);
    this.#fit();
    this.#raf = requestAnimationFrame(this.#frame);
  }

  /** Replace the points; matching points tween from `from` to `display`. */
  setData(d: ViewData): void {
    const n = d.count;
    this.#axes.visible = n > 0;
    if (n > this.#capacity || this.#capacity === 0) this.#allocate(Math.max(n, 1, Math.ceil(this.#capacity * 1.25)));
    const pos = this.#geometry.getAttribute('position') as THREE.BufferAttribute;
    const tgt = this.#geometry.getAttribute('target') as THREE.BufferAttribute;
    const col = this.#geometry.getAttribute('pcolor') as THREE.BufferAttribute;
    (tgt.array as Float32Array).set(d.display.subarray(0, n * 3));
    (pos.array as Float32Array).set((d.from ?? d.display).subarray(0, n * 3));
    const ca = col.array as Float32Array;
    for (let i = 0; i < n; i++) {
      const [r, g, b] = labelRgb(d.labels[i]);
      ca[i * 3] = r;
      ca[i * 3 + 1] = g;
      ca[i * 3 + 2] = b;
    }
    this.#labels = d.labels;
    this.#count = n;
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
    this.#dirty = true;
    this.#drawnPending = true;
    this.#lastHover = -2;
  }

  setHidden(hidden: Iterable<number>): void {
    this.#hidden = new Set(hidden);
    this.#writeVisibility();
    this.#dirty = true;
  }

  setPointSize(px: number): void {
    this.#material.uniforms.uSize.value = px;
    this.#dirty = true;
  }

  setFlat(flat: boolean): void {
    if (flat === this.#flat) return;
    this.#flat = flat;
    this.controls.enableRotate = !flat;
    // A 2-D latent lies in the z = 0 plane: the left button pans instead of orbiting.
    this.controls.mouseButtons.LEFT = flat ? THREE.MOUSE.PAN : THREE.MOUSE.ROTATE;
    this.controls.touches.ONE = flat ? THREE.TOUCH.PAN : THREE.TOUCH.ROTATE;
    this.controls.screenSpacePanning = true;
    this.resetView(false);
  }

  setTheme(dark: boolean): void {
    this.#dark = dark;
    (this.#axes.material as THREE.LineBasicMaterial).color.set(dark ? 0x94a3b8 : 0x475569);
    this.#pathMat.color.set(dark ? 0xf8fafc : 0x111827);
    (this.#markerMat.uniforms.uHalo.value as THREE.Color).set(dark ? 0x0b1020 : 0xffffff);
    this.setMarkers(this.#markerList);
  }

  setMarkers(markers: ViewMarker[]): void {
    this.#markerList = markers;
    const n = markers.length;
    const pos = new Float32Array(n * 3);
    const col = new Float32Array(n * 3);
    const shape = new Float32Array(n);
    const size = new Float32Array(n);
    const c = new THREE.Color();
    markers.forEach((m, i) => {
      const st = MARKER_STYLE[m.kind];
      pos.set(m.pos, i * 3);
      c.set(this.#dark ? st.dark : st.light);
      col.set([c.r, c.g, c.b], i * 3);
      shape[i] = st.shape;
      size[i] = st.size;
    });
    this.#markerGeom.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    this.#markerGeom.setAttribute('mcolor', new THREE.BufferAttribute(col, 3));
    this.#markerGeom.setAttribute('shape', new THREE.BufferAttribute(shape, 1));
    this.#markerGeom.setAttribute('msize', new THREE.BufferAttribute(size, 1));
    this.#dirty = true;
  }

  setPath(path: Float32Array | null): void {
    this.#pathGeom.setAttribute('position', new THREE.BufferAttribute(path ?? new Float32Array(0), 3));
    this.#pathVisible = !!path && path.length >= 6;
    this.#path.visible = this.#pathVisible;
    this.#dirty = true;
  }

  resetView(notify = true): void {
    if (this.#flat) this.camera.position.set(0, 0, 2.9);
    else this.camera.position.set(1.9, 1.35, 2.55);
    this.camera.up.set(0, 1, 0);
    this.controls.target.set(0, 0, 0);
    this.controls.update();
    this.#dirty = true;
    if (notify) this.opts.onCamera?.(this.cameraState());
  }

  zoom(factor: number): void {
    const off = this.camera.position.clone().sub(this.controls.target).multiplyScalar(factor);
    const len = Math.min(Math.max(off.length(), this.controls.minDistance), this.controls.maxDistance);
    off.setLength(len);
    this.camera.position.copy(this.controls.target).add(off);
    this.controls.update();
    this.#dirty = true;
  }

  cameraState(): CameraState {
    const p = this.camera.position;
    const t = this.controls.target;
    const u = this.camera.up;
    return { position: [p.x, p.y, p.z], target: [t.x, t.y, t.z], up: [u.x, u.y, u.z] };
  }

  applyCamera(s: CameraState): void {
    this.#applyingCamera = true;
    this.camera.position.set(...s.position);
    this.camera.up.set(...s.up);
    this.controls.target.set(...s.target);
    this.controls.update();
    this.#applyingCamera = false;
    this.#dirty = true;
  }

  /** Index of the point under (x, y) CSS pixels relative to the canvas, or -1. */
  pick(x: number, y: number): number {
    if (!this.#count || this.#disposed) return -1;
    const half = PICK_SIZE / 2;
    this.camera.setViewOffset(this.#width, this.#height, x - half, y - half, PICK_SIZE, PICK_SIZE);
    this.#pickMaterial.uniforms.uT.value = this.#material.uniforms.uT.value;
    this.#pickMaterial.uniforms.uSize.value = this.#material.uniforms.uSize.value;
    this.#points.material = this.#pickMaterial;
    const markersVisible = this.#markers.visible;
    this.#markers.visible = false;
    this.#path.visible = false;
    this.#axes.visible = false;
    const prevTarget = this.renderer.getRenderTarget();
    this.renderer.setRenderTarget(this.#pickTarget);
    this.renderer.setClearColor(0x000000, 0);
    this.renderer.clear();
    this.renderer.render(this.scene, this.camera);
    this.renderer.readRenderTargetPixels(this.#pickTarget, half, half, 1, 1, this.#pickBuf);
    this.renderer.setRenderTarget(prevTarget);
    this.#points.material = this.#material;
    this.#markers.visible = markersVisible;
    this.#path.visible = this.#pathVisible;
    this.#axes.visible = this.#count > 0;
    this.camera.clearViewOffset();
    const b = this.#pickBuf;
    const id = b[0] + b[1] * 256 + b[2] * 65536 - 1;
    return id >= 0 && id < this.#count ? id : -1;
  }

  /** Point in world space under the cursor: on z = 0 when flat, else on the plane through the orbit target facing the camera. */
  worldAt(x: number, y: number): [number, number, number] | null {
    const ndc = new THREE.Vector2((x / this.#width) * 2 - 1, -(y / this.#height) * 2 + 1);
    const ray = new THREE.Raycaster();
    ray.setFromCamera(ndc, this.camera);
    const normal = this.#flat
      ? new THREE.Vector3(0, 0, 1)
      : this.camera.getWorldDirection(new THREE.Vector3()).negate();
    const plane = new THREE.Plane().setFromNormalAndCoplanarPoint(normal, this.#flat ? new THREE.Vector3() : this.controls.target);
    const hit = ray.ray.intersectPlane(plane, new THREE.Vector3());
    return hit ? [hit.x, hit.y, this.#flat ? 0 : hit.z] : null;
  }

  dispose(): void {
    this.#disposed = true;
    cancelAnimationFrame(this.#raf);
    this.#resize.disconnect();
    this.controls.dispose();
    this.#geometry.dispose();
    this.#markerGeom.dispose();
    this.#pathGeom.dispose();
    this.#material.dispose();
    this.#pickMaterial.dispose();
    this.#markerMat.dispose();
    this.#pathMat.dispose();
    this.#pickTarget.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
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

  #fit(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.#width = w;
    this.#height = h;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.#dirty = true;
  }

  #frame = (): void => {
    if (this.#disposed) return;
    this.#raf = requestAnimationFrame(this.#frame);
    if (this.controls.update()) this.#dirty = true;
    if (this.#tweening) {
      const t = Math.min(1, (performance.now() - this.#tweenStart) / TWEEN_MS);
      this.#material.uniforms.uT.value = t < 1 ? 1 - Math.pow(1 - t, 3) : 1;
      if (t >= 1) this.#tweening = false;
      this.#dirty = true;
    }
    if (this.#dirty) {
      this.#dirty = false;
      this.renderer.render(this.scene, this.camera);
      if (this.#drawnPending && !this.#tweening) {
        this.#drawnPending = false;
        this.opts.onDrawn?.();
      }
    }
    if (this.#hoverAt && this.opts.onHover) {
      const { x, y } = this.#hoverAt;
      this.#hoverAt = null;
      const i = this.pick(x, y);
      if (i !== this.#lastHover) {
        this.#lastHover = i;
        this.opts.onHover(i >= 0 ? i : null, x, y);
      } else if (i >= 0) {
        this.opts.onHover(i, x, y);
      }
    }
  };

  #local(ev: PointerEvent): { x: number; y: number } {
    const r = this.renderer.domElement.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  #onMove = (ev: PointerEvent): void => {
    if (ev.buttons) return; // dragging: orbit, no hover
    this.#hoverAt = this.#local(ev);
  };

  #onLeave = (): void => {
    this.#hoverAt = null;
    this.#lastHover = -2;
    this.opts.onHover?.(null, 0, 0);
  };

  #onDown = (ev: PointerEvent): void => {
    const p = this.#local(ev);
    this.#down = { ...p, t: performance.now() };
  };

  #onUp = (ev: PointerEvent): void => {
    const d = this.#down;
    this.#down = null;
    if (!d || ev.button !== 0) return;
    const p = this.#local(ev);
    if (Math.hypot(p.x - d.x, p.y - d.y) > 4 || performance.now() - d.t > 600) return; // a drag
    const i = this.pick(p.x, p.y);
    if (i >= 0) this.opts.onClick?.({ point: i }, ev);
    else {
      const w = this.worldAt(p.x, p.y);
      this.opts.onClick?.(w ? { world: w } : null, ev);
    }
  };
}

function makeAxes(): THREE.LineSegments {
  const L = 1.15;
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(new Float32Array([-L, 0, 0, L, 0, 0, 0, -L, 0, 0, L, 0, 0, 0, -L, 0, 0, L]), 3));
  const m = new THREE.LineBasicMaterial({ color: 0x475569, transparent: true, opacity: 0.28, depthWrite: false });
  const axes = new THREE.LineSegments(g, m);
  axes.frustumCulled = false;
  return axes;
}
