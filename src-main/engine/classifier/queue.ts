/**
 * The in-app classifier's numbers of saved runs (./metrics.ts: Fréchet distance, generation
 * accuracy, the classifier's accuracy), added in the background so that nothing waits for a
 * classifier's training (30 epochs: 6–12 minutes for MNIST's 8,000 images on a quiet 2-core
 * machine, 40 and more under load; under a minute for a few hundred small images):
 *
 *  - a run's end queues the run (`later`, also `runs:metrics` for a run saved without them) —
 *    even with the classifier cached, since the numbers cost a decode and two classifier passes
 *    of 2,000 images on the engine's thread (tens of CPU seconds for a conv model); one run at a
 *    time, its dataset's classifier trained if needed (low-priority workers), the numbers
 *    computed on the engine's thread, the run's record patched and `runs:metricsUpdated` emitted;
 *  - a training start (`yieldToTraining`) stops a classifier training: the queue keeps its runs
 *    and carries on once no run starts or trains (`resume`), the classifier's training going on
 *    from its last epoch's checkpoint (./store.ts);
 *  - `cancel` (the user's `classifier:cancel`) stops it and drops the queue: those runs keep
 *    their metrics without the classifier's numbers, and their datasets are not queued again in
 *    this engine session, until `start` (the user's `classifier:start`: every saved run lacking
 *    the numbers is queued again, the training going on from its checkpoint);
 *  - a classifier another process trains (./trainLock.ts) is not trained here: the run's numbers
 *    are dropped with the sentence saying who trains it and how far it is (queued again when the
 *    run is opened later);
 *  - a dataset just chosen (`choose`: an image dataset with labels, before any run on it) has its
 *    classifier trained ahead of its first run, after the runs waiting, so that run's numbers
 *    come soon after its end instead of a whole classifier training later (a newcomer waited
 *    about 8 minutes); one choice at a time — a newer one takes its place, an earlier one's
 *    training giving way (its checkpoint stays) —, each dataset's at most once per engine, and
 *    never one the user cancelled this session;
 *  - `dispose` stops everything and waits for the queue's current step.
 */
import type { EventName, EventPayload } from '../../../src-shared/contract';
import { LabError, type DatasetRef, type Metrics } from '../../../src-shared/types';
import type { LoadedDataset } from '../datasets';
import { sameDataset, type LoadedRun, type RunCache } from '../runCache';
import type { RunStore } from '../runs';
import { hasClassifierMetrics, lacksClassifierMetrics, runClassifierMetrics } from './metrics';
import type { FittedPrior } from '../fittedPrior';
import type { LatentStats } from '../inference';
import { fittedPriorOf } from '../runPrior';
import { judgeable, type JudgeableData } from './model';
import type { ClassifierStore } from './store';
import { ClassifierTrainingElsewhere } from './trainLock';

type Emit = <N extends EventName>(name: N, payload: EventPayload<N>) => void;

export interface ClassifierQueueDeps {
  classifiers: ClassifierStore;
  store: RunStore;
  runs: RunCache;
  emit: Emit;
  /** True while a run starts or trains: the queue waits (the user's training comes first). */
  busy: () => boolean;
  /** Loads (or returns the memoised) dataset of a reference: a chosen dataset's classifier trains on it. */
  dataset: (ref: DatasetRef) => Promise<LoadedDataset>;
}

type Outcome = 'done' | 'deferred' | 'dropped';

/** A step of the queue: a run's numbers, or (`runId` null) a chosen dataset's classifier alone. */
interface Item {
  runId: string | null;
  dataset: DatasetRef;
}

const CANCELLED_NOTE = 'the classifier’s training was cancelled';

