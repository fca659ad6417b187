/**
 * The README's VAE vs VAE-GAN screenshot (issue #15), at 1280×800 in the light and the dark theme,
 * into docs/screenshots/21-vaegan-compare-{light,dark}.png: a VAE and a VAE-GAN trained for a few
 * epochs each on the embedded MNIST, side by side in Compare (the metrics with the Fréchet
 * distances, how each run trained and its settings, the one-run note, the samples), the VAE-GAN's loss curves with its discriminator's and
 * its run summary in the Train panel. On demand only:
 *
 *   LATENT_LAB_SCREENSHOTS=1 npx playwright test --project=web --grep @vaegan-screenshots
 *
 * Unlike the other suites it runs with the in-app classifier (the Fréchet distance is the point).
 * The classifier trains the first time (about 12 minutes on two cores) and is cached in the
 * workspace's datasets/ folder: the workspace is <tmpdir>/latentlab-screenshot-cache, kept between
 * runs (its runs/ is emptied at the start).
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from '@playwright/test';
import { ROOT } from './helpers/env';
import { startLabServer, type LabServer } from './helpers/lab-server';
import { settled } from './ui-helpers';

const DIR = path.join(ROOT, 'docs', 'screenshots');
const EPOCHS = 5;

async function shoot(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await settled(page);
    await page.screenshot({ path: path.join(DIR, `${name}-${theme}.png`) });
  }
}

/** Train `kind` with an 8-D latent for `EPOCHS` epochs from the form; resolves when the run is done. */
async function train(page: Page, kind: 'vae' | 'vaegan'): Promise<void> {
  const state = page.getByTestId('train-state');
  const before = (await state.getAttribute('data-run-id')) ?? '';
  await page.getByTestId('dataset-select').selectOption('mnist');
  await page.getByTestId('model-select').selectOption(kind);
  await page.getByTestId('latent-dim-input').fill('8');
  await page.getByTestId('epochs-input').fill(String(EPOCHS));
  await expect(page.getByTestId('train-button')).toBeEnabled({ timeout: 30_000 });
  await page.getByTestId('train-button').click();
  await expect(state).not.toHaveAttribute('data-run-id', before);
  // The end of the first image run also trains the classifier when it is not cached yet.
  await expect(state).toHaveAttribute('data-state', 'done', { timeout: 3_600_000 });
}

test('VAE vs VAE-GAN in Compare, light and dark', { tag: '@vaegan-screenshots' }, async ({ page }) => {
  test.skip(!process.env.LATENT_LAB_SCREENSHOTS, 'set LATENT_LAB_SCREENSHOTS=1 to write docs/screenshots/');
  test.setTimeout(5_400_000);
  mkdirSync(DIR, { recursive: true });
  const workspace = path.join(os.tmpdir(), 'latentlab-screenshot-cache');
  rmSync(path.join(workspace, 'runs'), { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  let lab: LabServer | null = null;
  try {
    lab = await startLabServer({ env: { LATENT_LAB_CLASSIFIER: '1' }, args: ['--workspace', workspace] });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(lab.url);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);
    await train(page, 'vae');
    await train(page, 'vaegan');
    await expect(page.getByTestId('loss-legend-disc')).toBeVisible();

    await page.getByTestId('tab-compare').click();
    await page.getByTestId('compare-button').click();
    const table = page.getByTestId('compare-metrics');
    await expect(table).toHaveAttribute('data-ready', 'true', { timeout: 600_000 });
    await expect(table.locator('tr[data-row="frechet"] td').last()).toHaveText(/\d/);
    await expect(page.getByTestId('compare-samples-b')).toHaveAttribute('data-count', '16', { timeout: 120_000 });
    for (const side of ['a', 'b']) await expect(page.getByTestId(`compare-scatter-${side}`)).toHaveAttribute('data-ready', 'true');
    // The Compare pane from the reconstruction error down: the metrics (Fréchet distances marked),
    // how each run trained and its settings, the one-run note, then the samples.
    await table.locator('tr[data-row="recon"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    // The Train panel shows the VAE-GAN's loss curves (its discriminator's among them) and run summary.
    await page.getByTestId('run-metrics').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('loss-chart')).toBeInViewport();
    await shoot(page, '21-vaegan-compare');
  } finally {
    await lab?.stop();
  }
});
