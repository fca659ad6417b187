/**
 * A conv VAE from the Train form in browser mode (issue #13's UI): the architecture picker, the
 * model card beside the form (parameters, MFLOP per sample, layers) following every change, a
 * filter list the image cannot take refused in words with Train held, and one epoch of a conv
 * VAE on the embedded MNIST trained from the UI, whose widths left on Auto stay automatic when the
 * run opens. Waits only for explicit states (data-state, data-params, aria values).
 */
import { test, expect } from './helpers/fixtures';

test('conv VAE from the form: model card, refusal in words, one epoch trained', async ({ page, lab }) => {
  // One conv epoch, its validation and the run's metrics (tfjs inference on the engine's thread):
  // ≈ 1 min on 2 idle cores (estimated from its CPU time), 3.7–4.2 min at load average 10–24.
  test.setTimeout(480_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(lab.url);
  const card = page.getByTestId('model-card');

  let dense = { params: 0, mflop: 0 };
  await test.step('the card describes the dense VAE on MNIST', async () => {
    await page.getByTestId('dataset-select').selectOption('mnist');
    await page.getByTestId('model-select').selectOption('vae');
    await page.getByTestId('arch-select').selectOption('dense');
    await page.getByTestId('latent-dim-input').fill('2');
    // aria-busy: the card for the last change is still awaited (a card for z = 3 may be shown).
    await expect(card).toHaveAttribute('aria-busy', 'false');
    await expect(card).toHaveAttribute('data-state', 'ready');
    await expect(card).toHaveAttribute('data-params', /^[1-9]\d*$/);
    // The card follows the form after a short debounce: read its number and its text together,
    // until they agree (the text is the number as a user reads it).
    const shown = page.getByTestId('model-card-params');
    await expect
      .poll(async () => {
        const [attr, text, mflop] = await Promise.all([card.getAttribute('data-params'), shown.textContent(), card.getAttribute('data-mflop')]);
        dense = { params: Number(attr), mflop: Number(mflop) };
        return text === dense.params.toLocaleString('en-US');
      })
      .toBe(true);
  });

  await test.step('conv: a smaller model that costs more per sample, with its conv layers listed', async () => {
    await page.getByTestId('arch-select').selectOption('conv');
    await expect(card).toHaveAttribute('aria-busy', 'false');
    await expect(card).toHaveAttribute('data-state', 'ready');
    const conv = { params: Number(await card.getAttribute('data-params')), mflop: Number(await card.getAttribute('data-mflop')) };
    // The Keras example's Dense 16 (not the dense model's 256): fewer weights, far more work.
    expect(conv.params).toBeLessThan(dense.params);
    expect(conv.mflop).toBeGreaterThan(5 * dense.mflop);
    await page.getByTestId('model-card').locator('summary').click();
    const layers = page.getByTestId('model-card-layers');
    await expect(layers.getByRole('row').filter({ hasText: 'Conv2DTranspose' })).toHaveCount(3);
    await expect(layers.getByRole('row').filter({ hasText: 'enc_dense_0' })).toContainText('16');
    // The placeholders say the defaults the engine will use.
    await expect(page.getByTestId('conv-filters-input')).toHaveAttribute('placeholder', 'Auto (32, 64)');
    await expect(page.getByTestId('conv-hidden-input')).toHaveAttribute('placeholder', 'Auto (16)');
  });

  await test.step('three stages on a 28×28 image: refused in words, Train held until fixed', async () => {
    await page.getByTestId('conv-filters-input').fill('8, 16, 32');
    await expect(page.getByTestId('model-card-error')).toContainText('halves exactly only 2 times');
    await expect(page.getByTestId('train-form-errors')).toContainText('halves exactly only 2 times');
    await expect(page.getByTestId('train-button')).toBeDisabled();
    await page.getByTestId('conv-filters-input').fill('');
    await expect(card).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('train-button')).toBeEnabled();
  });

  await test.step('one epoch of the conv VAE, trained on the kernels from the UI', async () => {
    await page.getByTestId('epochs-input').fill('1');
    const state = page.getByTestId('train-state');
    await page.getByTestId('train-button').click();
    await expect(state).toHaveAttribute('data-state', 'training', { timeout: 60_000 });
    await expect(state).toHaveAttribute('data-state', 'done', { timeout: 420_000 });
    await expect(page.getByTestId('train-progress')).toHaveAttribute('aria-valuenow', '100');
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-train-kernels', 'dense');
    await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-point-count', '2000');
    await expect(page.getByTestId('run-metrics')).toHaveAttribute('data-ready', 'true');
    // The widths left on Auto stay automatic after the run (they follow the next dataset's size); the card still describes it.
    await expect(page.getByTestId('arch-select')).toHaveValue('conv');
    await expect(page.getByTestId('conv-filters-input')).toHaveValue('');
    await expect(page.getByTestId('conv-hidden-input')).toHaveValue('');
    await expect(page.getByTestId('conv-filters-input')).toHaveAttribute('placeholder', 'Auto (32, 64)');
    await expect(card).toHaveAttribute('data-state', 'ready');
  });

  expect(errors).toEqual([]);
});
