/**
 * An open run's data warnings follow its folder when the user presses Check (browser mode): the
 * run is trained by the CLI into the server's workspace and opened; its folder then gains a class
 * (Check: the Train panel's warnings and the run list's entry say the data changed since training)
 * and loses it again (Check: they no longer do). Before, they changed only when the run was
 * reopened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';
import { dots, strokes, trainWithCli } from './helpers/own-data';

const CHANGED = "This run's dataset changed since it was trained";

test('pressing Check on an open run’s folder brings its data warnings up to date', async ({ page, lab }) => {
  test.setTimeout(240_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-run-data-check-e2e-'));
  try {
    const data = await strokes(path.join(root, 'data'), 12, 3);
    const runId = trainWithCli(lab, data, 'checked data');

    await page.goto(lab.url);
    await page.getByRole('button', { name: 'Refresh runs' }).click();
    const item = page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`);
    await item.locator('button.open').click();
    await expect(item).toHaveClass(/active/);
    await expect(page.getByTestId('dataset-path-input')).toHaveValue(data);
    await expect(page.getByTestId('dataset-run-note')).toHaveAttribute('data-changed', 'false');
    const warnings = page.getByTestId('train-warnings');
    const changedWarning = warnings.filter({ hasText: CHANGED });
    await expect(changedWarning).toHaveCount(0);

    // The folder gains a class while the run is open; Check shows the folder as it is now, and the run's warnings follow.
    await dots(data, 6);
    await page.getByTestId('dataset-check-button').click();
    await expect(page.getByTestId('dataset-check-result')).toContainText('42 images in 4 classes');
    await expect(warnings).toContainText(`${CHANGED} (then 36 images in 3 classes, now 36 of its images in 3 of its classes, and 6 of a class it does not know)`);
    await expect(item.locator('.run-warn')).toHaveAttribute('title', new RegExp(CHANGED));

    // And back: the class removed, Check again, the warning goes.
    rmSync(path.join(data, 'dot'), { recursive: true });
    await page.getByTestId('dataset-check-button').click();
    await expect(page.getByTestId('dataset-check-result')).toContainText('36 images in 3 classes');
    await expect(changedWarning).toHaveCount(0);
    await expect(item.locator('.run-warn')).not.toHaveAttribute('title', new RegExp(CHANGED));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
