import { kindName } from './format';
import { DEFAULT_LR_SCHEDULE, type LrSchedule, type ModelKind } from './contract';

/** The Train panel's words: a hint per model kind, architecture and likelihood, and the state badge's text. */
export const KIND_HINT: Record<string, string> = {
  ae: 'Autoencoder: a deterministic code, no prior; the latent space can have gaps.',
  vae: 'VAE: codes are distributions pulled towards N(0, I) by the KL term (weight β).',
  cvae: 'Conditional VAE: encoder and decoder also see the label, so z keeps the style.',
  vaegan: 'VAE-GAN: a VAE plus a discriminator; reconstructions are judged in its features, so images come out sharper (images only).',
};
export const ARCH_HINT: Record<string, string> = {
  dense: 'Dense: fully connected layers on the flattened image (any data).',
  conv: 'Conv: stride-2 convolutions down and transposed convolutions up (images of 28, 32 or 64 pixels).',
};
export const LIKELIHOOD_HINT: Record<string, string> = {
  auto: 'Auto: Bernoulli for images, Gaussian (σ 0.3) for 2-D points.',
  bernoulli: 'Bernoulli: each pixel a probability (binary cross-entropy); values in [0, 1].',
  gaussian: 'Gaussian with a fixed σ: squared error scaled by 1/σ², constants included.',
};
/** The learning-rate schedules (`LR_SCHEDULES`) as the Train form's list names them; what each does: `LR_SCHEDULE_DESCRIPTIONS`. */
export const LR_SCHEDULE_NAMES: Record<string, string> = {
  constant: 'Constant',
  'linear-decay': 'Linear decay',
};
export const STATE_TEXT: Record<string, string> = {
  idle: 'Ready',
  training: 'Training',
  paused: 'Paused',
  done: 'Done',
  cancelled: 'Stopped',
  error: 'Error',
};

/**
 * The Train panel's word for an opened saved run's state: "Interrupted after 90 epochs" for a run
 * whose training process stopped (`interruptedAfter`: epochs saved, as the Saved runs list says it),
 * else `STATE_TEXT`'s word for `state` (the wire value itself when unknown).
 */
export function savedRunStateText(run: { state: string; interruptedAfter?: number }): string {
  const n = run.interruptedAfter;
  if (n) return `Interrupted after ${n} ${n === 1 ? 'epoch' : 'epochs'}`;
  return STATE_TEXT[run.state] ?? run.state;
}

/**
 * The hint by the batch field after switching the model kind moved the batch size to the new
 * kind's `DEFAULT_BATCH_SIZE` (`defaults`), so the change is not silent: e.g. "64: the VAE-GAN's
 * default (Larsen et al.); the VAE's is 256". `from`: the kind switched from (null: no switch
 * changed the batch). Null when there is nothing to say: no such switch, or the batch is no longer
 * the kind's default (the user typed their own).
 */
export function batchDefaultHint(kind: string, batchSize: number | null, from: string | null, defaults: Record<string, number>): string | null {
  if (!from || from === kind || batchSize !== defaults[kind] || defaults[from] === batchSize) return null;
  const source = kind === 'vaegan' ? ' (Larsen et al.)' : '';
  return `${batchSize}: the ${kindName(kind)}'s default${source}; the ${kindName(from)}'s is ${defaults[from]}`;
}

/**
 * The hint under the learning-rate schedule select, like the batch size's: `chosen` (the form's
 * `lrSchedule`, null: following the kind) in force says so with the kind's default, e.g. "Linear
 * decay: your choice; the VAE's default is constant"; a VAE-GAN following its default says why it
 * differs (at the same 120 s as a VAE its samples drift worse over the second half of training at a
 * constant rate: docs/PERFORMANCE.md, "The learning-rate decay"). Null for another kind on its default.
 */
export function scheduleHint(kind: ModelKind, chosen: LrSchedule | null): string | null {
  const def = DEFAULT_LR_SCHEDULE[kind];
  if (chosen !== null && chosen !== def) return `${LR_SCHEDULE_NAMES[chosen]}: your choice; the ${kindName(kind)}'s default is ${LR_SCHEDULE_NAMES[def]!.toLowerCase()}`;
  if (kind === 'vaegan') return `${LR_SCHEDULE_NAMES[def]}: the VAE-GAN's default; at a constant rate its samples get worse over the second half of training`;
  return null;
}
