/** `latent-lab train`: trains a model in the workspace (or moves it to `--out`) and prints its test metrics. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { collapseReason } from '../../src-shared/collapse';
import { ARCHS, GAN_LOSSES, LabError, LIKELIHOODS, LR_SCHEDULES, MODEL_KINDS, type Arch, type GanLoss, type Likelihood, type LrSchedule, type Metrics, type TrainConfigInput, type TrainProgress } from '../../src-shared/types';
import type { EngineOptions } from '../engine/engine';
import { resolveCliPath } from '../engine/datasets/ownPath';
import { num, UsageError, type Options } from './args';
import { openEngine, userWorkspace } from './engine';
import { checkRunOut, moveRunTo } from './runOut';
import { dataRef, printWarnings } from './data';
import { JUDGE_WAIT_MS, judgeNote, judgeUnreliable, JudgeWatch } from './judge';

/**
 * One progress line: a bar over all epochs, batch, losses (nats per sample, the epoch's running
 * means; a VAE-GAN's discriminator, generator and feature terms as the app's live line gives
 * them), the validation loss at an epoch's end, speed and ETA.
 */
export function bar(p: TrainProgress): string {
  const frac = (p.epoch - 1 + p.batch / p.batches) / p.epochs;
  const width = 24;
  const filled = Math.round(frac * width);
  const val = p.val ? ` val ${p.val.loss.toFixed(2)}` : '';
  const gan = p.train.gan ? `, D ${p.train.gan.disc.toFixed(2)}, G ${p.train.gan.gen.toFixed(2)}, feature ${p.train.gan.feature.toFixed(2)}` : '';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} ` +
    `loss ${p.train.loss.toFixed(2)} (recon ${p.train.recon.toFixed(2)}, kl ${p.train.kl.toFixed(2)}${gan})${val} ` +
    `${Math.round(p.samplesPerSecond)}/s ${p.etaSeconds != null && Number.isFinite(p.etaSeconds) ? `ETA ${Math.round(p.etaSeconds)}s` : 'ETA estimating…'}`
  );
}

/**
 * The run's configuration from the options (the engine validates the values).
 * @throws UsageError for an unknown model kind or architecture, `--filters` without conv, the
 *   VAE-GAN's `--gamma` / `--pixel-weight` / `--disc-lr-scale` / `--gan-loss` / `--ema-decay`
 *   without `--model vaegan`, a `--gan-loss` other than standard or relativistic, an
 *   `--lr-schedule` other than constant or linear-decay (`LR_SCHEDULES`), non-numbers and numbers
 *   out of their range (`--ema-decay`: 0 to 0.99999). Without `--lr-schedule` the config has no
 *   `lrSchedule`: the engine uses the kind's `DEFAULT_LR_SCHEDULE`.
 */
export function trainConfig(o: Options): TrainConfigInput {
  const kind = o.model ?? 'vae';
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--model must be one of ${MODEL_KINDS.join(', ')}`);
  const arch = o.arch ?? 'dense';
  if (!(ARCHS as readonly string[]).includes(arch)) throw new UsageError(`--arch must be one of ${ARCHS.join(', ')}`);
  if (o.filters !== undefined && arch !== 'conv') throw new UsageError('--filters needs --arch conv');
  const likelihood = o.likelihood ?? 'auto';
  if (!(LIKELIHOODS as readonly string[]).includes(likelihood)) throw new UsageError(`--likelihood must be one of ${LIKELIHOODS.join(', ')}`);
  if (o.sigma !== undefined && likelihood === 'bernoulli') throw new UsageError('--sigma applies to --likelihood gaussian');
  const ganFlag = (['gamma', 'pixel-weight', 'disc-lr-scale', 'gan-loss', 'ema-decay'] as const).find((f) => o[f] !== undefined);
  if (ganFlag && kind !== 'vaegan') throw new UsageError(`--${ganFlag} needs --model vaegan`);
  const ganLoss = o['gan-loss'];
  if (ganLoss !== undefined && !(GAN_LOSSES as readonly string[]).includes(ganLoss)) throw new UsageError(`--gan-loss must be one of ${GAN_LOSSES.join(', ')}, got ${ganLoss}`);
  const lrSchedule = o['lr-schedule'];
  if (lrSchedule !== undefined && !(LR_SCHEDULES as readonly string[]).includes(lrSchedule)) throw new UsageError(`--lr-schedule must be one of ${LR_SCHEDULES.join(', ')}, got ${lrSchedule}`);
  return {
    dataset: dataRef(o),
    model: {
      kind: kind as (typeof MODEL_KINDS)[number],
      arch: arch as Arch,
      convFilters: o.filters?.split(',').map((f) => num(f, 'filters', true)!),
      latentDim: num(o.latent, 'latent', true),
      hidden: o.hidden?.split(',').map((h) => num(h, 'hidden', true)!),
      beta: num(o.beta, 'beta'),
      klWarmupEpochs: num(o.warmup, 'warmup', true),
      likelihood: likelihood as Likelihood,
      sigma: num(o.sigma, 'sigma'),
      gamma: num(o.gamma, 'gamma'),
      pixelWeight: num(o['pixel-weight'], 'pixel-weight'),
      discLrScale: num(o['disc-lr-scale'], 'disc-lr-scale'),
      ganLoss: ganLoss as GanLoss | undefined,
      emaDecay: num(o['ema-decay'], 'ema-decay'),
    },
    epochs: num(o.epochs, 'epochs', true),
    batchSize: num(o.batch, 'batch', true),
    learningRate: num(o.lr, 'lr'),
    ...(lrSchedule !== undefined ? { lrSchedule: lrSchedule as LrSchedule } : {}),
    seed: num(o.seed, 'seed', true),
    name: o.name,
  };
}

