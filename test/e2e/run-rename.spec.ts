/**
 * Renaming a saved run in browser mode (tester findings K3.1–2): the box says the limit while one
 * types (n/200, red when over); a name over 200 characters or one another run already has is
 * refused in a toast in words and stays in the box to be fixed, the run's record on disk
 * unchanged; a free name is kept. The second run is a copy made on disk as a user would (cp -a).
 * Waits only on explicit states, never on time.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { testOwnServer as test, expect } from './helpers/fixtures';
import { train } from './ui-helpers';

test.use({ viewport: { width: 1280, height: 800 } });

const item = (page: Page, id: string): Locator => page.locator(`[data-testid="run-item"][data-run-id="${id}"]`);

test('a too-long name and another run’s name are refused in words and kept in the box; a free name is kept', async ({ page, lab }) => {
  test.setTimeout(240_000);
  await page.goto(lab.url);
  const runId = await train(page, { model: 'vae', dim: 2, epochs: 1, dataset: 'toy-moons' });
  const runs = path.join(lab.workspace, 'runs');
  const otherId = `${runId}-other`;
  await fs.cp(path.join(runs, runId), path.join(runs, otherId), { recursive: true });
  const copied = JSON.parse(await fs.readFile(path.join(runs, otherId, 'config.json'), 'utf8'));
  await fs.writeFile(path.join(runs, otherId, 'config.json'), JSON.stringify({ ...copied, id: otherId, name: 'my other run' }));
  await page.getByRole('button', { name: 'Refresh runs' }).click();
  await expect(item(page, otherId).locator('.name')).toHaveText('my other run');

  const row = item(page, runId);
  const oldName = (await row.locator('.name').textContent())!;
  const record = path.join(runs, runId, 'config.json');
  const before = await fs.readFile(record, 'utf8');
  const alerts = page.getByRole('alert');

  await row.getByRole('button', { name: /^Rename/ }).click();
  const input = row.getByRole('textbox', { name: 'Run name' });
  const count = row.locator('.name-count');

  await test.step('300 characters: the count says 300/200 before Enter; Enter says why in a toast and keeps the name typed', async () => {
    await expect(input).toHaveAttribute('title', /At most 200 characters/);
    await expect(count).toHaveText(`${oldName.length}/200`);
    const long = 'x'.repeat(300);
    await input.fill(long);
    await expect(count).toHaveText('300/200');
    await expect(count).toHaveClass(/over/);
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await input.press('Enter');
    await expect(alerts.filter({ hasText: "Not renamed: a run's name is at most 200 characters (this one: 300)" })).toHaveCount(1);
    await expect(input).toBeVisible();
    await expect(input).toHaveValue(long);
    await page.screenshot({ path: test.info().outputPath('rename-too-long.png') });
    expect(await fs.readFile(record, 'utf8')).toBe(before);
  });

  await test.step('another run’s name: the engine refuses it in words; the name typed comes back in the box', async () => {
    await input.fill('my other run');
    await expect(count).not.toHaveClass(/over/);
    await input.press('Enter');
    await expect(alerts.filter({ hasText: 'Not renamed: another run is already named “my other run”' })).toHaveCount(1);
    await expect(input).toHaveValue('my other run');
    await page.screenshot({ path: test.info().outputPath('rename-taken.png') });
    expect(await fs.readFile(record, 'utf8')).toBe(before);
    await expect(item(page, otherId).locator('.name')).toHaveText('my other run');
  });

  await test.step('a free name is kept', async () => {
    await input.fill('moons, first try');
    await input.press('Enter');
    await expect(row.locator('.name')).toHaveText('moons, first try');
    await expect(input).toHaveCount(0);
    expect(JSON.parse(await fs.readFile(record, 'utf8')).name).toBe('moons, first try');
  });
});
