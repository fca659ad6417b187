/**
 * Persisted user settings (localStorage), validated field by field on load: a bad or
 * out-of-range value falls back to its default instead of breaking the app. Session-only choices
 * (the export's "replace a previous export" box) live in their state class and are never stored.
 * The Train form's fields, checks and run → form mapping: ./trainForm.ts (re-exported here).
 */
import { z } from 'zod';
import '../lib/zod-config';
import { CONV_DEFAULTS, DEFAULT_BATCH_SIZE, DEFAULT_BETA, EXPORT_FORMATS, SAMPLE_PRIORS } from '../lib/contract';
import type { ExportFormat, LrSchedule, ModelKind, SamplePrior } from '../lib/contract';
import { kindSettingHint } from '../lib/trainText';
import type { SettingsStorage } from './port';
import { KIND_SETTINGS, TrainForm, int, lrScheduleOf, num, parseFilters, putKindSetting, sameList, withKind, type KindSettingKey, type KindSettingValues } from './trainForm';

export {
  DEFAULT_IMPORT,
  KIND_SETTINGS,
  followsKind,
  formFromConfig,
  lrScheduleOf,
  parseFilters,
  putKindSetting,
  refusesModel,
  trainDataErrors,
  trainFormErrors,
  vaeganDataError,
  withKind,
  type ImportForm,
  type KindSettingKey,
  type RunData,
  type TrainForm,
} from './trainForm';

/** The localStorage key of the settings (JSON). */
export const SETTINGS_KEY = 'latent-lab.settings.v1';

/**
 * `formVersion` of settings stored by this version. 2: the form's conv widths are the user's own
 * ("Auto" stays empty). Settings without it (1) were stored by a version that copied an opened
 * run's resolved widths into the form: `Settings.settleStoredWidths` turns those back into Auto.
 * 3: the CVAE's default β is 5 (`DEFAULT_BETA`); a CVAE form stored earlier with β 2, the old
 * default, follows the new one. 4: the VAE-GAN's default batch size is 64 (`DEFAULT_BATCH_SIZE`);
 * a VAE-GAN form stored earlier with 256, the old default, follows the new one. 5: the batch size
 * and the learning-rate schedule are remembered per model kind (`TrainForm.kindChoices`); a form
 * stored earlier has none for the other kinds, and its batch and schedule stay the choices of the
 * kind it was stored with (they no longer carry over to, or reset on, another kind).
 */
export const FORM_VERSION = 5;

export type ThemeChoice = 'system' | 'light' | 'dark';
export type TabId = 'recon' | 'generate' | 'encode' | 'export' | 'compare' | 'explore';
export const TABS: { id: TabId; title: string }[] = [
  { id: 'recon', title: 'Recon' }, // short: six tabs fit the right pane at 1280 px
  { id: 'generate', title: 'Generate' },
  { id: 'encode', title: 'Encode' },
  { id: 'export', title: 'Export' },
  { id: 'compare', title: 'Compare' },
  { id: 'explore', title: 'Explore' },
];

const Persisted = z.object({
  /** `FORM_VERSION` of the version that stored them; absent (1) before it existed. */
  formVersion: z.number().int().catch(1),
  theme: z.enum(['system', 'light', 'dark']).catch('system'),
  tab: z.enum(['recon', 'generate', 'encode', 'export', 'compare', 'explore']).catch('recon'),
  projection: z.enum(['pca', 'umap']).catch('pca'),
  pointSize: num(1, 12, 5),
  showTrainPoints: z.boolean().catch(false),
  /** "Sample from" (`SamplePrior`): one choice for Generate, Export, Compare and Explore's prior samples. */
  samplePrior: z.enum(SAMPLE_PRIORS).catch('standard'),
  lastRunId: z.string().max(200).nullable().catch(null),
  train: TrainForm.catch(TrainForm.parse({})),
  generate: z
    .object({ count: int(1, 1000, 16), temperature: num(0, 10, 1), label: int(0, 9999, 0), steps: int(2, 100, 10) })
    .catch({ count: 16, temperature: 1, label: 0, steps: 10 }),
  export: z
    .object({
      format: z.enum(EXPORT_FORMATS).catch('imagefolder'),
      count: int(1, 100_000, 100),
      temperature: num(0, 10, 1),
      seed: int(0, 2 ** 31 - 1, 1),
      out: z.string().max(4096).catch(''),
      // No `overwrite`: unknown keys (such as one stored by an older version) are dropped.
    })
    .catch({ format: 'imagefolder', count: 100, temperature: 1, seed: 1, out: '' }),
});
/** What is stored under `SETTINGS_KEY`. */
export type PersistedSettings = z.infer<typeof Persisted>;
export type ExportSettings = PersistedSettings['export'];

