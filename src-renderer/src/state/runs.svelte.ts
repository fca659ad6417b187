import { RUN_NAME_MAX, type DatasetInfo, type EventPayload, type RunSummary } from '../lib/contract';
import { errorCode, errorText } from '../lib/errors';
import type { StateApi } from './port';

export { RUN_NAME_MAX };

/**
 * Why `name` (as typed; spaces around it do not count) cannot be a run's name, in words, or null
 * when it can: "a run's name is at most 200 characters (this one: 300)". An empty name is not a
 * problem here (the list keeps the old name for it).
 */
export function runNameProblem(name: string): string | null {
  const n = name.trim().length;
  return n > RUN_NAME_MAX ? `a run's name is at most ${RUN_NAME_MAX} characters (this one: ${n})` : null;
}

/** Saved runs and the active one (the model every tab uses). */
export class Runs {
  list = $state.raw<RunSummary[]>([]);
  activeId = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /**
   * The run whose own data folder or file is gone (opening it failed DATA_MISSING), or no longer
   * fits it (BAD_DATASET: emptied, another shape, none of its classes left): where it was
   * and the engine's words; the run list offers to point the run at the new place (`locateData`).
   */
  missingData = $state.raw<{ runId: string; path: string; message: string } | null>(null);
  /** Why the last `locateData` failed (null: it did not, or none yet). */
  locateError = $state<string | null>(null);
  locating = $state(false);
  /** Why the last `loadMetrics` failed. */
  metricsError = $state<string | null>(null);
  /**
   * Runs whose in-app classifier metrics (Fréchet distance, generation accuracy) are still to
   * come: the engine trains the classifier in the background (`training:done` / `runs:metrics`
   * say `pending`; `runs:metricsUpdated` ends it).
   */
  pending = $state.raw<ReadonlySet<string>>(new Set());
  /** Why a run's classifier metrics did not come (cancelled, failed), by run id. */
  metricsNotes = $state.raw<ReadonlyMap<string, string>>(new Map());

  active = $derived(this.list.find((r) => r.id === this.activeId) ?? null);

  constructor(private readonly api: StateApi) {}

  async refresh(): Promise<void> {
    this.loading = true;
    try {
      this.list = await this.api.invoke('runs:list', {});
      this.error = null;
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.loading = false;
    }
  }

  /**
   * Make a run the engine's active model. Returns its summary with its dataset as loaded for it
   * (`data`: the run's classes), or null (with `error` set).
   */
  async open(runId: string): Promise<(RunSummary & { data?: DatasetInfo }) | null> {
    try {
      const opened = await this.api.invoke('runs:open', { runId });
      const { data: _data, ...summary } = opened;
      this.#upsert(summary);
      this.activeId = summary.id;
      this.error = null;
      if (this.missingData?.runId === runId) this.missingData = null;
      return opened;
    } catch (err) {
      this.error = errorText(err);
      const run = this.list.find((r) => r.id === runId);
      // Its own data is gone, or no longer fits it: the run list asks where the run's data is now.
      if (errorCode(err) === 'DATA_MISSING' || (errorCode(err) === 'BAD_DATASET' && run?.config.dataset.id === 'local')) {
        this.missingData = { runId, path: run?.config.dataset.path ?? '', message: this.error };
        this.locateError = null;
      }
      return null;
    }
  }

  /**
   * Points run `runId` at its moved data (`runs:locateData`: checked against the run, the new path
   * saved with it). Returns the run's summary (its warnings say how the data differs), or null
   * with `locateError` set.
   */
  async locateData(runId: string, path: string): Promise<RunSummary | null> {
    this.locating = true;
    try {
      const summary = await this.api.invoke('runs:locateData', { runId, path: path.trim(), save: true });
      this.#upsert(summary);
      this.locateError = null;
      if (this.missingData?.runId === runId) this.missingData = null;
      return summary;
    } catch (err) {
      this.locateError = errorText(err);
      return null;
    } finally {
      this.locating = false;
    }
  }

  /** Leave the moved-data prompt (the run stays as it is). */
  dismissMissingData(): void {
    this.missingData = null;
    this.locateError = null;
  }

  /**
   * The run's test metrics (`runs:metrics`: computed once by the engine, then saved with the run),
   * kept in its summary. Null when they could not be computed (`metricsError` says why).
   */
  async loadMetrics(runId: string): Promise<RunSummary['metrics']> {
    try {
      const { pending, ...metrics } = await this.api.invoke('runs:metrics', { runId });
      const r = this.list.find((x) => x.id === runId);
      if (r) this.#upsert({ ...r, metrics });
      this.setPending(runId, pending === true);
      this.metricsError = null;
      return metrics;
    } catch (err) {
      this.metricsError = errorText(err);
      return null;
    }
  }

  isPending(runId: string): boolean {
    return this.pending.has(runId);
  }

  setPending(runId: string, pending: boolean): void {
    if (this.pending.has(runId) === pending) return;
    const next = new Set(this.pending);
    if (pending) next.add(runId);
    else next.delete(runId);
    this.pending = next;
  }

  /** `runs:metricsUpdated`: the run's saved metrics changed (the classifier's numbers came, or will not). */
  onMetricsUpdated(u: EventPayload<'runs:metricsUpdated'>): void {
    const r = this.list.find((x) => x.id === u.runId);
    if (r) this.#upsert({ ...r, metrics: u.metrics });
    this.setPending(u.runId, u.pending);
    const notes = new Map(this.metricsNotes);
    if (u.message) notes.set(u.runId, u.message);
    else notes.delete(u.runId);
    this.metricsNotes = notes;
  }

  /**
   * Renames run `runId` (`runs:rename`). Returns true when renamed; else false with `error` in
   * words, the list keeping the old name: a name over RUN_NAME_MAX characters is refused here,
   * never sent; the engine refuses one another run already has (EXISTS), a run it cannot write…
   */
  async rename(runId: string, name: string): Promise<boolean> {
    const problem = runNameProblem(name);
    if (problem) {
      this.error = problem;
      return false;
    }
    try {
      this.#upsert(await this.api.invoke('runs:rename', { runId, name }));
      this.error = null;
      return true;
    } catch (err) {
      this.error = errorText(err);
      return false;
    }
  }

  async remove(runId: string): Promise<boolean> {
    try {
      await this.api.invoke('runs:delete', { runId });
      this.list = this.list.filter((r) => r.id !== runId);
      if (this.missingData?.runId === runId) this.dismissMissingData();
      if (this.activeId === runId) this.activeId = null;
      return true;
    } catch (err) {
      this.error = errorText(err);
      return false;
    }
  }

  #upsert(r: RunSummary): void {
    const i = this.list.findIndex((x) => x.id === r.id);
    this.list = i >= 0 ? this.list.map((x, j) => (j === i ? r : x)) : [r, ...this.list];
  }
}
