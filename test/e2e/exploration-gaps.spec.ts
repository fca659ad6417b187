/**
 * Gaps a fresh tester found exploring (browser mode): Generate says why it is disabled and what
 * its grid was drawn with; the embeddings hint of a toy run promises no sprite; a click in empty
 * space says what it decodes and how far from the prior; the Recon tab colours errors on the run's
 * own scale; 40 classes get 40 colours, a legend clear of the hint and full names on hover; the
 * interpolation strip marks A and B; the empty card suggests the form's model. Data made here,
 * small; waits only for explicit states. Screenshots in each test's output folder.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { settled, train } from './ui-helpers';

/** A screenshot of the page into this test's output folder (attached to the report). */
async function shoot(page: Page, name: string): Promise<void> {
  await settled(page);
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

test('toy run: the card suggests the form’s VAE; a click far out in empty space is flagged; the embeddings hint promises no sprite', async ({ page, lab }) => {
  test.setTimeout(240_000);
  await page.goto(lab.url);
  await page.getByTestId('dataset-select').selectOption('toy-moons');
  await expect(page.getByTestId('model-select')).toHaveValue('vae');
  await expect(page.locator('.hero')).toContainText('the VAE with a 2- or 3-D latent is a good start');
  await expect(page.locator('.hero')).not.toContainText('a Conditional VAE with');
  await train(page, { model: 'vae', dim: 3, epochs: 2, dataset: null });

  const hint = page.getByTestId('scatter-hint');
  await expect(hint).toContainText('empty space to decode the z there (on the plane through the orbit centre that faces you)');

  // Empty space far right of the cloud (the cloud fills the unit ball at the centre of the view), zoomed out.
  const scatter = page.getByTestId('latent-scatter');
  for (let i = 0; i < 3; i++) await scatter.getByRole('button', { name: 'Zoom out' }).click();
  const box = (await scatter.boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.95, box.y + box.height * 0.55);
  const dist = page.getByTestId('decoded-distance');
  await expect(dist).toBeVisible();
  await expect(page.getByTestId('decoded-inset')).toContainText('Decoded point');
  await expect(dist).toHaveAttribute('data-outside', 'true');
  await expect(dist).toContainText(/σ from the centre of the prior N\(0,\sI\) — outside where samples come from \(99 % lie within 3\.4 σ\)/);
  await shoot(page, '01-toy-far-click');

  await page.getByTestId('tab-export').click();
  const fmtHint = page.getByTestId('export-format-hint');
  await expect(fmtHint).toContainText('no sprite.png: the points are not images');
  await expect(fmtHint).toContainText('vectors.tsv, metadata.tsv (labels)');
  await expect(fmtHint).not.toContainText('sprite.png (thumbnails)');
  await shoot(page, '02-toy-export-hint');
});

test('MNIST run: Generate explains out-of-range fields; Recon colours on the run’s scale; the strip marks A and B', async ({ page, lab }) => {
  test.setTimeout(300_000);
  await page.goto(lab.url);
  await page.getByTestId('dataset-select').selectOption('mnist');
  await train(page, { model: 'vae', dim: 2, epochs: 1, dataset: null });

  await test.step('Generate: the ranges are said, the caption says the grid is of the last valid settings', async () => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('generate-button').click();
    const caption = page.getByTestId('generated-prior');
    await expect(caption).toHaveText(/^\d+ samples from the prior, N\(0,\sI\) at T 1$/);
    const count = page.getByTestId('generate-count-input');
    for (const bad of ['0', '-5', '5000']) {
      await count.fill(bad);
      await expect(page.getByTestId('generate-count-error')).toHaveText(`Count must be a whole number from 1 to 1,000 (${bad} is not).`);
      await expect(page.getByTestId('generate-button')).toBeDisabled();
      await expect(caption).toContainText('drawn with the last valid settings (the fields above are out of range)');
      await expect(caption).not.toContainText('choice changed');
    }
    await count.fill('24');
    await expect(page.getByTestId('generate-count-error')).toHaveCount(0);
    const temp = page.getByLabel('Temperature', { exact: true });
    for (const bad of ['-1', '50']) {
      await temp.fill(bad);
      await expect(page.getByTestId('generate-temperature-error')).toHaveText(`Temperature must be from 0 to 10 (${bad} is not).`);
      await expect(caption).toContainText('drawn with the last valid settings');
      await expect(caption).not.toContainText('choice changed');
    }
    await shoot(page, '03-generate-out-of-range');
    await temp.fill('1');
    await expect(page.getByTestId('generate-temperature-error')).toHaveCount(0);
    await expect(caption).toHaveText(/at T 1$/);
    await expect(page.getByTestId('generate-button')).toBeEnabled();
  });

  await test.step('Recon: errors coloured from the test set’s median to its 95th percentile, with a legend', async () => {
    await page.getByTestId('tab-recon').click();
    const scale = page.getByTestId('recon-scale');
    await expect(scale).toBeVisible();
    const [p50, p95] = [Number(await scale.getAttribute('data-p50')), Number(await scale.getAttribute('data-p95'))];
    expect(p50).toBeGreaterThan(0);
    expect(p95).toBeGreaterThan(p50);
    await expect(page.getByTestId('recon-grid')).toHaveAttribute('data-count', '24');
    const heats = (await page.getByTestId('recon-error').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-heat')))));
    expect(heats).toHaveLength(24);
    // An in-order page of 24: some at or below the median (plain), not all red as with the fixed 250-nat scale.
    expect(heats.filter((h) => h === 0).length).toBeGreaterThan(3);
    expect(heats.filter((h) => h === 1).length).toBeLessThan(12);
    await expect(page.getByTestId('recon-error').first()).toHaveAttribute('title', /reconstruction error [\d.]+ nats: .*median [\d.]+, 95th percentile [\d.]+/);
    await shoot(page, '04-recon-scale');
  });

  await test.step('Interpolate: the strip’s ends are marked A (left) and B (right)', async () => {
    const pairs = page.getByTestId('recon-pair');
    await pairs.nth(0).click();
    await page.getByTestId('tab-generate').click();
    await page.locator('.end.a').getByRole('button', { name: 'From selection' }).click();
    await page.getByTestId('tab-recon').click();
    await pairs.nth(1).click();
    await page.getByTestId('tab-generate').click();
    await page.locator('.end.b').getByRole('button', { name: 'From selection' }).click();
    const strip = page.getByTestId('interpolation-strip');
    await expect(strip).toHaveAttribute('data-count', /\d+/);
    const [a, s, b] = [
      (await page.getByTestId('strip-end-a').boundingBox())!,
      (await strip.boundingBox())!,
      (await page.getByTestId('strip-end-b').boundingBox())!,
    ];
    await expect(page.getByTestId('strip-end-a')).toHaveText('A');
    await expect(page.getByTestId('strip-end-b')).toHaveText('B');
    expect(a.x + a.width).toBeLessThanOrEqual(s.x + 1);
    expect(b.x).toBeGreaterThanOrEqual(s.x + s.width - 1);
    await page.getByTestId('strip-end-a').scrollIntoViewIfNeeded();
    await shoot(page, '05-strip-a-b');
  });

  await test.step('Explore: the sliders’ reticle on the "z0" name (the name moves out of its way: see 08-reticle-z0.png)', async () => {
    await page.getByTestId('decoded-inset').getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('tab-explore').click();
    const scatter = page.getByTestId('latent-scatter');
    await expect(scatter).toHaveAttribute('data-probe', /\S/);
    /** Set slider i to v and return the reticle's display position once it has moved there. */
    const set = async (i: number, v: number): Promise<number[]> => {
      const before = await scatter.getAttribute('data-probe');
      const changed = await page.getByTestId(`latent-slider-${i}`).evaluate((el, value) => {
        const input = el as HTMLInputElement;
        const old = input.value;
        input.value = String(value);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return input.value !== old;
      }, v);
      if (changed) await expect(scatter).not.toHaveAttribute('data-probe', before ?? '');
      return (await scatter.getAttribute('data-probe'))!.split(',').map(Number);
    };
    /** Bisect slider i (display coordinate k grows with it) until that coordinate is near `target`. */
    const aim = async (i: number, k: number, target: number): Promise<number[]> => {
      let [lo, hi] = [-4, 4];
      let p = await set(i, 0);
      for (let step = 0; step < 14 && Math.abs(p[k] - target) > 0.02; step++) {
        const mid = (lo + hi) / 2;
        p = await set(i, mid);
        if (p[k] < target) lo = mid;
        else hi = mid;
      }
      return p;
    };
    await aim(1, 1, 0.05);
    const p = await aim(0, 0, 1.0);
    // Only when the sliders' range reaches the name (the run's latents decide where it is drawn).
    test.skip(Math.abs(p[0] - 1.0) > 0.05 || Math.abs(p[1] - 0.05) > 0.05, `the reticle cannot reach the z0 name in this run (${p.join(', ')})`);
    const box = (await scatter.boundingBox())!;
    await settled(page);
    await page.screenshot({ path: test.info().outputPath('08-reticle-z0.png'), clip: { x: box.x + box.width / 2, y: box.y + box.height / 4, width: box.width / 2, height: box.height / 2 } });
  });
});

/** `classes` class folders ("class number 00"…) of `n` 28×28 grey pictures: a bar whose place and angle depend on the class. */
async function manyClasses(root: string, classes: number, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let c = 0; c < classes; c++) {
    const name = `class number ${String(c).padStart(2, '0')}`;
    names.push(name);
    mkdirSync(path.join(root, name));
    for (let i = 0; i < n; i++) {
      const px = Buffer.alloc(28 * 28, 0);
      const x0 = 2 + (c % 8) * 3;
      const y0 = 2 + Math.floor(c / 8) * 5;
      for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < Math.min(28, x0 + 3 + (i % 3)); x++) px[y * 28 + x] = 255;
      await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(root, name, `${i}.png`));
    }
  }
  return names;
}

