/**
 * The preload (src-main/preload.ts) with a fake `electron`: what it exposes, that only contract
 * names pass, that answers/events cross without the IpcRendererEvent, and unsubscribe works.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, REQUEST_NAMES } from '../../src-shared/contract';
import { HOST_EVENT_NAMES, HOST_REQUEST_NAMES } from '../../src-shared/contract';
import type { LabBridge } from '../../src-shared/channels';

const h = vi.hoisted(() => ({
  exposed: {} as Record<string, unknown>,
  invoked: [] as unknown[][],
  listeners: [] as Array<(...a: unknown[]) => void>,
  answer: { ok: true, value: 1 } as unknown,
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (h.exposed[k] = v) },
  ipcRenderer: {
    invoke: async (...a: unknown[]) => {
      h.invoked.push(a);
      if (h.answer instanceof Error) throw h.answer;
      return h.answer;
    },
    on: (ch: string, fn: (...a: unknown[]) => void) => {
      if (ch === 'lab:event') h.listeners.push(fn);
    },
  },
}));

let api: LabBridge;
beforeAll(async () => {
  (globalThis as Record<string, unknown>).__LAB_NAMES__ = {
    requests: REQUEST_NAMES,
    events: [...EVENT_NAMES, ...HOST_EVENT_NAMES],
    hostRequests: HOST_REQUEST_NAMES,
  };
  await import('../../src-main/preload');
  api = h.exposed.api as LabBridge;
});

describe('preload bridge', () => {
  it('exposes exactly window.api with a narrow surface', () => {
    expect(Object.keys(h.exposed)).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual(['eventNames', 'invoke', 'on', 'requestNames', 'transport']);
    expect(api.transport).toBe('electron');
    expect([...api.requestNames].sort()).toEqual([...REQUEST_NAMES].sort());
  });

  it('invokes contract and host requests on one channel; refuses other names without IPC', async () => {
    h.invoked.length = 0;
    expect(await api.invoke('engine:info', {})).toEqual({ ok: true, value: 1 });
    expect(await api.invoke('engine:restart', undefined)).toEqual({ ok: true, value: 1 });
    expect(h.invoked).toEqual([
      ['lab:invoke', 'engine:info', {}],
      ['lab:invoke', 'engine:restart', {}],
    ]);
    for (const bad of ['fs:read', '__proto__', 'constructor', '', 42 as unknown as string]) {
      expect(await api.invoke(bad, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    }
    expect(h.invoked.length).toBe(2);
  });

  it('an IPC failure becomes an INTERNAL error envelope, not a rejection', async () => {
    h.answer = new Error('untrusted sender');
    expect(await api.invoke('engine:info', {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'untrusted sender' } });
    h.answer = { ok: true, value: 1 };
  });

  it('events: only contract names, payload only (no IpcRendererEvent), unsubscribe', () => {
    expect(() => api.on('nope', () => {})).toThrow(/unknown event/);
    expect(() => api.on('engine:state', 'x' as never)).toThrow(/function/);
    const got: unknown[][] = [];
    const off = api.on('engine:state', (...a: unknown[]) => got.push(a));
    const fakeEvent = { sender: { secret: true }, ports: [] };
    for (const l of h.listeners) l(fakeEvent, 'engine:state', { state: 'ready' });
    for (const l of h.listeners) l(fakeEvent, 'training:progress', { x: 1 });
    expect(got).toEqual([[{ state: 'ready' }]]);
    off();
    for (const l of h.listeners) l(fakeEvent, 'engine:state', { state: 'crashed' });
    expect(got.length).toBe(1);
    expect(h.listeners.length).toBe(1); // one ipcRenderer listener, however many subscribers
  });

  it('menu:command is subscribable (host event)', () => {
    const got: unknown[] = [];
    api.on('menu:command', (p) => got.push(p));
    for (const l of h.listeners) l({}, 'menu:command', { command: 'export' });
    expect(got).toEqual([{ command: 'export' }]);
  });
});
