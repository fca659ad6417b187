/**
 * The exploration instruments of issue #14 in browser mode, through their test ids and visible
 * text: latent sliders, the traversal grid (and its PNG), KL per dimension, denoising, typicality
 * of a drawn, a noise and a colour photo image (with the reason in words), images in the cloud with nearest neighbours, the collapse
 * warning of a β = 100 run, and toy 2-D data in data space. Each test trains its own small run.
 * Waits only for explicit state (data-* attributes), never for animation.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { digitPng, hoverSomePoint, train } from './ui-helpers';

/** A PNG of uniform random noise, made by the page's own canvas. */
async function noisePng(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const c = new OffscreenCanvas(56, 56);
    const g = c.getContext('2d')!;
    const img = g.createImageData(56, 56);
    let s = 12345;
    for (let i = 0; i < img.data.length; i += 4) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const v = s >>> 24;
      img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
      img.data[i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    const blob = await c.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** A 256×256 colour "photo" (sky gradient, sun, a block, noise), made by the page's own canvas. */
async function photoPng(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const c = new OffscreenCanvas(256, 256);
    const g = c.getContext('2d')!;
    const sky = g.createLinearGradient(0, 0, 0, 256);
    sky.addColorStop(0, '#5a8ce6');
    sky.addColorStop(0.6, '#b4d2c8');
    sky.addColorStop(0.6, '#4c7832');
    sky.addColorStop(1, '#6e9a3c');
    g.fillStyle = sky;
    g.fillRect(0, 0, 256, 256);
    g.fillStyle = '#fadc3c';
    g.beginPath();
    g.arc(190, 50, 25, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = '#aa5032';
    g.fillRect(40, 100, 80, 90);
    const img = g.getImageData(0, 0, 256, 256);
    let s = 777;
    for (let i = 0; i < img.data.length; i += 4) {
      for (let k = 0; k < 3; k++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        img.data[i + k] = Math.max(0, Math.min(255, img.data[i + k] + ((s >>> 24) - 128) / 8));
      }
    }
    g.putImageData(img, 0, 0);
    const blob = await c.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** Set a range input's value as a drag does (an `input` event per value). */
async function drag(page: Page, testid: string, values: number[]): Promise<void> {
  await page.getByTestId(testid).evaluate((el, vs) => {
    const input = el as HTMLInputElement;
    for (const v of vs) {
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }, values);
}

test('latent sliders, traversal grid, KL bars, denoising, typicality, images in the cloud', async ({ page, lab }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(lab.url);
  await train(page, { model: 'vae', dim: 3, epochs: 2 });
  await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');

  await test.step('KL per dimension with the active units, in the run summary and the Explore tab', async () => {
    const summary = page.getByTestId('kl-bars');
    await expect(summary).toHaveAttribute('data-dims', '3');
    await expect(summary).toContainText(/\d\/3 active/);
    await summary.click(); // opens the Explore tab
    const bars = page.getByTestId('kl-chart');
    await expect(bars).toHaveAttribute('data-dims', '3');
    await expect(bars).toContainText(/\d of 3 units active/);
    expect(Number(await bars.getAttribute('data-total-kl'))).toBeGreaterThan(0.1);
    // The summary's bars come from the run's metrics, the chart from model:dimStats: the same KL.
    expect(Number(await summary.getAttribute('data-total-kl'))).toBeCloseTo(Number(await bars.getAttribute('data-total-kl')), 1);
    // This run's warnings (the run list also flags other specs' runs in the shared workspace).
    await expect(page.locator('[data-testid="collapse-warning"]:not([data-where="runs"])')).toHaveCount(0);
  });

  await test.step('sliders start at the prior mean; dragging one decodes its last position', async () => {
    const image = page.getByTestId('slider-image');
    await expect(image).toHaveAttribute('data-z', '0.000,0.000,0.000');
    for (let i = 0; i < 3; i++) await expect(page.getByTestId(`latent-slider-${i}`)).toHaveAttribute('type', 'range');
    await expect(image.getByRole('img', { name: 'decoded slider point' })).toBeVisible();
    await drag(page, 'latent-slider-1', [0.2, 0.4, 0.8, 1.2, 1.6, 2]);
    await expect(image).toHaveAttribute('data-z', '0.000,2.000,0.000');
    const decodes = Number(await image.getAttribute('data-decodes'));
    // Coalesced: the six moves took at most six decodes (and at least the last one).
    expect(decodes).toBeGreaterThanOrEqual(2);
    expect(decodes).toBeLessThanOrEqual(7);
  });

  await test.step('a selected point starts the sliders at its latent', async () => {
    const at = await hoverSomePoint(page);
    await page.mouse.click(at.x, at.y);
    await expect(page.getByTestId('decoded-inset')).toContainText('test #');
    const name = (await page.getByTestId('decoded-inset').textContent())!.match(/test #\d+/)![0];
    await page.getByRole('button', { name: 'Selected point' }).click();
    await expect(page.getByText(`At ${name}`)).toBeVisible();
    await expect(page.getByTestId('slider-image')).not.toHaveAttribute('data-z', '0.000,2.000,0.000');
  });

  await test.step('traversal grid: rows by KL, most first; saved as a PNG', async () => {
    await page.getByTestId('traversal-k-input').fill('2');
    await page.getByTestId('traversal-button').click();
    const grid = page.getByTestId('traversal-grid');
    await expect(grid).toHaveAttribute('data-rows', '3');
    await expect(grid).toHaveAttribute('data-cols', '7');
    await expect(grid).toHaveAttribute('data-k', '2');
    const labels = await grid.locator('tbody th').allTextContents();
    const kls = labels.map((t) => Number(/· ([\d.]+) nats/.exec(t)![1]));
    expect(kls).toEqual([...kls].sort((a, b) => b - a));
    await expect(grid.locator('thead th').nth(1)).toHaveText('-2.0');
    const download = page.waitForEvent('download');
    await page.getByTestId('traversal-save').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/-traversal\.png$/);
    const png = readFileSync(await file.path());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // IHDR: width and height (a 7-column grid is wider than its 3 rows are tall).
    expect(png.readUInt32BE(16)).toBeGreaterThan(png.readUInt32BE(20));
  });

  await test.step('denoising: the noise level follows the slider', async () => {
    const view = page.getByTestId('denoise-view');
    await expect(view).toHaveAttribute('data-index', '0');
    await drag(page, 'denoise-noise-slider', [0.5, 0.8]);
    await expect(view).toHaveAttribute('data-sigma', '0.8');
    await expect(view.getByRole('img', { name: 'reconstruction of the noisy input' })).toBeVisible();
    await page.getByTestId('denoise-index-input').fill('17');
    await page.getByTestId('denoise-index-input').press('Enter');
    await expect(view).toHaveAttribute('data-index', '17');
  });

  await test.step('typicality: a drawn digit is scored; noise and a colour photo do not look like the training data, and it says why', async () => {
    await page.getByTestId('tab-encode').click();
    await page.getByTestId('file-input').setInputFiles({ name: 'one.png', mimeType: 'image/png', buffer: await digitPng(page) });
    const typ = page.getByTestId('typicality');
    await expect(typ).toHaveAttribute('data-percentile', /^\d+(\.\d)?$/);
    await expect(typ).toHaveAttribute('data-rate-percentile', /^\d+(\.\d)?$/);
    await page.getByTestId('file-input').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: await noisePng(page) });
    await expect(typ).toHaveAttribute('data-flagged', 'true');
    await expect(typ).toHaveAttribute('data-reason', 'score-high');
    expect(Number(await typ.getAttribute('data-percentile'))).toBeGreaterThan(99);
    await expect(typ).toContainText('This does not look like the training data');
    await expect(page.getByTestId('typicality-reason')).toContainText('worse than');
    // MNIST-style preprocessing leaves a faint smudge of the photo; its −ELBO may lie among the
    // digits', but the encoder finds nothing in it to encode.
    await page.getByTestId('file-input').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await photoPng(page) });
    await expect(typ).toHaveAttribute('data-flagged', 'true');
    await expect(typ).toHaveAttribute('data-reason', 'rate-low');
    await expect(page.getByTestId('typicality-reason')).toContainText('finds almost nothing in it to encode');
  });

  await test.step('images in the cloud; a selected point shows its nearest neighbours', async () => {
    const toggle = page.getByTestId('scatter-images-toggle');
    await toggle.check();
    await expect(toggle).toHaveAttribute('data-state', 'ready');
    const scatter = page.getByTestId('latent-scatter');
    await expect(scatter).toHaveAttribute('data-images', '2000');
    const at = await hoverSomePoint(page);
    await page.mouse.click(at.x, at.y);
    const strip = page.getByTestId('neighbours-strip');
    await expect(strip).toHaveAttribute('data-count', '8');
    await expect(strip.getByRole('img', { name: 'neighbour 1' })).toBeVisible();
    await toggle.uncheck();
    await expect(scatter).toHaveAttribute('data-images', '0');
  });

  expect(errors).toEqual([]);
});

test('a collapsed run is called out at the end of training, in the run list, before an export and where it generates', async ({ page, lab }) => {
  test.setTimeout(240_000);
  await page.goto(lab.url);
  await page.getByTestId('dataset-select').selectOption('mnist');
  await page.getByTestId('model-select').selectOption('vae');
  await page.getByTestId('beta-input').fill('100');
  await train(page, { model: 'vae', dim: 3, epochs: 1 });
  await expect(page.getByTestId('collapse-warning').and(page.locator('[data-where="training"]'))).toContainText('This run collapsed');
  // This run's entry (other specs' runs share the workspace, and collapsed ones are flagged too).
  const runId = (await page.getByTestId('train-state').getAttribute('data-run-id'))!;
  await expect(page.getByTestId('runs-list').locator(`[data-run-id="${runId}"]`).getByTestId('collapse-warning')).toHaveAttribute('data-where', 'runs');
  await page.getByTestId('tab-export').click();
  await expect(page.getByTestId('collapse-warning').and(page.locator('[data-where="export"]'))).toBeVisible();
  // The Generate tab, where the near-identical samples appear, says so too.
  await page.getByTestId('tab-generate').click();
  await expect(page.getByTestId('collapse-warning').and(page.locator('[data-where="generate"]'))).toContainText('This run collapsed');
  await page.getByTestId('tab-explore').click();
  await expect(page.getByTestId('kl-chart')).toHaveAttribute('data-dims', '3');
  expect(Number(await page.getByTestId('kl-chart').getAttribute('data-total-kl'))).toBeLessThan(0.1);
});

test('toy 2-D data (a CVAE): a data-space plot beside the latent scatter; image views say they are for images', async ({ page, lab }) => {
  test.setTimeout(240_000);
  await page.goto(lab.url);
  await page.getByTestId('dataset-select').selectOption('toy-moons');
  await page.getByTestId('model-select').selectOption('cvae');
  await page.getByTestId('latent-dim-input').fill('2');
  await page.getByTestId('epochs-input').fill('3');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const plot = page.getByTestId('data-space-plot');
  await expect(plot).toHaveAttribute('data-count', '1000');
  await expect(plot).toHaveAttribute('data-prior', '300');
  await expect(page.getByTestId('latent-scatter')).toBeVisible();
  // Side by side.
  const [a, b] = [(await page.getByTestId('latent-scatter').boundingBox())!, (await plot.boundingBox())!];
  expect(b.x).toBeGreaterThanOrEqual(a.x + a.width - 1);

  const canvas = plot.getByRole('img', { name: /in data space/ });
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width * 0.5, y: box.height * 0.4 } });
  await expect(plot).toHaveAttribute('data-encoded', /^-?\d+\.\d{3},-?\d+\.\d{3}$/);
  await expect(plot).toContainText('z = (');

  // "Sample from" the fitted mixture (the run's, fitted at its end): the samples are drawn again from it, and say how far they land from the data.
  const samples = page.getByTestId('data-space-samples');
  await expect(plot).toHaveAttribute('data-samples-from', 'standard');
  await expect(samples).toContainText('300 samples from the prior, N(0, I)');
  await page.getByTestId('data-space-prior').getByText('where the data lies (fitted mixture)').click();
  await expect(plot).toHaveAttribute('data-samples-from', 'fitted');
  await expect(samples).toContainText('300 samples from where the data lies (fitted mixture)');
  await expect(plot).toHaveAttribute('data-prior', '300');
  expect(Number(await samples.getAttribute('data-near'))).toBeGreaterThanOrEqual(0);

  await page.getByTestId('tab-recon').click();
  await expect(page.getByTestId('images-only')).toContainText('Reconstruction pairs are for image datasets');
  await page.getByTestId('tab-explore').click();
  await expect(page.getByTestId('images-only').first()).toContainText('for image datasets');
  const image = page.getByTestId('slider-image');
  await expect(image).toContainText('x = (');
  // The CVAE's label picker: the same point decoded as the other moon lands elsewhere.
  const before = await image.textContent();
  const decodes = Number(await image.getAttribute('data-decodes'));
  await page.getByTestId('slider-label-select').selectOption({ label: 'lower moon' });
  await expect(image).toHaveAttribute('data-decodes', String(decodes + 1));
  expect(await image.textContent()).not.toBe(before);
  await expect(page.getByTestId('scatter-images-toggle')).toBeDisabled();
});
