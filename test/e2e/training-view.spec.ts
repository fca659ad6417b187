/**
 * The training view at 1280×800 (report fresh1 #8): while a VAE-GAN trains, with the orange
 * "fewer than ~500 optimiser steps" notice shown, its loss chart and GAN panel are on screen
 * without scrolling; the GAN panel's legend says what the discriminator's loss means (chance
 * 2·ln 2 ≈ 1.39 for the default relativistic loss; under 0.05 it wins) in words, not only in a tooltip; the VAE-GAN's "loss" is
 * named for what it is. Paused mid-run so the view holds still, then stopped: on a server of its
 * own, so the stopped run does not greet the specs that share the worker's. Waits for explicit
 * states only.
 */
import { test, expect } from '@playwright/test';
import { startLabServer } from './helpers/lab-server';

test('a training VAE-GAN: loss chart and GAN panel visible at 1280×800 with the short-run notice', async ({ page }) => {
  test.setTimeout(240_000);
  const lab = await startLabServer();
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(lab.url);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);
    await page.getByTestId('dataset-select').selectOption('mnist');
    await page.getByTestId('model-select').selectOption('vaegan');
    await page.getByTestId('latent-dim-input').fill('8');
    await page.getByTestId('epochs-input').fill('3');
    await expect(page.getByTestId('train-button')).toBeEnabled({ timeout: 30_000 });
    await page.getByTestId('train-button').click();
    const state = page.getByTestId('train-state');
    await expect(state).toHaveAttribute('data-state', 'training', { timeout: 60_000 });
    // The short-run notice (3 epochs of 125 batches: under ~500 steps) is up, and one epoch plotted.
    await expect(page.getByTestId('train-warnings')).toContainText('500');
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-gan-points', /^[1-9]/, { timeout: 120_000 });
    await page.getByTestId('train-button').click(); // Pause
    await expect(state).toHaveAttribute('data-state', 'paused', { timeout: 60_000 });

    // Its Saved runs row says the live epoch, not the list's record of 0 epochs (a verifier read
    // "VAE z=3 · 0 ep · training" at epoch 5 of 6).
    const row = page.getByTestId('run-item').filter({ has: page.getByTestId('run-state') }).first();
    await expect(row).toContainText(/epoch [1-3]\/3/);
    await expect(row).not.toContainText(' 0 ep');
    await page.screenshot({ path: test.info().outputPath('training-view-1280x800.png') });
    await expect(page.getByTestId('loss-chart')).toBeInViewport({ ratio: 1 });
    await expect(page.getByTestId('loss-chart-gan')).toBeInViewport({ ratio: 1 });
    // The discriminator's scale in words on the panel itself.
    const legend = page.getByTestId('loss-legend-gan');
    await expect(legend).toBeInViewport();
    await expect(legend).toContainText('2·ln 2 ≈ 1.39'); // the default relativistic loss's chance level
    await expect(legend).toContainText('under 0.05');
    // The VAE-GAN's "loss" is its VAE part, recon + KL, and says so.
    await expect(page.getByTestId('loss-legend-loss')).toContainText('recon + β·KL');
    await expect(page.getByTestId('loss-chart').locator('[role="img"]').first()).toHaveAttribute('aria-label', /recon \+ β·KL/);
    await page.getByTestId('stop-button').click();
    await expect(state).not.toHaveAttribute('data-state', 'paused', { timeout: 60_000 });
  } finally {
    await lab.stop();
  }
});
