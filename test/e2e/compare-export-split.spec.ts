/**
 * Compare's CVAE samples say which labels they were decoded as (Generate's words), and the Export
 * tab's embeddings export offers the split it encodes (test by default), sent with the request.
 * Screenshots of both, for a look, in the test's output folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';
import { startLabServer } from './helpers/lab-server';
import { strokes, trainRun, useFolder } from './helpers/own-data';

test('Compare names a CVAE sample grid’s labels; Export’s embeddings choose their split', async ({ page }) => {
  test.setTimeout(240_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-compare-export-'));
  const server = await startLabServer();
  try {
    const dir = await strokes(path.join(root, 'strokes'), 20, 1);
    await page.goto(server.url);
    await useFolder(page, dir, 3);
    const vae = await trainRun(page, { kind: 'vae' });
    const cvae = await trainRun(page, { kind: 'cvae' });

    await test.step('Compare: the CVAE column says its samples were decoded as each label in turn; the VAE column does not', async () => {
      await page.getByTestId('tab-compare').click();
      await page.getByTestId('compare-run-a').selectOption(cvae);
      await page.getByTestId('compare-run-b').selectOption(vae);
      await page.getByTestId('compare-button').click();
      await expect(page.getByTestId('compare-samples-a').locator('canvas')).toHaveCount(16, { timeout: 60_000 });
      await expect(page.getByTestId('compare-samples-a-caption')).toHaveText(/, decoded as “bar”, “column”, “square” in turn$/);
      await expect(page.getByTestId('compare-samples-b-caption')).not.toContainText('decoded as');
      await expect(page.getByTestId('compare-samples-a').locator('figure').nth(1)).toHaveAttribute('title', /sample 2, decoded as “column”$/);
      await page.getByTestId('compare-images').screenshot({ path: test.info().outputPath('compare-cvae-captions.png') });
    });

    await test.step('Export: the split choice for embeddings only, test by default', async () => {
      await page.getByTestId('tab-export').click();
      await page.getByTestId('export-format-select').selectOption('npz');
      await expect(page.getByTestId('export-split-select')).toHaveCount(0);
      await page.getByTestId('export-format-select').selectOption('embeddings');
      await expect(page.getByTestId('export-split-select')).toHaveValue('test');
      await expect(page.getByTestId('export-format-hint')).toContainText(/the \d+ test images/);
      await page.getByTestId('export-split-select').selectOption('train');
      await expect(page.getByTestId('export-format-hint')).toContainText(/the \d+ training images/);
      await expect(page.getByTestId('export-split-hint')).toBeVisible();
      await page.screenshot({ path: test.info().outputPath('export-split.png') });
    });
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
