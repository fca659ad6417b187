/**
 * How each compared run was trained (batch size, epochs done, optimiser steps, learning rate and
 * its schedule, and the model settings that differ — for two VAE-GANs always their β, γ, pixel
 * weight, discriminator LR ×, adversarial loss and weight average: `settingRows`), so
 * that Compare can say when two runs were not trained on equal terms (a VAE at batch 256 beside a
 * VAE-GAN at its default 64 took about four times fewer steps), and column labels that tell two
 * runs apart when they share a name. Pure functions of the contract's `RunSummary` / `DatasetInfo`.
 */
import { DEFAULT_BATCH_SIZE, LR_SCHEDULE_DESCRIPTIONS, optimiserSteps, type DatasetInfo, type LrSchedule, type RunSummary } from '../../lib/contract';
import { fmtDate, fmtInt, modelName } from '../../lib/format';
import { datasetLabel } from '../../../../src-shared/runNames';
import { GAN_LOSS_NAMES, LR_SCHEDULE_NAMES } from '../../lib/settingLabels';
import { formFromConfig, putKindSetting, type RunData, type TrainForm } from '../trainForm';
import { sameData } from './compareRules';

type Run = Pick<RunSummary, 'id' | 'name' | 'created' | 'config' | 'epochsDone'>;

/** One run's training, as Compare shows it. */
export interface RunTraining {
  batchSize: number;
  /** Epochs completed (a stopped run: fewer than `epochsPlanned`). */
  epochs: number;
  epochsPlanned: number;
  /** Optimiser steps taken: epochs done × ⌈training examples / batch⌉; undefined when the training set's size is not known. */
  steps?: number;
  learningRate: number;
  /** How the learning rate moved over the epochs (`TrainConfig.lrSchedule`; a run saved before the option: constant, as the engine reads it). */
  lrSchedule: LrSchedule;
}

/**
 * The number of training examples of `run`'s data, when known: `own` (the run's own data as the
 * engine prepared it for the run's dataset reference, `datasets:prepare`) when given; else a
 * built-in or toy dataset's `trainCount` (`datasets`: the engine's list); your own data only when
 * the listed `local` dataset's report is about the run's path. Undefined otherwise (Compare then
 * shows no steps, and says why: `STEPS_UNKNOWN`).
 */
export function trainCountOf(run: Run, datasets: readonly DatasetInfo[], own?: DatasetInfo | null): number | undefined {
  if (own && own.trainCount > 0) return own.trainCount;
  const ref = run.config.dataset;
  const info = datasets.find((d) => d.id === ref.id);
  if (!info || info.trainCount <= 0) return undefined;
  if (ref.path !== undefined && info.report?.path !== ref.path) return undefined;
  return info.trainCount;
}

/**
 * `run`'s training: its saved config's batch size (the one it really used, after any clamp to the
 * training set), learning rate and learning-rate schedule, its epochs done, and its optimiser
 * steps (one per batch, the last one of an epoch partial) when `trainCount` (training examples) is given.
 */
export function runTraining(run: Run, trainCount?: number): RunTraining {
  const { batchSize, learningRate, lrSchedule, epochs: epochsPlanned } = run.config;
  const steps = trainCount && trainCount > 0 ? optimiserSteps(run.epochsDone, trainCount, batchSize) : undefined;
  return { batchSize, epochs: run.epochsDone, epochsPlanned, learningRate, lrSchedule, ...(steps !== undefined ? { steps } : {}) };
}

/** The optimiser-steps cell's tooltip when the training set's size is unknown (its data could not be read). */
export const STEPS_UNKNOWN = "the dataset's size is not recorded for this run, and its data could not be read to count it";

