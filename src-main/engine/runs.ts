/**
 * The workspace: `<workspace>/runs/<id>/` with `config.json` (run record), `metrics.jsonl`
 * (one line per epoch), `model/encoder/` and `model/decoder/` (standard tfjs LayersModels, swapped in
 * whole at each checkpoint).
 * `<workspace>/datasets/` caches datasets. A corrupt run folder is listed with an error, never fatal.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  LabError,
  Metrics,
  RunSummary,
  TrainConfig,
  TrainState,
  type LossParts,
} from '../../src-shared/types';
import { isProcessAlive } from './pid';

export const RUN_FILE_VERSION = 1;

/** What a run needs to rebuild its model spec without loading the dataset. */
export const RunRecord = z.object({
  version: z.literal(RUN_FILE_VERSION),
  id: z.string(),
  name: z.string(),
  created: z.string(),
  config: TrainConfig,
  state: TrainState,
  epochsDone: z.number().int(),
  metrics: Metrics.nullable(),
  inputDim: z.number().int().positive(),
  numClasses: z.number().int().positive(),
  shape: z.array(z.number().int().positive()),
  labelNames: z.array(z.string()),
  output: z.enum(['bernoulli', 'gaussian']),
  /** Per-dimension mean and std of the training latents (the AE "prior" and manifold ranges). */
  latentStats: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
  error: z.string().optional(),
  /** The engine process training this run (state `training`/`paused`); a dead one means it was interrupted. */
  pid: z.number().int().positive().optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** LATENT_LAB_HOME, else the platform's per-user data folder. */
export function defaultWorkspace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LATENT_LAB_HOME) return path.resolve(env.LATENT_LAB_HOME);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Latent Lab');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Latent Lab');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'latent-lab');
}

const ID_RE = /^[A-Za-z0-9._-]+$/;

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

  async init(): Promise<void> {
    await fs.mkdir(this.runsDir, { recursive: true });
    await fs.mkdir(this.dataDir, { recursive: true });
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
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  /** Atomic write of the run record (temp file + rename). */
  async write(rec: RunRecord): Promise<void> {
    const file = path.join(this.dir(rec.id), 'config.json');
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, JSON.stringify(rec, null, 2));
    await fs.rename(tmp, file);
  }

  async read(id: string): Promise<RunRecord> {
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
    const rec = r.data;
    if ((rec.state === 'training' || rec.state === 'paused') && rec.pid && !isProcessAlive(rec.pid)) {
      // Its engine was killed or crashed mid-training: reported as such (the file is left as it is).
      rec.state = 'error';
      rec.error = `interrupted: the engine stopped while this run was training (${rec.epochsDone} epoch${rec.epochsDone === 1 ? '' : 's'} saved)`;
    }
    return rec;
  }

  async appendEpoch(id: string, line: { epoch: number; train: LossParts; val: LossParts; beta: number; samplesPerSecond: number }): Promise<void> {
    await fs.appendFile(path.join(this.dir(id), 'metrics.jsonl'), JSON.stringify(line) + '\n');
  }

  async list(): Promise<RunSummary[]> {
    let names: string[] = [];
    try {
      names = await fs.readdir(this.runsDir);
    } catch {
      return [];
    }
    const out: RunSummary[] = [];
    for (const id of names) {
      if (!ID_RE.test(id) || id.startsWith('.')) continue;
      try {
        const stat = await fs.stat(path.join(this.runsDir, id));
        if (!stat.isDirectory()) continue;
        out.push(summary(await this.read(id)));
      } catch (err) {
        out.push({
          id,
          name: id,
          created: '',
          config: TrainConfig.parse({}),
          state: 'error',
          epochsDone: 0,
          metrics: null,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id < b.id ? 1 : -1));
  }

  private get journalFile(): string {
    return path.join(this.workspace, 'exports-in-progress.json');
  }

  /** Export targets that were being written when the engine last stopped (crash or kill). */
  async pendingExports(): Promise<string[]> {
    try {
      const list = JSON.parse(await fs.readFile(this.journalFile, 'utf8'));
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Records (add) or forgets (remove) an export target, so a crashed export's temp folder is found at start. */
  async journalExport(out: string, add: boolean): Promise<void> {
    const list = new Set(await this.pendingExports());
    if (add) list.add(out);
    else list.delete(out);
    const tmp = `${this.journalFile}.tmp-${process.pid}`;
    await fs.writeFile(tmp, JSON.stringify([...list]));
    await fs.rename(tmp, this.journalFile);
  }

  async remove(id: string): Promise<void> {
    const dir = this.dir(id);
    try {
      await fs.access(dir);
    } catch {
      throw new LabError('NOT_FOUND', `no run "${id}"`);
    }
    await fs.rm(dir, { recursive: true, force: true });
  }
}


export function summary(rec: RunRecord): RunSummary {
  return {
    id: rec.id,
    name: rec.name,
    created: rec.created,
    config: rec.config,
    state: rec.state,
    epochsDone: rec.epochsDone,
    metrics: rec.metrics,
    ...(rec.error ? { error: rec.error } : {}),
  };
}
