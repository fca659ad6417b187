/**
 * `embeddings --split test|train|all` (fresh-tester F3 item 4): embeddings encoded the test split
 * only ("wrote 60 embeddings (test split)"), with no way to see the training images in the
 * projector. The default is unchanged; `train` encodes the training split, `all` both (training
 * first), the manifest and the success line say which; a bad value and `generate --split` are
 * refused in words; `--help` names it.
 */
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cliOutput';

let tmp: string;
let runDir: string;
const cli = (args: string[]) => runCli(args, { home: path.join(tmp, 'lab') });

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-emb-split-'));
  runDir = path.join(tmp, 'run');
  const t = await cli(['train', '--dataset', 'toy-moons', '--hidden', '8', '--latent', '2', '--epochs', '1', '--out', runDir]);
  expect(t.code, t.stderr).toBe(0);
}, 120_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function written(out: string): Promise<{ manifest: Record<string, unknown>; vectors: string[] }> {
  const manifest = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const vectors = (await fsp.readFile(path.join(out, 'vectors.tsv'), 'utf8')).trim().split('\n');
  return { manifest, vectors };
}

describe('embeddings --split', () => {
  it('test (the default), train and all: each split encoded, counted and named', async () => {
    const res: Record<string, Awaited<ReturnType<typeof written>>> = {};
    for (const split of [undefined, 'train', 'all'] as const) {
      const out = path.join(tmp, `emb-${split ?? 'default'}`);
      const r = await cli(['embeddings', '--run', runDir, '--out', out, ...(split ? ['--split', split] : [])]);
      expect(r.code, r.stderr).toBe(0);
      const w = await written(out);
      res[split ?? 'test'] = w;
      const words = { test: 'test split', train: 'training split', all: 'training and test splits' }[split ?? 'test'];
      expect(r.stdout.trim()).toBe(`wrote ${w.vectors.length.toLocaleString('en-US')} embeddings (${words}) as TensorBoard projector files to ${out}`);
      expect(w.manifest).toMatchObject({ split: split ?? 'test', count: w.vectors.length });
    }
    const { test, train, all } = res;
    expect(train.vectors.length).toBeGreaterThan(test.vectors.length);
    expect(all.vectors.length).toBe(train.vectors.length + test.vectors.length);
    expect(all.manifest).toMatchObject({ trainCount: train.vectors.length, testCount: test.vectors.length });
    // Training first, then test: the same latents as each split's own export.
    expect(all.vectors.slice(0, 3)).toEqual(train.vectors.slice(0, 3));
    expect(all.vectors.slice(-3)).toEqual(test.vectors.slice(-3));
  }, 120_000);

  it('a bad --split, and --split on generate, are refused in words; --help names it', async () => {
    const bad = await cli(['embeddings', '--run', runDir, '--out', path.join(tmp, 'bad'), '--split', 'val']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--split must be one of test, train, all, got "val"');
    const gen = await cli(['generate', '--run', runDir, '--format', 'npz', '--out', path.join(tmp, 'gen'), '--split', 'train']);
    expect(gen.code).not.toBe(0);
    expect(gen.stderr).toContain('--split applies to embeddings');
    const help = await cli(['embeddings', '--help']);
    expect(help.stdout).toContain('[--split test|train|all]');
    expect(help.stdout).toContain('the test split (default)');
  }, 60_000);
});