/** The rows of Compare's training table: a title, each side's cell and, where it helps, the cell's tooltip. */
export const TRAINING_ROWS: { key: string; title: string; cell: (t: RunTraining) => string; tip?: (t: RunTraining) => string }[] = [
  { key: 'batchSize', title: 'Batch size', cell: (t) => fmtInt(t.batchSize) },
  { key: 'epochs', title: 'Epochs done', cell: (t) => (t.epochs < t.epochsPlanned ? `${fmtInt(t.epochs)} of ${fmtInt(t.epochsPlanned)}` : fmtInt(t.epochs)) },
  {
    key: 'steps',
    title: 'Optimiser steps',
    cell: (t) => (t.steps === undefined ? '—' : fmtInt(t.steps)),
    tip: (t) => (t.steps === undefined ? STEPS_UNKNOWN : 'epochs done × batches per epoch (the last batch of an epoch partial)'),
  },
  { key: 'learningRate', title: 'Learning rate', cell: (t) => String(t.learningRate) },
  // As the Train form names it ("Linear decay"), not the contract's id.
  { key: 'lrSchedule', title: 'Learning-rate schedule', cell: (t) => scheduleName(t.lrSchedule), tip: (t) => LR_SCHEDULE_DESCRIPTIONS[t.lrSchedule] },
];

/** A learning-rate schedule as the Train form's select names it ("Linear decay"); an unknown id as it is. */
const scheduleName = (l: LrSchedule) => LR_SCHEDULE_NAMES[l] ?? l;

/** A model or training setting as a row of Compare's training table: a title and each run's cell. */
export interface SettingRow {
  key: string;
  title: string;
  cell: (r: Run) => string;
  /** The tooltip of a cell that says '—' because the run's kind has no such setting (a VAE's γ). */
  absent?: string;
}

/** The tooltip of a VAE-GAN setting's '—' cell, for a run of another kind. */
export const NOT_A_GAN_SETTING = 'not a setting of this kind of model: only a VAE-GAN has it';

/** `undefined` (a kind without the setting) as '—'. */
const num = (v: number | undefined) => (v === undefined ? '—' : String(v));
const model = (r: Run) => r.config.model;

/** The settings Compare can list, in the table's order; `gan`: a VAE-GAN's own (its other kinds' cells say '—'). */
const SETTINGS: (SettingRow & { gan?: boolean; vaegan?: boolean })[] = [
  { key: 'data', title: 'Data', cell: (r) => r.config.dataset.path ?? r.config.dataset.id },
  { key: 'latentDim', title: 'Latent size', cell: (r) => String(model(r).latentDim) },
  { key: 'arch', title: 'Architecture', cell: (r) => model(r).arch },
  { key: 'convFilters', title: 'Conv filters', cell: (r) => (model(r).arch !== 'conv' ? '—' : model(r).convFilters?.join('-') ?? 'default') },
  { key: 'hidden', title: 'Hidden layers', cell: (r) => (model(r).hidden.length ? model(r).hidden.join('-') : 'default') },
  { key: 'beta', title: 'β', cell: (r) => (model(r).kind === 'ae' ? '—' : num(model(r).beta)), vaegan: true },
  { key: 'gamma', title: 'γ', cell: (r) => num(model(r).gamma), gan: true },
  { key: 'pixelWeight', title: 'Pixel weight', cell: (r) => num(model(r).pixelWeight), gan: true },
  { key: 'discLrScale', title: 'Discriminator LR ×', cell: (r) => num(model(r).discLrScale), gan: true },
  // A VAE-GAN's own (a run saved before one existed is read with what it trained with: the standard loss, no average).
  { key: 'ganLoss', title: 'Adversarial loss', cell: (r) => (model(r).ganLoss ? GAN_LOSS_NAMES[model(r).ganLoss!] : '—'), gan: true },
  // The weight average's decay; 0: off, the last step's weights.
  { key: 'emaDecay', title: 'Weight average (EMA)', cell: (r) => (model(r).emaDecay === 0 ? 'off' : num(model(r).emaDecay)), gan: true },
  { key: 'klWarmupEpochs', title: 'KL warm-up (epochs)', cell: (r) => String(model(r).klWarmupEpochs) },
  { key: 'likelihood', title: 'Likelihood', cell: (r) => model(r).likelihood + (model(r).sigma !== undefined ? ` σ=${model(r).sigma}` : '') },
  { key: 'activation', title: 'Activation', cell: (r) => model(r).activation },
  { key: 'inputNoise', title: 'Input noise', cell: (r) => String(model(r).inputNoise) },
  { key: 'dropout', title: 'Dropout', cell: (r) => String(model(r).dropout) },
  { key: 'l2', title: 'L2', cell: (r) => String(model(r).l2) },
  { key: 'seed', title: 'Seed', cell: (r) => String(r.config.seed) },
];

