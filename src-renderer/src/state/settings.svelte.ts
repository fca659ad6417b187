/**
 * Persisted user settings (localStorage), validated field by field on load: a bad or
 * out-of-range value falls back to its default instead of breaking the app. Session-only choices
 * (the export's "replace a previous export" box) live in their state class and are never stored.
 * The Train form's fields, checks and run → form mapping: ./trainForm.ts (re-exported here).
 */
import { z } from 'zod';
import '../lib/zod-config';
import { CONV_DEFAULTS, DEFAULT_BATCH_SIZE, DEFAULT_BETA, DEFAULT_LR_SCHEDULE, EXPORT_FORMATS, SAMPLE_PRIORS } from '../lib/contract';
import type { ExportFormat, LrSchedule, ModelKind, SamplePrior } from '../lib/contract';
import { batchDefaultHint, scheduleHint } from '../lib/trainText';
import type { SettingsStorage } from './port';
import { TrainForm, int, lrScheduleOf, num, parseFilters, sameList } from './trainForm';

export { DEFAULT_IMPORT, formFromConfig, lrScheduleOf, parseFilters, refusesModel, trainDataErrors, trainFormErrors, vaeganDataError, type ImportForm, type RunData, type TrainForm } from './trainForm';

/** The localStorage key of the settings (JSON). */
export const SETTINGS_KEY = 'latent-lab.settings.v1';

/**
 * `formVersion` of settings stored by this version. 2: the form's conv widths are the user's own
 * ("Auto" stays empty). Settings without it (1) were stored by a version that copied an opened
 * run's resolved widths into the form: `Settings.settleStoredWidths` turns those back into Auto.
 * 3: the CVAE's default β is 5 (`DEFAULT_BETA`); a CVAE form stored earlier with β 2, the old
 * default, follows the new one. 4: the VAE-GAN's default batch size is 64 (`DEFAULT_BATCH_SIZE`);
 * a VAE-GAN form stored earlier with 256, the old default, follows the new one.
 */
export const FORM_VERSION = 4;

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
   * Switch the model kind; β and the batch size follow the kind's defaults unless the user set
   * their own, and so does the learning-rate schedule (null in the form until chosen: `lrScheduleOf`).
   * One rule for the batch size and the schedule: a value that is a kind's default follows the kind.
   * The batch size equal to the old kind's default moves to the new one's; a chosen schedule equal
   * to the new kind's default is no longer a choice (null: it follows the kind from now on), so a
   * VAE's linear decay taken to the VAE-GAN, whose default it is, is constant again back on the VAE,
   * as a VAE-GAN's batch 64 typed on a VAE is 256 again there.
   */
  setKind(kind: ModelKind): void {
    if (this.train.beta === DEFAULT_BETA[this.train.kind]) this.train.beta = DEFAULT_BETA[kind];
    const from = this.train.kind;
    const moved = this.train.batchSize === DEFAULT_BATCH_SIZE[from] && DEFAULT_BATCH_SIZE[from] !== DEFAULT_BATCH_SIZE[kind];
    if (moved) this.train.batchSize = DEFAULT_BATCH_SIZE[kind];
    this.#batchFrom = moved ? from : null;
    if (this.train.lrSchedule === DEFAULT_LR_SCHEDULE[kind]) this.train.lrSchedule = null;
    this.train.kind = kind;
  }

  /** The learning-rate schedule shown and trained with: the user's choice, else the kind's `DEFAULT_LR_SCHEDULE`. */
  get lrSchedule(): LrSchedule {
    return lrScheduleOf(this.train);
  }

  /** Choose the learning-rate schedule: the kind's default is stored as none (null), so it follows the kind again and is not sent. */
  setLrSchedule(v: LrSchedule): void {
    this.train.lrSchedule = v === DEFAULT_LR_SCHEDULE[this.train.kind] ? null : v;
  }

  /**
   * Under the schedule select: a choice in force ("Linear decay: your choice; the VAE's default is
   * constant"), or why a VAE-GAN's default differs; null for another kind following its default
   * (`scheduleHint`).
   */
  get scheduleHint(): string | null {
    return scheduleHint(this.train.kind, this.train.lrSchedule);
  }

  /** The kind whose switch last moved the batch size to the new kind's default (null: none did). */
  #batchFrom = $state<ModelKind | null>(null);
  /** By the batch field: why it holds this value after a kind switch moved it (`batchDefaultHint`); null when the user's own. */
  get batchHint(): string | null {
    return batchDefaultHint(this.train.kind, this.train.batchSize, this.#batchFrom, DEFAULT_BATCH_SIZE);
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
