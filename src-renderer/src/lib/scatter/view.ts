/**
 * The latent scatter as the app draws it: a `ScatterCore` with the standard layers, added in
 * draw order: points, images (sprites, off until given tiles), markers, interpolation path, axes,
 * the sliders' probe. Components and the scatter bench use
 * this; a new layer is one more field here plus a line in the constructor.
 */
import type { ClassColours } from '../palette';
import { ScatterCore, type ScatterCoreOptions } from './core';
import { AxesLayer } from './layers/axes';
import { MarkersLayer } from './layers/markers';
import { PathLayer } from './layers/path';
import { PointsLayer, type ViewData } from './layers/points';
import { ProbeLayer } from './layers/probe';
import { SpritesLayer, type SpriteInput } from './layers/sprites';

export type { CameraState, ClickHit, ScatterCoreOptions } from './core';
export type { ViewData } from './layers/points';
export type { ViewMarker } from './layers/markers';
export type { SpriteInput } from './layers/sprites';

export class ScatterView {
  readonly core: ScatterCore;
  readonly points: PointsLayer;
  readonly sprites: SpritesLayer;
  readonly markers: MarkersLayer;
  readonly path: PathLayer;
  readonly axes: AxesLayer;
  readonly probe: ProbeLayer;

  /** Creates the WebGL canvas inside `container` (throws when WebGL is unavailable). */
  constructor(container: HTMLElement, opts: ScatterCoreOptions = {}) {
    this.core = new ScatterCore(container, opts);
    this.points = this.core.add(new PointsLayer());
    this.sprites = this.core.add(new SpritesLayer());
    this.markers = this.core.add(new MarkersLayer());
    this.path = this.core.add(new PathLayer());
    this.axes = this.core.add(new AxesLayer());
    this.probe = this.core.add(new ProbeLayer());
  }

  /** New points (and the axes with them); `dim === 2` data should also call `core.setFlat(true)`. */
  setData(d: ViewData): void {
    this.axes.update(d.count > 0);
    this.points.update(d);
  }

  /** The drawn run's class colours (`classColours` of its own class names) for its points and images. */
  setColours(colours: ClassColours): void {
    this.points.setColours(colours);
    this.sprites.setColours(colours);
  }

  /** Draw every point as its image (`input`, same order as the points), or the point cloud again (null). */
  setImages(input: SpriteInput | null): void {
    this.sprites.update(input);
    this.points.setVisible(!input);
  }

  dispose(): void {
    this.core.dispose();
  }
}
