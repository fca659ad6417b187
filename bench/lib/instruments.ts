/**
 * The exploration instruments' figures for the UI section (issue #14), measured in the running
 * page after a model is open:
 *
 *  - slider decode latency: a `model:decode` of one latent vector at 28×28 as the latent sliders
 *    send it (the WebSocket round trip: request → engine → answer, idle), and in the page the time
 *    from a slider's `input` event to the decoded image showing that point (a decode starts at
 *    once unless one already started in the current animation frame: at most one per frame);
 *  - image-cloud frame times come from the scatter bench page (`images=1`, see ui.ts).
 */
import type { Page } from 'playwright';
import { median, percentile, round } from './util';

export interface SliderDecode {
  /** WebSocket round trip of a 1-vector `model:decode` (idle). */
  roundTrip: { medianMs: number | null; p95Ms: number | null; n: number };
  /** Slider `input` event → `slider-image` showing that point. */
  inputToImage: { medianMs: number | null; p95Ms: number | null; n: number };
  latentDim: number;
  imageShape: string;
}

type Call = (name: string, payload?: unknown) => Promise<{ ms: number; msg: unknown }>;

const stats = (xs: number[]) => ({ medianMs: round(median(xs), 2), p95Ms: round(percentile(xs, 95), 2), n: xs.length });

export async function sliderLatency(page: Page, call: Call, reps: number): Promise<SliderDecode> {
  await page.getByTestId('tab-explore').click();
  await page.waitForSelector('[data-testid="slider-image"][data-z]:not([data-z=""])', { timeout: 60_000 });
  const dim = await page.locator('[data-testid^="latent-slider-"]').count();
  const z = new Float32Array(dim);
  const rtt: number[] = [];
  for (let i = 0; i < reps + 3; i++) {
    z[0] = ((i % 9) - 4) / 2;
    const r = await call('model:decode', { z, count: 1 });
    if (i >= 3) rtt.push(r.ms); // the first few warm the decoder up
  }
  const inPage = await page.evaluate(async (n) => {
    const input = document.querySelector('[data-testid="latent-slider-0"]') as HTMLInputElement;
    const image = document.querySelector('[data-testid="slider-image"]') as HTMLElement;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = (((i * 7) % 17) - 8) / 4; // −2 … +2, never twice in a row
      input.value = String(v);
      const t0 = performance.now();
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const want = `${Number(input.value).toFixed(3)},`;
      await new Promise<void>((resolve) => {
        const obs = new MutationObserver(() => {
          if (!(image.dataset.z ?? '').startsWith(want)) return;
          out.push(performance.now() - t0);
          obs.disconnect();
          resolve();
        });
        obs.observe(image, { attributes: true, attributeFilter: ['data-z'] });
      });
      // The next move in a later frame, as a drag's are.
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    return out;
  }, reps);
  const shape = await page.getByTestId('slider-image').locator('canvas').evaluate((c) => `${(c as HTMLCanvasElement).height}×${(c as HTMLCanvasElement).width}`);
  return { roundTrip: stats(rtt), inputToImage: stats(inPage), latentDim: dim, imageShape: shape };
}
