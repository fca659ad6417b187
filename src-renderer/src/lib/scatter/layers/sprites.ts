/**
 * Images in the cloud: every point drawn as its own image, a square point sprite textured from a
 * sprite atlas (`../atlas.ts`). Tiles are packed into as many atlas pages as the count needs
 * (one `THREE.Points` per page, each with its own texture), so there is no single-texture limit.
 * A thin frame in the point's label colour keeps the classes readable; the hovered image is drawn
 * larger and in front of everything; hidden labels are hidden here too; positions tween like the
 * point cloud's. Pickable (the whole square).
 */
import * as THREE from 'three';
import { classColours, type ClassColours } from '../../palette';
import { atlasLayout, pageTexels, type SpriteTiles } from '../atlas';
import type { LayerHost, ScatterLayer } from '../layer';

const TWEEN_MS = 300;

const SPRITE_VERT = /* glsl */ `
attribute vec3 target;
attribute vec3 pcolor;
attribute float visible;
attribute float pid;
attribute float tile;
uniform float uT;
uniform float uSize;
uniform float uPixelRatio;
uniform float uHover;
uniform float uCols;
uniform vec2 uTileTexels;
varying vec2 vOrigin;
varying vec3 vColor;
varying vec3 vPick;
varying float vBorder;
void main() {
  vec3 p = mix(position, target, uT);
  vec4 mv = modelViewMatrix * vec4(p, 1.0);
  gl_Position = projectionMatrix * mv;
  float s = clamp(uSize * (3.0 / max(-mv.z, 0.05)), 4.0, 160.0);
  if (abs(pid - uHover) < 0.5) {
    s = max(s * 2.5, 96.0);
    gl_Position.z = -0.999 * gl_Position.w;
  }
  gl_PointSize = visible > 0.5 ? s * uPixelRatio : 0.0;
  if (visible < 0.5) gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
  float row = floor((tile + 0.5) / uCols);
  float col = tile - row * uCols;
  vOrigin = vec2(col, row) * uTileTexels;
  vColor = pcolor;
  vBorder = 1.5 / s;
  float id = pid + 1.0;
  vPick = vec3(mod(id, 256.0), mod(floor(id / 256.0), 256.0), floor(id / 65536.0)) / 255.0;
}`;

const SPRITE_FRAG = /* glsl */ `
uniform sampler2D uAtlas;
uniform vec2 uTileTexels;
uniform vec2 uPageTexels;
uniform float uGrey;
uniform float uPick;
varying vec2 vOrigin;
varying vec3 vColor;
varying vec3 vPick;
varying float vBorder;
void main() {
  if (uPick > 0.5) { gl_FragColor = vec4(vPick, 1.0); return; }
  vec2 pc = gl_PointCoord;
  float edge = min(min(pc.x, pc.y), min(1.0 - pc.x, 1.0 - pc.y));
  if (edge < vBorder) { gl_FragColor = vec4(vColor, 1.0); return; }
  vec2 uv = (vOrigin + 0.5 + pc * (uTileTexels - 1.0)) / uPageTexels;
  vec4 t = texture2D(uAtlas, uv);
  gl_FragColor = vec4(uGrey > 0.5 ? vec3(t.r) : t.rgb, 1.0);
}`;

/** What the layer draws: the tiles and the points they belong to (same order). */
export interface SpriteInput {
  tiles: SpriteTiles;
  count: number;
  /** count × 3 positions to show. */
  display: Float32Array;
  /** count × 3 positions to tween from, or null. */
  from: Float32Array | null;
  labels: Int32Array;
}

interface Page {
  points: THREE.Points;
  geometry: THREE.BufferGeometry;
  material: THREE.ShaderMaterial;
  pickMaterial: THREE.ShaderMaterial;
  texture: THREE.DataTexture;
  first: number;
  count: number;
}

