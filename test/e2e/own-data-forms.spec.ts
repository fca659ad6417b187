/**
 * On a tiny own-data folder (generated 28×28 strokes, so runs take seconds): the Train form holds
 * a CVAE on an unlabeled export opened again (one class, "unlabeled") and says why before Train;
 * Compare names each run's model as the run list does, "Conv VAE z=2" for a conv run. Waits only
 * for explicit states (data-state, data-ready, test ids).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';
import { strokes, trainRun, unlabeledExport, useFolder } from './helpers/own-data';

let root: string;
test.beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'll-own-forms-'));
});
test.afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

test('a CVAE on an unlabeled export opened again: named under the form, Train held until another model', async ({ page, lab }) => {
  const dir = await unlabeledExport(path.join(root, 'vae-samples'), 12);
  await page.goto(lab.url);
  await useFolder(page, dir, 1);
  await page.getByTestId('model-select').selectOption('cvae');
  const errors = page.getByTestId('train-form-errors');
  await expect(errors).toContainText('A CVAE is conditioned on the labels and needs at least 2 classes');
  await expect(errors).toContainText('one ("unlabeled")');
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await page.getByTestId('model-select').selectOption('vae');
  await expect(errors).toHaveCount(0);
  await expect(page.getByTestId('train-button')).toBeEnabled();
});

test('Compare names a conv run "Conv VAE z=2", as the run list does, with the folder\'s class names and the optimiser steps', async ({ page, lab }) => {
  test.setTimeout(120_000);
  const dir = await strokes(path.join(root, 'strokes'), 10, 3);
  await page.goto(lab.url);
  await useFolder(page, dir, 3);
  const dense = await trainRun(page, { kind: 'vae' });
  const conv = await trainRun(page, { kind: 'vae', arch: 'conv' });
  await expect(page.locator(`[data-testid="run-item"][data-run-id="${conv}"]`)).toContainText('Conv VAE z=2 · 1 ep');

  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-run-a').selectOption(dense);
  await page.getByTestId('compare-run-b').selectOption(conv);
  await page.getByTestId('compare-button').click();
  await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true');
  // The captions over the two scatters (centre pane) and the table's heads.
  const captionA = page.getByRole('region', { name: 'Run A' }).locator('header');
  const captionB = page.getByRole('region', { name: 'Run B' }).locator('header');
  await expect(captionB).toContainText('Conv VAE z=2');
  await expect(captionA).toContainText('VAE z=2');
  await expect(captionA).not.toContainText('Conv');
  await expect(page.getByTestId('compare-metrics').locator('thead')).toContainText('B · Conv VAE z=2');
  // The samples and reconstructions under each run's model name.
  await expect(page.getByTestId('compare-images')).toContainText('Conv VAE z=2');
  // The legends name the folder's classes, not 0, 1, 2; the optimiser steps are counted from the run's own training set.
  for (const side of ['Run A', 'Run B']) {
    await expect(page.getByRole('region', { name: side }).getByRole('group', { name: /^Labels/ })).toContainText('column');
  }
  await expect(page.getByTestId('compare-metrics').locator('tr[data-row="steps"] td').first()).toHaveText(/^\d[\d,]*$/);
});
