/**
 * Exploration views that misled a fresh tester, in browser mode: at 1024×700 the tab bar was
 * 28 px wider than the window ("Explore" cut to "Expl", the page scrolled sideways); on a toy
 * 2-D run the Encode tab offered image inputs that always failed and the data-space plot had no
 * key and no units. Waits only on explicit states.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './helpers/fixtures';
import { train } from './ui-helpers';

const SHOTS = 'test-results/explore-views';

/** Every tab label fully shown: its text fits its button and the button lies inside the bar and the window. */
async function tabsFit(page: Page): Promise<{ scrollWidth: number; innerWidth: number; cut: string[] }> {
  return page.evaluate(() => {
    const bar = document.querySelector('[role="tablist"]')!.getBoundingClientRect();
    const cut: string[] = [];
    for (const t of document.querySelectorAll<HTMLElement>('[role="tab"]')) {
      const r = t.getBoundingClientRect();
      const inside = r.left >= bar.left - 0.5 && r.right <= bar.right + 0.5 && r.right <= window.innerWidth;
      if (t.scrollWidth > t.clientWidth || !inside) cut.push(t.textContent!.trim());
    }
    return { scrollWidth: document.body.scrollWidth, innerWidth: window.innerWidth, cut };
  });
}

test.describe('at 1024×700', () => {
  test.use({ viewport: { width: 1024, height: 700 } });

  test('no sideways page scroll; every tab label fully visible, Explore opens without scrolling the page', async ({ page, labUrl }) => {
    await page.goto(labUrl);
    await expect(page.getByTestId('tab-explore')).toBeVisible();
    const fit = await tabsFit(page);
    expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
    expect(fit.cut).toEqual([]);
    await page.getByTestId('tab-explore').click();
    await expect(page.getByTestId('tab-explore')).toHaveAttribute('aria-selected', 'true');
    expect(await page.evaluate(() => [window.scrollX, document.documentElement.scrollLeft])).toEqual([0, 0]);
    await page.screenshot({ path: `${SHOTS}/tabs-1024.png` });
    // Labels 28 px wider in all (the tester's fonts: the bar was 1052 px wide there, ~15 px short
    // of overflowing here): the bar scrolls, not the page, and the chosen tab is scrolled into view.
    await page.getByTestId('tab-recon').click();
    await page.addStyleTag({ content: '[role="tab"] { letter-spacing: 0.7px; }' });
    await page.getByTestId('tab-explore').click();
    await expect(page.getByTestId('tab-explore')).toHaveAttribute('aria-selected', 'true');
    const wider = await tabsFit(page);
    expect(wider.scrollWidth).toBeLessThanOrEqual(wider.innerWidth);
    expect(wider.cut).not.toContain('Explore');
    expect(await page.evaluate(() => [window.scrollX, document.documentElement.scrollLeft])).toEqual([0, 0]);
  });
});

/** Train a toy-moons run from the form (3 epochs) and wait until it is done; returns its run id. */
const trainToy = (page: Page, model: 'vae' | 'cvae', dim: number, beta: number) => train(page, { model, dim, beta, epochs: 3, dataset: 'toy-moons' });

