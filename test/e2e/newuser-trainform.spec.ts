/**
 * The fresh-user report's items 1 and 2 in the browser: after a conv run on 28×28 images, the Train
 * form keeps its automatic settings automatic — colour 40×40 data then gets the 32×32 conv model
 * (filters 32, 64, 128 and Dense 256, not the run's 32, 64 and 16), Two moons gets "Auto (Gaussian)"
 * and trains — and an explicit Bernoulli on Two moons is refused in words before Train. Also: the
 * own-data path field is not red before anything is typed; the Two moons run exports embeddings
 * (the image formats are offered disabled). The data is small and made here (a 1-epoch
 * conv run on 50 images); waits only for explicit states.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { test, expect } from './helpers/fixtures';

/** IDX files (MNIST layout) of 28×28 bars, class 0 vertical, class 1 horizontal: `n` train and `n / 4` test images per class. */
function barsIdx(root: string, n: number): void {
  const images = (count: number) => {
    const head = Buffer.alloc(16);
    head.writeUInt32BE(0x00000803, 0);
    head.writeUInt32BE(2 * count, 4);
    head.writeUInt32BE(28, 8);
    head.writeUInt32BE(28, 12);
    const body = Buffer.alloc(2 * count * 784);
    for (let k = 0; k < 2 * count; k++) {
      const shift = (k >> 1) % 5;
      for (let a = 4; a < 24; a++) for (let b = 10 + shift; b < 14 + shift; b++) body[k * 784 + (k % 2 === 0 ? a * 28 + b : b * 28 + a)] = 255;
    }
    return Buffer.concat([head, body]);
  };
  const labels = (count: number) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(0x00000801, 0);
    head.writeUInt32BE(2 * count, 4);
    return Buffer.concat([head, Buffer.from(Array.from({ length: 2 * count }, (_, k) => k % 2))]);
  };
  writeFileSync(path.join(root, 'train-images-idx3-ubyte'), images(n));
  writeFileSync(path.join(root, 'train-labels-idx1-ubyte'), labels(n));
  writeFileSync(path.join(root, 't10k-images-idx3-ubyte'), images(n / 4));
  writeFileSync(path.join(root, 't10k-labels-idx1-ubyte'), labels(n / 4));
}

/** Two class folders of 40×40 RGB pictures (a coloured square on a light background). */
async function colourShapes(root: string): Promise<void> {
  for (const [name, color] of [['blue', [30, 60, 220]], ['red', [220, 40, 30]]] as const) {
    mkdirSync(path.join(root, name));
    for (let i = 0; i < 12; i++) {
      const px = Buffer.alloc(40 * 40 * 3, 235);
      const x0 = 4 + ((i * 7) % 20);
      for (let y = 8; y < 22; y++) for (let x = x0; x < x0 + 14; x++) px.set(color, (y * 40 + x) * 3);
      await sharp(px, { raw: { width: 40, height: 40, channels: 3 } }).png().toFile(path.join(root, name, `${i}.png`));
    }
  }
}

