/**
 * What the Generate tab says about its fields and its grid: why Generate is disabled (a count or
 * temperature out of range, with the range) and what the grid on screen was drawn with.
 */
import type { SamplePrior } from './contract';
import { generationHint } from './metricHints';

/** The Generate tab's limits, as its fields and the engine's `model:generate` accept them. */
export const GENERATE_COUNT = { min: 1, max: 1000 } as const;
export const GENERATE_TEMPERATURE = { min: 0, max: 10 } as const;

/** A usable count: a whole number from 1 to 1000. */
export function countOk(count: unknown): count is number {
  return typeof count === 'number' && Number.isInteger(count) && count >= GENERATE_COUNT.min && count <= GENERATE_COUNT.max;
}

/** A usable temperature: a number from 0 to 10. */
export function temperatureOk(t: unknown): t is number {
  return typeof t === 'number' && Number.isFinite(t) && t >= GENERATE_TEMPERATURE.min && t <= GENERATE_TEMPERATURE.max;
}

/** A field's value as typed (`bind:value` on a number input gives null when it is empty or not a number). */
function typed(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : 'nothing';
}

/**
 * The messages under the Count and Temperature fields when they are out of range (null when
 * usable), e.g. "Count must be a whole number from 1 to 1,000 (5000 is not)."
 */
export function generateFieldErrors(count: unknown, temperature: unknown): { count: string | null; temperature: string | null } {
  return {
    count: countOk(count)
      ? null
      : `Count must be a whole number from ${GENERATE_COUNT.min} to ${GENERATE_COUNT.max.toLocaleString('en-US')} (${typed(count) === 'nothing' ? 'it is empty' : `${typed(count)} is not`}).`,
    temperature: temperatureOk(temperature)
      ? null
      : `Temperature must be from ${GENERATE_TEMPERATURE.min} to ${GENERATE_TEMPERATURE.max} (${typed(temperature) === 'nothing' ? 'it is empty' : `${typed(temperature)} is not`}).`,
  };
}

/**
 * The note after the grid's caption ("24 samples from the prior at T 1"): empty when the grid
 * shows the settings on screen; else why it does not — the fields hold values out of range, so
 * it is of the last valid settings; or it was drawn before "Sample from" or the temperature changed
 * (a redraw with the new one follows).
 */
export function gridCaptionNote(
  grid: { prior: string; temperature: number },
  now: { prior: string; temperature: unknown; count: unknown },
): string {
  if (!countOk(now.count) || !temperatureOk(now.temperature)) return ' — drawn with the last valid settings (the fields above are out of range)';
  if (grid.prior !== now.prior) return ' (drawn before “Sample from” changed)';
  if (grid.temperature !== now.temperature) return ' (drawn before the temperature changed)';
  return '';
}

/**
 * What the Generate tab says, for a CVAE, about how often its generated images show the label
 * they were asked for (`Metrics.generationAccuracy`, or `generationAccuracyFitted` with "where the
 * data lies" chosen), measured by the in-app classifier after training:
 *  - `low`: under `WEAK_GENERATION` (80 %) — the run summary's words (`generationHint`): "Only 35 %
 *    of generated images show the label they were asked for: more epochs or a larger latent usually helps.";
 *  - `pending`: not measured yet because the judging classifier is still training (`pending`);
 *  - null: not a CVAE, a good accuracy, or not measured and not coming.
 */
export function generationNote(
  kind: string | undefined,
  metrics: { generationAccuracy?: number; generationAccuracyFitted?: number } | null | undefined,
  prior: SamplePrior,
  pending: boolean,
): { tone: 'low' | 'pending'; text: string } | null {
  if (kind !== 'cvae') return null;
  const accuracy = prior === 'fitted' ? metrics?.generationAccuracyFitted : metrics?.generationAccuracy;
  if (accuracy !== undefined) {
    const hint = generationHint(kind, accuracy);
    return hint ? { tone: 'low', text: hint } : null;
  }
  if (!pending) return null;
  return {
    tone: 'pending',
    text: 'How often these images show the label asked for is not known yet: the in-app classifier that judges them is still training (status bar). A CVAE trained for few epochs often draws another label.',
  };
}
