/**
 * Reliability (issue #6): no space left on device, injected through the export `fs` seam, at
 * every mutating call of every export format — including the final commit (rename) over an
 * existing target and the embeddings export. Always: a clear IO error naming the problem, no
 * temp or half-written folder left, and an existing target kept byte for byte.
 * (The first-write ENOSPC case per format is in export.test.ts.)
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEmbeddings, writeGeneratedExport, type ExportManifest, type FsSeam, type GeneratedSource } from '../../src-main/engine/export';
import { LabError } from '../../src-shared/types';

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-rel-export-'));
});
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

const manifest: ExportManifest = {
  runId: 'r',
  modelKind: 'cvae',
  latentDim: 2,
  dataset: 'mnist',
  seed: 1,
  temperature: 1,
  countPerLabel: { a: 3, b: 3 },
  created: '2026-01-01T00:00:00Z',
  appVersion: '0.0.0',
};

function source(total: number): GeneratedSource {
  async function* chunks() {
    for (let s = 0; s < total; s += 2) {
      const n = Math.min(2, total - s);
      yield { images: new Float32Array(n * 16).fill(0.5), labels: Int32Array.from({ length: n }, (_, i) => (s + i) % 2), z: new Float32Array(n * 2), count: n };
    }
  }
  return { total, height: 4, width: 4, latentDim: 2, labelNames: ['a', 'b'], chunks: chunks() };
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });

/** A seam failing the n-th call of `op` (1-based); counts every call. */
function failingFs(op: keyof FsSeam, n: number): FsSeam & { calls: Record<string, number> } {
  const calls: Record<string, number> = { writeFile: 0, mkdir: 0, rename: 0, rm: 0 };
  const hit = (k: keyof FsSeam) => ++calls[k] === n && k === op;
  return {
    calls,
    writeFile: async (f, d) => (hit('writeFile') ? Promise.reject(enospc()) : fsp.writeFile(f, d)),
    mkdir: async (d) => (hit('mkdir') ? Promise.reject(enospc()) : fsp.mkdir(d).then(() => undefined)),
    rename: async (a, b) => (hit('rename') ? Promise.reject(enospc()) : fsp.rename(a, b)),
    rm: async (t, o) => {
      hit('rm');
      return fsp.rm(t, o);
    },
  };
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const full = path.join(e.parentPath, e.name);
      out[path.relative(dir, full)] = (await fsp.readFile(full)).toString('base64');
    }
  }
  return out;
}

type Run = (out: string, fs: FsSeam | undefined, overwrite: boolean) => Promise<unknown>;
const formats: Record<string, Run> = {
  imagefolder: (out, fs, overwrite) => writeGeneratedExport('imagefolder', out, source(6), manifest, { fs, overwrite }),
  idx: (out, fs, overwrite) => writeGeneratedExport('idx', out, source(6), manifest, { fs, overwrite }),
  npz: (out, fs, overwrite) => writeGeneratedExport('npz', out, source(6), manifest, { fs, overwrite }),
  embeddings: (out, fs, overwrite) =>
    writeEmbeddings(
      out,
      { vectors: new Float32Array(12), dim: 2, labels: Int32Array.from([0, 1, 0, 1, 0, 1]), labelNames: ['a', 'b'], images: new Float32Array(6 * 16), height: 4, width: 4, count: 6 },
      { fs, overwrite },
    ),
};

describe('ENOSPC at every step of every export format', () => {
  it.each(Object.keys(formats))('%s: each failing call → IO "no space left", nothing left, an old target kept', async (format) => {
    const run = formats[format];
    // Count the calls of a clean run over an existing target (the full path, including the commit).
    const probeParent = path.join(tmp, `${format}-probe`);
    await run(path.join(probeParent, 'out'), undefined, false); // the existing target: an earlier export
    const probe = failingFs('writeFile', -1);
    await run(path.join(probeParent, 'out'), probe, true);
    const total = { ...probe.calls };
    expect(total.writeFile).toBeGreaterThan(0);
    expect(total.rename).toBe(2); // old target aside, new folder in

    let cases = 0;
    for (const op of ['writeFile', 'mkdir', 'rename'] as const) {
      for (let n = 1; n <= total[op]; n++) {
        const parent = path.join(tmp, `${format}-${op}-${n}`);
        const out = path.join(parent, 'out');
        await run(out, undefined, false);
        const before = await tree(out);
        const err = await run(out, failingFs(op, n), true).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `${op} #${n}`).toBeInstanceOf(LabError);
        expect((err as LabError).code, `${op} #${n}`).toBe('IO');
        expect((err as LabError).message, `${op} #${n}`).toMatch(/^no space left on device while writing /);
        expect(await fsp.readdir(parent), `${op} #${n}`).toEqual(['out']);
        expect(await tree(out), `${op} #${n}`).toEqual(before);
        cases++;
      }
    }
    expect(cases).toBe(total.writeFile + total.mkdir + total.rename);
    console.log(`[reliability] ${format}: ${cases} ENOSPC injection points (${JSON.stringify(total)})`);
  });
});

describe('a write failing while other PNG writers are in flight', () => {
  it('leaves no temp folder: the writers settle before the cleanup (they used to re-create it)', async () => {
    const parent = path.join(tmp, 'race');
    const out = path.join(parent, 'out');
    await fsp.mkdir(parent, { recursive: true });
    let mkdirs = 0;
    let inFlight = 0;
    const log: string[] = [];
    // The other writers' label folders are held until the failure has been thrown, or until the
    // cleanup (rm) starts: with writers that did not settle first, they would land after it.
    let failureThrown!: () => void;
    const afterFailure = new Promise<void>((r) => (failureThrown = r));
    let rmStarted!: () => void;
    const cleanup = new Promise<void>((r) => (rmStarted = r));
    const track = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      inFlight++;
      log.push(`start ${what}`);
      try {
        return await fn();
      } finally {
        inFlight--;
        log.push(`end ${what}`);
      }
    };
    const held: FsSeam = {
      writeFile: (f, d) => track('writeFile', () => fsp.writeFile(f, d)),
      // Creating the first label folder fails at once (mkdir #2, after the temp folder).
      mkdir: (d) =>
        track('mkdir', async () => {
          const n = ++mkdirs;
          if (n === 2) {
            queueMicrotask(failureThrown);
            throw enospc();
          }
          if (n > 2) await Promise.race([cleanup, afterFailure.then(() => new Promise((r) => setImmediate(r)))]);
          await fsp.mkdir(d);
        }),
      rename: (a, b) => track('rename', () => fsp.rename(a, b)),
      rm: (t, o) => {
        rmStarted();
        return track('rm', () => fsp.rm(t, o));
      },
    };
    await expect(writeGeneratedExport('imagefolder', out, source(12), manifest, { fs: held, overwrite: false })).rejects.toMatchObject({ code: 'IO' });
    expect(mkdirs, 'another writer was in flight when the first failed').toBeGreaterThan(2);
    expect(inFlight, 'no file-system call still in flight when the error arrives').toBe(0);
    const firstRm = log.indexOf('start rm');
    expect(log.slice(firstRm).filter((e) => !e.endsWith(' rm')), 'nothing but the cleanup after it started').toEqual([]);
    expect(await fsp.readdir(parent)).toEqual([]);
  });
});
