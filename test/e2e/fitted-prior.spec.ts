/**
 * The fitted prior in browser mode ("Sample from: where the data lies (fitted mixture)"): after a
 * short VAE run, the Generate tab draws images from the fitted mixture and keeps the choice when
 * the temperature changes; an export with the same seed writes other latents from the fitted
 * mixture than from the prior (the engine got the choice and honoured it); embeddings have no
 * choice to make. Waits only on explicit states.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { train } from './ui-helpers';

const FITTED = 'where the data lies (fitted mixture)';
const STANDARD = 'the prior, N(0, I)';

/** The latents (z0..z{d-1}) of an image-folder export's metadata.csv, one array per image. */
function exportedLatents(dir: string): number[][] {
  const [header, ...rows] = readFileSync(path.join(dir, 'metadata.csv'), 'utf8').trim().split('\n');
  const first = header.split(',').indexOf('z0');
  expect(first).toBeGreaterThan(0);
  return rows.map((r) => r.split(',').slice(first).map(Number));
}

/** Export `count` images (seed 1) as an image folder to `out` with the Export tab's current choice. */
async function exportTo(page: Page, out: string, count: number) {
  await page.getByTestId('export-count-input').fill(String(count));
  await page.getByTestId('export-dir-input').fill(out);
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-state')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
}

test('a VAE samples where its data lies: Generate and Export draw from the fitted mixture when asked', async ({ page, lab }) => {
  test.setTimeout(420_000);
  await page.goto(lab.url);
  await train(page, { model: 'vae', dim: 2, epochs: 1 });

  await test.step('Generate: the fitted mixture draws images, and the choice stays when the temperature changes', async () => {
    await page.getByTestId('tab-generate').click();
    const choice = page.getByTestId('generate-prior');
    await expect(choice).toHaveAttribute('data-value', 'standard');
    await expect(choice.getByRole('radio', { name: STANDARD })).toBeChecked();
    await expect(choice.getByText(STANDARD)).toHaveAttribute('title', /holes/);
    await choice.getByText(FITTED).click();
    await expect(choice.getByRole('radio', { name: FITTED })).toBeChecked();
    await expect(page.getByTestId('generate-prior-note')).toContainText('fitted to the training images');

    await page.getByTestId('generate-count-input').fill('12');
    await page.getByTestId('generate-button').click();
    const grid = page.getByTestId('generated-grid');
    await expect(grid).toHaveAttribute('data-count', '12');
    await expect(grid.locator('canvas')).toHaveCount(12);
    const caption = page.getByTestId('generated-prior');
    await expect(caption).toHaveAttribute('data-prior', 'fitted');
    await expect(caption).toHaveText(`12 samples from ${FITTED}`);

    await page.getByRole('spinbutton', { name: 'Temperature', exact: true }).fill('0.5');
    await page.getByTestId('generate-button').click();
    await expect(page.getByTestId('generate-button')).toBeEnabled();
    await expect(choice.getByRole('radio', { name: FITTED })).toBeChecked();
    await expect(caption).toHaveAttribute('data-prior', 'fitted');

    // Back to the prior with a grid on screen: the grid is drawn again from there.
    await choice.getByText(STANDARD).click();
    await expect(caption).toHaveAttribute('data-prior', 'standard');
    await expect(caption).toHaveText(`12 samples from ${STANDARD}`);
  });

  await test.step('Export: the same seed gives other latents from the fitted mixture than from the prior', async () => {
    await page.getByTestId('tab-export').click();
    await page.getByTestId('export-format-select').selectOption('imagefolder');
    const choice = page.getByTestId('export-prior');
    await expect(choice).toHaveAttribute('data-value', 'standard');
    const standardDir = path.join(lab.outDir, 'prior-standard');
    await exportTo(page, standardDir, 40);
    await choice.getByText(FITTED).click();
    await expect(choice).toHaveAttribute('data-value', 'fitted');
    const fittedDir = path.join(lab.outDir, 'prior-fitted');
    await exportTo(page, fittedDir, 40);

    await choice.getByText(STANDARD).click();
    const againDir = path.join(lab.outDir, 'prior-standard-again');
    await exportTo(page, againDir, 40);

    const standard = exportedLatents(standardDir);
    const fitted = exportedLatents(fittedDir);
    expect(fitted).toHaveLength(40);
    expect(fitted.every((z) => z.length === 2 && z.every(Number.isFinite))).toBe(true);
    // The seed repeats the prior's draws exactly; the fitted mixture's are other numbers.
    expect(exportedLatents(againDir)).toEqual(standard);
    const same = fitted.filter((z, i) => z.every((v, k) => v === standard[i][k])).length;
    expect(same).toBe(0);

    // Embeddings sample nothing: the choice is there but disabled.
    await page.getByTestId('export-format-select').selectOption('embeddings');
    await expect(choice.getByRole('radio', { name: FITTED })).toBeDisabled();
  });
});
