/**
 * The one IPC contract between the renderer and the engine.
 *
 * Every request (renderer → engine, answered) and every event (engine → renderer) is listed by
 * name (`noun:verb`) with a zod schema; TypeScript types are inferred from the schemas. Large
 * numeric payloads travel as typed arrays (structured clone in Electron, msgpackr in browser
 * mode, advanced serialization to the engine process), never as JSON number lists.
 *
 * This module is the one `requests` table, put together from one module per noun in
 * `./contract/` (datasets, training and runs, model, the projection and export jobs), with
 * validation (`parseRequest`), the answer envelope (`Response`) and the renderer's `LabApi`.
 * The shared payloads (`./contract/payloads.ts`), the events (`./contract/events.ts`), the host's
 * own names (`./contract/host.ts`) and the error body (`./contract/errors.ts`) are re-exported
 * from here: importers use this module only.
 *
 * Pure TypeScript: imported by the engine, Electron main, preload, browser-mode server,
 * renderer and tests.
 */
import { z } from 'zod';
import { EngineInfo, LabError } from './types';
import { datasetRequests } from './contract/datasetRequests';
import { firstIssue, type ErrorBody } from './contract/errors';
import type { EventName, EventPayload } from './contract/events';
import { jobRequests } from './contract/jobRequests';
import { modelRequests } from './contract/modelRequests';
import { modelCardRequests } from './contract/modelCardRequests';
import { Empty, req } from './contract/payloads';
import { runRequests } from './contract/runRequests';

export * from './types';
export { F32, I32, U8, ImageBatch, LatentBatch, Neighbors, EpochRecord } from './contract/payloads';
export { ModelCard, ModelCardLayer, LAYER_TYPES } from './contract/modelCardRequests';
export { EngineState, events, EVENT_NAMES, type EventName, type EventPayload, type Events } from './contract/events';
export { ErrorBody, toErrorBody } from './contract/errors';
export {
  MENU_COMMANDS,
  MenuCommand,
  hostEvents,
  HOST_EVENT_NAMES,
  hostRequests,
  HOST_REQUEST_NAMES,
  isHostRequestName,
  parseHostRequest,
  type HostEventName,
  type HostEventPayload,
  type HostRequestInput,
  type HostRequestName,
  type HostRequestOutput,
  type HostRequests,
} from './contract/host';

// ---------------------------------------------------------------------------------------------
// Requests: the one table, noun by noun.

export const requests = {
  'engine:info': req(Empty, EngineInfo, 'Versions, workspace and the backend in use (and why).'),
  ...datasetRequests,
  ...runRequests,
  ...modelRequests,
  ...modelCardRequests,
  ...jobRequests,
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export const REQUEST_NAMES = Object.keys(requests) as RequestName[];
export type RequestInput<N extends RequestName> = z.input<Requests[N]['input']>;
export type RequestParsed<N extends RequestName> = z.output<Requests[N]['input']>;
export type RequestOutput<N extends RequestName> = z.output<Requests[N]['output']>;

// ---------------------------------------------------------------------------------------------
// Responses

/** The one answer envelope on every hop (engine → host → IPC/WebSocket → api.ts); `Response` = untyped. */
export type Response<N extends RequestName = never> =
  | { ok: true; value: [N] extends [never] ? unknown : RequestOutput<N> }
  | { ok: false; error: ErrorBody };

/**
 * Parse a request payload; throws LabError('INVALID_PAYLOAD') naming the first problem. A missing
 * payload (`undefined` or `null`) stands for `{}` only for requests whose input is empty
 * (`engine:info`, `training:stop`, …); every other request needs one (a `training:start` with
 * no payload is refused, not a default run: send `{}` for the defaults).
 */
export function parseRequest<N extends RequestName>(name: N, payload: unknown): RequestParsed<N> {
  if (!isRequestName(name)) throw new LabError('UNKNOWN_REQUEST', `unknown request "${String(name).slice(0, 100)}"`);
  const input: z.ZodType = requests[name].input;
  if (payload == null && input !== Empty) {
    throw new LabError('INVALID_PAYLOAD', `${name}: a payload is required (got ${payload === null ? 'null' : 'none'})`);
  }
  const r = input.safeParse(payload ?? {});
  if (!r.success) throw new LabError('INVALID_PAYLOAD', firstIssue(name, r.error));
  return r.data as RequestParsed<N>;
}

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

/** The renderer-side API shape (implemented by the preload and by the WebSocket client). */
export interface LabApi {
  invoke<N extends RequestName>(name: N, payload: RequestInput<N>): Promise<RequestOutput<N>>;
  on<N extends EventName>(name: N, cb: (payload: EventPayload<N>) => void): () => void;
  restartEngine(): Promise<void>;
  /** 'electron' or 'browser'. */
  readonly transport: 'electron' | 'browser';
}
