/**
 * What a new user's trial found, as the page shows it (browser mode): the model card's layer
 * table fits the Train panel at the default width (no cut-off params column, no sideways scroll);
 * with "Your own data" selected and nothing trained the empty scatter does not say MNIST; a run
 * too short to learn much says so (optimiser steps) in `train-warnings`, and the notice is still
 * there after the run has ended. Waits only for explicit states.
 */
import { test, expect } from './helpers/fixtures';

test('model card fits, own-data wording, start notices after the run', async ({ page, lab }) => {
  test.setTimeout(300_000);
  await page.goto(lab.url);
  const card = page.getByTestId('model-card');

  await test.step('the conv card\'s layer table fits its card (params column visible)', async () => {
    await page.getByTestId('dataset-select').selectOption('mnist');
    await page.getByTestId('arch-select').selectOption('conv');
    await expect(card).toHaveAttribute('data-state', 'ready');
    await card.locator('summary').click();
    const layers = page.getByTestId('model-card-layers');
    await expect(layers.getByRole('row').filter({ hasText: 'Conv2DTranspose' })).toHaveCount(3);
    const fit = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="model-card"]') as HTMLElement;
      const t = document.querySelector('[data-testid="model-card-layers"]') as HTMLElement;
      const panel = c.closest('section') as HTMLElement;
      return { table: t.getBoundingClientRect().right, card: c.getBoundingClientRect().right, panelScroll: panel.scrollWidth - panel.clientWidth };
    });
    expect(fit.table).toBeLessThanOrEqual(fit.card + 0.5);
    expect(fit.panelScroll).toBeLessThanOrEqual(0);
    await page.getByTestId('arch-select').selectOption('dense');
  });

  await test.step('"Your own data" selected: the empty scatter names it, not MNIST', async () => {
    const scatter = page.getByTestId('latent-scatter');
    await expect(scatter.getByText('The embedded MNIST is ready')).toBeVisible();
    await page.getByTestId('dataset-select').selectOption('local');
    await expect(scatter.getByText('Choose your data on the left')).toBeVisible();
    await expect(scatter.getByText('The embedded MNIST is ready')).toHaveCount(0);
    await page.getByTestId('dataset-select').selectOption('mnist');
  });

  await test.step('a one-epoch run warns of its few optimiser steps, during and after the run', async () => {
    await page.getByTestId('latent-dim-input').fill('2');
    await page.getByTestId('epochs-input').fill('1');
    await page.getByTestId('train-button').click();
    const warnings = page.getByTestId('train-warnings');
    await expect(warnings).toContainText(/only \d+ optimiser steps in all/);
    await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
    await expect(warnings).toContainText(/only \d+ optimiser steps in all/);
    await expect(warnings).toContainText('more epochs');
  });
});
