/**
 * App settings (electron-store, `<userData>/settings.json`), checked with zod. A file that is not
 * JSON or fails the schema is moved aside as `settings.json.corrupt-<time>` (kept for the user
 * to inspect) and the app starts from defaults; unknown keys are dropped, bad fields reset.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import Store from 'electron-store';
import { z } from 'zod';
import type { HostLogger } from '../host/log';

export const RECENT_RUNS_MAX = 8;

/** `recent` with `run` moved (or added) to the front, at most RECENT_RUNS_MAX long. */
export function pushRecentRun(
  recent: readonly { id: string; name: string }[],
  run: { id: string; name: string },
): { id: string; name: string }[] {
  return [run, ...recent.filter((r) => r.id !== run.id)].slice(0, RECENT_RUNS_MAX);
}

export const WindowState = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(480).max(20_000),
  height: z.number().int().min(360).max(20_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowState>;

export const Settings = z.object({
  window: WindowState.default({ width: 1400, height: 900, maximized: false }),
  /** Engine workspace; default: the engine's own (`LATENT_LAB_HOME` or the platform data folder). */
  workspace: z.string().min(1).max(4096).optional(),
  lastDatasetFolder: z.string().max(4096).optional(),
  lastExportFolder: z.string().max(4096).optional(),
  /** Runs opened lately, newest first (File › Open Recent Run). */
  recentRuns: z
    .array(z.object({ id: z.string().min(1).max(200), name: z.string().max(200) }))
    .max(RECENT_RUNS_MAX)
    .default([]),
});
export type Settings = z.infer<typeof Settings>;

export const SETTINGS_NAME = 'settings';

/**
 * Check the settings file before electron-store reads it. Returns why it was set aside, or null
 * when it is fine (or absent).
 */
export function quarantineBadSettings(file: string, now = new Date()): string | null {
  if (!existsSync(file)) return null;
  let problem: string | null = null;
  try {
    const parsed = Settings.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) problem = `invalid settings: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
  } catch (err) {
    problem = `unreadable settings: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!problem) return null;
  const aside = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(file, aside);
    return `${problem}; moved to ${aside}`;
  } catch (err) {
    return `${problem}; could not move it aside (${err instanceof Error ? err.message : String(err)})`;
  }
}

export class SettingsStore {
  private readonly store: Store<Settings>;
  private value: Settings;

  constructor(userDataDir: string, log: HostLogger) {
    const file = path.join(userDataDir, `${SETTINGS_NAME}.json`);
    const aside = quarantineBadSettings(file);
    if (aside) log.warn(`settings: ${aside}; using defaults`);
    this.store = new Store<Settings>({ name: SETTINGS_NAME, cwd: userDataDir, clearInvalidConfig: true });
    this.value = Settings.parse(this.store.store ?? {});
  }

  get(): Settings {
    return structuredClone(this.value);
  }

  update(patch: Partial<Settings>): Settings {
    const next = Settings.safeParse({ ...this.value, ...patch });
    if (!next.success) throw new Error(`invalid settings: ${next.error.issues[0]?.message}`);
    this.value = next.data;
    this.store.store = this.value;
    return this.get();
  }
}
