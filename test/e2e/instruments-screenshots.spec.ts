/**
 * Screenshots of the exploration instruments (issue #14) at 1280×800 in the light and the dark
 * theme, into docs/screenshots/ (beside screenshots.spec.ts's). On demand only (~3 min):
 *
 *   LATENT_LAB_SCREENSHOTS=1 npx playwright test --project web --grep @instrument-screenshots
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { ROOT } from './helpers/env';
import { digitPng, hoverSomePoint, settled, train } from './ui-helpers';

const DIR = path.join(ROOT, 'docs', 'screenshots');

async function shoot(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await settled(page);
    await page.screenshot({ path: path.join(DIR, `${name}-${theme}.png`) });
  }
}

/** Scroll the right-hand panel so that `testid` is in view. */
async function scrollTo(page: Page, testid: string): Promise<void> {
  await page.getByTestId(testid).evaluate((el) => el.scrollIntoView({ block: 'start' }));
}

test('screenshots of the exploration instruments, light and dark', { tag: '@instrument-screenshots' }, async ({ page, lab }) => {
  test.skip(!process.env.LATENT_LAB_SCREENSHOTS, 'set LATENT_LAB_SCREENSHOTS=1 to write docs/screenshots/');
  test.setTimeout(900_000);
  mkdirSync(DIR, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(lab.url);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);

  // A collapsed run first (it stays in the run list), then the VAE the instruments explore.
  await page.getByTestId('dataset-select').selectOption('mnist');
  await page.getByTestId('model-select').selectOption('vae');
  await page.getByTestId('beta-input').fill('100');
  await train(page, { model: 'vae', dim: 3, epochs: 1 });
  await expect(page.getByTestId('collapse-warning').first()).toBeVisible();
  await page.getByTestId('tab-explore').click();
  await expect(page.getByTestId('kl-chart')).toBeVisible();
  await shoot(page, '14-collapse');

  await page.getByTestId('beta-input').fill('1');
  await train(page, { model: 'vae', dim: 6, epochs: 8 });
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');

  // Explore: KL bars and sliders, a slider moved (the reticle in the scatter moves with it).
  await page.getByTestId('tab-explore').click();
  await expect(page.getByTestId('kl-chart')).toHaveAttribute('data-dims', '6');
  await expect(page.getByTestId('slider-image')).toHaveAttribute('data-decodes', /[1-9]/);
  const slider = (i: number) => page.getByTestId(`latent-slider-${i}`);
  await slider(0).evaluate((el) => {
    (el as HTMLInputElement).value = '1.5';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await expect(page.getByTestId('slider-image')).toHaveAttribute('data-z', /^1\.500,/);
  await shoot(page, '09-explore-sliders');

  // Traversal grid.
  await page.getByTestId('traversal-button').click();
  await expect(page.getByTestId('traversal-grid')).toHaveAttribute('data-rows', '6');
  await scrollTo(page, 'traversal-k-input');
  await shoot(page, '10-traversal');

  // Denoising.
  await page.getByTestId('denoise-noise-slider').evaluate((el) => {
    (el as HTMLInputElement).value = '0.45';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await expect(page.getByTestId('denoise-view')).toHaveAttribute('data-sigma', '0.45');
  await scrollTo(page, 'denoise-view');
  await shoot(page, '11-denoise');

  // Typicality of a drawn digit.
  await page.getByTestId('tab-encode').click();
  await page.getByTestId('file-input').setInputFiles({ name: 'my-digit.png', mimeType: 'image/png', buffer: await digitPng(page) });
  await expect(page.getByTestId('typicality')).toHaveAttribute('data-percentile', /\d/);
  await scrollTo(page, 'typicality');
  await shoot(page, '12-typicality');

  // Images in the cloud, a point selected with its neighbours.
  await page.getByTestId('scatter-images-toggle').check();
  await expect(page.getByTestId('scatter-images-toggle')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-images', '2000');
  const at = await hoverSomePoint(page);
  await page.mouse.click(at.x, at.y);
  await expect(page.getByTestId('neighbours-strip')).toHaveAttribute('data-count', '8');
  await page.mouse.move(5, 5);
  await shoot(page, '13-images-in-the-cloud');
  await page.getByTestId('scatter-images-toggle').uncheck();

  // Toy data in data space.
  await page.getByTestId('dataset-select').selectOption('toy-moons');
  await page.getByTestId('model-select').selectOption('vae');
  await page.getByTestId('latent-dim-input').fill('2');
  await page.getByTestId('epochs-input').fill('10');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  const plot = page.getByTestId('data-space-plot');
  await expect(plot).toHaveAttribute('data-count', '1000');
  const canvas = plot.getByRole('img', { name: /in data space/ });
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width * 0.35, y: box.height * 0.45 } });
  await expect(plot).toHaveAttribute('data-encoded', /,/);
  await page.getByTestId('tab-explore').click();
  await shoot(page, '15-toy-data-space');
});
