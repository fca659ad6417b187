/**
 * The advice of a VAE-GAN's stability warnings (./ganHealth.ts `GanHealth.warnings`), in words:
 * what to change, from the evidence — the run's settings off their defaults the way that causes
 * the problem, the code's KL near 0 — each setting named as the Train form and the CLI name it
 * ("γ (0.001 here; default 0.3; CLI --gamma)"); without evidence, the usual remedy.
 */
import { DEFAULT_BETA, TrainConfig, VAEGAN_DEFAULTS, vaeganSettings, type ModelConfig } from '../../../src-shared/types';
import { FEW_STEPS } from './startChecks';

/**
 * The code's KL (nats per test image, the epoch's validation) under which it carries almost
 * nothing of its input (the digit's class alone needs ln 10 ≈ 2.3 nats): the evidence, when
 * reconstructions are ruined, that β or a pixel weight of 0 is the cause. Measured (CLI, 1,000
 * digits, dense z 8): β 60 reached over a warm-up 1.8 → 0.15 nats in epochs 3–6; pixel weight 0
 * 1.1 (γ 0.05, and at the default γ 0.3 0.4–0.7 from epoch 8; the reconstructions' squared error
 * then 10–14 % worse than the average image's: truly ruined, not the pixel likelihood's
 * calibration); healthy runs 15–16 nats.
 */
export const KL_CARRIES_NOTHING_NATS = 3;

/** The run's learning rate when none is given (the Train form's and the CLI's default). */
export const DEFAULT_LR = TrainConfig.parse({}).learningRate;

/**
 * The problems a warning's advice is for (`EpochHealth`'s flags; `recon`: ruined or diverged
 * reconstructions; `blowUp`: the generator's loss blew up; `discIdle`: the discriminator does not learn;
 * `duplicates`: a partial mode collapse, a share of the prior samples near-copies of another).
 */
export type GanProblem = 'discWins' | 'discDiverges' | 'collapsed' | 'recon' | 'blowUp' | 'discIdle' | 'duplicates';

/** The settings a warning's advice may name (the run's resolved config). */
export interface GanSettings {
  gamma: number;
  pixelWeight: number;
  discLrScale: number;
  beta: number;
  klWarmupEpochs: number;
  learningRate: number;
  /** The run's optimiser steps in all (epochs × batches per epoch; Infinity: not known). */
  steps: number;
  /** The latent size (NaN: not known). */
  latentDim: number;
}

/** `model`'s VAE-GAN settings (defaults where absent), its latent size, the run's learning rate and its optimiser steps in all. */
export function ganSettings(
  model: Pick<ModelConfig, 'gamma' | 'pixelWeight' | 'discLrScale' | 'beta' | 'klWarmupEpochs'> & { latentDim?: number },
  learningRate = DEFAULT_LR,
  steps = Number.POSITIVE_INFINITY,
): GanSettings {
  const { gamma, pixelWeight, discLrScale } = vaeganSettings(model);
  return {
    gamma,
    pixelWeight,
    discLrScale,
    beta: model.beta ?? DEFAULT_BETA.vaegan,
    klWarmupEpochs: model.klWarmupEpochs ?? 0,
    learningRate,
    steps,
    latentDim: model.latentDim ?? Number.NaN,
  };
}

/** A number as the form would show it (≤ 4 significant digits, no trailing zeros). */
const num = (v: number) => String(Number(v.toPrecision(4)));

/**
 * A setting named as the Train form and the CLI name it, with its value here and its default:
 * "γ (0.001 here, default 0.3; --gamma)".
 */
function setting(name: 'gamma' | 'pixelWeight' | 'discLrScale' | 'beta' | 'learningRate', s: GanSettings): string {
  const label = { gamma: 'γ', pixelWeight: 'the Pixel weight', discLrScale: 'the Discriminator LR ×', beta: 'β', learningRate: 'the Learning rate' }[name];
  const flag = { gamma: '--gamma', pixelWeight: '--pixel-weight', discLrScale: '--disc-lr-scale', beta: '--beta', learningRate: '--lr' }[name];
  const def = { gamma: VAEGAN_DEFAULTS.gamma, pixelWeight: VAEGAN_DEFAULTS.pixelWeight, discLrScale: VAEGAN_DEFAULTS.discLrScale, beta: DEFAULT_BETA.vaegan, learningRate: DEFAULT_LR }[name];
  const note = name === 'pixelWeight' && s.pixelWeight === 0 ? ', the paper\'s features-only setting' : name === 'beta' && s.klWarmupEpochs > 0 ? `, reached over a ${s.klWarmupEpochs}-epoch KL warm-up` : '';
  return `${label} (${num(s[name])} here${note}; default ${num(def)}; CLI ${flag})`;
}

