/**
 * The status bar's words about the in-app judging classifier (Fréchet distance, generation
 * accuracy): training (with its epoch), ready (with its test accuracy), off, failed, or nothing
 * to say (a 2-D toy dataset, or no classifier trained yet this session for the data on screen).
 */

/** What the status bar shows about the classifier: its state and short text, plus a tooltip. */
export interface ClassifierSummary {
  state: 'training' | 'ready' | 'off' | 'failed' | 'none';
  text: string;
  title: string;
}

/** The classifier state the summary reads (`ClassifierStatus`'s fields). */
export interface ClassifierFacts {
  active: boolean;
  /** "training the judging classifier for mnist: epoch 3/30" while `active`. */
  label: string;
  stopped: boolean;
  failed: boolean;
  note: string | null;
  /** The last training that finished this session: its dataset id and test accuracy (0–1). */
  ready: { dataset: string; testAccuracy?: number } | null;
}

/** What is on screen: whether the engine has a classifier at all, the dataset, a run's judged accuracy. */
export interface ClassifierContext {
  /** False when the engine runs without it (switched off by the engine's environment). */
  enabled: boolean;
  /** The dataset id of the model on screen (or of the Train form); null when none. */
  dataset: string | null;
  /** Whether that dataset holds images (the classifier judges images only). */
  isImage: boolean;
  /** The opened run's `metrics.classifierAccuracy` (0–1): its classifier exists. */
  runAccuracy?: number;
}

const JUDGES = 'The in-app classifier judges generated images (Fréchet distance, generation accuracy); it trains once per dataset, in the background';

/** `0.9876` → "98.8 %". */
function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

/**
 * The classifier's line for the status bar. Priority: training > failed > cancelled (off) >
 * switched off in the engine > ready (a training finished this session for the dataset on screen,
 * or the opened run carries the classifier's accuracy) > nothing.
 */
export function classifierSummary(c: ClassifierFacts, ctx: ClassifierContext): ClassifierSummary {
  if (c.active) return { state: 'training', text: c.label, title: JUDGES };
  if (c.failed) return { state: 'failed', text: c.note ?? 'The judging classifier could not be trained', title: c.note ?? JUDGES };
  if (c.stopped) return { state: 'off', text: 'Judging classifier off', title: 'New runs on image data get no Fréchet distance or generation accuracy until it is started again' };
  if (!ctx.enabled) return { state: 'off', text: 'Judging classifier off', title: "The engine runs with the judging classifier switched off (the README's environment variables): no Fréchet distance or generation accuracy" };
  if (!ctx.isImage || !ctx.dataset) return { state: 'none', text: '', title: '' };
  const acc = c.ready && c.ready.dataset === ctx.dataset ? c.ready.testAccuracy : ctx.runAccuracy;
  if (acc === undefined && !(c.ready && c.ready.dataset === ctx.dataset)) return { state: 'none', text: '', title: '' };
  const text = acc === undefined ? 'Classifier ready' : `Classifier ready (${pct(acc)})`;
  return { state: 'ready', text, title: `${JUDGES}. Trained for ${ctx.dataset}${acc === undefined ? '' : `: ${pct(acc)} right on its test images`}.` };
}
