/**
 * Host-level names: requests the host (Electron main / browser-mode server) answers itself, never
 * forwarded to the engine, and events the host emits besides `engine:state`.
 */
import { z } from 'zod';
import { RunId } from '../types';
import { firstIssue, type ErrorBody } from './errors';
import { Empty, Ok, req } from './payloads';

export const MENU_COMMANDS = ['openDatasetFolder', 'openRun', 'export', 'startTraining', 'stopTraining', 'settings'] as const;
export const MenuCommand = z.enum(MENU_COMMANDS);
export type MenuCommand = z.infer<typeof MenuCommand>;

export const hostEvents = {
  /**
   * An application-menu command for the renderer. `openDatasetFolder` carries the folder the user
   * picked, `openRun` the run chosen under File › Open Recent Run.
   */
  'menu:command': z.object({ command: MenuCommand, path: z.string().optional(), runId: RunId.optional() }),
} as const;
export type HostEventName = keyof typeof hostEvents;
export type HostEventPayload<N extends HostEventName> = z.output<(typeof hostEvents)[N]>;
export const HOST_EVENT_NAMES = Object.keys(hostEvents) as HostEventName[];

export const hostRequests = {
  'engine:restart': req(Empty, Ok, 'Restart the engine process (after a crash).'),
  'dialog:openFolder': req(
    z.object({ purpose: z.enum(['dataset', 'dataset-file', 'export']), title: z.string().max(200).optional() }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native picker (Electron only; browser mode answers UNSUPPORTED): a folder, or a dataset file for `dataset-file`. null = cancelled.',
  ),
} as const;
export type HostRequests = typeof hostRequests;
export type HostRequestName = keyof HostRequests;
export type HostRequestInput<N extends HostRequestName> = z.input<HostRequests[N]['input']>;
export type HostRequestOutput<N extends HostRequestName> = z.output<HostRequests[N]['output']>;
export const HOST_REQUEST_NAMES = Object.keys(hostRequests) as HostRequestName[];

export function isHostRequestName(name: unknown): name is HostRequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(hostRequests, name);
}

/** Validate a host request; returns the parsed payload or an INVALID_PAYLOAD error body. */
export function parseHostRequest<N extends HostRequestName>(
  name: N,
  payload: unknown,
): { ok: true; value: z.output<HostRequests[N]['input']> } | { ok: false; error: ErrorBody } {
  const r = hostRequests[name].input.safeParse(payload ?? {});
  if (r.success) return { ok: true, value: r.data as z.output<HostRequests[N]['input']> };
  return { ok: false, error: { code: 'INVALID_PAYLOAD', message: firstIssue(name, r.error) } };
}

