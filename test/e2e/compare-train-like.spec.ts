/**
 * Compare's "Train A again like B" (tester finding 1) and the form's per-kind batch and schedule
 * (finding 6), in browser mode on the embedded MNIST with tiny runs (dense 32, latent 2, one
 * epoch): a VAE and a VAE-GAN at their defaults did not train alike, so the button offers the VAE
 * again at the VAE-GAN's batch 64 and linear decay, with B's steps in its label; pressed, the
 * live run shows, the form holds the VAE's settings with B's batch and schedule, and the new run's
 * name says them. Back on the VAE after the VAE-GAN, the form keeps the VAE's batch 64. Back in
 * Compare, the new run is A beside the same B (no offer: they trained alike). Waits only for
 * explicit states.
 */
import { testOwnServer as test, expect } from './helpers/fixtures';
import { trainTinyMnist } from './helpers/train';

test('Compare trains the VAE again like the VAE-GAN: the real values, the form it fills, the new run’s name', async ({ page, lab }) => {
  test.setTimeout(420_000);
  await page.goto(lab.url);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);
  const vae = await trainTinyMnist(page, 'vae');
  const gan = await trainTinyMnist(page, 'vaegan');

  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-run-a').selectOption(vae);
  await page.getByTestId('compare-run-b').selectOption(gan);
  await expect(page.getByTestId('compare-training-note')).toHaveAttribute('data-unlike', 'true');
  const button = page.getByTestId('compare-train-like');
  await expect(button).toHaveText(/^Train A again like B: batch 64, linear decay, [\d,]+ steps$/);
  await expect(button).toHaveAttribute('data-side', 'A');
  // The label's steps are B's, as the table says them.
  const stepsB = (await page.getByTestId('compare-metrics').locator('tr[data-row="steps"] td').nth(1).textContent())!.trim();
  await expect(button).toContainText(`, ${stepsB} steps`);
  await expect(button).toBeEnabled();
  await button.click();

  // As Train from Compare: the live run is shown (the Compare tab left), then it ends.
  await expect(page.getByTestId('compare-view')).toHaveCount(0);
  const state = page.getByTestId('train-state');
  await expect(state).not.toHaveAttribute('data-run-id', gan);
  await expect(state).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  const again = (await state.getAttribute('data-run-id'))!;
  expect([vae, gan]).not.toContain(again);
  // The form: A's own settings with B's batch, schedule and epochs.
  await expect(page.getByTestId('model-select')).toHaveValue('vae');
  await expect(page.getByTestId('hidden-input')).toHaveValue('32');
  await expect(page.getByTestId('latent-dim-input')).toHaveValue('2');
  await expect(page.getByTestId('epochs-input')).toHaveValue('1');
  await expect(page.getByTestId('batch-size-input')).toHaveValue('64');
  await expect(page.getByTestId('lr-schedule-select')).toHaveValue('linear-decay');
  await expect(page.getByTestId('train-batch-hint')).toHaveText(/Batch size 64: your choice; the VAE's default is 256\./);
  // Its default name says the batch and the schedule: not the first VAE's.
  await expect(page.locator(`[data-testid="run-item"][data-run-id="${again}"] .name`)).toHaveText(/^VAE z=2 batch 64 LR decay · mnist/);

  // Per kind: the VAE-GAN shows its own defaults (not a carried choice); back on the VAE, its choice is kept.
  await page.getByTestId('model-select').selectOption('vaegan');
  await expect(page.getByTestId('batch-size-input')).toHaveValue('64');
  await expect(page.getByTestId('train-batch-hint')).toHaveAttribute('data-chosen', 'false');
  await expect(page.getByTestId('lr-schedule-hint')).toHaveAttribute('data-chosen', 'false');
  await page.getByTestId('model-select').selectOption('vae');
  await expect(page.getByTestId('batch-size-input')).toHaveValue('64');
  await expect(page.getByTestId('lr-schedule-select')).toHaveValue('linear-decay');
  await expect(page.getByTestId('lr-schedule-hint')).toHaveAttribute('data-chosen', 'true');
  await page.getByTestId('train-batch-default').click();
  await expect(page.getByTestId('batch-size-input')).toHaveValue('256');

  // Back in Compare the new VAE is A beside the same VAE-GAN on its own (a tester had to pick it by
  // hand), its header telling it from the first VAE; the two trained alike: no offer.
  await page.getByTestId('tab-compare').click();
  await expect(page.getByTestId('compare-run-a')).toHaveValue(again);
  await expect(page.getByTestId('compare-run-b')).toHaveValue(gan);
  await expect(page.getByTestId('compare-head-a')).toHaveText(/^A · VAE z=2 batch 64 LR decay/);
  await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  // In the 1280×800 window its samples and reconstructions are as large as the panel allows (2× the
  // digits' pixels, Generate's rule), and the panel does not scroll sideways.
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const id of ['compare-samples-a', 'compare-samples-b', 'compare-originals', 'compare-recons-b']) await expect(page.getByTestId(id)).toHaveAttribute('data-size', '56', { timeout: 60_000 });
  const panel = page.locator('.panel.scroll');
  const box = (await panel.boundingBox())!;
  // The rightmost tiles: B's third sample of a row, B's sixth reconstruction.
  for (const [id, i] of [['compare-samples-b', 2], ['compare-recons-b', 5]] as const) {
    const right = (await page.getByTestId(id).locator('canvas').nth(i).boundingBox())!;
    expect(right.x + right.width).toBeLessThanOrEqual(box.x + box.width);
  }
  expect(await panel.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
  await page.screenshot({ path: test.info().outputPath('compare-1280x800-table.png') });
  await page.getByTestId('compare-images').scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('compare-1280x800-images.png') });
  await expect(page.getByTestId('compare-train-like')).toHaveCount(0);
});
