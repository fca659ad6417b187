/**
 * Issue #14, fixes b, c, d and f in browser mode at 1280×800: CVAE interpolation between two
 * labels blends them (or keeps one, by choice), "auto (best fit)" says which label and how sure,
 * neighbours in a CVAE latent say they match style; 200 generated images keep a grid; Compare's
 * scatters fill the centre pane, the tooltip stays in its view, an AE has no ELBO to compare and
 * says "recon" in the run list; the export destination is a real default path and "already
 * exists" gives its advice once. Waits only on explicit states.
 */
import type { Locator, Page } from '@playwright/test';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';
import { digitPng, train } from './ui-helpers';

test.use({ viewport: { width: 1280, height: 800 } });

/** Move over a scatter until its tooltip shows; returns the tooltip. */
async function hoverIn(page: Page, scatter: Locator): Promise<Locator> {
  const box = (await scatter.boundingBox())!;
  const tooltip = scatter.getByTestId('scatter-tooltip');
  for (let r = 0; r <= Math.min(box.width, box.height) / 2; r += 8) {
    for (let a = 0; a < 360; a += r === 0 ? 360 : 30) {
      await page.mouse.move(box.x + box.width / 2 + r * Math.cos((a * Math.PI) / 180), box.y + box.height / 2 + r * Math.sin((a * Math.PI) / 180));
      try {
        await expect(tooltip).toBeVisible({ timeout: 400 });
        return tooltip;
      } catch {
        /* no point here: keep looking */
      }
    }
  }
  throw new Error('no point found under the cursor');
}

/** Select the test point of a reconstruction pair whose label differs from `not` (or any); returns its label. */
async function selectPair(page: Page, not?: string): Promise<string> {
  await page.getByTestId('tab-recon').click();
  const pairs = page.getByTestId('recon-pair');
  await expect(pairs).toHaveCount(24);
  for (let i = 0; i < 24; i++) {
    const label = /label (\S+)$/.exec((await pairs.nth(i).getAttribute('title')) ?? '')?.[1];
    if (label && label !== not) {
      await pairs.nth(i).click();
      await expect(page.getByTestId('decoded-inset')).toBeVisible();
      return label;
    }
  }
  throw new Error('no pair with another label');
}

test('CVAE: labels along an interpolation, the best-fit label, style neighbours; a big generated grid', async ({ page, lab }) => {
  test.setTimeout(420_000);
  await page.goto(lab.url);
  await train(page, { model: 'cvae', dim: 2, epochs: 2 });

  await test.step('200 generated images keep a grid', async () => {
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('generate-count-input').fill('200');
    await page.getByTestId('generate-button').click();
    const grid = page.getByTestId('generated-grid');
    await expect(grid).toHaveAttribute('data-count', '200');
    const imgs = grid.getByRole('img');
    await expect(imgs).toHaveCount(200);
    const first = (await imgs.nth(0).boundingBox())!;
    const second = (await imgs.nth(1).boundingBox())!;
    expect(second.y).toBeCloseTo(first.y, 0); // side by side, not one column
    expect(second.x).toBeGreaterThan(first.x);
    const box = (await grid.boundingBox())!;
    // Columns as the grid lays them out: tiles and the 4-px gaps between them.
    const columns = Math.floor((box.width + 4) / (first.width + 4));
    expect(columns).toBeGreaterThanOrEqual(6);
    expect(box.height).toBeLessThan(((200 / columns) + 2) * (first.height + 8));
  });

  await test.step('interpolating between two labels blends them, or keeps A’s by choice', async () => {
    const la = await selectPair(page);
    await page.getByTestId('tab-generate').click();
    await page.getByRole('button', { name: 'From selection' }).first().click();
    const lb = await selectPair(page, la);
    await page.getByTestId('tab-generate').click();
    await page.getByRole('button', { name: 'From selection' }).nth(1).click();
    const strip = page.getByTestId('interpolation-strip');
    await expect(strip).toHaveAttribute('data-labels', `${la}>${lb}`);
    await expect(page.getByText(`The decoder's label blends from “${la}” (left) to “${lb}” (right)`)).toBeVisible();
    await expect(strip.getByRole('img').nth(1)).toHaveAttribute('aria-label', /step 2: \d+ % “.+”, \d+ % “.+”/);
    await page.getByTestId('interpolate-labels-select').selectOption('a');
    await expect(strip).toHaveAttribute('data-labels', la);
    await expect(page.getByText(`Every step decoded as “${la}”.`)).toBeVisible();
  });

  await test.step('encode with "auto (best fit)": the label chosen and how sure; neighbours match style', async () => {
    await page.getByTestId('tab-encode').click();
    await expect(page.getByTestId('encode-label-select')).toHaveValue(/.*/);
    await page.getByTestId('file-input').setInputFiles({ name: 'one.png', mimeType: 'image/png', buffer: await digitPng(page) });
    const fit = page.getByTestId('encode-label-fit');
    await expect(fit).toContainText('Best-fitting label');
    const p = Number(await fit.getAttribute('data-confidence'));
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThanOrEqual(1);
    expect(await fit.getAttribute('data-label')).toMatch(/^\d$/);
    await expect(page.getByTestId('encode-result')).toContainText('neighbours match the style');
    // Told the label, the encoder says it used it: no best fit.
    await page.getByTestId('encode-label-select').selectOption('7');
    await page.getByTestId('file-input').setInputFiles({ name: 'one.png', mimeType: 'image/png', buffer: await digitPng(page) });
    await expect(page.getByText('Encoded as “7”, the label you picked.')).toBeVisible();
    await expect(fit).toHaveCount(0);
  });
});

