/**
 * Exports, tester 3's smaller findings (7 a, b, e):
 * - two exports to one folder at once (the app's server and the CLI are two processes) used to
 *   both report success, the last one winning: the second is now BUSY (a lock file beside the
 *   destination, holding its process id; a dead process's lock is taken over);
 * - a 300-character class name made the imagefolder export fail with a raw ENAMETOOLONG: folder
 *   names are shortened, kept apart by a hash, and mapped back by the manifest and metadata.csv;
 * - `CON` became `_CON` but `CON.txt` (reserved on Windows too) was kept.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFolderNames, MAX_LABEL_FOLDER_BYTES, writeGeneratedExport, type ExportManifest, type GeneratedSource } from '../../src-main/engine/export';
import { withAtomicFolder } from '../../src-main/engine/export/atomic';
import { loadDataset } from '../../src-main/engine/datasets';

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'll-export-lock-'));
});
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

const manifest: ExportManifest = {
  runId: 'r',
  modelKind: 'cvae',
  latentDim: 2,
  dataset: 'mnist',
  seed: 1,
  temperature: 1,
  countPerLabel: {},
  created: '2026-01-01T00:00:00Z',
  appVersion: '0.0.0',
};

function source(labelNames: string[], perLabel: number): GeneratedSource {
  const total = labelNames.length * perLabel;
  async function* chunks() {
    for (let s = 0; s < total; s += 4) {
      const n = Math.min(4, total - s);
      const images = Float32Array.from({ length: n * 64 }, (_, i) => ((i * 7 + s) % 13) / 13);
      yield { images, labels: Int32Array.from({ length: n }, (_, i) => (s + i) % labelNames.length), z: new Float32Array(n * 2), count: n };
    }
  }
  return { total, height: 8, width: 8, latentDim: 2, labelNames, chunks: chunks() };
}

/** A process that is alive until killed, and one that has exited. */
async function liveAndDeadPids(): Promise<{ live: number; kill: () => Promise<void>; dead: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => gone.once('exit', r));
  return {
    live: child.pid!,
    dead: gone.pid!,
    kill: () =>
      new Promise((r) => {
        child.once('exit', () => r());
        child.kill('SIGKILL');
      }),
  };
}

describe('two exports to one folder at once', () => {
  it('in one process: the second is BUSY while the first runs, and the first completes', async () => {
    const out = path.join(tmp, 'same');
    let open = () => {};
    const gate = new Promise<void>((r) => (open = r));
    let entered = () => {};
    const inBody = new Promise<void>((r) => (entered = r));
    const first = withAtomicFolder(out, {}, async (w) => {
      entered();
      await gate;
      await w.write('a.txt', 'first');
      await w.writeManifest({ format: 'test' });
    });
    await inBody;
    await expect(withAtomicFolder(out, {}, async (w) => void (await w.writeManifest({})))).rejects.toMatchObject({
      code: 'BUSY',
      message: `another export to ${out} is running in this process; try again when it has finished`,
    });
    open();
    await first;
    expect(await fsp.readFile(path.join(out, 'a.txt'), 'utf8')).toBe('first');
    // The lock is gone with the export: nothing but the export is left beside it.
    expect(await fsp.readdir(tmp)).toEqual(['same']);
  });

  it("another live process's lock is BUSY naming it; a dead process's lock is taken over and removed", async () => {
    const { live, kill, dead } = await liveAndDeadPids();
    const out = path.join(tmp, 'shared');
    const lock = path.join(tmp, '.shared.latentlab-lock');
    await fsp.writeFile(lock, `${live} abcd\n`);
    const body = async (w: { writeManifest(f: Record<string, unknown>): Promise<string> }) => void (await w.writeManifest({ format: 'test' }));
    try {
      await expect(withAtomicFolder(out, {}, body)).rejects.toMatchObject({ code: 'BUSY', message: expect.stringContaining(`is running in process ${live}`) });
      expect(await fsp.readFile(lock, 'utf8')).toBe(`${live} abcd\n`); // another's lock is left alone
      await expect(fsp.access(out)).rejects.toThrow();
    } finally {
      await kill();
    }
    await fsp.writeFile(lock, `${dead} abcd\n`);
    await withAtomicFolder(out, {}, body);
    expect(await fsp.readdir(out)).toEqual(['manifest.json']);
    await expect(fsp.access(lock)).rejects.toThrow();
  });
});

describe('label folder names', () => {
  it('reserved Windows names get a leading _ with any extension; long names are cut to a bounded, distinct name', () => {
    const long1 = 'L'.repeat(300);
    const long2 = `${'L'.repeat(250)}x`.padEnd(300, 'L');
    const longUtf8 = 'é'.repeat(200); // 400 bytes
    const names = labelFolderNames(['CON', 'CON.txt', 'aux.tar.gz', 'com1.png', 'console', 'CONTRACT.txt', long1, long2, longUtf8]);
    expect(names.slice(0, 6)).toEqual(['_CON', '_CON.txt', '_aux.tar.gz', '_com1.png', 'console', 'CONTRACT.txt']);
    for (const n of names.slice(6)) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(MAX_LABEL_FOLDER_BYTES);
    expect(new Set(names).size).toBe(names.length);
    expect(names[6]).toMatch(/^L{91}~[0-9a-f]{8}$/);
    expect(names[8]).toMatch(/^(é){45}~[0-9a-f]{8}$/);
  });

  it('an imagefolder export with 300-character class names is written, and reads back with the full names', async () => {
    const long = ['A'.repeat(300), `${'A'.repeat(299)}B`, 'CON.txt'];
    const out = path.join(tmp, 'long-names');
    await writeGeneratedExport('imagefolder', out, source(long, 6), manifest);
    const m = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(Object.keys(m.labelFolders)).toEqual(long);
    const folders = Object.values(m.labelFolders) as string[];
    expect(new Set(folders).size).toBe(3);
    for (const f of folders) expect((await fsp.readdir(path.join(out, f))).length).toBe(6);
    const back = await loadDataset({ id: 'local', path: out, import: { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'plain', transpose: false } }, { dataDir: path.join(tmp, 'cache') });
    expect(back.info.labelNames.slice().sort()).toEqual(long.slice().sort());
  });
});
