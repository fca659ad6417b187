/**
 * The Compare tab: the same test points under two runs, side by side, with their metrics and (on
 * image data) each run's prior samples (the same seeded z where the latent sizes match) and its
 * reconstructions of the same test images. Which numbers compare, and the suggested pair, are
 * ./compareRules.ts.
 */
import type { DatasetInfo, ImageBatch, RequestOutput, RunSummary, SamplePrior } from '../../lib/contract';
import { errorText } from '../../lib/errors';
import type { Lab } from '../lab.svelte';
import type { StateApi } from '../port';
import { ScatterState } from '../scatter.svelte';
import { tileSize } from '../../lib/tileSize';
import { suggestPair } from './compareRules';
import { columnLabels, runTraining, trainCountOf, trainLikeBlock, trainLikeForm, trainLikePlan, type RunTraining, type TrainLikePlan } from './compareTraining';

/**
 * Prior samples and reconstructions shown per run (image data only). 6 reconstructions: one row of
 * them under the originals, each 56 px (2× an MNIST digit) in the 1280-px window's panel; 8 would
 * need tiles under Generate's smallest (`TILE_MIN`).
 */
export const COMPARE_SAMPLES = 16;
export const COMPARE_RECONS = 6;
/** Samples per row in each run's column (A's beside B's): 3 of Generate's smallest tiles or more fit half the 1280-px window's panel, 4 do not. */
export const COMPARE_SAMPLE_COLUMNS = 3;
/** The gap between run A's column and run B's, CSS px (CompareImages' `.cols`). */
export const COMPARE_COLUMN_GAP = 10;

/**
 * The size, CSS px, of Compare's sample tiles and of its originals and reconstructions, in a
 * section `width` px wide (0: not measured yet) of images `imagePx` pixels wide: as Generate's
 * (`tileSize`, a whole multiple of the pixels when that costs little), the samples sharing half
 * the width (less the gap) by `COMPARE_SAMPLE_COLUMNS`, the reconstructions the whole width by
 * `COMPARE_RECONS`. 56 px each (2× an MNIST digit) in the 1280-px window's panel (about 365 px),
 * where they were 36 and 28 px.
 */
export function compareTileSizes(width: number, imagePx: number): { sample: number; recon: number } {
  const half = width > 0 ? (width - COMPARE_COLUMN_GAP) / 2 : 0;
  return {
    sample: tileSize({ width: half, columns: COMPARE_SAMPLE_COLUMNS, imagePx }),
    recon: tileSize({ width, columns: COMPARE_RECONS, imagePx }),
  };
}

/** The seed of the compared samples: both runs decode the same z when their latent sizes match. */
export const COMPARE_SEED = 1;

/** One run's images in the comparison: prior samples, and reconstructions of the first test images. */
export interface CompareImages {
  /**
   * The samples, with the `prior` they were drawn from and the label each was decoded as (a CVAE's
   * classes in turn, as `model:generate` gives them for no label; −1 for a model that is not conditional).
   */
  samples: ImageBatch & { prior: SamplePrior; labels: Int32Array };
  recons: { originals: Float32Array; reconstructions: Float32Array; count: number; shape: number[] };
}


/**
 * The centre pane's words while no comparison is shown: how many finished runs there are decides
 * (fewer than two: train another; else pick them in this tab's pickers and press Compare).
 */
export function compareEmptyText(loading: boolean, finishedRuns: number, sameRun = false): string {
  if (loading) return 'Loading…';
  if (sameRun) return SAME_RUN_TEXT;
  if (finishedRuns < 2) return 'Train two runs (an autoencoder and a VAE, or a VAE and a VAE-GAN) to compare them here.';
  return 'Choose run A and run B on the right, then press Compare.';
}

/** Why nothing is compared when Run A and Run B are one run (Compare is off). */
export const SAME_RUN_TEXT = 'Run A and Run B are the same run on both sides: nothing to compare. Pick another run for one side.';

