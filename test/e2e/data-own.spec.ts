/**
 * Issue #12 in the UI (browser mode): your own data opened by path, checked before training —
 * kind, classes with counts, shape and colour, the split, what was skipped and why, and each class
 * as it will be trained — with the import options (size, colour, transpose) changing what is
 * reported; a colour dataset trained end to end and drawn in colour; a link dragged from a web
 * page only gets a message. The datasets are small and made here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import sharp from 'sharp';
import { test, expect } from './helpers/fixtures';
import { hoverSomePoint } from './ui-helpers';

/** A 48×40 RGB picture: a `color` square at a spot that depends on `i`, on a light background. */
async function picture(file: string, color: [number, number, number], i: number): Promise<void> {
  const w = 48;
  const h = 40;
  const px = Buffer.alloc(w * h * 3, 235);
  const x0 = 6 + ((i * 7) % 24);
  const y0 = 6 + ((i * 5) % 16);
  for (let y = y0; y < y0 + 14; y++) for (let x = x0; x < x0 + 14; x++) px.set(color, (y * w + x) * 3);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

/** A class folder per colour (20 pictures each) and a stray text file. */
async function colourFolder(root: string): Promise<void> {
  for (const [name, color] of [['blue', [30, 60, 220]], ['red', [220, 40, 30]]] as const) {
    mkdirSync(path.join(root, name));
    for (let i = 0; i < 20; i++) await picture(path.join(root, name, `${i}.png`), [...color], i);
  }
  writeFileSync(path.join(root, 'red', 'notes.txt'), 'not an image');
}

/** IDX files (MNIST layout) of 28×28 bars: class 0 vertical, class 1 horizontal; 20 + 5 of each. */
function idxFolder(root: string): void {
  const images = (n: number) => {
    const head = Buffer.alloc(16);
    head.writeUInt32BE(0x00000803, 0);
    head.writeUInt32BE(2 * n, 4);
    head.writeUInt32BE(28, 8);
    head.writeUInt32BE(28, 12);
    const body = Buffer.alloc(2 * n * 784);
    for (let k = 0; k < 2 * n; k++) {
      const vertical = k % 2 === 0;
      const shift = (k >> 1) % 3;
      for (let a = 4; a < 24; a++) for (let b = 12 + shift; b < 16 + shift; b++) body[k * 784 + (vertical ? a * 28 + b : b * 28 + a)] = 255;
    }
    return Buffer.concat([head, body]);
  };
  const labels = (n: number) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(0x00000801, 0);
    head.writeUInt32BE(2 * n, 4);
    return Buffer.concat([head, Buffer.from(Array.from({ length: 2 * n }, (_, k) => k % 2))]);
  };
  writeFileSync(path.join(root, 'train-images-idx3-ubyte'), images(20));
  writeFileSync(path.join(root, 'train-labels-idx1-ubyte'), labels(20));
  writeFileSync(path.join(root, 't10k-images-idx3-ubyte'), images(5));
  writeFileSync(path.join(root, 't10k-labels-idx1-ubyte'), labels(5));
}

/** Mean R, G, B of a drawn canvas (0–255). */
async function meanColour(canvas: Locator): Promise<[number, number, number]> {
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const s = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) s[k] += d[i + k];
    const n = d.length / 4;
    return [s[0] / n, s[1] / n, s[2] / n] as [number, number, number];
  });
}

/** Pixel (x, y) of a drawn canvas, grey level of its red channel. */
async function pixel(canvas: Locator, x: number, y: number): Promise<number> {
  return canvas.evaluate((el, [px, py]) => (el as HTMLCanvasElement).getContext('2d')!.getImageData(px, py, 1, 1).data[0], [x, y]);
}

async function check(page: Page, root: string): Promise<Locator> {
  await page.getByTestId('dataset-select').selectOption('local');
  await page.getByTestId('dataset-path-input').fill(root);
  await page.getByTestId('dataset-check-button').click();
  return page.getByTestId('dataset-check-result');
}