/** The stored settings, each field checked on its own: unreadable text, a wrong type or a value out of range gives that field's default. */
function load(storage: SettingsStorage | null): PersistedSettings {
  let raw: unknown = {};
  try {
    const text = storage?.getItem(SETTINGS_KEY);
    if (text) raw = JSON.parse(text);
  } catch {
    raw = {};
  }
  const r = Persisted.safeParse(raw && typeof raw === 'object' ? raw : {});
  return r.success ? r.data : Persisted.parse({});
}


export class Settings {
  theme = $state<ThemeChoice>('system');
  tab = $state<TabId>('recon');
  projection = $state<'pca' | 'umap'>('pca');
  pointSize = $state(5);
  /** Also draw every training point (test points are always drawn). */
  showTrainPoints = $state(false);
  /** "Sample from" (`SamplePrior`: the prior or the fitted mixture): one choice for Generate, Export, Compare and Explore. */
  samplePrior = $state<SamplePrior>('standard');
  /** The run that was open when the app was last closed; reopened on launch. */
  lastRunId = $state<string | null>(null);
  train = $state<TrainForm>(TrainForm.parse({}));
  generate = $state({ count: 16, temperature: 1, label: 0, steps: 10 });
  export = $state<ExportSettings>({ format: 'imagefolder' as ExportFormat, count: 100, temperature: 1, seed: 1, out: '' });
  /** The OS preference, tracked live. */
  systemDark = $state(false);
  dark = $derived(this.theme === 'dark' || (this.theme === 'system' && this.systemDark));

  readonly #storage: SettingsStorage | null;
  /** The conv widths as loaded from a store older than `FORM_VERSION` (maybe a run's copied defaults), until settled. */
  #legacyWidths: { convFilters: string; convHidden: number | null } | null = null;

  /** Loads what `storage` holds (null: defaults, nothing persists). */
  constructor(storage: SettingsStorage | null) {
    this.#storage = storage;
    const p = load(storage);
    this.theme = p.theme;
    this.tab = p.tab;
    this.projection = p.projection;
    this.pointSize = p.pointSize;
    this.showTrainPoints = p.showTrainPoints;
    this.samplePrior = p.samplePrior;
    this.lastRunId = p.lastRunId;
    this.train = p.train;
    this.generate = p.generate;
    this.export = p.export;
    // β 2 was the CVAE's default before FORM_VERSION 3, not the user's choice.
    if (p.formVersion < 3 && p.train.kind === 'cvae' && p.train.beta === 2) this.train.beta = DEFAULT_BETA.cvae;
    // Batch 256 was the VAE-GAN's default before FORM_VERSION 4.
    if (p.formVersion < 4 && p.train.kind === 'vaegan' && p.train.batchSize === 256) this.train.batchSize = DEFAULT_BATCH_SIZE.vaegan;
    // Before FORM_VERSION 5 a batch and schedule were one for every kind: they stay the kind's it
    // was stored with (its fields), and no other kind has a choice yet.
    if (p.formVersion < 5) this.train.kindChoices = { batchSize: {}, lrSchedule: {} };
    if (p.formVersion < 2 && (p.train.convFilters !== '' || p.train.convHidden !== null)) {
      this.#legacyWidths = { convFilters: p.train.convFilters, convHidden: p.train.convHidden };
    }
    if (typeof matchMedia === 'function') {
      const mq = matchMedia('(prefers-color-scheme: dark)');
      this.systemDark = mq.matches;
      mq.addEventListener('change', (e) => (this.systemDark = e.matches));
    }
  }

  /**
   * Switch the model kind. β follows the kind's default unless the user set their own; the
   * per-kind settings (batch size, learning-rate schedule: `KIND_SETTINGS`) are remembered per
   * kind (`withKind`): the kind left keeps its choice, the new kind shows its own choice or its
   * default. A batch of 64 and linear decay chosen on a VAE are the VAE's again after a VAE-GAN.
   */
  setKind(kind: ModelKind): void {
    if (kind === this.train.kind) return;
    if (this.train.beta === DEFAULT_BETA[this.train.kind]) this.train.beta = DEFAULT_BETA[kind];
    this.#switchedFrom = this.train.kind;
    this.train = withKind(this.train, kind);
  }

