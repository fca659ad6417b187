/**
 * The judging classifier's buttons, with the classifier ON (the other specs' servers run with
 * `LATENT_LAB_CLASSIFIER=0`): this spec starts its own server, on a tiny folder of generated
 * 28×28 strokes (3 classes, so the classifier trains in seconds). The first launch starts the
 * embedded MNIST's classifier in the background, and checking the folder in the Train form starts
 * the folder's instead, before any run; the status bar's Cancel stops it ("Judging classifier
 * off"), so a run's end then leaves the run's Fréchet distance missing with "Train it"; the status
 * bar's Start goes on with it, a second Cancel stops it again, and the run's own "Train it" goes on
 * until "Classifier ready (x %)": the run then shows its Fréchet distance as "not reliable" (a
 * tiny test set: fewer images than the classifier's features), saying why. Waits only for explicit states (data-state, test ids, texts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { startLabServer, type LabServer } from './helpers/lab-server';
import { strokes, trainRun, useFolder } from './helpers/own-data';

let lab: LabServer;
let root: string;

test.beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'll-classifier-ui-'));
  lab = await startLabServer({ env: { LATENT_LAB_CLASSIFIER: '1' } });
});
test.afterAll(async () => {
  await lab?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The status bar's Cancel while the folder's classifier trains: "Judging classifier off". */
async function cancelTraining(page: Page): Promise<void> {
  await expect(page.getByTestId('classifier-status')).toContainText('training the judging classifier for strokes');
  await page.getByTestId('classifier-cancel').click();
  await expect(page.getByTestId('classifier-stopped')).toHaveText('Judging classifier off');
}

/** The classifier started again for the run: cancel it from the status bar while it trains; the run offers Train it. */
async function cancelClassifier(page: Page): Promise<void> {
  await cancelTraining(page);
  const frechet = page.getByTestId('metric-frechet');
  await expect(frechet).toHaveAttribute('data-missing', 'true');
  await expect(page.getByTestId('metric-train-classifier')).toBeEnabled();
}

/**
 * The opened run's Fréchet distance, judged on the few test images of this tiny set: "not
 * reliable", saying why (fewer test images than the classifier's 128 features), the number in the
 * tooltip (src-shared/judgeReliability.ts).
 */
async function expectFrechetNotReliable(page: Page, testImages: number): Promise<void> {
  const frechet = page.getByTestId('metric-frechet');
  await expect(frechet).not.toHaveAttribute('data-missing', 'true', { timeout: 45_000 });
  await expect(frechet).not.toHaveAttribute('data-pending', 'true', { timeout: 45_000 });
  // A VAE's: its samples drawn from N(0, I), said so beside the fitted prior's.
  await expect(frechet).toHaveText('Fréchet, samples from N(0, I): not reliable');
  await expect(frechet).toHaveAttribute('title', new RegExp(`^[\\d,.]+ — not reliable: .*Measured: ${testImages} generated images \\(z from the prior, N\\(0, I\\)\\) against ${testImages} real test images`));
  await expect(page.getByTestId('metric-judge-unreliable')).toContainText(`Not reliable: only ${testImages} test images were judged, fewer than the classifier's 128 features`);
  await expect(page.getByTestId('metric-recognised')).toHaveText('recognised: not reliable');
}

test('the classifier: Cancel, the status bar’s Start, and a run’s Train it until ready with the run’s Fréchet distance', async ({ page }) => {
  // ≈ 35 s at load average 11 on 2 cores (most of it the classifier's 30 epochs and their
  // checkpoints); 60 s gave it 21 of 30 epochs in a full parallel suite beside a training job.
  test.setTimeout(360_000);
  // 3 × 40 images, a seeded 80/20 split: the classifier trains 30 epochs of about 96 images.
  const dir = await strokes(path.join(root, 'strokes'), 40, 1);
  await page.goto(lab.url);

  let testImages = 0;
  await test.step('the first launch trains MNIST’s classifier; checking the folder trains the folder’s instead, before any run; Cancel stops it', async () => {
    await expect(page.getByTestId('classifier-status')).toContainText('training the judging classifier for mnist');
    testImages = await useFolder(page, dir, 3);
    await cancelTraining(page);
  });

  await test.step('a run’s end with the classifier off: its Fréchet distance is missing, with Train it', async () => {
    await trainRun(page, { kind: 'vae' });
    await expect(page.getByTestId('metric-frechet')).toHaveAttribute('data-missing', 'true');
    await expect(page.getByTestId('metric-train-classifier')).toBeEnabled();
    await expect(page.getByTestId('classifier-stopped')).toHaveText('Judging classifier off');
  });

  await test.step('the status bar’s Start goes on with it (from its last finished epoch); Cancel again', async () => {
    await page.getByTestId('classifier-start').click();
    await cancelClassifier(page);
  });

  // Train it asks for the same as Start (`classifier:start`), from the run's own metrics.
  await test.step('the run’s Train it: the classifier becomes ready and the run’s Fréchet distance is “not reliable” on so few images', async () => {
    await page.getByTestId('metric-train-classifier').click();
    await expect(page.getByTestId('classifier-ready')).toHaveText(/^Classifier ready \(\d+(\.\d)? %\)$/, { timeout: 240_000 });
    await expectFrechetNotReliable(page, testImages);
  });
});
