/**
 * The workspace: `<workspace>/runs/<id>/` with `config.json` (run record), `metrics.jsonl`
 * (one line per epoch), `model/encoder/` and `model/decoder/` (standard tfjs LayersModels, swapped in
 * whole at each checkpoint).
 * `<workspace>/datasets/` caches datasets. A corrupt run folder is listed with an error, never fatal.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  DatasetReport,
  LabError,
  RunSummary,
  TrainConfig,
  type LossParts,
} from '../../src-shared/types';
import { appendFileOrUndo, ioError, writeFileAtomic } from './atomicWrite';
import { FittedPrior } from './fittedPrior';
import { isProcessAlive, isWriterAlive, latentLabProcess } from './pid';
import { badFolderName, foreignFiles, runFolderKind, runIdFor } from './runFolders';

export const RUN_FILE_VERSION = 1;

/** What a run needs to rebuild its model spec without loading the dataset. */
export const RunRecord = z
  .object({ version: z.literal(RUN_FILE_VERSION) })
  // The listing's fields (id, name, created, config, state, epochsDone, metrics, error, warnings), then the run's own.
  .extend(RunSummary.shape)
  .extend({
    inputDim: z.number().int().positive(),
    numClasses: z.number().int().positive(),
    /**
     * `[H, W, C]` of an image, `[2]` for toy sets. Runs saved before colour say `[H, W]`: read as
     * `[H, W, 1]`. (Their `config.dataset` saying `folder` reads as `local`: see DatasetRef.)
     */
    shape: z
      .array(z.number().int().positive())
      .transform((s) => (s.length === 2 ? [s[0], s[1], 1] : s)),
    labelNames: z.array(z.string()),
    /** What the dataset import found (kind, classes, split, skipped items, warnings); runs saved before it have none. */
    datasetReport: DatasetReport.optional(),
    /**
     * The training data's content fingerprint (../runData.ts `dataFingerprint`: label names, split
     * counts and labels, a sample of rows), checked when the run's data is loaded again; runs saved
     * before it have none (checked on their label names and report only).
     */
    dataFingerprint: z.string().optional(),
    output: z.enum(['bernoulli', 'gaussian']),
    /** Per-dimension mean and std of the training latents (the AE "prior" and manifold ranges). */
    latentStats: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
    /**
     * The Gaussian mixture fitted to the training points' posterior means at the run's end
     * (./fittedPrior.ts; `prior: 'fitted'` samples it). Absent for runs saved before it existed
     * (fitted on demand then, ./runPrior.ts) and null before the run's end.
     */
    fittedPrior: FittedPrior.nullable().optional(),
    /** The engine process training this run (state `training`/`paused`); a dead one means it was interrupted. */
    pid: z.number().int().positive().optional(),
  });
export type RunRecord = z.infer<typeof RunRecord>;

/** LATENT_LAB_HOME, else the platform's per-user data folder (one place: ../workspace.ts). */
export { defaultWorkspace } from '../workspace';

const ID_RE = /^[A-Za-z0-9._-]+$/;

/** Keyed by run folder, for every RunStore of this process: */
/** each run's writer queue (its last task), */
const queues = new Map<string, Promise<void>>();
/** the records that a job of this process owns (a training run's: the one copy every write uses), */
const live = new Map<string, RunRecord>();
/** and the end state of runs whose last write failed (the file still says `training`). */
const unsaved = new Map<string, { state: 'error'; error: string }>();

export class RunStore {
  readonly runsDir: string;
  readonly dataDir: string;
  constructor(
    readonly workspace: string,
    dataDir?: string,
  ) {
    this.runsDir = path.join(workspace, 'runs');
    this.dataDir = dataDir ?? path.join(workspace, 'datasets');
  }

  /** Creates the workspace folders and removes checkpoint temp folders that killed engines left. */
  async init(): Promise<void> {
    await fs.mkdir(this.runsDir, { recursive: true });
    await fs.mkdir(this.dataDir, { recursive: true });
    await this.removeDeadCheckpointTemps();
  }

