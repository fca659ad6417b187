/**
 * Persisted user settings (localStorage), validated field by field on load: a bad or
 * out-of-range value falls back to its default instead of breaking the app. Session-only choices
 * (the export's "replace a previous export" box) live in their state class and are never stored.
 */
import { z } from 'zod';
import '../lib/zod-config';
import { DATASET_IDS, DEFAULT_BETA, EXPORT_FORMATS, MODEL_KINDS } from '../lib/contract';
import type { ExportFormat, ModelKind } from '../lib/contract';
import type { SettingsStorage } from './port';

/** The localStorage key of the settings (JSON). */
export const SETTINGS_KEY = 'latent-lab.settings.v1';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type TabId = 'recon' | 'generate' | 'encode' | 'export' | 'compare' | 'explore';
export const TABS: { id: TabId; title: string }[] = [
  { id: 'recon', title: 'Reconstruction' },
  { id: 'generate', title: 'Generate' },
  { id: 'encode', title: 'Encode' },
  { id: 'export', title: 'Export' },
  { id: 'compare', title: 'Compare' },
  { id: 'explore', title: 'Explore' },
];

const int = (min: number, max: number, def: number) => z.number().int().min(min).max(max).catch(def);
const num = (min: number, max: number, def: number) => z.number().min(min).max(max).catch(def);

const TrainForm = z.object({
  dataset: z.enum(DATASET_IDS).catch('mnist'),
  folderPath: z.string().max(4096).catch(''),
  kind: z.enum(MODEL_KINDS).catch('vae'),
  latentDim: int(2, 64, 3),
  hidden: int(1, 4096, 256),
  beta: num(0, 100, 1),
  klWarmupEpochs: int(0, 1000, 0),
  epochs: int(1, 10_000, 30),
  batchSize: int(1, 8192, 256),
  learningRate: num(1e-7, 100, 1e-3),
  seed: int(0, 2 ** 31 - 1, 1),
});
export type TrainForm = z.infer<typeof TrainForm>;

const Persisted = z.object({
  theme: z.enum(['system', 'light', 'dark']).catch('system'),
  tab: z.enum(['recon', 'generate', 'encode', 'export', 'compare', 'explore']).catch('recon'),
  projection: z.enum(['pca', 'umap']).catch('pca'),
  pointSize: num(1, 12, 5),
  showTrainPoints: z.boolean().catch(false),
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

/** Range checks for the Train form, shown next to the fields; the Train button needs none. */
export function trainFormErrors(f: TrainForm): Partial<Record<keyof TrainForm, string>> {
  const e: Partial<Record<keyof TrainForm, string>> = {};
  const isInt = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  const isNum = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
  if (!isInt(f.latentDim, 2, 64)) e.latentDim = 'a whole number from 2 to 64';
  if (!isInt(f.hidden, 1, 4096)) e.hidden = '1 to 4096 units';
  if (!isNum(f.beta, 0, 100)) e.beta = '0 to 100';
  if (!isInt(f.klWarmupEpochs, 0, 1000)) e.klWarmupEpochs = '0 to 1000 epochs';
  if (!isInt(f.epochs, 1, 10_000)) e.epochs = '1 to 10000';
  if (!isInt(f.batchSize, 1, 8192)) e.batchSize = '1 to 8192';
  if (!isNum(f.learningRate, 1e-7, 100)) e.learningRate = 'a positive number, e.g. 0.001';
  if (!isInt(f.seed, 0, 2 ** 31 - 1)) e.seed = 'a whole number ≥ 0';
  if (f.dataset === 'folder' && !f.folderPath.trim()) e.folderPath = 'choose a folder';
  return e;
}

export class Settings {
  theme = $state<ThemeChoice>('system');
  tab = $state<TabId>('recon');
  projection = $state<'pca' | 'umap'>('pca');
  pointSize = $state(5);
  /** Also draw every training point (test points are always drawn). */
  showTrainPoints = $state(false);
  /** The run that was open when the app was last closed; reopened on launch. */
  lastRunId = $state<string | null>(null);
  train = $state<TrainForm>(TrainForm.parse({}));
  generate = $state({ count: 16, temperature: 1, label: 0, steps: 10 });
  export = $state<ExportSettings>({ format: 'imagefolder' as ExportFormat, count: 100, temperature: 1, seed: 1, out: '' });
  /** The OS preference, tracked live. */
  systemDark = $state(false);
  dark = $derived(this.theme === 'dark' || (this.theme === 'system' && this.systemDark));

  readonly #storage: SettingsStorage | null;

  /** Loads what `storage` holds (null: defaults, nothing persists). */
  constructor(storage: SettingsStorage | null) {
    this.#storage = storage;
    const p = load(storage);
    this.theme = p.theme;
    this.tab = p.tab;
    this.projection = p.projection;
    this.pointSize = p.pointSize;
    this.showTrainPoints = p.showTrainPoints;
    this.lastRunId = p.lastRunId;
    this.train = p.train;
    this.generate = p.generate;
    this.export = p.export;
    if (typeof matchMedia === 'function') {
      const mq = matchMedia('(prefers-color-scheme: dark)');
      this.systemDark = mq.matches;
      mq.addEventListener('change', (e) => (this.systemDark = e.matches));
    }
  }

  /** Switch the model kind; β follows the kind's default unless the user set their own. */
  setKind(kind: ModelKind): void {
    if (this.train.beta === DEFAULT_BETA[this.train.kind]) this.train.beta = DEFAULT_BETA[kind];
    this.train.kind = kind;
  }

  /** Everything that persists, as stored. */
  snapshot(): PersistedSettings {
    return {
      theme: this.theme,
      tab: this.tab,
      projection: this.projection,
      pointSize: this.pointSize,
      showTrainPoints: this.showTrainPoints,
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
