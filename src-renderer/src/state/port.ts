/**
 * What the state classes need from the outside world: the engine (`LabApi`) plus the two host
 * services. The app passes the real one (`app.ts`, built on `lib/api.ts`); unit tests pass a fake.
 * State classes take it as a constructor parameter; components never see it.
 */
import type { HostEventPayload, LabApi } from '../lib/contract';

export interface StateApi extends LabApi {
  /**
   * Native picker: a folder (`dataset`, `export`) or a dataset file (`dataset-file`); the chosen
   * absolute path, or null when cancelled. Rejects with `UNSUPPORTED` in browser mode.
   */
  openFolder(purpose: 'dataset' | 'dataset-file' | 'export', title?: string): Promise<string | null>;
  /** Application-menu commands (Electron only). Returns the unsubscribe. */
  onMenuCommand(cb: (payload: HostEventPayload<'menu:command'>) => void): () => void;
}

/** Where settings persist: `localStorage` in the app, a Map-backed fake in tests. */
export interface SettingsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The page's `localStorage`, or null where there is none (or it is disabled). */
export function browserStorage(): SettingsStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
