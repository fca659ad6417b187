/**
 * Electron IPC: the channel names and the bridge the preload exposes as `window.api`, shared by
 * Electron main (`src-main/shell/ipc.ts`), the preload and the renderer's api module.
 *
 * Pure TypeScript, no imports at run time.
 */
import type { Response } from './contract';

/** renderer → main: `invoke(IPC_INVOKE, name, payload)` answered with a `Response`. */
export const IPC_INVOKE = 'lab:invoke';
/** main → renderer: `send(IPC_EVENT, name, payload)`. */
export const IPC_EVENT = 'lab:event';

/** What the preload exposes as `window.api` (wrapped into `LabApi` by `lib/api.ts`). */
export interface LabBridge {
  readonly transport: 'electron';
  readonly requestNames: readonly string[];
  readonly eventNames: readonly string[];
  /** Contract requests and host requests (`engine:restart`, `dialog:openFolder`) by name. */
  invoke(name: string, payload: unknown): Promise<Response>;
  /** Subscribe to a contract event; returns the unsubscribe. */
  on(name: string, cb: (payload: unknown) => void): () => void;
}
