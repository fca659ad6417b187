/**
 * The Train form's fields as the settings store them (`TrainForm`, each field validated on its own:
 * a bad or out-of-range value gives that field's default), their range checks in the form's words
 * (`trainFormErrors`, `trainDataErrors`) and the form as it was for a saved run's config
 * (`formFromConfig`). Pure functions of the contract; the persisted settings and their migrations
 * are ./settings.svelte.ts, which re-exports these.
 */
import { z } from 'zod';
import '../lib/zod-config';
import { ARCHS, CONV_DEFAULTS, DATASET_IDS, DEFAULT_BATCH_SIZE, DEFAULT_LR_SCHEDULE, DEFAULT_SIGMA, LIKELIHOODS, LR_SCHEDULES, MAX_CONV_STAGES, MODEL_KINDS } from '../lib/contract';
import type { LrSchedule, ModelKind, TrainConfig } from '../lib/contract';
import { GAN_LOSSES } from '../../../src-shared/vaegan';

/** A whole number from `min` to `max`; anything else reads as `def`. */
export const int = (min: number, max: number, def: number) => z.number().int().min(min).max(max).catch(def);
/** A number from `min` to `max`; anything else reads as `def`. */
export const num = (min: number, max: number, def: number) => z.number().min(min).max(max).catch(def);

/** How your own data is imported (`ImportOptions` of the contract, as the form holds them). */
const ImportForm = z.object({
  size: z.union([z.literal('auto'), z.literal(28), z.literal(32), z.literal(64)]).catch('auto'),
  channels: z.union([z.literal('auto'), z.literal(1), z.literal(3)]).catch('auto'),
  fit: z.enum(['crop', 'pad']).catch('crop'),
  /** `auto`, `mnist-style` or `plain` (settings stored before the form had it: `auto`). */
  preprocess: z.enum(['auto', 'mnist-style', 'plain']).catch('auto'),
  transpose: z.boolean().catch(false),
});
export type ImportForm = z.infer<typeof ImportForm>;
export const DEFAULT_IMPORT: ImportForm = { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'auto', transpose: false };

/** A batch size the form accepts, and the engine: a whole number from 1 to 8,192. */
const BatchSize = z.number().int().min(1).max(8192);

export const TrainForm = z.object({
  // Settings saved before `local` existed say `folder`.
  dataset: z.preprocess((v) => (v === 'folder' ? 'local' : v), z.enum(DATASET_IDS)).catch('mnist'),
  /** Your own data: a folder or a dataset file. */
  folderPath: z.string().max(4096).catch(''),
  import: ImportForm.catch(DEFAULT_IMPORT),
  kind: z.enum(MODEL_KINDS).catch('vae'),
  /** Dense layers on the flat image, or conv stages (images of 28, 32 or 64 pixels). */
  arch: z.enum(ARCHS).catch('dense'),
  latentDim: int(2, 64, 3),
  /** Dense models: units of the hidden layer. */
  hidden: int(1, 4096, 256),
  /** Conv models: filters per stage as typed ("32, 64"); empty = the image size's default. */
  convFilters: z.string().max(200).catch(''),
  /** Conv models: units of the dense layer before the latent; null = the image size's default. */
  convHidden: z.number().int().min(1).max(4096).nullable().catch(null),
  /** Reconstruction likelihood; `auto`: Bernoulli for images, Gaussian for 2-D points. */
  likelihood: z.enum(LIKELIHOODS).catch('auto'),
  /** σ of the Gaussian likelihood; null = the default (0.1 for images, 0.3 for points). */
  sigma: z.number().min(0.001).max(10).nullable().catch(null),
  beta: num(0, 100, 1),
  klWarmupEpochs: int(0, 1000, 0),
  /** VAE-GAN: γ, pixel weight and the discriminator's learning-rate scale; null = the contract's default (`VAEGAN_DEFAULTS`). */
  gamma: z.number().min(0).max(1000).nullable().catch(null),
  pixelWeight: z.number().min(0).max(100).nullable().catch(null),
  discLrScale: z.number().positive().max(10_000).nullable().catch(null),
  /** VAE-GAN: the adversarial loss (`GAN_LOSSES`); null = the contract's default (`VAEGAN_DEFAULTS.ganLoss`), as an empty number field. */
  ganLoss: z.enum(GAN_LOSSES).nullable().catch(null),
  /** VAE-GAN: the decay of the encoder's and decoder's weight average (0 = off); null = the contract's default (`VAEGAN_DEFAULTS.emaDecay`). */
  emaDecay: z.number().min(0).max(0.99999).nullable().catch(null),
  epochs: int(1, 10_000, 30),
  batchSize: int(1, 8192, DEFAULT_BATCH_SIZE.vae),
  learningRate: num(1e-7, 100, 1e-3),
  /**
   * The learning-rate schedule (`LR_SCHEDULES`); null = the model kind's `DEFAULT_LR_SCHEDULE`, so it
   * follows the kind (a VAE's constant, a VAE-GAN's linear decay) until the user chooses another
   * (`lrScheduleOf`; settings stored before the field: null).
   */
  lrSchedule: z.enum(LR_SCHEDULES).nullable().catch(null),
  seed: int(0, 2 ** 31 - 1, 1),
  /**
   * The user's choices of the per-kind settings (`KIND_SETTINGS`: batch size, learning-rate
   * schedule) for the kinds not shown now, e.g. `{ batchSize: { vae: 64 }, lrSchedule: { vae:
   * 'linear-decay' } }` while a VAE-GAN is shown: a kind switch keeps the shown kind's choice here
   * and brings the new kind's back, else its default (`withKind`). Settings stored before
   * `FORM_VERSION` 5: none (each value stays with the kind it was stored with); a bad entry: none.
   */
  kindChoices: z
    .object({
      batchSize: z.partialRecord(z.enum(MODEL_KINDS), BatchSize).catch({}),
      lrSchedule: z.partialRecord(z.enum(MODEL_KINDS), z.enum(LR_SCHEDULES)).catch({}),
    })
    .catch({ batchSize: {}, lrSchedule: {} }),
});
export type TrainForm = z.infer<typeof TrainForm>;