  /**
   * A kill during a checkpoint leaves `runs/<id>/model.tmp-<pid>/` (a whole model's worth of
   * bytes, never loaded). Removes those whose engine is no longer running; returns how many.
   */
  async removeDeadCheckpointTemps(): Promise<number> {
    let removed = 0;
    for (const id of await fs.readdir(this.runsDir).catch(() => [] as string[])) {
      if (!ID_RE.test(id) || id.startsWith('.')) continue;
      const dir = path.join(this.runsDir, id);
      for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
        const pid = /^model\.tmp-(\d+)$/.exec(name)?.[1];
        if (!pid || (Number(pid) !== process.pid && isProcessAlive(Number(pid)))) continue;
        if (Number(pid) === process.pid && live.has(dir)) continue; // this engine is saving it
        await fs.rm(path.join(dir, name), { recursive: true, force: true }).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }

  dir(id: string): string {
    if (!ID_RE.test(id) || id === '.' || id === '..') throw new LabError('NOT_FOUND', `no run "${id}"`);
    return path.join(this.runsDir, id);
  }

  /** Ids this store handed out: never reused while the engine runs, even after a delete. */
  private readonly issued = new Set<string>();

  async newId(cfg: TrainConfig): Promise<string> {
    const d = new Date();
    const p = (n: number) => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
    const base = `${stamp}-${cfg.model.kind}-z${cfg.model.latentDim}`;
    for (let i = 0; ; i++) {
      const id = i === 0 ? base : `${base}-${i + 1}`;
      if (this.issued.has(id)) continue;
      try {
        await fs.mkdir(path.join(this.runsDir, id));
        this.issued.add(id);
        return id;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(err, path.join(this.runsDir, id), 'creating');
      }
    }
  }

  /**
   * Runs `fn` after every earlier task of run `id` has settled: each run has one writer queue,
   * shared by every RunStore of this process, so writes of one record never interleave.
   */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const key = this.dir(id);
    const next = (queues.get(key) ?? Promise.resolve()).then(fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  }

  private async writeNow(rec: RunRecord): Promise<void> {
    await writeFileAtomic(path.join(this.dir(rec.id), 'config.json'), JSON.stringify(rec, null, 2));
  }

  /**
   * Starts owning a new run's record in memory (a training job's; see `patch`) and writes it.
   * When the write fails the empty run folder is removed and LabError('IO') is thrown.
   */
  async create(rec: RunRecord): Promise<void> {
    const key = this.dir(rec.id);
    live.set(key, rec);
    unsaved.delete(key);
    try {
      await this.write(rec);
    } catch (err) {
      live.delete(key);
      await fs.rmdir(key).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Atomic write of the run record, in the run's queue; it writes `rec` as it is when its turn
   * comes. Throws LabError('IO') naming `config.json`.
   */
  async write(rec: RunRecord): Promise<void> {
    await this.serial(rec.id, () => this.writeNow(rec));
  }

  /**
   * Changes only the given fields of run `id`'s record, in the run's queue: on the record a job
   * of this process owns (so the job's later writes keep the change, and the change never
   * writes back an older epochsDone/state), else on the record read from disk. A failed write
   * leaves the in-memory record as it was. `copy` (e.g. the engine's loaded copy of the record)
   * gets the same changes once written, in the queue's order. Returns the record as `read` would.
   * `config` changes only when the run's data moved (`runs:locateData`: its dataset path).
   * Throws NOT_FOUND / BAD_FILE (as `read`) or IO.
   */
  async patch(id: string, changes: Partial<Pick<RunRecord, 'name' | 'metrics' | 'latentStats' | 'fittedPrior' | 'config'>>, copy?: RunRecord): Promise<RunRecord> {
    return this.serial(id, async () => {
      const owned = live.get(this.dir(id));
      const rec = owned ?? (await this.readRaw(id));
      // Its trainer's next write would undo the change: said, not lost.
      if (!owned) refuseIfTrainedElsewhere(this.interpret(structuredClone(rec)), 'changed');
      const before = Object.fromEntries(Object.keys(changes).map((k) => [k, rec[k as keyof RunRecord]]));
      Object.assign(rec, changes);
      try {
        await this.writeNow(rec);
      } catch (err) {
        Object.assign(rec, before);
        throw err;
      }
      if (copy) Object.assign(copy, changes);
      return this.interpret(structuredClone(rec));
    });
  }

  /**
   * Writes a job's last record (its end state) and stops owning it. When that write fails the
   * record becomes `error` with the IO message (written if the disk allows; else kept in memory
   * so `read`/`list` report it): returns that error, or undefined when all was saved.
   */
  async finish(rec: RunRecord): Promise<{ code: 'IO'; message: string } | undefined> {
    const key = this.dir(rec.id);
    try {
      await this.write(rec);
      return undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      rec.state = 'error';
      rec.error = message;
      unsaved.set(key, { state: 'error', error: message });
      await this.write(rec).then(
        () => unsaved.delete(key),
        () => undefined,
      );
      return { code: 'IO', message };
    } finally {
      live.delete(key);
    }
  }

  /** The record as stored (no interpretation). Throws NOT_FOUND or BAD_FILE. */
  private async readRaw(id: string): Promise<RunRecord> {
    const file = path.join(this.dir(id), 'config.json');
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new LabError('NOT_FOUND', code === 'ENOENT' ? `no run "${id}"` : `cannot read run "${id}": ${code}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LabError('BAD_FILE', `run "${id}" has a corrupt config.json (not valid JSON)`);
    }
    const r = RunRecord.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new LabError('BAD_FILE', `run "${id}" has an invalid config.json (${issue.path.join('.')}: ${issue.message})`);
    }
    // The folder's name is the run's id: a copied folder (`cp -a runs/X runs/X-backup`) is a run of
    // its own that says whose copy it is (kept when its record is next written).
    if (r.data.id !== id) {
      r.data.copyOf ??= r.data.id;
      r.data.id = id;
    }
    if (r.data.pid) await fs.stat(file).then((st) => writtenAt.set(r.data, st.mtimeMs), () => undefined);
    return r.data;
  }

  /**
   * A record that says `training`/`paused` but whose job is gone is reported as `error`: its
   * engine died (pid not alive), or it is this process and no job here owns it (its last
   * write failed: the reason kept in memory, or a generic one). The file is left as it is.
   */
  private interpret(rec: RunRecord): RunRecord {
    if ((rec.state !== 'training' && rec.state !== 'paused') || !rec.pid) return rec;
    const key = this.dir(rec.id);
    const epochs = `${rec.epochsDone} epoch${rec.epochsDone === 1 ? '' : 's'} saved`;
    // A copy made while its original trained: nothing trains the copy.
    if (!trainerAlive(rec.pid, writtenAt.get(rec)) || (rec.copyOf && !live.has(key))) {
      rec.state = 'error';
      rec.error = `interrupted: the process training it stopped (${epochs})`;
      if (rec.epochsDone >= 1) rec.interruptedAfter = rec.epochsDone;
    } else if (rec.pid !== process.pid) {
      rec.trainedBy = rec.pid;
      const who = trainerName(rec.pid);
      if (who) rec.trainer = who;
    } else if (rec.pid === process.pid && !live.has(key)) {
      const lost = unsaved.get(key);
      rec.state = 'error';
      rec.error = lost?.error ?? `this run stopped, but its end could not be saved (${epochs})`;
    }
    return rec;
  }

  /** The run's record (the in-memory one while a job here owns it). Throws NOT_FOUND or BAD_FILE. */
  async read(id: string): Promise<RunRecord> {
    const owned = live.get(this.dir(id));
    return this.interpret(owned ? structuredClone(owned) : await this.readRaw(id));
  }

  /** Appends one epoch's line to `metrics.jsonl` (in the run's queue). Throws LabError('IO'). */
  async appendEpoch(id: string, line: { epoch: number; train: LossParts; val: LossParts; beta: number; samplesPerSecond: number }): Promise<void> {
    await this.serial(id, () => appendFileOrUndo(path.join(this.dir(id), 'metrics.jsonl'), JSON.stringify(line) + '\n'));
  }

  /**
   * Every entry of runs/ that is a folder (loose files are not listed), newest first, its id the
   * folder's name: a run's summary (an unreadable run's with `error`; `foreignFiles` when the folder
   * holds files Latent Lab did not write), or, for a folder that is not a Latent Lab run, an entry
   * with `notRun` saying why and no model of its own. Never throws for one odd folder.
   */
  async list(): Promise<RunSummary[]> {
    let names: string[] = [];
    try {
      names = await fs.readdir(this.runsDir);
    } catch {
      return [];
    }
    const out: RunSummary[] = [];
    for (const id of names) {
      if (id.startsWith('.')) continue;
      const dir = path.join(this.runsDir, id);
      try {
        const stat = await fs.stat(dir);
        if (!stat.isDirectory()) continue;
      } catch {
        continue; // a dangling link or an entry gone since readdir
      }
      const kind = await runFolderKind(dir);
      if (!ID_RE.test(id)) {
        // A copy a file manager named ("… copy", "… (2)", "… - Copy"): listed, not skipped without a word.
        if (kind.notRun) {
          out.push({ ...placeholder(id, `not a Latent Lab run: ${kind.notRun}`), notRun: kind.notRun });
        } else {
          const renameTo = runIdFor(id);
          out.push({ ...placeholder(id, `not openable: ${badFolderName(id)}`), notRun: badFolderName(id), renameTo });
        }
        continue;
      }
      if (kind.notRun) {
        out.push({ ...placeholder(id, `not a Latent Lab run: ${kind.notRun}`), notRun: kind.notRun });
        continue;
      }
      const foreign = live.has(dir) ? [] : await foreignFiles(dir);
      const extra = foreign.length ? { foreignFiles: foreign } : {};
      try {
        out.push({ ...summary(await this.read(id)), ...extra });
      } catch (err) {
        out.push({ ...placeholder(id, err instanceof Error ? err.message : String(err)), ...extra });
      }
    }
    return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id < b.id ? 1 : -1));
  }

  /**
   * Deletes run `id`'s folder: only a Latent Lab run's, only the files a run writes, and only when
   * no live process trains it. A symlinked entry loses only the link. Throws NOT_FOUND (no such
   * folder, or a folder that is not a Latent Lab run: nothing deleted, the user may remove it),
   * BUSY (another process — the CLI, a second app — is training it, or a job here owns it), EXISTS
   * (the folder holds files Latent Lab did not write: named, nothing deleted) or IO.
   */
  async remove(id: string): Promise<void> {
    const dir = this.dir(id);
    let st: import('node:fs').Stats;
    try {
      st = await fs.lstat(dir);
    } catch {
      throw new LabError('NOT_FOUND', `no run "${id}"`);
    }
    if (st.isSymbolicLink()) {
      await this.serial(id, () => fs.unlink(dir)); // the link only; what it points to is kept
      return;
    }
    if (!st.isDirectory()) throw new LabError('NOT_FOUND', `no run "${id}": ${dir} is a file, not a run folder (nothing was deleted)`);
    // In the run's queue: a write still pending (e.g. a rename) lands before, not inside, the removal.
    await this.serial(id, async () => {
      const kind = await runFolderKind(dir);
      if (kind.notRun) {
        throw new LabError('NOT_FOUND', `"${id}" is not a Latent Lab run (${kind.notRun}); Latent Lab deletes only its own runs, so ${dir} was kept — remove it yourself if you no longer want it`);
      }
      if (live.has(dir)) throw new LabError('BUSY', 'this run is training here; stop it first');
      const rec = await this.readRaw(id).then((r) => this.interpret(r), () => null);
      if (rec) refuseIfTrainedElsewhere(rec, 'deleted');
      const foreign = await foreignFiles(dir, Infinity);
      if (foreign.length) {
        throw new LabError(
          'EXISTS',
          `run "${id}" was not deleted: its folder also holds ${foreign.length === 1 ? 'a file' : `${foreign.length} files`} Latent Lab did not write (${listNames(foreign)}). Move ${foreign.length === 1 ? 'it' : 'them'} out of ${dir} and delete the run again, or delete the folder yourself`,
        );
      }
      // What a run writes, its record last (a half-done delete stays a run that can be deleted again).
      const entries = (await fs.readdir(dir)).sort((a, b) => Number(a === 'config.json') - Number(b === 'config.json'));
      for (const name of entries) await fs.rm(path.join(dir, name), { recursive: true, force: true });
      try {
        await fs.rmdir(dir);
      } catch (err) {
        throw ioError(err, dir, 'removing');
      }
    });
    unsaved.delete(dir);
  }
}

/** When a record read from disk was last written (its config.json's mtime, ms): records with a pid only. */
const writtenAt = new WeakMap<RunRecord, number>();

/** Whether `pid`, the trainer a record names, still is that process (pid.ts isWriterAlive; no write time: alive). */
function trainerAlive(pid: number, written: number | undefined): boolean {
  return written === undefined ? isProcessAlive(pid) : isWriterAlive(pid, written);
}

const TRAINER_WORDS = {
  cli: 'the command line (latent-lab train)',
  browser: 'another Latent Lab in a browser',
  window: 'another Latent Lab window',
} as const;

/** Which Latent Lab process `pid` is, in words (pid.ts latentLabProcess); undefined where it cannot be told. */
function trainerName(pid: number): string | undefined {
  const kind = latentLabProcess(pid);
  return kind && TRAINER_WORDS[kind];
}

/** A listing entry with no record of its own (an unreadable run, or a folder that is not a run). */
function placeholder(id: string, error: string): RunSummary {
  return { id, name: id, created: '', config: TrainConfig.parse({}), state: 'error', epochsDone: 0, metrics: null, error };
}

/** BUSY when `rec` (interpreted) is being trained by another live process. */
function refuseIfTrainedElsewhere(rec: RunRecord, what: 'changed' | 'deleted'): void {
  if (!rec.trainedBy) return;
  throw new LabError(
    'BUSY',
    `run "${rec.id}" is being trained by another Latent Lab process (pid ${rec.trainedBy}: ${rec.trainer ?? 'the command line or another window'}); it can be ${what} once that training has ended or been stopped there`,
  );
}

function listNames(names: string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function summary(rec: RunRecord): RunSummary {
  return {
    id: rec.id,
    name: rec.name,
    created: rec.created,
    config: rec.config,
    state: rec.state,
    epochsDone: rec.epochsDone,
    ...(rec.epochsTrained ? { epochsTrained: rec.epochsTrained } : {}),
    metrics: rec.metrics,
    ...(rec.error ? { error: rec.error } : {}),
    ...(rec.warnings?.length ? { warnings: rec.warnings } : {}),
    ...(rec.copyOf ? { copyOf: rec.copyOf } : {}),
    ...(rec.interruptedAfter ? { interruptedAfter: rec.interruptedAfter } : {}),
    ...(rec.trainedBy ? { trainedBy: rec.trainedBy } : {}),
    ...(rec.trainer ? { trainer: rec.trainer } : {}),
  };
}
