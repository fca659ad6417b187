/**
 * Reliability (issue #16, bug 3): a kill at any step of an overwrite — while writing, after the
 * journal says "swapping", after the old export was moved aside, after the new one moved in,
 * after the old one was removed — and the next start's recovery (`recoverExports`, what
 * `Engine.create` runs) always leaves a complete export at the destination: the old one until
 * the new one was in place, the new one after. Never neither, no hidden folder left, journal empty.
 * First "killed" in-process (the export paused for good at that step), then with a real SIGKILL
 * of a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExportJournal,
  JOURNAL_DIR,
  recoverExports,
  writeGeneratedExport,
  type CommitStep,
  type ExportManifest,
  type GeneratedSource,
} from '../../src-main/engine/export';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-swap-');
});
afterAll(() => rmTemp(tmp));

const manifest = (seed: number): ExportManifest => ({
  runId: 'r',
  modelKind: 'cvae',
  latentDim: 2,
  dataset: 'mnist',
  seed,
  temperature: 1,
  countPerLabel: { a: 3, b: 3 },
  created: '2026-01-01T00:00:00Z',
  appVersion: '0.0.0',
});

const never = () => new Promise<never>(() => undefined);

/** 6 images in 3 chunks; with `pauseWriting`, the second chunk never comes (a kill mid-write). */
function source(pauseWriting = false): GeneratedSource {
  async function* chunks() {
    for (let k = 0; k < 3; k++) {
      if (k === 1 && pauseWriting) await never();
      yield { images: new Float32Array(2 * 16).fill(0.25 * k), labels: Int32Array.from([0, 1]), z: new Float32Array(4), count: 2 };
    }
  }
  return { total: 6, height: 4, width: 4, latentDim: 2, labelNames: ['a', 'b'], chunks: chunks() };
}

/** The seed of the complete export at `dir` (every file its manifest lists is there), else null. */
async function completeExportSeed(dir: string): Promise<number | null> {
  if (!existsSync(path.join(dir, 'manifest.json'))) return null;
  const m = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const files: string[] = [...m.exportContents.files];
  for (const s of m.exportContents.sequences) {
    for (let i = 0; i < s.count; i++) files.push(`${s.dir}/${String(i).padStart(s.digits, '0')}${s.ext}`);
  }
  expect(files.length).toBe(7); // metadata.csv + 6 PNGs
  for (const f of files) if (!existsSync(path.join(dir, f))) return null;
  return m.seed;
}

const steps: Array<'writing' | CommitStep> = ['writing', 'journaled', 'old-aside', 'new-in', 'old-removed'];
/** What the user must find after the kill and the recovery: the old export (seed 1) or the new (seed 2). */
const expected: Record<string, number> = { writing: 1, journaled: 1, 'old-aside': 1, 'new-in': 2, 'old-removed': 2 };

