/**
 * The VAE-GAN in the UI (issue #15), browser mode on the embedded MNIST: the Train form's VAE-GAN
 * settings (shown for the VAE-GAN only, checked in words; the relativistic loss the default, the
 * chart's chance line then that loss's; a weight average of 1 said once, in the form's words, with no
 * model described), a VAE-GAN on 2-D points refused once in the form's words (its option disabled),
 * a tiny VAE and a VAE-GAN trained for one epoch each from the form, the discriminator's loss
 * curve, and Compare with both runs' samples, reconstructions and metric rows side by side.
 * The e2e suites run without the in-app classifier (LATENT_LAB_CLASSIFIER=0): the Fréchet and
 * reconstruction-accuracy rows are there, their numbers are not checked.
 * Waits only for explicit states (data-state, data-count, data-ready), never for time.
 */
import { testOwnServer as test, expect } from './helpers/fixtures';
import { trainTinyMnist } from './helpers/train';

const GAN_FIELDS = ['gan-gamma-input', 'gan-pixel-weight-input', 'gan-disc-lr-input'];

test('VAE-GAN: form settings, a toy refusal, the discriminator curve, and Compare beside a VAE', async ({ page, lab }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(lab.url);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);
  await expect(page.getByTestId('latent-scatter').getByText('The embedded MNIST is ready')).toBeVisible();

  await test.step('the VAE-GAN settings show for the VAE-GAN only, with the defaults as placeholders', async () => {
    await page.getByTestId('model-select').selectOption('vae');
    for (const id of GAN_FIELDS) await expect(page.getByTestId(id)).toHaveCount(0);
    await page.getByTestId('model-select').selectOption('vaegan');
    for (const id of GAN_FIELDS) {
      await expect(page.getByTestId(id)).toBeVisible();
      await expect(page.getByTestId(id)).toHaveValue('');
      await expect(page.getByTestId(id)).toHaveAttribute('placeholder', /^\d/);
    }
    // A bad value is said in words and holds Train; cleared, the default applies again.
    await page.getByTestId('gan-gamma-input').fill('-1');
    await expect(page.getByTestId('train-form-errors')).toContainText('γ must be a number from 0');
    await expect(page.getByTestId('train-button')).toBeDisabled();
    await page.getByTestId('gan-gamma-input').fill('');
    await expect(page.getByTestId('train-form-errors')).toHaveCount(0);
    // The block says what empty means and which way γ goes; the schedule why the VAE-GAN's default differs.
    await expect(page.getByTestId('gan-fields-hint')).toContainText('Empty = the default');
    await expect(page.getByTestId('gan-fields-hint')).toContainText('Higher γ');
    await expect(page.getByTestId('lr-schedule-hint')).toContainText("Linear decay: the VAE-GAN's default");
    // A weight average of 1: the form's sentence once, no raw schema text in the card's place or the list.
    await page.getByTestId('ema-decay-input').fill('1');
    await expect(page.getByTestId('train-form-errors').locator('li')).toHaveText(['Weight average decay must be a number from 0 (off) to 0.99999 (empty: the default).']);
    await expect(page.getByTestId('model-card')).toHaveAttribute('data-state', 'waiting');
    await expect(page.getByTestId('model-card-error')).toHaveCount(0);
    await expect(page.getByText('models:describe')).toHaveCount(0);
    await page.getByTestId('ema-decay-input').fill('');
    await expect(page.getByTestId('train-form-errors')).toHaveCount(0);
    await expect(page.getByTestId('model-card')).toHaveAttribute('data-state', 'ready');
    // Values off a 0.01 / 0.1 grid (γ 0.001, a scale of 0.25) pass the browser's own step check too.
    for (const [id, value] of [['gan-gamma-input', '0.001'], ['gan-pixel-weight-input', '0.25'], ['gan-disc-lr-input', '0.25']]) {
      const input = page.getByTestId(id);
      await input.fill(value);
      expect(await input.evaluate((el) => (el as HTMLInputElement).validity.valid), `${id} = ${value}`).toBe(true);
      await input.fill('');
    }
    await expect(page.getByTestId('train-form-errors')).toHaveCount(0);
    // The adversarial loss: the default, relativistic, shown and described; the standard one can be
    // chosen and the default chosen back (the VAE-GAN below trains with the default).
    const loss = page.getByTestId('gan-loss-select');
    await expect(loss).toHaveValue('relativistic');
    await expect(loss).toHaveAttribute('title', /^relativistic average GAN loss/);
    await loss.selectOption('standard');
    await expect(loss).toHaveAttribute('title', /^standard GAN loss/);
    await loss.selectOption('relativistic');
  });

  await test.step('on 2-D points a VAE-GAN is refused once, in the form’s words, its option disabled, and Train waits', async () => {
    await page.getByTestId('dataset-select').selectOption('toy-moons');
    await expect(page.getByTestId('train-form-errors').locator('li')).toHaveText([/^A VAE-GAN trains on images only .*Two moons is 2-D points/], { timeout: 30_000 });
    await expect(page.getByTestId('model-card-error')).toHaveCount(0);
    await expect(page.getByTestId('train-button')).toBeDisabled();
    const option = page.getByTestId('model-select').locator('option[value="vaegan"]');
    await expect(option).toBeDisabled();
    await expect(option).toHaveAttribute('title', /images only/);
    await page.getByTestId('model-select').selectOption('vae');
    await expect(page.getByTestId('train-form-errors')).toHaveCount(0, { timeout: 30_000 });
  });

  let vae = '';
  let gan = '';
  await test.step('a tiny VAE, then a VAE-GAN whose discriminator loss is drawn beside the others', async () => {
    vae = await trainTinyMnist(page, 'vae');
    await expect(page.getByTestId('loss-legend-disc')).toHaveCount(0);
    gan = await trainTinyMnist(page, 'vaegan');
    const chart = page.getByTestId('loss-chart');
    await expect(chart).toHaveAttribute('data-run-id', gan);
    await expect(chart).toHaveAttribute('data-gan-points', /^[1-9]\d*$/);
    await expect(page.getByTestId('loss-legend-disc')).toBeVisible();
    // It trained with the relativistic loss, the default: the chance line is that loss's.
    await expect(page.getByTestId('loss-legend-chance')).toHaveAttribute('data-gan-loss', 'relativistic');
    await expect(page.getByTestId('loss-legend-chance')).toContainText("discriminator's chance 2·ln 2 ≈ 1.39");
    await expect(page.getByTestId('runs-list')).toContainText('VAE-GAN');
  });

  await test.step('Compare: both runs’ samples, reconstructions and metric rows side by side', async () => {
    await page.getByTestId('tab-compare').click();
    // Suggested: the VAE against the VAE-GAN.
    await expect(page.getByTestId('compare-run-a')).toHaveValue(vae);
    await expect(page.getByTestId('compare-run-b')).toHaveValue(gan);
    await page.getByTestId('compare-button').click();
    const table = page.getByTestId('compare-metrics');
    await expect(table).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    await expect(table.locator('thead')).toContainText('A · VAE');
    await expect(table.locator('thead')).toContainText('B · VAE-GAN');
    for (const row of ['elbo', 'recon', 'knnAccuracy', 'frechet', 'reconAccuracy']) await expect(table.locator(`tr[data-row="${row}"]`)).toHaveCount(1);
    // No classifier in the e2e suites: no number in those two rows, said as '—'.
    await expect(table.locator('tr[data-row="frechet"] td').first()).toHaveText('—');
    await expect(page.getByTestId('compare-images')).toBeVisible({ timeout: 60_000 });
    const originals = Number(await page.getByTestId('compare-originals').getAttribute('data-count'));
    expect(originals).toBeGreaterThan(0);
    for (const side of ['a', 'b']) {
      await expect(page.getByTestId(`compare-samples-${side}`)).toHaveAttribute('data-count', '16');
      await expect(page.getByTestId(`compare-recons-${side}`)).toHaveAttribute('data-count', String(originals));
      await expect(page.getByTestId(`compare-samples-${side}`).locator('canvas')).toHaveCount(16);
    }
  });

  expect(errors).toEqual([]);
});