test('compare an AE with a VAE in the centre; export to a real default path', async ({ page, lab }) => {
  test.setTimeout(420_000);
  await page.goto(lab.url);
  await train(page, { model: 'ae', dim: 2, epochs: 1 });
  const ae = (await page.getByTestId('train-state').getAttribute('data-run-id'))!;
  await expect(page.locator(`[data-testid="run-item"][data-run-id="${ae}"]`)).toContainText(/recon \d/);
  await expect(page.locator(`[data-testid="run-item"][data-run-id="${ae}"]`)).not.toContainText('ELBO');
  await train(page, { model: 'vae', dim: 2, epochs: 1 });
  const vae = (await page.getByTestId('train-state').getAttribute('data-run-id'))!;

  await test.step('the two scatters take the centre pane at a useful size', async () => {
    await page.getByTestId('tab-compare').click();
    await page.getByTestId('compare-run-a').selectOption(ae);
    await page.getByTestId('compare-run-b').selectOption(vae);
    await page.getByTestId('compare-button').click();
    await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true');
    const a = page.getByTestId('compare-scatter-a');
    const b = page.getByTestId('compare-scatter-b');
    await expect(a).toHaveAttribute('data-ready', 'true');
    await expect(b).toHaveAttribute('data-ready', 'true');
    const centre = (await page.locator('main.mid').boundingBox())!;
    for (const s of [a, b]) {
      const box = (await s.boundingBox())!;
      expect(box.width * box.height).toBeGreaterThan(0.35 * centre.width * centre.height);
      expect(box.x).toBeGreaterThanOrEqual(centre.x - 1);
      expect(box.x + box.width).toBeLessThanOrEqual(centre.x + centre.width + 1);
    }
  });

  await test.step('the tooltip stays inside its view', async () => {
    const a = page.getByTestId('compare-scatter-a');
    const tip = await hoverIn(page, a);
    const t = (await tip.boundingBox())!;
    const v = (await a.boundingBox())!;
    expect(t.x).toBeGreaterThanOrEqual(v.x);
    expect(t.y).toBeGreaterThanOrEqual(v.y);
    expect(t.x + t.width).toBeLessThanOrEqual(v.x + v.width + 0.5);
    expect(t.y + t.height).toBeLessThanOrEqual(v.y + v.height + 0.5);
    await page.mouse.move(0, 0);
  });

  await test.step('an AE has no ELBO to compare; only comparable numbers are marked better', async () => {
    const table = page.getByTestId('compare-metrics');
    const elbo = table.locator('tr[data-row="elbo"]');
    await expect(elbo.locator('td').first()).toHaveText('n/a (AE)');
    await expect(elbo.locator('td.win')).toHaveCount(0);
    await expect(table.locator('tr[data-row="kl"] td').first()).toHaveText('n/a (AE)');
    await expect(table.locator('tr[data-row="recon"] td.win')).toHaveCount(1);
    // The header fits the pair: an autoencoder beside a VAE.
    await expect(page.getByTestId('compare-blurb')).toContainText('plain autoencoder');
  });

  await test.step('export: a real default destination, and "already exists" says its advice once', async () => {
    await page.getByTestId('tab-export').click();
    const dir = page.getByTestId('export-dir-input');
    await expect(dir).toHaveValue(/Latent Lab exports[\\/].+-\d{4}-\d{2}-\d{2}$/);
    await expect(page.getByTestId('export-button')).toBeEnabled();
    const out = path.join(lab.outDir, 'fixes-export');
    await page.getByTestId('export-format-select').selectOption('npz');
    await page.getByTestId('export-count-input').fill('5');
    await dir.fill(out);
    const state = page.getByTestId('export-state');
    await page.getByTestId('export-button').click();
    await expect(state).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await page.getByTestId('export-button').click();
    await expect(state).toHaveAttribute('data-state', 'error');
    const text = (await state.textContent()) ?? '';
    expect(text).toContain('already holds a Latent Lab export');
    expect(text.split('Replace a previous Latent Lab export in this folder')).toHaveLength(2);
    expect(text).not.toContain('allow overwriting');
  });
});
