/**
 * Browser-mode wire format: one msgpackr-encoded object per binary WebSocket frame.
 * `moreTypes` keeps Float32Array/Int32Array/Uint8Array as typed arrays (msgpack extension
 * types), rebuilt in the receiver's realm; `useRecords: false` keeps every frame self-contained.
 *
 * Imported by the server (Node) and by the renderer's api module (browser). Pure TypeScript.
 */
import { Packr } from 'msgpackr';
import type { ErrorBody } from '../../src-shared/contract';

/** Client → server. */
export interface WireRequest {
  t: 'req';
  id: number;
  name: string;
  payload?: unknown;
}

/** Server → client. `id` is null when the frame it answers had no usable id. */
export type WireMessage =
  | { t: 'res'; id: number | null; ok: true; value: unknown }
  | { t: 'res'; id: number | null; ok: false; error: ErrorBody }
  | { t: 'evt'; name: string; payload: unknown };

export function createPackr(): Packr {
  return new Packr({ useRecords: false, moreTypes: true, mapsAsObjects: true, int64AsType: 'number' });
}

/** WebSocket path of the server. */
export const WS_PATH = '/ws';
/** Close code for an unauthenticated socket (never reached by browsers: the upgrade is refused). */
export const WS_CLOSE_POLICY = 1008;