/**
 * The settings rows of Compare's training table for runs `a` and `b` (beside batch, epochs, steps,
 * learning rate and its schedule, always shown): for two VAE-GANs their β, γ, pixel weight, discriminator
 * LR ×, adversarial loss ("standard" / "relativistic") and weight average's decay ("off" for 0)
 * always (what "the settings of these two
 * VAE-GANs" are); for any pair, every other setting
 * (data, latent size, architecture, conv filters, hidden layers, β, the GAN's, KL warm-up,
 * likelihood, activation, input noise, dropout, L2, seed) whose cells differ.
 */
export function settingRows(a: Run, b: Run): SettingRow[] {
  const gans = model(a).kind === 'vaegan' && model(b).kind === 'vaegan';
  return SETTINGS.filter((row) => ((row.gan || row.vaegan) && gans) || row.cell(a) !== row.cell(b)).map(({ key, title, cell, gan }) => ({
    key,
    title,
    cell,
    ...(gan ? { absent: NOT_A_GAN_SETTING } : {}),
  }));
}

/**
 * The settings (`SETTINGS`, the rows' own titles and cells) in which runs `a` and `b` differ and
 * both have a value, in the table's order, each as "title A vs B" with the title lower-cased
 * unless it is a symbol or an abbreviation: e.g. ["β 1 vs 4", "architecture dense vs conv"]. A
 * setting one run's kind has not (a VAE's γ: '—') is a different model, not a different training,
 * and is left out.
 */
export function settingDifferences(a: Run, b: Run): string[] {
  const noteTitle = (t: string) => (/^\p{Lu}\p{Ll}/u.test(t) ? t[0].toLowerCase() + t.slice(1) : t);
  return SETTINGS.flatMap(({ title, cell }) => {
    const [x, y] = [cell(a), cell(b)];
    return x !== y && x !== '—' && y !== '—' ? [`${noteTitle(title)} ${x} vs ${y}`] : [];
  });
}

/**
 * The optimiser steps one run may take more than the other (as a ratio) and its verdicts still be
 * like-for-like. A VAE at its default batch 256 beside a VAE-GAN at its 64 took ~4× fewer steps
 * over the same epochs; a tester then matched the VAE's batch and schedule to the VAE-GAN's, and
 * its Fréchet distances came within the noise (373.5 vs 339.2, 272.9 vs 254.7: "no verdict")
 * where the defaults' pair had been marked "better" (460.1 vs 339.2).
 */
export const STEP_RATIO_LIMIT = 1.5;

/**
 * Whether runs `a` and `b` trained too differently for a metric's verdict to be about the models
 * alone: different batch sizes or learning-rate schedules, or one took more than
 * `STEP_RATIO_LIMIT` × the other's optimiser steps (steps unknown: epochs done, the same ratio at
 * one batch size). Compare then marks its "better" cells with * and no colour, the note above the
 * table saying why.
 */
export function notLikeForLike(a: RunTraining, b: RunTraining): boolean {
  if (a.batchSize !== b.batchSize || a.lrSchedule !== b.lrSchedule) return true;
  const [x, y] = a.steps !== undefined && b.steps !== undefined ? [a.steps, b.steps] : [a.epochs, b.epochs];
  return Math.max(x, y) > STEP_RATIO_LIMIT * Math.max(1, Math.min(x, y));
}

