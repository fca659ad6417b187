/**
 * The scatter's core: WebGL renderer, scene, perspective camera with OrbitControls, pointer
 * input (hover and click), GPU picking and a render loop that draws only when something changed.
 * What is drawn comes from layers (`layer.ts`, `layers/*.ts`), each in its own group.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { SCATTER_FOV, fitFactor, linkedPosition, ownPosition, resetPosition } from './fit';
import type { LayerHost, ScatterLayer } from './layer';

const PICK_SIZE = 32; // px window rendered around the cursor for picking
/** A point within this many px of the cursor is under it (the nearest wins): small points stay easy to hover. */
const PICK_RADIUS = 4;
const PICK_SPAN = 2 * PICK_RADIUS + 1;

export interface CameraState {
  position: [number, number, number];
  target: [number, number, number];
  up: [number, number, number];
}

export type ClickHit = { point: number } | { world: [number, number, number] } | null;

export interface ScatterCoreOptions {
  /** Hovered item (null when none) at (x, y) CSS pixels relative to the canvas. */
  onHover?: (i: number | null, x: number, y: number) => void;
  /** A click (not a drag): the picked item, else the world position under the cursor. */
  onClick?: (hit: ClickHit, ev: PointerEvent) => void;
  /** The data last reported by a layer's `dataChanged` is on screen and no layer is animating. */
  onDrawn?: () => void;
  /** The user moved the camera (not called for `applyCamera`). */
  onCamera?: (state: CameraState) => void;
}

interface Attached {
  layer: ScatterLayer<never>;
  group: THREE.Group;
}

/**
 * The id encoded nearest the centre of a `span` × `span` RGBA window of the pick buffer (id + 1
 * in R + 256·G + 65536·B; 0 = nothing), or -1 when the window is empty.
 */
export function nearestPicked(buf: Uint8Array, span: number): number {
  const c = (span - 1) / 2;
  let best = -1;
  let bestD = Infinity;
  for (let row = 0; row < span; row++) {
    for (let col = 0; col < span; col++) {
      const o = (row * span + col) * 4;
      const v = buf[o] + buf[o + 1] * 256 + buf[o + 2] * 65536;
      const d = (row - c) ** 2 + (col - c) ** 2;
      if (v > 0 && d < bestD) {
        bestD = d;
        best = v - 1;
      }
    }
  }
  return best;
}

export class ScatterCore {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(SCATTER_FOV, 1, 0.01, 200);
  readonly controls: OrbitControls;
  #layers: Attached[] = [];
  #pickTarget = new THREE.WebGLRenderTarget(PICK_SIZE, PICK_SIZE);
  #pickBuf = new Uint8Array(PICK_SPAN * PICK_SPAN * 4);
  #dirty = true;
  #drawnPending = false;
  #raf = 0;
  #width = 1;
  #height = 1;
  #flat = false;
  #dark = false;
  #hoverAt: { x: number; y: number } | null = null;
  #down: { x: number; y: number; t: number } | null = null;
  #lastHover = -2;
  #applyingCamera = false;
  #resize: ResizeObserver;
  #disposed = false;
  /** A camera flight in progress (`flyTo`). */
  #fly: { t0: number; fromPos: THREE.Vector3; toPos: THREE.Vector3; fromTarget: THREE.Vector3; toTarget: THREE.Vector3 } | null = null;

