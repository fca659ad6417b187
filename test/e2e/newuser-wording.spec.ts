/**
 * A new user's second trial, as the page shows it (browser mode): the status bar names the
 * dataset picked in the Train form (Two moons, not the MNIST it showed before); the own-data
 * headline says what the Check found, or what is wrong, instead of "press Check" after the check
 * ran; a run the user stopped has the same word in the run list as in the Train panel's header.
 * The datasets are small and made here; waits only for explicit states.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';

/** IDX files (MNIST layout) of 28×28 bars, class 0 vertical, class 1 horizontal: 2·`train` + 2·`test` images. */
function idxFolder(root: string, train: number, test: number): void {
  const images = (n: number) => {
    const head = Buffer.alloc(16);
    head.writeUInt32BE(0x00000803, 0);
    head.writeUInt32BE(2 * n, 4);
    head.writeUInt32BE(28, 8);
    head.writeUInt32BE(28, 12);
    const body = Buffer.alloc(2 * n * 784);
    for (let k = 0; k < 2 * n; k++) {
      const vertical = k % 2 === 0;
      for (let a = 4; a < 24; a++) for (let b = 12; b < 16; b++) body[k * 784 + (vertical ? a * 28 + b : b * 28 + a)] = 255;
    }
    return Buffer.concat([head, body]);
  };
  const labels = (n: number) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(0x00000801, 0);
    head.writeUInt32BE(2 * n, 4);
    return Buffer.concat([head, Buffer.from(Array.from({ length: 2 * n }, (_, k) => k % 2))]);
  };
  writeFileSync(path.join(root, 'train-images-idx3-ubyte'), images(train));
  writeFileSync(path.join(root, 'train-labels-idx1-ubyte'), labels(train));
  writeFileSync(path.join(root, 't10k-images-idx3-ubyte'), images(test));
  writeFileSync(path.join(root, 't10k-labels-idx1-ubyte'), labels(test));
}

test('status bar dataset, own-data headline after a check, one word for a stopped run', async ({ page, lab }) => {
  test.setTimeout(300_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-bars-'));
  try {
    idxFolder(root, 20, 5);
    await page.goto(lab.url);
    const status = page.getByTestId('status-dataset');
    const headline = page.getByTestId('ready-headline');

    await test.step('picking Two moons in the Train form: the status bar says Two moons, not MNIST', async () => {
      await page.getByTestId('dataset-select').selectOption('mnist');
      await expect(status).toHaveAttribute('data-dataset', 'mnist');
      await expect(status).toContainText('MNIST');
      await page.getByTestId('dataset-select').selectOption('toy-moons');
      await expect(status).toHaveAttribute('data-dataset', 'toy-moons');
      await expect(status).toContainText('Two moons');
      await expect(status).not.toContainText('MNIST');
    });

    await test.step('own data: "press Check" before the check, what it found after it, what is wrong for a bad path', async () => {
      const base = path.basename(root);
      await page.getByTestId('dataset-select').selectOption('local');
      await page.getByTestId('dataset-path-input').fill(root);
      await expect(headline).toHaveText(`Your data “${base}” is selected — press Check, then Train`);
      await page.getByTestId('dataset-check-button').click();
      await expect(page.getByTestId('dataset-check-result')).toHaveAttribute('data-state', 'ok');
      await expect(headline).toHaveText(`Your data “${base}”: 50 images in 2 classes, 28×28 grey — press Train`);
      await expect(status).toHaveAttribute('data-dataset', 'local');

      await page.getByTestId('dataset-path-input').fill(path.join(root, 'missing'));
      await expect(headline).toContainText('press Check, then Train'); // the check was of another path
      await page.getByTestId('dataset-check-button').click();
      await expect(page.getByTestId('dataset-check-result')).toHaveAttribute('data-state', 'error');
      await expect(headline).toContainText('“missing” could not be read');
      await expect(headline).not.toContainText('press Check, then Train');
    });

    await test.step('a run stopped by the user: the run list says what the Train panel says', async () => {
      await page.getByTestId('dataset-select').selectOption('toy-moons');
      // Long enough that it cannot end before Stop is clickable: 200 epochs of moons (17 s) once
      // ended under a loaded CI machine while Stop waited for the start to return.
      await page.getByTestId('epochs-input').fill('5000');
      await page.getByTestId('train-button').click();
      const state = page.getByTestId('train-state');
      await expect(state).toHaveAttribute('data-state', 'training', { timeout: 120_000 });
      await page.getByTestId('stop-button').click();
      const runState = page.getByTestId('runs-list').getByTestId('run-state').first();
      await expect(runState).toHaveAttribute('data-state', 'cancelled', { timeout: 120_000 });
      const header = (await state.textContent())!.trim();
      expect(header).toBe('Stopped');
      await expect(runState).toHaveText(header.toLowerCase());
      await expect(page.getByTestId('runs-list')).not.toContainText('cancelled');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