export class ClassifierQueue {
  /** Runs waiting for their classifier numbers, in order. */
  private readonly queue: { runId: string; dataset: DatasetRef }[] = [];
  /** The run, or chosen dataset, being worked on (out of `queue` or `chosen`). */
  private current: Item | null = null;
  /** The dataset chosen last (`choose`) whose classifier waits for its turn, after the runs; null: none. */
  private chosen: DatasetRef | null = null;
  /** The dataset chosen last, worked on or not: `start` asks for it again after a cancel. */
  private lastChoice: DatasetRef | null = null;
  /** Chosen datasets whose step ended (classifier trained, cached, none, failed): not asked again. */
  private readonly settled: DatasetRef[] = [];
  /** Runs whose fitted prior could not be fitted this session: their numbers come without `frechetFitted`. */
  private readonly unfittable = new Set<string>();
  /** Datasets whose classifier training the user cancelled: not queued again this session. */
  private readonly declined: DatasetRef[] = [];
  private draining: Promise<void> | null = null;
  /** The classifier training was stopped for a training start (not by the user). */
  private deferring = false;
  private disposed = false;

  constructor(private readonly deps: ClassifierQueueDeps) {}

  /** True when `runId`'s classifier numbers are queued or being computed (pending). */
  isPending(runId: string): boolean {
    return this.current?.runId === runId || this.queue.some((q) => q.runId === runId);
  }

  /**
   * Queues run `lr` when its saved metrics lack the classifier's numbers (or `frechetFitted`, for
   * runs saved before it: their fitted prior is fitted and saved first), its dataset can have
   * them (an image dataset with labels) and was not declined. True when they are pending.
   * Carries on with the queue in any case (a run's end calls it).
   */
  later(lr: LoadedRun): boolean {
    const m = lr.rec.metrics;
    const dataset = lr.rec.config.dataset;
    const wanted = !this.disposed && m !== null && lacksClassifierMetrics(m, lr.data, !this.unfittable.has(lr.rec.id)) && !this.declined.some((d) => sameDataset(d, dataset));
    if (wanted && !this.isPending(lr.rec.id)) {
      this.queue.push({ runId: lr.rec.id, dataset });
      this.runComesFirst(dataset);
    }
    // Also after a run without metrics: the queue waited for it.
    this.resume();
    return wanted;
  }

  /**
   * A dataset was just chosen (`ref`, loaded or listed as `data`): its classifier is trained in the
   * background ahead of its first run (cached or found in memory: nothing trained), once the runs
   * waiting have their numbers and no run starts or trains. It takes the place of an earlier
   * choice still waiting, and an earlier choice's training in progress gives way (its checkpoint
   * stays: a run on it, or a later choice of it, goes on from there). Nothing for data the
   * classifier does not take (toy 2-D points, unlabelled data: ./model.ts `judgeable`), for a dataset whose
   * chosen step already ended in this engine, or whose training the user cancelled this session.
   * True when its classifier is (still) asked for.
   */
  choose(ref: DatasetRef, data: JudgeableData): boolean {
    if (this.disposed || !judgeable(data)) return false;
    const same = (d: DatasetRef | null | undefined): boolean => !!d && sameDataset(d, ref);
    if (this.declined.some(same) || this.settled.some(same)) return false;
    this.lastChoice = ref;
    if (same(this.chosen) || (this.current?.runId === null && same(this.current.dataset))) return true;
    this.chosen = ref;
    if (this.current?.runId === null) this.giveWay();
    this.resume();
    return true;
  }

  /**
   * `classifier:start`: forgets the cancels and queues every saved run whose metrics lack the
   * classifier's numbers (newest first; toy 2-D data and runs without metrics left out; a run whose
   * dataset turns out to have no classifier gets `pending` false when its turn comes). Each
   * queued run gets `runs:metricsUpdated` with `pending` true. Returns how many were queued.
   */
  async start(): Promise<number> {
    if (this.disposed) return 0;
    this.declined.splice(0);
    let queued = 0;
    for (const r of await this.deps.store.list()) {
      const m = r.metrics;
      if (r.error || !m || hasClassifierMetrics(m, !this.unfittable.has(r.id)) || r.config.dataset.id.startsWith('toy-') || this.isPending(r.id)) continue;
      this.queue.push({ runId: r.id, dataset: r.config.dataset });
      this.deps.emit('runs:metricsUpdated', { runId: r.id, metrics: m, pending: true });
      this.runComesFirst(r.config.dataset);
      queued++;
    }
    // The dataset chosen last, its training cancelled: asked for again, after the runs.
    const last = this.lastChoice;
    if (last && !this.settled.some((d) => sameDataset(d, last)) && !(this.current?.runId === null && sameDataset(this.current.dataset, last))) this.chosen = last;
    this.resume();
    return queued;
  }