describe('a kill at each step of an overwrite, then start-up recovery', () => {
  it.each(steps)('in-process, paused for good at "%s": a complete export remains (old or new), nothing else', async (step) => {
    const ws = path.join(tmp, `ws-${step}`);
    const parent = path.join(tmp, `dest-${step}`);
    const out = path.join(parent, 'digits');
    await writeGeneratedExport('imagefolder', out, source(), manifest(1));
    expect(await completeExportSeed(out)).toBe(1);
    let reached = (_: string) => {};
    const paused = new Promise<string>((r) => (reached = r));
    void writeGeneratedExport('imagefolder', out, source(step === 'writing'), manifest(2), {
      overwrite: true,
      journal: new ExportJournal(ws),
      onProgress: (done) => step === 'writing' && done === 2 && reached('writing'),
      onCommitStep: async (s) => {
        if (s !== step) return;
        reached(s);
        await never(); // the process "dies" here: nothing after this step runs
      },
    });
    expect(await paused).toBe(step);
    expect(await fsp.readdir(path.join(ws, JOURNAL_DIR))).toHaveLength(1);

    const settled = await recoverExports(ws, { alive: () => false });
    expect(settled.map((s) => s.out)).toEqual([out]);
    expect(await completeExportSeed(out)).toBe(expected[step]);
    expect(await fsp.readdir(parent)).toEqual(['digits']); // no temp or old folder left
    expect(await fsp.readdir(path.join(ws, JOURNAL_DIR))).toEqual([]);
    console.log(`[reliability] kill at ${step}: recovery ${settled[0].result} → ${expected[step] === 1 ? 'old' : 'new'} export`);
  });

  it.each(['writing', 'journaled', 'new-in'] as const)('first export (nothing to replace), paused at "%s": nothing or the whole new export', async (step) => {
    const ws = path.join(tmp, `ws-first-${step}`);
    const parent = path.join(tmp, `first-${step}`);
    const out = path.join(parent, 'digits');
    let reached = () => {};
    const paused = new Promise<void>((r) => (reached = r));
    void writeGeneratedExport('imagefolder', out, source(step === 'writing'), manifest(2), {
      journal: new ExportJournal(ws),
      onProgress: (done) => step === 'writing' && done === 2 && reached(),
      onCommitStep: async (s) => {
        if (s !== step) return;
        reached();
        await never();
      },
    });
    await paused;
    await recoverExports(ws, { alive: () => false });
    if (step === 'new-in') {
      expect(await completeExportSeed(out)).toBe(2);
      expect(await fsp.readdir(parent)).toEqual(['digits']);
    } else {
      expect(await fsp.readdir(parent)).toEqual([]);
    }
    expect(await fsp.readdir(path.join(ws, JOURNAL_DIR))).toEqual([]);
  });

  it('a record of a live export is left alone; a torn record (kill mid-write of the journal) is dropped', async () => {
    const ws = path.join(tmp, 'ws-live');
    const parent = path.join(tmp, 'live');
    const out = path.join(parent, 'digits');
    let reached = () => {};
    const paused = new Promise<void>((r) => (reached = r));
    void writeGeneratedExport('imagefolder', out, source(true), manifest(2), { journal: new ExportJournal(ws), onProgress: (d) => d === 2 && reached() });
    await paused;
    const torn = path.join(ws, JOURNAL_DIR, '123-abcd.json.3f2a1b');
    await fsp.writeFile(torn, '{"vers');
    await fsp.utimes(torn, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    expect(await recoverExports(ws)).toEqual([]); // this process is alive and the export is running
    expect((await fsp.readdir(parent)).filter((n) => n.includes('latentlab-tmp-'))).toHaveLength(1);
    expect(existsSync(torn)).toBe(false);
  });
});

const root = path.resolve(__dirname, '../..');
const child = path.join(root, 'test', 'fixtures', 'export-kill-child.ts');

/** Run the child until it prints `paused <step>`, then SIGKILL it; resolves once it is dead. */
function killAt(ws: string, out: string, step: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // node itself with tsx's loader (the `tsx` command would run the script in a grandchild).
    const p = spawn(process.execPath, ['--import', 'tsx', child, ws, out, step, '2'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const onData = (b: Buffer) => {
      text += b.toString();
      if (text.includes(`paused ${step}`)) p.kill('SIGKILL');
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', reject);
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(text) : reject(new Error(`child ended ${code}: ${text}`))));
  });
}

describe('a real SIGKILL at each step of an overwrite', () => {
  // One kill per recovery outcome (rolled back, old restored, new kept); the in-process cases above cover every step.
  it('child processes killed mid-write, between the renames and after them; the next start restores the old export or keeps the new one', async () => {
    const cases = await Promise.all(
      (['writing', 'old-aside', 'new-in'] as const).map(async (step) => {
        const ws = path.join(tmp, `kill-ws-${step}`);
        const parent = path.join(tmp, `kill-${step}`);
        const out = path.join(parent, 'digits');
        await writeGeneratedExport('imagefolder', out, source(), manifest(1));
        await killAt(ws, out, step);
        return { step, ws, parent, out };
      }),
    );
    for (const { step, ws, parent, out } of cases) {
      // Before recovery the record is there; the dead child's pid is what makes it stale.
      expect(await fsp.readdir(path.join(ws, JOURNAL_DIR)), step).toHaveLength(1);
      const settled = await recoverExports(ws);
      expect(settled, step).toHaveLength(1);
      expect(await completeExportSeed(out), step).toBe(expected[step]);
      expect(await fsp.readdir(parent), step).toEqual(['digits']);
      expect(await fsp.readdir(path.join(ws, JOURNAL_DIR)), step).toEqual([]);
    }
  });
});