/** A setting far off its default the way that causes a problem (evidence for the advice). */
const lrVeryLow = (s: GanSettings) => s.learningRate <= DEFAULT_LR / 10;
const lrHigh = (s: GanSettings) => s.learningRate >= DEFAULT_LR * 2;
const gammaLow = (s: GanSettings) => s.gamma <= VAEGAN_DEFAULTS.gamma / 3;
const discFast = (s: GanSettings) => s.discLrScale >= VAEGAN_DEFAULTS.discLrScale * 4;
const discSlow = (s: GanSettings) => s.discLrScale <= VAEGAN_DEFAULTS.discLrScale / 4;
const betaHigh = (s: GanSettings) => s.beta > DEFAULT_BETA.vaegan;

/**
 * Latent sizes under this one crowd the prior samples together (64 points in so few dimensions lie
 * close, and a region of them decodes to one shape): the advice for near-copies names the latent
 * size. Measured (scripts/measure-duplicates.ts, the tester's MNIST run, 375 steps): z 3 28 of 64
 * samples with a near-copy, z 8 none at any epoch, z 15 none (20 epochs); sizes 4–7 not measured.
 */
export const CROWDED_LATENT = 8;

/** "a, b or c". */
const orList = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`);

/**
 * What to change, from the evidence: the settings off their defaults in the direction that
 * causes `problem`, and the term that moved (the code's KL near 0: β, or a pixel weight of 0,
 * leaves the encoder nothing to say). Each setting named as the Train form and the CLI name it.
 * Without evidence, the usual remedy for the problem, from the run's own values — save when the
 * run takes under `FEW_STEPS` optimiser steps: that comes first ("train longer first"), and no
 * setting at its default is offered as the fix (a barely trained model shows every symptom).
 * `h`: the epoch's verdict (its code KL, nats per test image); `s`: the run's settings.
 */
export function ganAdvice(problem: GanProblem, h: { kl: number }, s: GanSettings): string {
  const fixes: string[] = [];
  const because: string[] = [];
  /** The problems of a discriminator or generator out of balance (the remedy is a rate, not γ or the code). */
  const rates = problem === 'discDiverges' || problem === 'blowUp';
  if (lrVeryLow(s) && !rates) {
    fixes.push(`raise ${setting('learningRate', s)}`);
    because.push('the model has barely moved from its start');
  }
  const codeEmpty = h.kl < KL_CARRIES_NOTHING_NATS && (problem === 'recon' || problem === 'collapsed' || problem === 'discWins');
  if (codeEmpty && (betaHigh(s) || s.pixelWeight === 0)) {
    because.push(`the code carries only ${h.kl.toFixed(2)} nats per test image (KL)`);
    if (betaHigh(s)) fixes.push(`lower ${setting('beta', s)}`);
    if (s.pixelWeight === 0) fixes.push(`raise ${setting('pixelWeight', s)}: without it the encoder learns only from the discriminator's features`);
  }
  // Partial mode collapse: only more training (and, for a small code, a larger one) cleared it in
  // the runs measured; γ 1 and the Discriminator LR × 0.1 left the tester's run as it was
  // (ganHealth.ts `DUPLICATE_SHARE`), so no GAN setting is named for it.
  const dup = problem === 'duplicates';
  if (dup && s.latentDim < CROWDED_LATENT) fixes.push(`use a larger Latent size (${s.latentDim} here; CLI --latent): so few dimensions crowd the samples together`);
  if (gammaLow(s) && !rates && problem !== 'discIdle' && !dup) fixes.push(`raise ${setting('gamma', s)}: the decoder weighs the reconstruction little against fooling the discriminator`);
  if (discFast(s) && problem !== 'collapsed' && problem !== 'discIdle' && !dup) fixes.push(`lower ${setting('discLrScale', s)}`);
  if (discSlow(s) && problem === 'discIdle') fixes.push(`raise ${setting('discLrScale', s)}`);
  if (lrHigh(s) && (rates || problem === 'collapsed' || problem === 'recon')) fixes.push(`lower ${setting('learningRate', s)}`);
  const fewSteps = s.steps < FEW_STEPS;
  if (fewSteps) {
    const first = `this run takes only ${s.steps.toLocaleString('en-US')} optimiser ${s.steps === 1 ? 'step' : 'steps'} in all (fewer than ~${FEW_STEPS} leaves a barely trained model): train longer first`;
    const why = because.length ? ` (${because.join('; ')})` : '';
    return fixes.length ? `${first}; then try to ${orList(fixes)}${why}` : first;
  }
  // Partial mode collapse past the few steps: training longer cleared it in every run measured.
  if (dup) fixes.unshift('train for more epochs (the near-copies thin out as training goes on)');
  if (!fixes.length) {
    // No setting stands out: the usual remedy.
    if (problem === 'discWins' || rates) fixes.push(`lower ${setting('discLrScale', s)}`);
    else if (problem === 'discIdle') fixes.push(`raise ${setting('discLrScale', s)}`);
    else if (problem === 'collapsed') fixes.push(`raise ${setting('gamma', s)}`, `lower ${setting('beta', s)}`);
    else fixes.push(`lower ${setting('discLrScale', s)}`, `raise ${setting('pixelWeight', s)}`);
  }
  return `${because.length ? `${because.join('; ')}: ` : ''}try to ${orList(fixes)}`;
}
