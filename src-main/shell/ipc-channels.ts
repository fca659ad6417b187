/**
 * IPC channel names and the bridge shape shared by Electron main, the preload and the renderer's
 * api module. Pure TypeScript: no imports at run time.
 */
import type { ErrorBody } from '../../src-shared/contract';

/** renderer → main: `invoke(IPC_INVOKE, name, payload)` answered with a `BridgeResponse`. */
export const IPC_INVOKE = 'lab:invoke';
/** main → renderer: `send(IPC_EVENT, name, payload)`. */
export const IPC_EVENT = 'lab:event';

export type BridgeResponse = { ok: true; value: unknown } | { ok: false; error: ErrorBody };

/** What the preload exposes as `window.api` (wrapped into `LabApi` by `lib/api.ts`). */
export interface LabBridge {
  readonly transport: 'electron';
  readonly requestNames: readonly string[];
  readonly eventNames: readonly string[];
  /** Contract requests and host requests (`engine:restart`, `dialog:openFolder`) by name. */
  invoke(name: string, payload: unknown): Promise<BridgeResponse>;
  /** Subscribe to a contract event; returns the unsubscribe. */
  on(name: string, cb: (payload: unknown) => void): () => void;
}
