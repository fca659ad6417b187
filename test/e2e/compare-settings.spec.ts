/**
 * Compare with two VAE-GANs (report fresh1 #5): the training table lists each one's β, γ, pixel
 * weight and Discriminator LR × (what "the settings of these two VAE-GANs" are), and the
 * CVAE-only "Generation …" rows, n/a for both, are not shown; the learning-rate schedule the form
 * shows follows the kind (a VAE-GAN's linear decay, unsent) and Compare's row says it for both. Tiny runs (dense 32, latent 2,
 * one epoch) on the embedded MNIST, browser mode; waits only for explicit states.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { DEFAULT_LR_SCHEDULE, VAEGAN_DEFAULTS } from '../../src-shared/contract';

async function trainGan(page: Page, gamma: string): Promise<void> {
  const state = page.getByTestId('train-state');
  const before = (await state.getAttribute('data-run-id')) ?? '';
  await page.getByTestId('dataset-select').selectOption('mnist');
  await page.getByTestId('model-select').selectOption('vaegan');
  // Left alone, the schedule shown is the VAE-GAN's default.
  await expect(page.getByTestId('lr-schedule-select')).toHaveValue(DEFAULT_LR_SCHEDULE.vaegan);
  await page.getByTestId('arch-select').selectOption('dense');
  await page.getByTestId('hidden-input').fill('32');
  await page.getByTestId('latent-dim-input').fill('2');
  await page.getByTestId('epochs-input').fill('1');
  await page.getByTestId('gan-gamma-input').fill(gamma);
  await expect(page.getByTestId('train-button')).toBeEnabled({ timeout: 30_000 });
  await page.getByTestId('train-button').click();
  await expect(state).not.toHaveAttribute('data-run-id', before);
  await expect(state).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
}

test('two VAE-GANs in Compare: their GAN settings listed, no CVAE-only rows', async ({ page, lab }) => {
  test.setTimeout(300_000);
  await page.goto(lab.url);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);
  await trainGan(page, '');
  await trainGan(page, '0.1');
  await page.getByTestId('tab-compare').click();
  await expect(page.getByTestId('compare-blurb')).toContainText('two VAE-GANs');
  const table = page.getByTestId('compare-metrics');
  await expect(table).toHaveAttribute('data-ready', 'true', { timeout: 120_000 });
  const cells = async (key: string) => (await table.locator(`tr[data-row="setting-${key}"] td`).allTextContents()).sort();
  expect(await cells('gamma')).toEqual(['0.1', '0.3']);
  expect(await cells('beta')).toEqual(['1', '1']);
  expect(await cells('pixelWeight')).toEqual([String(VAEGAN_DEFAULTS.pixelWeight), String(VAEGAN_DEFAULTS.pixelWeight)]);
  expect(await cells('emaDecay')).toEqual([String(VAEGAN_DEFAULTS.emaDecay), String(VAEGAN_DEFAULTS.emaDecay)]);
  expect(await cells('discLrScale')).toEqual(['0.5', '0.5']);
  // The form's words, not the contract's ids ('linear-decay', 'relativistic').
  expect(await table.locator('tr[data-row="lrSchedule"] td').allTextContents()).toEqual(['Linear decay', 'Linear decay']);
  expect(await cells('ganLoss')).toEqual(['Relativistic average', 'Relativistic average']);
  await expect(table.locator('tr[data-row="lrSchedule"] th')).toHaveText('Learning-rate schedule');
  await expect(table.locator('th', { hasText: 'Discriminator LR ×' })).toBeVisible();
  // Trained alike but for γ: the note above the table names it, as the row does; the same batch,
  // schedule and steps, so its verdicts stay like-for-like.
  const note = page.getByTestId('compare-training-note');
  await expect(note).toContainText(/γ (0\.3 vs 0\.1|0\.1 vs 0\.3)/);
  await expect(note).toHaveAttribute('data-unlike', 'false');
  expect((await note.boundingBox())!.y).toBeLessThan((await table.boundingBox())!.y);
  // The second run's default name says its γ.
  await expect(page.getByTestId('compare-head-b').or(page.getByTestId('compare-head-a')).filter({ hasText: 'γ=0.1' })).toHaveCount(1);
  await expect(table.locator('tr[data-row="generationAccuracy"]')).toHaveCount(0);
  await expect(table.locator('tr[data-row="generationAccuracyFitted"]')).toHaveCount(0);
  await expect(table).not.toContainText('not a CVAE');
  // The form's settings outlive the test (the worker's server keeps them): γ back to its default.
  await page.getByTestId('gan-gamma-input').fill('');
  // Back on a VAE the form shows the VAE's schedule.
  await page.getByTestId('model-select').selectOption('vae');
  await expect(page.getByTestId('lr-schedule-select')).toHaveValue(DEFAULT_LR_SCHEDULE.vae);
});