const KIND_NAMES: Record<string, string> = { ae: 'autoencoder', vae: 'VAE', cvae: 'CVAE', vaegan: 'VAE-GAN' };

/**
 * When a VAE-GAN and a run of another kind each trained the same epochs at its kind's default
 * batch size (`DEFAULT_BATCH_SIZE`: 64 and 256), one sentence on why their steps differ and what
 * comparison is fair: the same training time, as the README's VAE vs VAE-GAN figures are measured.
 * Null otherwise (a pair at different epochs may already be such a pairing: the run records no
 * training time to tell).
 */
export function defaultBatchReason(a: RunTraining, b: RunTraining, runs: readonly [Run, Run]): string | null {
  const kinds = runs.map((r) => r.config.model.kind);
  const gan = kinds.indexOf('vaegan');
  if (gan < 0 || kinds[1 - gan] === 'vaegan') return null;
  const [g, o] = gan === 0 ? [a, b] : [b, a];
  const other = kinds[1 - gan];
  if (g.epochs !== o.epochs || g.batchSize !== DEFAULT_BATCH_SIZE.vaegan || o.batchSize !== DEFAULT_BATCH_SIZE[other] || g.batchSize >= o.batchSize) return null;
  const ratio = Math.round(o.batchSize / g.batchSize);
  return `Over the same epochs the VAE-GAN's default batch (${fmtInt(g.batchSize)}; the ${KIND_NAMES[other] ?? other}'s ${fmtInt(o.batchSize)}) takes ~${ratio}× the steps: compare the two at the same training time (as the README's VAE vs VAE-GAN figures are measured), or at the same steps with the button below.`;
}

/**
 * A note when the two runs trained differently, naming each difference as "A vs B": batch size,
 * epochs done, optimiser steps, learning rate and its schedule (`a`, `b`), then, given the runs (`runs`: A's
 * and B's), every setting that differs (`settingDifferences`: data, latent size, architecture,
 * β, γ, pixel weight, discriminator LR ×, adversarial loss, weight average, seed…). Null when they trained alike.
 * Not like-for-like (`notLikeForLike`): "Not like-for-like (batch 256 vs 64, 96 vs 375 steps, …):
 * a verdict marked * may come from the training, not the model.", and for a VAE-GAN beside another
 * kind at each kind's default batch, why and what is fair (`defaultBatchReason`). Else e.g. "These
 * runs trained differently (β 1 vs 4): part of a difference in the metrics can come from that."
 */
export function trainingDifference(a: RunTraining, b: RunTraining, runs?: readonly [Run, Run]): string | null {
  const parts: string[] = [];
  if (a.batchSize !== b.batchSize) parts.push(`batch ${fmtInt(a.batchSize)} vs ${fmtInt(b.batchSize)}`);
  if (a.epochs !== b.epochs) parts.push(`${fmtInt(a.epochs)} vs ${fmtInt(b.epochs)} epochs`);
  if (a.steps !== undefined && b.steps !== undefined && a.steps !== b.steps) parts.push(`${fmtInt(a.steps)} vs ${fmtInt(b.steps)} steps`);
  if (a.learningRate !== b.learningRate) parts.push(`learning rate ${a.learningRate} vs ${b.learningRate}`);
  if (a.lrSchedule !== b.lrSchedule) parts.push(`learning-rate schedule ${scheduleName(a.lrSchedule).toLowerCase()} vs ${scheduleName(b.lrSchedule).toLowerCase()}`);
  if (runs) parts.push(...settingDifferences(runs[0], runs[1]));
  if (!parts.length) return null;
  if (!notLikeForLike(a, b)) return `These runs trained differently (${parts.join(', ')}): part of a difference in the metrics can come from that.`;
  const why = runs ? defaultBatchReason(a, b, runs) : null;
  return `Not like-for-like (${parts.join(', ')}): a verdict marked * may come from the training, not the model.${why ? ` ${why}` : ''}`;
}

