/**
 * The Saved runs list deletes only a finished-with run of ours (tester report 3, findings 2–5 and
 * 7's last): copied run folders are rows of their own (the list never goes blank), a folder that
 * is not a run is listed as such and cannot be deleted, a run folder holding the user's file or a
 * run another process trains has Delete disabled with the reason, an interrupted run opens, and
 * deleting the active run clears its loss chart. Folders are made on disk as a user would (cp -a,
 * mkdir); waits only on explicit states, never on time.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { testOwnServer as test, expect } from './helpers/fixtures';
import { train } from './ui-helpers';

test.use({ viewport: { width: 1280, height: 800 } });

const item = (page: Page, id: string): Locator => page.locator(`[data-testid="run-item"][data-run-id="${id}"]`);

test('copies, a notes folder, a run with the user’s file, one trained elsewhere and an interrupted one: each listed honestly; only ours is deleted', async ({ page, lab }) => {
  test.setTimeout(240_000);
  await page.goto(lab.url);
  const runId = await train(page, { model: 'vae', dim: 2, epochs: 2, dataset: 'toy-moons' });
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-run-id', runId);

  const runs = path.join(lab.workspace, 'runs');
  const made: string[] = [];
  const copy = async (id: string, edit: (rec: Record<string, unknown>) => void = () => {}) => {
    const dir = path.join(runs, id);
    made.push(dir);
    await fs.cp(path.join(runs, runId), dir, { recursive: true });
    const rec = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    edit(rec);
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(rec));
    return dir;
  };
  await copy(`${runId}-backup`);
  await copy(`${runId}-backup2`);
  const withNotes = await copy(`${runId}-notes`);
  await fs.writeFile(path.join(withNotes, 'notes.txt'), 'mine');
  await copy(`${runId}-cut`, (r) => Object.assign(r, { id: `${runId}-cut`, state: 'training', pid: 99_999_999 }));
  // This test's own process stands for the CLI training the run.
  await copy(`${runId}-cli`, (r) => Object.assign(r, { id: `${runId}-cli`, state: 'training', pid: process.pid }));
  const notes = path.join(runs, 'my-notes');
  made.push(notes);
  await fs.mkdir(notes);
  await fs.writeFile(path.join(notes, 'notes.txt'), 'mine');

  await page.getByRole('button', { name: 'Refresh runs' }).click();
  try {
    await test.step('every folder is a row; two copies of one run are not one id', async () => {
      await expect(page.getByTestId('run-item')).toHaveCount(7);
      await expect(item(page, `${runId}-backup`).getByTestId('run-copy-of')).toHaveText(`· copy of ${runId}`);
      await expect(item(page, `${runId}-backup2`).getByTestId('run-copy-of')).toHaveText(`· copy of ${runId}`);
    });

    await test.step('a notes folder: "not a Latent Lab run", no invented model, neither opened nor deleted', async () => {
      const row = item(page, 'my-notes');
      await expect(row.getByTestId('run-detail')).toHaveText(/^not a Latent Lab run: no config\.json/);
      await expect(row).not.toContainText('VAE');
      await expect(row).toHaveAttribute('data-openable', 'false');
      await expect(row.getByTestId('run-delete')).toBeDisabled();
      await expect(row.getByTestId('run-delete')).toHaveAttribute('title', /remove the folder yourself/i);
    });

    await test.step('a run folder with the user’s file and a run another process trains: Delete disabled, saying why', async () => {
      const mine = item(page, `${runId}-notes`);
      await expect(mine.getByTestId('run-foreign-files')).toHaveText('· holds 1 file of yours');
      await expect(mine.getByTestId('run-delete')).toBeDisabled();
      await expect(mine.getByTestId('run-delete')).toHaveAttribute('title', /notes\.txt/);
      const cli = item(page, `${runId}-cli`);
      await expect(cli.getByTestId('run-state')).toHaveText(`training elsewhere (pid ${process.pid})`);
      await expect(cli.getByTestId('run-delete')).toBeDisabled();
      await expect(cli.getByTestId('run-delete')).toHaveAttribute('title', new RegExp(`^Being trained by .*\\(pid ${process.pid}\\)`));
    });

    await test.step('an interrupted run says after how many epochs and opens', async () => {
      const cut = item(page, `${runId}-cut`);
      await expect(cut.getByTestId('run-state')).toHaveText('interrupted after 2 epochs');
      await expect(cut.getByTestId('run-detail')).not.toContainText('unreadable');
      await cut.locator('button.open').click();
      await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-run-id', `${runId}-cut`);
      await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '2');
      // The Train panel says it as the list does, not "Error".
      await expect(page.getByTestId('train-saved-state')).toHaveText('Interrupted after 2 epochs');
    });

    await test.step('deleting a copy keeps the original; deleting the active run clears its loss chart', async () => {
      await item(page, `${runId}-backup`).getByTestId('run-delete').click();
      await item(page, `${runId}-backup`).getByTestId('run-delete-confirm').click();
      await expect(item(page, `${runId}-backup`)).toHaveCount(0);
      expect(existsSync(path.join(runs, runId, 'config.json'))).toBe(true);

      await item(page, runId).locator('button.open').click();
      await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-run-id', runId);
      await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '2');
      await item(page, runId).getByTestId('run-delete').click();
      await item(page, runId).getByTestId('run-delete-confirm').click();
      await expect(item(page, runId)).toHaveCount(0);
      await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-run-id', '');
      await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '0');
      expect(existsSync(path.join(runs, runId))).toBe(false);
      expect(await fs.readFile(path.join(notes, 'notes.txt'), 'utf8')).toBe('mine');
      expect(await fs.readFile(path.join(withNotes, 'notes.txt'), 'utf8')).toBe('mine');
    });
  } finally {
    for (const dir of made) await fs.rm(dir, { recursive: true, force: true });
    await page.getByRole('button', { name: 'Refresh runs' }).click();
  }
});