  /** A training starts: the classifier training (running or about to) stops; the queue waits for `resume`. */
  yieldToTraining(): void {
    if (!this.current) return;
    this.giveWay();
  }

  /** Carries on with the queue (after a run's end or a failed start), unless a run starts or trains. */
  resume(): void {
    if (this.draining || this.disposed || !this.hasWork || this.deps.busy()) return;
    // After the caller's own events (`training:done` first, then the queue's).
    this.draining = new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
  }

  /**
   * `classifier:cancel`: stops the classifier's training and drops the queue (each run gets
   * `runs:metricsUpdated` with `pending` false, the run being worked on when its step ends).
   * False when nothing was queued or training.
   */
  cancel(): boolean {
    const any = this.hasWork || this.current !== null || this.deps.classifiers.isTraining;
    const dropped = this.queue.splice(0);
    const chosen = this.chosen;
    this.chosen = null;
    for (const d of [...(this.current ? [this.current.dataset] : []), ...dropped.map((q) => q.dataset), ...(chosen ? [chosen] : [])]) {
      if (!this.declined.some((x) => sameDataset(x, d))) this.declined.push(d);
    }
    this.deferring = false;
    this.deps.classifiers.cancel();
    for (const q of dropped) this.dropped(q.runId, CANCELLED_NOTE);
    return any;
  }