test('toy runs: KL bars of a collapsed run look empty; Compare pairs the run just trained with a healthy one and does not rank a CVAE’s label-given numbers; Encode takes coordinates; the data-space plot has a key and units', async ({ page, labUrl }) => {
  test.setTimeout(420_000);
  await page.goto(labUrl);
  const vae = await trainToy(page, 'vae', 2, 1);
  const cvae = await trainToy(page, 'cvae', 2, 1);
  const collapsed = await trainToy(page, 'vae', 3, 100);

  await test.step('the collapsed run’s KL bars: grey and near zero, as its active count says', async () => {
    const bars = page.getByTestId('kl-bars');
    await expect(bars).toHaveAttribute('data-active', '0');
    expect(Number(await bars.getAttribute('data-total-kl'))).toBeLessThan(0.1);
    const heights = await bars.locator('.bar').evaluateAll((els) =>
      els.map((e) => ({ active: e.getAttribute('data-active'), frac: e.getBoundingClientRect().height / e.parentElement!.getBoundingClientRect().height })),
    );
    expect(heights).toHaveLength(3);
    for (const h of heights) {
      expect(h.active).toBe('false');
      expect(h.frac).toBeLessThan(0.1);
    }
    await page.getByTestId('run-metrics').screenshot({ path: `${SHOTS}/kl-collapsed.png` });
    await page.getByTestId('tab-explore').click();
    const chart = page.getByTestId('kl-chart');
    await expect(chart).toHaveAttribute('data-active', '0');
    const widths = await chart.locator('.bar').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width / e.parentElement!.getBoundingClientRect().width));
    for (const w of widths) expect(w).toBeLessThan(0.1);
    await chart.screenshot({ path: `${SHOTS}/kl-chart-collapsed.png` });
  });

  await test.step('Compare pairs the run just trained with a healthy one; the CVAE’s label-given rows are not ranked', async () => {
    await page.getByTestId('tab-compare').click();
    await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    const pair = [await page.getByTestId('compare-run-a').inputValue(), await page.getByTestId('compare-run-b').inputValue()];
    // The open run (just trained, collapsed) is what the user came to compare; its partner is healthy.
    expect(pair).toContain(collapsed);
    expect(pair.filter((id) => id !== collapsed)).toHaveLength(1);
    await page.getByTestId('compare-run-a').selectOption(vae);
    await page.getByTestId('compare-run-b').selectOption(cvae);
    await page.getByTestId('compare-button').click();
    await expect(page.getByTestId('compare-metrics')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    const table = page.getByTestId('compare-metrics');
    for (const key of ['elbo', 'recon', 'knnAccuracy']) {
      const row = table.locator(`tr[data-row="${key}"]`);
      await expect(row).toHaveAttribute('data-compared', 'false');
      await expect(row.locator('td.win')).toHaveCount(0);
      await expect(row.locator('td').first()).toHaveAttribute('title', /given the label/);
    }
    await expect(page.getByTestId('compare-label-given')).toContainText('A CVAE is given the label');
    await page.getByTestId('compare-view').screenshot({ path: `${SHOTS}/compare-cvae.png` });
    // Another pair: not compared until Compare is pressed, and it says so.
    await page.getByTestId('compare-run-b').selectOption(collapsed);
    await expect(page.getByTestId('compare-not-yet')).toBeVisible();
    await expect(table.locator('tr[data-row="elbo"] td').first()).not.toHaveText('—');
    await page.getByTestId('compare-button').click();
    await expect(table).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    await expect(page.getByTestId('compare-not-yet')).toHaveCount(0);
  });

  await test.step('Encode on 2-D points: no image inputs; coordinates are encoded', async () => {
    await page.getByTestId('runs-list').locator(`[data-run-id='${vae}']`).locator('button.open').click();
    await expect(page.getByTestId('run-metrics')).toHaveAttribute('data-run-id', vae);
    await page.getByTestId('tab-encode').click();
    await expect(page.getByTestId('encode-points')).toContainText('trained on 2-D points, not images');
    await expect(page.getByTestId('drop-zone')).toHaveCount(0);
    await expect(page.getByTestId('draw-pad')).toHaveCount(0);
    await page.getByTestId('encode-point-x').fill('0.5');
    await page.getByTestId('encode-point-y').fill('-0.2');
    await page.getByTestId('encode-point-button').click();
    await expect(page.getByTestId('encode-point-result')).toHaveAttribute('data-latent', /^-?\d+\.\d{4},-?\d+\.\d{4}$/);
    await expect(page.getByTestId('data-space-plot')).toHaveAttribute('data-encoded', '0.500,-0.200');
  });

  await test.step('the data-space plot: a key, units, the samples’ distance in words', async () => {
    const key = page.getByTestId('data-space-key');
    for (const t of ['test input', 'its reconstruction', 'reconstruction error', 'sample', 'clicked point']) await expect(key).toContainText(t);
    await expect(page.getByTestId('data-space-error')).toContainText('standardised units');
    await expect(page.getByTestId('data-space-samples')).toContainText('from the nearest test input on average');
    await page.getByTestId('data-space-plot').screenshot({ path: `${SHOTS}/data-space.png` });
    await page.getByTestId('tab-encode').screenshot({ path: `${SHOTS}/encode-tab.png` }).catch(() => undefined);
    await page.screenshot({ path: `${SHOTS}/encode-points.png` });
  });
});