test('40 classes: 40 colours, the legend in columns above the hint, full class names on hover', async ({ page, lab }) => {
  test.setTimeout(300_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-many-'));
  try {
    await manyClasses(root, 40, 10);
    await page.goto(lab.url);
    await page.getByTestId('dataset-select').selectOption('local');
    await page.getByTestId('dataset-path-input').fill(root);
    await page.getByTestId('dataset-check-button').click();
    await expect(page.getByTestId('dataset-check-result')).toHaveAttribute('data-state', 'ok');
    await train(page, { model: 'vae', dim: 3, epochs: 1, dataset: null });

    const legend = page.getByTestId('scatter-legend');
    const swatches = legend.locator('.swatch');
    await expect(swatches.first()).toBeVisible();
    const colours = await swatches.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(colours.length).toBeGreaterThanOrEqual(30);
    expect(new Set(colours).size).toBe(colours.length);
    await expect(page.getByTestId('legend-shade-note')).toContainText('past 12 the hues come again darker or lighter');
    // The legend ends above the hint, and it is in columns (not one column running off the bottom).
    const [lb, hb] = [(await legend.boundingBox())!, (await page.getByTestId('scatter-hint').boundingBox())!];
    expect(lb.y + lb.height).toBeLessThanOrEqual(hb.y + 1);
    const xs = new Set(await legend.locator('.chip').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().left))));
    expect(xs.size).toBeGreaterThanOrEqual(2);
    await shoot(page, '06-forty-classes-legend');

    await page.getByTestId('tab-recon').click();
    const label = page.getByTestId('recon-label').first();
    await expect(label).toHaveAttribute('title', /^class number \d\d$/);
    await shoot(page, '07-forty-classes-recon');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