  /**
   * Resolves once no step is in flight or due (the queue empty, or waiting for a run to end); a
   * classifier training that never ends keeps it pending (tests race it with their stand-in's).
   */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining.catch(() => undefined);
  }

  /** Stops the classifier's training and the queue; resolves when the queue's current step ended. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.deferring = false;
    this.queue.splice(0);
    this.chosen = null;
    this.deps.classifiers.cancel();
    await this.draining?.catch(() => undefined);
  }

  /** Runs waiting, or a chosen dataset's classifier. */
  private get hasWork(): boolean {
    return this.queue.length > 0 || this.chosen !== null;
  }

  /** The classifier training in progress (or about to start) stops, and its step is deferred. */
  private giveWay(): void {
    this.deferring = true;
    this.deps.classifiers.cancel();
  }

  /** A run on `dataset` was queued: a chosen dataset's training of another classifier gives way to it (goes on after). */
  private runComesFirst(dataset: DatasetRef): void {
    if (this.current?.runId === null && !sameDataset(this.current.dataset, dataset)) this.giveWay();
  }

  private async drain(): Promise<void> {
    try {
      while (this.hasWork && !this.disposed && !this.deps.busy()) {
        // The runs first; then the dataset chosen last.
        const q: Item = this.queue.shift() ?? { runId: null, dataset: this.chosen! };
        if (q.runId === null) this.chosen = null;
        this.current = q;
        // A stop asked for before this step (a training start, a newer choice) was for the previous one.
        this.deferring = false;
        const outcome = await (q.runId === null ? this.stepChosen(q.dataset) : this.step(q.runId)).catch((err: unknown) => this.failed(q, err));
        this.current = null;
        if (outcome === 'deferred') {
          // A run's turn comes again first; a chosen dataset's unless a newer choice took its place.
          if (q.runId !== null) this.queue.unshift({ runId: q.runId, dataset: q.dataset });
          else this.chosen ??= q.dataset;
          break;
        }
      }
    } finally {
      this.current = null;
      this.draining = null;
    }
    // A run that ended while the last step finished, or a newer choice that stopped it: carry on.
    if (!this.disposed && this.hasWork && !this.deps.busy()) this.resume();
  }

  /**
   * A chosen dataset: its classifier from memory, from its cache folder, or trained now (the
   * store's `get`: the status bar's `classifier:progress`). Deferred when a training start, a run
   * on another dataset or a newer choice stopped it.
   */
  private async stepChosen(ref: DatasetRef): Promise<Outcome> {
    const data = await this.deps.dataset(ref);
    if (this.deferring) return 'deferred';
    try {
      await this.deps.classifiers.get(ref, data);
    } catch (err) {
      if (err instanceof LabError && err.code === 'CANCELLED' && this.deferring && !this.disposed) return 'deferred';
      throw err;
    }
    this.settled.push(ref);
    return 'done';
  }

  /** One run: its dataset's classifier (trained if needed), its numbers, the record patched. */
  private async step(runId: string): Promise<Outcome> {
    const lr = await this.deps.runs.get(runId);
    if (this.deferring) return 'deferred';
    const saved = lr.rec.metrics;
    if (!saved || !lacksClassifierMetrics(saved, lr.data, !this.unfittable.has(runId))) {
      if (saved) this.deps.emit('runs:metricsUpdated', { runId, metrics: saved, pending: false });
      return 'done';
    }
    let clf;
    try {
      clf = await this.deps.classifiers.get(lr.rec.config.dataset, lr.data);
    } catch (err) {
      if (err instanceof LabError && err.code === 'CANCELLED' && this.deferring && !this.disposed) {
        this.deferring = false;
        return 'deferred';
      }
      throw err;
    }
    this.deferring = false;
    const extra = clf && (await runClassifierMetrics(clf, lr.bundle, lr.data, await this.optionsOf(lr)));
    if (!extra) {
      this.dropped(runId, 'this dataset has no classifier for this model', saved);
      return 'dropped';
    }
    // Only the metrics are patched (a rename meanwhile stays).
    const metrics = { ...(lr.rec.metrics ?? saved), ...extra };
    await this.deps.store.patch(runId, { metrics }, lr.rec);
    this.deps.emit('runs:metricsUpdated', { runId, metrics, pending: false });
    return 'done';
  }

  /**
   * The run's seed, AE statistics and fitted prior: a run saved before fitted priors gets one
   * fitted and saved now (../runPrior.ts); when that fails its numbers come without `frechetFitted`.
   */
  private async optionsOf(lr: LoadedRun): Promise<{ seed: number; stats: LatentStats | null; fittedPrior: FittedPrior | null }> {
    const fittedPrior = await fittedPriorOf(lr, this.deps.store).catch(() => {
      this.unfittable.add(lr.rec.id);
      return null;
    });
    return { seed: lr.rec.config.seed, stats: lr.rec.latentStats ?? null, fittedPrior };
  }

  private failed(q: Item, err: unknown): Outcome {
    const cancelled = err instanceof LabError && err.code === 'CANCELLED';
    if (q.runId === null) {
      // A chosen dataset's: the store said why in `classifier:progress` (a training's error), another
      // process trains it, or its data did not load (the user's check says why). Not asked again, unless the user cancelled it.
      if (!cancelled) this.settled.push(q.dataset);
      return 'dropped';
    }
    // Another process trains the classifier (./trainLock.ts): its sentence says who and how far, not a failure.
    const elsewhere = err instanceof ClassifierTrainingElsewhere;
    this.dropped(q.runId, cancelled ? CANCELLED_NOTE : elsewhere ? err.message : `the classifier metrics failed: ${err instanceof Error ? err.message : String(err)}`);
    return 'dropped';
  }

  /** Says that `runId`'s classifier numbers will not come (its metrics as saved). */
  private dropped(runId: string, message: string, metrics?: Metrics): void {
    const known = metrics ?? this.deps.runs.peek(runId)?.rec.metrics;
    const saved = known ? Promise.resolve(known) : this.deps.store.read(runId).then((r) => r.metrics, () => null);
    void saved.then((m) => {
      if (m && !this.disposed) this.deps.emit('runs:metricsUpdated', { runId, metrics: m, pending: false, message });
    });
  }
}