/** The learning-rate schedule the form shows and trains with: the user's choice, else the kind's `DEFAULT_LR_SCHEDULE`. */
export function lrScheduleOf(f: Pick<TrainForm, 'kind' | 'lrSchedule'>): LrSchedule {
  return f.lrSchedule ?? DEFAULT_LR_SCHEDULE[f.kind];
}

/**
 * A Train form setting whose default depends on the model kind: its defaults per kind, the value
 * in force for the form's kind (null: the field is empty) and how to put one in force. One rule
 * for every such setting (`withKind`, `putKindSetting`, `followsKind`): a value equal to the
 * kind's default follows the kind; any other is the user's choice for that kind, kept for it
 * (`TrainForm.kindChoices`) while another kind is shown.
 */
export interface KindSetting<T> {
  defaults: Readonly<Record<ModelKind, T>>;
  /** The values a choice may have (one the field holds but the engine would refuse is not kept). */
  value: z.ZodType<T>;
  get(f: TrainForm): T | null;
  /** Put `v` in force for `f`'s kind (in place). */
  put(f: TrainForm, v: T): void;
}

/**
 * The per-kind settings: the batch size (`DEFAULT_BATCH_SIZE`, 256; a VAE-GAN's 64) and the
 * learning-rate schedule (`DEFAULT_LR_SCHEDULE`, constant; a VAE-GAN's linear decay). The
 * schedule is held as null while it is the kind's default, so the start request leaves it out.
 */
/** The per-kind settings' values. */
export interface KindSettingValues {
  batchSize: number;
  lrSchedule: LrSchedule;
}
export const KIND_SETTINGS: { [K in keyof KindSettingValues]: KindSetting<KindSettingValues[K]> } = {
  batchSize: {
    defaults: DEFAULT_BATCH_SIZE,
    value: BatchSize,
    get: (f) => f.batchSize,
    put: (f, v) => {
      f.batchSize = v;
    },
  },
  lrSchedule: {
    defaults: DEFAULT_LR_SCHEDULE,
    value: z.enum(LR_SCHEDULES),
    get: lrScheduleOf,
    put: (f, v) => {
      f.lrSchedule = v === DEFAULT_LR_SCHEDULE[f.kind] ? null : v;
    },
  },
};
export type KindSettingKey = keyof typeof KIND_SETTINGS;
export const KIND_SETTING_KEYS = Object.keys(KIND_SETTINGS) as KindSettingKey[];

/** Whether form `f`'s `key` is its kind's default (it follows the kind) rather than the user's choice. */
export function followsKind(f: TrainForm, key: KindSettingKey): boolean {
  const s = KIND_SETTINGS[key] as KindSetting<unknown>;
  return s.get(f) === s.defaults[f.kind];
}

/** Put `v` in force as form `f`'s `key` (in place); the kind's default follows the kind again. */
export function putKindSetting<K extends KindSettingKey>(f: TrainForm, key: K, v: KindSettingValues[K]): void {
  (KIND_SETTINGS[key] as KindSetting<unknown>).put(f, v);
}

