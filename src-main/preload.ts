/**
 * Preload of the (sandboxed, context-isolated) window. Exposes `window.api`: invoke a contract
 * request by name, subscribe to a contract event, restart the engine, pick a folder. Nothing
 * else crosses: no ipcRenderer, no IpcRendererEvent, no Node.
 *
 * Answers cross the bridge as `{ ok: true, value } | { ok: false, error: { code, message } }`
 * (contextBridge drops custom properties of thrown errors); `src-renderer/src/lib/api.ts` turns
 * `ok: false` into a thrown `LabRequestError` with its `code`.
 *
 * Kept free of zod and of chunks: a sandboxed preload can only `require('electron')` and a few
 * builtins. The allowed names come from the contract at build time (`__LAB_NAMES__`).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type LabBridge } from '../src-shared/channels';
import type { Response } from '../src-shared/contract';

declare const __LAB_NAMES__: { requests: string[]; events: string[]; hostRequests: string[] };

const REQUESTS = new Set(__LAB_NAMES__.requests);
const HOST_REQUESTS = new Set(__LAB_NAMES__.hostRequests);
const EVENTS = new Set(__LAB_NAMES__.events);

function refuse(code: 'UNKNOWN_REQUEST', message: string): Response {
  return { ok: false, error: { code, message } };
}

function call(name: string, payload: unknown): Promise<Response> {
  if (typeof name !== 'string' || !(REQUESTS.has(name) || HOST_REQUESTS.has(name))) {
    return Promise.resolve(refuse('UNKNOWN_REQUEST', `unknown request "${String(name).slice(0, 100)}"`));
  }
  return ipcRenderer.invoke(IPC_INVOKE, name, payload ?? {}).then(
    (r: Response) => r,
    (err: unknown) => ({ ok: false as const, error: { code: 'INTERNAL' as const, message: err instanceof Error ? err.message : String(err) } }),
  );
}

/** One ipcRenderer listener fans out to every subscriber. */
const subscribers = new Map<string, Set<(payload: unknown) => void>>();
ipcRenderer.on(IPC_EVENT, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  const set = subscribers.get(name);
  if (!set) return;
  for (const cb of [...set]) {
    try {
      cb(payload);
    } catch (err) {
      console.error(`listener for ${name} failed`, err);
    }
  }
});

const bridge: LabBridge = {
  transport: 'electron',
  requestNames: [...REQUESTS],
  eventNames: [...EVENTS],
  invoke: (name, payload) => call(name, payload),
  on(name, cb) {
    if (typeof name !== 'string' || !EVENTS.has(name)) throw new Error(`unknown event "${String(name).slice(0, 100)}"`);
    if (typeof cb !== 'function') throw new Error('on(): the listener must be a function');
    let set = subscribers.get(name);
    if (!set) subscribers.set(name, (set = new Set()));
    const listener = (payload: unknown): void => cb(payload);
    set.add(listener);
    return () => {
      set!.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('api', bridge);
