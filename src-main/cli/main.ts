/**
 * Command-line front end over the engine (`npm run cli -- <command>`, `npx latent-lab`).
 * Every failure exits non-zero with one line naming what was wrong; `--debug` adds the stack.
 */
import { promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ARCHS, LabError, MODEL_KINDS, type Arch, type TrainConfigInput, type TrainProgress } from '../../src-shared/types';
import { describeBackend } from '../engine/backend';
import { defaultWorkspace, Engine } from '../engine/engine';

const USAGE = `Usage: latent-lab <command> [options]

Commands:
  info [--json]                         backend chosen (and why), versions
  train --dataset mnist --model vae|ae|cvae --latent 3 --epochs 10
        [--batch 256 --lr 1e-3 --beta 1 (cvae: 2) --warmup 0 --seed 1 --hidden 256[,128]]
        [--arch dense|conv --filters 32,64]  conv: Conv2D stages (filters per stage; default
                                        per image size), --hidden = its dense layers (28: 16)
        [--out <runDir>] [--json]       train a model; prints test metrics
  generate --run <runDir> --count 100 [--label 7] [--temperature 1] [--seed 1]
        --format imagefolder|idx|npz --out <dir> [--overwrite]
  encode --run <runDir> <image files…> [--json]
  embeddings --run <runDir> --out <dir> [--overwrite]

Common: --workspace <dir> (or LATENT_LAB_HOME), --debug
Backend: LATENT_LAB_BACKEND=tensorflow|wasm|cpu forces one.`;

class UsageError extends Error {}

function num(v: string | undefined, name: string, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${int ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
}

/**
 * Resolves `--run`: a run id inside the workspace, or any run folder (the one `train --out`
 * wrote). A folder outside a workspace is opened through a temporary workspace that links to it.
 */
async function locateRun(run: string | undefined, workspace: string | undefined): Promise<{ workspace: string; runId: string }> {
  if (!run) throw new UsageError('--run is required (a run folder, e.g. the "run" printed by train)');
  const looksLikePath = run.includes('/') || run.includes(path.sep) || run.startsWith('.');
  if (!looksLikePath) return { workspace: workspace ?? defaultWorkspace(), runId: run };
  const dir = path.resolve(run);
  try {
    await fs.access(path.join(dir, 'config.json'));
  } catch {
    throw new UsageError(`${run} is not a run folder (no config.json inside)`);
  }
  if (path.basename(path.dirname(dir)) === 'runs') return { workspace: path.dirname(path.dirname(dir)), runId: path.basename(dir) };
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'latent-lab-cli-'));
  await fs.mkdir(path.join(tmp, 'runs'));
  const runId = path.basename(dir).replace(/[^A-Za-z0-9._-]/g, '_');
  await fs.symlink(dir, path.join(tmp, 'runs', runId), 'dir');
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  return { workspace: tmp, runId };
}