/** Progress to stderr (a redrawn bar on a terminal, one line per epoch otherwise) or, with --json, epoch lines to stdout. */
function progressPrinter(o: Options, tty: boolean): EngineOptions['emit'] {
  return (name, payload) => {
    if (name !== 'training:progress') return;
    const p = payload as TrainProgress;
    if (o.json) {
      if (p.val) console.log(JSON.stringify({ epoch: p.epoch, train: p.train, val: p.val, samplesPerSecond: p.samplesPerSecond, beta: p.beta }));
    } else if (tty) process.stderr.write(`\r${bar(p)}\x1b[K`);
    else if (p.val) console.error(bar(p));
  };
}

/** The error when a run's folder was deleted while it trained (what may be left there is not the whole run). */
function folderVanished(dir: string): LabError {
  const left = existsSync(dir) ? `; what the training wrote there after that (${dir}) is not the whole run` : '';
  return new LabError('NOT_FOUND', `the run's folder ${dir} was deleted while it trained (by hand, or by another program); training stopped${left}`);
}

/**
 * The printed test metrics (the classifier's numbers when they came), with `judgeUnreliable`: why
 * the classifier's numbers are not reliable (./judge.ts `judgeUnreliable`), when they are not.
 * `classCount`: the dataset's classes (the classifier's chance level).
 */
export function testJson(m: Metrics | null, classCount?: number): Record<string, unknown> | null {
  if (!m) return null;
  const unreliable = judgeUnreliable(m, classCount);
  return {
    elbo: m.elbo,
    recon: m.recon,
    kl: m.kl,
    activeUnits: m.activeUnits,
    knnAccuracy: m.knnAccuracy,
    sampleSpread: m.sampleSpread,
    sampleSpreadFitted: m.sampleSpreadFitted,
    likelihood: m.likelihood,
    sigma: m.sigma,
    frechet: m.frechet,
    frechetFitted: m.frechetFitted,
    frechetSamples: m.frechetSamples,
    reconAccuracy: m.reconAccuracy,
    generationAccuracy: m.generationAccuracy,
    generationAccuracyFitted: m.generationAccuracyFitted,
    classifierAccuracy: m.classifierAccuracy,
    ...(unreliable ? { judgeUnreliable: unreliable } : {}),
  };
}

