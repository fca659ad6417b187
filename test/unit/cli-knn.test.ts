/**
 * k-NN accuracy (a test point's 5 nearest training points in latent space share its label) says
 * nothing on data of one class: it was reported as 100 % for a folder of one class ("unlabeled",
 * a VAE's exported samples). It is left out there (the CLI's JSON and the run's record have no
 * `knnAccuracy`; the UI shows none), and still reported for data with two classes.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classFolders, glyphPng } from '../fixtures/datasets';
import { runCli } from './cliOutput';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-cli-knn-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * `train` on `names` (12 images each): class folders, or for one name the folder a VAE's
 * samples export to (`unlabeled/NN.png`, metadata.csv with empty labels). Its printed test
 * metrics and the saved ones.
 */
async function trainOn(names: string[]): Promise<{ test: Record<string, unknown>; saved: Record<string, unknown> }> {
  const data = path.join(tmp, names.join('-'));
  if (names.length > 1) await classFolders(data, names, 12);
  else {
    await fs.mkdir(path.join(data, names[0]), { recursive: true });
    const rows = ['file_name,label'];
    for (let i = 0; i < 12; i++) {
      const file = `${names[0]}/${String(i).padStart(2, '0')}.png`;
      await fs.writeFile(path.join(data, file), await glyphPng(i % 3, 28, i));
      rows.push(`${file},`);
    }
    await fs.writeFile(path.join(data, 'metadata.csv'), rows.join('\n') + '\n');
  }
  const out = path.join(tmp, `run-${names.join('-')}`);
  const r = await runCli(['train', '--data', data, '--latent', '2', '--hidden', '16', '--epochs', '1', '--batch', '8', '--out', out, '--json'], { home: path.join(tmp, 'lab') });
  expect(r.stderr).not.toMatch(/latent-lab:/);
  expect(r.code).toBe(0);
  const test = JSON.parse(r.stdout.trim().split('\n').at(-1)!).test;
  const saved = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8')).metrics;
  return { test, saved };
}

describe('k-NN accuracy and the number of classes', () => {
  it('one class: no k-NN accuracy in the output or the record, the other metrics as usual', async () => {
    const { test, saved } = await trainOn(['unlabeled']);
    expect(test.elbo).toBeGreaterThan(0);
    expect(test).not.toHaveProperty('knnAccuracy');
    expect(saved).not.toHaveProperty('knnAccuracy');
    expect(saved.elbo).toBe(test.elbo);
  });

  it('two classes: k-NN accuracy is reported, a share between 0 and 1', async () => {
    const { test, saved } = await trainOn(['circle', 'square']);
    expect(test.knnAccuracy).toBeGreaterThanOrEqual(0);
    expect(test.knnAccuracy).toBeLessThanOrEqual(1);
    expect(saved.knnAccuracy).toBe(test.knnAccuracy);
  });
});
