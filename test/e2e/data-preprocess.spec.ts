/**
 * The import row's Preprocess choice in the UI (browser mode): grey ink drawings are imported
 * MNIST-style by auto; choosing "plain" imports them cropped and resized only, and the report says
 * so (a teacher with grey images that are not digits can turn the background removal and
 * re-centring off, as the CLI's `--preprocess plain` does). The folder is small and made here.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { test, expect } from './helpers/fixtures';

/** A 40×40 grey PNG: a dark stroke (a bar, vertical for class 0, horizontal for 1) on light paper, moved per `i`. */
async function inkDrawing(file: string, cls: number, i: number): Promise<void> {
  const w = 40;
  const px = Buffer.alloc(w * w, 230);
  const off = 8 + ((i * 5) % 20);
  for (let a = 8; a < 32; a++) for (let b = off; b < off + 3; b++) px[cls === 0 ? a * w + b : b * w + a] = 30;
  await sharp(px, { raw: { width: w, height: w, channels: 1 } }).png().toFile(file);
}

test('Preprocess: auto imports ink drawings MNIST-style; plain turns it off and the report says plain', async ({ page, lab }, testInfo) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-data-preprocess-'));
  try {
    for (const [cls, name] of ['bar', 'dash'].entries()) {
      mkdirSync(path.join(root, name));
      for (let i = 0; i < 12; i++) await inkDrawing(path.join(root, name, `${i}.png`), cls, i);
    }
    await page.goto(lab.url);
    await page.getByTestId('dataset-select').selectOption('local');
    const choice = page.getByTestId('dataset-import-preprocess');
    await expect(choice).toHaveValue('auto');
    await expect(page.getByTestId('dataset-preprocess-hint')).toContainText('MNIST-style removes the background');
    await page.getByTestId('dataset-path-input').fill(root);
    await page.getByTestId('dataset-check-button').click();
    const result = page.getByTestId('dataset-check-result');
    await expect(result).toHaveAttribute('data-state', 'ok');
    await expect(result).toHaveAttribute('data-shape', '28,28,1');
    await expect(result).toContainText('MNIST-style: paper removed');

    await choice.selectOption('plain');
    // The check is redone with the choice: 40-px drawings → 32×32, cropped/resized only.
    await expect(result).toHaveAttribute('data-shape', '32,32,1');
    await expect(result).toContainText('plain: centre-cropped');
    await expect(result).toContainText('as chosen');
    await expect(result).not.toContainText('MNIST-style');
    await page.getByTestId('dataset-check-result').scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('preprocess-plain.png') });

    await choice.selectOption('mnist-style');
    await expect(result).toHaveAttribute('data-shape', '28,28,1');
    await expect(result).toContainText('MNIST-style: paper removed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