/**
 * What tells run `r` apart from other runs of the same model in its name: the name without the
 * model's own name before it and its data after it (" · mnist"), e.g. "batch 64 LR decay" for
 * "VAE z=3 batch 64 LR decay · mnist", "" for "VAE z=3 · mnist"; a renamed run's whole name.
 */
function nameRest(r: Run): string {
  const model = modelName(r.config.model);
  if (!r.name.startsWith(model)) return r.name;
  const data = ` · ${datasetLabel(r.config.dataset)}`;
  const rest = r.name.slice(model.length);
  return (rest.endsWith(data) ? rest.slice(0, -data.length) : rest).replace(/^[\s·]+/, '').trim();
}

/**
 * The two column labels ("A · VAE z=8"). A run whose model another run has (among `runs`, the
 * runs Compare offers, and the other side) also gets what its name says beyond the model ("A ·
 * VAE z=3 batch 64 LR decay", after "Train A again like B"; a renamed run: " · <its name>"); when
 * that still matches another such run's, its creation time, and when that is the same to the
 * minute, its run id. A tester could not tell which "A · VAE z=3" the table showed.
 */
export function columnLabels(a: Run | undefined, b: Run | undefined, runs: readonly Run[] = []): [string, string] {
  const pool = [...runs, ...(a ? [a] : []), ...(b ? [b] : [])];
  const label = (side: string, r: Run | undefined): string => {
    if (!r) return side;
    const model = modelName(r.config.model);
    const twins = pool.filter((x) => x.id !== r.id && modelName(x.config.model) === model);
    if (!twins.length) return `${side} · ${model}`;
    const rest = nameRest(r);
    const named = `${side} · ${model}${!rest ? '' : r.name.startsWith(model) ? ` ${rest}` : ` · ${rest}`}`;
    const same = twins.filter((x) => nameRest(x) === rest);
    if (!same.length) return named;
    const date = fmtDate(r.created);
    // Created within the same minute: the run id (unique; its end alone repeats: "…-vae-z8").
    return `${named} · ${same.some((x) => fmtDate(x.created) === date) ? r.id : date}`;
  };
  return [label('A', a), label('B', b)];
}

/**
 * A run's label in the run pickers: its name, and its creation time when another run in `runs`
 * has the same name (two "VAE z=8 · mnist" runs cannot be told apart otherwise); its id when
 * that run was created in the same minute.
 */
export function pickerLabel(run: Run, runs: readonly Run[]): string {
  const twins = runs.filter((r) => r.id !== run.id && r.name === run.name);
  if (!twins.length) return run.name;
  const date = fmtDate(run.created);
  return twins.some((r) => fmtDate(r.created) === date) ? `${run.name} · ${run.id}` : `${run.name} · ${date}`;
}

/**
 * Compare's offer when two runs did not train alike (`notLikeForLike`): train one of them again
 * with the other's batch size, learning-rate schedule and epochs, so that on the same data it
 * takes the same optimiser steps (a tester did this by hand: the VAE at the VAE-GAN's batch 64 and
 * linear decay, and the VAE-GAN's Fréchet "win" came within the noise). The run trained again
 * (`side`) is the one that is not a VAE-GAN when the other is (the VAE-GAN's batch and schedule
 * are its own defaults, a VAE's are a choice), else the one with fewer optimiser steps (steps
 * unknown: fewer epochs done; equal: A). Its other settings stay its own (`trainLikeForm`).
 */
export interface TrainLikePlan {
  /** The side trained again ('A' or 'B') and its run. */
  side: 'A' | 'B';
  run: Run;
  /** The side whose training it takes, and its run. */
  like: 'A' | 'B';
  likeRun: Run;
  /** The other run's batch size and schedule, and its epochs done (a run stopped early: the epochs it reached, the steps it took). */
  batchSize: number;
  lrSchedule: LrSchedule;
  epochs: number;
  /** The other run's optimiser steps, which the new run takes on the same data; undefined when unknown. */
  steps?: number;
}

