/**
 * The loss chart's note on a run that trained past its saved model: a VAE-GAN rolled back to its
 * last healthy epoch (jobs/ganHealth.ts) keeps that epoch's model (`RunSummary.epochsDone`) while
 * its curves (metrics.jsonl) go on to `epochsTrained`.
 */
import type { RunSummary } from './contract';

/** The sentence under the chart, and the saved epoch; null when the saved model is the last epoch's. */
export function savedEpochNote(run: Pick<RunSummary, 'epochsDone' | 'epochsTrained'> | null | undefined): { saved: number; text: string } | null {
  if (!run?.epochsTrained || run.epochsTrained <= run.epochsDone) return null;
  const saved = run.epochsDone;
  const after = run.epochsTrained === saved + 1 ? `epoch ${run.epochsTrained} is` : `epochs ${saved + 1}–${run.epochsTrained} are`;
  return { saved, text: `The saved model is from epoch ${saved}, the last healthy one; ${after} plotted but not kept.` };
}