  constructor(
    readonly container: HTMLElement,
    private readonly opts: ScatterCoreOptions = {},
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
    this.controls.addEventListener('start', () => (this.#fly = null)); // the user takes over
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

  /** Attach a layer; layers draw in the order they were added (then by their objects' renderOrder). */
  add<L extends ScatterLayer<never>>(layer: L): L {
    const group = new THREE.Group();
    group.name = layer.name;
    this.scene.add(group);
    const core = this;
    const host: LayerHost = {
      group,
      pixelRatio: this.renderer.getPixelRatio(),
      get dark() {
        return core.#dark;
      },
      invalidate: () => (this.#dirty = true),
      dataChanged: () => {
        this.#dirty = true;
        this.#drawnPending = true;
        this.#lastHover = -2;
      },
    };
    layer.attach(host);
    layer.setTheme?.(this.#dark);
    this.#layers.push({ layer, group });
    this.#dirty = true;
    return layer;
  }

  /** Whether the view is a flat 2-D plane (z = 0): pan instead of orbit, camera straight on. */
  get flat(): boolean {
    return this.#flat;
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
    for (const { layer } of this.#layers) layer.setTheme?.(dark);
    this.#dirty = true;
  }

  resetView(notify = true): void {
    this.#fly = null;
    // Far enough back for the pane's shape (fit.ts): a tall pane shows the data's width too.
    this.camera.position.set(...resetPosition(this.#flat, this.camera.aspect));
    this.camera.up.set(0, 1, 0);
    this.controls.target.set(0, 0, 0);
    this.controls.update();
    this.#dirty = true;
    if (notify) this.opts.onCamera?.(this.cameraState());
  }

  /** Move the camera towards (factor < 1) or away from (> 1) the orbit target, within the controls' limits. */
  zoom(factor: number): void {
    const off = this.camera.position.clone().sub(this.controls.target).multiplyScalar(factor);
    const len = Math.min(Math.max(off.length(), this.controls.minDistance), this.controls.maxDistance);
    off.setLength(len);
    this.camera.position.copy(this.controls.target).add(off);
    this.controls.update();
    this.#dirty = true;
  }

  /**
   * Fly the camera (400 ms, eased) to look at display position `pos` from `distance` away, along
   * the current viewing direction; any user input ends the flight.
   */
  flyTo(pos: [number, number, number], distance = 0.7): void {
    const toTarget = new THREE.Vector3(...pos);
    const dir = this.camera.position.clone().sub(this.controls.target).normalize();
    const d = Math.min(Math.max(distance, this.controls.minDistance), this.controls.maxDistance);
    const toPos = toTarget.clone().addScaledVector(dir, d);
    this.#fly = { t0: performance.now(), fromPos: this.camera.position.clone(), toPos, fromTarget: this.controls.target.clone(), toTarget };
    this.#dirty = true;
  }

  /** The camera as linked views share it: the position as in a square pane (`linkedPosition`), so views of other shapes show the same part of the data. */
  cameraState(): CameraState {
    const p = this.camera.position;
    const t = this.controls.target;
    const u = this.camera.up;
    const target: [number, number, number] = [t.x, t.y, t.z];
    return { position: linkedPosition([p.x, p.y, p.z], target, this.camera.aspect), target, up: [u.x, u.y, u.z] };
  }

  /** Take a linked view's camera (`cameraState`), stood back as far as this pane's shape needs. */
  applyCamera(s: CameraState): void {
    this.#applyingCamera = true;
    this.camera.position.set(...ownPosition(s.position, s.target, this.camera.aspect));
    this.camera.up.set(...s.up);
    this.controls.target.set(...s.target);
    this.controls.update();
    this.#applyingCamera = false;
    this.#dirty = true;
  }

  /** Id of the item under (x, y) CSS pixels relative to the canvas (see `ScatterLayer.beginPick`), or -1. */
  pick(x: number, y: number): number {
    if (this.#disposed) return -1;
    const drawing: ScatterLayer<never>[] = [];
    const hidden: THREE.Group[] = [];
    let limit = 0;
    for (const { layer, group } of this.#layers) {
      const n = layer.beginPick?.() ?? 0;
      if (n > 0) {
        drawing.push(layer);
        limit = Math.max(limit, n);
      } else if (group.visible) {
        group.visible = false;
        hidden.push(group);
      }
    }
    let id = -1;
    if (limit > 0) {
      const half = PICK_SIZE / 2;
      this.camera.setViewOffset(this.#width, this.#height, x - half, y - half, PICK_SIZE, PICK_SIZE);
      const prevTarget = this.renderer.getRenderTarget();
      this.renderer.setRenderTarget(this.#pickTarget);
      this.renderer.setClearColor(0x000000, 0);
      this.renderer.clear();
      this.renderer.render(this.scene, this.camera);
      this.renderer.readRenderTargetPixels(this.#pickTarget, half - PICK_RADIUS, half - PICK_RADIUS, PICK_SPAN, PICK_SPAN, this.#pickBuf);
      this.renderer.setRenderTarget(prevTarget);
      this.camera.clearViewOffset();
      id = nearestPicked(this.#pickBuf, PICK_SPAN);
    }
    for (const layer of drawing) layer.endPick?.();
    for (const group of hidden) group.visible = true;
    return id >= 0 && id < limit ? id : -1;
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

  /** Stop the loop and free everything, layers included; the canvas leaves the page. */
  dispose(): void {
    this.#disposed = true;
    cancelAnimationFrame(this.#raf);
    this.#resize.disconnect();
    this.controls.dispose();
    for (const { layer, group } of this.#layers) {
      layer.dispose();
      this.scene.remove(group);
    }
    this.#layers = [];
    this.#pickTarget.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }

  #fit(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.#width = w;
    this.#height = h;
    this.renderer.setSize(w, h, false);
    const before = fitFactor(this.camera.aspect);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    // The pane changed shape: keep the view's fit (and any zoom the user made, relative to it).
    const ratio = fitFactor(this.camera.aspect) / before;
    if (ratio !== 1) {
      const off = this.camera.position.clone().sub(this.controls.target).multiplyScalar(ratio);
      this.camera.position.copy(this.controls.target).add(off);
      this.controls.update();
    }
    this.#dirty = true;
  }

  #frame = (): void => {
    if (this.#disposed) return;
    this.#raf = requestAnimationFrame(this.#frame);
    const now = performance.now();
    if (this.#fly) this.#flyStep(now);
    if (this.controls.update()) this.#dirty = true;
    let animating = false;
    for (const { layer } of this.#layers) if (layer.frame?.(now)) animating = true;
    if (this.#dirty) {
      this.#dirty = false;
      this.renderer.render(this.scene, this.camera);
      if (this.#drawnPending && !animating) {
        this.#drawnPending = false;
        this.opts.onDrawn?.();
      }
    }
    this.#hover();
  };

  #flyStep(now: number): void {
    const f = this.#fly!;
    const t = Math.min(1, (now - f.t0) / 400);
    const e = 1 - Math.pow(1 - t, 3);
    this.camera.position.lerpVectors(f.fromPos, f.toPos, e);
    this.controls.target.lerpVectors(f.fromTarget, f.toTarget, e);
    this.#dirty = true;
    this.#lastHover = -2;
    if (t >= 1) {
      this.#fly = null;
      this.opts.onCamera?.(this.cameraState());
    }
  }

  /** The pending hover position, picked once per frame; reports changes (and moves over the same item). */
  #hover(): void {
    if (!this.#hoverAt || !this.opts.onHover) return;
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