/** A path as a shell word: quoted when it holds anything but safe characters. */
const shellWord = (p: string) => (/^[\w@%+=:,./~-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);

/**
 * The stderr line after a run saved with `--out`: the app lists only `<workspace>/runs/`, so it
 * says how to open it there — start the app on the folder above a `runs/` folder that holds it,
 * or copy it into the workspace's runs folder (its folder name is its id, as `moveRunTo` wrote it).
 */
export function openInAppHint(outDir: string, workspace: string): string {
  const parent = path.dirname(outDir);
  const copy = `cp -r ${shellWord(outDir)} ${shellWord(path.join(workspace, 'runs') + path.sep)}`;
  if (path.basename(parent) === 'runs' && path.resolve(parent) !== path.resolve(workspace, 'runs')) {
    const ws = shellWord(path.dirname(parent));
    return `to open this run in the app, start it on the folder that holds runs/: LATENT_LAB_HOME=${ws} npm start (browser mode: npm run serve -- --workspace ${ws}); or copy it into your workspace's runs folder: ${copy}`;
  }
  return `to open this run in the app, copy it into your workspace's runs folder: ${copy} (the app lists only <workspace>/runs/)`;
}

/**
 * Trains until done (Ctrl-C or SIGTERM stops and keeps what was learnt, and with `--out` still
 * moves the run; a second one exits at once, 130 / 143, leaving the run in the workspace; one
 * after the run's end skips the wait for the classifier's numbers; one while the run moves to
 * `--out` is ignored until it is there), then prints one JSON line: the run
 * folder, state, epochs, test metrics (with the likelihood the ELBO is under; image runs: the
 * Fréchet distance and reconstruction accuracy, waited for — at most `JUDGE_WAIT_MS` — when the
 * dataset's judging classifier is cached, else a `note:` line on stderr says why they are
 * missing and how to get them: ./judge.ts), what the start adjusted
 * and what training found (`warnings`, also on stderr: a VAE-GAN's stability) and, for a run that
 * collapsed (`src-shared/collapse.ts`: no active latent unit, KL under 0.1 nats, near-identical
 * samples), `collapsed` with the reason (also a `warning:` line on stderr).
 * @throws UsageError (options, `--out`), LabError DIVERGED when the run ended in error.
 */
export async function train(o: Options): Promise<number> {
  const cfg = trainConfig(o);
  const workspace = userWorkspace(o);
  const outDir = o.out ? resolveCliPath(o.out, { flag: '--out', destination: true }) : undefined;
  if (outDir) await checkRunOut(outDir, workspace, cfg.dataset?.path);
  const tty = process.stderr.isTTY && !o.json;
  const watch = new JudgeWatch();
  const progress = progressPrinter(o, tty);
  // The run's folder deleted while it trains (by hand, or an app that did not know): training
  // stops, and the run ends with that said instead of a crash.
  let vanished: string | null = null;
  const engine = await openEngine(o, workspace, (name, payload) => {
    watch.onEvent(name, payload);
    progress(name, payload);
    if (!vanished && (name === 'training:progress' || name === 'training:latents')) {
      const dir = path.join(engine.workspace, 'runs', (payload as { runId: string }).runId);
      if (!existsSync(path.join(dir, 'config.json'))) {
        vanished = dir;
        void engine.call('training:stop', {});
      }
    }
  });
  // Ctrl-C or SIGTERM (`timeout`, `kill`, a CI runner's cancel): during training, stops it (what
  // was learnt is kept, and with --out the run is still moved); again while it stops, exits at
  // once (exit code 130 for SIGINT, 143 for SIGTERM, as the defaults would), saying where the run
  // is left; after the run's end, stops waiting for the classifier's numbers. While the run moves
  // to --out, signals are ignored: a rename, or across file systems a copy then a rename, that
  // ends first (exited half-way, the run could be in both places, or at --out under its old id).
  let phase: 'training' | 'stopping' | 'judging' | 'moving' = 'training';
  let startAsked = false; // training:start called (a stop from then on ends with a run)
  let startedId: string | undefined;
  let stopSignal: NodeJS.Signals = 'SIGINT';
  const signalCode = () => (stopSignal === 'SIGTERM' ? 143 : 130);
  const stopping = () => phase === 'stopping'; // (set by onSig, which TypeScript's narrowing does not see)
  const say = (line: string) => {
    if (o.json) return; // --json: stderr carries only warnings and notes
    if (tty) process.stderr.write('\n'); // past the progress bar
    console.error(line);
  };
  let saidMoving = false;
  const onSig = (sig: NodeJS.Signals) => {
    if (phase === 'moving') {
      if (!saidMoving) say(`moving the run to ${outDir}: that finishes first (${sig} ignored until then)`);
      saidMoving = true;
      return;
    }
    if (phase === 'judging') return watch.cancel();
    if (phase === 'stopping') {
      if (startedId) say(`exited at once: the run is left in ${path.join(engine.workspace, 'runs', startedId)}${outDir ? ` (not moved to ${outDir})` : ''}`);
      stopSignal = sig;
      process.exit(signalCode());
    }
    phase = 'stopping';
    stopSignal = sig;
    const again = sig === 'SIGINT' ? 'Ctrl-C again' : 'a second SIGTERM';
    if (outDir && startAsked) say(`stopping training: what it has learnt is kept and the run will still be moved to ${outDir} (${again} exits at once, leaving it in the workspace)`);
    else if (outDir) say(`stopping before training began: no run is made`);
    void engine.call('datasets:cancel', {}); // an import still running stops too
    void engine.call('training:stop', {});
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  try {
    // Loaded (and memoised) first so that its warnings come before the training's output.
    const data = await engine.call('datasets:prepare', { dataset: cfg.dataset }).catch((err: unknown) => {
      if (stopping()) return null; // cancelled by the signal
      throw err;
    });
    // A signal before training began: no run is made, and the exit code is the signal's.
    if (!data || stopping()) return signalCode();
    if (data.report) printWarnings(data.report);
    startAsked = true;
    const { runId, warnings } = await engine.call('training:start', cfg);
    startedId = runId;
    for (const w of warnings ?? []) console.error(`warning: ${w}`);
    await engine.waitForTraining();
    const runDirNow = path.join(engine.workspace, 'runs', runId);
    if (vanished || !existsSync(path.join(runDirNow, 'config.json'))) throw folderVanished(runDirNow);
    phase = 'judging';
    if (tty) process.stderr.write('\n');
    const judging = tty && watch.isQueued(runId);
    if (judging) process.stderr.write(`computing the Fréchet distance and recognised share (at most ${JUDGE_WAIT_MS / 1000} s; Ctrl-C skips)…`);
    const judged = await watch.wait(runId);
    if (judging) process.stderr.write('\r\x1b[K');
    // Not cached (its training would take many minutes) or too slow: stopped, and said why.
    if (judged.state === 'untrained' || judged.state === 'timeout' || judged.state === 'cancelled') await engine.call('classifier:cancel', {});
    const run = (await engine.call('runs:list', {})).find((r) => r.id === runId);
    if (!run) throw folderVanished(path.join(engine.workspace, 'runs', runId));
    const status = await engine.call('training:status', {});
    let runDir = path.join(engine.workspace, 'runs', runId);
    if (outDir) {
      await engine.dispose(); // nothing of the run is held open while it moves
      phase = 'moving';
      await moveRunTo(runDir, outDir, workspace);
      runDir = outDir;
    }
    if (run.state === 'error') throw new LabError('DIVERGED', run.error ?? 'training failed');
    const m = judged.state === 'done' ? judged.metrics : run.metrics;
    const note = judgeNote(judged, path.join(workspace, 'datasets'), data);
    if (note) console.error(note);
    const unreliable = judgeUnreliable(m, data.labelNames.length);
    if (unreliable) console.error(`warning: the Fréchet distance and recognised share are not reliable: ${unreliable}`);
    // What training itself found (a VAE-GAN's stability warnings), after the start's.
    const later = (run.warnings ?? []).filter((w) => !(warnings ?? []).includes(w));
    for (const w of later) console.error(`warning: ${w}`);
    const allWarnings = [...(warnings ?? []), ...later];
    const collapsed = collapseReason(run.config.model.kind, m);
    if (collapsed) console.error(`warning: this run collapsed (${collapsed}): the decoder ignores z, so its samples will be near-identical`);
    console.log(
      JSON.stringify({
        run: runDir,
        state: run.state,
        epochs: run.epochsDone,
        test: testJson(m, data.labelNames.length),
        samplesPerSecond: status?.samplesPerSecond ?? null,
        ...(allWarnings.length ? { warnings: allWarnings } : {}),
        ...(collapsed ? { collapsed } : {}),
      }),
    );
    if (outDir) console.error(`note: ${openInAppHint(outDir, workspace)}`);
    return 0;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}
