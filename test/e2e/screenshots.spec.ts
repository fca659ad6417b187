/**
 * Screenshots of every view at 1280×800 in the light and the dark theme, into docs/screenshots/.
 * On demand only (it trains three small models, ~3 min):
 *
 *   LATENT_LAB_SCREENSHOTS=1 npx playwright test --project web --grep @screenshots
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { ROOT } from './helpers/env';
import { digitPng, hoverSomePoint, settled, startTraining, train } from './ui-helpers';

const DIR = path.join(ROOT, 'docs', 'screenshots');

async function shoot(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await settled(page);
    await page.screenshot({ path: path.join(DIR, `${name}-${theme}.png`) });
  }
}

async function shiftClick(page: Page, at: { x: number; y: number }): Promise<void> {
  await page.keyboard.down('Shift');
  await page.mouse.click(at.x, at.y);
  await page.keyboard.up('Shift');
}

test('screenshots of every view, light and dark', { tag: '@screenshots' }, async ({ page, lab }) => {
  test.skip(!process.env.LATENT_LAB_SCREENSHOTS, 'set LATENT_LAB_SCREENSHOTS=1 to write docs/screenshots/');
  test.setTimeout(900_000);
  mkdirSync(DIR, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(lab.url);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);
  await expect(page.getByTestId('latent-scatter').getByText('The embedded MNIST is ready')).toBeVisible();
  await shoot(page, '01-welcome');

  // Mid-training: live scatter and loss curves.
  await startTraining(page, { model: 'cvae', dim: 2, epochs: 5 });
  await expect
    .poll(async () => Number(await page.getByTestId('train-progress').getAttribute('aria-valuenow')), { timeout: 180_000 })
    .toBeGreaterThanOrEqual(50);
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('train-button').click(); // pause, so both themes show the same moment
  await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'paused');
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');
  await shoot(page, '02-training');
  await page.getByTestId('train-button').click(); // resume
  await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-point-count', '2000');
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');

  // Reconstruction tab, with a hovered point's tooltip.
  await page.getByTestId('tab-recon').click();
  await expect(page.getByTestId('recon-pair')).toHaveCount(24);
  await page.getByTestId('recon-worst').click();
  await expect(page.getByTestId('recon-grid')).toHaveAttribute('data-order', 'worst');
  await expect(page.getByTestId('recon-pair')).toHaveCount(24);
  await hoverSomePoint(page);
  await expect(page.getByTestId('scatter-tooltip').getByRole('img', { name: 'reconstruction' })).toBeVisible();
  await shoot(page, '03-reconstruction-hover');
  await page.mouse.move(5, 5);

  // Generate: a grid of 7s, an interpolation and a manifold.
  await page.getByTestId('tab-generate').click();
  await page.getByTestId('generate-label-select').selectOption('7');
  await page.getByTestId('generate-count-input').fill('32');
  await page.getByTestId('generate-button').click();
  await expect(page.getByTestId('generated-grid')).toHaveAttribute('data-count', '32');
  const a = await hoverSomePoint(page);
  await shiftClick(page, a);
  const box = (await page.getByTestId('latent-scatter').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  // Second end: search outward from the opposite side.
  let b: { x: number; y: number } | null = null;
  for (let dx = 40; dx < 200 && !b; dx += 10) {
    for (const [x, y] of [[a.x - dx * 1.5, a.y + dx], [a.x + dx * 1.5, a.y - dx], [a.x - dx, a.y - dx]]) {
      await page.mouse.move(x, y);
      if (await page.getByTestId('scatter-tooltip').isVisible({ timeout: 300 }).catch(() => false)) {
        b = { x, y };
        break;
      }
    }
  }
  if (b) await shiftClick(page, b);
  await expect(page.getByTestId('interpolation-strip')).toHaveAttribute('data-count', '10');
  await page.getByTestId('manifold-button').click();
  await expect(page.getByTestId('manifold-grid')).toBeVisible();
  await page.mouse.move(5, 5);
  await page.getByRole('tabpanel').evaluate((el) => el.scrollTo(0, 0));
  await shoot(page, '04-generate');
  await page.getByTestId('manifold-grid').scrollIntoViewIfNeeded();
  await shoot(page, '04b-generate-manifold');

  // Encode a digit.
  await page.getByTestId('tab-encode').click();
  await page.getByTestId('file-input').setInputFiles({ name: 'my-digit.png', mimeType: 'image/png', buffer: await digitPng(page) });
  await expect(page.getByTestId('encode-result')).toHaveAttribute('data-latent', /,/);
  await shoot(page, '05-encode');

  // Export.
  await page.getByTestId('tab-export').click();
  await page.getByTestId('export-format-select').selectOption('imagefolder');
  await page.getByTestId('export-count-input').fill('20');
  await page.getByTestId('export-dir-input').fill(path.join(lab.outDir, 'exports', 'sevens-and-friends'));
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-state')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await shoot(page, '06-export');

  // Compare a plain AE with a VAE (3-D latents).
  await train(page, { model: 'ae', dim: 3, epochs: 3 });
  await train(page, { model: 'vae', dim: 3, epochs: 3 });
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-dim', '3');
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('tab-compare').click();
  const runs = page.getByTestId('compare-run-a').locator('option');
  await expect(runs).toHaveCount(3);
  await page.getByTestId('compare-run-a').selectOption({ label: 'AE z=3 · mnist' });
  await page.getByTestId('compare-run-b').selectOption({ label: 'VAE z=3 · mnist' });
  await page.getByTestId('compare-button').click();
  await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true', { timeout: 120_000 });
  await expect(page.getByTestId('compare-scatter-a')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('compare-scatter-b')).toHaveAttribute('data-ready', 'true');
  await shoot(page, '07-compare-3d');

  // Help overlay.
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await shoot(page, '08-shortcuts');
});
