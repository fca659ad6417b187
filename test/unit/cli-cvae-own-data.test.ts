/**
 * A fresh tester's CLI gaps on a CVAE trained on their own folder of 3 classes: `encode` names the
 * label it encoded under (the best fit with p(label | image), or `--label NAME`); `generate
 * --count` is per label (and `--help` says so); the export's manifest says which data the run was
 * trained on; an Embeddings export checked as a dataset is named as what it is.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelText } from '../../src-main/cli/encode';
import { classFolders } from '../fixtures/datasets';
import { runCli, stderrLines } from './cliOutput';

let ws: string;
let data: string;
let run: string;
const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });
const NAMES = ['one', 'two', 'zero']; // natural order of the class folders

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-cli-cvae-own-'));
  data = path.join(ws, 'three');
  await classFolders(data, ['zero', 'one', 'two'], 12);
  run = path.join(ws, 'cvae');
  const t = await cli(['train', '--data', data, '--model', 'cvae', '--latent', '2', '--hidden', '16', '--epochs', '2', '--batch', '8', '--out', run, '--json']);
  expect(t.code).toBe(0);
}, 120_000);
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('CLI on a CVAE trained on a folder of 3 classes', () => {
  it('encode names the best-fitting label with p(label | image); --label NAME encodes under that one; an unknown name is refused', async () => {
    const img = path.join(data, 'one', '1.png');
    const text = await cli(['encode', '--run', run, img]);
    expect(text.code).toBe(0);
    const cols = text.stdout.trim().split('\t');
    expect(cols).toHaveLength(3);
    expect(cols[2]).toMatch(/^label "(one|two|zero)" \(best fit, (> 99|< 1|\d+) % sure; next: "\w+" .*%, "\w+" .*%\)$/);

    const json = JSON.parse((await cli(['encode', '--run', run, img, '--json'])).stdout.trim());
    expect(json.z).toHaveLength(2);
    expect(json.labelChosen).toBe('best fit');
    expect(Object.keys(json.labelProbabilities).sort()).toEqual(NAMES);
    const ps = Object.values(json.labelProbabilities) as number[];
    expect(ps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(json.labelProbabilities[json.label]).toBe(Math.max(...ps));

    const given = JSON.parse((await cli(['encode', '--run', run, '--label', 'zero', img, '--json'])).stdout.trim());
    expect(given).toMatchObject({ label: 'zero', labelChosen: 'given' });
    expect(given.labelProbabilities).toBeUndefined();
    expect((await cli(['encode', '--run', run, '--label', 'zero', img])).stdout.trim().split('\t')[2]).toBe('label "zero" (given)');

    const bad = await cli(['encode', '--run', run, '--label', 'nine', img]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--label "nine" is not a class of this run; its classes are "one", "two", "zero"');
    expect((await cli(['encode', '--help'])).stdout).toMatch(/--label NAME[\s\S]*best-fitting\s+label/);
  }, 120_000);

  it('generate --count 2 writes 2 per label (6), as --help says; the manifest names the data folder', async () => {
    const out = path.join(ws, 'gen');
    const g = await cli(['generate', '--run', run, '--count', '2', '--format', 'npz', '--out', out]);
    expect(stderrLines(g.stderr)).toEqual([]);
    expect(g.stdout.trim()).toMatch(/^wrote 6 generated images /);
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ dataset: 'local', datasetPath: data, countPerLabel: { one: 2, two: 2, zero: 2 } });
    expect((await cli(['generate', '--help'])).stdout).toMatch(/--count: images per label for a CVAE \(3 classes,\s+--count 30: 90 images\)/);
  }, 120_000);

  it('an Embeddings export checked as a dataset: "a TensorBoard projector export (embeddings), not a dataset"', async () => {
    const out = path.join(ws, 'projector');
    expect((await cli(['embeddings', '--run', run, '--out', out])).code).toBe(0);
    const r = await cli(['inspect', '--data', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${out} is a TensorBoard projector export (embeddings: vectors.tsv, metadata.tsv, sprite.png), not a dataset`);
    expect(r.stderr).not.toMatch(/too little data/);
    expect(JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')).datasetPath).toBe(data);
  }, 120_000);
});

describe('encode label words', () => {
  it('a best fit lists the next two likeliest labels; a given label says so', () => {
    expect(labelText({ label: '7', chosen: 'best fit', probabilities: { '1': 0.02, '7': 0.977, '9': 0.003 } })).toBe('label "7" (best fit, 98 % sure; next: "1" 2 %, "9" < 1 %)');
    expect(labelText({ label: '7', chosen: 'given' })).toBe('label "7" (given)');
  });
});
