/**
 * The one interface every visual layer of the scatter implements. The core (`core.ts`) owns the
 * renderer, scene, camera, input, picking and the render loop; a layer owns a few three.js
 * objects inside the group the core gives it, and its own typed `update(input)`.
 *
 * Adding a layer: write `layers/<name>.ts` with a class implementing `ScatterLayer<YourInput>`,
 * create its objects in `attach` and put them into `host.group` (objects of equal render order
 * draw in the order they were made, so making them there keeps the order of `core.add`), call `host.invalidate()` when it changed, free
 * its geometry and materials in `dispose`, then `core.add(layer)` it (see `view.ts`).
 */
import type * as THREE from 'three';

/** What the core offers a layer. */
export interface LayerHost {
  /** The layer's own group in the scene; the core hides it during the picking pass. */
  readonly group: THREE.Group;
  /** Device pixels per CSS pixel (capped at 2), for sizes given in CSS pixels. */
  readonly pixelRatio: number;
  /** Whether the dark theme is on. */
  readonly dark: boolean;
  /** Something changed: draw on the next animation frame. */
  invalidate(): void;
  /**
   * The data under the cursor changed: draw, forget the last hover hit, and report `onDrawn` once
   * the frame is drawn and no layer is animating any more.
   */
  dataChanged(): void;
}

export interface ScatterLayer<In = unknown> {
  /** Short name, for debugging. */
  readonly name: string;
  /** Called once by `core.add`: create the three.js objects and put them in `host.group`. */
  attach(host: LayerHost): void;
  /** New input for this layer (its points, markers, path…). */
  update(input: In): void;
  /** Free geometry and materials; the core removes the group. */
  dispose(): void;
  /** The theme changed (also called once right after `attach`). */
  setTheme?(dark: boolean): void;
  /** Called every animation frame before drawing; return true while still animating (e.g. a tween). */
  frame?(now: number): boolean;
  /**
   * GPU picking. A layer that can be picked switches to a material drawing item ids (id + 1 as
   * 24-bit RGB) and returns how many ids it drew; a layer that returns 0, or has no hook, is
   * hidden for the pass. `endPick` undoes `beginPick`.
   */
  beginPick?(): number;
  endPick?(): void;
}
