/**
 * A fake engine process for host/server tests: the real `runEngineChild` protocol with a tiny
 * engine that validates with the contract like the real one. Run with `--import tsx`.
 *
 * - `engine:info` answers; `runs:list` lists runs "saved" in the workspace (a JSON file);
 * - `training:start` saves a run, then emits `training:progress` every 20 ms until stopped;
 * - `model:decode` echoes `z` as `images` (typed arrays round trip);
 * - `projection:compute` never answers (to test ENGINE_DOWN on a crash);
 * - FAKE_ENGINE_FAIL=1 makes creation fail; FAKE_ENGINE_EXIT_ON=<name> exits(3) on that request.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseRequest, isRequestName, toErrorBody, LabError, type EngineInfo } from '../../src-shared/contract';
import { runEngineChild, type EngineLike } from '../../src-main/host/engine-child';

runEngineChild(
  async ({ workspace, emit }): Promise<EngineLike> => {
    if (process.env.FAKE_ENGINE_FAIL) throw new Error('fake engine refused to start');
    mkdirSync(workspace, { recursive: true });
    const runsFile = path.join(workspace, 'runs.json');
    const runs = (): string[] => (existsSync(runsFile) ? JSON.parse(readFileSync(runsFile, 'utf8')) : []);
    let timer: NodeJS.Timeout | null = null;
    const info: EngineInfo = {
      appVersion: '0.0.0-fake',
      tfjsVersion: 'none',
      node: process.version,
      platform: process.platform,
      backend: { backend: 'cpu', skipped: [{ backend: 'wasm', reason: 'fake' }], forced: false, overrides: [] },
      workspace,
    };
    return {
      info: () => info,
      async dispose() {
        if (timer) clearInterval(timer);
      },
      async handle(name, payload) {
        try {
          if (name === process.env.FAKE_ENGINE_EXIT_ON) process.exit(3);
          if (!isRequestName(name)) throw new LabError('UNKNOWN_REQUEST', `unknown request "${name}"`);
          const p = parseRequest(name, payload) as Record<string, unknown>;
          switch (name) {
            case 'engine:info':
              return { ok: true, value: info };
            case 'runs:list':
              return {
                ok: true,
                value: runs().map((id) => ({ id, name: id, created: '2020-01-01T00:00:00.000Z', state: 'done', epochsDone: 1, metrics: null, config: {} })),
              };
            case 'training:start': {
              const id = `run-${runs().length + 1}`;
              writeFileSync(runsFile, JSON.stringify([...runs(), id]));
              let batch = 0;
              timer = setInterval(() => {
                batch++;
                emit('training:progress', {
                  runId: id, state: 'training', epoch: 1, epochs: 1, batch, batches: 1000, samplesPerSecond: 1,
                  etaSeconds: 1, train: { loss: 1, recon: 1, kl: 0 }, beta: 1,
                });
              }, 20);
              return { ok: true, value: { runId: id } };
            }
            case 'training:stop':
              if (timer) clearInterval(timer);
              timer = null;
              return { ok: true, value: { state: 'cancelled' } };
            case 'model:decode': {
              const z = p.z as Float32Array;
              return { ok: true, value: { images: z, count: p.count, shape: [z.length / (p.count as number)], labels: new Int32Array([7]), bytes: new Uint8Array([1, 2, 3]) } };
            }
            case 'projection:compute':
              return await new Promise(() => {});
            default:
              throw new LabError('UNSUPPORTED', `fake engine does not do ${name}`);
          }
        } catch (err) {
          return { ok: false, error: toErrorBody(err) };
        }
      },
    };
  },
  () => path.join(process.cwd(), '.workspace', 'fake'),
);
