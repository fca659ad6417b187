/**
 * How the app names a run's model, one rule for the engine (a new run's default name) and the
 * renderer (the run list, Compare's captions and headings): the model's proper name ("AE", "VAE",
 * "CVAE", "VAE-GAN"), "Conv" before it for the convolutional arch, its latent size and β, and a
 * VAE-GAN's own settings (γ, pixel weight, discriminator LR ×, adversarial loss, weight average) when not the
 * defaults; a new run's default name also its batch size and learning-rate schedule when not its
 * kind's defaults. Imports only the defaults (./vaegan.ts, ./training.ts).
 */
import { DEFAULT_BATCH_SIZE, DEFAULT_LR_SCHEDULE } from './training';
import { VAEGAN_DEFAULTS } from './vaegan';

/** A model kind as the app names it everywhere: AE, VAE, CVAE, VAE-GAN. */
export function kindName(kind: string): string {
  return kind === 'vaegan' ? 'VAE-GAN' : kind.toUpperCase();
}

/** The fields of a model's settings (`ModelConfig`) its name says. */
export interface NamedModel {
  kind: string;
  arch?: string;
  latentDim: number;
  beta?: number;
  /** A VAE-GAN's γ, pixel weight and discriminator learning-rate scale (./vaegan.ts). */
  gamma?: number;
  pixelWeight?: number;
  discLrScale?: number;
  /** A VAE-GAN's adversarial loss (`GAN_LOSSES`); left out: 'standard', as in `ModelConfig`. */
  ganLoss?: string;
  /** A VAE-GAN's weight average's decay (0 = off); left out: not said. */
  emaDecay?: number;
}

/**
 * A VAE-GAN's settings that differ from `VAEGAN_DEFAULTS`, as its name says them:
 * " γ=0.1 pixel=0 D-LR×0.25 standard loss EMA 0.99" (each only when given and not the default; the
 * loss as "relativistic" or "standard loss"; the weight average as "EMA <decay>" or, 0, "no EMA");
 * "" for other kinds.
 */
function ganPart(m: NamedModel): string {
  if (m.kind !== 'vaegan') return '';
  const set = (v: number | undefined, d: number) => v !== undefined && v !== d;
  return [
    set(m.gamma, VAEGAN_DEFAULTS.gamma) ? ` γ=${m.gamma}` : '',
    set(m.pixelWeight, VAEGAN_DEFAULTS.pixelWeight) ? ` pixel=${m.pixelWeight}` : '',
    set(m.discLrScale, VAEGAN_DEFAULTS.discLrScale) ? ` D-LR×${m.discLrScale}` : '',
    (m.ganLoss ?? 'standard') !== VAEGAN_DEFAULTS.ganLoss ? (m.ganLoss === 'relativistic' ? ' relativistic' : ' standard loss') : '',
    set(m.emaDecay, VAEGAN_DEFAULTS.emaDecay) ? (m.emaDecay === 0 ? ' no EMA' : ` EMA ${m.emaDecay}`) : '',
  ].join('');
}

/**
 * A model as the app names it: `[Conv ]<kind> z=<latent>[ β=<beta>][ γ=…][ pixel=…][ D-LR×…][ loss][ EMA …]`,
 * e.g. "Conv VAE z=4", "VAE z=4 β=2", "VAE-GAN z=8", "VAE-GAN z=8 γ=0.1" ("Conv" for the
 * convolutional arch; dense, the default, says nothing; β for the kinds that have one when ≠ 1; a
 * VAE-GAN's γ, pixel weight and discriminator LR × when not the defaults, `VAEGAN_DEFAULTS`).
 */
export function modelName(m: NamedModel): string {
  const arch = m.arch === 'conv' ? 'Conv ' : '';
  const beta = m.kind !== 'ae' && m.beta !== undefined && m.beta !== 1 ? ` β=${m.beta}` : '';
  return `${arch}${kindName(m.kind)} z=${m.latentDim}${beta}${ganPart(m)}`;
}

/**
 * The dataset as a run's default name says it: the base name of the user's folder or file
 * (`/home/me/shapes/` → `shapes`, `/data/train.npz` → `train.npz`), else the dataset's id.
 */
export function datasetLabel(ref: { id: string; path?: string }): string {
  if (ref.id !== 'local' || !ref.path) return ref.id;
  return ref.path.replace(/[/\\]+$/, '').split(/[/\\]/).pop() || ref.id;
}

/**
 * A run's learning-rate schedule (`TrainConfig.lrSchedule`) as its name says it: "" when it is
 * the kind's `DEFAULT_LR_SCHEDULE` (or not given), " LR decay" for 'linear-decay' on a kind that
 * defaults to constant (a VAE), " constant LR" for 'constant' on one that defaults to the decay
 * (a VAE-GAN).
 */
function schedulePart(kind: string, lrSchedule: string | undefined): string {
  const kindDefault: string | undefined = (DEFAULT_LR_SCHEDULE as Record<string, string>)[kind];
  if (lrSchedule === undefined || lrSchedule === kindDefault) return '';
  return lrSchedule === 'linear-decay' ? ' LR decay' : ' constant LR';
}

/**
 * A run's batch size (`TrainConfig.batchSize` as asked for, before the engine's clamp to a small training set) as
 * its name says it: " batch <n>" when it is not the kind's `DEFAULT_BATCH_SIZE` (a VAE at 64, a
 * VAE-GAN at 256), "" when it is or is not given.
 */
function batchPart(kind: string, batchSize: number | undefined): string {
  const kindDefault: number | undefined = (DEFAULT_BATCH_SIZE as Record<string, number>)[kind];
  return batchSize === undefined || batchSize === kindDefault ? '' : ` batch ${batchSize}`;
}

/**
 * A new run's default name: `<modelName>[ batch <n>][ <schedule>] · <dataset>`, e.g. "Conv VAE
 * z=4 · shapes", "VAE z=4 β=2 · mnist", "VAE-GAN z=8 · mnist", "VAE z=8 LR decay · mnist", "VAE
 * z=3 batch 64 LR decay · mnist" (the batch size and the learning-rate schedule only when not the
 * kind's defaults: `batchPart`, `schedulePart`), so a VAE trained again like a VAE-GAN (batch 64,
 * linear decay) is not named as the first VAE.
 */
export function defaultRunName(cfg: { model: NamedModel; dataset: { id: string; path?: string }; batchSize?: number; lrSchedule?: string }): string {
  const kind = cfg.model.kind;
  return `${modelName(cfg.model)}${batchPart(kind, cfg.batchSize)}${schedulePart(kind, cfg.lrSchedule)} · ${datasetLabel(cfg.dataset)}`;
}
