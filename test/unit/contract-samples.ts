/**
 * Valid sample payloads for every contract request, and fast-check generators of malformed
 * ones (shared by the contract fuzz and the live-engine fuzz).
 */
import fc from 'fast-check';
import type { RequestName } from '../../src-shared/contract';

/** One valid payload per request (the fuzzers mutate these). */
export const VALID: { [N in RequestName]: Record<string, unknown> } = {
  'engine:info': {},
  'datasets:list': {},
  'datasets:prepare': { dataset: { id: 'mnist' } },
  'datasets:sample': { dataset: { id: 'toy-moons' }, split: 'train', offset: 0, count: 4 },
  'datasets:inspect': { dataset: { id: 'toy-moons' }, perClass: 4 },
  'datasets:cancel': {},
  'training:start': {
    dataset: { id: 'mnist' },
    model: { kind: 'vae', latentDim: 2, hidden: [16], activation: 'relu', beta: 1 },
    epochs: 1,
    batchSize: 32,
    learningRate: 0.001,
    seed: 1,
    name: 'fuzz',
    snapshotSize: 10,
  },
  'training:pause': {},
  'training:resume': {},
  'training:stop': {},
  'training:status': {},
  'runs:list': {},
  'runs:open': { runId: 'run-1' },
  'runs:rename': { runId: 'run-1', name: 'new name' },
  'runs:locateData': { runId: 'run-1', path: '/tmp/moved-data' },
  'runs:delete': { runId: 'run-1' },
  'runs:metrics': { runId: 'run-1' },
  'runs:history': { runId: 'run-1' },
  'model:latents': { runId: 'run-1', split: 'test', limit: 10 },
  'model:encode': { images: new Float32Array(784), count: 1, labels: new Int32Array([3]) },
  'model:decode': { z: new Float32Array([0, 0]), count: 1, labels: new Int32Array([1]) },
  'model:reconstruct': { split: 'test', offset: 0, count: 4, worstFirst: false },
  'model:generate': { count: 4, label: 1, temperature: 1, seed: 3 },
  'model:interpolate': { from: new Float32Array([0, 0]), to: new Float32Array([1, 1]), steps: 5, label: 2 },
  'model:manifold': { dims: [0, 1], steps: 5, range: 2, label: 0 },
  'model:neighbors': { z: new Float32Array([0, 0]), k: 3 },
  'model:encodeFile': { name: 'digit.png', bytes: new Uint8Array([137, 80, 78, 71]), label: 3 },
  'model:dimStats': {},
  'model:typicality': { input: new Float32Array(784), label: 3 },
  'projection:compute': { method: 'pca', latents: new Float32Array(6), dim: 2, seed: 1 },
  'projection:cancel': {},
  'export:start': { runId: 'run-1', format: 'npz', count: 10, label: 1, temperature: 1, seed: 1, out: '/tmp/export', overwrite: false },
  'export:cancel': {},
  'models:describe': { model: { kind: 'vae', arch: 'conv', latentDim: 2 }, shape: [28, 28, 1], numClasses: 10 },
  'classifier:cancel': {},
  'classifier:start': {},
};

export type Path = Array<string | number>;

/** Leaves (and nested objects) of a sample, with their paths. */
export function leaves(v: unknown, path: Path = []): Array<{ path: Path; value: unknown }> {
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const out: Array<{ path: Path; value: unknown }> = path.length ? [{ path, value: v }] : [];
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) out.push(...leaves(child, [...path, Array.isArray(v) ? Number(k) : k]));
    return out;
  }
  return [{ path, value: v }];
}

export function setAt(root: unknown, path: Path, value: unknown): unknown {
  const clone = structuredClone(root) as Record<string | number, unknown>;
  let cur = clone as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path[path.length - 1]] = value;
  return clone;
}

export function deleteAt(root: unknown, path: Path): unknown {
  const clone = structuredClone(root) as Record<string | number, unknown>;
  let cur = clone as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  delete cur[path[path.length - 1]];
  return clone;
}

/** Values of a different kind than `v`: always invalid in its place. */
export function wrongKinds(v: unknown): unknown[] {
  const pool: unknown[] = ['x', 42, true, { a: 1 }, [1, 2], new Float64Array(2), new Uint8ClampedArray(2), null];
  return pool.filter((p) => {
    if (typeof v === 'number') return typeof p !== 'number';
    if (typeof v === 'string') return typeof p !== 'string';
    if (typeof v === 'boolean') return typeof p !== 'boolean';
    if (v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array) return true;
    if (Array.isArray(v)) return !Array.isArray(p);
    if (v && typeof v === 'object') return p === null || typeof p !== 'object' || Array.isArray(p) || ArrayBuffer.isView(p);
    return false;
  });
}

export const NON_FINITE = [NaN, Infinity, -Infinity];
export const COUNT_KEYS = new Set(['count', 'offset', 'steps', 'k', 'limit', 'epochs', 'batchSize', 'latentDim', 'dim', 'seed', 'snapshotSize']);


/** Payloads that must be refused for `name`: a mutation of its valid sample, or not an object. */
export function malformedPayload(name: RequestName): fc.Arbitrary<unknown> {
  const sample = VALID[name];
  const fields = leaves(sample);
  const options: Array<fc.Arbitrary<unknown>> = [
    fc.constantFrom<unknown>([], 'x', 7, true, new Float32Array(1), [sample]),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in sample) && k !== '__proto__'), fc.anything())
      .map(([k, v]) => ({ ...sample, [k]: v })),
  ];
  const typeSwaps = fields.flatMap((f) => wrongKinds(f.value).map((bad) => setAt(sample, f.path, bad)));
  if (typeSwaps.length) options.push(fc.constantFrom(...typeSwaps));
  const numeric = fields.filter((f) => typeof f.value === 'number');
  if (numeric.length) options.push(fc.tuple(fc.constantFrom(...numeric), fc.constantFrom(...NON_FINITE)).map(([f, v]) => setAt(sample, f.path, v)));
  return fc.oneof(...options);
}
