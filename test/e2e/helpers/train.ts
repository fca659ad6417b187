/**
 * Training from the Train form in e2e specs. Waits only for explicit states (data-run-id,
 * data-state, aria-valuenow), never for time.
 */
import { expect, type Page } from '@playwright/test';

/**
 * Train a tiny `kind` (dense, 32 hidden units, latent 2, one epoch) on the embedded MNIST from
 * the form; resolves with the run's id once it is done and its progress reads 100.
 */
export async function trainTinyMnist(page: Page, kind: 'vae' | 'vaegan'): Promise<string> {
  const state = page.getByTestId('train-state');
  const before = (await state.getAttribute('data-run-id')) ?? '';
  await page.getByTestId('dataset-select').selectOption('mnist');
  await page.getByTestId('model-select').selectOption(kind);
  await page.getByTestId('arch-select').selectOption('dense');
  await page.getByTestId('hidden-input').fill('32');
  await page.getByTestId('latent-dim-input').fill('2');
  await page.getByTestId('epochs-input').fill('1');
  await expect(page.getByTestId('train-button')).toBeEnabled({ timeout: 30_000 });
  await page.getByTestId('train-button').click();
  await expect(state).not.toHaveAttribute('data-run-id', before);
  await expect(state).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await expect(page.getByTestId('train-progress')).toHaveAttribute('aria-valuenow', '100');
  return (await state.getAttribute('data-run-id'))!;
}