/** The plan of Compare's "Train A again like B" for runs A and B (`runs`) and their trainings (`trains`), or null when they trained alike. */
export function trainLikePlan(runs: readonly [Run, Run], trains: readonly [RunTraining, RunTraining]): TrainLikePlan | null {
  const [a, b] = trains;
  if (!notLikeForLike(a, b)) return null;
  const kinds = runs.map((r) => r.config.model.kind);
  const gan = kinds.indexOf('vaegan');
  let i: 0 | 1;
  if (gan >= 0 && kinds[1 - gan] !== 'vaegan') i = gan === 0 ? 1 : 0;
  else {
    const [x, y] = a.steps !== undefined && b.steps !== undefined ? [a.steps, b.steps] : [a.epochs, b.epochs];
    i = y < x ? 1 : 0;
  }
  const j = i === 0 ? 1 : 0;
  const like = trains[j];
  const sides = ['A', 'B'] as const;
  return {
    side: sides[i],
    run: runs[i],
    like: sides[j],
    likeRun: runs[j],
    batchSize: like.batchSize,
    lrSchedule: like.lrSchedule,
    epochs: like.epochs,
    ...(like.steps !== undefined ? { steps: like.steps } : {}),
  };
}

/** The button's words, with the real values: "Train A again like B: batch 64, linear decay, 375 steps" (steps unknown: "…, 3 epochs"). */
export function trainLikeLabel(p: TrainLikePlan): string {
  const length = p.steps !== undefined ? `${fmtInt(p.steps)} steps` : `${fmtInt(p.epochs)} ${p.epochs === 1 ? 'epoch' : 'epochs'}`;
  return `Train ${p.side} again like ${p.like}: batch ${fmtInt(p.batchSize)}, ${scheduleName(p.lrSchedule).toLowerCase()}, ${length}`;
}

/** The button's tooltip while it can start: what the new run takes from which run, and that the old one stays. */
export function trainLikeTitle(p: TrainLikePlan): string {
  const steps = p.steps !== undefined ? `the same ${fmtInt(p.steps)} optimiser steps as ${p.like}` : `the same steps as ${p.like}`;
  return `A new run with ${p.side}'s own settings (${modelName(p.run.config.model)}, its learning rate, seed and data) and ${p.like}'s batch size ${fmtInt(p.batchSize)}, ${scheduleName(p.lrSchedule).toLowerCase()} learning rate and ${fmtInt(p.epochs)} ${p.epochs === 1 ? 'epoch' : 'epochs'}: ${steps}. ${p.side} is kept; the new run's name says its batch and schedule. Its settings fill the Train form.`;
}

/**
 * Why "Train again like" cannot start now, as its disabled button's title, or null when it can: a
 * run is training (or starting), the engine is not ready, or the two runs trained on different
 * data (the same batch and epochs would not give the same steps, nor a comparable run).
 */
export function trainLikeBlock(p: TrainLikePlan, state: { training: boolean; engineReady: boolean }): string | null {
  if (state.training) return 'A run is training: wait for it to end, or stop it, to train another.';
  if (!state.engineReady) return 'The engine is not ready yet.';
  if (!sameData(p.run, p.likeRun)) return `${p.side} and ${p.like} trained on different data: ${p.side} trained again like ${p.like} would still not be comparable with it.`;
  return null;
}

/**
 * The Train form for `p`: run `p.run`'s own settings as opening it gives them (`formFromConfig`
 * over `current`, `data` its data's kind), with `p`'s batch size, learning-rate schedule (each the
 * kind's choice, or following the kind when it is the kind's default: `putKindSetting`) and epochs.
 */
export function trainLikeForm(p: TrainLikePlan, current: TrainForm, data?: RunData): TrainForm {
  const form = formFromConfig(p.run.config, current, data);
  form.epochs = p.epochs;
  putKindSetting(form, 'batchSize', p.batchSize);
  putKindSetting(form, 'lrSchedule', p.lrSchedule);
  return form;
}
