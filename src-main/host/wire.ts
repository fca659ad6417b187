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
/** The subprotocol the server answers with. */
export const WS_PROTOCOL = 'latentlab.v1';
/** The access token travels as a second offered subprotocol, `latentlab.token.<token>` (never in the URL). */
export const WS_TOKEN_PROTOCOL_PREFIX = 'latentlab.token.';

/** What a client offers in `new WebSocket(url, wsProtocols(token))`. */
export function wsProtocols(token: string): string[] {
  return [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`];
}

/**
 * Largest request frame the server accepts (client → server), 64 MiB. What the contract needs,
 * with margin (test/unit/server.test.ts packs these and checks they fit):
 * - `model:encodeFile`: an image file of up to MAX_IMAGE_BYTES (20 MiB);
 * - `model:decode` at its limits: 100,000 latent vectors of up to 64 floats (25.6 MB) + labels;
 * - `projection:compute` from the UI: the latents of a split, 64 MiB = 262,144 points × 64 dims
 *   (mnist-full's 60,000 training points are 15 MB at 64 dims).
 * Larger requests (the contract's generic 50 M-float ceiling on `model:encode` or
 * `projection:compute`) are for in-process callers; the renderer refuses them before sending with
 * TOO_LARGE, and the server closes a connection that sends one with 1009 before reading its body.
 * Answers (server → client) have no frame cap; they are bounded by the server's queue limits.
 */
export const MAX_REQUEST_FRAME_BYTES = 64 * 1024 * 1024;
/** Close code for an unauthenticated socket (never reached by browsers: the upgrade is refused). */
export const WS_CLOSE_POLICY = 1008;
