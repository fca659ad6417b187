/**
 * Faint x, y and z axes through the origin of display space (±1.15), shown while there are
 * points, each named at its positive end (z0, z1, z2 for a latent shown as it is; PC1… or UMAP1…
 * for a projection) by a text sprite of constant screen size.
 */
import * as THREE from 'three';
import type { LayerHost, ScatterLayer } from '../layer';

const L = 1.15;
/** Where each axis's name sits: near its positive end, inside the view (the cloud fills radius 1), beside the line. */
const ENDS: [number, number, number][] = [
  [1.02, 0.06, 0],
  [0.08, 1.02, 0],
  [0, 0.06, 1.02],
];
/** How near (display units) the reticle may come to an axis name before the name moves out of its way. */
const CLEAR = 0.2;
/** How far across its axis a name moves from the reticle: past the reticle's 17-px radius at the default zoom. */
const ASIDE = 0.14;

/**
 * Where each axis's name sits with `avoid` (the latent sliders' reticle, display space) in view:
 * at `ENDS`, except a name within `CLEAR` of it, which moves across its axis to the reticle's
 * other side, `ASIDE` from it (below "z0" when the reticle is on or above the line), staying in
 * view (the reticle, 34 px, no longer covers "z0"). Null `avoid`: `ENDS`.
 */
export function axisLabelPositions(avoid: readonly [number, number, number] | null): [number, number, number][] {
  return ENDS.map((end, k) => {
    const p: [number, number, number] = [end[0], end[1], end[2]];
    if (!avoid || Math.hypot(avoid[0] - end[0], avoid[1] - end[1], avoid[2] - end[2]) >= CLEAR) return p;
    // Across the axis: y for the x and z axes, x for the y axis.
    const j = k === 1 ? 0 : 1;
    p[j] = avoid[j] >= 0 ? avoid[j] - ASIDE : avoid[j] + ASIDE;
    return p;
  });
}

/** Sprite height as a share of the view's height (sizeAttenuation off: constant on screen). */
const LABEL_SCALE = 0.026;

export class AxesLayer implements ScatterLayer<boolean> {
  readonly name = 'axes';
  #host!: LayerHost;
  #geometry = new THREE.BufferGeometry();
  #material = new THREE.LineBasicMaterial({ color: 0x475569, transparent: true, opacity: 0.28, depthWrite: false });
  #lines!: THREE.LineSegments;
  #labels: THREE.Sprite[] = [];
  #names: string[] = [];
  #visible = false;
  #dark = false;
  #avoid: [number, number, number] | null = null;

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

  /** Show or hide the axes (and their names). */
  update(visible: boolean): void {
    if (this.#visible === visible) return;
    this.#visible = visible;
    this.#lines.visible = visible;
    for (const s of this.#labels) s.visible = visible;
    this.#host.invalidate();
  }

  /** Name the axes (x, y, z in order; fewer names leave the rest unnamed, e.g. a flat 2-D latent). */
  setLabels(names: readonly string[]): void {
    if (names.length === this.#names.length && names.every((n, i) => n === this.#names[i])) return;
    this.#names = [...names];
    this.#rebuildLabels();
  }

  /** Keep the names clear of a point drawn over them (the sliders' reticle), or null. */
  avoid(pos: readonly [number, number, number] | null): void {
    this.#avoid = pos ? [pos[0], pos[1], pos[2]] : null;
    const at = axisLabelPositions(this.#avoid);
    this.#labels.forEach((s, k) => s.position.set(...at[k]));
    if (this.#host) this.#host.invalidate();
  }

  setTheme(dark: boolean): void {
    this.#material.color.set(dark ? 0x94a3b8 : 0x475569);
    if (dark !== this.#dark) {
      this.#dark = dark;
      if (this.#names.length) this.#rebuildLabels();
    }
  }

  dispose(): void {
    this.#clearLabels();
    this.#geometry.dispose();
    this.#material.dispose();
  }

  #clearLabels(): void {
    for (const s of this.#labels) {
      s.removeFromParent();
      s.material.map?.dispose();
      s.material.dispose();
    }
    this.#labels = [];
  }

  #rebuildLabels(): void {
    this.#clearLabels();
    if (!this.#host) return;
    const at = axisLabelPositions(this.#avoid);
    this.#names.slice(0, 3).forEach((name, k) => {
      const sprite = textSprite(name, this.#dark ? '#cbd5e1' : '#334155');
      if (!sprite) return;
      sprite.position.set(...at[k]);
      sprite.visible = this.#visible;
      this.#labels.push(sprite);
      this.#host.group.add(sprite);
    });
    this.#host.invalidate();
  }
}

/** A sprite showing `text`, or null where there is no 2-D canvas (e.g. tests without a DOM). */
function textSprite(text: string, color: string): THREE.Sprite | null {
  if (typeof document === 'undefined') return null;
  const canvas = document.createElement('canvas');
  const h = 48;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.font = `600 ${h * 0.62}px system-ui, sans-serif`;
  const w = Math.ceil(ctx.measureText(text).width + h * 0.4);
  canvas.width = w;
  canvas.height = h;
  ctx.font = `600 ${h * 0.62}px system-ui, sans-serif`; // resizing the canvas resets the context
  ctx.fillStyle = color;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.fillText(text, w / 2, h / 2);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  const material = new THREE.SpriteMaterial({ map: texture, sizeAttenuation: false, depthWrite: false, transparent: true, opacity: 0.85 });
  const sprite = new THREE.Sprite(material);
  sprite.scale.set((LABEL_SCALE * w) / h, LABEL_SCALE, 1);
  sprite.renderOrder = 2;
  return sprite;
}
