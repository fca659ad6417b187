/**
 * A CVAE's generated images judged in browser mode (fresh-tester report F4): with the judging
 * classifier on (its own server, a tiny folder of strokes), once the run's summary shows the
 * generation accuracy, the Generate tab agrees with it — below 80 % it says the summary's "Only N %
 * of generated images show the label they were asked for…", else nothing — and the summary's
 * reconstructions read "recognised N % (label given)" with its space ("not reliable" in place of
 * the numbers on so few test images, the numbers in their tooltips). At 1280 × 800.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from './helpers/fixtures';
import { startLabServer } from './helpers/lab-server';
import { strokes, trainRun, useFolder } from './helpers/own-data';

test('a CVAE: Generate says how often its images show the label asked for, as the run summary does', async ({ page }) => {
  test.setTimeout(420_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'll-generate-label-'));
  const server = await startLabServer({ env: { LATENT_LAB_CLASSIFIER: '1' } });
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    const dir = await strokes(path.join(root, 'strokes'), 40, 2);
    await page.goto(server.url);
    await useFolder(page, dir, 3);
    await trainRun(page, { kind: 'cvae' });
    await page.getByTestId('tab-generate').click();
    await page.getByTestId('generate-button').click();
    await expect(page.getByTestId('generated-prior')).toHaveText(/^\d+ samples from the prior, N\(0,\sI\) at T 1, decoded as “.+”$/);

    await expect(page.getByTestId('classifier-ready')).toHaveText(/^Classifier ready/, { timeout: 240_000 });
    const generation = page.getByTestId('metric-generation');
    // 24 test images are fewer than the classifier's 128 features: its numbers are "not reliable",
    // each kept in its tooltip (src-shared/judgeReliability.ts).
    await expect(generation).toHaveText(/^generation( \d+(\.\d)? %|: not reliable)$/, { timeout: 60_000 });
    await expect(page.getByTestId('metric-recognised')).toHaveText(/^recognised( \d+(\.\d)? %|: not reliable) \(label given\)$/);
    const unreliable = (await generation.getAttribute('data-unreliable')) === 'true';
    const shown = unreliable ? (await generation.getAttribute('title'))! : (await generation.textContent())!;
    const accuracy = Number(/([\d.]+) %/.exec(shown)![1]) / 100;
    const note = page.getByTestId('generate-generation-note');
    if (accuracy < 0.8) {
      await expect(note).toHaveAttribute('data-tone', 'low');
      await expect(note).toHaveText(`Only ${(accuracy * 100).toFixed(0)} % of generated images show the label they were asked for: more epochs or a larger latent usually helps.`);
      await expect(page.getByTestId('metric-generation-hint')).toHaveText((await note.textContent())!);
    } else {
      await expect(note).toHaveCount(0);
    }
    await page.screenshot({ path: test.info().outputPath('generate-label-check.png') });
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
