/** Small own-data folders for the e2e specs, generated on the spot (no fixtures on disk), and the form steps that use them. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import sharp from 'sharp';
import type { LabServer } from './lab-server';

/**
 * A folder of `perClass` 28×28 grey PNGs per class, light strokes on black (MNIST form, used as
 * is): a horizontal bar ("bar"), a vertical bar ("column"), a square ("square"), at places drawn
 * from `seed`. Returns `dir`.
 */
export async function strokes(dir: string, perClass: number, seed: number): Promise<string> {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const [c, name] of ['bar', 'column', 'square'].entries()) {
    mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const a = 6 + Math.floor(rnd() * 14);
      const b = 6 + Math.floor(rnd() * 14);
      const px = Buffer.alloc(28 * 28);
      for (let p = 0; p < 784; p++) {
        const row = Math.floor(p / 28);
        const col = p % 28;
        const on = c === 0 ? Math.abs(row - a) <= 1 && Math.abs(col - 14) <= 9 : c === 1 ? Math.abs(col - a) <= 1 && Math.abs(row - 14) <= 9 : Math.abs(row - a) <= 3 && Math.abs(col - b) <= 3;
        px[p] = on ? 230 : Math.floor(rnd() * 20);
      }
      await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(dir, name, `${i}.png`));
    }
  }
  return dir;
}

/**
 * `count` 28×28 strokes without a label, as this app's imagefolder export of a VAE writes them
 * (`unlabeled/<n>.png`, `metadata.csv` with an empty `label`): opened again, one class, "unlabeled".
 */
export async function unlabeledExport(dir: string, count: number): Promise<string> {
  const src = await strokes(`${dir}-source`, Math.ceil(count / 3), 7);
  mkdirSync(path.join(dir, 'unlabeled'), { recursive: true });
  const rows = ['file_name,label'];
  for (let i = 0; i < count; i++) {
    const cls = ['bar', 'column', 'square'][i % 3];
    await sharp(path.join(src, cls, `${Math.floor(i / 3)}.png`)).toFile(path.join(dir, 'unlabeled', `${i}.png`));
    rows.push(`unlabeled/${i}.png,`);
  }
  writeFileSync(path.join(dir, 'metadata.csv'), rows.join('\n') + '\n');
  return dir;
}

/** Choose your own data at `dir` and check it (its classes must be known to the form); returns its test images' count as the check reports it. */
export async function useFolder(page: Page, dir: string, classes: number): Promise<number> {
  await page.getByTestId('dataset-select').selectOption('local');
  await page.getByTestId('dataset-path-input').fill(dir);
  await page.getByTestId('dataset-check-button').click();
  const result = page.getByTestId('dataset-check-result');
  await expect(result).toHaveAttribute('data-state', 'ok');
  await expect(result).toContainText(`${classes} ${classes === 1 ? 'class' : 'classes'}`);
  const split = /([\d,]+) train \/ ([\d,]+) test/.exec((await result.textContent()) ?? '');
  expect(split).not.toBeNull();
  return Number(split![2].replace(/,/g, ''));
}

/** Train a 1-epoch model from the form and wait for its end; returns the run's id. */
export async function trainRun(page: Page, model: { kind: string; arch?: 'dense' | 'conv' }): Promise<string> {
  await page.getByTestId('model-select').selectOption(model.kind);
  await page.getByTestId('arch-select').selectOption(model.arch ?? 'dense');
  await page.getByTestId('latent-dim-input').fill('2');
  await page.getByTestId('epochs-input').fill('1');
  const state = page.getByTestId('train-state');
  const before = (await state.getAttribute('data-run-id')) ?? '';
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await page.getByTestId('train-button').click();
  await expect(state).not.toHaveAttribute('data-run-id', before);
  await expect(state).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  return (await state.getAttribute('data-run-id'))!;
}

const ROOT = path.resolve(__dirname, '../../..');

/** Trains a 1-epoch VAE on `data` with the CLI into the server's workspace (no classifier); returns the run id. */
export function trainWithCli(lab: LabServer, data: string, name: string): string {
  const out = execFileSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(ROOT, 'src-main', 'cli', 'main.ts'), 'train', '--workspace', lab.workspace, '--data', data, '--model', 'vae', '--latent', '2', '--epochs', '1', '--batch', '16', '--hidden', '16', '--name', name, '--json'],
    { cwd: ROOT, env: { ...process.env, LATENT_LAB_CLASSIFIER: '0' }, encoding: 'utf8', timeout: 120_000 },
  );
  const last = JSON.parse(out.trim().split('\n').at(-1)!);
  return String(last.runId ?? last.id ?? path.basename(String(last.run)));
}

/** `n` 28×28 grey "dot" pictures in `dir/dot/` (a class a dataset folder gains). */
export async function dots(dir: string, n: number): Promise<void> {
  mkdirSync(path.join(dir, 'dot'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(28 * 28);
    for (let y = 10; y < 16; y++) for (let x = 8 + i; x < 14 + i; x++) px[y * 28 + x] = 230;
    await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(dir, 'dot', `${i}.png`));
  }
}
