/** Shared steps of the UI specs (ui.spec.ts, screenshots.spec.ts, exploration-gaps, explore-views…). */
import { expect, type Page } from '@playwright/test';

export interface TrainOpts {
  model: 'ae' | 'vae' | 'cvae';
  dim: number;
  epochs: number;
  /** The dataset to pick first (default MNIST); null keeps the one already chosen (an own folder). */
  dataset?: string | null;
  /** β, when the form's default should not be used. */
  beta?: number;
}

/** Fill the Train form, press Train and wait until the new run has started; returns its run id. */
export async function startTraining(page: Page, opts: TrainOpts): Promise<string> {
  const state = page.getByTestId('train-state');
  const before = (await state.getAttribute('data-run-id')) ?? '';
  if (opts.dataset !== null) await page.getByTestId('dataset-select').selectOption(opts.dataset ?? 'mnist');
  await page.getByTestId('model-select').selectOption(opts.model);
  await page.getByTestId('latent-dim-input').fill(String(opts.dim));
  if (opts.beta !== undefined) await page.getByTestId('beta-input').fill(String(opts.beta));
  await page.getByTestId('epochs-input').fill(String(opts.epochs));
  await page.getByTestId('train-button').click();
  await expect(state).not.toHaveAttribute('data-run-id', before);
  await expect(state).toHaveAttribute('data-run-id', /\S/);
  return (await state.getAttribute('data-run-id'))!;
}

/** Train from the form and wait until the run is done (progress at 100 %); returns its run id. */
export async function train(page: Page, opts: TrainOpts): Promise<string> {
  const runId = await startTraining(page, opts);
  await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await expect(page.getByTestId('train-progress')).toHaveAttribute('aria-valuenow', '100');
  return runId;
}

/** A hand-drawn "1"-ish digit as PNG bytes, made by the page's own canvas. */
export async function digitPng(page: Page): Promise<Buffer> {
  const bytes = await page.evaluate(async () => {
    const c = new OffscreenCanvas(56, 56);
    const g = c.getContext('2d')!;
    g.fillStyle = '#000';
    g.fillRect(0, 0, 56, 56);
    g.strokeStyle = '#fff';
    g.lineWidth = 6;
    g.lineCap = 'round';
    g.beginPath();
    g.moveTo(22, 14);
    g.lineTo(30, 8);
    g.lineTo(30, 48);
    g.stroke();
    const blob = await c.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  return Buffer.from(bytes);
}

/** Move the mouse over the scatter until the GPU pick finds a point (tooltip shown). */
export async function hoverSomePoint(page: Page): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('latent-scatter').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const tooltip = page.getByTestId('scatter-tooltip');
  for (let r = 0; r <= 160; r += 8) {
    for (let a = 0; a < 360; a += r === 0 ? 360 : 30) {
      const x = cx + r * Math.cos((a * Math.PI) / 180);
      const y = cy + r * Math.sin((a * Math.PI) / 180);
      await page.mouse.move(x, y);
      try {
        await expect(tooltip).toBeVisible({ timeout: 400 });
        return { x, y };
      } catch {
        /* no point under the cursor: keep looking */
      }
    }
  }
  throw new Error('no point found under the cursor');
}

/** Two animation frames: whatever the last state change drew is on screen. */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}
