/**
 * The real engine in a live child process (src-main/engine-entry.ts under tsx, forked with
 * advanced serialization, exactly as browser mode runs the built entry):
 * - every malformed request, for every request name, gets a typed error, whether it goes through
 *   the host (validated there) or straight to the engine process (validated by the engine);
 * - hostile-but-well-formed payloads (`..` ids, relative/odd paths) get typed errors too;
 * - after all of it the engine still serves `engine:info`, and the process is alive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, REQUEST_NAMES, type RequestName } from '../../src-shared/contract';
import { EngineHost } from '../../src-main/host/engine-host';
import type { Response } from '../../src-shared/contract';
import { forkChannel, forkSpawner } from '../../src-main/host/fork-channel';
import type { EngineChannel, FromEngine } from '../../src-main/host/engine-channel';
import { malformedPayload } from './contract-samples';

const ENTRY = path.join(__dirname, '..', '..', 'src-main', 'engine-entry.ts');
const CODES = new Set<string>(ERROR_CODES);
let workspace: string;
let host: EngineHost;
let raw: EngineChannel;
const rawPending = new Map<number, (r: Response) => void>();
let rawReady: Promise<void>;

function isTypedError(r: Response): boolean {
  return r.ok === false && CODES.has(r.error.code) && typeof r.error.message === 'string';
}

let nextRawId = 1;
function rawRequest(name: string, payload: unknown): Promise<Response> {
  const id = nextRawId++;
  return new Promise((resolve) => {
    rawPending.set(id, resolve);
    raw.send({ type: 'request', id, name, payload });
  });
}

beforeAll(async () => {
  workspace = mkdtempSync(path.join(os.tmpdir(), 'll-engine-fuzz-'));
  const env = { ...process.env, LATENT_LAB_HOME: workspace };
  host = new EngineHost({ spawn: forkSpawner({ entry: ENTRY, execArgv: ['--import', 'tsx'], args: ['--workspace', workspace], env }) });
  host.start();
  // A second engine process spoken to directly, without the host's validation in front.
  raw = forkChannel({ entry: ENTRY, execArgv: ['--import', 'tsx'], args: ['--workspace', path.join(workspace, 'raw')], env });
  rawReady = new Promise((resolve, reject) => {
    raw.onMessage((m: FromEngine) => {
      if (m.type === 'ready') resolve();
      if (m.type === 'fatal') reject(new Error(m.message));
      if (m.type === 'response') rawPending.get(m.id)?.(m.response as Response);
    });
    raw.onExit((e) => reject(new Error(`raw engine exited: ${JSON.stringify(e)}`)));
  });
  await Promise.all([host.whenReady(), rawReady]);
}, 120_000);

afterAll(async () => {
  raw?.send({ type: 'shutdown' });
  await host?.dispose();
  raw?.kill();
  rmSync(workspace, { recursive: true, force: true });
});

describe('live engine: malformed requests', () => {
  it('the engine is up and reports its backend', async () => {
    const r = await host.handle('engine:info', {});
    expect(r.ok).toBe(true);
    expect(host.state).toMatchObject({ state: 'ready', backend: { backend: expect.stringMatching(/tensorflow|wasm|cpu/) } });
  });

  it.each(REQUEST_NAMES)('%s: malformed payloads get typed errors through the host and from the engine itself', async (name: RequestName) => {
    const samples = fc.sample(malformedPayload(name), { numRuns: 12, seed: 42 });
    for (const payload of samples) {
      const viaHost = await host.handle(name, payload);
      expect(viaHost.ok).toBe(false);
      expect(isTypedError(viaHost), JSON.stringify(viaHost)).toBe(true);
      expect((viaHost as { error: { code: string } }).error.code).toBe('INVALID_PAYLOAD');
      const direct = await rawRequest(name, payload);
      expect(isTypedError(direct), JSON.stringify(direct)).toBe(true);
      expect((direct as { error: { code: string } }).error.code).toBe('INVALID_PAYLOAD');
    }
  });

  it('unknown names and junk go back typed from the engine process itself', async () => {
    for (const name of ['nope', '', '__proto__', 'constructor', 'toString', 'engine:restart', 'x'.repeat(10_000)]) {
      const r = await rawRequest(name, {});
      expect(isTypedError(r), `${name.slice(0, 20)} → ${JSON.stringify(r).slice(0, 200)}`).toBe(true);
    }
    for (const payload of [null, undefined, 42, 'str', [1], new Float32Array(2), { __proto__: { x: 1 } }]) {
      const r = await rawRequest('runs:open', payload);
      expect(isTypedError(r)).toBe(true);
    }
  });

  it('well-formed but hostile payloads get typed errors (no run escapes the workspace)', async () => {
    const cases: Array<[RequestName, unknown]> = [
      ['runs:open', { runId: '..' }],
      ['runs:open', { runId: '.' }],
      ['runs:delete', { runId: '..' }],
      ['runs:delete', { runId: '.' }],
      ['runs:rename', { runId: '..', name: 'x' }],
      ['runs:metrics', { runId: '.' }],
      ['model:latents', { runId: '..', split: 'test' }],
      ['export:start', { runId: '../../etc', format: 'npz', out: '/tmp/ll-x' }],
      ['export:start', { runId: 'nope', format: 'npz', out: 'relative/../../x' }],
      ['datasets:prepare', { dataset: { id: 'local', path: '../../../../../../etc' } }],
      ['datasets:prepare', { dataset: { id: 'local', path: '/proc/self/fd' } }],
      ['model:decode', { z: new Float32Array([0, 0]), count: 1 }],
      ['model:encodeFile', { name: '../../x.png', bytes: new Uint8Array([0, 1, 2, 3]) }],
    ];
    for (const [name, payload] of cases) {
      const r = await host.handle(name, payload);
      expect(isTypedError(r), `${name} ${JSON.stringify(r).slice(0, 200)}`).toBe(true);
    }
  });

  it('the engine keeps serving afterwards', async () => {
    expect((await host.handle('engine:info', {})).ok).toBe(true);
    expect((await rawRequest('engine:info', {})).ok).toBe(true);
    expect((await host.handle('runs:list', {})).ok).toBe(true);
    expect(host.state.state).toBe('ready');
    expect(() => process.kill(host.pid!, 0)).not.toThrow();
  });
});
