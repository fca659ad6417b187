/**
 * Screenshots of the own-data and issue-#14 views at 1280×800, light and dark, into
 * docs/screenshots/: the dataset panel on a colour folder, a colour run, an opened run with its
 * curves and metrics, Compare in the centre pane, CVAE interpolation between two labels.
 * On demand only (it trains four small models):
 *
 *   LATENT_LAB_SCREENSHOTS=1 npx playwright test --project web test/e2e/data-screenshots.spec.ts
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { test, expect } from './helpers/fixtures';
import { ROOT } from './helpers/env';
import { settled, train } from './ui-helpers';

const DIR = path.join(ROOT, 'docs', 'screenshots');

async function shoot(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await settled(page);
    await page.screenshot({ path: path.join(DIR, `${name}-${theme}.png`) });
  }
}

/** Little colour pictures in three class folders: a coloured disc or square on a tinted background. */
async function colourDataset(root: string): Promise<void> {
  const classes = [
    ['discs', [230, 120, 30]],
    ['squares', [40, 110, 230]],
    ['leaves', [40, 170, 80]],
  ] as const;
  for (const [name, color] of classes) {
    mkdirSync(path.join(root, name));
    for (let i = 0; i < 60; i++) {
      const w = 44;
      const px = Buffer.alloc(w * w * 3);
      const cx = 14 + ((i * 7) % 16);
      const cy = 14 + ((i * 11) % 16);
      const r = 7 + (i % 5);
      for (let y = 0; y < w; y++)
        for (let x = 0; x < w; x++) {
          const inside = name === 'squares' ? Math.abs(x - cx) < r && Math.abs(y - cy) < r : name === 'discs' ? (x - cx) ** 2 + (y - cy) ** 2 < r * r : Math.abs(x - cx) + Math.abs(y - cy) * 1.8 < r * 1.4;
          const bg = [250 - y, 245 - (x >> 1), 235];
          px.set(inside ? color : bg, (y * w + x) * 3);
        }
      await sharp(px, { raw: { width: w, height: w, channels: 3 } }).png().toFile(path.join(root, name, `${i}.png`));
    }
  }
}

test('screenshots of the own-data and fixed views, light and dark', { tag: '@screenshots' }, async ({ page, lab }) => {
  test.skip(!process.env.LATENT_LAB_SCREENSHOTS, 'set LATENT_LAB_SCREENSHOTS=1 to write docs/screenshots/');
  test.setTimeout(900_000);
  mkdirSync(DIR, { recursive: true });
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-shots-colour-'));
  try {
    await colourDataset(root);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(lab.url);
    await expect(page.getByTestId('engine-state')).toHaveAttribute('data-state', 'ready');

    await page.getByTestId('dataset-select').selectOption('local');
    await page.getByTestId('dataset-path-input').fill(root);
    await page.getByTestId('dataset-check-button').click();
    await expect(page.getByTestId('dataset-check-result')).toHaveAttribute('data-state', 'ok');
    await page.getByText('Classes and counts').click();
    await page.getByTestId('dataset-preview').scrollIntoViewIfNeeded();
    await shoot(page, '16-own-data-colour');

    await page.getByTestId('model-select').selectOption('vae');
    await page.getByTestId('latent-dim-input').fill('2');
    await page.getByTestId('epochs-input').fill('40');
    await page.getByLabel('Batch size').fill('16');
    await page.getByTestId('train-button').click();
    await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
    await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');
    await page.getByTestId('tab-recon').click();
    await expect(page.getByTestId('recon-pair')).not.toHaveCount(0);
    await shoot(page, '17-colour-run');

    await page.getByTestId('dataset-select').selectOption('mnist');
    await page.getByLabel('Batch size').fill('256');
    await train(page, { model: 'ae', dim: 3, epochs: 3 });
    await train(page, { model: 'vae', dim: 3, epochs: 3 });
    await page.getByTestId('tab-compare').click();
    await page.getByTestId('compare-run-a').selectOption({ label: 'AE z=3 · mnist' });
    await page.getByTestId('compare-run-b').selectOption({ label: 'VAE z=3 · mnist' });
    await page.getByTestId('compare-button').click();
    await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByTestId('compare-scatter-b')).toHaveAttribute('data-ready', 'true');
    await shoot(page, '18-compare-centre');

    await train(page, { model: 'cvae', dim: 2, epochs: 5 });
    const cvae = (await page.getByTestId('train-state').getAttribute('data-run-id'))!;
    // Interpolate between a test "1" and a test "7" (both ends picked in the Reconstruction tab).
    const pick = async (label: string, end: 0 | 1) => {
      await page.getByTestId('tab-recon').click();
      await page.locator(`[data-testid="recon-pair"][title$="label ${label}"]`).first().click();
      await page.getByTestId('tab-generate').click();
      await page.getByRole('button', { name: 'From selection' }).nth(end).click();
    };
    await pick('1', 0);
    await pick('7', 1);
    await expect(page.getByTestId('interpolation-strip')).toHaveAttribute('data-labels', '1>7');
    await page.getByTestId('interpolation-strip').scrollIntoViewIfNeeded();
    await shoot(page, '19-cvae-label-blend');

    // An earlier run opened: its own settings, curves and metrics.
    await page.getByTestId('run-item').filter({ has: page.locator('.name', { hasText: /^AE z=3/ }) }).locator('button.open').click();
    await expect(page.getByTestId('run-metrics')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByTestId('loss-chart')).not.toHaveAttribute('data-run-id', cvae);
    await shoot(page, '20-run-opened');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