function bar(p: TrainProgress): string {
  const frac = (p.epoch - 1 + p.batch / p.batches) / p.epochs;
  const width = 24;
  const filled = Math.round(frac * width);
  const val = p.val ? ` val ${p.val.loss.toFixed(2)}` : '';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} ` +
    `loss ${p.train.loss.toFixed(2)} (recon ${p.train.recon.toFixed(2)}, kl ${p.train.kl.toFixed(2)})${val} ` +
    `${Math.round(p.samplesPerSecond)}/s ETA ${Math.round(p.etaSeconds)}s`
  );
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const { values: o, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
      workspace: { type: 'string' },
      dataset: { type: 'string' },
      path: { type: 'string' },
      model: { type: 'string' },
      latent: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      beta: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      hidden: { type: 'string' },
      arch: { type: 'string' },
      filters: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      run: { type: 'string' },
      count: { type: 'string' },
      label: { type: 'string' },
      temperature: { type: 'string' },
      format: { type: 'string' },
      overwrite: { type: 'boolean' },
    },
  });
  debug = !!o.debug;

  /** Datasets are cached once per user, whatever workspace a command runs in. */
  const sharedDataDir = () => path.join(o.workspace ?? defaultWorkspace(), 'datasets');
  // `--run <folder>` opens a temporary workspace: the user's real one stays off limits to exports,
  // and keeps the export journal (a temporary one would be gone when recovery is needed).
  const open = async (workspace?: string) =>
    Engine.create({
      workspace: workspace ?? o.workspace ?? defaultWorkspace(),
      dataDir: sharedDataDir(),
      protect: [path.resolve(o.workspace ?? defaultWorkspace())],
      journalWorkspace: path.resolve(o.workspace ?? defaultWorkspace()),
      emit: () => undefined,
    });

  switch (command) {
    case 'info': {
      const engine = await open();
      const info = engine.info();
      if (o.json) console.log(JSON.stringify(info));
      else {
        console.log(`Latent Lab ${info.appVersion} (tfjs ${info.tfjsVersion}, node ${info.node}, ${info.platform})`);
        console.log(`backend: ${describeBackend(info.backend)}`);
        if (info.backend.overrides.length) console.log(`kernel overrides: ${info.backend.overrides.join('; ')}`);
        console.log(`workspace: ${info.workspace}`);
      }
      return 0;
    }
    case 'train': {
      const kind = o.model ?? 'vae';
      if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--model must be one of ${MODEL_KINDS.join(', ')}`);
      const arch = o.arch ?? 'dense';
      if (!(ARCHS as readonly string[]).includes(arch)) throw new UsageError(`--arch must be one of ${ARCHS.join(', ')}`);
      if (o.filters !== undefined && arch !== 'conv') throw new UsageError('--filters needs --arch conv');
      const workspace = o.workspace ?? defaultWorkspace();
      const outDir = o.out ? path.resolve(o.out) : undefined;
      if (outDir) {
        const entries = await fs.readdir(outDir).catch(() => [] as string[]);
        if (entries.length) throw new UsageError(`--out ${o.out} exists and is not empty`);
      }
      const cfg: TrainConfigInput = {
        dataset: { id: (o.dataset ?? 'mnist') as never, ...(o.path ? { path: path.resolve(o.path) } : {}) },
        model: {
          kind: kind as (typeof MODEL_KINDS)[number],
          arch: arch as Arch,
          convFilters: o.filters?.split(',').map((f) => num(f, 'filters', true)!),
          latentDim: num(o.latent, 'latent', true),
          hidden: o.hidden?.split(',').map((h) => num(h, 'hidden', true)!),
          beta: num(o.beta, 'beta'),
          klWarmupEpochs: num(o.warmup, 'warmup', true),
        },
        epochs: num(o.epochs, 'epochs', true),
        batchSize: num(o.batch, 'batch', true),
        learningRate: num(o.lr, 'lr'),
        seed: num(o.seed, 'seed', true),
        name: o.name,
      };
      const tty = process.stderr.isTTY && !o.json;
      const engine = await Engine.create({
        workspace,
        dataDir: sharedDataDir(),
        emit: (name, payload) => {
          if (name !== 'training:progress') return;
          const p = payload as TrainProgress;
          if (o.json) {
            if (p.val) console.log(JSON.stringify({ epoch: p.epoch, train: p.train, val: p.val, samplesPerSecond: p.samplesPerSecond, beta: p.beta }));
          } else if (tty) process.stderr.write(`\r${bar(p)}\x1b[K`);
          else if (p.val) console.error(bar(p));
        },
      });
      const onSig = () => void engine.call('training:stop', {});
      process.once('SIGINT', onSig);
      const { runId } = await (async () => {
        const r = await engine.handle('training:start', cfg);
        if (!r.ok) throw new LabError(r.error.code, r.error.message);
        return r.value as { runId: string };
      })();
      await engine.waitForTraining();
      if (tty) process.stderr.write('\n');
      const runs = await engine.call('runs:list', {});
      const run = runs.find((r) => r.id === runId)!;
      const progress = await engine.call('training:status', {});
      let runDir = path.join(engine.workspace, 'runs', runId);
      if (outDir && outDir !== runDir) {
        await fs.mkdir(path.dirname(outDir), { recursive: true });
        await fs.rm(outDir, { recursive: true, force: true });
        await fs.cp(runDir, outDir, { recursive: true });
        await fs.rm(runDir, { recursive: true, force: true });
        runDir = outDir;
        // The run's id follows its folder name, so `--run <folder>` reopens it as itself.
        const recFile = path.join(outDir, 'config.json');
        const rec = JSON.parse(await fs.readFile(recFile, 'utf8'));
        rec.id = path.basename(outDir).replace(/[^A-Za-z0-9._-]/g, '_');
        await fs.writeFile(recFile, JSON.stringify(rec, null, 2));
      }
      if (run.state === 'error') throw new LabError('DIVERGED', run.error ?? 'training failed');
      const m = run.metrics;
      console.log(
        JSON.stringify({
          run: runDir,
          state: run.state,
          epochs: run.epochsDone,
          test: m ? { elbo: m.elbo, recon: m.recon, kl: m.kl, activeUnits: m.activeUnits, knnAccuracy: m.knnAccuracy } : null,
          samplesPerSecond: progress?.samplesPerSecond ?? null,
        }),
      );
      process.off('SIGINT', onSig);
      return 0;
    }
    case 'generate':
    case 'embeddings': {
      const { workspace, runId } = await locateRun(o.run, o.workspace);
      const engine = await open(workspace);
      await engine.call('runs:open', { runId });
      const format = command === 'embeddings' ? 'embeddings' : o.format;
      if (!format) throw new UsageError('--format is required (imagefolder, idx or npz)');
      if (!o.out) throw new UsageError('--out is required');
      const r = await engine.call('export:start', {
        runId,
        format: format as never,
        count: num(o.count, 'count', true),
        label: num(o.label, 'label', true),
        temperature: num(o.temperature, 'temperature'),
        seed: num(o.seed, 'seed', true),
        out: path.resolve(o.out),
        overwrite: !!o.overwrite,
      });
      console.log(o.json ? JSON.stringify(r) : `wrote ${r.total} ${format} samples to ${r.out}`);
      return 0;
    }
    case 'encode': {
      const { workspace, runId } = await locateRun(o.run, o.workspace);
      if (!positionals.length) throw new UsageError('give one or more image files to encode');
      const engine = await open(workspace);
      await engine.call('runs:open', { runId });
      let failed = 0;
      for (const file of positionals) {
        try {
          const stat = await fs.stat(file);
          if (stat.size > 20 * 1024 * 1024) throw new LabError('TOO_LARGE', `${file} is larger than 20 MB`);
          const bytes = new Uint8Array(await fs.readFile(file));
          const r = await engine.call('model:encodeFile', { name: path.basename(file), bytes });
          const z = Array.from(r.mean, (v) => +v.toFixed(4));
          console.log(o.json ? JSON.stringify({ file, z }) : `${file}\t${z.join(' ')}`);
        } catch (err) {
          failed++;
          const msg = err instanceof Error ? err.message : String(err);
          console.log(o.json ? JSON.stringify({ file, error: msg }) : `${file}\terror: ${msg}`);
        }
      }
      return failed ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

let debug = process.argv.includes('--debug');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (debug && err instanceof Error) console.error(err.stack);
    const msg = err instanceof Error ? err.message : String(err);
    const hint = err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? ' (see --help)' : '';
    console.error(`latent-lab: ${msg}${hint}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