export class SpritesLayer implements ScatterLayer<SpriteInput | null> {
  readonly name = 'sprites';
  #host!: LayerHost;
  #pages: Page[] = [];
  #tiles: SpriteTiles | null = null;
  #labels: Int32Array = new Int32Array(0);
  #colours: ClassColours = classColours([]);
  #count = 0;
  #hidden = new Set<number>();
  #size = 28;
  #hover = -1;
  #t = 1;
  #tweening = false;
  #tweenStart = 0;

  /** Atlas pages (textures) in use. */
  get pageCount(): number {
    return this.#pages.length;
  }

  /** Images drawn. */
  get count(): number {
    return this.#count;
  }

  attach(host: LayerHost): void {
    this.#host = host;
  }

  /** New images and positions (null removes them); new tiles rebuild the atlas pages. */
  update(input: SpriteInput | null): void {
    if (!input || !input.count) {
      this.#clear();
      this.#host.invalidate();
      return;
    }
    if (input.tiles !== this.#tiles || input.count !== this.#count) this.#build(input.tiles, input.count);
    this.#labels = input.labels;
    for (const pg of this.#pages) {
      const g = pg.geometry;
      const n = pg.count;
      const slice = (a: Float32Array) => a.subarray(pg.first * 3, (pg.first + n) * 3);
      (g.getAttribute('target').array as Float32Array).set(slice(input.display));
      (g.getAttribute('position').array as Float32Array).set(slice(input.from ?? input.display));
      for (const name of ['target', 'position']) g.getAttribute(name).needsUpdate = true;
    }
    this.#writeColours();
    this.#writeVisibility();
    this.#t = input.from ? 0 : 1;
    this.#tweening = !!input.from;
    this.#tweenStart = performance.now();
    this.#setUniform('uT', this.#t);
    this.#host.invalidate();
  }

  /** The drawn run's class colours (`classColours` of its class names); recolours the images' rims shown. */
  setColours(colours: ClassColours): void {
    if (colours === this.#colours) return;
    this.#colours = colours;
    if (!this.#pages.length) return;
    this.#writeColours();
    this.#host.invalidate();
  }

  /** Each page's colours from its images' labels (`#colours`), flagged for upload. */
  #writeColours(): void {
    for (const pg of this.#pages) {
      const col = pg.geometry.getAttribute('pcolor');
      const ca = col.array as Float32Array;
      for (let i = 0; i < pg.count; i++) ca.set(this.#colours.rgb(this.#labels[pg.first + i]), i * 3);
      col.needsUpdate = true;
    }
  }

  /** Hide the images of these labels. */
  setHidden(hidden: Iterable<number>): void {
    this.#hidden = new Set(hidden);
    this.#writeVisibility();
    this.#host.invalidate();
  }

  /** Image size in CSS pixels at the default camera distance (images shrink and grow with depth). */
  setSize(px: number): void {
    this.#size = px;
    this.#setUniform('uSize', px);
    this.#host.invalidate();
  }

  /** The hovered point (drawn larger, in front), or null. */
  setHover(i: number | null): void {
    const h = i ?? -1;
    if (h === this.#hover) return;
    this.#hover = h;
    for (const pg of this.#pages) pg.material.uniforms.uHover.value = h;
    this.#host.invalidate();
  }

  frame(now: number): boolean {
    if (!this.#tweening) return false;
    const t = Math.min(1, (now - this.#tweenStart) / TWEEN_MS);
    this.#t = t < 1 ? 1 - Math.pow(1 - t, 3) : 1;
    if (t >= 1) this.#tweening = false;
    this.#setUniform('uT', this.#t);
    this.#host.invalidate();
    return this.#tweening;
  }

  beginPick(): number {
    if (!this.#count) return 0;
    for (const pg of this.#pages) pg.points.material = pg.pickMaterial;
    return this.#count;
  }

  endPick(): void {
    for (const pg of this.#pages) pg.points.material = pg.material;
  }

  dispose(): void {
    this.#clear();
  }

  #setUniform(name: 'uT' | 'uSize', v: number): void {
    for (const pg of this.#pages) {
      pg.material.uniforms[name].value = v;
      pg.pickMaterial.uniforms[name].value = v;
    }
  }

  #clear(): void {
    for (const pg of this.#pages) {
      this.#host.group.remove(pg.points);
      pg.geometry.dispose();
      pg.material.dispose();
      pg.pickMaterial.dispose();
      pg.texture.dispose();
    }
    this.#pages = [];
    this.#tiles = null;
    this.#count = 0;
  }

  #build(tiles: SpriteTiles, count: number): void {
    this.#clear();
    this.#tiles = tiles;
    this.#count = Math.min(count, tiles.count);
    const layout = atlasLayout(this.#count, tiles.width, tiles.height);
    for (let p = 0; p < layout.pages; p++) {
      const first = p * layout.perPage;
      const n = Math.min(layout.perPage, this.#count - first);
      const texture = new THREE.DataTexture(
        pageTexels(tiles, layout, p),
        layout.pageWidth,
        layout.pageHeight,
        tiles.channels === 1 ? THREE.RedFormat : THREE.RGBAFormat,
        THREE.UnsignedByteType,
      );
      texture.unpackAlignment = 1;
      texture.magFilter = THREE.NearestFilter;
      texture.minFilter = THREE.LinearFilter;
      texture.generateMipmaps = false;
      texture.needsUpdate = true;
      const geometry = new THREE.BufferGeometry();
      const attr = (size: number, array?: Float32Array) => new THREE.BufferAttribute(array ?? new Float32Array(n * size), size);
      geometry.setAttribute('position', attr(3).setUsage(THREE.DynamicDrawUsage));
      geometry.setAttribute('target', attr(3).setUsage(THREE.DynamicDrawUsage));
      geometry.setAttribute('pcolor', attr(3));
      geometry.setAttribute('visible', attr(1));
      geometry.setAttribute('pid', attr(1, Float32Array.from({ length: n }, (_, i) => first + i)));
      geometry.setAttribute('tile', attr(1, Float32Array.from({ length: n }, (_, i) => i)));
      geometry.boundingSphere = new THREE.Sphere(new THREE.Vector3(), 1e6);
      const uniforms = () => ({
        uT: { value: this.#t },
        uSize: { value: this.#size },
        uPixelRatio: { value: this.#host.pixelRatio },
        uHover: { value: this.#hover },
        uCols: { value: layout.cols },
        uTileTexels: { value: new THREE.Vector2(tiles.width, tiles.height) },
        uPageTexels: { value: new THREE.Vector2(layout.pageWidth, layout.pageHeight) },
        uAtlas: { value: texture },
        uGrey: { value: tiles.channels === 1 ? 1 : 0 },
        uPick: { value: 0 },
      });
      const material = new THREE.ShaderMaterial({ uniforms: uniforms(), vertexShader: SPRITE_VERT, fragmentShader: SPRITE_FRAG });
      const pu = uniforms();
      pu.uPick.value = 1;
      pu.uHover.value = -1;
      pu.uPixelRatio.value = 1;
      const pickMaterial = new THREE.ShaderMaterial({ uniforms: pu, vertexShader: SPRITE_VERT, fragmentShader: SPRITE_FRAG, blending: THREE.NoBlending });
      const points = new THREE.Points(geometry, material);
      points.frustumCulled = false;
      this.#host.group.add(points);
      this.#pages.push({ points, geometry, material, pickMaterial, texture, first, count: n });
    }
  }

  #writeVisibility(): void {
    for (const pg of this.#pages) {
      const attr = pg.geometry.getAttribute('visible') as THREE.BufferAttribute;
      const v = attr.array as Float32Array;
      for (let i = 0; i < pg.count; i++) v[i] = this.#hidden.has(this.#labels[pg.first + i]) ? 0 : 1;
      attr.needsUpdate = true;
    }
  }
}
