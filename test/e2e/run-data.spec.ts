/**
 * A saved run and its data folder on disk must not silently disagree (browser mode). Runs are
 * trained by the CLI into the server's workspace (so the server's engine loads them fresh), then:
 * - a class folder is added: opening the run says its data changed (the run list's ⚠, the
 *   dataset panel's note and warning), and the panel counts only the run's classes;
 * - the folder is moved: opening the run says its DATASET is missing and where it was; typing the
 *   new place in the field under the run opens it;
 * - in the same session the folder changes again: reopening the run checks it anew.
 */
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';
import { dots, strokes, trainWithCli } from './helpers/own-data';

test('a run whose folder changed or moved says so, and a moved one can be pointed at its new place', async ({ page, lab }) => {
  test.setTimeout(240_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-run-data-e2e-'));
  try {
    const changed = await strokes(path.join(root, 'changed'), 12, 3);
    const moving = await strokes(path.join(root, 'moving', 'c32b'), 12, 5);
    const changedId = trainWithCli(lab, changed, 'changed data');
    const movedId = trainWithCli(lab, moving, 'moved data');
    await dots(changed, 6);
    renameSync(path.join(root, 'moving'), path.join(root, 'moved'));

    await page.goto(lab.url);
    await page.getByRole('button', { name: 'Refresh runs' }).click();
    const changedItem = page.locator(`[data-testid="run-item"][data-run-id="${changedId}"]`);
    await changedItem.locator('button.open').click();
    await expect(changedItem).toContainText('⚠');
    const note = page.getByTestId('dataset-run-note');
    await expect(note).toHaveAttribute('data-changed', 'true');
    await expect(page.getByTestId('dataset-warnings')).toContainText(
      'This run\'s dataset changed since it was trained (then 36 images in 3 classes, now 36 of its images in 3 of its classes, and 6 of a class it does not know): 6 images of the class "dot" the run does not know are left out',
    );
    // The scatter's legend has the run's classes (before: "dot" took the place of "bar", and every name after it moved on by one).
    await expect(page.getByTestId('scatter-legend')).toContainText('square');
    await expect(page.getByTestId('scatter-legend')).not.toContainText('dot');
    // The panel counts the run's classes only (the dots are not the run's data).
    await expect(page.getByTestId('dataset-check-result')).toContainText('36 images in 3 classes');

    const movedItem = page.locator(`[data-testid="run-item"][data-run-id="${movedId}"]`);
    await movedItem.locator('button.open').click();
    const missing = page.getByTestId('run-data-missing');
    await expect(missing).toContainText(`is missing: it was at ${moving}`);
    await page.getByTestId('run-data-path').fill(path.join(root, 'nowhere'));
    await page.getByTestId('run-data-locate').click();
    await expect(page.getByTestId('run-data-locate-error')).toContainText('nothing at');
    await page.getByTestId('run-data-path').fill(path.join(root, 'moved', 'c32b'));
    await page.getByTestId('run-data-locate').click();
    await expect(missing).toHaveCount(0);
    await expect(movedItem).toHaveClass(/active/);
    await expect(page.getByTestId('dataset-path-input')).toHaveValue(path.join(root, 'moved', 'c32b'));
    await expect(note).toHaveAttribute('data-changed', 'false');

    // In the same session (the server keeps opened runs in memory), the changed run's folder
    // changes again: reopening checks it anew. The "dot" class removed: as it was at training.
    rmSync(path.join(changed, 'dot'), { recursive: true });
    await changedItem.locator('button.open').click();
    await expect(changedItem).toHaveClass(/active/);
    await expect(note).toHaveAttribute('data-changed', 'false');
    // Renamed: its dataset is missing, said with the run's name (and no CLI advice).
    renameSync(changed, `${changed}-renamed`);
    await changedItem.locator('button.open').click();
    await expect(missing).toContainText(`The dataset of run "changed data" is missing: it was at ${changed}.`);
    await expect(missing).not.toContainText('--data');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
