/**
 * Reliability (data safety): the export journal is not trusted as it stands. A record in
 * `<workspace>/exports-in-progress/` whose temp or old folder is not the hidden sibling an export
 * of that record's tag makes beside its destination (`.<name>.latentlab-tmp-<tag>` /
 * `-old-<tag>`) — a hand-written, copied or corrupted record — makes the start-up recovery touch
 * no folder: before, it deleted the "temp" folder, moved the "old" folder onto the destination,
 * or deleted an "old" export. The record is set aside (never deleted) and the recovery says so
 * once in words. Genuine recoveries: reliability.swap.test.ts.
 */
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_DIR, recoverExports, writeGeneratedExport, type ExportManifest, type GeneratedSource } from '../../src-main/engine/export';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-journal-foreign-');
});
afterAll(() => rmTemp(tmp));

/** A folder of the user's with two files; returns its path. */
async function userFolder(dir: string): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'thesis.txt'), 'my thesis');
  await fsp.writeFile(path.join(dir, 'notes.md'), '# notes');
  return dir;
}

/** What the user finds in `dir`: its file names and contents. */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await fsp.readdir(dir)).sort()) out[n] = await fsp.readFile(path.join(dir, n), 'utf8');
  return out;
}

/** Write a journal record under `tag` into workspace `ws`; returns its file. */
async function record(ws: string, tag: string, rec: Record<string, unknown>): Promise<string> {
  await fsp.mkdir(path.join(ws, JOURNAL_DIR), { recursive: true });
  const file = path.join(ws, JOURNAL_DIR, `${tag}.json`);
  await fsp.writeFile(file, JSON.stringify({ version: 1, pid: Number(tag.split('-')[0]), step: 'swapping', ...rec }));
  return file;
}

/** Run the recovery as a start does (the record's process is dead), collecting what it logs. */
async function recover(ws: string) {
  const lines: string[] = [];
  const settled = await recoverExports(ws, { alive: () => false, log: (l) => lines.push(l) });
  return { settled, lines };
}

/** The record is kept, set aside in `exports-in-progress/left-alone/`, with its text unchanged. */
async function expectSetAside(ws: string, file: string, text: string) {
  expect(existsSync(file)).toBe(false);
  const aside = path.join(ws, JOURNAL_DIR, 'left-alone', path.basename(file));
  expect(await fsp.readFile(aside, 'utf8')).toBe(text);
}

describe('a journal record naming folders Latent Lab did not make', () => {
  it('"tmp" is a folder of the user\'s: it is not deleted', async () => {
    const ws = path.join(tmp, 'ws1');
    const user = await userFolder(path.join(tmp, 'v1', 'user'));
    const out = await userFolder(path.join(tmp, 'v1', 'nonempty'));
    const file = await record(ws, '99997-abcd1236', { out, tmp: user, old: path.join(tmp, 'v1', 'sentinel') });
    const text = await fsp.readFile(file, 'utf8');
    const { settled, lines } = await recover(ws);
    expect(await contents(user)).toEqual({ 'notes.md': '# notes', 'thesis.txt': 'my thesis' });
    expect(await contents(out)).toEqual({ 'notes.md': '# notes', 'thesis.txt': 'my thesis' });
    expect(settled).toEqual([{ out, result: 'left-alone' }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`an export record (${file}) names folders Latent Lab did not make`);
    expect(lines[0]).toContain(`temp folder ${user}`);
    expect(lines[0]).toContain('left alone: nothing was moved or deleted');
    await expectSetAside(ws, file, text);
    // The next start finds nothing more to say.
    expect((await recover(ws)).lines).toEqual([]);
  });

  it('"old" is a folder of the user\'s and the destination is free: it is not moved there', async () => {
    const ws = path.join(tmp, 'ws2');
    const user = await userFolder(path.join(tmp, 'v2', 'user'));
    const out = path.join(tmp, 'v2', 'absent');
    const file = await record(ws, '99998-abcd1237', { out, tmp: path.join(tmp, 'v2', '.absent.latentlab-tmp-99998-abcd1237'), old: user });
    const text = await fsp.readFile(file, 'utf8');
    const { settled, lines } = await recover(ws);
    expect(await contents(user)).toEqual({ 'notes.md': '# notes', 'thesis.txt': 'my thesis' });
    expect(existsSync(out)).toBe(false);
    expect(settled).toEqual([{ out, result: 'left-alone' }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`old folder ${user}`);
    await expectSetAside(ws, file, text);
  });

  it('"old" is an export of the user\'s and the destination exists: it is not deleted', async () => {
    const ws = path.join(tmp, 'ws3');
    const mine = path.join(tmp, 'v3', 'my-export');
    const manifest: ExportManifest = {
      runId: 'r',
      modelKind: 'cvae',
      latentDim: 2,
      dataset: 'mnist',
      seed: 1,
      temperature: 1,
      countPerLabel: { a: 1, b: 1 },
      created: '2026-01-01T00:00:00Z',
      appVersion: '0.0.0',
    };
    async function* chunks() {
      yield { images: new Float32Array(2 * 16).fill(0.5), labels: Int32Array.from([0, 1]), z: new Float32Array(4), count: 2 };
    }
    const src: GeneratedSource = { total: 2, height: 4, width: 4, latentDim: 2, labelNames: ['a', 'b'], chunks: chunks() };
    await writeGeneratedExport('npz', mine, src, manifest);
    const before = (await fsp.readdir(mine)).sort();
    const out = await userFolder(path.join(tmp, 'v3', 'other'));
    // Right folder names for another destination (an edited `out`) and a tag not the record's.
    const file = await record(ws, '99999-abcd1238', { out, tmp: path.join(tmp, 'v3', '.other.latentlab-tmp-99999-abcd1238'), old: mine });
    const { settled, lines } = await recover(ws);
    expect((await fsp.readdir(mine)).sort()).toEqual(before);
    expect(await contents(out)).toEqual({ 'notes.md': '# notes', 'thesis.txt': 'my thesis' });
    expect(settled).toEqual([{ out, result: 'left-alone' }]);
    expect(lines).toHaveLength(1);
    expect(existsSync(path.join(ws, JOURNAL_DIR, 'left-alone', path.basename(file)))).toBe(true);
  });

  it('hidden sibling names of another tag, or a destination not written out in full: left alone', async () => {
    const ws = path.join(tmp, 'ws4');
    const parent = path.join(tmp, 'v4');
    const user = await userFolder(path.join(parent, '.dest.latentlab-tmp-11111-aaaa'));
    await record(ws, '22222-bbbb', { out: path.join(parent, 'dest'), tmp: user, old: path.join(parent, '.dest.latentlab-old-11111-aaaa') });
    const relOut = path.relative(process.cwd(), path.join(parent, 'dest'));
    await record(ws, '33333-cccc', { out: relOut, tmp: path.join(parent, '.dest.latentlab-tmp-33333-cccc'), old: path.join(parent, '.dest.latentlab-old-33333-cccc') });
    const { settled, lines } = await recover(ws);
    expect(await contents(user)).toEqual({ 'notes.md': '# notes', 'thesis.txt': 'my thesis' });
    expect(settled.map((s) => s.result)).toEqual(['left-alone', 'left-alone']);
    expect(lines).toHaveLength(2);
    expect((await fsp.readdir(path.join(ws, JOURNAL_DIR, 'left-alone'))).sort()).toEqual(['22222-bbbb.json', '33333-cccc.json']);
  });
});