/**
 * Form `f` switched to model kind `kind` (a new form; `f` is left as it is): each per-kind setting
 * (`KIND_SETTINGS`) of the kind left is kept in `kindChoices` when it is the user's choice (a
 * value the setting's field accepts, not the kind's default), and the new kind's own choice comes
 * back, else its default. So a batch of 64 typed on a VAE is 64 again back on the VAE and does not
 * leak into the VAE-GAN (whose 64 is its default), and a VAE-GAN's constant rate stays the
 * VAE-GAN's. Other fields are untouched (β's own rule is `Settings.setKind`'s).
 */
export function withKind(f: TrainForm, kind: ModelKind): TrainForm {
  if (kind === f.kind) return f;
  const out: TrainForm = { ...f, kind, kindChoices: { batchSize: { ...f.kindChoices.batchSize }, lrSchedule: { ...f.kindChoices.lrSchedule } } };
  for (const key of KIND_SETTING_KEYS) {
    const s = KIND_SETTINGS[key] as KindSetting<unknown>;
    const kept = out.kindChoices[key] as Partial<Record<ModelKind, unknown>>;
    const v = s.get(f);
    if (v !== s.defaults[f.kind] && s.value.safeParse(v).success) kept[f.kind] = v;
    else delete kept[f.kind];
    const next = kept[kind] ?? s.defaults[kind];
    delete kept[kind];
    s.put(out, next);
  }
  return out;
}

/**
 * The conv filter widths typed in the form ("32, 64": commas or spaces between): the numbers,
 * `[]` when empty (the image size's default), or null when it is not a list of whole numbers.
 */
export function parseFilters(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (!parts.every((p) => /^\d+$/.test(p))) return null;
  return parts.map(Number);
}

/**
 * Range checks for the Train form: each problem as a sentence naming the field as the form labels
 * it (shown under the form; the Train button needs none).
 */
export function trainFormErrors(f: TrainForm): Partial<Record<keyof TrainForm, string>> {
  const e: Partial<Record<keyof TrainForm, string>> = {};
  const isInt = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  const isNum = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
  if (!isInt(f.latentDim, 2, 64)) e.latentDim = 'Latent size must be a whole number from 2 to 64.';
  if (f.arch === 'dense' && !isInt(f.hidden, 1, 4096)) e.hidden = 'Hidden units must be a whole number from 1 to 4,096.';
  if (f.arch === 'conv') {
    const filters = parseFilters(f.convFilters);
    if (!filters || filters.some((n) => n < 1 || n > 1024) || filters.length > MAX_CONV_STAGES) {
      e.convFilters = `Conv filters must be up to ${MAX_CONV_STAGES} whole numbers from 1 to 1,024, one per stage, e.g. 32, 64 (empty: the image size's default).`;
    }
    if (f.convHidden !== null && !isInt(f.convHidden, 1, 4096)) e.convHidden = "Dense units must be a whole number from 1 to 4,096 (empty: the image size's default).";
  }
  if (f.likelihood === 'gaussian' && f.sigma !== null && !isNum(f.sigma, 0.001, 10)) e.sigma = 'σ must be a number from 0.001 to 10 (empty: the default).';
  if (!isNum(f.beta, 0, 100)) e.beta = 'β must be a number from 0 to 100.';
  if (!isInt(f.klWarmupEpochs, 0, 1000)) e.klWarmupEpochs = 'KL warm-up must be a whole number of epochs from 0 to 1,000.';
  if (f.kind === 'vaegan') {
    if (f.gamma !== null && !isNum(f.gamma, 0, 1000)) e.gamma = 'γ must be a number from 0 to 1,000 (empty: the default).';
    if (f.pixelWeight !== null && !isNum(f.pixelWeight, 0, 100)) e.pixelWeight = 'Pixel weight must be a number from 0 to 100 (empty: the default).';
    if (f.discLrScale !== null && !(isNum(f.discLrScale, 0, 10_000) && f.discLrScale > 0)) {
      e.discLrScale = 'Discriminator learning-rate scale must be a number above 0, up to 10,000 (empty: the default).';
    }
    if (f.emaDecay !== null && !isNum(f.emaDecay, 0, 0.99999)) e.emaDecay = 'Weight average decay must be a number from 0 (off) to 0.99999 (empty: the default).';
  }
  if (!isInt(f.epochs, 1, 10_000)) e.epochs = 'Epochs must be a whole number from 1 to 10,000.';
  if (!isInt(f.batchSize, 1, 8192)) e.batchSize = 'Batch size must be a whole number from 1 to 8,192.';
  if (!isNum(f.learningRate, 1e-7, 100)) e.learningRate = 'Learning rate must be a positive number up to 100, e.g. 0.001.';
  if (!isInt(f.seed, 0, 2 ** 31 - 1)) e.seed = 'Seed must be a whole number from 0 to 2,147,483,647.';
  if (f.dataset === 'local' && !f.folderPath.trim()) e.folderPath = 'Choose your dataset: a folder or a dataset file.';
  return e;
}

