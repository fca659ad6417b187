/**
 * Issue #14, fixes a, e, g, h, i in browser mode: a saved run opens with its own settings, loss
 * curves and metrics (also after a reload); runs with the same settings get distinct names; the
 * centre header fits at 1280×800; validation in words; "paused" instead of an ETA; the manifold's
 * and the 3-D scatter's axes are named. Waits only on explicit states (data-*), never on time.
 */
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { startTraining, train } from './ui-helpers';

test.use({ viewport: { width: 1280, height: 800 } });

/** The id of the run the Train panel trained last. */
async function lastRunId(page: Page): Promise<string> {
  return (await page.getByTestId('train-state').getAttribute('data-run-id'))!;
}

function runItem(page: Page, runId: string): Locator {
  return page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`);
}

/** Open a saved run from the list and wait until its points are drawn. */
async function openRun(page: Page, runId: string): Promise<void> {
  await runItem(page, runId).locator('button.open').click();
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-run-id', runId);
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');
}

test('an opened run shows its own settings, curves and metrics, also after a reload; names are distinct', async ({ page, lab }) => {
  test.setTimeout(420_000);
  await page.goto(lab.url);

  let vae = '';
  let cvae = '';
  await test.step('train a VAE (z=2, 2 epochs), then a CVAE (z=3, 3 epochs)', async () => {
    await train(page, { model: 'vae', dim: 2, epochs: 2 });
    vae = await lastRunId(page);
    await train(page, { model: 'cvae', dim: 3, epochs: 3 });
    cvae = await lastRunId(page);
    await expect(page.getByTestId('model-select')).toHaveValue('cvae');
    await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-axes', 'z0,z1,z2');
  });

  await test.step('opening the VAE brings its settings, its 2 epochs of curves and its metrics', async () => {
    await openRun(page, vae);
    await expect(page.getByTestId('model-select')).toHaveValue('vae');
    await expect(page.getByTestId('latent-dim-input')).toHaveValue('2');
    await expect(page.getByTestId('epochs-input')).toHaveValue('2');
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '2');
    const metrics = page.getByTestId('run-metrics');
    await expect(metrics).toHaveAttribute('data-run-id', vae);
    await expect(metrics).toHaveAttribute('data-ready', 'true');
    await expect(metrics).toContainText('test −ELBO');
    await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-axes', 'z0,z1');
  });

  await test.step('after a reload the same run, settings and curves are back', async () => {
    await page.reload();
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-run-id', vae);
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '2');
    await expect(page.getByTestId('model-select')).toHaveValue('vae');
    await expect(page.getByTestId('run-metrics')).toHaveAttribute('data-ready', 'true');
  });

  await test.step('the CVAE again: its 3 epochs and its settings', async () => {
    await openRun(page, cvae);
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '3');
    await expect(page.getByTestId('model-select')).toHaveValue('cvae');
    await expect(page.getByTestId('latent-dim-input')).toHaveValue('3');
  });

  await test.step('a second run with the VAE’s settings gets its own name', async () => {
    await train(page, { model: 'vae', dim: 2, epochs: 2 });
    const again = await lastRunId(page);
    const names = await page.getByTestId('run-item').locator('.name').allTextContents();
    expect(new Set(names).size).toBe(names.length);
    const first = (await runItem(page, vae).locator('.name').textContent())!;
    // The same default name with the next free number: other specs in this workspace may have
    // trained a "VAE z=2 · mnist" before, so the first may already be "… (2)" and this "… (3)".
    const base = first.replace(/ \((\d+)\)$/, '');
    const n = Number(/ \((\d+)\)$/.exec(first)?.[1] ?? 1);
    const againName = runItem(page, again).locator('.name');
    await expect(againName).toHaveText(new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((\\d+)\\)$`));
    expect(Number(/ \((\d+)\)$/.exec((await againName.textContent())!)![1])).toBeGreaterThan(n);
  });

  await test.step('your own data is not offered as a download', async () => {
    const own = page.getByTestId('dataset-select').locator('option[value="local"]');
    await expect(own).toHaveCount(1);
    await expect(own).not.toContainText('download');
  });
});

test('the centre header fits at 1280×800; axes are named; validation in words; paused; manifold axes', async ({ page, lab }) => {
  test.setTimeout(420_000);
  await page.goto(lab.url);

  await test.step('validation messages are sentences, not field names', async () => {
    await page.getByTestId('latent-dim-input').fill('99');
    const errors = page.getByTestId('train-form-errors');
    await expect(errors).toContainText('Latent size must be a whole number from 2 to 64');
    await expect(errors).not.toContainText('latentDim');
    await expect(page.getByTestId('train-button')).toBeDisabled();
    await page.getByTestId('latent-dim-input').fill('8');
    await expect(errors).toHaveCount(0);
  });

  await test.step('an 8-D VAE with a long name: ellipsised title with a tooltip, the picker clear of its label', async () => {
    await train(page, { model: 'vae', dim: 8, epochs: 1 });
    const id = await lastRunId(page);
    const long = 'A very long run name that a newcomer typed to remember what this experiment was about, beta and all';
    const item = runItem(page, id);
    await item.getByRole('button', { name: /^Rename/ }).click();
    const input = item.getByRole('textbox', { name: 'Run name' });
    await input.fill(long);
    await input.press('Enter');
    await expect(item.locator('.name')).toHaveText(long);
    const title = page.getByTestId('scatter-title');
    await expect(title).toHaveText(long);
    await expect(title).toHaveAttribute('title', long);
    const scatter = page.getByTestId('latent-scatter');
    await expect(scatter).toHaveAttribute('data-ready', 'true');
    await expect(scatter).toHaveAttribute('data-axes', 'PC1,PC2,PC3');
    // Ellipsised: the text is wider than its box; the header itself does not overflow.
    expect(await title.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    const header = title.locator('xpath=ancestor::header[1]');
    expect(await header.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    const select = page.getByTestId('projection-select');
    const label = header.getByText('Projection', { exact: true });
    const a = (await label.boundingBox())!;
    const b = (await select.boundingBox())!;
    expect(a.x + a.width).toBeLessThanOrEqual(b.x + 0.5);
    const bar = (await header.boundingBox())!;
    expect(b.x + b.width).toBeLessThanOrEqual(bar.x + bar.width);
    await expect(scatter).not.toContainText('Projecting 8-D → 8-D');
  });

  await test.step('the manifold grid shows its z values on its axes', async () => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('manifold-button').click();
    const grid = page.getByTestId('manifold-grid');
    await expect(grid).toHaveAttribute('data-dims', '0,1');
    await expect(page.getByTestId('manifold-axis-x')).toContainText('z0');
    await expect(page.getByTestId('manifold-axis-x')).toContainText(/-\d+\.\d.*\d+\.\d/);
    await expect(page.getByTestId('manifold-axis-y')).toContainText('z1');
  });

  await test.step('while paused the ETA reads "paused"', async () => {
    await startTraining(page, { model: 'vae', dim: 2, epochs: 500 });
    await expect(page.getByTestId('train-eta')).toContainText('ETA');
    await page.getByTestId('train-button').click(); // Pause
    await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'paused');
    await expect(page.getByTestId('train-eta')).toHaveText('paused');
    await page.getByTestId('stop-button').click();
    await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    // Stopped: where it stopped and what was saved, not the live numbers frozen mid-epoch.
    await expect(page.getByTestId('train-eta')).toHaveText(/^saved: \d+ epochs?$/);
    await expect(page.getByTestId('train-progress').locator('xpath=following-sibling::div[1]')).toContainText(/stopped in epoch \d+\/500/);
  });
});
