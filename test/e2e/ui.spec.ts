/**
 * The exploration UI in browser mode, along a newcomer's path on the embedded MNIST: train a
 * small CVAE, look at the scatter (hover, click), reconstructions, generate, encode a drawn digit
 * and a non-image, export npz + imagefolder and read them back, then compare two runs.
 * Waits only for explicit ready states (data-state, data-ready, data-count), never for animation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';
import { digitPng, hoverSomePoint, train } from './ui-helpers';

test('newcomer path: train, explore, generate, encode, export, compare', async ({ page, lab }) => {
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(lab.url);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /^(wasm|cpu|tensorflow)$/);
  await expect(page.getByTestId('latent-scatter').getByText('The embedded MNIST is ready — press Train')).toBeVisible();

  await test.step('train a small CVAE; the scatter fills', async () => {
    await train(page, { model: 'cvae', dim: 2, epochs: 2 });
    // Switching to CVAE took its default β (5), since β was still the VAE default.
    await expect(page.getByTestId('beta-input')).toHaveValue('5');
    const scatter = page.getByTestId('latent-scatter');
    await expect(scatter).toHaveAttribute('data-ready', 'true');
    // After training the whole test split (2,000 digits) is shown.
    await expect(scatter).toHaveAttribute('data-point-count', '2000');
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', /^[1-9]\d*$/);
    // The status bar says how the run trained: the dense kernels, in worker threads.
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-train-kernels', 'dense');
    await expect(badge).toContainText(/dense ×\d/);
  });

  await test.step('hover shows original + reconstruction; click selects', async () => {
    const at = await hoverSomePoint(page);
    await expect(page.getByTestId('scatter-tooltip').getByRole('img', { name: 'original' })).toBeVisible();
    await expect(page.getByTestId('scatter-tooltip').getByRole('img', { name: 'reconstruction' })).toBeVisible();
    await page.mouse.click(at.x, at.y);
    await expect(page.getByTestId('decoded-inset')).toBeVisible();
    await expect(page.getByTestId('decoded-inset')).toContainText('test #');
  });

  await test.step('reconstructions, worst first; clicking one selects its point', async () => {
    await page.getByTestId('tab-recon').click();
    const grid = page.getByTestId('recon-grid');
    await expect(grid.getByTestId('recon-pair')).toHaveCount(24);
    await page.getByTestId('recon-worst').click();
    // The grid names the order of the page it shows: read the first pair only once the worst-first page is in.
    await expect(grid).toHaveAttribute('data-order', 'worst');
    await expect(grid).toHaveAttribute('aria-busy', 'false');
    await expect(grid.getByTestId('recon-pair')).toHaveCount(24);
    const first = grid.getByTestId('recon-pair').first();
    const index = await first.getAttribute('data-index');
    await first.click();
    await expect(page.getByTestId('decoded-inset')).toContainText(`test #${index}`);
  });

  await test.step('training points on demand: 2,000 test + 8,000 training points', async () => {
    const scatter = page.getByTestId('latent-scatter');
    await page.getByTestId('train-points-toggle').check();
    await expect(scatter).toHaveAttribute('data-point-count', '10000');
    await expect(scatter).toHaveAttribute('data-ready', 'true');
    await page.getByTestId('train-points-toggle').uncheck();
    await expect(scatter).toHaveAttribute('data-point-count', '2000');
  });

  await test.step('generate 16 images of one label', async () => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('generate-label-select').selectOption('7');
    await page.getByTestId('generate-count-input').fill('16');
    await page.getByTestId('generate-button').click();
    await expect(page.getByTestId('generated-grid')).toHaveAttribute('data-count', '16');
  });

  await test.step('encode a dropped digit; a non-image gets a clear error', async () => {
    await page.getByTestId('tab-encode').click();
    const png = await digitPng(page);
    // A real drop event on the drop zone, carrying a File.
    const dt = await page.evaluateHandle((bytes) => {
      const d = new DataTransfer();
      d.items.add(new File([new Uint8Array(bytes)], 'one.png', { type: 'image/png' }));
      return d;
    }, Array.from(png));
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dt });
    const result = page.getByTestId('encode-result');
    await expect(result).toHaveAttribute('data-latent', /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/);
    expect((await result.getAttribute('data-latent'))!.split(',')).toHaveLength(2);

    await page.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await expect(page.getByTestId('encode-error')).toBeVisible();
    await expect(page.getByTestId('encode-error')).toContainText('notes.txt');

    // The file input takes the same files as a drop, and recovers from the error.
    await page.getByTestId('file-input').setInputFiles({ name: 'one.png', mimeType: 'image/png', buffer: png });
    await expect(page.getByTestId('encode-error')).toHaveCount(0);
    await expect(result).toHaveAttribute('data-latent', /,/);
  });

  await test.step('export npz and imagefolder, read them back', async () => {
    await page.getByTestId('tab-export').click();
    const state = page.getByTestId('export-state');

    const npzDir = path.join(lab.outDir, 'exports-test', 'digits-npz');
    await page.getByTestId('export-format-select').selectOption('npz');
    await page.getByTestId('export-count-input').fill('5');
    await page.getByTestId('export-dir-input').fill(npzDir);
    await page.getByTestId('export-button').click();
    await expect(state).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await expect(state).toContainText(npzDir);
    expect(existsSync(path.join(npzDir, 'generated.npz'))).toBe(true);
    const npzManifest = JSON.parse(readFileSync(path.join(npzDir, 'manifest.json'), 'utf8'));
    expect(Object.values(npzManifest.countPerLabel as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(50);

    const folderDir = path.join(lab.outDir, 'exports-test', 'digits-folder');
    await page.getByTestId('export-format-select').selectOption('imagefolder');
    await page.getByTestId('export-count-input').fill('3');
    await page.getByTestId('export-dir-input').fill(folderDir);
    await page.getByTestId('export-button').click();
    await expect(state).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await expect(state).toContainText(folderDir);
    const labelDirs = readdirSync(folderDir, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(labelDirs).toHaveLength(10);
    let pngs = 0;
    for (const d of labelDirs) pngs += readdirSync(path.join(folderDir, d.name)).filter((f) => f.endsWith('.png')).length;
    expect(pngs).toBe(30);
  });

  await test.step('compare two runs', async () => {
    await train(page, { model: 'ae', dim: 2, epochs: 1 });
    await page.getByTestId('tab-compare').click();
    const view = page.getByTestId('compare-view');
    await expect(view).toContainText("how does a VAE's latent space differ from a plain autoencoder's?", { ignoreCase: true });
    await page.getByTestId('compare-button').click();
    await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    for (const side of ['a', 'b']) {
      const sc = page.getByTestId(`compare-scatter-${side}`);
      await expect(sc).toHaveAttribute('data-ready', 'true');
      await expect(sc).toHaveAttribute('data-point-count', '2000');
    }
    await expect(page.getByTestId('compare-metrics')).toContainText('k-NN accuracy');
  });

  expect(errors).toEqual([]);
});

test('a latent space above 3-D is projected (PCA, then UMAP); runs can be renamed and deleted', async ({ page, lab }) => {
  test.setTimeout(300_000);
  await page.goto(lab.url);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /\w/);
  await train(page, { model: 'vae', dim: 8, epochs: 1 });
  const scatter = page.getByTestId('latent-scatter');
  await expect(scatter).toHaveAttribute('data-point-count', '2000');
  await expect(scatter).toHaveAttribute('data-dim', '8');
  await expect(scatter).toHaveAttribute('data-projection', 'pca');
  await expect(scatter).toHaveAttribute('data-ready', 'true');

  await page.getByTestId('projection-select').selectOption('umap');
  await expect(scatter).toHaveAttribute('data-projection', 'umap', { timeout: 180_000 });
  await expect(scatter).toHaveAttribute('data-projecting', 'false');
  await expect(scatter).toHaveAttribute('data-ready', 'true');

  // This run's entry, by its id (other specs train a VAE z=8 in the same workspace).
  const runId = (await page.getByTestId('train-state').getAttribute('data-run-id'))!;
  const item = page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`);
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('VAE z=8');
  await item.getByRole('button', { name: /^Rename/ }).click();
  // While editing, the item shows a text box instead of its name.
  const nameBox = page.getByTestId('runs-list').getByRole('textbox', { name: 'Run name' });
  await nameBox.fill('eight dims');
  await nameBox.press('Enter');
  const renamed = page.getByTestId('run-item').filter({ hasText: 'eight dims' });
  await expect(renamed).toHaveCount(1);
  await renamed.getByRole('button', { name: 'Delete eight dims' }).click();
  await renamed.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(renamed).toHaveCount(0);
  await expect(scatter).toHaveAttribute('data-point-count', '0');
});