/** The form's import options from a config's (options the form has no field for are left out; a config saved without `preprocess` is `auto`). */
function importForm(o: { size: ImportForm['size']; channels: ImportForm['channels']; fit: ImportForm['fit']; preprocess?: ImportForm['preprocess']; transpose: boolean }): ImportForm {
  return { size: o.size, channels: o.channels, fit: o.fit, preprocess: o.preprocess ?? 'auto', transpose: o.transpose };
}

/** What the run's data was, as far as the form needs it to tell a default from a choice. */
export interface RunData {
  /** Images (Bernoulli and σ 0.1 are the automatic choices) or 2-D points (Gaussian, σ 0.3). */
  isImage: boolean;
  /** The images' side when known (28, 32, 64: the conv defaults of that size); null: unknown (your own data before it is read). */
  side: number | null;
}

export const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * A saved conv run's filters and dense units as the form holds them: '' / null where they are the
 * image size's default (the engine writes the defaults into the config), so they follow the next
 * dataset's size instead of keeping 28×28 widths on 32×32 data. With the side unknown, filters equal to some
 * size's default count as that size's; dense units then compare with that size's default (else any size's).
 */
function convWidths(filters: readonly number[], hidden: readonly number[], side: number | null): { convFilters: string; convHidden: number | null } {
  const sides = Object.keys(CONV_DEFAULTS).map(Number) as (keyof typeof CONV_DEFAULTS)[];
  const known = sides.find((s) => s === side);
  const filterSide = known ?? sides.find((s) => sameList(CONV_DEFAULTS[s].filters, filters));
  const defaultFilters = filterSide !== undefined && sameList(CONV_DEFAULTS[filterSide].filters, filters);
  const hiddenSides = filterSide !== undefined ? [filterSide] : sides;
  const defaultHidden = hidden.length === 0 || (hidden.length === 1 && hiddenSides.some((s) => sameList(CONV_DEFAULTS[s].hidden, hidden)));
  return { convFilters: defaultFilters ? '' : filters.join(', '), convHidden: defaultHidden ? null : (hidden[0] ?? null) };
}

/**
 * The Train form as it was for a saved run's config, so opening a run shows its own settings.
 * Settings the engine resolved from an automatic default (the likelihood, σ, a conv model's filters
 * and dense units) come back automatic when the saved value is that default for the run's data
 * (`data`): they then follow the dataset chosen next, as when the user left them on Auto; likewise
 * a learning-rate schedule that is the run's kind's default (null: it follows the next kind). Fields the
 * form does not have (activation, more hidden layers…) are left out; a value the form cannot hold
 * keeps the form's current one. The per-kind settings follow `withKind`'s rule: the form's own
 * choices for other kinds are kept (a batch chosen for the VAE is still the VAE's after opening a
 * VAE-GAN run), the run's kind shows the run's.
 */
