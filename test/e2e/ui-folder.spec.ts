/**
 * A folder of the user's own images: the Train panel checks it before training and says what it
 * found (images, classes) and what it skipped, or why it cannot be used.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { test, expect } from './helpers/fixtures';

async function digit(file: string, x0: number): Promise<void> {
  const w = 40;
  const px = Buffer.alloc(w * w, 255);
  for (let y = 8; y < 32; y++) for (let x = x0; x < x0 + 6; x++) px[y * w + x] = 0;
  await sharp(px, { raw: { width: w, height: w, channels: 1 } }).png().toFile(file);
}

test('checking a folder dataset reports its classes and the files it skipped', async ({ page, lab }) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-folder-ui-'));
  try {
    for (const [label, x0] of [['circle', 8], ['line', 20]] as const) {
      mkdirSync(path.join(root, label));
      for (let i = 0; i < 4; i++) await digit(path.join(root, label, `${i}.png`), x0 + i);
    }
    writeFileSync(path.join(root, 'line', 'notes.txt'), 'not an image');
    writeFileSync(path.join(root, 'circle', 'broken.png'), 'not a png either');

    await page.goto(lab.url);
    await page.getByTestId('dataset-select').selectOption('local');
    await page.getByTestId('dataset-path-input').fill(root);
    await page.getByTestId('dataset-check-button').click();
    const result = page.getByTestId('dataset-check-result');
    await expect(result).toHaveAttribute('data-state', 'ok');
    await expect(result).toContainText('8 images in 2 classes');
    await expect(result).toContainText('circle, line');
    await expect(result.locator('li')).not.toHaveCount(0);

    // A folder of images without class folders is one unlabelled class (an AE/VAE/VAE-GAN trains
    // on it), and the check says so; its stray text file is still counted.
    await page.getByTestId('dataset-path-input').fill(path.join(root, 'line'));
    await page.getByTestId('dataset-check-button').click();
    await expect(page.getByTestId('dataset-kind')).toHaveText('image folder (no class folders: unlabelled)');
    await expect(result).toHaveAttribute('data-state', 'ok');
    await expect(result).toContainText('no class folders: imported as unlabelled');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
