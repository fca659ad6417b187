/**
 * A fake of the renderer's `StateApi` for unit tests of the state classes: requests are answered
 * by handlers the test registers (a request without one fails with UNKNOWN_REQUEST), every call is
 * recorded, and the test emits engine events and menu commands itself. Plus small contract-shaped
 * fixtures and an in-memory settings storage.
 */
import type {
  EventName,
  EventPayload,
  HostEventPayload,
  RequestInput,
  RequestName,
  RequestOutput,
} from '../../../src-shared/contract';
import { TrainConfig, withSavedRunSettings, type DatasetInfo, type EngineInfo, type RunSummary } from '../../../src-shared/types';
import type { LatentBatch } from '../../../src-shared/contract';
import type { SettingsStorage, StateApi } from '../../../src-renderer/src/state/port';

type Handler<N extends RequestName> = (payload: RequestInput<N>) => RequestOutput<N> | Promise<RequestOutput<N>>;
type MenuPayload = HostEventPayload<'menu:command'>;

/** An error as `lib/api.ts` throws them: an Error with the contract's `code`. */
export function labError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

export class FakeApi implements StateApi {
  readonly calls: Array<{ name: string; payload: unknown }> = [];
  restarts = 0;
  /** What the folder picker answers (null: cancelled). */
  folder: string | null = null;
  #handlers = new Map<string, (payload: unknown) => unknown>();
  #listeners = new Map<string, Set<(payload: unknown) => void>>();
  #menu = new Set<(payload: MenuPayload) => void>();

  constructor(readonly transport: 'electron' | 'browser' = 'browser') {}

  /** Answer `name` with `h` from now on (replacing an earlier handler). */
  handle<N extends RequestName>(name: N, h: Handler<N>): this {
    this.#handlers.set(name, h as (payload: unknown) => unknown);
    return this;
  }

  invoke<N extends RequestName>(name: N, payload: RequestInput<N>): Promise<RequestOutput<N>> {
    this.calls.push({ name, payload });
    const h = this.#handlers.get(name);
    if (!h) return Promise.reject(labError('UNKNOWN_REQUEST', `the fake has no answer for ${name}`));
    try {
      return Promise.resolve(h(payload) as RequestOutput<N>);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Payloads of the calls made to `name`, in order. */
  callsOf<N extends RequestName>(name: N): RequestInput<N>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.payload as RequestInput<N>);
  }

  on<N extends EventName>(name: N, cb: (payload: EventPayload<N>) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(cb as (payload: unknown) => void);
    return () => set.delete(cb as (payload: unknown) => void);
  }

  /** Deliver an engine event to the subscribers, as the transport would. */
  emit<N extends EventName>(name: N, payload: EventPayload<N>): void {
    for (const cb of [...(this.#listeners.get(name) ?? [])]) cb(payload);
  }

  listenerCount(name: EventName): number {
    return this.#listeners.get(name)?.size ?? 0;
  }

  async restartEngine(): Promise<void> {
    this.restarts++;
  }

  async openFolder(): Promise<string | null> {
    return this.folder;
  }

  onMenuCommand(cb: (payload: MenuPayload) => void): () => void {
    this.#menu.add(cb);
    return () => this.#menu.delete(cb);
  }

  menu(payload: MenuPayload): void {
    for (const cb of [...this.#menu]) cb(payload);
  }
}

/** `localStorage` stand-in. */
export class MemoryStorage implements SettingsStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

export const MNIST: DatasetInfo = {
  id: 'mnist',
  title: 'MNIST',
  description: 'handwritten digits',
  shape: [28, 28],
  labelNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  trainCount: 8000,
  testCount: 2000,
  available: true,
  isImage: true,
};

export const ENGINE_INFO: EngineInfo = {
  appVersion: '0.0.0-test',
  tfjsVersion: '4.22.0',
  node: 'v20',
  platform: 'linux',
  backend: { backend: 'wasm', skipped: [], forced: false, overrides: [] },
  workspace: '/tmp/ws',
};

/** A saved run of `kind` with a `dim`-D latent. */
export function run(id: string, opts: { kind?: 'ae' | 'vae' | 'cvae' | 'vaegan'; dim?: number; epochsDone?: number; error?: string } = {}): RunSummary {
  return {
    id,
    name: `run ${id}`,
    created: '2026-01-01T00:00:00.000Z',
    config: TrainConfig.parse({ model: { kind: opts.kind ?? 'vae', latentDim: opts.dim ?? 2 }, epochs: 3 }),
    state: 'done',
    epochsDone: opts.epochsDone ?? 3,
    metrics: null,
    ...(opts.error ? { error: opts.error } : {}),
  };
}

/**
 * A run's config as the renderer gets it when its config.json (`raw`, JSON as written, without
 * the settings added since) was saved before some option existed: read as the engine reads runs
 * (`withSavedRunSettings`, then the contract).
 */
export function savedConfig(raw: Record<string, unknown>): TrainConfig {
  return TrainConfig.parse((withSavedRunSettings({ config: raw }) as { config: unknown }).config);
}

/** `count` points in `dim`-D: point i at (i, −i, i/2, …) with label i % 10 and dataset index `base + i`. */
export function batch(count: number, dim: number, base = 0): LatentBatch {
  const latents = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) for (let k = 0; k < dim; k++) latents[i * dim + k] = (k % 2 ? -i : i) / (k + 1);
  const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
  const indices = Int32Array.from({ length: count }, (_, i) => base + i);
  return { latents, dim, count, labels, indices };
}

/** A fake engine with datasets, engine info, the given saved runs (read at each request: a test may change the array) and their latents. */
export function engineWith(runs: RunSummary[], api = new FakeApi()): FakeApi {
  const list = runs;
  return api
    .handle('engine:info', () => ENGINE_INFO)
    .handle('datasets:list', () => [MNIST])
    .handle('runs:list', () => list)
    .handle('training:status', () => null)
    .handle('runs:open', ({ runId }) => {
      const r = list.find((x) => x.id === runId);
      if (!r) throw labError('NOT_FOUND', `no run ${runId}`);
      return r;
    })
    .handle('model:latents', ({ runId, split }) => {
      const r = list.find((x) => x.id === runId)!;
      return batch(split === 'train' ? 30 : 20, r.config.model.latentDim);
    });
}
