/**
 * How the Saved runs list shows an entry of the workspace's runs/ folder: what it says, and
 * whether it can be opened, renamed and deleted (with the reason when not). Pure; the engine's
 * `RunSummary` fields (`notRun`, `interruptedAfter`, `trainedBy`, `foreignFiles`, `copyOf`) decide.
 */
import type { RunSummary } from '../lib/contract';

export interface RunRow {
  run: RunSummary;
  /** Unique in the list even if two entries share an id (never from the engine: its ids are folder names). */
  key: string;
  /** Can be opened (a readable run, or an interrupted one from its last saved epoch). */
  openable: boolean;
  /** Why Delete is disabled (null: it is not, while no training here holds the run). */
  noDelete: string | null;
  /** Why Rename is disabled (null: it is not). */
  noRename: string | null;
  /** The state in words when not `done` ("training", "interrupted after 32 epochs"); null for done runs and not-runs. */
  stateText: string | null;
  /** The line under the name: the date, or what is wrong with an unreadable entry. */
  detail: string;
  /** "copy of X" (X listed) or "moved from X" when the folder's name is not the id it was saved with. */
  copyText: string | null;
  /** "holds 2 files of yours" for a run folder with files Latent Lab did not write; null otherwise. */
  foreignText: string | null;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The rows of `list`, in its order. `stateWords`: the Train panel's word for a state; `date`: a date's text. */
export function runRows(list: readonly RunSummary[], stateWords: (s: string) => string, date: (iso: string) => string): RunRow[] {
  const seen = new Map<string, number>();
  const ids = new Set(list.map((r) => r.id));
  return list.map((run) => {
    const nth = (seen.get(run.id) ?? 0) + 1;
    seen.set(run.id, nth);
    const key = nth === 1 ? run.id : `${run.id}\u0000${nth}`;
    if (run.notRun && run.renameTo) {
      const why = `This run cannot be opened here: ${run.notRun}.`;
      return { run, key, openable: false, noDelete: why, noRename: why, stateText: null, detail: `not openable: rename its folder to "${run.renameTo}"`, copyText: null, foreignText: null };
    }
    if (run.notRun) {
      const why = `Not a Latent Lab run (${run.notRun}): Latent Lab does not open or delete it. Remove the folder yourself if you no longer want it.`;
      return { run, key, openable: false, noDelete: why, noRename: why, stateText: null, detail: `not a Latent Lab run: ${run.notRun}`, copyText: null, foreignText: null };
    }
    const by = run.trainedBy
      ? `Being trained by ${run.trainer ?? 'another Latent Lab process: the command line or another window'} (pid ${run.trainedBy}). Stop it there, or wait for its end.`
      : null;
    // The engine names at most 10.
    const n = run.foreignFiles?.length ?? 0;
    const files = n
      ? `This run's folder also holds ${n >= 10 ? '10 or more files' : plural(n, 'file')} Latent Lab did not write (${run.foreignFiles!.join(', ')}${n >= 10 ? ', …' : ''}): move ${n === 1 ? 'it' : 'them'} out to delete the run here, or delete the folder yourself.`
      : null;
    const interrupted = run.interruptedAfter ?? null;
    const stateText = interrupted
      ? `interrupted after ${plural(interrupted, 'epoch')}`
      : run.state === 'done'
        ? null
        : `${stateWords(run.state)}${run.trainedBy ? ` elsewhere (pid ${run.trainedBy})` : ''}`;
    return {
      run,
      key,
      openable: !run.error || interrupted !== null,
      noDelete: by ?? files,
      noRename: by,
      stateText,
      detail: run.error && !interrupted ? `unreadable: ${run.error}` : date(run.created),
      copyText: run.copyOf ? (ids.has(run.copyOf) ? `copy of ${run.copyOf}` : `moved from ${run.copyOf}`) : null,
      foreignText: n ? `holds ${n >= 10 ? '10 or more files' : plural(n, 'file')} of yours` : null,
    };
  });
}

/**
 * The open button's title (its tooltip, also while disabled): why `row` cannot be opened, or what
 * opening does. `active`: the row is the model on screen; `training`: a run trains or is paused
 * (`Training.active` — Lab.openRun refuses then); `trainingHere`: that run is this row.
 */
export function openTitle(row: RunRow, { active, training, trainingHere }: { active: boolean; training: boolean; trainingHere: boolean }): string {
  const r = row.run;
  if (r.notRun) return row.noDelete ?? r.notRun;
  if (!row.openable) return r.error ?? 'This run cannot be opened';
  if (trainingHere) return 'This run is training: it is the model on screen (stop it to open another run)';
  if (training) return 'A run is training (paused counts): stop it first to open another run';
  if (r.interruptedAfter) return `${r.error}: opens from its last saved epoch`;
  return r.error ?? (active ? 'Active model' : 'Open this run');
}
