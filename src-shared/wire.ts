/**
 * Browser-mode wire format, shared by the server (`src-main/server/`) and the renderer's api
 * module: one msgpack-encoded `WireRequest` / `WireMessage` per binary WebSocket frame.
 *
 * Each side builds its own `new Packr(PACKR_OPTIONS)` (msgpackr is not a contract dependency):
 * `moreTypes` keeps Float32Array/Int32Array/Uint8Array as typed arrays (msgpack extension types),
 * rebuilt in the receiver's realm; `useRecords: false` keeps every frame self-contained.
 *
 * Pure TypeScript, no imports at run time.
 */
import type { Response } from './contract';

/** msgpackr options of both ends (`new Packr(PACKR_OPTIONS)`). */
export const PACKR_OPTIONS = { useRecords: false, moreTypes: true, mapsAsObjects: true, int64AsType: 'number' } as const;

/** Client → server. */
export interface WireRequest {
  t: 'req';
  id: number;
  name: string;
  payload?: unknown;
}

/** Server → client: an answer (`id` null when the frame it answers had no usable id) or an event. */
export type WireMessage = ({ t: 'res'; id: number | null } & Response) | { t: 'evt'; name: string; payload: unknown };

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
 * with margin (test/unit/reliability.server.test.ts packs these and checks they fit):
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