test('a colour image folder: checked before training, options applied, trained and drawn in colour', async ({ page, lab }) => {
  test.setTimeout(300_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-data-colour-'));
  try {
    await colourFolder(root);
    await page.goto(lab.url);
    const result = await check(page, root);

    await test.step('the report: kind, classes and counts, 32×32 colour, split, skipped, samples as trained', async () => {
      await expect(result).toHaveAttribute('data-state', 'ok');
      await expect(result).toHaveAttribute('data-kind', 'imagefolder');
      await expect(result).toHaveAttribute('data-shape', '32,32,3');
      await expect(result).toContainText('40 images in 2 classes');
      await expect(result).toContainText('32×32 colour');
      await expect(result).toContainText('seeded 80/20 split');
      await expect(page.getByTestId('dataset-kind')).toContainText('image folder');
      const classes = page.getByTestId('dataset-classes');
      await expect(classes.locator('tbody tr')).toHaveCount(2);
      await expect(classes.locator('tbody tr').first().locator('td').first()).toHaveText('blue');
      await expect(page.getByTestId('dataset-skipped')).toContainText('1');
      const preview = page.getByTestId('dataset-preview');
      const n = Number(await preview.getAttribute('data-count'));
      expect(n).toBeGreaterThanOrEqual(4);
      const imgs = preview.getByRole('img');
      await expect(imgs).toHaveCount(n);
      await expect(imgs.first()).toHaveAttribute('data-channels', '3');
      const [r0, , b0] = await meanColour(imgs.first()); // blue comes first
      const [r1, , b1] = await meanColour(imgs.last()); // red last
      expect(b0).toBeGreaterThan(r0 + 10);
      expect(r1).toBeGreaterThan(b1 + 10);
    });

    await test.step('import options change what will be trained', async () => {
      await page.getByTestId('dataset-import-size').selectOption('64');
      await expect(result).toHaveAttribute('data-shape', '64,64,3');
      await page.getByTestId('dataset-import-channels').selectOption('1');
      await expect(result).toHaveAttribute('data-shape', '64,64,1');
      await expect(page.getByTestId('dataset-preview').getByRole('img').first()).toHaveAttribute('data-channels', '1');
      await page.getByTestId('dataset-import-size').selectOption('auto');
      await page.getByTestId('dataset-import-channels').selectOption('auto');
      await expect(result).toHaveAttribute('data-shape', '32,32,3');
    });

    await test.step('train a small VAE on it; reconstructions and samples are in colour', async () => {
      await page.getByTestId('model-select').selectOption('vae');
      await page.getByTestId('latent-dim-input').fill('2');
      await page.getByTestId('epochs-input').fill('3');
      await page.getByTestId('train-button').click();
      await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
      await expect(page.getByTestId('latent-scatter')).toHaveAttribute('data-ready', 'true');
      // The legend names the classes, not their numbers.
      await expect(page.getByTestId('latent-scatter').getByText('red', { exact: true })).toBeVisible();
      await hoverSomePoint(page);
      const tip = page.getByTestId('scatter-tooltip');
      await expect(tip.getByRole('img', { name: 'original' })).toHaveAttribute('data-channels', '3');
      await expect(tip.getByRole('img', { name: 'reconstruction' })).toHaveAttribute('data-channels', '3');
      await page.mouse.move(0, 0);
      await page.getByTestId('tab-recon').click();
      const pair = page.getByTestId('recon-pair').first();
      await expect(pair.getByRole('img').first()).toHaveAttribute('data-channels', '3');
      await page.getByTestId('tab-generate').click();
      await page.getByTestId('generate-count-input').fill('8');
      await page.getByTestId('generate-button').click();
      const grid = page.getByTestId('generated-grid');
      await expect(grid).toHaveAttribute('data-count', '8');
      await expect(grid.getByRole('img').first()).toHaveAttribute('data-channels', '3');
      expect((await grid.getByRole('img').first().getAttribute('width'))).toBe('32');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('IDX files are detected, use the split they give, and transpose on request', async ({ page, lab }) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-data-idx-'));
  try {
    idxFolder(root);
    await page.goto(lab.url);
    const result = await check(page, root);
    await expect(result).toHaveAttribute('data-state', 'ok');
    await expect(result).toHaveAttribute('data-kind', 'idx');
    await expect(result).toHaveAttribute('data-shape', '28,28,1');
    await expect(result).toContainText('40 train / 10 test');
    await expect(result).toContainText('as the files give it');
    const first = page.getByTestId('dataset-preview').getByRole('img').first(); // class 0: a vertical bar
    // Right of the bar's middle row: background when vertical, ink when the images are transposed.
    expect(await pixel(first, 22, 14)).toBeLessThan(60);
    await page.getByTestId('dataset-import-transpose').check();
    await expect(result).toHaveAttribute('data-state', 'ok');
    await expect.poll(() => pixel(page.getByTestId('dataset-preview').getByRole('img').first(), 22, 14)).toBeGreaterThan(150);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a path that holds no dataset says why', async ({ page, lab }) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-data-empty-'));
  try {
    writeFileSync(path.join(root, 'readme.txt'), 'nothing to train on');
    await page.goto(lab.url);
    const result = await check(page, root);
    await expect(result).toHaveAttribute('data-state', 'error');
    await expect(result).not.toBeEmpty();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a link dragged from a web page gets a message to drop the file itself, and nothing else happens', async ({ page, lab }) => {
  await page.goto(lab.url);
  await expect(page.getByTestId('engine-state')).toHaveAttribute('data-state', 'ready');
  const url = page.url();
  const tab = await page.getByRole('tab', { selected: true }).getAttribute('data-testid');
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.setData('text/uri-list', 'https://example.com/digits/seven.png');
    d.setData('text/plain', 'https://example.com/digits/seven.png');
    return d;
  });
  await page.locator('main.mid').dispatchEvent('dragover', { dataTransfer: dt });
  await page.locator('main.mid').dispatchEvent('drop', { dataTransfer: dt });
  await expect(page.getByRole('status').filter({ hasText: 'drop the file itself' })).toBeVisible();
  expect(page.url()).toBe(url);
  await expect(page.getByRole('tab', { selected: true })).toHaveAttribute('data-testid', tab!);
  await expect(page.getByTestId('encode-error')).toHaveCount(0);
});