test('after a conv run the form stays automatic: colour data gets its own conv model, Two moons trains', async ({ page, lab }) => {
  test.setTimeout(300_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'latent-lab-trainform-'));
  const bars = path.join(root, 'bars');
  const shapes = path.join(root, 'shapes');
  mkdirSync(bars);
  mkdirSync(shapes);
  barsIdx(bars, 20);
  await colourShapes(shapes);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const card = page.getByTestId('model-card');
  const state = page.getByTestId('train-state');
  const filters = page.getByTestId('conv-filters-input');
  const denseUnits = page.getByTestId('conv-hidden-input');
  const likelihood = page.getByTestId('likelihood-select');

  try {
    await page.goto(lab.url);
    await test.step('your own data, nothing typed yet: the path field is not marked wrong', async () => {
      await page.getByTestId('dataset-select').selectOption('local');
      await expect(page.getByTestId('dataset-path-input')).toHaveValue('');
      await expect(page.getByTestId('dataset-path-input')).not.toHaveAttribute('aria-invalid', 'true');
    });

    await test.step('a 1-epoch conv VAE on 28×28 bars', async () => {
      await page.getByTestId('dataset-path-input').fill(bars);
      await page.getByTestId('dataset-check-button').click();
      await expect(page.getByTestId('dataset-check-result')).toHaveAttribute('data-shape', '28,28,1');
      await page.getByTestId('arch-select').selectOption('conv');
      await page.getByTestId('latent-dim-input').fill('2');
      await page.getByTestId('epochs-input').fill('1');
      await expect(card).toHaveAttribute('data-state', 'ready');
      await expect(filters).toHaveAttribute('placeholder', 'Auto (32, 64)');
      await page.getByTestId('train-button').click();
      await expect(state).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
      await expect(page.getByTestId('run-metrics')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    });

    await test.step('the run left the automatic settings automatic', async () => {
      await expect(page.getByTestId('arch-select')).toHaveValue('conv');
      await expect(filters).toHaveValue('');
      await expect(denseUnits).toHaveValue('');
      await expect(likelihood).toHaveValue('auto');
      await expect(likelihood.locator('option[value="auto"]')).toHaveText('Auto (Bernoulli)');
    });

    await test.step('colour 40×40 data: the 32×32 conv model, not the run’s 28×28 one', async () => {
      await page.getByTestId('dataset-path-input').fill(shapes);
      await page.getByTestId('dataset-check-button').click();
      await expect(page.getByTestId('dataset-check-result')).toHaveAttribute('data-shape', '32,32,3');
      await expect(card).toHaveAttribute('data-state', 'ready');
      await expect(filters).toHaveAttribute('placeholder', 'Auto (32, 64, 128)');
      await expect(denseUnits).toHaveAttribute('placeholder', 'Auto (256)');
      await card.locator('summary').click();
      await expect(page.getByTestId('model-card-layers').getByRole('row').filter({ hasText: 'enc_dense_0' })).toContainText('256');
    });

    await test.step('Two moons: Conv and Bernoulli are refused in the form’s words before Train; Auto reads Gaussian there', async () => {
      await page.getByTestId('dataset-select').selectOption('toy-moons');
      // Conv on 2-D points: the form says what to choose in the form, not a CLI flag.
      await page.getByTestId('arch-select').selectOption('conv');
      await expect(page.getByTestId('train-form-errors')).toContainText('choose Dense');
      await expect(page.getByTestId('train-form-errors')).not.toContainText('--arch');
      await expect(page.getByTestId('train-button')).toBeDisabled();
      await page.getByTestId('arch-select').selectOption('dense');
      await expect(likelihood.locator('option[value="auto"]')).toHaveText('Auto (Gaussian)');
      await likelihood.selectOption('bernoulli');
      await expect(page.getByTestId('train-form-errors')).toContainText('Bernoulli likelihood needs images');
      await expect(page.getByTestId('train-button')).toBeDisabled();
      await likelihood.selectOption('auto');
      await expect(page.getByTestId('train-form-errors')).toHaveCount(0);
    });

    await test.step('Two moons trains, and the next image run is Bernoulli again', async () => {
      await expect(card).toHaveAttribute('data-state', 'ready');
      await page.getByTestId('train-button').click();
      await expect(state).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
      await expect(page.getByTestId('train-error')).toHaveCount(0);
      await expect(likelihood).toHaveValue('auto');
      await page.getByTestId('dataset-select').selectOption('mnist');
      await expect(likelihood.locator('option[value="auto"]')).toHaveText('Auto (Bernoulli)');
    });

    await test.step('the Two moons run exports its embeddings; the image formats say they need images', async () => {
      await page.getByTestId('tab-export').click();
      const format = page.getByTestId('export-format-select');
      await expect(format).toHaveValue('embeddings');
      await expect(format.locator('option[value="imagefolder"]')).toBeDisabled();
      await expect(format.locator('option[value="idx"]')).toContainText('images only');
      const out = path.join(lab.outDir, 'moons-embeddings');
      await page.getByTestId('export-dir-input').fill(out);
      await page.getByTestId('export-button').click();
      await expect(page.getByTestId('export-state')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
      expect(existsSync(path.join(out, 'vectors.tsv'))).toBe(true);
    });
    expect(errors).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
