import { kindName } from './format';
import { DEFAULT_BATCH_SIZE, DEFAULT_LR_SCHEDULE, type ModelKind } from './contract';

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

/** What the per-kind settings' hints (`kindSettingHint`) say of a value, and why a kind's default differs from the others'. */
const KIND_SETTING_WORDS: {
  [K in 'batchSize' | 'lrSchedule']: { defaults: Readonly<Record<ModelKind, string | number>>; name: (v: string | number) => string; why: Partial<Record<ModelKind, string>> };
} = {
  batchSize: { defaults: DEFAULT_BATCH_SIZE, name: (v) => String(v), why: { vaegan: ' (Larsen et al.)' } },
  lrSchedule: {
    defaults: DEFAULT_LR_SCHEDULE,
    name: (v) => LR_SCHEDULE_NAMES[v] ?? String(v),
    why: { vaegan: '; at a constant rate its samples get worse over the second half of training' },
  },
};

/**
 * The hint under a per-kind setting of the Train form (the batch size, the learning-rate schedule:
 * `KIND_SETTINGS`), one rule for both. `value` is the one in force for `kind`, `from` the kind the
 * last kind switch left (null: none).
 *   - the user's choice: "64: your choice; the VAE's default is 256", "Linear decay: your choice;
 *     the VAE's default is constant";
 *   - the kind's default, when it differs from the kind switched from's, or the kind has a reason
 *     of its own (the VAE-GAN's): "64: the VAE-GAN's default (Larsen et al.); the VAE's is 256",
 *     "Linear decay: the VAE-GAN's default; at a constant rate its samples get worse over the
 *     second half of training", "Constant: the VAE's default; the VAE-GAN's is linear decay";
 *   - else (or an empty field) null.
 */
export function kindSettingHint(key: 'batchSize' | 'lrSchedule', kind: ModelKind, value: string | number | null, from: ModelKind | null): string | null {
  if (value === null) return null;
  const w = KIND_SETTING_WORDS[key];
  const def = w.defaults[kind];
  const lower = (v: string | number) => w.name(v).toLowerCase();
  if (value !== def) return `${w.name(value)}: your choice; the ${kindName(kind)}'s default is ${lower(def)}`;
  const other = from && from !== kind && w.defaults[from] !== def ? `; the ${kindName(from)}'s is ${lower(w.defaults[from])}` : '';
  const why = w.why[kind] ?? '';
  return other || why ? `${w.name(def)}: the ${kindName(kind)}'s default${why}${other}` : null;
}
