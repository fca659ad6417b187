/**
 * Two findings of a fresh tester, through the page's test ids and visible text:
 * - Esc during training closes what is open (the help, a clicked point's card and its nearest
 *   training images) and never stops the run: it used to stop it ("saved: 10 epochs", cancelled)
 *   while the card stayed open;
 * - on a CVAE, changing "Label the image shows" encodes the shown image again under that label
 *   (it used to keep the best-fit result under a picker that said otherwise).
 * Waits only for explicit state (data-* attributes, visible text).
 */
import { test, expect } from './helpers/fixtures';
import { digitPng, hoverSomePoint, startTraining } from './ui-helpers';

test('Esc never stops training and closes a clicked point; a new CVAE label re-encodes the image', async ({ page, lab }) => {
  test.setTimeout(300_000);
  await page.goto(lab.url);
  const state = page.getByTestId('train-state');

  await test.step('Esc while training: the help closes, the run goes on to its end', async () => {
    // 20 epochs: long enough to be seen training (2 once ended before 'training' was read, on a loaded machine).
    await startTraining(page, { model: 'cvae', dim: 2, epochs: 20 });
    await expect(state).toHaveAttribute('data-state', 'training');
    await page.locator('body').press('Escape');
    await page.locator('body').press('?');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('never stops training: that is the Stop button');
    await page.locator('body').press('Escape');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toHaveCount(0);
    await page.locator('body').press('Escape');
    // A stopped run shows as 'done' too: only a run that went on to its end is at 100 %.
    await expect(state).toHaveAttribute('data-state', /done|failed/, { timeout: 240_000 });
    await expect(page.getByTestId('train-progress')).toHaveAttribute('aria-valuenow', '100');
  });

  await test.step('Esc closes a clicked point’s card and its nearest training images', async () => {
    const at = await hoverSomePoint(page);
    await page.mouse.click(at.x, at.y);
    await expect(page.getByTestId('decoded-inset')).toBeVisible();
    await expect(page.getByTestId('neighbours-strip')).toBeVisible();
    await page.locator('body').press('Escape');
    await expect(page.getByTestId('decoded-inset')).toHaveCount(0);
    await expect(page.getByTestId('neighbours-strip')).toHaveCount(0);
  });

  await test.step('a new label in the picker encodes the image again under it', async () => {
    await page.getByTestId('tab-encode').click();
    await page.getByTestId('file-input').setInputFiles({ name: 'one.png', mimeType: 'image/png', buffer: await digitPng(page) });
    const result = page.getByTestId('encode-result');
    await expect(page.getByTestId('encode-label-fit')).toContainText('Best-fitting label');
    const auto = await result.getAttribute('data-latent');
    const fitted = Number(await page.getByTestId('encode-label-fit').getAttribute('data-label'));
    const other = String((fitted + 1) % 10);
    await page.getByTestId('encode-label-select').selectOption(other);
    await expect(page.getByText(`Encoded as “${other}”, the label you picked.`)).toBeVisible();
    await expect(page.getByTestId('encode-label-fit')).toHaveCount(0);
    await expect(result).not.toHaveAttribute('data-latent', auto!);
    await expect(result).toContainText('Latent mean μ ± posterior σ');
    await expect(result.locator('li').first()).toHaveText(/^z0 −?-?\d+\.\d{3} ± \d+\.\d{2}$/);
    // Back to auto: the best fit again.
    await page.getByTestId('encode-label-select').selectOption({ label: 'auto (best fit)' });
    await expect(page.getByTestId('encode-label-fit')).toHaveAttribute('data-label', String(fitted));
    await expect(result).toHaveAttribute('data-latent', auto!);
  });
});
