/**
 * The fitted prior in browser mode ("Sample from: where the data lies (fitted mixture)"): after a
 * short VAE run, the Generate tab draws images from the fitted mixture and keeps the choice when
 * the temperature changes; an export with the same seed writes other latents from the fitted
 * mixture than from the prior (the engine got the choice and honoured it); embeddings have no
 * choice to make. With the judging classifier on (its own server, a tiny folder of strokes): the
 * run's metrics show "Fréchet, samples from the fitted prior" beside its Fréchet distance, and
 * Compare has its row and draws both runs' samples from the fitted mixture when asked. Waits only
 * on explicit states.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { startLabServer } from './helpers/lab-server';
import { strokes, trainRun, useFolder } from './helpers/own-data';
import { train } from './ui-helpers';

const FITTED = 'where the data lies (fitted mixture)';
const STANDARD = 'the prior, N(0, I)';

/** The latents (z0..z{d-1}) of an image-folder export's metadata.csv, one array per image. */
function exportedLatents(dir: string): number[][] {
  const [header, ...rows] = readFileSync(path.join(dir, 'metadata.csv'), 'utf8').trim().split('\n');
  const first = header.split(',').indexOf('z0');
  expect(first).toBeGreaterThan(0);
  return rows.map((r) => r.split(',').slice(first).map(Number));
}

/** Export `count` images (seed 1) as an image folder to `out` with the Export tab's current choice. */
async function exportTo(page: Page, out: string, count: number) {
  await page.getByTestId('export-count-input').fill(String(count));
  await page.getByTestId('export-dir-input').fill(out);
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('export-state')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
}

/**
 * Both options of a "Sample from" choice are whole on screen: no option's words are cut (each
 * label's text fits it) and the segmented control stays inside its row.
 */
async function expectOptionsWhole(choice: Locator) {
  const fit = await choice.evaluate((el) => {
    const seg = el.querySelector('.seg') as HTMLElement;
    const row = el.getBoundingClientRect();
    const labels = [...seg.querySelectorAll('label')].map((l) => ({ cut: l.scrollWidth > l.clientWidth + 1, right: l.getBoundingClientRect().right }));
    return { segInside: seg.getBoundingClientRect().right <= row.right + 1, segCut: seg.scrollWidth > seg.clientWidth + 1, labels, right: seg.getBoundingClientRect().right };
  });
  expect(fit.segInside && !fit.segCut).toBe(true);
  expect(fit.labels.map((l) => l.cut || l.right > fit.right + 1)).toEqual([false, false]);
}

test('a VAE samples where its data lies: Generate and Export draw from the fitted mixture when asked', async ({ page, lab }) => {
  test.setTimeout(420_000);
  await page.goto(lab.url);
  await train(page, { model: 'vae', dim: 2, epochs: 1 });
  // The run's metrics line says it too, whatever the choice.
  await expect(page.getByTestId('metric-fitted-spread')).toContainText('Samples from the fitted mixture vary less than the data (', { timeout: 60_000 });

  await test.step('Generate: the fitted mixture draws images, and the choice stays when the temperature changes', async () => {
    await page.getByTestId('tab-generate').click();
    const choice = page.getByTestId('generate-prior');
    await expect(choice).toHaveAttribute('data-value', 'standard');
    await expect(choice.getByRole('radio', { name: STANDARD })).toBeChecked();
    await expect(choice.getByText(STANDARD)).toHaveAttribute('title', /holes/);
    // At 1280 × 800 both options are readable whole in the right pane.
    await page.setViewportSize({ width: 1280, height: 800 });
    await expectOptionsWhole(choice);
    await choice.getByText(FITTED).click();
    await expect(choice.getByRole('radio', { name: FITTED })).toBeChecked();
    await expect(page.getByTestId('generate-prior-note')).toContainText('fitted to the training images');
    // One epoch: the mixture's samples vary far less than the data (measured 9–13 % of its spread, seeds 1–3), and Generate says so.
    await expect(page.getByTestId('generate-fitted-spread')).toHaveText(
      /^Samples from the fitted mixture vary less than the data \(\d+ % of its spread\): the model is under-trained — more epochs help\.$/,
    );

    await page.getByTestId('generate-count-input').fill('12');
    await page.getByTestId('generate-button').click();
    const grid = page.getByTestId('generated-grid');
    await expect(grid).toHaveAttribute('data-count', '12');
    await expect(grid.locator('canvas')).toHaveCount(12);
    const caption = page.getByTestId('generated-prior');
    await expect(caption).toHaveAttribute('data-prior', 'fitted');
    await expect(caption).toHaveText(`12 samples from ${FITTED} at T 1`);

    // A new temperature with a grid on screen: the grid is drawn again at it, from the same choice.
    await page.getByRole('spinbutton', { name: 'Temperature', exact: true }).fill('0.5');
    await expect(caption).toHaveText(`12 samples from ${FITTED} at T 0.5`);
    await expect(page.getByTestId('generate-button')).toBeEnabled();
    await expect(choice.getByRole('radio', { name: FITTED })).toBeChecked();
    await expect(caption).toHaveAttribute('data-prior', 'fitted');

    // Back to the prior with a grid on screen: the grid is drawn again from there.
    await choice.getByText(STANDARD).click();
    await expect(caption).toHaveAttribute('data-prior', 'standard');
    // The notice is about the fitted mixture's samples only.
    await expect(page.getByTestId('generate-fitted-spread')).toHaveCount(0);
    await expect(caption).toHaveText(`12 samples from ${STANDARD} at T 0.5`);
  });

  await test.step('Export: the same seed gives other latents from the fitted mixture than from the prior', async () => {
    await page.getByTestId('tab-export').click();
    await page.getByTestId('export-format-select').selectOption('imagefolder');
    const choice = page.getByTestId('export-prior');
    await expect(choice).toHaveAttribute('data-value', 'standard');
    await expectOptionsWhole(choice);
    const standardDir = path.join(lab.outDir, 'prior-standard');
    await exportTo(page, standardDir, 40);
    await choice.getByText(FITTED).click();
    await expect(choice).toHaveAttribute('data-value', 'fitted');
    const fittedDir = path.join(lab.outDir, 'prior-fitted');
    await exportTo(page, fittedDir, 40);
    await expect(page.getByTestId('export-state')).toContainText(`Exported 40 images sampled from ${FITTED} to`);

    // One choice, remembered: after a reload Export and Generate both still sample where the data lies.
    await page.reload();
    await page.getByTestId('tab-export').click();
    await expect(choice).toHaveAttribute('data-value', 'fitted');
    await page.getByTestId('tab-generate').click();
    await expect(page.getByTestId('generate-prior')).toHaveAttribute('data-value', 'fitted');
    await page.getByTestId('tab-export').click();

    await choice.getByText(STANDARD).click();
    const againDir = path.join(lab.outDir, 'prior-standard-again');
    await exportTo(page, againDir, 40);

    const standard = exportedLatents(standardDir);
    const fitted = exportedLatents(fittedDir);
    expect(fitted).toHaveLength(40);
    expect(fitted.every((z) => z.length === 2 && z.every(Number.isFinite))).toBe(true);
    // The seed repeats the prior's draws exactly; the fitted mixture's are other numbers.
    expect(exportedLatents(againDir)).toEqual(standard);
    const same = fitted.filter((z, i) => z.every((v, k) => v === standard[i][k])).length;
    expect(same).toBe(0);

    // Embeddings sample nothing: the choice is there but disabled.
    await page.getByTestId('export-format-select').selectOption('embeddings');
    await expect(choice.getByRole('radio', { name: FITTED })).toBeDisabled();
    // …and no option looks chosen while it is.
    await expect(choice.locator('label.on')).toHaveCount(0);
  });
});