export class CompareState {
  #runA = $state<string | null>(null);
  #runB = $state<string | null>(null);
  /** Whether the picked pair was compared on its own once (`autoLoad`). */
  #autoLoaded = false;
  /**
   * The run "Train A again like B" started, to be shown in its side's place beside the same other
   * run once it is done (`applyTrainedLike`): the pair it was offered on (`a`, `b`: run ids) and the
   * side it replaces. Null when none is waiting.
   */
  #trainedLike = $state.raw<{ runId: string; side: 'A' | 'B'; a: string; b: string } | null>(null);
  readonly a: ScatterState;
  readonly b: ScatterState;
  metricsA = $state.raw<RequestOutput<'runs:metrics'> | null>(null);
  metricsB = $state.raw<RequestOutput<'runs:metrics'> | null>(null);
  imagesA = $state.raw<CompareImages | null>(null);
  imagesB = $state.raw<CompareImages | null>(null);
  /**
   * Each run's own data as the engine prepared it for the run (`datasets:prepare` with the run's
   * dataset reference): your own data's class names and training set size, which the engine's
   * list knows only for the folder checked in the Train form. Null until compared, and for
   * built-in data (see `dataset`).
   */
  dataA = $state.raw<DatasetInfo | null>(null);
  dataB = $state.raw<DatasetInfo | null>(null);
  /**
   * Where both runs' samples are drawn from (`Settings.samplePrior`: the one choice Generate, Export
   * and Explore share, persisted); kept across comparisons.
   */
  get prior(): SamplePrior {
    return this.lab.settings.samplePrior;
  }
  /** The prior of the samples being drawn by `setPrior` (null: none): not asked for twice. */
  #drawing: SamplePrior | null = null;
  /** Why the images could not be fetched (the scatters and metrics still show). */
  imagesError = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #seq = 0;

  constructor(
    private readonly lab: Lab,
    private readonly api: StateApi,
  ) {
    this.a = new ScatterState(api);
    this.b = new ScatterState(api);
  }

