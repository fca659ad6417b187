/**
 * The workspace: `<workspace>/runs/<id>/` with `config.json` (run record), `metrics.jsonl`
 * (one line per epoch), `model/encoder/` and `model/decoder/` (standard tfjs LayersModels, swapped in
 * whole at each checkpoint).
 * `<workspace>/datasets/` caches datasets. A corrupt run folder is listed with an error, never fatal.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  LabError,
  RunSummary,
  TrainConfig,
  withSavedRunSettings,
  type LossParts,
} from '../../src-shared/types';
import { appendFileOrUndo, ioError, writeFileAtomic } from './atomicWrite';
import { isProcessAlive } from './pid';
import { listRuns, otherRunNamed, removeRun } from './runFolderOps';
import { ID_RE, RunRecord } from './runRecord';
import { live, refuseIfTrainedElsewhere, trainerAlive, trainerName, unsaved, writtenAt } from './runTrainers';

/** The record's schema and the listing's summary of it: ./runRecord.ts; `list` and `remove`: ./runFolderOps.ts; who owns or trains a run: ./runTrainers.ts. */
export { RUN_FILE_VERSION, RunRecord, summary } from './runRecord';

/** LATENT_LAB_HOME, else the platform's per-user data folder (one place: ../workspace.ts). */
export { defaultWorkspace } from '../workspace';

/** Keyed by run folder, for every RunStore of this process: each run's writer queue (its last task). */
const queues = new Map<string, Promise<void>>();

/** Renames of this process, one at a time (the last one's end): two cannot both take one name. */
let renames: Promise<void> = Promise.resolve();

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
   * Public for ./runFolderOps.ts (`remove`), not for other callers.
   */
  serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
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
   * Renames run `id` to `name` (`runs:rename`; the contract trims it and caps it at 200
   * characters), as `patch` does, unless another run in runs/ is already named so: then
   * LabError('EXISTS', 'another run is already named “…” (folder <its id>)…') and nothing is
   * written, so no two runs read the same in the list. A run keeps its own name when renamed to
   * it. Renames of this process are checked and written one at a time, in the order asked.
   * Throws EXISTS, or as `patch` (NOT_FOUND, BAD_FILE, BUSY, IO).
   */
  async rename(id: string, name: string, copy?: RunRecord): Promise<RunRecord> {
    const turn = renames.then(async () => {
      const other = await otherRunNamed(this, id, name);
      if (other) throw new LabError('EXISTS', `another run is already named “${name.trim()}” (folder ${other}): give this one another name; nothing was changed`);
      return this.patch(id, { name }, copy);
    });
    renames = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
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

  /** The record as stored (no interpretation). Throws NOT_FOUND or BAD_FILE. Public for ./runFolderOps.ts, not for other callers. */
  async readRaw(id: string): Promise<RunRecord> {
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
    // A run saved before a setting existed trained without it (a constant learning rate; a VAE-GAN the standard loss, no average).
    const r = RunRecord.safeParse(withSavedRunSettings(json));
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
   * Public for ./runFolderOps.ts, not for other callers.
   */
  interpret(rec: RunRecord): RunRecord {
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
    return listRuns(this);
  }

  /**
   * Deletes run `id`'s folder: only a Latent Lab run's, only the files a run writes, and only when
   * no live process trains it. A symlinked entry loses only the link. Throws NOT_FOUND (no such
   * folder, or a folder that is not a Latent Lab run: nothing deleted, the user may remove it),
   * BUSY (another process — the CLI, a second app — is training it, or a job here owns it), EXISTS
   * (the folder holds files Latent Lab did not write: named, nothing deleted) or IO.
   */
  async remove(id: string): Promise<void> {
    return removeRun(this, id);
  }
}
