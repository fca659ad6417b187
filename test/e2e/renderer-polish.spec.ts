/**
 * Renderer polish a new user hit (browser mode, 1280×800): the status bar shows the whole run
 * name, even beside the dataset and the classifier's line; a CVAE on colour shapes says "image",
 * never "digit", on its Generate and Encode tabs and draws in colour; opening a run on your own
 * data does not leave another folder's report under the run's path. Data made here, small;
 * waits only for explicit states.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { test, expect } from './helpers/fixtures';

/** Class folders of 32×32 RGB pictures (a coloured square on a light background), `n` per class. */
async function colourShapes(root: string, n: number): Promise<void> {
  for (const [name, color] of [['blue_triangle', [30, 60, 220]], ['green_square', [30, 160, 60]], ['red_circle', [220, 40, 30]]] as const) {
    mkdirSync(path.join(root, name));
    for (let i = 0; i < n; i++) {
      const px = Buffer.alloc(32 * 32 * 3, 235);
      const x0 = 3 + ((i * 5) % 14);
      for (let y = 8; y < 22; y++) for (let x = x0; x < x0 + 12; x++) px.set(color, (y * 32 + x) * 3);
      await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(path.join(root, name, `${i}.png`));
    }
  }
}

/** Two class folders ("left", "right") of 28×28 grey bars: another dataset to check first. */
async function greyBars(root: string, n: number): Promise<void> {
  for (const name of ['left', 'right']) {
    mkdirSync(path.join(root, name));
    for (let i = 0; i < n; i++) {
      const px = Buffer.alloc(28 * 28, 0);
      const x0 = name === 'left' ? 4 : 18;
      for (let y = 4; y < 24; y++) for (let x = x0; x < x0 + 5; x++) px[y * 28 + x] = 255;
      await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(root, name, `${i}.png`));
    }
  }
}

test('status bar keeps the run name, wording follows the data, own-data report after opening a run', async ({ page, lab }) => {
  test.setTimeout(300_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-polish-'));
  const shapes = path.join(root, 'shapes');
  const bars = path.join(root, 'bars');
  mkdirSync(shapes);
  mkdirSync(bars);
  try {
    await colourShapes(shapes, 8);
    await greyBars(bars, 8);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(lab.url);
    const result = page.getByTestId('dataset-check-result');
    let runId = '';
    const runItem = () => page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`);

    await test.step('train a small CVAE on the colour shapes', async () => {
      await page.getByTestId('dataset-select').selectOption('local');
      await page.getByTestId('dataset-path-input').fill(shapes);
      await page.getByTestId('dataset-check-button').click();
      await expect(result).toHaveAttribute('data-state', 'ok');
      await page.getByTestId('model-select').selectOption('cvae');
      await page.getByTestId('epochs-input').fill('2');
      await page.getByTestId('train-button').click();
      await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
      // Other specs share the server's workspace: this run is the one the Train panel trained last.
      runId = (await page.getByTestId('train-state').getAttribute('data-run-id'))!;
      await expect(runItem()).toHaveCount(1);
    });

    await test.step('the status bar shows the whole run name (not cut to a letter)', async () => {
      const name = (await runItem().locator('.name').textContent())!.trim();
      const status = page.getByTestId('status-run');
      await expect(status).toHaveText(name);
      const fits = await status.evaluate((el) => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().right <= window.innerWidth);
      expect(fits).toBe(true);
      await expect(status).toHaveAttribute('title', new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });

    await test.step('Generate and Encode say "image", not "digit", and the pad draws in colour', async () => {
      await page.getByTestId('tab-generate').click();
      await expect(page.getByTestId('generate-heading')).toHaveText(/sample an image/i);
      await expect(page.getByRole('tabpanel')).not.toContainText(/digit/i);
      // The label select shows whole class names.
      const select = page.getByTestId('generate-label-select');
      await select.selectOption({ label: 'blue_triangle' });
      const whole = await select.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
      expect(whole).toBe(true);
      await page.getByTestId('tab-encode').click();
      await expect(page.getByTestId('draw-pad-hint')).toContainText('in colour');
      await expect(page.getByTestId('draw-pad-colour')).toBeVisible();
      await expect(page.getByRole('tabpanel')).not.toContainText(/digit/i);
    });

    await test.step('opening the run after checking another folder: no report of that folder under the run’s path', async () => {
      await page.getByTestId('dataset-path-input').fill(bars);
      await page.getByTestId('dataset-check-button').click();
      await expect(result).toHaveAttribute('data-state', 'ok');
      await expect(result).toContainText('left');
      await runItem().locator('button.open').click();
      await expect(page.getByTestId('dataset-path-input')).toHaveValue(shapes);
      await expect(page.getByTestId('dataset-run-note')).toBeVisible();
      await expect(page.locator('.dataset')).not.toContainText('left');
      // The run's dataset report comes with the run (or a Check gives it): the shapes' classes.
      await page.getByTestId('dataset-check-button').click();
      await expect(result).toHaveAttribute('data-state', 'ok');
      await expect(result).toContainText('red_circle');
      await expect(result).not.toContainText('left');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
