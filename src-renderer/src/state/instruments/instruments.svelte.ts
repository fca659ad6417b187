/**
 * The exploration instruments of the open model (issue #14), one state class each: latent
 * sliders, the traversal grid, per-dimension KL, denoising, typicality of an encoded image, the
 * selected point's nearest neighbours, images in the cloud and the data-space plot of toy sets.
 * Built once by `Lab`; `reset` when another model comes on screen.
 */
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';
import { CloudImagesState } from './cloud.svelte';
import { DataSpaceState } from './data-space.svelte';
import { DenoiseState } from './denoise.svelte';
import { DimStatsState } from './dims.svelte';
import { NeighboursState } from './neighbours.svelte';
import { SliderState } from './sliders.svelte';
import { TraversalState } from './traversal.svelte';
import { TypicalityState } from './typicality.svelte';

export class Instruments {
  readonly sliders: SliderState;
  readonly traversal: TraversalState;
  readonly dims: DimStatsState;
  readonly denoise: DenoiseState;
  readonly typicality: TypicalityState;
  readonly neighbours: NeighboursState;
  readonly cloud: CloudImagesState;
  readonly dataSpace: DataSpaceState;

  /** `schedule` starts coalesced requests (default: the next animation frame). */
  constructor(lab: Lab, api: StateApi, schedule?: (cb: () => void) => void) {
    this.sliders = new SliderState(lab, api, schedule);
    this.traversal = new TraversalState(lab, api);
    this.dims = new DimStatsState(lab, api);
    this.denoise = new DenoiseState(lab, api, schedule);
    this.typicality = new TypicalityState(api);
    this.neighbours = new NeighboursState(lab, api);
    this.cloud = new CloudImagesState(lab, api);
    this.dataSpace = new DataSpaceState(lab, api);
  }

  /** Another model is on screen: drop what belonged to the previous one. */
  reset(): void {
    this.sliders.reset();
    this.traversal.reset();
    this.dims.reset();
    this.denoise.reset();
    this.typicality.reset();
    this.neighbours.reset();
    this.cloud.reset();
    this.dataSpace.reset();
  }
}
