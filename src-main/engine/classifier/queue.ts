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
 *  - `dispose` stops everything and waits for the queue's current step.
 */
import type { EventName, EventPayload } from '../../../src-shared/contract';
import { LabError, type DatasetRef, type Metrics } from '../../../src-shared/types';
import { sameDataset, type LoadedRun, type RunCache } from '../runCache';
import type { RunStore } from '../runs';
import { hasClassifierMetrics, lacksClassifierMetrics, runClassifierMetrics } from './metrics';
import type { FittedPrior } from '../fittedPrior';
import type { LatentStats } from '../inference';
import { fittedPriorOf } from '../runPrior';
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
}

type Outcome = 'done' | 'deferred' | 'dropped';

const CANCELLED_NOTE = 'the classifier’s training was cancelled';

export class ClassifierQueue {
  /** Runs waiting for their classifier numbers, in order. */
  private readonly queue: { runId: string; dataset: DatasetRef }[] = [];
  /** The run being worked on (out of `queue`). */
  private current: { runId: string; dataset: DatasetRef } | null = null;
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
    if (wanted && !this.isPending(lr.rec.id)) this.queue.push({ runId: lr.rec.id, dataset });
    // Also after a run without metrics: the queue waited for it.
    this.resume();
    return wanted;
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
      queued++;
    }
    this.resume();
    return queued;
  }

  /** A training starts: the classifier training (running or about to) stops; the queue waits for `resume`. */
  yieldToTraining(): void {
    if (!this.current) return;
    this.deferring = true;
    this.deps.classifiers.cancel();
  }

  /** Carries on with the queue (after a run's end or a failed start), unless a run starts or trains. */
  resume(): void {
    if (this.draining || this.disposed || !this.queue.length || this.deps.busy()) return;
    // After the caller's own events (`training:done` first, then the queue's).
    this.draining = new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
  }

  /**
   * `classifier:cancel`: stops the classifier's training and drops the queue (each run gets
   * `runs:metricsUpdated` with `pending` false, the run being worked on when its step ends).
   * False when nothing was queued or training.
   */
  cancel(): boolean {
    const any = this.queue.length > 0 || this.current !== null || this.deps.classifiers.isTraining;
    const dropped = this.queue.splice(0);
    for (const q of [...(this.current ? [this.current] : []), ...dropped]) {
      if (!this.declined.some((d) => sameDataset(d, q.dataset))) this.declined.push(q.dataset);
    }
    this.deferring = false;
    this.deps.classifiers.cancel();
    for (const q of dropped) this.dropped(q.runId, CANCELLED_NOTE);
    return any;
  }

  /** Stops the classifier's training and the queue; resolves when the queue's current step ended. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.deferring = false;
    this.queue.splice(0);
    this.deps.classifiers.cancel();
    await this.draining?.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length && !this.disposed && !this.deps.busy()) {
        const q = this.queue.shift()!;
        this.current = q;
        const outcome = await this.step(q.runId).catch((err: unknown) => this.failed(q.runId, err));
        this.current = null;
        if (outcome === 'deferred') {
          this.queue.unshift(q);
          break;
        }
      }
    } finally {
      this.current = null;
      this.draining = null;
    }
    // A run that ended while the last step finished: carry on.
    if (!this.disposed && this.queue.length && !this.deps.busy()) this.resume();
  }

  /** One run: its dataset's classifier (trained if needed), its numbers, the record patched. */
  private async step(runId: string): Promise<Outcome> {
    const lr = await this.deps.runs.get(runId);
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

  private failed(runId: string, err: unknown): Outcome {
    const cancelled = err instanceof LabError && err.code === 'CANCELLED';
    // Another process trains the classifier (./trainLock.ts): its sentence says who and how far, not a failure.
    const elsewhere = err instanceof ClassifierTrainingElsewhere;
    this.dropped(runId, cancelled ? CANCELLED_NOTE : elsewhere ? err.message : `the classifier metrics failed: ${err instanceof Error ? err.message : String(err)}`);
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
