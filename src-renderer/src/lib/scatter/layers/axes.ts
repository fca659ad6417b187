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
    this.#names.slice(0, 3).forEach((name, k) => {
      const sprite = textSprite(name, this.#dark ? '#cbd5e1' : '#334155');
      if (!sprite) return;
      sprite.position.set(...ENDS[k]);
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