  /** Run A's id. Picking another run drops the comparison shown or loading: it was of the old pair. */
  get runA(): string | null {
    return this.#runA;
  }
  set runA(id: string | null) {
    if (id === this.#runA) return;
    this.#runA = id;
    this.#drop();
  }
  /** Run B's id (as `runA`). */
  get runB(): string | null {
    return this.#runB;
  }
  set runB(id: string | null) {
    if (id === this.#runB) return;
    this.#runB = id;
    this.#drop();
  }

  /**
   * Both runs are picked but their numbers are not measured (nor being measured, nor failed): the
   * table waits for Compare, and says so instead of a column of "—".
   */
  get notCompared(): boolean {
    return !!this.runA && !!this.runB && !this.sameRun && !this.loading && !this.error && (!this.metricsA || !this.metricsB);
  }

  /** Run A and Run B are the same run: nothing is compared (`load` does nothing; the tab says `SAME_RUN_TEXT`). */
  get sameRun(): boolean {
    return !!this.runA && this.runA === this.runB;
  }

  /** Forget the comparison shown and any in flight (its answers are ignored). */
  #drop(): void {
    this.#seq++;
    this.loading = false;
    this.error = this.imagesError = null;
    this.metricsA = this.metricsB = null;
    this.imagesA = this.imagesB = null;
    this.dataA = this.dataB = null;
    this.a.clear();
    this.b.clear();
  }

  /**
   * Compare the picked pair on its own, once: when the tab first shows two picked runs (after a
   * reload, the suggested pair) nothing is compared yet, and the table would show only "—" until
   * Compare is pressed. Later picks wait for Compare.
   */
  autoLoad(): void {
    if (this.#autoLoaded || !this.runA || !this.runB || this.sameRun || this.loading || this.metricsA) return;
    this.#autoLoaded = true;
    void this.load();
  }

  /** Latents of the same first `limit` test points under both runs, plus their metrics; nothing when both sides are one run (`sameRun`). */
  async load(limit = 2000): Promise<void> {
    const { runA, runB } = this;
    const seq = ++this.#seq;
    this.error = null;
    if (!runA || !runB || this.sameRun) return;
    this.loading = true;
    const side = async (runId: string, scatter: ScatterState, which: 'metricsA' | 'metricsB') => {
      const batch = await this.api.invoke('model:latents', { runId, split: 'test', limit });
      if (seq !== this.#seq) return;
      scatter.clear();
      await scatter.setBatch(batch, { runId, live: false }, 'pca');
      const m = await this.api.invoke('runs:metrics', { runId });
      if (seq === this.#seq) this[which] = m;
    };
    this.metricsA = this.metricsB = null;
    this.imagesA = this.imagesB = null;
    this.imagesError = null;
    try {
      // One at a time: the engine works through requests in order anyway.
      await side(runA, this.a, 'metricsA');
      await side(runB, this.b, 'metricsB');
      const [da, db] = [await this.#ownData(runA), await this.#ownData(runB)];
      if (seq === this.#seq) [this.dataA, this.dataB] = [da, db];
    } catch (err) {
      if (seq === this.#seq) this.error = errorText(err);
    }
    try {
      if (seq === this.#seq && this.#isImage(runA) && this.#isImage(runB)) {
        const a = await this.#images(runA);
        const b = await this.#images(runB);
        if (seq === this.#seq) [this.imagesA, this.imagesB] = [a, b];
      }
    } catch (err) {
      if (seq === this.#seq) this.imagesError = errorText(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** `runs:metricsUpdated`: a shown run's metrics changed (the classifier's numbers came, or will not). */
  onMetricsUpdated(runId: string, metrics: RequestOutput<'runs:metrics'>): void {
    if (this.runA === runId && this.metricsA) this.metricsA = metrics;
    if (this.runB === runId && this.metricsB) this.metricsB = metrics;
  }

  /**
   * Side `which`'s dataset: its own data as prepared for the run once compared, else the engine's
   * list entry of the run's dataset id (for your own data that is the folder checked in the Train
   * form, not necessarily the run's: callers check its report's path). Undefined without a run.
   */
  dataset(which: 'a' | 'b'): DatasetInfo | undefined {
    const own = which === 'a' ? this.dataA : this.dataB;
    if (own) return own;
    const r = this.lab.runs.list.find((x) => x.id === (which === 'a' ? this.runA : this.runB));
    if (!r || r.config.dataset.id === 'local') return undefined;
    return this.lab.engine.dataset(r.config.dataset.id);
  }

  /** Run `id`'s own data (`Lab.ownDataInfo`); null for built-in data or when it cannot be read (class names stay numbers, the steps unknown: the cell's tooltip says why). */
  async #ownData(id: string): Promise<DatasetInfo | null> {
    const r = this.lab.runs.list.find((x) => x.id === id);
    return r ? this.lab.ownDataInfo(r.config.dataset) : null;
  }

  /** Whether run `id` is on image data (a run on an unknown dataset counts as images: the engine answers for it). */
  #isImage(id: string): boolean {
    const r = this.lab.runs.list.find((x) => x.id === id);
    return this.lab.engine.dataset(r?.config.dataset.id)?.isImage ?? true;
  }

  /**
   * Choose where samples are drawn from (the shared setting) and draw both runs' samples from
   * `prior` unless the ones shown already are; the reconstructions, scatters and metrics stay.
   * Also called with the setting as it is when the tab shows samples drawn before it changed
   * elsewhere (Generate, Export). Without images on screen (or while loading) only the choice
   * changes: the next load uses it.
   */
  async setPrior(prior: SamplePrior): Promise<void> {
    this.lab.settings.samplePrior = prior;
    const { runA, runB, imagesA, imagesB } = this;
    if (!runA || !runB || !imagesA || !imagesB || this.loading) return;
    if (imagesA.samples.prior === prior && imagesB.samples.prior === prior) return;
    if (this.#drawing === prior) return;
    this.#drawing = prior;
    const seq = this.#seq;
    const current = () => seq === this.#seq && this.prior === prior;
    try {
      const a = await this.#samples(runA, prior);
      const b = await this.#samples(runB, prior);
      if (!current()) return;
      this.imagesA = { ...imagesA, samples: a };
      this.imagesB = { ...imagesB, samples: b };
      this.imagesError = null;
    } catch (err) {
      if (current()) this.imagesError = errorText(err);
    } finally {
      if (this.#drawing === prior) this.#drawing = null;
    }
  }

  /** Run `runId`'s `COMPARE_SAMPLES` samples from `prior`, seeded (`COMPARE_SEED`) at temperature 1. */
  async #samples(runId: string, prior: SamplePrior): Promise<CompareImages['samples']> {
    const samples = await this.api.invoke('model:generate', { runId, count: COMPARE_SAMPLES, temperature: 1, seed: COMPARE_SEED, prior });
    return { ...samples, prior };
  }

  /** Run `runId`'s seeded samples (from the chosen prior) and its reconstructions of the first test images. */
  async #images(runId: string): Promise<CompareImages> {
    const samples = await this.#samples(runId, this.prior);
    const r = await this.api.invoke('model:reconstruct', { runId, split: 'test', offset: 0, count: COMPARE_RECONS, worstFirst: false });
    return { samples, recons: { originals: r.originals, reconstructions: r.reconstructions, count: r.count, shape: r.shape } };
  }

  /** The runs Compare offers: saved runs with at least one epoch, not broken. */
  get offered(): RunSummary[] {
    return this.lab.runs.list.filter((r) => !r.error && r.epochsDone > 0);
  }

  /** The picked run of side `which` among the runs Compare offers (`offered`); undefined when none. */
  run(which: 'a' | 'b'): RunSummary | undefined {
    const id = which === 'a' ? this.runA : this.runB;
    return this.offered.find((r) => r.id === id);
  }

  /** The two columns' headings, "A · VAE z=3 batch 64 LR decay" beside "B · VAE z=3" (`columnLabels`: same-named runs told apart). */
  get columnLabels(): [string, string] {
    return columnLabels(this.run('a'), this.run('b'), this.offered);
  }

  /** How side `which`'s run trained (`runTraining`: batch, epochs, steps when its data's size is known, schedule); undefined without a run. */
  training(which: 'a' | 'b'): RunTraining | undefined {
    const r = this.run(which);
    return r ? runTraining(r, trainCountOf(r, this.lab.engine.datasets, which === 'a' ? this.dataA : this.dataB)) : undefined;
  }

  /** The offer to train one run again like the other (`trainLikePlan`), when the two did not train alike; null otherwise (or without two different runs). */
  get trainLike(): TrainLikePlan | null {
    const [a, b] = [this.run('a'), this.run('b')];
    const [ta, tb] = [this.training('a'), this.training('b')];
    if (!a || !b || !ta || !tb || this.sameRun) return null;
    return trainLikePlan([a, b], [ta, tb]);
  }

  /** Why the offer cannot start now (`trainLikeBlock`: a run training, the engine not ready, different data), or null. */
  get trainLikeBlocked(): string | null {
    const p = this.trainLike;
    if (!p) return null;
    return trainLikeBlock(p, { training: this.lab.training.active || this.lab.training.pending, engineReady: this.lab.engine.state === 'ready' });
  }

  /**
   * Train one run again like the other (`trainLike`): the Train form takes the run's own settings
   * with the other's batch size, schedule and epochs (`trainLikeForm`), and the training starts as
   * from the Train button (from this tab the centre then shows the live run: `Lab.startTraining`).
   * Nothing when there is no offer or it is blocked.
   */
  async trainAgainLike(): Promise<void> {
    const p = this.trainLike;
    if (!p || this.trainLikeBlocked) return;
    const [a, b] = [this.runA, this.runB];
    if (!a || !b) return;
    const before = this.lab.training.runId;
    this.lab.settings.setForm(trainLikeForm(p, this.lab.settings.train, this.lab.ownData.kind(p.run.config.dataset)));
    await this.lab.startTraining();
    const runId = this.lab.training.runId;
    if (runId && runId !== before && this.lab.training.active) this.#trainedLike = { runId, side: p.side, a, b };
  }

  /** The run "Train A again like B" started and not yet shown here (its id), or null. */
  get trainedLikePending(): string | null {
    return this.#trainedLike?.runId ?? null;
  }

  /**
   * Show the run "Train A again like B" started (`trainAgainLike`) in its side's place, beside the
   * same other run, once it is done (listed as 'done' with an epoch saved), and compare the pair:
   * the two then trained alike, so the offer is gone. Called when the run list changes while the
   * tab shows, and when it is shown again. Forgotten, without changing the pair, when the pair was
   * changed meanwhile (the user's pick stands), or the run was stopped, failed or deleted. True
   * when the pair was changed.
   */
  applyTrainedLike(): boolean {
    const t = this.#trainedLike;
    if (!t) return false;
    if (this.runA !== t.a || this.runB !== t.b) {
      this.#trainedLike = null;
      return false;
    }
    const r = this.lab.runs.list.find((x) => x.id === t.runId);
    // Not listed yet (the list refreshes after the start), or still training: wait.
    if (!r ? this.lab.training.runId === t.runId : r.state === 'training' || r.state === 'paused') return false;
    this.#trainedLike = null;
    if (!r || r.error || r.state !== 'done' || r.epochsDone <= 0) return false;
    if (t.side === 'A') this.runA = r.id;
    else this.runB = r.id;
    void this.load();
    return true;
  }

  /**
   * Pick a sensible pair (`suggestPair`) unless both picked runs still exist: the open run when it
   * has a partner on its data, runs that did not collapse, a telling pair of kinds.
   */
  suggest(): void {
    const runs = this.offered;
    if (this.runA && this.runB && runs.some((r) => r.id === this.runA) && runs.some((r) => r.id === this.runB)) return;
    const [a, b] = suggestPair(runs, this.lab.runs.activeId);
    this.runA = a;
    this.runB = b;
  }
}