export function formFromConfig(cfg: TrainConfig, current: TrainForm, data: RunData = { isImage: true, side: null }): TrainForm {
  const m = cfg.model;
  const autoLikelihood = data.isImage ? 'bernoulli' : 'gaussian';
  const defaultSigma = data.isImage ? DEFAULT_SIGMA.image : DEFAULT_SIGMA.points;
  const conv = m.arch === 'conv' ? convWidths(m.convFilters ?? [], m.hidden, data.side) : { convFilters: current.convFilters, convHidden: current.convHidden };
  const base = withKind(current, m.kind);
  const wanted: TrainForm = {
    ...base,
    dataset: cfg.dataset.id as TrainForm['dataset'],
    folderPath: cfg.dataset.path ?? current.folderPath,
    import: cfg.dataset.id === 'local' && cfg.dataset.import ? importForm(cfg.dataset.import) : current.import,
    kind: m.kind,
    arch: m.arch,
    latentDim: m.latentDim,
    hidden: m.arch === 'dense' ? (m.hidden[0] ?? current.hidden) : current.hidden,
    ...conv,
    likelihood: m.likelihood === autoLikelihood ? 'auto' : m.likelihood,
    sigma: m.likelihood === 'gaussian' ? (m.sigma === undefined || m.sigma === defaultSigma ? null : m.sigma) : current.sigma,
    beta: m.beta,
    klWarmupEpochs: m.klWarmupEpochs,
    // A VAE-GAN's settings as saved: the defaults were written in at the start, and a run saved
    // before a setting existed is read with what it trained with (the engine's withSavedRunSettings:
    // the standard loss, no weight average), so each is there; other kinds keep the form's.
    gamma: m.kind === 'vaegan' ? (m.gamma ?? null) : current.gamma,
    pixelWeight: m.kind === 'vaegan' ? (m.pixelWeight ?? null) : current.pixelWeight,
    discLrScale: m.kind === 'vaegan' ? (m.discLrScale ?? null) : current.discLrScale,
    ganLoss: m.kind === 'vaegan' ? (m.ganLoss ?? null) : current.ganLoss,
    emaDecay: m.kind === 'vaegan' ? (m.emaDecay ?? null) : current.emaDecay,
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    learningRate: cfg.learningRate,
    // The run's schedule (one saved before the option: constant, as read); its kind's default follows the kind, as when left alone.
    lrSchedule: cfg.lrSchedule === DEFAULT_LR_SCHEDULE[m.kind] ? null : cfg.lrSchedule,
    seed: cfg.seed,
  };
  // Each field falls back on its own (the schema's `catch`): keep the current value there instead.
  const parsed = TrainForm.parse(wanted);
  const out = { ...parsed };
  for (const k of Object.keys(wanted) as (keyof TrainForm)[]) if (JSON.stringify(parsed[k]) !== JSON.stringify(wanted[k])) (out as Record<string, unknown>)[k] = base[k];
  return out;
}

/**
 * Choices in the form that do not fit the chosen dataset (`data`: its kind and class names, null
 * while unknown), as sentences naming the form's fields: shown under the form before Train, which
 * waits for them. Conv on 2-D points and a VAE-GAN on them are named here in the form's words (the
 * engine's model card refuses them too, in words for the CLI as well; this one is shown instead). A CVAE needs at least
 * two classes, as the engine does (an unlabeled export opened again is one class, "unlabeled").
 */
export function trainDataErrors(
  f: TrainForm,
  data: { isImage: boolean; title: string; labelNames: readonly string[] } | null,
): Partial<Record<keyof TrainForm, string>> {
  const e: Partial<Record<keyof TrainForm, string>> = {};
  if (!data) return e;
  if (!data.isImage && f.arch === 'conv') {
    e.arch = `Conv layers take images; ${data.title} is 2-D points: choose Dense.`;
  }
  if (!data.isImage && f.likelihood === 'bernoulli') {
    e.likelihood = `The Bernoulli likelihood needs images (values in [0, 1]); ${data.title} is 2-D points: choose Auto (Gaussian) or Gaussian.`;
  }
  const gan = f.kind === 'vaegan' ? vaeganDataError(data) : null;
  if (gan) e.kind = gan;
  if (f.kind === 'cvae' && data.labelNames.length < 2) {
    const one = data.labelNames[0];
    e.kind = `A CVAE is conditioned on the labels and needs at least 2 classes; ${data.title} has ${one !== undefined ? `one ("${one}")` : 'none'}: choose VAE, AE or VAE-GAN.`;
  }
  return e;
}

/**
 * Why a VAE-GAN cannot train on `data`, in the form's words (null: it can): it needs images (its
 * discriminator judges decoded images; the engine's `assertKindFitsData` refuses it too). The
 * Model select's VAE-GAN option is disabled with this as its title; chosen before the data, it is
 * the form's error.
 */
export function vaeganDataError(data: { isImage: boolean; title: string }): string | null {
  if (data.isImage) return null;
  return `A VAE-GAN trains on images only (its discriminator judges decoded images); ${data.title} is 2-D points: choose VAE, AE or CVAE.`;
}

/** The form's settings of the run, not of the model: their errors do not stop the model card. */
const RUN_SETTINGS: ReadonlySet<string> = new Set<keyof TrainForm>(['epochs', 'batchSize', 'learningRate', 'lrSchedule', 'seed', 'folderPath']);

/**
 * Whether the form's own errors (`trainFormErrors`, `trainDataErrors`) refuse the model itself
 * (a field of the model, or the kind or architecture on this data): then its model is not
 * described (`models:describe` would answer a raw schema error, e.g. "model.emaDecay: Too big",
 * beside the form's sentence) and the card's place asks to fix the form. Errors of the run's
 * settings only (epochs, batch, learning rate, seed, your data's path) leave the card.
 */
export function refusesModel(errors: Partial<Record<keyof TrainForm, string>>): boolean {
  return Object.keys(errors).some((k) => !RUN_SETTINGS.has(k));
}