  /**
   * Replace the whole form (an opened run's settings, or Compare's "train again like"): the hints
   * no longer speak of the last kind switch.
   */
  setForm(form: TrainForm): void {
    this.#switchedFrom = null;
    this.train = form;
  }

  /** The learning-rate schedule shown and trained with: the user's choice, else the kind's `DEFAULT_LR_SCHEDULE`. */
  get lrSchedule(): LrSchedule {
    return lrScheduleOf(this.train);
  }

  /**
   * Choose a per-kind setting's value for the kind shown (`putKindSetting`): the kind's default
   * follows the kind again (the schedule is then not sent), anything else is the kind's choice.
   */
  choose<K extends KindSettingKey>(key: K, v: KindSettingValues[K]): void {
    putKindSetting(this.train, key, v);
  }

  /** Put the shown kind's default back in force for `key` (the hint's "Use 256"): it follows the kind again. */
  useKindDefault(key: KindSettingKey): void {
    this.choose(key, KIND_SETTINGS[key].defaults[this.train.kind]);
  }

  /** The kind the last kind switch left (null: none since the form was set): the hints name its default. */
  #switchedFrom = $state<ModelKind | null>(null);
  /**
   * The hint under a per-kind setting's field (`kindSettingHint`): "64: your choice; the VAE's
   * default is 256", "Linear decay: the VAE-GAN's default; …; the VAE's is constant"; null for a
   * kind on its default with nothing to say.
   */
  kindHint(key: KindSettingKey): string | null {
    const v = KIND_SETTINGS[key].get(this.train);
    // An empty or refused value: the field's error speaks instead.
    if (!(KIND_SETTINGS[key].value as { safeParse(x: unknown): { success: boolean } }).safeParse(v).success) return null;
    return kindSettingHint(key, this.train.kind, v, this.#switchedFrom);
  }

  /**
   * Once, for settings stored before `FORM_VERSION` 2 (that version copied an opened run's conv
   * widths into the form): a stored filter list or dense width that is exactly what Auto derives
   * for the stored dataset's image `side` (`CONV_DEFAULTS`) was not the user's choice and becomes
   * Auto again (empty), so it follows the next dataset's size. `side` null (unknown: your own data
   * imported at the automatic size, whose side its images decide) leaves them as stored: a list
   * there cannot be told from a choice. A width the user changed since loading is left alone.
   */
  settleStoredWidths(side: number | null): void {
    const stored = this.#legacyWidths;
    this.#legacyWidths = null;
    if (!stored || side === null || !(side in CONV_DEFAULTS)) return;
    const auto = CONV_DEFAULTS[side as keyof typeof CONV_DEFAULTS];
    const filters = parseFilters(this.train.convFilters);
    if (this.train.convFilters === stored.convFilters && filters && sameList(filters, auto.filters)) this.train.convFilters = '';
    if (this.train.convHidden === stored.convHidden && auto.hidden.length === 1 && this.train.convHidden === auto.hidden[0]) this.train.convHidden = null;
  }

  /** Everything that persists, as stored. */
  snapshot(): PersistedSettings {
    return {
      // Not settled yet (the dataset's side is not known yet): still the old store's, so it is settled on the next load.
      formVersion: this.#legacyWidths ? 1 : FORM_VERSION,
      theme: this.theme,
      tab: this.tab,
      projection: this.projection,
      pointSize: this.pointSize,
      showTrainPoints: this.showTrainPoints,
      samplePrior: this.samplePrior,
      lastRunId: this.lastRunId,
      train: this.train,
      generate: this.generate,
      export: this.export,
    };
  }

  /** Write the settings now; false when the storage refused (full or disabled: they just won't persist). */
  save(): boolean {
    const text = JSON.stringify(this.snapshot());
    try {
      this.#storage?.setItem(SETTINGS_KEY, text);
      return !!this.#storage;
    } catch {
      return false;
    }
  }

  /** Persist on every change and keep the page's theme in step; call once from the root component. */
  persist(): void {
    $effect(() => {
      this.save();
    });
    $effect(() => {
      if (typeof document === 'undefined') return;
      document.documentElement.dataset.theme = this.dark ? 'dark' : 'light';
      document.documentElement.style.colorScheme = this.dark ? 'dark' : 'light';
    });
  }

  cycleTheme(): void {
    this.theme = this.theme === 'system' ? (this.systemDark ? 'light' : 'dark') : this.theme === 'dark' ? 'light' : 'dark';
  }
}