test('the fitted prior’s Fréchet distance in the run’s metrics and in Compare; Compare’s samples from the fitted mixture', async ({ page }) => {
  test.setTimeout(420_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-fitted-prior-'));
  const server = await startLabServer({ env: { LATENT_LAB_CLASSIFIER: '1' } });
  try {
    // 3 × 40 generated 28×28 strokes: the judging classifier trains in seconds.
    const dir = await strokes(path.join(root, 'strokes'), 40, 1);
    await page.goto(server.url);
    await useFolder(page, dir, 3);
    const vae = await trainRun(page, { kind: 'vae' });

    await test.step('the run’s metrics: the fitted prior’s Fréchet distance beside the Fréchet distance', async () => {
      await expect(page.getByTestId('classifier-ready')).toHaveText(/^Classifier ready/, { timeout: 240_000 });
      // 24 test images, fewer than the classifier's 128 features: "not reliable", the numbers in the tooltips.
      await expect(page.getByTestId('metric-frechet')).toHaveText('Fréchet, samples from N(0, I): not reliable', { timeout: 60_000 });
      const fitted = page.getByTestId('metric-frechet-fitted');
      await expect(fitted).toHaveText('Fréchet, samples from the fitted prior: not reliable');
      await expect(fitted).toHaveAttribute('title', /^[\d,.]+ — not reliable: .*fitted to the training images' latents/);
    });

    const ae = await trainRun(page, { kind: 'ae' });
    await expect(page.getByTestId('metric-frechet-fitted')).toHaveAttribute('title', /^\d/, { timeout: 60_000 });

    await test.step('Compare: the row, and both runs’ samples from the fitted mixture', async () => {
      await page.getByTestId('tab-compare').click();
      await page.getByTestId('compare-run-a').selectOption(vae);
      await page.getByTestId('compare-run-b').selectOption(ae);
      await page.getByTestId('compare-button').click();
      const table = page.getByTestId('compare-metrics');
      await expect(table).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
      const row = table.locator('tr[data-row="frechetFitted"]');
      await expect(row.locator('th')).toHaveText('Fréchet, samples from the fitted prior');
      await expect(row.locator('td')).toHaveText([/^\d+(\.\d+)?$/, /^\d+(\.\d+)?$/]);
      // Both runs judged by a classifier on 24 test images: no "closer to the data" verdict, and why.
      await expect(row.locator('td.win')).toHaveCount(0);
      await expect(page.getByTestId('compare-judge-unreliable')).toContainText('are not marked closer to the data: not reliable for either run: only');

      const images = page.getByTestId('compare-images');
      await expect(images).toHaveAttribute('data-prior', 'standard', { timeout: 60_000 });
      await expect(images).toContainText(`samples from ${STANDARD}`);
      await expect(images).toContainText('samples from a Gaussian fitted to its latents');
      await page.getByTestId('compare-prior').getByText(FITTED).click();
      await expect(images).toHaveAttribute('data-prior', 'fitted');
      await expect(images).not.toContainText(`samples from ${STANDARD}`);
      for (const side of ['a', 'b']) await expect(page.getByTestId(`compare-samples-${side}`).locator('canvas')).toHaveCount(16);
    });
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
